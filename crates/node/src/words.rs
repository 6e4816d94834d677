//! Every sentence the node shows a person, in zh-CN and English, in one place: the `/api/v1`
//! refusals (`message` and `message_en`), the hints the Handle API adds to its English, and the
//! phone pages of the resolver.
//!
//! The domain keeps its refusals typed ([`AccountError`], [`PushRejection`]); this module turns
//! them into words, and their English is their `Display`. Each message is one `match` arm that
//! returns both languages, so a message without one of them does not compile; the test below
//! checks that none is empty and that the Chinese is Chinese. Labels shared with the workstation
//! (record fields, statuses) stay in `idstation_model`.
//!
//! Not here: the Handle API's own messages, which follow Handle.net's English protocol texts
//! (`http::error`), and the operator's command-line errors (English, on the terminal).
//!
//! Why a table in Rust rather than Fluent files: the node answers in both languages at once (no
//! negotiation), every message is known at compile time, and a missing translation is a compile
//! error here instead of a lookup that fails at run time.

use std::fmt;

use crate::accounts::{AccountError, Denied, Invalid};
use crate::entities::FieldProblem;
use crate::sync::PushRejection;

/// A message in the two languages the node speaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Words {
    pub zh: String,
    pub en: String,
}

impl Words {
    fn new(zh: impl Into<String>, en: impl Into<String>) -> Words {
        Words {
            zh: zh.into(),
            en: en.into(),
        }
    }
}

/// Messages that belong to no error type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message<'a> {
    /// A `/api/v1` request failed inside the node (the detail goes to the log).
    Internal,
    /// A sync cursor older than the change log the node keeps.
    MustRefetch,
    /// A request took longer than the node allows (its body arrived too slowly).
    RequestTimeout,
    /// Handle API: the account signing in awaits the operator's approval.
    AwaitingApproval,
    /// Handle API: the account signing in is rejected or disabled.
    NotActive,
    /// Handle API: the account is locked after wrong passwords.
    Locked,
    /// Handle API: a device token writes nothing through the Handle API.
    DevicesSyncOnly,
    /// Handle API: the account must change its password before writing.
    PasswordChangeFirst,
    /// Handle API: too many wrong passwords; wait.
    Throttled,
    /// Too many passwords are being checked at once.
    Busy,
    ScanUnreadable,
    ScanUnreadableHint,
    ScanNotFound,
    ScanNotFoundHint,
    ResolverDown,
    ResolverDownHint,
    /// The status line of a record that is not an instrument.
    IdentifierRecord,
    PastDue {
        due: &'a str,
    },
    StatusAsOf {
        today: &'a str,
    },
    Footer,
}

impl Message<'_> {
    pub fn words(self) -> Words {
        use Message::*;
        match self {
            Internal => Words::new("服务器内部错误", "internal error"),
            RequestTimeout => Words::new(
                "请求超时：请求内容发送过慢",
                "the request took too long (its body arrived too slowly)",
            ),
            MustRefetch => Words::new(
                "同步游标已过期，需要重新获取全部记录",
                "the cursor is older than the node keeps; pull a snapshot",
            ),
            AwaitingApproval => {
                Words::new("账户待审核", "the account awaits the operator's approval")
            }
            NotActive => Words::new("账户未启用", "the account is not active"),
            Locked => Words::new(
                "密码错误次数过多，账户已锁定，请联系运营方解锁",
                "the account is locked after repeated wrong passwords; the operator can unlock it",
            ),
            DevicesSyncOnly => Words::new(
                "设备凭据只能用于同步",
                "a device's credentials sync and do nothing else",
            ),
            PasswordChangeFirst => {
                Words::new("请先修改初始密码", "change the account's password first")
            }
            Throttled => Words::new(
                "密码错误次数过多，请稍后再试",
                "too many wrong passwords; try again later",
            ),
            Busy => Words::new(
                "服务器繁忙，请稍后再试",
                "the node is busy; try again in a moment",
            ),
            ScanUnreadable => {
                Words::new("无法识别的标识", "Not an identifier this resolver can read")
            }
            ScanUnreadableHint => Words::new(
                "请检查扫描的二维码或链接是否完整。",
                "Check that the scanned QR code or link is complete.",
            ),
            ScanNotFound => Words::new("未找到该标识", "Identifier not found"),
            ScanNotFoundHint => Words::new(
                "该标识尚未注册，或已被注销。离线登记的仪器在同步完成后才可解析。",
                "It is not registered here, or it was deleted. Instruments registered offline \
                 resolve once their workstation has synced.",
            ),
            ResolverDown => Words::new(
                "解析服务暂时不可用",
                "The resolver could not answer just now",
            ),
            ResolverDownHint => Words::new("请稍后重试。", "Please try again in a moment."),
            IdentifierRecord => Words::new("标识记录", "identifier record"),
            PastDue { due } => Words::new(
                format!("已超过下次校准日期 {due}，请停止使用并送检。"),
                format!("Past its calibration due date ({due}): do not use."),
            ),
            StatusAsOf { today } => Words::new(
                format!("状态截至 {today}（按下次校准日期实时计算）"),
                format!("status as of {today}, computed from the calibration due date"),
            ),
            Footer => Words::new(
                "工业互联网标识解析",
                "Industrial Internet identifier resolution",
            ),
        }
    }
}

