//! Tenants and accounts: enterprises under the node's prefix, users who need an operator's
//! approval, API tokens, registered devices and suffix leases.
//!
//! The rules live here (what a role may do, what a valid registration is); the storage is behind
//! [`AccountStore`] so a PostgreSQL backend can implement the same calls.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use base64::Engine as _;
use idstation_model::identifier::is_valid_prefix;
use idstation_model::SuffixLease;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::store::{Actor, StoreError};

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
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::EnterpriseAdmin => "enterprise_admin",
            Role::Technician => "technician",
            Role::Reviewer => "reviewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        [
            Role::Operator,
            Role::EnterpriseAdmin,
            Role::Technician,
            Role::Reviewer,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }

    /// Whether the role may register, modify and delete handles of its enterprise.
    pub fn writes_handles(self) -> bool {
        !matches!(self, Role::Reviewer)
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
    pub created_at: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub decision_note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Device {
    pub id: String,
    pub enterprise_id: i64,
    pub enterprise_prefix: String,
    pub name: String,
    pub registered_at: String,
}

/// Who is making a request, once authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// `None` for the prefix administrator `300:0.NA/<prefix>`, who has no account row.
    pub user_id: Option<i64>,
    pub username: String,
    pub role: Role,
    pub enterprise_id: Option<i64>,
    pub enterprise_prefix: Option<String>,
}

