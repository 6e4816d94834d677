//! Every message a person reads, in zh-CN (first) and English. Libraries return typed errors;
//! this is the one place that turns them into words, shared by the CLI and the desktop app.

use idstation_model::{
    CalibrationResult, Field, FieldError, FieldErrorKind, IdentifierError, InstrumentStatus,
    LiveStatus,
};
use idstation_store::{AuditBreak, StoreError};
use serde::{Deserialize, Serialize};

use crate::WsError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lang {
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.trim().to_ascii_lowercase();
        if s.starts_with("zh") {
            Some(Lang::ZhCn)
        } else if s.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// From the POSIX locale variables in their order of precedence; Chinese when they say
    /// nothing useful (C, POSIX, unset), as our users are Chinese labs.
    pub fn from_locale_vars(get: impl Fn(&str) -> Option<String>) -> Lang {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|k| get(k).filter(|v| !v.is_empty()))
            .find_map(|v| Lang::parse(&v))
            .unwrap_or(Lang::ZhCn)
    }

    pub fn from_env() -> Lang {
        Lang::from_locale_vars(|k| std::env::var(k).ok())
    }

    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::ZhCn => zh,
            Lang::En => en,
        }
    }
}

pub fn field_label(field: &Field, lang: Lang) -> String {
    let (zh, en) = field.labels();
    lang.pick(zh, en).to_string()
}

pub fn status_label(s: InstrumentStatus, lang: Lang) -> &'static str {
    match lang {
        Lang::ZhCn => s.label_zh(),
        Lang::En => match s {
            InstrumentStatus::InUse => "in use",
            InstrumentStatus::Restricted => "restricted",
            InstrumentStatus::Stopped => "stopped",
            InstrumentStatus::Scrapped => "scrapped",
        },
    }
}

pub fn result_label(r: CalibrationResult, lang: Lang) -> &'static str {
    match lang {
        Lang::ZhCn => r.label_zh(),
        Lang::En => match r {
            CalibrationResult::Pass => "pass",
            CalibrationResult::Restricted => "restricted use",
            CalibrationResult::Fail => "fail",
        },
    }
}

pub fn live_status_label(s: LiveStatus, lang: Lang) -> &'static str {
    let (zh, en) = s.labels();
    lang.pick(zh, en)
}

pub fn identifier_error(e: &IdentifierError, lang: Lang) -> String {
    if lang == Lang::En {
        return e.to_string();
    }
    use IdentifierError as E;
    match e {
        E::Empty => "标识为空".into(),
        E::TooLong { max, len } => format!("标识长 {len} 字节，最多 {max} 字节"),
        E::UnrecognisedForm => "无法识别的标识。可接受：Handle 标识（如 88.118.8/ABC-123、hdl:88.118.8/ABC-123 或解析地址 https://…/88.118.8/ABC-123）、GS1 数字链接（/01/<GTIN>/21/<序列号> 或 /8004/<GIAI>）、GS1 元素串（(01)…(21)…）、oid:、did:、ecode:、bid:、vaa:".into(),
        E::UnknownCodeType { name } => format!("未知的编码类型“{name}”，应为 Handle、OID、DID、BID、VAA、Ecode 或 GS1"),
        E::NotAHandle { found } => format!("需要 Handle 标识，但这是 {found} 标识"),
        E::InvalidPrefix { prefix } => format!("前缀“{prefix}”无效：应为 88 开头、以点分隔的数字段（如 88.118.8），最长 64 字节"),
        E::MissingSuffix => "标识缺少后缀，应为 前缀/后缀，如 88.118.8/ABC-123".into(),
        E::SuffixTooLong { max, len } => format!("标识后缀长 {len} 字节，最多 {max} 字节"),
        E::InvalidSuffixCharacter { ch } => format!("标识后缀含控制字符 {ch:?}"),
        E::SuffixSurroundingWhitespace => "标识后缀首尾不能有空白".into(),
        E::InvalidUrl => "网址格式错误".into(),
        E::UnrecognisedUrlPath => "网址中既没有 Handle 标识（88.x/…），也没有 GS1 编码（/01/… 或 /8004/…）".into(),
        E::InvalidPercentEncoding => "网址中的百分号编码无效".into(),
        E::Gs1GtinLength { len } => format!("GTIN 为 {len} 位，应为 8、12、13 或 14 位"),
        E::Gs1GtinNotNumeric => "GTIN 只能由数字组成".into(),
        E::Gs1CheckDigit { expected, found } => format!("GTIN 校验位为 {found}，应为 {expected}"),
        E::Gs1MissingSerial => "GS1 编码只有 GTIN，缺少序列号（AI 21）；仪器需要序列号".into(),
        E::Gs1InvalidSerial => "GS1 序列号（AI 21）应为 1 至 20 个 GS1 字符集 82 中的字符".into(),
        E::Gs1InvalidGiai => "GIAI（AI 8004）应为 1 至 30 个 GS1 字符集 82 中的字符".into(),
        E::Gs1UnsupportedAi { ai } => format!("不支持或位置错误的 GS1 应用标识符（{ai}）"),
        E::Gs1MissingValue { ai } => format!("GS1 应用标识符（{ai}）没有值"),
        E::Gs1DuplicateAi { ai } => format!("GS1 应用标识符（{ai}）重复出现"),
        E::InvalidOid => "OID 无效：应为 0、1 或 2 开头、至少两段、以点分隔的十进制数".into(),
        E::InvalidDid => "DID 无效：应为 did:<方法>:<标识>，方法名为小写".into(),
        E::InvalidEcode => "Ecode 无效：应为 1 至 32 个 0-9 或 A-Z 字符".into(),
        E::InvalidBid => "BID 无效：应为 1 至 128 个无空格的可打印 ASCII 字符".into(),
        E::InvalidVaa => "VAA 无效：应为 1 至 128 个无空格的可打印 ASCII 字符".into(),
        #[allow(unreachable_patterns)]
        other => other.to_string(),
    }
}