impl AccountError {
    pub fn words(&self) -> Words {
        use AccountError::*;
        match self {
            InvalidInput { field, reason } => {
                let reason = invalid(reason);
                Words::new(
                    format!("{} 无效：{}", field_zh(field), reason.zh),
                    format!("invalid {field}: {}", reason.en),
                )
            }
            UsernameTaken => Words::new("用户名已被使用", "the user name is taken"),
            UnknownEnterprise(p) => Words::new(
                format!("没有前缀为 {p} 的企业；注册新企业请填写企业名称"),
                format!("no enterprise has prefix {p}; give enterprise_name to register a new one"),
            ),
            WrongCredentials => Words::new("用户名或密码错误", "user name or password is wrong"),
            AccountPending => Words::new(
                "账户待审核：运营方批准后才能使用",
                "the account awaits the operator's approval",
            ),
            AccountRejected => Words::new("账户申请未获批准", "the account was rejected"),
            AccountDisabled => Words::new("账户已停用", "the account is disabled"),
            Unauthenticated => Words::new("请先登录", "sign in first"),
            TokenExpired => Words::new(
                "登录已过期或已注销，请重新登录",
                "the token has expired or was revoked; sign in again",
            ),
            Forbidden(what) => {
                let what = denied(*what);
                Words::new(
                    format!("无权执行此操作：{}", what.zh),
                    format!("not allowed: {}", what.en),
                )
            }
            NotFound => Words::new("未找到", "not found"),
            AlreadyDecided => Words::new("该账户已审核", "the account was already decided"),
            DeviceTaken => Words::new(
                "该设备已注册",
                "a device with this id is registered already",
            ),
            AccountLocked => Message::Locked.words(),
            PasswordChangeRequired => Words::new(
                "请先修改密码（POST /api/v1/me/password）后再使用",
                "change the password first (POST /api/v1/me/password)",
            ),
            Throttled { retry_after_secs } => Words::new(
                format!("密码错误次数过多，请 {retry_after_secs} 秒后再试"),
                format!("too many wrong passwords; try again in {retry_after_secs} s"),
            ),
            Busy => Message::Busy.words(),
            EnterpriseRejected => Words::new(
                "该企业的申请未获批准，不能加入或写入",
                "the enterprise was rejected: nobody joins it or writes under its prefix",
            ),
            DeviceRevoked => Words::new("该设备已被吊销", "the device was revoked"),
            Gs1PrefixTaken(owner) => Words::new(
                format!("该 GS1 厂商识别代码已属于企业 {owner}"),
                format!("the GS1 company prefix belongs to enterprise {owner}"),
            ),
            RegistrationsFull => Words::new(
                "待审核的注册过多，请稍后再试",
                "too many registrations await approval; try again later",
            ),
            BodyTooLarge => Words::new("请求内容过大", "the request body is too large"),
            StaleRevision(n) => Words::new(
                format!("记录已被他人修改（当前版本 {n}），请刷新后再保存"),
                format!(
                    "the record changed meanwhile (now at revision {n}); reload it and save again"
                ),
            ),
            MaintenanceOn => Words::new(
                "维护模式已开启：请先结束当前维护，再登记新的维护",
                "maintenance mode is on already: end the current window before declaring another",
            ),
        }
    }
}