impl Principal {
    pub fn is_operator(&self) -> bool {
        self.role == Role::Operator
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

/// Why an account operation was refused. Each has a stable code and a message in Chinese and
/// English; the HTTP status is chosen in `accounts_api`.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("invalid {field}: {reason}")]
    InvalidInput { field: &'static str, reason: String },
    #[error("the user name is taken")]
    UsernameTaken,
    #[error("no enterprise has prefix {0}; give enterprise_name to register a new one")]
    UnknownEnterprise(String),
    #[error("user name or password is wrong")]
    WrongCredentials,
    #[error("the account awaits the operator's approval")]
    AccountPending,
    #[error("the account was rejected")]
    AccountRejected,
    #[error("the account is disabled")]
    AccountDisabled,
    #[error("sign in first")]
    Unauthenticated,
    #[error("the token has expired or was revoked; sign in again")]
    TokenExpired,
    #[error("not allowed: {0}")]
    Forbidden(&'static str),
    #[error("not found")]
    NotFound,
    #[error("the account was already decided")]
    AlreadyDecided,
    #[error("a device with this id is registered already")]
    DeviceTaken,
    #[error(transparent)]
    Store(#[from] StoreError),
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
            AccountError::Store(_) => "internal",
        }
    }

    /// The message lab staff read (zh-CN).
    pub fn message_zh(&self) -> String {
        match self {
            AccountError::InvalidInput { field, reason } => {
                format!("{} 无效：{}", field_zh(field), reason_zh(reason))
            }
            AccountError::UsernameTaken => "用户名已被使用".to_owned(),
            AccountError::UnknownEnterprise(p) => {
                format!("没有前缀为 {p} 的企业；注册新企业请填写企业名称")
            }
            AccountError::WrongCredentials => "用户名或密码错误".to_owned(),
            AccountError::AccountPending => "账户待审核：运营方批准后才能使用".to_owned(),
            AccountError::AccountRejected => "账户申请未获批准".to_owned(),
            AccountError::AccountDisabled => "账户已停用".to_owned(),
            AccountError::Unauthenticated => "请先登录".to_owned(),
            AccountError::TokenExpired => "登录已过期或已注销，请重新登录".to_owned(),
            AccountError::Forbidden(_) => "无权执行此操作".to_owned(),
            AccountError::NotFound => "未找到".to_owned(),
            AccountError::AlreadyDecided => "该账户已审核".to_owned(),
            AccountError::DeviceTaken => "该设备已注册".to_owned(),
            AccountError::Store(_) => "服务器内部错误".to_owned(),
        }
    }
}

fn field_zh(field: &str) -> &'static str {
    match field {
        "username" => "用户名",
        "password" => "密码",
        "display_name" => "姓名",
        "role" => "角色",
        "enterprise_prefix" => "企业前缀",
        "enterprise_name" => "企业名称",
        "name" => "名称",
        "series" => "号段",
        "count" => "数量",
        _ => "字段",
    }
}

fn reason_zh(reason: &str) -> String {
    match reason {
        r if r.starts_with("must be 3 to 64") => "须为 3–64 个字母、数字或 . _ - @".to_owned(),
        r if r.starts_with("must have at least 8") => {
            "至少 8 个字符，且同时包含字母和数字".to_owned()
        }
        r if r.starts_with("must be 1 to 64") => "须为 1–64 个字符".to_owned(),
        r if r.starts_with("operators are created") => "运营方账户只能由节点初始化创建".to_owned(),
        r if r.starts_with("must be one level under") => {
            "须是本节点前缀下一级，如 88.118.8".to_owned()
        }
        r if r.starts_with("must be upper-case") => {
            "须为大写字母、数字和连字符，1–32 个字符".to_owned()
        }
        r if r.starts_with("must be 1 to") => "超出允许范围".to_owned(),
        other => other.to_owned(),
    }
}

fn invalid(field: &'static str, reason: &str) -> AccountError {
    AccountError::InvalidInput {
        field,
        reason: reason.to_owned(),
    }
}

/// Checks a free-text name: trimmed, 1..=64 characters, no control characters.
pub fn check_name(field: &'static str, value: &str) -> Result<String, AccountError> {
    let v = value.trim();
    let n = v.chars().count();
    if n == 0 || n > 64 || v.chars().any(char::is_control) {
        return Err(invalid(
            field,
            "must be 1 to 64 characters without control characters",
        ));
    }
    Ok(v.to_owned())
}

impl Registration {
    /// Validates every field against the node's prefix; the password is not hashed here.
    pub fn validate(&self, node_prefix: &str) -> Result<(), AccountError> {
        let u = &self.username;
        if !(3..=64).contains(&u.len())
            || !u
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-@".contains(&b))
        {
            return Err(invalid(
                "username",
                "must be 3 to 64 letters, digits or . _ - @",
            ));
        }
        let p = &self.password;
        if p.chars().count() < 8
            || p.len() > 256
            || !p.chars().any(|c| c.is_alphabetic())
            || !p.chars().any(|c| c.is_ascii_digit())
        {
            return Err(invalid(
                "password",
                "must have at least 8 characters with letters and digits",
            ));
        }
        check_name("display_name", &self.display_name)?;
        if self.role == Role::Operator {
            return Err(invalid(
                "role",
                "operators are created by `idstation-node init`, not by registration",
            ));
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
                &format!("must be one level under the node's prefix {node_prefix}"),
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

/// Accounts, enterprises, tokens, devices and leases. Every write appends an audit entry in the
/// same transaction. Methods block; async callers run them on the blocking pool.
pub trait AccountStore: Send + Sync + 'static {
    /// The operator account `idstation-node init` creates.
    fn create_operator(
        &self,
        username: &str,
        password_hash: &str,
        actor: &Actor<'_>,
    ) -> Result<Account, AccountError>;
    /// A self-registration: a pending account, and a pending enterprise when the prefix is new.
    fn register_account(
        &self,
        account: &NewAccount,
        actor: &Actor<'_>,
    ) -> Result<Account, AccountError>;
    /// The account and its password hash.
    fn account_for_login(&self, username: &str) -> Result<Option<(Account, String)>, AccountError>;
    fn account(&self, id: i64) -> Result<Option<Account>, AccountError>;
    /// Stores a token for a successful sign-in and audits the sign-in.
    fn record_login(
        &self,
        account: &Account,
        token_sha256: &str,
        expires_at: &str,
        actor: &Actor<'_>,
    ) -> Result<(), AccountError>;
    /// Audits a refused sign-in (wrong password, pending or rejected account).
    fn record_login_refused(
        &self,
        username: &str,
        reason: &str,
        actor: &Actor<'_>,
    ) -> Result<(), AccountError>;
    /// The principal a token stands for, if the token exists, is unrevoked and unexpired at
    /// `now`, and its account is active.
    fn principal_for_token(
        &self,
        token_sha256: &str,
        now: &str,
    ) -> Result<Option<Principal>, AccountError>;
    fn revoke_token(&self, token_sha256: &str, actor: &Actor<'_>) -> Result<(), AccountError>;
    /// Accounts, optionally only one status and/or one enterprise.
    fn list_accounts(
        &self,
        status: Option<AccountStatus>,
        enterprise_id: Option<i64>,
    ) -> Result<Vec<Account>, AccountError>;
    /// Approves or rejects a pending account. Approving an account of a pending enterprise
    /// activates the enterprise; rejecting its only applicant rejects it.
    fn decide_account(
        &self,
        id: i64,
        approve: bool,
        note: Option<&str>,
        actor: &Actor<'_>,
    ) -> Result<Account, AccountError>;
    fn list_enterprises(&self, only: Option<i64>) -> Result<Vec<Enterprise>, AccountError>;
    /// Registers a workstation. `id` is the workstation's own device id when it has one;
    /// `secret_sha256` is the hash of the secret it will prove itself with.
    fn register_device(
        &self,
        enterprise_id: i64,
        name: &str,
        user_id: Option<i64>,
        id: Option<&str>,
        secret_sha256: &str,
        actor: &Actor<'_>,
    ) -> Result<Device, AccountError>;
    /// The account that registered the device, when `secret_sha256` is the device's.
    fn device_account(
        &self,
        device_id: &str,
        secret_sha256: &str,
    ) -> Result<Option<Account>, AccountError>;
    fn device(&self, id: &str) -> Result<Option<Device>, AccountError>;
    fn list_devices(&self, enterprise_id: Option<i64>) -> Result<Vec<Device>, AccountError>;
    /// Leases the next `count` numbers of `series` under the device's enterprise prefix.
    fn lease_suffixes(
        &self,
        device: &Device,
        series: &str,
        count: u64,
        width: u32,
        user_id: Option<i64>,
        actor: &Actor<'_>,
    ) -> Result<SuffixLease, AccountError>;
    fn leases_of_device(&self, device_id: &str) -> Result<Vec<SuffixLease>, AccountError>;
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

    #[test]
    fn principals_write_only_their_own_prefix() {
        let tech = Principal {
            user_id: Some(2),
            username: "t".into(),
            role: Role::Technician,
            enterprise_id: Some(1),
            enterprise_prefix: Some("88.118.8".into()),
        };
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
        assert!(tech.can_read_enterprise(1) && !tech.can_read_enterprise(2));
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
