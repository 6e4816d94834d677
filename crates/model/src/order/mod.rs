//! Orders: a customer's request to calibrate, verify, repair or maintain instruments, from
//! intake to certificate and return. No I/O here: the store and the node keep orders, both
//! through the same rules.
//!
//! - [`Order`]: the header (number, customer, service, priority, dates, notes, attachments) and
//!   [`Contact`], kept apart because it is personal information (see [`personal`]).
//! - [`OrderLine`]: one instrument each and its results ([`line`], [`measurement`]).
//! - [`workflow`]: the one state machine (order state + line state, roles, edits).
//! - [`number`]: order and certificate numbers minted offline without collisions.
//! - [`ops`]: what crosses the outbox and the wire for orders.

pub mod line;
pub mod measurement;
pub mod number;
pub mod ops;
pub mod personal;
pub mod workflow;

#[cfg(test)]
mod workflow_tests;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use line::{
    Conclusion, Environment, InstrumentDraft, Intake, LineInstrument, LineResults, OrderLine,
    Phase, ResultProblem, StandardUsed, Uncertainty,
};
pub use measurement::{MeasurementPoint, Mpe, PointError, Verdict};
pub use number::{DeviceTag, NumberError, OrderNumber};
pub use ops::{OrderChange, OrderOp, OrderSnapshot, OrderTransitionOp, Protected};
pub use personal::{mask_name, mask_phone, Contact, ContactProblem};
pub use workflow::{
    available_actions, can_edit, can_submit, transition, Action, ActionKind, Actor,
    CalibrationUpdate, Command, Context, EditScope, InvariantError, LineState, LineWork,
    OrderState, Quote, Role, Stage, TransitionError, Transitioned, Workflow,
};

/// Largest attachment (intake photo, document) one order may carry.
pub const MAX_ATTACHMENT_BYTES: u64 = 20 * 1024 * 1024;
/// Most attachments per order.
pub const MAX_ATTACHMENTS: usize = 50;
/// Longest customer organisation name and notes.
pub const MAX_CUSTOMER_CHARS: usize = 100;
pub const MAX_NOTES_CHARS: usize = 2000;

macro_rules! coded_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal / $zh:literal / $en:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s),+ }
            }

            /// `(zh-CN, English)`.
            pub fn labels(self) -> (&'static str, &'static str) {
                match self { $($name::$v => ($zh, $en)),+ }
            }

            /// Accepts the code, the Chinese label or the English one.
            pub fn parse(s: &str) -> Option<$name> {
                let t = s.trim();
                Self::ALL.iter().copied().find(|x| {
                    let (zh, en) = x.labels();
                    t == x.as_str() || t == zh || t.eq_ignore_ascii_case(en)
                })
            }
        }
    };
}

coded_enum!(
    ServiceType {
        Calibration = "calibration" / "校准" / "calibration",
        Verification = "verification" / "检定" / "verification",
        Repair = "repair" / "维修" / "repair",
        Maintenance = "maintenance" / "保养" / "maintenance",
    }
);

coded_enum!(
    Priority {
        Normal = "normal" / "普通" / "normal",
        Urgent = "urgent" / "加急" / "urgent",
        Express = "express" / "特急" / "express",
    }
);

/// A file kept with an order, by content: the SHA-256 names the bytes, so the same photo
/// attached twice is stored once and a changed file is a different attachment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentRef {
    /// SHA-256 of the bytes, lower-case hex.
    pub sha256: String,
    pub name: String,
    pub mime: String,
    pub size: u64,
}

/// An order's header. Its workflow state lives in [`Workflow`], its lines in [`OrderLine`], the
/// contact in [`Contact`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub number: OrderNumber,
    /// The customer organisation (not personal information: searchable, shown to all roles).
    pub customer: String,
    pub service: ServiceType,
    pub priority: Priority,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_date: Option<NaiveDate>,
    /// What the lab promised; later than today and not returned = late.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promised_date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AttachmentRef>,
}