impl fmt::Display for AccountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.words().en)
    }
}

impl PushRejection {
    pub fn words(&self) -> Words {
        match self {
            PushRejection::WrongDevice => Words::new(
                "每个操作都须带有推送设备的标识",
                "every op must carry the pushing device's id",
            ),
            PushRejection::TooMany(n) => Words::new(
                format!("每次推送最多 {n} 个操作"),
                format!("at most {n} ops per push"),
            ),
        }
    }
}

impl fmt::Display for PushRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.words().en)
    }
}

fn invalid(reason: &Invalid) -> Words {
    use Invalid::*;
    match reason {
        Malformed(text) => Words::new(format!("格式不正确：{text}"), text.clone()),
        UsernameShape => Words::new(
            "须为 3–64 个字母、数字或 . _ - @",
            "must be 3 to 64 letters, digits or . _ - @",
        ),
        PasswordTooWeak => Words::new(
            "至少 8 个字符，且同时包含字母和数字",
            "must have at least 8 characters with letters and digits",
        ),
        NameShape => Words::new(
            "须为 1–64 个字符，不含控制字符",
            "must be 1 to 64 characters without control characters",
        ),
        OperatorRole => Words::new(
            "运营方账户只能由节点初始化创建",
            "operators are created by `idstation-node init`, not by registration",
        ),
        DeviceRole => Words::new(
            "设备以设备密钥登录，不能作为账户角色",
            "devices sign in with their device secret; no account has their role",
        ),
        Gs1PrefixShape(p) => Words::new(
            format!("GS1 厂商识别代码须为 6–12 位数字，收到 {p}"),
            format!("a GS1 company prefix is 6 to 12 digits, got {p}"),
        ),
        SamePassword => Words::new("新密码不能与原密码相同", "the new password is the old one"),
        NotOneLevelUnder(p) => Words::new(
            format!("须是本节点前缀 {p} 的下一级，如 {p}.8"),
            format!("must be one level under the node's prefix {p}"),
        ),
        SeriesShape => Words::new(
            "须为大写字母、数字和连字符，1–32 个字符",
            "must be upper-case letters, digits and inner dashes, 1 to 32",
        ),
        OutOfRange { max } => Words::new(format!("须为 1–{max}"), format!("must be 1 to {max}")),
        TooLong { max } => Words::new(
            format!("最多 {max} 个字符"),
            format!("must be at most {max} characters"),
        ),
        UnknownStatus(s) => Words::new(format!("未知的状态 {s}"), format!("unknown status {s}")),
        EnterpriseNotNamed => Words::new(
            "运营方登记设备时须指明企业",
            "operators name the enterprise",
        ),
        Date(d) => Words::new(
            format!("日期须为 YYYY-MM-DD，收到 {d}"),
            format!("expected YYYY-MM-DD, got {d}"),
        ),
        Month(m) => Words::new(
            format!("月份须为 YYYY-MM，收到 {m}"),
            format!("expected a month as YYYY-MM, got {m}"),
        ),
        Instant(t) => Words::new(
            format!("时间须为 RFC 3339 格式（如 2026-11-03T08:00:00+08:00），收到 {t}"),
            format!("expected an RFC 3339 time (e.g. 2026-11-03T08:00:00+08:00), got {t}"),
        ),
        EndsBeforeStart => Words::new("恢复时间早于开始时间", "the recovery is before the start"),
        Push(rejection) => rejection.words(),
        Field(problem) => field_problem(problem),
    }
}

