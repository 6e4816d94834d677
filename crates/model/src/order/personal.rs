//! The customer contact's personal information (name, phone; GB/T 35273 / PIPL) and how it is
//! shown: in full only to the roles whose work needs it, masked (张*, 138****1234) to the rest.
//! Encryption at rest is the store's and the node's business; the model only says what is
//! personal and how a mask looks.

use serde::{Deserialize, Serialize};

use crate::order::workflow::Role;

/// Longest contact name and phone text.
pub const MAX_NAME_CHARS: usize = 50;
pub const MAX_PHONE_CHARS: usize = 32;

/// The person to call about an order. Both fields are personal information.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    pub phone: String,
}

/// Debug output never shows the clear values (it ends up in logs).
impl std::fmt::Debug for Contact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Contact")
            .field("name", &mask_name(&self.name))
            .field("phone", &mask_phone(&self.phone))
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ContactProblem {
    #[error("the contact's name is required")]
    MissingName,
    #[error("the contact's name is longer than {max} characters or holds control characters")]
    BadName { max: usize },
    #[error("the phone number must hold 5 to 20 digits (with + - space and parentheses)")]
    BadPhone,
}

impl Contact {
    pub fn check(&self) -> Result<(), Vec<ContactProblem>> {
        let mut problems = Vec::new();
        let name = self.name.trim();
        if name.is_empty() {
            problems.push(ContactProblem::MissingName);
        } else if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
            problems.push(ContactProblem::BadName {
                max: MAX_NAME_CHARS,
            });
        }
        let digits = self.phone.chars().filter(char::is_ascii_digit).count();
        let allowed = self
            .phone
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')'));
        if !(5..=20).contains(&digits) || !allowed || self.phone.len() > MAX_PHONE_CHARS {
            problems.push(ContactProblem::BadPhone);
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// The contact as `role` may see it.
    pub fn for_role(&self, role: Role) -> Contact {
        if role.sees_personal_data() {
            self.clone()
        } else {
            self.masked()
        }
    }

    pub fn masked(&self) -> Contact {
        Contact {
            name: mask_name(&self.name),
            phone: mask_phone(&self.phone),
        }
    }
}

/// The first character and one `*` for each of the rest: 张三 → 张*, 欧阳娜娜 → 欧***,
/// a one-character name → `*`.
pub fn mask_name(name: &str) -> String {
    let name = name.trim();
    let mut chars = name.chars();
    match (chars.next(), name.chars().count()) {
        (None, _) => String::new(),
        (Some(_), 1) => "*".to_owned(),
        (Some(first), n) => std::iter::once(first)
            .chain(std::iter::repeat_n('*', n - 1))
            .collect(),
    }
}

/// The first three and last four digits of a number with at least eight (138****1234,
/// 021****5678 for 02112345678), only the last two of a shorter one; separators dropped.
pub fn mask_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    let n = digits.len();
    let (head, tail) = if n >= 8 { (3, 4) } else { (0, n.min(2)) };
    digits
        .iter()
        .enumerate()
        .map(|(i, &d)| if i < head || i >= n - tail { d } else { '*' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_names_and_phones_as_chinese_practice_does() {
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("欧阳娜娜"), "欧***");
        assert_eq!(mask_name("王"), "*");
        assert_eq!(mask_name(" "), "");
        assert_eq!(mask_name("Li Lei"), "L*****");
        assert_eq!(mask_phone("13812341234"), "138****1234");
        assert_eq!(mask_phone("138-1234-1234"), "138****1234");
        assert_eq!(mask_phone("+86 138 1234 5678"), "861******5678");
        assert_eq!(mask_phone("12345"), "***45");
        assert_eq!(mask_phone(""), "");
    }

    #[test]
    fn only_roles_that_need_it_see_the_contact() {
        let c = Contact {
            name: "张三".into(),
            phone: "13812341234".into(),
        };
        assert_eq!(c.for_role(Role::EnterpriseAdmin), c);
        assert_eq!(c.for_role(Role::Customer), c);
        for role in [Role::Technician, Role::Reviewer, Role::Operator] {
            let m = c.for_role(role);
            assert_eq!((m.name.as_str(), m.phone.as_str()), ("张*", "138****1234"));
        }
        let debug = format!("{c:?}");
        assert!(
            !debug.contains("13812341234") && !debug.contains("张三"),
            "{debug}"
        );
    }

    #[test]
    fn checks_the_phone_and_name() {
        let ok = Contact {
            name: "张三".into(),
            phone: "(021) 6123-4567".into(),
        };
        assert!(ok.check().is_ok());
        let bad = Contact {
            name: "".into(),
            phone: "call me".into(),
        };
        assert_eq!(
            bad.check(),
            Err(vec![ContactProblem::MissingName, ContactProblem::BadPhone])
        );
    }
}
