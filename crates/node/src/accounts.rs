//! Tenants and accounts: enterprises under the node's prefix, users who need an operator's
//! approval, API tokens, registered devices and suffix leases.
//!
//! The rules live here (what a role may do, what a valid registration is, why a request is
//! refused); the storage is behind [`crate::storage::AccountStore`], the words in
//! [`crate::words`].

use argon2::password_hash::rand_core::{OsRng, RngCore};
use base64::Engine as _;
use idstation_model::identifier::is_valid_prefix;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::sync::PushRejection;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the node: approves accounts, sees every enterprise.
    Operator,
    /// Manages one enterprise: its devices, its users, its handles.
    EnterpriseAdmin,
    /// Registers and edits instruments of one enterprise.
    Technician,
    /// Reads and reviews one enterprise's data; writes no handles.
    Reviewer,
    /// A registered workstation signed in with its device secret: it syncs its enterprise's
    /// records (push, pull, leases) and nothing else, whoever registered it.
    Device,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::EnterpriseAdmin => "enterprise_admin",
            Role::Technician => "technician",
            Role::Reviewer => "reviewer",
            Role::Device => "device",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        [
            Role::Operator,
            Role::EnterpriseAdmin,
            Role::Technician,
            Role::Reviewer,
            Role::Device,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }

    /// Whether the role may register, modify and delete handles of its enterprise (a device
    /// through sync only).
    pub fn writes_handles(self) -> bool {
        !matches!(self, Role::Reviewer)
    }

    /// Whether an account can hold the role (operators come from `init`, devices sign in with
    /// their own secret).
    pub fn is_account_role(self) -> bool {
        !matches!(self, Role::Operator | Role::Device)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    /// Registered, waiting for an operator's decision: can do nothing but wait.
    Pending,
    Active,
    Rejected,
    Disabled,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Pending => "pending",
            AccountStatus::Active => "active",
            AccountStatus::Rejected => "rejected",
            AccountStatus::Disabled => "disabled",
        }
    }

    /// Whether an account with this status may act; the refusal when it may not.
    pub fn check_active(self) -> Result<(), AccountError> {
        match self {
            AccountStatus::Active => Ok(()),
            AccountStatus::Pending => Err(AccountError::AccountPending),
            AccountStatus::Rejected => Err(AccountError::AccountRejected),
            AccountStatus::Disabled => Err(AccountError::AccountDisabled),
        }
    }

    pub fn parse(s: &str) -> Option<AccountStatus> {
        [
            AccountStatus::Pending,
            AccountStatus::Active,
            AccountStatus::Rejected,
            AccountStatus::Disabled,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Enterprise {
    pub id: i64,
    pub prefix: String,
    pub name: String,
    /// `pending` until the operator approves its first account, then `active`.
    pub status: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub status: AccountStatus,
    pub enterprise_id: Option<i64>,
    pub enterprise_prefix: Option<String>,
    /// `pending`, `active` or `rejected`; `None` for the operator.
    pub enterprise_status: Option<String>,
    pub created_at: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub decision_note: Option<String>,
    /// When repeated wrong passwords locked the account; the operator lifts it.
    pub locked_at: Option<String>,
    /// The password was set by someone else (or is the admin secret): the next sign-in must
    /// replace it before doing anything else.
    pub must_change_password: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Device {
    pub id: String,
    pub enterprise_id: i64,
    pub enterprise_prefix: String,
    pub name: String,
    pub registered_at: String,
    /// A revoked device signs in no more; its tokens stopped working when it was revoked.
    pub revoked_at: Option<String>,
}

/// Who is making a request, once authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// `None` for the prefix administrator `300:0.NA/<prefix>`, who has no account row, and for
    /// devices.
    pub user_id: Option<i64>,
    pub username: String,
    pub role: Role,
    pub enterprise_id: Option<i64>,
    pub enterprise_prefix: Option<String>,
    /// The device a device token stands for.
    pub device_id: Option<String>,
    /// The account must replace its password before anything else.
    pub must_change_password: bool,
    /// The principal's enterprise is active (always true for the operator): only then may it
    /// write under the enterprise's prefix.
    pub enterprise_active: bool,
}

impl Principal {
    /// The prefix administrator `300:0.NA/<prefix>`, who acts as the operator.
    pub fn prefix_admin(username: String) -> Principal {
        Principal {
            user_id: None,
            username,
            role: Role::Operator,
            enterprise_id: None,
            enterprise_prefix: None,
            device_id: None,
            must_change_password: false,
            enterprise_active: true,
        }
    }

    /// The principal an account signs in as.
    pub fn of_account(a: &Account) -> Principal {
        Principal {
            user_id: Some(a.id),
            username: a.username.clone(),
            role: a.role,
            enterprise_id: a.enterprise_id,
            enterprise_prefix: a.enterprise_prefix.clone(),
            device_id: None,
            must_change_password: a.must_change_password,
            enterprise_active: a.role == Role::Operator
                || a.enterprise_status.as_deref() == Some("active"),
        }
    }

    /// The principal a device signs in as: the device role, its enterprise.
    pub fn of_device(d: &Device, enterprise_active: bool) -> Principal {
        Principal {
            user_id: None,
            username: format!("device:{}", d.id),
            role: Role::Device,
            enterprise_id: Some(d.enterprise_id),
            enterprise_prefix: Some(d.enterprise_prefix.clone()),
            device_id: Some(d.id.clone()),
            must_change_password: false,
            enterprise_active,
        }
    }

    pub fn is_operator(&self) -> bool {
        self.role == Role::Operator
    }

    pub fn is_device(&self) -> bool {
        self.role == Role::Device
    }

    /// Whether this principal may act on `device`'s behalf in sync: a device only as itself,
    /// an account for any device of its enterprise.
    pub fn acts_for_device(&self, device: &Device) -> bool {
        match &self.device_id {
            Some(own) => *own == device.id,
            None => self.can_read_enterprise(device.enterprise_id),
        }
    }

    /// Whether this principal may disable, re-role, reset or sign out `target`: the operator
    /// anyone but itself, an enterprise administrator the accounts of its own enterprise.
    pub fn may_manage(&self, target: &Account) -> Result<(), AccountError> {
        if self.user_id == Some(target.id) {
            return Err(AccountError::Forbidden(Denied::OwnAccount));
        }
        if target.role == Role::Operator && !self.is_operator() {
            return Err(AccountError::Forbidden(Denied::ManageAccounts));
        }
        let allowed = self.is_operator()
            || (self.role == Role::EnterpriseAdmin
                && self.enterprise_active
                && target.enterprise_id.is_some()
                && target.enterprise_id == self.enterprise_id);
        if allowed {
            Ok(())
        } else {
            Err(AccountError::Forbidden(Denied::ManageAccounts))
        }
    }

    /// The enterprise whose data this principal sees: `None` for the operator, who sees every
    /// enterprise; refused for an account of no enterprise.
    pub fn enterprise_scope(&self) -> Result<Option<i64>, AccountError> {
        if self.is_operator() {
            return Ok(None);
        }
        self.enterprise_id
            .map(Some)
            .ok_or(AccountError::Forbidden(Denied::NoEnterprise))
    }

    /// The prefix at or below which this principal sees records: `None` for the operator.
    pub fn prefix_scope(&self) -> Result<Option<String>, AccountError> {
        if self.is_operator() {
            return Ok(None);
        }
        self.enterprise_prefix
            .clone()
            .map(Some)
            .ok_or(AccountError::Forbidden(Denied::NoEnterprise))
    }

    /// Whether this principal may see data of `enterprise_id`.
    pub fn can_read_enterprise(&self, enterprise_id: i64) -> bool {
        self.is_operator() || self.enterprise_id == Some(enterprise_id)
    }

    /// Whether this principal may write handles with this prefix: operators anywhere under the
    /// node, everyone else only at or below their enterprise's prefix.
    pub fn can_write_prefix(&self, prefix: &str) -> bool {
        if self.is_operator() {
            return true;
        }
        self.role.writes_handles()
            && self.enterprise_active
            && self
                .enterprise_prefix
                .as_deref()
                .is_some_and(|own| is_at_or_below(prefix, own))
    }
}

/// `prefix` equals `parent` or lies below it (`88.118.8.1` under `88.118.8`, not `88.118.80`).
pub fn is_at_or_below(prefix: &str, parent: &str) -> bool {
    prefix == parent
        || (prefix.len() > parent.len()
            && prefix.starts_with(parent)
            && prefix.as_bytes()[parent.len()] == b'.')
}

/// A self-registration as it arrives from the API.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct Registration {
    pub username: String,
    pub password: String,
    pub display_name: String,
    pub role: Role,
    /// The enterprise's prefix, e.g. `88.118.8`: one level under the node's prefix.
    pub enterprise_prefix: String,
    /// Required when the enterprise is new: it is created pending together with the account.
    #[serde(default)]
    pub enterprise_name: Option<String>,
}

/// A registration that passed validation, with its password hashed.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub enterprise_prefix: String,
    pub enterprise_name: Option<String>,
}

