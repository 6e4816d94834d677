//! The platform operator's desk for docking with the top-level node: the docking tables' records
//! (annex 1: the operating organisation, enterprise nodes, resolution configuration, templates,
//! business overviews) as forms built from the node's schema, and the uplink's reports (what was
//! sent, when, what failed, resend).
//!
//! Everything here is the node's data, read and written live: nothing is cached in the
//! workstation's database, and the operator signs in as themself for the app's run (the
//! station's device account may not see any of it). The node validates every field; a refusal
//! names the field, so the form marks it.

use std::collections::BTreeMap;

use idstation_sync::admin::{
    EntityRecord, MaintenanceWindow, OperatorSession, UplinkReport, UplinkSummary,
    MAX_ATTACHMENT_BYTES,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use ts_rs::TS;

use crate::hotfolders::Tone;
use crate::view::{local_time, FormOption};
use crate::{tr, Lang, Result, Workstation, WsError};

/// Reports one listing shows (newest first).
pub const REPORTS_SHOWN: u32 = 200;

/// Who is signed in at the docking desk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OperatorView {
    pub username: String,
    pub role: String,
    pub role_label: String,
    pub node_url: String,
    /// Only the platform operator sees the uplink and verifies enterprise nodes.
    pub is_operator: bool,
}

/// One count of the outbox (`pending`, `acked`, `failed`, `filed`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UplinkCount {
    pub state: String,
    pub label: String,
    pub count: u64,
    pub tone: Tone,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UplinkRow {
    pub key: String,
    pub item: String,
    /// The table or annex-2 item as a person names it (`T06 企业节点信息`).
    pub item_label: String,
    /// The period reported (`2026-11`, `2026-12-06`) or the record it is about.
    pub about: String,
    pub state: String,
    pub state_label: String,
    pub tone: Tone,
    pub attempts: u32,
    pub created_at: String,
    pub sent_at: Option<String>,
    pub acked_at: Option<String>,
    pub last_error: Option<String>,
    /// Where a report was written for manual upload (no endpoint configured).
    pub file: Option<String>,
    /// Failed or filed: the operator may send it again (under the same key).
    pub can_resend: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UplinkView {
    pub counts: Vec<UplinkCount>,
    /// A sentence on the outbox's health, in the person's language.
    pub summary: String,
    pub summary_tone: Tone,
    pub last_error: Option<String>,
    pub reports: Vec<UplinkRow>,
}

/// One declared maintenance window, as the desk lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MaintenanceLine {
    pub start: String,
    /// `None` while maintenance mode is on.
    pub end: Option<String>,
    pub description: String,
    pub by: String,
}

/// The operator's maintenance mode: planned maintenance is left out of the SLA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MaintenanceView {
    pub on: bool,
    /// "维护模式已开启（自 …）：…" or "no maintenance declared": a sentence for the screen.
    pub state: String,
    /// This month's windows, newest first.
    pub windows: Vec<MaintenanceLine>,
}

/// One input of a docking form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DockingField {
    /// The field's key in the node's records (`enterpriseName`).
    pub name: String,
    /// The field's code in the report records (`T06-01`).
    pub code: String,
    pub label: String,
    /// `text`, `textarea`, `select`, `date`, `month`, `number`, `json`, `attachment`.
    pub kind: String,
    /// `always`, `apply`, `verify` or empty (optional).
    pub required: String,
    pub max_chars: u32,
    pub options: Vec<FormOption>,
    /// Sealed at rest and masked for roles that do not need it.
    pub personal: bool,
    /// Part of the record's key: fixed once the record exists.
    pub key: bool,
}

/// One docking table people enter records into.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DockingTable {
    pub code: String,
    pub title: String,
    /// `node` (one set for the platform) or `enterprise` (per enterprise prefix).
    pub scope: String,
    pub cadence_label: String,
    pub fields: Vec<DockingField>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DockingRecord {
    pub key: String,
    pub enterprise_prefix: Option<String>,
    pub status: String,
    pub status_label: String,
    pub tone: Tone,
    pub revision: u64,
    pub updated_at: String,
    pub updated_by: String,
    /// Each field's value as the form shows it (JSON fields as JSON text).
    pub values: BTreeMap<String, String>,
}