pub fn field_error(e: &FieldError, lang: Lang) -> String {
    let label = field_label(&e.field, lang);
    let zh = lang == Lang::ZhCn;
    let text = match &e.kind {
        FieldErrorKind::Required => lang.pick("必填", "required").to_string(),
        FieldErrorKind::TooLong { max, actual } if zh => {
            format!("太长（{actual} 个字符，最多 {max} 个）")
        }
        FieldErrorKind::TooLong { max, actual } => {
            format!("too long ({actual} characters, at most {max})")
        }
        FieldErrorKind::InvalidIdentifier { error } => identifier_error(error, lang),
        FieldErrorKind::InvalidDate { value } if zh => {
            format!("“{value}”不是有效日期（格式 YYYY-MM-DD）")
        }
        FieldErrorKind::InvalidDate { value } => {
            format!("'{value}' is not a valid date (YYYY-MM-DD)")
        }
        FieldErrorKind::InvalidNumber { value } if zh => format!("“{value}”不是有效数字"),
        FieldErrorKind::InvalidNumber { value } => format!("'{value}' is not a valid number"),
        FieldErrorKind::InvalidBoolean { value } if zh => format!("“{value}”应为 是/否"),
        FieldErrorKind::InvalidBoolean { value } => format!("'{value}' should be yes or no"),
        FieldErrorKind::UnknownStatus { value } if zh => {
            format!("未知状态“{value}”，可选：在用、准用、停用、报废")
        }
        FieldErrorKind::UnknownStatus { value } => {
            format!("unknown status '{value}'; choose in_use, restricted, stopped or scrapped")
        }
        FieldErrorKind::UnknownResult { value } if zh => {
            format!("未知结论“{value}”，可选：合格、准用、停用")
        }
        FieldErrorKind::UnknownResult { value } => {
            format!("unknown result '{value}'; choose pass, restricted or fail")
        }
        FieldErrorKind::DueBeforeLast => lang
            .pick(
                "下次校准日期早于校准日期",
                "next due date is before the calibration date",
            )
            .to_string(),
        FieldErrorKind::UnknownTemplateField { template } if zh => {
            format!("不是元数据模板 {template} 中的字段")
        }
        FieldErrorKind::UnknownTemplateField { template } => {
            format!("not a field of metadata template {template}")
        }
        FieldErrorKind::ControlCharacter => lang
            .pick("含有控制字符", "contains control characters")
            .to_string(),
        FieldErrorKind::ForeignPrefix { expected } if zh => {
            format!("不属于本企业前缀 {expected}")
        }
        FieldErrorKind::ForeignPrefix { expected } => {
            format!("is not under this enterprise's prefix {expected}")
        }
    };
    format!("{label}: {text}")
}