/// Why a `/api/v1` request was refused, in terms the caller can act on. Each has a stable code
/// ([`AccountError::code`]); its words, zh-CN and English (`Display`), are in [`crate::words`];
/// the HTTP status is chosen in `http::error`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    InvalidInput {
        field: &'static str,
        reason: Invalid,
    },
    UsernameTaken,
    /// No enterprise has this prefix, and the registration names none to create.
    UnknownEnterprise(String),
    WrongCredentials,
    AccountPending,
    AccountRejected,
    AccountDisabled,
    Unauthenticated,
    TokenExpired,
    Forbidden(Denied),
    NotFound,
    AlreadyDecided,
    DeviceTaken,
    /// Too many wrong passwords: the operator lifts the lock.
    AccountLocked,
    /// The account's password must be replaced first (`POST /api/v1/me/password`).
    PasswordChangeRequired,
    /// Too many wrong passwords from this address or for this account: try again later.
    Throttled {
        retry_after_secs: u64,
    },
    /// Too many sign-ins at once are being checked: try again in a moment.
    Busy,
    /// The enterprise was rejected: nobody joins it or writes under its prefix.
    EnterpriseRejected,
    /// The device was revoked.
    DeviceRevoked,
    /// A GS1 company prefix belongs to another enterprise already.
    Gs1PrefixTaken(String),
    /// The list of registrations awaiting approval is full.
    RegistrationsFull,
    /// The request body is larger than the route reads.
    BodyTooLarge,
    /// A write named a revision of a record that changed meanwhile (its current revision).
    StaleRevision(u64),
    /// Maintenance mode is on already: end it before declaring another window.
    MaintenanceOn,
}