/// Why a docking record's field is refused.
fn field_problem(p: &FieldProblem) -> Words {
    use FieldProblem::*;
    match p {
        Missing => Words::new("必填", "is required"),
        Unknown => Words::new("该表没有此字段", "is not a field of this table"),
        System => Words::new("由系统填写，不能提交", "is set by the node, not by a request"),
        WrongJsonType => Words::new("须为文本", "must be text"),
        TooLong { max } => Words::new(format!("最多 {max} 个字符"), format!("must be at most {max} characters")),
        NotInEnum { allowed } => Words::new(
            format!("须为以下之一：{}", allowed.join("、")),
            format!("must be one of {}", allowed.join(", ")),
        ),
        Uscc => Words::new(
            "须为 18 位统一社会信用代码（数字和大写字母，不含 I、O、Z、S、V）",
            "must be an 18-character unified social credit code (digits and capitals without I, O, Z, S, V)",
        ),
        UsccCheck { expected } => Words::new(
            format!("校验码不正确（应为 {expected}），请核对"),
            format!("the check character is wrong (expected {expected})"),
        ),
        IdNumber => Words::new("证件号码格式不正确", "is not a valid ID number"),
        Mobile => Words::new("须为 11 位手机号码", "must be an 11-digit mainland mobile number"),
        Phone => Words::new("须为固定电话（如 021-12345678）或手机号码", "must be a landline (e.g. 021-12345678) or a mobile number"),
        Email => Words::new("电子邮箱格式不正确", "is not a valid e-mail address"),
        Date => Words::new("日期须为 YYYY-MM-DD", "must be a date YYYY-MM-DD"),
        Datetime => Words::new("须为 RFC 3339 时间", "must be an RFC 3339 time"),
        Month => Words::new("月份须为 YYYY-MM", "must be a month YYYY-MM"),
        Int => Words::new("须为非负整数", "must be a whole number, 0 or more"),
        Decimal => Words::new("须为非负数", "must be a number, 0 or more"),
        Industry => Words::new(
            "不是 GB/T 4754-2017 的行业代码",
            "is not a GB/T 4754-2017 industry code",
        ),
        IndustryLevel { level } => {
            let zh = ["任意", "门类", "大类", "中类", "小类"].get(usize::from(*level)).copied().unwrap_or("");
            Words::new(format!("须为{zh}代码"), format!("must be a level-{level} code"))
        }
        IndustryParent { parent } => Words::new(
            format!("不属于所选上级行业 {parent}"),
            format!("is not under the class above it ({parent})"),
        ),
        Prefix => Words::new("须为标识前缀，如 88.118.8", "must be a prefix such as 88.118.8"),
        Ip => Words::new("须为 IPv4 或 IPv6 地址", "must be an IPv4 or IPv6 address"),
        IpType => Words::new("与所选 IP 类型不一致", "does not match the IP type"),
        Port => Words::new("端口须为 1–65535", "must be a port 1 to 65535"),
        Url => Words::new("须为 http:// 或 https:// 网址", "must be an http:// or https:// address"),
        Postcode => Words::new("邮政编码须为 6 位数字", "must be a 6-digit postcode"),
        Attachment => Words::new("须为已上传附件的 SHA-256", "must be the SHA-256 of an uploaded attachment"),
        AttachmentUnknown => Words::new("附件不存在，请先上传", "no such attachment: upload it first"),
        FileType => Words::new("附件须为 JPEG、PNG 或 PDF 文件", "must be a JPEG, PNG or PDF file"),
        FileTooLarge { max } => Words::new(
            format!("附件不能超过 {} MiB", max / (1024 * 1024)),
            format!("must be at most {} MiB", max / (1024 * 1024)),
        ),
        Identifier => Words::new("须为标识，如 88.118.8/CAL-1", "must be an identifier such as 88.118.8/CAL-1"),
        Attributes(detail) => Words::new(format!("属性列表有误：{detail}"), format!("attributes: {detail}")),
        NotComplete => Words::new("审核通过前须填写完整", "must be complete before it is verified"),
    }
}