pub fn store_error(e: &StoreError, lang: Lang) -> String {
    if lang == Lang::En {
        return e.to_string();
    }
    match e {
        StoreError::NotInitialised(p) => format!(
            "{} 处没有工作站数据库，请先运行 `idstation init --prefix <企业前缀>`",
            p.display()
        ),
        StoreError::AlreadyInitialised(p) => format!("{} 处已有工作站数据库", p.display()),
        StoreError::NotFound(id) => format!("未找到仪器 {id}"),
        StoreError::AlreadyExists(id) => format!("仪器 {id} 已登记"),
        StoreError::Deleted(id) => {
            format!("仪器 {id} 已删除；如需恢复请运行 `idstation instrument undelete {id}`")
        }
        StoreError::NotDeleted(id) => format!("仪器 {id} 未被删除"),
        StoreError::VersionConflict {
            id,
            expected,
            actual,
        } => format!(
            "仪器 {id} 已被他人修改（期望版本 {expected}，当前版本 {actual}），请刷新后重试"
        ),
        StoreError::IdentifierImmutable(id) => format!("仪器标识不能修改（{id}）"),
        StoreError::BackupInvalid { path, reason } => {
            format!("备份文件 {} 不可用：{reason}", path.display())
        }
        StoreError::FileExists(p) => format!("{} 已存在，请换一个文件名", p.display()),
        StoreError::Corrupt(m) => format!("数据库已损坏：{m}"),
        StoreError::Sqlite(m) => format!("数据库错误：{m}"),
        StoreError::Migration(m) => format!("数据库升级失败：{m}"),
        StoreError::Json(m) => format!("存储的数据无法读取：{m}"),
        StoreError::Io(m) => format!("文件错误：{m}"),
        StoreError::NoLease => {
            "没有可用的预分配标识：请联网同步一次以领取新号段，或手工输入标识".to_owned()
        }
        StoreError::ConflictResolved(id) => format!("冲突 {id} 已处理"),
        StoreError::LabelNotFound(thing, name) => match thing {
            idstation_store::LabelThing::Template => format!("没有名为 “{name}” 的标签模板"),
            idstation_store::LabelThing::Printer => {
                format!("没有名为 “{name}” 的打印机；用 `idstation printer add` 添加")
            }
            idstation_store::LabelThing::PrintJob => format!("没有编号为 {name} 的打印任务"),
        },
        StoreError::PrinterExists(n) => format!("已有名为 “{n}” 的打印机"),
        StoreError::JobState { id, state } => format!(
            "打印任务 {id} 当前为“{}”，不能执行此操作",
            job_state_label(
                idstation_store::JobState::parse(state)
                    .unwrap_or(idstation_store::JobState::Failed),
                lang
            )
        ),
        other => other.to_string(),
    }
}

pub fn label_error(e: &idstation_labels::LabelError, lang: Lang) -> String {
    use idstation_labels::LabelError as E;
    if lang == Lang::En {
        return match e {
            E::MissingFields(f) => format!(
                "the label needs these fields, which are empty: {}; nothing was printed",
                f.iter()
                    .map(|k| label_field_name(k, lang))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            other => other.to_string(),
        };
    }
    match e {
        E::MissingFields(f) => format!(
            "标签缺少以下内容，未打印：{}",
            f.iter()
                .map(|k| label_field_name(k, lang))
                .collect::<Vec<_>>()
                .join("、")
        ),
        E::InvalidTemplate(m) => format!("标签模板无效：{m}"),
        E::UnsupportedDpi(d) => format!("不支持的打印分辨率 {d} dpi（可选 203、300、600）"),
        E::QrTooSmall { size_mm, dpi, .. } => {
            format!("二维码在 {size_mm} mm、{dpi} dpi 下放不下，请加大二维码尺寸")
        }
        E::QrData(m) => format!("二维码无法容纳这些内容：{m}"),
        E::BarcodeData(v) => format!("条码无法编码 “{v}”（Code 128 只能用 ASCII 字符）"),
        E::BarcodeTooWide(v) => format!("条码 “{v}” 超出了它的区域"),
        E::Image(m) => format!("徽标图片无法读取：{m}"),
        E::Pdf(m) => format!("无法生成 PDF：{m}"),
        E::Png(m) => format!("无法生成 PNG：{m}"),
        E::Font => "内置字体无法读取".to_string(),
        other => other.to_string(),
    }
}

/// A label field key as people know it (`restriction` is the 准用 label's permitted ranges).
pub fn label_field_name(key: &str, lang: Lang) -> String {
    if key == "restriction" {
        return lang
            .pick(
                "准用范围(--restriction)",
                "permitted ranges (--restriction)",
            )
            .into();
    }
    Field::from_key(key)
        .map(|f| field_label(&f, lang))
        .unwrap_or_else(|| key.to_string())
}

pub fn transport_error(e: &idstation_labels::TransportError, lang: Lang) -> String {
    use idstation_labels::TransportError as E;
    if lang == Lang::En {
        return e.to_string();
    }
    match e {
        E::Offline(w) => format!("打印机 {w} 离线或故障（无应答）"),
        E::NotReady(flags) => format!(
            "打印机报告：{}",
            flags
                .iter()
                .map(|f| printer_flag(f, lang))
                .collect::<Vec<_>>()
                .join("、")
        ),
        E::Refused(m) => format!("打印队列拒绝了任务：{m}"),
        E::Io(m) => format!("与打印机通信失败：{m}"),
        E::NoCups(m) => format!("未安装 CUPS 命令（lp）：{m}"),
        other => other.to_string(),
    }
}

/// What the print queue notes on a job it changed by itself.
#[derive(Debug, Clone, Copy)]
pub enum JobNote {
    PrinterRemoved,
    Interrupted,
}

pub fn job_note(note: JobNote, lang: Lang) -> &'static str {
    match (note, lang) {
        (JobNote::PrinterRemoved, Lang::ZhCn) => "打印机已删除",
        (JobNote::PrinterRemoved, Lang::En) => "printer removed",
        (JobNote::Interrupted, Lang::ZhCn) => "发送中断：打印机可能已打印，请核对后再发",
        (JobNote::Interrupted, Lang::En) => {
            "interrupted while sending: the printer may have printed it; check before it goes again"
        }
    }
}