/// Why a field of a request is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalid {
    /// What a parser said about a body, a query or a path that is not well-formed.
    Malformed(String),
    UsernameShape,
    PasswordTooWeak,
    NameShape,
    /// Operators are made by `idstation-node init`, never by registration.
    OperatorRole,
    /// Devices sign in with their device secret; no account has their role.
    DeviceRole,
    /// A GS1 company prefix is 6 to 12 digits.
    Gs1PrefixShape(String),
    /// The new password is the one it replaces.
    SamePassword,
    /// An enterprise prefix must be one level under the node's prefix (given).
    NotOneLevelUnder(String),
    SeriesShape,
    /// A number outside `1..=max`.
    OutOfRange {
        max: u64,
    },
    TooLong {
        max: usize,
    },
    UnknownStatus(String),
    /// An operator registers a device for an enterprise, which must be named.
    EnterpriseNotNamed,
    /// A date that is not `YYYY-MM-DD`.
    Date(String),
    /// A month that is not `YYYY-MM`.
    Month(String),
    /// A time that is not RFC 3339 (`2026-11-03T08:00:00+08:00`).
    Instant(String),
    /// A recovery before its start.
    EndsBeforeStart,
    Push(PushRejection),
    /// A docking record's field (see [`crate::entities`]).
    Field(crate::docking::FieldProblem),
}

/// What a caller's role or enterprise does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    OperatorsOnly,
    AccountLists,
    NoEnterprise,
    AnotherEnterprise,
    ReviewerDevices,
    ReviewerLeases,
    ReviewerPushes,
    /// Signing out revokes a token; Basic credentials have none.
    TokensOnly,
    /// A device token syncs; everything else needs a person's account.
    DevicesSyncOnly,
    /// A device pushes, pulls and leases as itself only.
    OtherDevice,
    /// Accounts are managed by the operator, and by an enterprise's administrator within it.
    ManageAccounts,
    /// Nobody disables, re-roles or resets their own account through the admin endpoints.
    OwnAccount,
    /// Writing needs an active enterprise.
    EnterpriseInactive,
}