fn denied(what: Denied) -> Words {
    use Denied::*;
    match what {
        OperatorsOnly => Words::new("仅限运营方", "operators only"),
        AccountLists => Words::new("查看账户列表", "account lists"),
        NoEnterprise => Words::new("账户不属于任何企业", "no enterprise"),
        AnotherEnterprise => Words::new("不能代其他企业操作", "another enterprise"),
        ReviewerDevices => Words::new("审核员不能登记设备", "reviewers register no devices"),
        ReviewerLeases => Words::new("审核员不能申请号段", "reviewers lease no suffixes"),
        ReviewerPushes => Words::new("审核员不能推送更改", "reviewers push no changes"),
        TokensOnly => Words::new("只有令牌登录可以注销", "only a token can be revoked"),
        DevicesSyncOnly => Message::DevicesSyncOnly.words(),
        OtherDevice => Words::new("设备只能代表自身同步", "a device syncs as itself only"),
        ManageAccounts => Words::new(
            "管理账户（仅限运营方，或本企业管理员管理本企业账户）",
            "managing accounts (the operator, or an enterprise's administrator within it)",
        ),
        OwnAccount => Words::new(
            "不能通过管理接口修改自己的账户",
            "changing one's own account through the admin endpoints",
        ),
        EnterpriseInactive => Words::new("企业未获批准", "the enterprise is not active"),
    }
}

/// Request fields by the name the API gives them, and what lab staff call them.
const FIELDS: &[(&str, &str)] = &[
    ("username", "用户名"),
    ("password", "密码"),
    ("display_name", "姓名"),
    ("role", "角色"),
    ("enterprise_prefix", "企业前缀"),
    ("enterprise_name", "企业名称"),
    ("name", "名称"),
    ("series", "号段"),
    ("count", "数量"),
    ("width", "位数"),
    ("note", "备注"),
    ("status", "状态"),
    ("id", "编号"),
    ("device_id", "设备编号"),
    ("body", "请求内容"),
    ("query", "查询参数"),
    ("limit", "条数"),
    ("date", "日期"),
    ("ops", "操作"),
    ("new_password", "新密码"),
    ("current_password", "原密码"),
    ("prefixes", "厂商识别代码"),
    ("cursor", "同步游标"),
    ("item", "数据表"),
    ("key", "记录"),
    ("fields", "字段"),
    ("file", "附件"),
    ("result", "审核结果"),
    ("opinion", "审核意见"),
    ("period", "统计周期"),
];

