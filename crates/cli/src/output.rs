//! How results look: aligned text in the user's language, or JSON for scripts.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use chrono::NaiveDate;
use idstation_model::{Field, LiveStatus, MetadataTemplate};
use idstation_store::{AuditEntry, BackupReport, InstrumentRecord, RestoreReport, SearchResults};
use idstation_workstation::i18n::{self, field_label, live_status_label, Lang};
use idstation_workstation::{ImportReport, InstrumentDetails, Status, VerifyReport, WsError};
use serde::Serialize;
use unicode_width::UnicodeWidthStr;

pub struct Out {
    pub lang: Lang,
    pub json: bool,
}

/// Stored times are UTC; people read local time.
fn local_time(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_else(|_| rfc3339.to_string())
}

fn pad(s: &str, width: usize) -> String {
    let w = UnicodeWidthStr::width(s);
    format!("{s}{}", " ".repeat(width.saturating_sub(w)))
}

/// Cuts to a display width, marking the cut, so one long name does not break the table.
fn clip(s: &str, width: usize) -> String {
    if UnicodeWidthStr::width(s) <= width {
        return s.to_string();
    }
    let mut out = String::new();
    for c in s.chars() {
        if UnicodeWidthStr::width(out.as_str())
            + unicode_width::UnicodeWidthChar::width(c).unwrap_or(0)
            + 1
            > width
        {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

impl Out {
    pub fn json_value<T: Serialize>(&self, value: &T) {
        self.print_json(value)
    }

    pub fn t<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        match self.lang {
            Lang::ZhCn => zh,
            Lang::En => en,
        }
    }

    fn print_json<T: Serialize>(&self, value: &T) {
        match serde_json::to_string_pretty(value) {
            Ok(s) => println!("{s}"),
            Err(e) => eprintln!("{e}"),
        }
    }

    pub fn error(&self, e: &WsError) {
        if self.json {
            let fields: Vec<_> = e
                .field_errors()
                .iter()
                .map(|fe| {
                    serde_json::json!({
                        "field": fe.field.key(),
                        "kind": fe.kind,
                        "message": i18n::field_error(fe, self.lang),
                    })
                })
                .collect();
            let body = serde_json::json!({ "error": {
                "code": e.code(),
                "message": e.message(self.lang),
                "fields": fields,
            }});
            eprintln!("{body}");
        } else {
            eprintln!("{}{}", self.t("错误：", "Error: "), e.message(self.lang));
        }
    }

    pub fn status(&self, s: &Status) {
        if self.json {
            return self.print_json(s);
        }
        println!(
            "{}  {}",
            pad(self.t("设备", "Device"), 12),
            s.device.device_id
        );
        println!(
            "{}  {}",
            pad(self.t("企业前缀", "Prefix"), 12),
            s.device.prefix
        );
        println!(
            "{}  {}",
            pad(self.t("数据目录", "Data folder"), 12),
            s.data_dir.display()
        );
        println!(
            "{}  {}",
            pad(self.t("仪器数量", "Instruments"), 12),
            s.instruments
        );
        println!(
            "{}  {} / {}",
            pad(self.t("待同步操作", "Pending ops"), 12),
            s.outbox.pending,
            s.outbox.total
        );
    }

    fn record_line(&self, verb_zh: &str, verb_en: &str, rec: &InstrumentRecord) {
        if self.json {
            return self.print_json(rec);
        }
        println!(
            "{} {} {}（{} {}）",
            self.t(verb_zh, verb_en),
            rec.instrument.identifier,
            rec.instrument.name,
            self.t("版本", "version"),
            rec.version
        );
    }

    pub fn registered(&self, rec: &InstrumentRecord) {
        self.record_line("已登记", "Registered", rec);
    }

    pub fn edited(&self, rec: &InstrumentRecord) {
        self.record_line("已保存", "Saved", rec);
    }

    pub fn unchanged(&self, id: &str) {
        if self.json {
            return self.print_json(&serde_json::json!({ "unchanged": id }));
        }
        println!(
            "{} {id}",
            self.t("内容未变，未写入：", "Nothing changed for")
        );
    }

    pub fn deleted(&self, rec: &InstrumentRecord) {
        if self.json {
            return self.print_json(rec);
        }
        let id = &rec.instrument.identifier;
        println!(
            "{} {id} {}",
            self.t("已删除", "Deleted"),
            rec.instrument.name
        );
        println!(
            "{} idstation instrument undelete {id}",
            self.t("如需撤销：", "To undo:")
        );
    }

    pub fn imported(&self, r: &ImportReport) {
        if self.json {
            return self.print_json(r);
        }
        println!(
            "{} {}",
            self.t("已导入仪器：", "Instruments imported:"),
            r.imported
        );
    }

    pub fn details(&self, d: &InstrumentDetails, template: &MetadataTemplate) {
        if self.json {
            return self.print_json(d);
        }
        let inst = &d.record.instrument;
        let input = inst.to_input();
        let live = live_status_label(d.live_status, self.lang);
        let fields: Vec<Field> = Field::FIXED
            .into_iter()
            .chain(input.attributes.keys().map(|k| Field::Attribute(k.clone())))
            .collect();
        let labels: Vec<String> = fields.iter().map(|f| self.label(f, template)).collect();
        let width = labels
            .iter()
            .map(|l| UnicodeWidthStr::width(l.as_str()))
            .max()
            .unwrap_or(8);
        println!("{}  {live}", pad(self.t("当前状态", "Live status"), width));
        for (f, label) in fields.iter().zip(&labels) {
            let value = match f {
                Field::Status => Some(i18n::status_label(inst.status, self.lang).to_string()),
                Field::CalResult => inst
                    .calibration
                    .result
                    .map(|r| i18n::result_label(r, self.lang).to_string()),
                _ => input.get(f).map(str::to_string),
            };
            if let Some(v) = value {
                println!("{}  {v}", pad(label, width));
            }
        }
        if let Some(deleted) = &d.record.deleted_at {
            println!(
                "{}  {deleted}",
                pad(self.t("删除时间", "Deleted at"), width)
            );
        }
        println!("\n{}", self.t("历史：", "History:"));
        for e in &d.history {
            println!(
                "  {}  {}  {}",
                e.at,
                pad(&e.actor, 8),
                self.action(&e.action)
            );
        }
    }

    /// Template attributes are labelled with the template's Chinese alias.
    fn label(&self, f: &Field, template: &MetadataTemplate) -> String {
        match (f, self.lang) {
            (Field::Attribute(name), Lang::ZhCn) => template
                .field(name)
                .map_or_else(|| name.clone(), |t| t.alias_zh.clone()),
            _ => field_label(f, self.lang),
        }
    }

    fn action(&self, a: &str) -> String {
        let zh = match a {
            "register" => "登记",
            "edit" => "修改",
            "delete" => "删除",
            "undelete" => "恢复",
            "init" => "初始化",
            other => other,
        };
        self.t(zh, a).to_string()
    }

    pub fn table(&self, records: &[InstrumentRecord], today: NaiveDate) {
        if self.json {
            return self.print_json(&records);
        }
        if records.is_empty() {
            println!("{}", self.t("没有符合条件的仪器", "No instruments match"));
            return;
        }
        let head = [
            (self.t("标识", "Identifier"), 26),
            (self.t("名称", "Name"), 14),
            (self.t("型号", "Model"), 14),
            (self.t("所属单位", "Owner"), 22),
            (self.t("状态", "Status"), 18),
            (self.t("下次校准", "Next due"), 10),
        ];
        let line: Vec<String> = head.iter().map(|(h, w)| pad(h, *w)).collect();
        println!("{}", line.join("  ").trim_end());
        for r in records {
            let i = &r.instrument;
            let live = i.live_status(today);
            let mut status = live_status_label(live, self.lang).to_string();
            if r.deleted_at.is_some() {
                status = format!("{}({status})", self.t("已删除", "deleted"));
            }
            let cells = [
                i.identifier.to_string(),
                i.name.clone(),
                i.model.clone().unwrap_or_default(),
                i.owner.clone().unwrap_or_default(),
                status,
                i.calibration
                    .next_due
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
            ];
            let line: Vec<String> = cells
                .iter()
                .zip(head.iter())
                .map(|(c, (_, w))| pad(&clip(c, *w), *w))
                .collect();
            let text = line.join("  ");
            if live == LiveStatus::Overdue && std::io::stdout().is_terminal() {
                println!("\x1b[31m{}\x1b[0m", text.trim_end());
            } else {
                println!("{}", text.trim_end());
            }
        }
    }

    pub fn search(&self, r: &SearchResults, today: NaiveDate) {
        if self.json {
            return self.print_json(r);
        }
        self.table(&r.hits, today);
        if r.truncated {
            println!(
                "{}",
                self.t(
                    "…还有更多结果，请加 --limit 或细化查询",
                    "…more results; raise --limit or refine the query"
                )
            );
        }
    }

    pub fn verify(&self, r: &VerifyReport) {
        if self.json {
            return self.print_json(r);
        }
        match &r.audit.problem {
            None => println!(
                "{} {} {}",
                self.t("审计链完整：", "Audit chain intact:"),
                r.audit.entries,
                self.t("条记录", "entries")
            ),
            Some(p) => println!("{}", i18n::audit_break(p, self.lang)),
        }
        let c = &r.consistency;
        if c.is_consistent() {
            println!(
                "{} {} / {} / {}",
                self.t(
                    "仪器、待同步操作与审计记录一致：",
                    "Instruments, outbox and audit agree:"
                ),
                c.instruments,
                c.outbox_ops,
                c.audit_entries
            );
        } else {
            println!("{} {c:?}", self.t("数据不一致：", "Inconsistent:"));
        }
    }

    pub fn audit_log(&self, entries: &[AuditEntry]) {
        if self.json {
            return self.print_json(&entries);
        }
        for e in entries {
            println!(
                "#{:<6} {}  {}  {}  {}",
                e.seq,
                local_time(&e.at),
                pad(&e.actor, 8),
                pad(&self.action(&e.action), 6),
                e.entity_id
            );
        }
    }

    pub fn backup(&self, r: &BackupReport) {
        if self.json {
            return self.print_json(r);
        }
        println!(
            "{} {}（{} {}，{} {}）",
            self.t("备份完成并已校验：", "Backup written and verified:"),
            r.path.display(),
            r.instruments,
            self.t("台仪器", "instruments"),
            r.audit_entries,
            self.t("条审计记录", "audit entries")
        );
    }

    pub fn restore(&self, r: &RestoreReport) {
        if self.json {
            return self.print_json(r);
        }
        println!(
            "{} {}（{} {}）",
            self.t("已从备份恢复：", "Restored from"),
            r.restored_from.display(),
            r.instruments,
            self.t("台仪器", "instruments")
        );
        if let Some(prev) = &r.previous_saved_as {
            println!(
                "{} {}",
                self.t(
                    "恢复前的数据库已另存为：",
                    "The database before the restore is kept as"
                ),
                prev.display()
            );
        }
    }

    /// Asks on a terminal; elsewhere the caller must pass --yes.
    pub fn confirm_restore(&self, data_dir: &Path, backup: &Path) -> bool {
        if !std::io::stdin().is_terminal() {
            return false;
        }
        eprint!(
            "{} {} → {}\n{} ",
            self.t(
                "将用备份替换当前数据库：",
                "This replaces the current database with"
            ),
            backup.display(),
            data_dir.display(),
            self.t(
                "（当前数据库会另存一份）输入 yes 确认：",
                "(the current one is kept aside) Type yes to confirm:"
            )
        );
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer).is_ok() && answer.trim() == "yes"
    }

    pub fn progress(&self, p: &idstation_sync::Progress) -> String {
        use idstation_sync::Progress as P;
        match p {
            P::Pushing { sent, pending } => {
                format!("{} {sent}/{}", self.t("上传", "pushing"), sent + pending)
            }
            P::Pulling { received } => format!("{} {received}", self.t("下载", "pulling")),
            P::Refetching { received } => {
                format!("{} {received}", self.t("重新获取全部记录", "refetching"))
            }
            P::Leasing => self.t("领取标识号段", "leasing identifiers").to_owned(),
        }
    }

    pub fn sync_report(&self, r: &idstation_sync::SyncReport) {
        if self.json {
            return self.print_json(r);
        }
        let p = &r.pushed;
        match self.lang {
            Lang::ZhCn => println!(
                "同步完成：上传 {} 条（新 {}，重复 {}，拒绝 {}，冲突 {}），下载 {} 条{}{}",
                p.applied + p.duplicates + p.rejected + p.conflicts,
                p.applied,
                p.duplicates,
                p.rejected,
                p.conflicts,
                r.pulled,
                if r.refetched { "（已重新获取全部记录）" } else { "" },
                if r.leased > 0 { format!("，领取标识 {} 个", r.leased) } else { String::new() },
            ),
            Lang::En => println!(
                "synced: pushed {} (applied {}, duplicate {}, rejected {}, conflict {}), pulled {}{}{}",
                p.applied + p.duplicates + p.rejected + p.conflicts,
                p.applied,
                p.duplicates,
                p.rejected,
                p.conflicts,
                r.pulled,
                if r.refetched { " (full refetch)" } else { "" },
                if r.leased > 0 { format!(", leased {} identifiers", r.leased) } else { String::new() },
            ),
        }
    }

    pub fn sync_status(&self, s: &idstation_store::sync::SyncStatus) {
        if self.json {
            return self.print_json(s);
        }
        let none = self.t("无", "none");
        let rows = [
            (
                self.t("节点", "Node"),
                s.node_url
                    .clone()
                    .unwrap_or_else(|| self.t("未登录", "not signed in").to_owned()),
            ),
            (
                self.t("待同步操作", "Pending ops"),
                s.pending_ops.to_string(),
            ),
            (
                self.t("未处理冲突", "Open conflicts"),
                s.open_conflicts.to_string(),
            ),
            (
                self.t("被拒绝操作", "Rejected ops"),
                s.rejected_ops.to_string(),
            ),
            (
                self.t("剩余预分配标识", "Leased ids left"),
                s.lease_numbers_left.to_string(),
            ),
            (
                self.t("上次成功", "Last success"),
                s.last_success_at
                    .as_deref()
                    .map(local_time)
                    .unwrap_or_else(|| none.to_owned()),
            ),
            (
                self.t("上次错误", "Last error"),
                s.last_error.clone().unwrap_or_else(|| none.to_owned()),
            ),
        ];
        for (k, v) in rows {
            println!("{}  {v}", pad(k, 14));
        }
    }

    pub fn conflicts(&self, list: &[idstation_store::sync::ConflictRecord]) {
        if self.json {
            return self.print_json(&list);
        }
        if list.is_empty() {
            println!("{}", self.t("没有未处理的冲突", "No open conflicts"));
            return;
        }
        for c in list {
            let v = |x: &Option<String>| x.clone().unwrap_or_else(|| "∅".to_owned());
            println!(
                "#{}  {}  {}: {} {} / {} {}{}",
                c.id,
                c.identifier,
                c.field,
                self.t("本机", "local"),
                v(&c.local),
                self.t("节点", "node"),
                v(&c.server),
                c.resolution
                    .as_deref()
                    .map(|r| format!("  [{r}]"))
                    .unwrap_or_default()
            );
        }
    }

    /// Reads a password from the terminal's next line (the CLI's fallback when no flag or
    /// environment variable gives it).
    pub fn dashboard(&self, d: &idstation_workstation::view::Dashboard) {
        if self.json {
            return self.print_json(d);
        }
        println!("{}: {}", self.t("仪器总数", "instruments"), d.total);
        for c in &d.counts {
            println!("{}: {}", c.label, c.count);
        }
        println!(
            "{}: {}  {}: {}  {}: {}",
            self.t("同步", "sync"),
            d.sync.state_label,
            self.t("待同步", "pending"),
            d.sync.pending_ops,
            self.t("未解决冲突", "open conflicts"),
            d.sync.open_conflicts
        );
    }

    /// A scan that did not open a local record: the node's copy, or "unknown".
    pub fn scan_outcome(&self, o: &idstation_workstation::view::ScanOutcome) {
        use idstation_workstation::view::ScanOutcome;
        if self.json {
            return self.print_json(o);
        }
        match o {
            ScanOutcome::Local { identifier } => println!("{identifier}"),
            ScanOutcome::Node { identifier, view } => {
                println!(
                    "{identifier}  {}",
                    self.t("（来自节点，本机未保存）", "(from the node, not kept here)")
                );
                for f in &view.fields {
                    println!("{}  {}", pad(&f.label, 24), f.value);
                }
            }
            ScanOutcome::Unknown {
                identifier,
                node_note,
            } => {
                println!(
                    "{identifier}: {}",
                    self.t(
                        "本机和节点都没有这个标识；登记：idstation instrument add --id …",
                        "neither this workstation nor the node knows it; register: idstation instrument add --id …"
                    )
                );
                if let Some(n) = node_note {
                    println!("{n}");
                }
            }
        }
    }

    pub fn ask_password(&self) -> String {
        eprint!("{}", self.t("密码：", "Password: "));
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        let _ = std::io::stdin().read_line(&mut line);
        line.trim_end_matches(['\r', '\n']).to_owned()
    }
}