impl AccountError {
    pub fn code(&self) -> &'static str {
        match self {
            AccountError::InvalidInput { .. } => "invalid_input",
            AccountError::UsernameTaken => "username_taken",
            AccountError::UnknownEnterprise(_) => "unknown_enterprise",
            AccountError::WrongCredentials => "wrong_credentials",
            AccountError::AccountPending => "account_pending",
            AccountError::AccountRejected => "account_rejected",
            AccountError::AccountDisabled => "account_disabled",
            AccountError::Unauthenticated => "unauthenticated",
            AccountError::TokenExpired => "token_expired",
            AccountError::Forbidden(_) => "forbidden",
            AccountError::NotFound => "not_found",
            AccountError::AlreadyDecided => "already_decided",
            AccountError::DeviceTaken => "device_taken",
            AccountError::AccountLocked => "account_locked",
            AccountError::PasswordChangeRequired => "password_change_required",
            AccountError::Throttled { .. } => "throttled",
            AccountError::Busy => "busy",
            AccountError::EnterpriseRejected => "enterprise_rejected",
            AccountError::DeviceRevoked => "device_revoked",
            AccountError::Gs1PrefixTaken(_) => "gs1_prefix_taken",
            AccountError::RegistrationsFull => "registrations_full",
            AccountError::BodyTooLarge => "too_large",
            AccountError::StaleRevision(_) => "stale_revision",
            AccountError::MaintenanceOn => "maintenance_on",
        }
    }
}

fn invalid(field: &'static str, reason: Invalid) -> AccountError {
    AccountError::InvalidInput { field, reason }
}

/// Checks a free-text name: trimmed, 1..=64 characters, no control characters.
pub fn check_name(field: &'static str, value: &str) -> Result<String, AccountError> {
    let v = value.trim();
    let n = v.chars().count();
    if n == 0 || n > 64 || v.chars().any(char::is_control) {
        return Err(invalid(field, Invalid::NameShape));
    }
    Ok(v.to_owned())
}

/// Whether `u` can be a user name: 3 to 64 letters, digits or `. _ - @`. Checked before a
/// name is looked up or recorded anywhere, so no request writes more than that.
pub fn is_username(u: &str) -> bool {
    (3..=64).contains(&u.len())
        && u.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-@".contains(&b))
}

/// Checks a user name (see [`is_username`]).
pub fn check_username(u: &str) -> Result<(), AccountError> {
    if is_username(u) {
        Ok(())
    } else {
        Err(invalid("username", Invalid::UsernameShape))
    }
}

/// Checks a new password: at least 8 characters with letters and digits, at most 256 bytes.
pub fn check_password(field: &'static str, p: &str) -> Result<(), AccountError> {
    if p.chars().count() < 8
        || p.len() > 256
        || !p.chars().any(|c| c.is_alphabetic())
        || !p.chars().any(|c| c.is_ascii_digit())
    {
        return Err(invalid(field, Invalid::PasswordTooWeak));
    }
    Ok(())
}

impl Registration {
    /// Validates every field against the node's prefix; the password is not hashed here.
    pub fn validate(&self, node_prefix: &str) -> Result<(), AccountError> {
        check_username(&self.username)?;
        check_password("password", &self.password)?;
        check_name("display_name", &self.display_name)?;
        if self.role == Role::Operator {
            return Err(invalid("role", Invalid::OperatorRole));
        }
        if self.role == Role::Device {
            return Err(invalid("role", Invalid::DeviceRole));
        }
        let ep = &self.enterprise_prefix;
        let one_level_under = is_valid_prefix(ep)
            && ep
                .strip_prefix(node_prefix)
                .and_then(|rest| rest.strip_prefix('.'))
                .is_some_and(|rest| !rest.contains('.'));
        if !one_level_under {
            return Err(invalid(
                "enterprise_prefix",
                Invalid::NotOneLevelUnder(node_prefix.to_owned()),
            ));
        }
        if let Some(name) = &self.enterprise_name {
            check_name("enterprise_name", name)?;
        }
        Ok(())
    }
}