fn field_zh(field: &str) -> &'static str {
    FIELDS
        .iter()
        .find(|(name, _)| *name == field)
        .map(|(_, zh)| *zh)
        .or_else(|| crate::docking::label_zh(field))
        .unwrap_or("字段")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_cjk(c: char) -> bool {
        ('\u{4e00}'..='\u{9fff}').contains(&c)
    }

    fn has_both(w: &Words) {
        assert!(w.zh.chars().any(is_cjk), "no Chinese in {w:?}");
        assert!(
            !w.en.trim().is_empty() && !w.en.chars().any(is_cjk),
            "no English in {w:?}"
        );
    }

    /// One of each message. The `match` below stops compiling when a variant is added, so
    /// whoever adds one comes here and adds it to the list too.
    fn every_message() -> Vec<Message<'static>> {
        use Message::*;
        let all = vec![
            Internal,
            MustRefetch,
            RequestTimeout,
            AwaitingApproval,
            NotActive,
            Locked,
            DevicesSyncOnly,
            PasswordChangeFirst,
            Throttled,
            Busy,
            ScanUnreadable,
            ScanUnreadableHint,
            ScanNotFound,
            ScanNotFoundHint,
            ResolverDown,
            ResolverDownHint,
            IdentifierRecord,
            PastDue { due: "2026-05-01" },
            StatusAsOf {
                today: "2026-05-02",
            },
            Footer,
        ];
        for m in &all {
            match m {
                Internal
                | MustRefetch
                | RequestTimeout
                | AwaitingApproval
                | NotActive
                | Locked
                | DevicesSyncOnly
                | PasswordChangeFirst
                | Throttled
                | Busy
                | ScanUnreadable
                | ScanUnreadableHint
                | ScanNotFound
                | ScanNotFoundHint
                | ResolverDown
                | ResolverDownHint
                | IdentifierRecord
                | PastDue { .. }
                | StatusAsOf { .. }
                | Footer => {}
            }
        }
        all
    }

    /// One of each refusal, every reason and every denial included (same rule as above).
    fn every_refusal() -> Vec<AccountError> {
        use AccountError::*;
        let reasons = vec![
            Invalid::Malformed("expected value at line 1 column 1".to_owned()),
            Invalid::UsernameShape,
            Invalid::PasswordTooWeak,
            Invalid::NameShape,
            Invalid::OperatorRole,
            Invalid::DeviceRole,
            Invalid::Gs1PrefixShape("12".to_owned()),
            Invalid::SamePassword,
            Invalid::NotOneLevelUnder("88.118".to_owned()),
            Invalid::SeriesShape,
            Invalid::OutOfRange { max: 12 },
            Invalid::TooLong { max: 500 },
            Invalid::UnknownStatus("paused".to_owned()),
            Invalid::EnterpriseNotNamed,
            Invalid::Date("yesterday".to_owned()),
            Invalid::Month("2026-13".to_owned()),
            Invalid::Instant("noon".to_owned()),
            Invalid::EndsBeforeStart,
            Invalid::Push(PushRejection::WrongDevice),
            Invalid::Push(PushRejection::TooMany(5000)),
            Invalid::Field(FieldProblem::Missing),
            Invalid::Field(FieldProblem::Unknown),
            Invalid::Field(FieldProblem::System),
            Invalid::Field(FieldProblem::WrongJsonType),
            Invalid::Field(FieldProblem::TooLong { max: 100 }),
            Invalid::Field(FieldProblem::NotInEnum {
                allowed: vec!["1".into(), "2".into()],
            }),
            Invalid::Field(FieldProblem::Uscc),
            Invalid::Field(FieldProblem::UsccCheck { expected: 'Y' }),
            Invalid::Field(FieldProblem::IdNumber),
            Invalid::Field(FieldProblem::Mobile),
            Invalid::Field(FieldProblem::Phone),
            Invalid::Field(FieldProblem::Email),
            Invalid::Field(FieldProblem::Date),
            Invalid::Field(FieldProblem::Datetime),
            Invalid::Field(FieldProblem::Month),
            Invalid::Field(FieldProblem::Int),
            Invalid::Field(FieldProblem::Decimal),
            Invalid::Field(FieldProblem::Industry),
            Invalid::Field(FieldProblem::IndustryLevel { level: 2 }),
            Invalid::Field(FieldProblem::IndustryParent { parent: "C".into() }),
            Invalid::Field(FieldProblem::Prefix),
            Invalid::Field(FieldProblem::Ip),
            Invalid::Field(FieldProblem::IpType),
            Invalid::Field(FieldProblem::Port),
            Invalid::Field(FieldProblem::Url),
            Invalid::Field(FieldProblem::Postcode),
            Invalid::Field(FieldProblem::Attachment),
            Invalid::Field(FieldProblem::AttachmentUnknown),
            Invalid::Field(FieldProblem::FileType),
            Invalid::Field(FieldProblem::FileTooLarge { max: 10 << 20 }),
            Invalid::Field(FieldProblem::Identifier),
            Invalid::Field(FieldProblem::Attributes("#1: enName".into())),
            Invalid::Field(FieldProblem::NotComplete),
        ];
        let denials = [
            Denied::OperatorsOnly,
            Denied::AccountLists,
            Denied::NoEnterprise,
            Denied::AnotherEnterprise,
            Denied::ReviewerDevices,
            Denied::ReviewerLeases,
            Denied::ReviewerPushes,
            Denied::TokensOnly,
            Denied::DevicesSyncOnly,
            Denied::OtherDevice,
            Denied::ManageAccounts,
            Denied::OwnAccount,
            Denied::EnterpriseInactive,
        ];
        let mut all = vec![
            UsernameTaken,
            UnknownEnterprise("88.118.77".to_owned()),
            WrongCredentials,
            AccountPending,
            AccountRejected,
            AccountDisabled,
            Unauthenticated,
            TokenExpired,
            NotFound,
            AlreadyDecided,
            DeviceTaken,
            AccountLocked,
            PasswordChangeRequired,
            Throttled {
                retry_after_secs: 8,
            },
            Busy,
            EnterpriseRejected,
            DeviceRevoked,
            Gs1PrefixTaken("88.118.9".to_owned()),
            RegistrationsFull,
            BodyTooLarge,
            StaleRevision(3),
            MaintenanceOn,
        ];
        all.extend(reasons.into_iter().map(|reason| InvalidInput {
            field: "name",
            reason,
        }));
        all.extend(denials.into_iter().map(Forbidden));
        for e in &all {
            match e {
                InvalidInput { reason, .. } => match reason {
                    Invalid::Malformed(_)
                    | Invalid::UsernameShape
                    | Invalid::PasswordTooWeak
                    | Invalid::NameShape
                    | Invalid::OperatorRole
                    | Invalid::DeviceRole
                    | Invalid::Gs1PrefixShape(_)
                    | Invalid::SamePassword
                    | Invalid::NotOneLevelUnder(_)
                    | Invalid::SeriesShape
                    | Invalid::OutOfRange { .. }
                    | Invalid::TooLong { .. }
                    | Invalid::UnknownStatus(_)
                    | Invalid::EnterpriseNotNamed
                    | Invalid::Date(_)
                    | Invalid::Month(_)
                    | Invalid::Instant(_)
                    | Invalid::EndsBeforeStart
                    | Invalid::Push(PushRejection::WrongDevice | PushRejection::TooMany(_))
                    | Invalid::Field(_) => {}
                },
                Forbidden(
                    Denied::OperatorsOnly
                    | Denied::AccountLists
                    | Denied::NoEnterprise
                    | Denied::AnotherEnterprise
                    | Denied::ReviewerDevices
                    | Denied::ReviewerLeases
                    | Denied::ReviewerPushes
                    | Denied::TokensOnly
                    | Denied::DevicesSyncOnly
                    | Denied::OtherDevice
                    | Denied::ManageAccounts
                    | Denied::OwnAccount
                    | Denied::EnterpriseInactive,
                )
                | UsernameTaken
                | UnknownEnterprise(_)
                | WrongCredentials
                | AccountPending
                | AccountRejected
                | AccountDisabled
                | Unauthenticated
                | TokenExpired
                | NotFound
                | AlreadyDecided
                | DeviceTaken
                | AccountLocked
                | PasswordChangeRequired
                | Throttled { .. }
                | Busy
                | EnterpriseRejected
                | DeviceRevoked
                | Gs1PrefixTaken(_)
                | RegistrationsFull
                | BodyTooLarge
                | StaleRevision(_)
                | MaintenanceOn => {}
            }
        }
        all
    }

    #[test]
    fn every_message_has_zh_cn_and_english() {
        for m in every_message() {
            has_both(&m.words());
        }
        for e in every_refusal() {
            let w = e.words();
            has_both(&w);
            assert_eq!(e.to_string(), w.en, "Display is the English");
        }
        for (field, zh) in FIELDS {
            assert!(zh.chars().all(is_cjk), "{field}: {zh}");
        }
    }

    #[test]
    fn values_in_a_message_reach_both_languages() {
        let w = AccountError::UnknownEnterprise("88.118.77".to_owned()).words();
        assert!(w.zh.contains("88.118.77") && w.en.contains("88.118.77"));
        let w = AccountError::InvalidInput {
            field: "count",
            reason: Invalid::OutOfRange { max: 10_000 },
        }
        .words();
        assert_eq!(
            (w.zh.as_str(), w.en.as_str()),
            (
                "数量 无效：须为 1–10000",
                "invalid count: must be 1 to 10000"
            )
        );
    }
}
