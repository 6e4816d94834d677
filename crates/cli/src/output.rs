//! How results look: aligned text in the user's language (words from the workstation's
//! `locales/*/cli.ftl`), or JSON for scripts.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use chrono::NaiveDate;
use idstation_model::{LiveStatus, MetadataTemplate};
use idstation_workstation::i18n::{self, live_status_label, Lang};
use idstation_workstation::view::{field_label_in, shown_values, Dashboard, ScanOutcome};
use idstation_workstation::{describe_folder, describe_problem, tr, HotFoldersConfig, Verdict};
use idstation_workstation::{
    AuditEntry, BackupReport, ConflictRecord, ImportReport, InstrumentDetails, InstrumentList,
    InstrumentRecord, RestoreReport, Status, SyncReport, SyncStatus, VerifyReport, WsError,
};
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
            eprintln!(
                "{}",
                tr!(self.lang, "cli-error", message = e.message(self.lang))
            );
        }
    }

    /// Label and value lines, the labels padded to one width.
    fn rows(&self, rows: &[(String, String)], width: usize) {
        for (k, v) in rows {
            println!("{}  {v}", pad(k, width));
        }
    }

    pub fn status(&self, s: &Status) {
        if self.json {
            return self.print_json(s);
        }
        let l = self.lang;
        self.rows(
            &[
                (tr!(l, "cli-device"), s.device.device_id.to_string()),
                (tr!(l, "cli-prefix"), s.device.prefix.clone()),
                (tr!(l, "cli-data-folder"), s.data_dir.display().to_string()),
                (tr!(l, "cli-instruments"), s.instruments.to_string()),
                (
                    tr!(l, "cli-pending-ops"),
                    format!("{} / {}", s.outbox.pending, s.outbox.total),
                ),
            ],
            12,
        );
    }

    pub fn registered(&self, rec: &InstrumentRecord) {
        if self.json {
            return self.print_json(rec);
        }
        let i = &rec.instrument;
        println!(
            "{}",
            tr!(
                self.lang,
                "cli-registered",
                id = i.identifier,
                name = i.name,
                version = rec.version
            )
        );
    }

    pub fn edited(&self, rec: &InstrumentRecord) {
        if self.json {
            return self.print_json(rec);
        }
        let i = &rec.instrument;
        println!(
            "{}",
            tr!(
                self.lang,
                "cli-saved",
                id = i.identifier,
                name = i.name,
                version = rec.version
            )
        );
    }

    pub fn unchanged(&self, id: &str) {
        if self.json {
            return self.print_json(&serde_json::json!({ "unchanged": id }));
        }
        println!("{}", tr!(self.lang, "cli-unchanged", id = id));
    }

    pub fn deleted(&self, rec: &InstrumentRecord) {
        if self.json {
            return self.print_json(rec);
        }
        let id = &rec.instrument.identifier;
        let name = &rec.instrument.name;
        println!("{}", tr!(self.lang, "cli-deleted", id = id, name = name));
        println!("{}", tr!(self.lang, "cli-undo-delete", id = id));
    }

    pub fn imported(&self, r: &ImportReport) {
        if self.json {
            return self.print_json(r);
        }
        println!("{}", tr!(self.lang, "cli-imported", count = r.imported));
    }

    pub fn details(&self, d: &InstrumentDetails, template: &MetadataTemplate) {
        if self.json {
            return self.print_json(d);
        }
        let l = self.lang;
        let (shown, _) = shown_values(&d.record.instrument, l);
        let mut rows = vec![(
            tr!(l, "cli-live-status"),
            live_status_label(d.live_status, l),
        )];
        rows.extend(
            shown
                .into_iter()
                .map(|(f, v)| (field_label_in(&f, template, l), v)),
        );
        if let Some(deleted) = &d.record.deleted_at {
            rows.push((tr!(l, "cli-deleted-at"), deleted.clone()));
        }
        let width = rows
            .iter()
            .map(|(k, _)| UnicodeWidthStr::width(k.as_str()))
            .max()
            .unwrap_or(8);
        self.rows(&rows, width);
        println!("\n{}", tr!(l, "cli-history"));
        for e in &d.history {
            println!(
                "  {}  {}  {}",
                e.at,
                pad(&e.actor, 8),
                i18n::action_label(&e.action, l)
            );
        }
    }

    pub fn table(&self, records: &[InstrumentRecord], today: NaiveDate) {
        if self.json {
            return self.print_json(&records);
        }
        let l = self.lang;
        if records.is_empty() {
            println!("{}", tr!(l, "cli-no-instruments"));
            return;
        }
        let head = [
            (tr!(l, "cli-col-identifier"), 26),
            (tr!(l, "cli-col-name"), 14),
            (tr!(l, "cli-col-model"), 14),
            (tr!(l, "cli-col-owner"), 22),
            (tr!(l, "cli-col-status"), 18),
            (tr!(l, "cli-col-due"), 10),
        ];
        let line: Vec<String> = head.iter().map(|(h, w)| pad(h, *w)).collect();
        println!("{}", line.join("  ").trim_end());
        for r in records {
            let i = &r.instrument;
            let live = i.live_status(today);
            let mut status = live_status_label(live, l);
            if r.deleted_at.is_some() {
                status = tr!(l, "cli-deleted-status", status = status);
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

    /// Search hits; `--json` as `{hits, truncated}`, where `truncated` says there are more
    /// than shown.
    pub fn search(&self, found: &InstrumentList, today: NaiveDate) {
        #[derive(Serialize)]
        struct Hits<'a> {
            hits: &'a [InstrumentRecord],
            truncated: bool,
        }
        let more = found.truncated || found.total as usize > found.records.len();
        if self.json {
            return self.print_json(&Hits {
                hits: &found.records,
                truncated: more,
            });
        }
        self.table(&found.records, today);
        if more {
            println!("{}", tr!(self.lang, "cli-more-results"));
        }
    }

    pub fn verify(&self, r: &VerifyReport) {
        if self.json {
            return self.print_json(r);
        }
        let l = self.lang;
        match &r.audit.problem {
            None => println!("{}", tr!(l, "audit-intact", entries = r.audit.entries)),
            Some(p) => println!("{}", i18n::audit_break(p, l)),
        }
        let c = &r.consistency;
        if c.is_consistent() {
            println!(
                "{}",
                tr!(
                    l,
                    "data-consistent",
                    instruments = c.instruments,
                    ops = c.outbox_ops,
                    entries = c.audit_entries
                )
            );
        } else {
            println!("{}", tr!(l, "data-inconsistent", detail = format!("{c:?}")));
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
                pad(&i18n::action_label(&e.action, self.lang), 6),
                e.entity_id
            );
        }
    }

    pub fn backup(&self, r: &BackupReport) {
        if self.json {
            return self.print_json(r);
        }
        println!(
            "{}",
            tr!(
                self.lang,
                "backup-done",
                path = r.path.display(),
                instruments = r.instruments,
                entries = r.audit_entries
            )
        );
    }

    pub fn restore(&self, r: &RestoreReport) {
        if self.json {
            return self.print_json(r);
        }
        println!(
            "{}",
            tr!(
                self.lang,
                "restore-done",
                path = r.restored_from.display(),
                instruments = r.instruments
            )
        );
        if let Some(prev) = &r.previous_saved_as {
            println!(
                "{}",
                tr!(self.lang, "restore-previous-kept", path = prev.display())
            );
        }
        println!("{}", i18n::restore_numbering(&r.numbering, self.lang));
    }

    /// Asks on a terminal; elsewhere the caller must pass --yes.
    pub fn confirm_restore(&self, data_dir: &Path, backup: &Path) -> bool {
        if !std::io::stdin().is_terminal() {
            return false;
        }
        eprint!(
            "{}\n{} ",
            tr!(
                self.lang,
                "restore-confirm",
                backup = backup.display(),
                folder = data_dir.display()
            ),
            tr!(self.lang, "restore-confirm-prompt")
        );
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer).is_ok() && answer.trim() == "yes"
    }

    pub fn sync_report(&self, r: &SyncReport) {
        if self.json {
            return self.print_json(r);
        }
        let (l, p) = (self.lang, &r.pushed);
        let mut line = tr!(
            l,
            "cli-sync-report",
            pushed = p.applied + p.duplicates + p.rejected + p.conflicts,
            applied = p.applied,
            duplicates = p.duplicates,
            rejected = p.rejected,
            conflicts = p.conflicts,
            pulled = r.pulled
        );
        if r.refetched {
            line.push_str(&tr!(l, "cli-sync-refetched"));
        }
        if r.leased > 0 {
            line.push_str(&tr!(l, "cli-sync-leased", count = r.leased));
        }
        println!("{line}");
    }

    pub fn sync_status(&self, s: &SyncStatus) {
        if self.json {
            return self.print_json(s);
        }
        let l = self.lang;
        let none = || tr!(l, "cli-none");
        self.rows(
            &[
                (
                    tr!(l, "cli-node"),
                    s.node_url
                        .clone()
                        .unwrap_or_else(|| tr!(l, "cli-not-signed-in")),
                ),
                (tr!(l, "cli-pending-ops"), s.pending_ops.to_string()),
                (tr!(l, "cli-open-conflicts"), s.open_conflicts.to_string()),
                (tr!(l, "cli-rejected-ops"), s.rejected_ops.to_string()),
                (tr!(l, "cli-leased-left"), s.lease_numbers_left.to_string()),
                (
                    tr!(l, "cli-last-success"),
                    s.last_success_at
                        .as_deref()
                        .map(local_time)
                        .unwrap_or_else(none),
                ),
                (
                    tr!(l, "cli-last-error"),
                    s.last_error.clone().unwrap_or_else(none),
                ),
            ],
            14,
        );
    }

    pub fn conflicts(&self, list: &[ConflictRecord]) {
        if self.json {
            return self.print_json(&list);
        }
        if list.is_empty() {
            println!("{}", tr!(self.lang, "cli-no-conflicts"));
            return;
        }
        for c in list {
            let v = |x: &Option<String>| x.clone().unwrap_or_else(|| "∅".to_owned());
            println!(
                "#{}  {}  {}: {}{}",
                c.id,
                c.identifier,
                c.field,
                tr!(
                    self.lang,
                    "cli-conflict-sides",
                    local = v(&c.local),
                    node = v(&c.server)
                ),
                c.resolution
                    .as_deref()
                    .map(|r| format!("  [{r}]"))
                    .unwrap_or_default()
            );
        }
    }

    pub fn dashboard(&self, d: &Dashboard) {
        if self.json {
            return self.print_json(d);
        }
        let l = self.lang;
        println!("{}: {}", tr!(l, "cli-total"), d.total);
        for c in &d.counts {
            println!("{}: {}", c.label, c.count);
        }
        println!(
            "{}: {}  {}: {}  {}: {}",
            tr!(l, "cli-sync"),
            d.sync.state_label,
            tr!(l, "cli-pending"),
            d.sync.pending_ops,
            tr!(l, "cli-open-conflicts"),
            d.sync.open_conflicts
        );
    }

    /// A scan that did not open a local record: the node's copy, or "unknown".
    pub fn scan_outcome(&self, o: &ScanOutcome) {
        if self.json {
            return self.print_json(o);
        }
        match o {
            ScanOutcome::Local { identifier } => println!("{identifier}"),
            ScanOutcome::Node { identifier, view } => {
                println!("{identifier}  {}", tr!(self.lang, "cli-from-node"));
                for f in &view.fields {
                    println!("{}  {}", pad(&f.label, 24), f.value);
                }
            }
            ScanOutcome::Unknown {
                identifier,
                node_note,
            } => {
                println!("{identifier}: {}", tr!(self.lang, "cli-unknown-scan"));
                if let Some(n) = node_note {
                    println!("{n}");
                }
            }
            ScanOutcome::Several { matches, .. } => {
                for m in matches {
                    println!("{}  {}  ({})", m.identifier, m.name, m.matched_by);
                }
            }
        }
    }

    /// Reads a password from the terminal's next line (the CLI's fallback when no flag or
    /// environment variable gives it).
    pub fn ask_password(&self) -> String {
        eprint!("{} ", tr!(self.lang, "cli-password"));
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        let _ = std::io::stdin().read_line(&mut line);
        line.trim_end_matches(['\r', '\n']).to_owned()
    }
}