/// A new API token: the text handed to the client once, and its SHA-256 for storage.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token = format!(
        "ids_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    let hash = token_hash(&token);
    (token, hash)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registration() -> Registration {
        Registration {
            username: "li.wei".into(),
            password: "calib2026".into(),
            display_name: "李伟".into(),
            role: Role::Technician,
            enterprise_prefix: "88.118.8".into(),
            enterprise_name: Some("华东计量".into()),
        }
    }

    #[test]
    fn validates_registrations() {
        assert!(registration().validate("88.118").is_ok());
        type Change = fn(&mut Registration);
        let cases: Vec<(Change, &str)> = vec![
            (|r| r.username = "a b".into(), "username"),
            (|r| r.username = "ab".into(), "username"),
            (|r| r.password = "short1".into(), "password"),
            (|r| r.password = "onlyletters".into(), "password"),
            (|r| r.display_name = " ".into(), "display_name"),
            (|r| r.role = Role::Operator, "role"),
            (|r| r.role = Role::Device, "role"),
            (
                |r| r.enterprise_prefix = "88.119.8".into(),
                "enterprise_prefix",
            ),
            (
                |r| r.enterprise_prefix = "88.118".into(),
                "enterprise_prefix",
            ),
            (
                |r| r.enterprise_prefix = "88.118.8.1".into(),
                "enterprise_prefix",
            ),
            (
                |r| r.enterprise_prefix = "88.1188".into(),
                "enterprise_prefix",
            ),
            (
                |r| r.enterprise_name = Some("x\u{7}".into()),
                "enterprise_name",
            ),
        ];
        for (change, field) in cases {
            let mut r = registration();
            change(&mut r);
            match r.validate("88.118") {
                Err(AccountError::InvalidInput { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}: {other:?}"),
            }
        }
    }

    fn account(id: i64, role: Role, enterprise_id: Option<i64>) -> Account {
        Account {
            id,
            username: format!("user{id}"),
            display_name: "张三".into(),
            role,
            status: AccountStatus::Active,
            enterprise_id,
            enterprise_prefix: enterprise_id.map(|e| format!("88.118.{e}")),
            enterprise_status: enterprise_id.map(|_| "active".into()),
            created_at: "2026-01-01T00:00:00Z".into(),
            decided_by: None,
            decided_at: None,
            decision_note: None,
            locked_at: None,
            must_change_password: false,
        }
    }

    #[test]
    fn accounts_are_managed_within_their_enterprise_never_by_themselves() {
        let admin = Principal::of_account(&account(1, Role::EnterpriseAdmin, Some(8)));
        let tech = Principal::of_account(&account(2, Role::Technician, Some(8)));
        let operator = Principal::of_account(&account(9, Role::Operator, None));
        assert!(admin
            .may_manage(&account(3, Role::Technician, Some(8)))
            .is_ok());
        assert!(admin
            .may_manage(&account(4, Role::Technician, Some(9)))
            .is_err());
        assert!(admin
            .may_manage(&account(1, Role::EnterpriseAdmin, Some(8)))
            .is_err());
        assert!(admin.may_manage(&account(9, Role::Operator, None)).is_err());
        assert!(tech
            .may_manage(&account(3, Role::Technician, Some(8)))
            .is_err());
        assert!(operator
            .may_manage(&account(3, Role::Technician, Some(9)))
            .is_ok());
        assert!(operator
            .may_manage(&account(9, Role::Operator, None))
            .is_err());
        // An account of a rejected enterprise writes nothing under its prefix.
        let mut rejected = account(5, Role::Technician, Some(8));
        rejected.enterprise_status = Some("rejected".into());
        assert!(!Principal::of_account(&rejected).can_write_prefix("88.118.8"));
    }

    #[test]
    fn a_device_acts_as_itself_only() {
        let device = Device {
            id: "d1".into(),
            enterprise_id: 8,
            enterprise_prefix: "88.118.8".into(),
            name: "一号机".into(),
            registered_at: "2026-01-01T00:00:00Z".into(),
            revoked_at: None,
        };
        let other = Device {
            id: "d2".into(),
            ..device.clone()
        };
        let p = Principal::of_device(&device, true);
        assert!(p.is_device() && p.acts_for_device(&device) && !p.acts_for_device(&other));
        assert!(p.can_write_prefix("88.118.8") && !p.can_write_prefix("88.118.9"));
        assert!(!Principal::of_device(&device, false).can_write_prefix("88.118.8"));
    }

    #[test]
    fn principals_write_only_their_own_prefix() {
        let tech = Principal::of_account(&account(2, Role::Technician, Some(8)));
        assert!(tech.can_write_prefix("88.118.8"));
        assert!(tech.can_write_prefix("88.118.8.3"));
        assert!(!tech.can_write_prefix("88.118.80"));
        assert!(!tech.can_write_prefix("88.118.9"));
        assert!(!tech.can_write_prefix("88.118"));
        let reviewer = Principal {
            role: Role::Reviewer,
            ..tech.clone()
        };
        assert!(!reviewer.can_write_prefix("88.118.8"));
        assert!(tech.can_read_enterprise(8) && !tech.can_read_enterprise(2));
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let (a, ha) = new_token();
        let (b, hb) = new_token();
        assert_ne!(a, b);
        assert_eq!(ha, token_hash(&a));
        assert_ne!(ha, hb);
        assert!(!ha.contains(&a));
    }
}