pub fn printer_flag(flag: &str, lang: Lang) -> String {
    let (zh, en) = match flag {
        "paper_out" => ("缺纸", "paper out"),
        "paused" => ("已暂停", "paused"),
        "head_open" => ("打印头打开", "head open"),
        "ribbon_out" => ("碳带用完", "ribbon out"),
        "buffer_full" => ("接收缓冲区满", "buffer full"),
        "corrupt_ram" => ("内存损坏", "corrupt RAM"),
        "under_temperature" => ("打印头温度过低", "head too cold"),
        "over_temperature" => ("打印头过热", "head too hot"),
        "paper_jam" => ("卡纸", "paper jam"),
        "other_error" => ("其他错误", "other error"),
        "queue_disabled" => ("队列已停用", "queue disabled"),
        other => return other.to_string(),
    };
    lang.pick(zh, en).to_string()
}

pub fn printer_status_text(st: &idstation_labels::PrinterStatus, lang: Lang) -> String {
    use idstation_labels::PrinterState as S;
    match st.state {
        S::Ready => lang.pick("就绪", "ready").to_string(),
        S::Offline => lang
            .pick(
                "离线或故障（超时无应答）",
                "offline or in error (no answer within the timeout)",
            )
            .to_string(),
        S::Error => {
            let flags: Vec<String> = st.flags.iter().map(|f| printer_flag(f, lang)).collect();
            format!(
                "{}：{}",
                lang.pick("故障", "error"),
                flags.join(lang.pick("、", ", "))
            )
        }
    }
}

pub fn job_state_label(s: idstation_store::JobState, lang: Lang) -> &'static str {
    use idstation_store::JobState as J;
    match s {
        J::Queued => lang.pick("排队中", "queued"),
        J::Sending => lang.pick("发送中", "sending"),
        J::Done => lang.pick("已打印", "done"),
        J::Failed => lang.pick("失败", "failed"),
        J::Cancelled => lang.pick("已取消", "cancelled"),
    }
}