// The node's schema document, as far as the forms need it.
#[derive(Deserialize)]
struct SchemaDoc {
    enums: BTreeMap<String, SchemaEnum>,
    items: Vec<SchemaItem>,
    industries: BTreeMap<String, SchemaIndustry>,
}

#[derive(Deserialize)]
struct SchemaEnum {
    values: Vec<SchemaEnumValue>,
}

#[derive(Deserialize)]
struct SchemaEnumValue {
    code: String,
    zh: String,
}

#[derive(Deserialize)]
struct SchemaIndustry {
    level: u8,
    name: String,
}

#[derive(Deserialize)]
struct SchemaItem {
    code: String,
    zh: String,
    en: String,
    cadence: String,
    scope: String,
    source: String,
    key: Vec<String>,
    fields: Vec<SchemaField>,
}

#[derive(Deserialize)]
struct SchemaField {
    code: String,
    name: String,
    zh: String,
    #[serde(rename = "type")]
    kind: String,
    len: Option<u32>,
    #[serde(rename = "enum")]
    enumeration: Option<String>,
    level: Option<u8>,
    required: Option<String>,
    #[serde(default)]
    personal: bool,
    #[serde(default)]
    system: bool,
}

/// The operator's signed-in desk; lives as long as the app's run.
pub struct DockingDesk {
    session: OperatorSession,
    node_url: String,
    schema: SchemaDoc,
}

impl Workstation {
    /// Signs in at the node this station syncs with as a person (the platform operator, or an
    /// enterprise administrator for its own records). The password is not kept.
    pub fn docking_sign_in(&self, username: &str, password: &str) -> Result<DockingDesk> {
        let node_url = self
            .store
            .sync_settings()?
            .node_url
            .ok_or(WsError::Sync(idstation_sync::SyncError::NotConfigured))?;
        DockingDesk::sign_in(&node_url, username, password)
    }
}

fn protocol(e: impl std::fmt::Display) -> WsError {
    WsError::Sync(idstation_sync::SyncError::Protocol(e.to_string()))
}

/// "enterpriseName" -> "Enterprise name": the English label of a field the schema names only
/// in Chinese.
fn english_label(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push(' ');
            out.extend(c.to_lowercase());
        } else if i == 0 {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
    }
    out
}

impl DockingDesk {
    pub fn sign_in(node_url: &str, username: &str, password: &str) -> Result<DockingDesk> {
        let session = OperatorSession::sign_in(node_url, username, password)?;
        let schema = serde_json::from_value(session.docking_schema()?).map_err(protocol)?;
        Ok(DockingDesk {
            session,
            node_url: node_url.to_owned(),
            schema,
        })
    }

    pub fn view(&self, lang: Lang) -> OperatorView {
        let role = self.session.role.clone();
        let role_label = match role.as_str() {
            "operator" => tr!(lang, "docking-role-operator"),
            "enterprise_admin" => tr!(lang, "docking-role-enterprise-admin"),
            other => other.to_owned(),
        };
        OperatorView {
            username: self.session.username.clone(),
            is_operator: self.session.is_operator(),
            role,
            role_label,
            node_url: self.node_url.clone(),
        }
    }

    fn item(&self, code: &str) -> Result<&SchemaItem> {
        self.schema
            .items
            .iter()
            .find(|i| i.code == code && i.source == "entered")
            .ok_or_else(|| WsError::NotInDockingSchema(code.to_owned()))
    }

    fn item_label(&self, code: &str, lang: Lang) -> String {
        match self.schema.items.iter().find(|i| i.code == code) {
            Some(i) => format!(
                "{} {}",
                i.code,
                if lang == Lang::ZhCn { &i.zh } else { &i.en }
            ),
            None => code.to_owned(),
        }
    }

    /// The tables people enter records into, with their forms.
    pub fn tables(&self, lang: Lang) -> Vec<DockingTable> {
        self.schema
            .items
            .iter()
            .filter(|i| i.source == "entered")
            .map(|i| DockingTable {
                code: i.code.clone(),
                title: if lang == Lang::ZhCn {
                    i.zh.clone()
                } else {
                    i.en.clone()
                },
                scope: i.scope.clone(),
                cadence_label: cadence_label(&i.cadence, lang),
                fields: i
                    .fields
                    .iter()
                    .filter(|f| !f.system)
                    .map(|f| self.form_field(i, f, lang))
                    .collect(),
            })
            .collect()
    }