/// Hot folders and the one-shot import.
impl Out {
    pub fn verdict(&self, file: &Path, v: &Verdict) {
        if self.json {
            return self.print_json(v);
        }
        let l = self.lang;
        let name = file.file_name().map_or_else(
            || file.display().to_string(),
            |n| n.to_string_lossy().into(),
        );
        match v {
            Verdict::Imported { record, .. } => println!(
                "{}",
                tr!(
                    l,
                    "import-file-done",
                    file = name,
                    rows = record.rows,
                    registered = record.registered,
                    updated = record.updated,
                    unchanged = record.unchanged
                )
            ),
            Verdict::AlreadyImported { first } => println!(
                "{}",
                tr!(
                    l,
                    "import-file-again",
                    file = name,
                    when = local_time(&first.imported_at),
                    first = first.file_name
                )
            ),
            Verdict::Refused { problems, rows } => {
                println!(
                    "{}",
                    tr!(
                        l,
                        "import-file-refused",
                        file = name,
                        problems = problems.len(),
                        rows = rows
                    )
                );
                for p in problems {
                    println!("  - {}", describe_problem(p, l));
                }
            }
        }
    }

    pub fn hot_folders(&self, config: &HotFoldersConfig) {
        if self.json {
            return self.print_json(config);
        }
        let l = self.lang;
        if config.folders.is_empty() {
            return println!("{}", tr!(l, "hotfolder-none"));
        }
        for f in &config.folders {
            println!("{}  {}", f.path.display(), describe_folder(f, l));
        }
    }

    pub fn hot_folders_saved(&self, config: &HotFoldersConfig) {
        if self.json {
            return self.print_json(config);
        }
        self.hot_folders(config);
        println!(
            "{}",
            tr!(self.lang, "hotfolder-saved", count = config.folders.len())
        );
    }
}