pub fn audit_break(b: &AuditBreak, lang: Lang) -> String {
    match (b, lang) {
        (AuditBreak::Gap { expected_seq, found_seq }, Lang::ZhCn) => {
            format!("审计记录缺失：应为第 {expected_seq} 条，却是第 {found_seq} 条（有记录被删除）")
        }
        (AuditBreak::Gap { expected_seq, found_seq }, Lang::En) => format!(
            "audit entry missing: expected #{expected_seq}, found #{found_seq} (an entry was removed)"
        ),
        (AuditBreak::BrokenLink { seq }, Lang::ZhCn) => {
            format!("第 {seq} 条审计记录与前一条的链接断开")
        }
        (AuditBreak::BrokenLink { seq }, Lang::En) => {
            format!("audit entry #{seq} does not link to its predecessor")
        }
        (AuditBreak::Tampered { seq }, Lang::ZhCn) => {
            format!("第 {seq} 条审计记录的内容与其哈希不符（已被篡改）")
        }
        (AuditBreak::Tampered { seq }, Lang::En) => {
            format!("audit entry #{seq} does not match its hash (it was altered)")
        }
        (AuditBreak::HeadMismatch { head_seq, last_seq }, Lang::ZhCn) => format!(
            "审计链头记录为第 {head_seq} 条，实际最后一条为第 {last_seq} 条（末尾记录被删除或链头被改）"
        ),
        (AuditBreak::HeadMismatch { head_seq, last_seq }, Lang::En) => format!(
            "audit head says #{head_seq} but the last entry is #{last_seq} (tail removed or head altered)"
        ),
        (AuditBreak::OpTampered { seq }, Lang::ZhCn) => {
            format!("第 {seq} 条审计记录对应的操作内容缺失或与其哈希不符（已被篡改）")
        }
        (AuditBreak::OpTampered { seq }, Lang::En) => format!(
            "the operation of audit entry #{seq} is missing or does not match its hash (it was altered)"
        ),
    }
}

/// The whole message for any workstation error.
pub fn error_message(e: &WsError, lang: Lang) -> String {
    let zh = lang == Lang::ZhCn;
    match e {
        WsError::Invalid(errors) => {
            let head = lang.pick("输入有误，未保存：", "Invalid input, nothing was saved:");
            let lines: Vec<String> = errors
                .0
                .iter()
                .map(|fe| format!("  - {}", field_error(fe, lang)))
                .collect();
            format!("{head}\n{}", lines.join("\n"))
        }
        WsError::Identifier(err) => {
            let head = lang.pick("标识无效", "Invalid identifier");
            format!("{head}: {}", identifier_error(err, lang))
        }
        WsError::Store(err) => store_error(err, lang),
        WsError::ImportRejected { file, rows, total } => {
            let head = if zh {
                format!(
                    "{} 中有 {total} 行有误，整个文件未导入（前 {} 行）：",
                    file.display(),
                    rows.len()
                )
            } else {
                format!(
                    "{total} rows of {} are invalid; nothing was imported (first {} shown):",
                    file.display(),
                    rows.len()
                )
            };
            let mut out = vec![head];
            for row in rows {
                let row_label = if zh {
                    format!("第 {} 行", row.line)
                } else {
                    format!("line {}", row.line)
                };
                for m in &row.errors {
                    out.push(format!("  - {row_label}: {m}", m = import_problem(m, lang)));
                }
            }
            out.join("\n")
        }
        WsError::UnknownField(key) if zh => format!(
            "未知字段“{key}”。可用字段：{}，模板字段用 attr.<名称>",
            known_keys()
        ),
        WsError::UnknownField(key) => format!(
            "unknown field '{key}'. Known fields: {}; template fields as attr.<name>",
            known_keys()
        ),
        WsError::UnsupportedFile(p) if zh => {
            format!("不支持的文件类型：{}（支持 .csv 和 .jsonl）", p.display())
        }
        WsError::UnsupportedFile(p) => format!(
            "unsupported file type: {} (use .csv or .jsonl)",
            p.display()
        ),
        WsError::Io { path, source } if zh => format!("无法读写 {}：{source}", path.display()),
        WsError::Io { path, source } => {
            format!("cannot read or write {}: {source}", path.display())
        }
        WsError::AuditBroken(b) => audit_break(b, lang),
        WsError::InvalidPrefix(p) if zh => {
            format!("企业前缀“{p}”无效：应为 88 开头、以点分隔的数字段，如 88.118.8")
        }
        WsError::InvalidPrefix(p) => format!(
            "invalid enterprise prefix '{p}': expected digit groups under 88, e.g. 88.118.8"
        ),
        WsError::Sync(e) => sync_error(e, lang),
        WsError::Label(e) => label_error(e, lang),
        WsError::Printer(e) => transport_error(e, lang),
        WsError::PrinterNotReady(name, st) if zh => {
            format!("打印机 {name} 未就绪：{}", printer_status_text(st, lang))
        }
        WsError::PrinterNotReady(name, st) => {
            format!("printer {name} is not ready: {}", printer_status_text(st, lang))
        }
        WsError::InvalidPrinter(fields) => {
            let list: Vec<String> = fields.iter().map(|(k, v)| format!("{k} = '{v}'")).collect();
            if zh {
                format!("打印机配置有误，未保存：{}", list.join("，"))
            } else {
                format!("invalid printer profile, nothing saved: {}", list.join(", "))
            }
        }
        WsError::UnknownTemplate(n) if zh => format!(
            "没有名为 “{n}” 的标签模板（内置：identifier、cal-pass、cal-restricted、cal-fail）"
        ),
        WsError::UnknownTemplate(n) => format!(
            "no label template named '{n}' (built in: identifier, cal-pass, cal-restricted, cal-fail)"
        ),
        WsError::InvalidSetting(k, v) if zh => format!("设置 {k} 的值 “{v}” 无效"),
        WsError::InvalidSetting(k, v) => format!("invalid value '{v}' for {k}"),
        WsError::ReasonRequired => lang
            .pick("补打必须填写原因", "a reprint needs a reason (--reason)")
            .to_string(),
        WsError::InBatch(id, e) if zh => format!("{id} 的标签：{}（整批未加入队列）", e.message(lang)),
        WsError::InBatch(id, e) => {
            format!("label for {id}: {} (nothing in the batch was queued)", e.message(lang))
        }
    }
}