/// Why an order header (or one of its attachments) cannot be saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OrderProblem {
    #[error("the customer is required")]
    MissingCustomer,
    #[error("{field}: longer than {max} characters or holds control characters")]
    BadText { field: &'static str, max: usize },
    #[error("the attachment is {size} bytes; at most {max} are allowed")]
    AttachmentTooLarge { size: u64, max: u64 },
    #[error("more than {max} attachments")]
    TooManyAttachments { max: usize },
    #[error("the attachment's hash, name or type is not valid")]
    BadAttachment,
}

fn text_problem(
    v: Option<&str>,
    max: usize,
    field: &'static str,
    problems: &mut Vec<OrderProblem>,
) {
    if let Some(v) = v {
        if v.chars().count() > max || v.chars().any(|c| c.is_control() && c != '\n') {
            problems.push(OrderProblem::BadText { field, max });
        }
    }
}

impl AttachmentRef {
    pub fn check(&self) -> Result<(), OrderProblem> {
        if self.size > MAX_ATTACHMENT_BYTES {
            return Err(OrderProblem::AttachmentTooLarge {
                size: self.size,
                max: MAX_ATTACHMENT_BYTES,
            });
        }
        let hash_ok = self.sha256.len() == 64
            && self
                .sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        let name_ok = (1..=200).contains(&self.name.chars().count())
            && !self
                .name
                .chars()
                .any(|c| c.is_control() || c == '/' || c == '\\');
        let mime_ok = (3..=100).contains(&self.mime.len())
            && self.mime.contains('/')
            && self.mime.bytes().all(|b| b.is_ascii_graphic());
        if hash_ok && name_ok && mime_ok {
            Ok(())
        } else {
            Err(OrderProblem::BadAttachment)
        }
    }
}

impl Order {
    /// The rules a header meets whenever it is saved, all problems at once.
    pub fn check(&self) -> Result<(), Vec<OrderProblem>> {
        let mut problems = Vec::new();
        if self.customer.trim().is_empty() {
            problems.push(OrderProblem::MissingCustomer);
        }
        text_problem(
            Some(&self.customer),
            MAX_CUSTOMER_CHARS,
            "customer",
            &mut problems,
        );
        text_problem(
            self.notes.as_deref(),
            MAX_NOTES_CHARS,
            "notes",
            &mut problems,
        );
        if self.attachments.len() > MAX_ATTACHMENTS {
            problems.push(OrderProblem::TooManyAttachments {
                max: MAX_ATTACHMENTS,
            });
        }
        for a in &self.attachments {
            if let Err(p) = a.check() {
                problems.push(p);
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_and_priority_parse_from_codes_and_labels() {
        assert_eq!(ServiceType::parse("检定"), Some(ServiceType::Verification));
        assert_eq!(ServiceType::parse("Repair"), Some(ServiceType::Repair));
        assert_eq!(
            ServiceType::parse("maintenance"),
            Some(ServiceType::Maintenance)
        );
        assert_eq!(Priority::parse("加急"), Some(Priority::Urgent));
        assert_eq!(Priority::parse("soon"), None);
    }

    #[test]
    fn attachments_have_a_size_limit_and_a_real_hash() {
        let ok = AttachmentRef {
            sha256: "ab".repeat(32),
            name: "收件照片.jpg".into(),
            mime: "image/jpeg".into(),
            size: MAX_ATTACHMENT_BYTES,
        };
        assert_eq!(ok.check(), Ok(()));
        let big = AttachmentRef {
            size: MAX_ATTACHMENT_BYTES + 1,
            ..ok.clone()
        };
        assert_eq!(
            big.check(),
            Err(OrderProblem::AttachmentTooLarge {
                size: MAX_ATTACHMENT_BYTES + 1,
                max: MAX_ATTACHMENT_BYTES
            })
        );
        for bad in [
            AttachmentRef {
                sha256: "AB".repeat(32),
                ..ok.clone()
            },
            AttachmentRef {
                name: "../x".into(),
                ..ok.clone()
            },
            AttachmentRef {
                mime: "jpeg".into(),
                ..ok.clone()
            },
        ] {
            assert_eq!(bad.check(), Err(OrderProblem::BadAttachment), "{bad:?}");
        }
    }
}