    fn form_field(&self, item: &SchemaItem, f: &SchemaField, lang: Lang) -> DockingField {
        let (kind, options) = match f.kind.as_str() {
            "enum" => (
                "select",
                f.enumeration
                    .as_deref()
                    .and_then(|e| self.schema.enums.get(e))
                    .map(|e| {
                        e.values
                            .iter()
                            .map(|v| FormOption {
                                value: v.code.clone(),
                                label: format!("{} {}", v.code, v.zh),
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            ),
            "industry" => (
                "select",
                self.schema
                    .industries
                    .iter()
                    .filter(|(_, i)| f.level.is_none_or(|l| l == 0 || l == i.level))
                    .map(|(code, i)| FormOption {
                        value: code.clone(),
                        label: format!("{code} {}", i.name),
                    })
                    .collect(),
            ),
            "date" => ("date", vec![]),
            "month" => ("month", vec![]),
            "int" | "decimal" | "port" => ("number", vec![]),
            "attributes" | "json" => ("json", vec![]),
            // A file uploaded to the node (content-addressed); the field holds its SHA-256.
            "attachment" => ("attachment", vec![]),
            _ if f.len.is_some_and(|l| l > 200) => ("textarea", vec![]),
            _ => ("text", vec![]),
        };
        DockingField {
            name: f.name.clone(),
            code: f.code.clone(),
            label: if lang == Lang::ZhCn {
                f.zh.clone()
            } else {
                english_label(&f.name)
            },
            kind: kind.to_owned(),
            required: f.required.clone().unwrap_or_default(),
            max_chars: f.len.unwrap_or(0),
            options,
            personal: f.personal,
            key: item.key.contains(&f.name),
        }
    }

    fn record_view(&self, r: EntityRecord, lang: Lang) -> DockingRecord {
        let (status_label, tone) = match r.status.as_str() {
            "verified" => (tr!(lang, "docking-status-verified"), Tone::Ok),
            "submitted" => (tr!(lang, "docking-status-submitted"), Tone::Warn),
            "rejected" => (tr!(lang, "docking-status-rejected"), Tone::Error),
            "active" => (tr!(lang, "docking-status-active"), Tone::Info),
            other => (other.to_owned(), Tone::Info),
        };
        DockingRecord {
            key: r.key,
            enterprise_prefix: r.enterprise_prefix,
            status: r.status,
            status_label,
            tone,
            revision: r.revision,
            updated_at: local_time(&r.updated_at),
            updated_by: r.updated_by,
            values: r
                .fields
                .into_iter()
                .map(|(k, v)| {
                    let text = match v {
                        Value::String(s) => s,
                        Value::Null => String::new(),
                        other @ (Value::Array(_) | Value::Object(_)) => {
                            serde_json::to_string_pretty(&other).unwrap_or_default()
                        }
                        other => other.to_string(),
                    };
                    (k, text)
                })
                .collect(),
        }
    }

    /// The records of one table the signed-in person may see.
    pub fn records(&self, item: &str, lang: Lang) -> Result<Vec<DockingRecord>> {
        self.item(item)?;
        Ok(self
            .session
            .records(item)?
            .into_iter()
            .map(|r| self.record_view(r, lang))
            .collect())
    }

    /// Saves a record from the form's text values: blanks are left out (the node keeps what
    /// the record had), JSON fields must hold JSON. The node checks every field.
    pub fn save_record(
        &self,
        item: &str,
        values: &BTreeMap<String, String>,
        revision: Option<u64>,
        lang: Lang,
    ) -> Result<DockingRecord> {
        let schema_item = self.item(item)?;
        let mut fields = Map::new();
        for (name, text) in values {
            let field = schema_item
                .fields
                .iter()
                .find(|f| &f.name == name && !f.system)
                .ok_or_else(|| WsError::NotInDockingSchema(name.clone()))?;
            let text = text.trim();
            if text.is_empty() {
                continue;
            }
            let value = if matches!(field.kind.as_str(), "attributes" | "json") {
                serde_json::from_str(text).map_err(|e| WsError::NotJson {
                    field: name.clone(),
                    detail: e.to_string(),
                })?
            } else {
                Value::String(text.to_owned())
            };
            fields.insert(name.clone(), value);
        }
        let record = self.session.save_record(item, fields, revision)?;
        Ok(self.record_view(record, lang))
    }

    /// Uploads a file the person chose for an attachment field; returns its SHA-256, which
    /// the field then holds. Too large a file is refused here, before anything is sent.
    pub fn upload_attachment(
        &self,
        file: &std::path::Path,
        enterprise_prefix: Option<&str>,
    ) -> Result<String> {
        let io = |source| WsError::Io {
            path: file.to_path_buf(),
            source,
        };
        let size = std::fs::metadata(file).map_err(io)?.len();
        if size > MAX_ATTACHMENT_BYTES as u64 {
            return Err(WsError::AttachmentTooLarge {
                size,
                max: MAX_ATTACHMENT_BYTES as u64,
            });
        }
        let bytes = std::fs::read(file).map_err(io)?;
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "attachment".into());
        Ok(self
            .session
            .upload_attachment(&name, bytes, enterprise_prefix)?)
    }

    /// The operator's verdict on an enterprise node's record (table 6).
    pub fn verify_enterprise(
        &self,
        key: &str,
        passed: bool,
        opinion: &str,
        lang: Lang,
    ) -> Result<DockingRecord> {
        let record = self.session.verify_enterprise(key, passed, opinion)?;
        Ok(self.record_view(record, lang))
    }

    /// The outbox to the top-level node: counts, health, and the newest reports (of one state
    /// when `state` is given).
    pub fn uplink(&self, state: Option<&str>, lang: Lang) -> Result<UplinkView> {
        // The list first, then the counts: a report that moves on between the two requests is
        // then counted at least as far as it is listed (a row shown `filed` beside a `filed`
        // count of 0 was seen when the counts were read first).
        let reports = self.session.uplink_reports(state, REPORTS_SHOWN)?;
        let summary = self.session.uplink_summary()?;
        Ok(self.uplink_view(summary, reports, lang))
    }

    fn uplink_view(&self, s: UplinkSummary, reports: Vec<UplinkReport>, lang: Lang) -> UplinkView {
        let counts = ["pending", "acked", "failed", "filed"]
            .into_iter()
            .zip([s.pending, s.acked, s.failed, s.filed])
            .map(|(state, count)| UplinkCount {
                state: state.to_owned(),
                label: state_label(state, lang),
                count,
                tone: state_tone(state, count),
            })
            .collect();
        let (summary, summary_tone) = if s.failed > 0 {
            (
                tr!(lang, "uplink-summary-failed", failed = s.failed),
                Tone::Error,
            )
        } else if s.pending > 0 {
            (
                tr!(
                    lang,
                    "uplink-summary-pending",
                    pending = s.pending,
                    since = s
                        .oldest_pending_at
                        .as_deref()
                        .map(local_time)
                        .unwrap_or_default()
                ),
                Tone::Warn,
            )
        } else if s.filed > 0 {
            (
                tr!(lang, "uplink-summary-filed", filed = s.filed),
                Tone::Warn,
            )
        } else {
            (
                tr!(
                    lang,
                    "uplink-summary-ok",
                    acked = s.acked,
                    last = s
                        .last_acked_at
                        .as_deref()
                        .map(local_time)
                        .unwrap_or_else(|| "—".into())
                ),
                Tone::Ok,
            )
        };
        let last_error = s.last_error.map(|e| match s.last_error_at {
            Some(at) => format!("{} {e}", local_time(&at)),
            None => e,
        });
        UplinkView {
            counts,
            summary,
            summary_tone,
            last_error,
            reports: reports
                .into_iter()
                .map(|r| UplinkRow {
                    item_label: self.item_label(&r.item, lang),
                    about: r.period.clone().unwrap_or_else(|| r.subject.clone()),
                    state_label: state_label(&r.state, lang),
                    tone: state_tone(&r.state, 1),
                    can_resend: matches!(r.state.as_str(), "failed" | "filed"),
                    key: r.key,
                    item: r.item,
                    state: r.state,
                    attempts: r.attempts,
                    created_at: local_time(&r.created_at),
                    sent_at: r.last_sent_at.as_deref().map(local_time),
                    acked_at: r.acked_at.as_deref().map(local_time),
                    last_error: r.last_error,
                    file: r.file,
                })
                .collect(),
        }
    }

    /// This month's maintenance windows and whether maintenance mode is on.
    pub fn maintenance(&self, lang: Lang) -> Result<MaintenanceView> {
        Ok(maintenance_view(self.session.maintenance()?, lang))
    }

    /// Maintenance mode on (the time the node records is the start of planned maintenance).
    pub fn start_maintenance(&self, description: &str, lang: Lang) -> Result<MaintenanceView> {
        self.session.start_maintenance(description)?;
        self.maintenance(lang)
    }

    /// Maintenance mode off.
    pub fn end_maintenance(&self, lang: Lang) -> Result<MaintenanceView> {
        self.session.end_maintenance()?;
        self.maintenance(lang)
    }

    /// Sends one report again (by key), or every failed and filed one: same key, so the
    /// top-level node never takes it for a second report. Returns how many became pending.
    pub fn resend(&self, key: Option<&str>) -> Result<u64> {
        Ok(self.session.resend(key)?)
    }
}

fn maintenance_view(windows: Vec<MaintenanceWindow>, lang: Lang) -> MaintenanceView {
    let open = windows.iter().find(|w| w.end.is_none());
    let state = match open {
        Some(w) => tr!(
            lang,
            "maintenance-on",
            since = local_time(&w.start),
            description = w.description.as_str()
        ),
        None => tr!(lang, "maintenance-off"),
    };
    MaintenanceView {
        on: open.is_some(),
        state,
        windows: windows
            .into_iter()
            .rev()
            .map(|w| MaintenanceLine {
                start: local_time(&w.start),
                end: w.end.as_deref().map(local_time),
                description: w.description,
                by: match w.ended_by {
                    Some(e) if e != w.started_by => format!("{} / {e}", w.started_by),
                    _ => w.started_by,
                },
            })
            .collect(),
    }
}

fn state_label(state: &str, lang: Lang) -> String {
    match state {
        "pending" => tr!(lang, "uplink-state-pending"),
        "acked" => tr!(lang, "uplink-state-acked"),
        "failed" => tr!(lang, "uplink-state-failed"),
        "filed" => tr!(lang, "uplink-state-filed"),
        other => other.to_owned(),
    }
}

/// A failed report is an error, one waiting or only written to a file a warning: neither may
/// look like a success.
fn state_tone(state: &str, count: u64) -> Tone {
    match (state, count) {
        (_, 0) => Tone::Info,
        ("acked", _) => Tone::Ok,
        ("failed", _) => Tone::Error,
        ("pending" | "filed", _) => Tone::Warn,
        _ => Tone::Info,
    }
}

fn cadence_label(cadence: &str, lang: Lang) -> String {
    match cadence {
        "realtime" => tr!(lang, "docking-cadence-realtime"),
        "hourly" => tr!(lang, "docking-cadence-hourly"),
        "daily" => tr!(lang, "docking-cadence-daily"),
        "monthly" => tr!(lang, "docking-cadence-monthly"),
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_labels_come_from_the_field_names() {
        assert_eq!(english_label("enterpriseName"), "Enterprise name");
        assert_eq!(english_label("creditCode"), "Credit code");
        assert_eq!(english_label("ip"), "Ip");
    }

    #[test]
    fn no_failed_or_waiting_report_looks_like_a_success() {
        assert_eq!(state_tone("failed", 3), Tone::Error);
        assert_eq!(state_tone("pending", 1), Tone::Warn);
        assert_eq!(state_tone("filed", 1), Tone::Warn);
        assert_eq!(state_tone("acked", 9), Tone::Ok);
        assert_eq!(state_tone("failed", 0), Tone::Info);
    }
}