/// Sync failures, in words that say what to do next.
pub fn sync_error(e: &idstation_sync::SyncError, lang: Lang) -> String {
    use idstation_sync::SyncError as S;
    if lang == Lang::En {
        return match e {
            S::Network(_) => {
                format!("{e}. Changes stay queued here and sync when the node is reachable.")
            }
            _ => e.to_string(),
        };
    }
    match e {
        S::Network(m) => format!("无法连接节点（{m}）。改动已保存在本机，联网后会自动同步。"),
        S::Server { status, message } => {
            format!("节点出错（HTTP {status}）：{message}。改动已保存在本机，稍后重试。")
        }
        S::Unauthorized => "节点拒绝了登录凭据，请重新登录：`idstation sync login`".to_owned(),
        S::Refused { code, message } if code == "account_pending" => {
            format!("账户待审核：运营方批准后才能同步（{message}）")
        }
        S::Refused { message, .. } => format!("节点拒绝了请求：{message}"),
        S::Protocol(m) => format!("节点的应答无法识别：{m}"),
        S::NotConfigured => "本工作站尚未登录节点，请先运行 `idstation sync login`".to_owned(),
        S::Store(s) => store_error(s, lang),
    }
}

pub fn import_problem(p: &crate::ImportProblem, lang: Lang) -> String {
    match p {
        crate::ImportProblem::Field(fe) => field_error(fe, lang),
        crate::ImportProblem::Malformed(m) => {
            format!("{}{m}", lang.pick("格式错误：", "malformed: "))
        }
        crate::ImportProblem::DuplicateInFile { first_line } => match lang {
            Lang::ZhCn => format!("标识与第 {first_line} 行重复"),
            Lang::En => format!("same identifier as line {first_line}"),
        },
        crate::ImportProblem::AlreadyRegistered(id) => match lang {
            Lang::ZhCn => format!("仪器 {id} 已登记"),
            Lang::En => format!("instrument {id} is already registered"),
        },
        crate::ImportProblem::UnknownColumn(c) => match lang {
            Lang::ZhCn => format!("未知列“{c}”"),
            Lang::En => format!("unknown column '{c}'"),
        },
    }
}

fn known_keys() -> String {
    Field::FIXED
        .iter()
        .map(Field::key)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_picks_language_in_posix_order_and_defaults_to_chinese() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(name, _)| *name == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(
            Lang::from_locale_vars(env(&[("LANG", "en_US.UTF-8")])),
            Lang::En
        );
        assert_eq!(
            Lang::from_locale_vars(env(&[("LANG", "en_US.UTF-8"), ("LC_ALL", "zh_CN.UTF-8")])),
            Lang::ZhCn
        );
        assert_eq!(
            Lang::from_locale_vars(env(&[("LANG", "C.UTF-8")])),
            Lang::ZhCn
        );
        assert_eq!(Lang::from_locale_vars(env(&[])), Lang::ZhCn);
    }

    #[test]
    fn field_errors_read_in_both_languages() {
        let e = FieldError {
            field: Field::CalLastDate,
            kind: FieldErrorKind::InvalidDate {
                value: "2026-02-30".into(),
            },
        };
        assert_eq!(
            field_error(&e, Lang::ZhCn),
            "校准日期: “2026-02-30”不是有效日期（格式 YYYY-MM-DD）"
        );
        assert_eq!(
            field_error(&e, Lang::En),
            "calibration date: '2026-02-30' is not a valid date (YYYY-MM-DD)"
        );
    }
}
