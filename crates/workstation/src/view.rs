//! What a screen shows, already in the person's language: the use cases' results shaped for the
//! desktop app (and `--json` scripts). These are the types that cross the app's IPC; their
//! TypeScript twins in `ui/src/bindings/` are generated from them (`ts-rs`), never written by hand.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use idstation_model::template::DataType;
use idstation_model::{
    CalibrationResult, Field, HandleValue, Identifier, InstrumentInput, InstrumentStatus,
};
use idstation_store::sync::{ConflictRecord, SyncStatus};
use idstation_store::{AuditEntry, InstrumentFilter, InstrumentRecord};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::i18n::{self, Lang};
use crate::{Result, Workstation, WsError};

/// An error as a person reads it: the message from `i18n`, a stable code, and the fields at
/// fault so a form can mark each one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UiError {
    pub code: String,
    pub message: String,
    pub fields: Vec<UiFieldError>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UiFieldError {
    /// The field key, as forms name their inputs (`name`, `cal_last_date`, `attr.environment`).
    pub field: String,
    pub message: String,
}

impl UiError {
    pub fn new(e: &WsError, lang: Lang) -> UiError {
        UiError {
            code: e.code().to_string(),
            message: e.message(lang),
            fields: e
                .field_errors()
                .iter()
                .map(|fe| UiFieldError {
                    field: fe.field.key(),
                    message: i18n::field_error(fe, lang),
                })
                .collect(),
        }
    }
}

/// One line of the instrument table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct InstrumentRow {
    pub identifier: String,
    pub name: String,
    pub category: Option<String>,
    pub model: Option<String>,
    pub serial_no: Option<String>,
    pub owner: Option<String>,
    pub location: Option<String>,
    /// `in_use`, `restricted`, `stopped`, `overdue`, `scrapped`: today's status, for colour.
    pub live_status: String,
    pub live_status_label: String,
    pub next_due: Option<String>,
}

impl InstrumentRow {
    pub fn new(r: &InstrumentRecord, today: NaiveDate, lang: Lang) -> InstrumentRow {
        let i = &r.instrument;
        let live = i.live_status(today);
        InstrumentRow {
            identifier: i.identifier.to_string(),
            name: i.name.clone(),
            category: i.category.clone(),
            model: i.model.clone(),
            serial_no: i.serial_no.clone(),
            owner: i.owner.clone(),
            location: i.location.clone(),
            live_status: serde_json::to_value(live)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            live_status_label: i18n::live_status_label(live, lang).to_string(),
            next_due: i.calibration.next_due.map(|d| d.to_string()),
        }
    }
}

/// Which instruments a list shows. Every part is optional; the dashboard's counts open lists
/// with exactly these filters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ListQuery {
    /// Search text (Chinese substrings of any length, model numbers); empty lists all.
    #[serde(default)]
    pub text: String,
    /// `in_use`, `restricted`, `stopped`, `scrapped`.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub owner: Option<String>,
    /// `overdue` (next due before today) or `due30` (due today up to 30 days from now).
    #[serde(default)]
    pub due: Option<String>,
    #[serde(default)]
    pub offset: u32,
    #[serde(default)]
    pub limit: u32,
}

/// A window of a list: `total` rows match, `rows` start at `offset`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct InstrumentPage {
    pub total: u32,
    pub offset: u32,
    pub rows: Vec<InstrumentRow>,
    /// A search found more than it returns.
    pub truncated: bool,
}

/// One labelled value of a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FieldValue {
    pub key: String,
    pub label: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HistoryItem {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub action_label: String,
    /// The changed fields for an edit (`label: before → after`), the reason for a deletion.
    pub detail: String,
}

/// The detail screen of one instrument.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct InstrumentView {
    pub identifier: String,
    pub name: String,
    pub version: i64,
    pub live_status: String,
    pub live_status_label: String,
    pub deleted: bool,
    /// `local` (this workstation's record) or `node` (read from the node, not kept here).
    pub source: String,
    pub fields: Vec<FieldValue>,
    /// Every field's key and current text, to fill the edit form.
    pub values: BTreeMap<String, String>,
    pub history: Vec<HistoryItem>,
}

/// How a form shows one input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FormField {
    pub key: String,
    pub label: String,
    /// `text`, `date`, `integer`, `decimal`, `boolean`, `select`.
    pub kind: String,
    pub required: bool,
    pub max_chars: u32,
    /// For `select`: (value, label) pairs.
    pub options: Vec<FormOption>,
    /// Belongs to the enterprise's metadata template rather than the fixed fields.
    pub template: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FormOption {
    pub value: String,
    pub label: String,
}

/// The sync state the header and the sync screen show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SyncView {
    /// `offline` (no node set), `clean`, `pending`, `conflicts`, `error`, `syncing`.
    pub state: String,
    pub state_label: String,
    pub node_url: Option<String>,
    pub username: Option<String>,
    pub signed_in: bool,
    pub pending_ops: i64,
    pub open_conflicts: i64,
    pub rejected_ops: i64,
    pub last_success_at: Option<String>,
    pub last_error: Option<String>,
    pub lease_numbers_left: i64,
}

/// The dashboard's counts; each opens the list with `query`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DashboardCount {
    pub key: String,
    pub label: String,
    pub count: u32,
    pub query: ListQuery,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Dashboard {
    pub total: u32,
    pub counts: Vec<DashboardCount>,
    pub sync: SyncView,
}

/// What a scanned text led to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum ScanOutcome {
    /// Registered here: open it.
    Local { identifier: String },
    /// Not here, but the node knows it.
    Node {
        identifier: String,
        view: Box<InstrumentView>,
    },
    /// Neither here nor (as far as we could ask) at the node: offer to register it.
    Unknown {
        identifier: String,
        /// Why the node was not asked or did not answer (offline, not configured), if so.
        #[serde(rename = "nodeNote")]
        node_note: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConflictView {
    pub id: i64,
    pub identifier: String,
    pub field: String,
    pub field_label: String,
    pub base: Option<String>,
    pub local: Option<String>,
    pub server: Option<String>,
    pub created_at: String,
}

/// A sync's progress, as the app's `sync-progress` event carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SyncProgressView {
    pub phase: String,
    pub message: String,
    pub done: u64,
    pub total: u64,
}

/// A finished sync, as the `sync-finished` event carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SyncOutcome {
    pub ok: bool,
    pub message: String,
    pub error: Option<UiError>,
    pub sync: Option<SyncView>,
}

/// What the app shows about itself and this workstation (header, settings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// `zh-CN` or `en`.
    pub lang: String,
    pub data_dir: String,
    pub prefix: String,
    pub device_id: String,
    pub instruments: u32,
    pub version: String,
}

fn live_key(live: idstation_model::LiveStatus) -> String {
    serde_json::to_value(live)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The filter for a due window, relative to `today`.
fn due_window(due: Option<&str>, today: NaiveDate) -> (Option<NaiveDate>, Option<NaiveDate>) {
    match due {
        Some("overdue") => (None, Some(today - Duration::days(1))),
        Some("due30") => (Some(today), Some(today + Duration::days(30))),
        _ => (None, None),
    }
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn action_label(action: &str, lang: Lang) -> String {
    let (zh, en) = match action {
        "register" | "insert" | "create" => ("登记", "registered"),
        "update" | "edit" => ("修改", "edited"),
        "delete" => ("删除", "deleted"),
        "undelete" => ("恢复", "restored"),
        "import" => ("导入", "imported"),
        "resolve_conflict" => ("解决冲突", "conflict resolved"),
        _ => return action.to_string(),
    };
    match lang {
        Lang::ZhCn => zh.into(),
        Lang::En => en.into(),
    }
}

impl Workstation {
    /// The instruments matching `q`, one window at a time (`limit` 0 means 200). With search
    /// text the hits come from the search index, newest first, then the filters apply.
    pub fn list_page(&self, q: &ListQuery, today: NaiveDate, lang: Lang) -> Result<InstrumentPage> {
        let limit = if q.limit == 0 { 200 } else { q.limit.min(2000) };
        let status = match non_empty(&q.status) {
            None => None,
            Some(s) => Some(InstrumentStatus::parse(&s).ok_or_else(|| {
                WsError::Invalid(idstation_model::ValidationErrors(vec![
                    idstation_model::FieldError {
                        field: Field::Status,
                        kind: idstation_model::FieldErrorKind::UnknownStatus { value: s },
                    },
                ]))
            })?),
        };
        let (due_from, due_until) = due_window(q.due.as_deref(), today);
        let filter = InstrumentFilter {
            status,
            category: non_empty(&q.category),
            owner: non_empty(&q.owner),
            due_until,
            due_from,
            include_deleted: false,
            limit,
            offset: q.offset,
        };
        if q.text.trim().is_empty() {
            let total = self.store.count_filtered(&filter)?;
            let rows = self.store.list_instruments(&filter)?;
            return Ok(InstrumentPage {
                total: total as u32,
                offset: q.offset,
                rows: rows
                    .iter()
                    .map(|r| InstrumentRow::new(r, today, lang))
                    .collect(),
                truncated: false,
            });
        }
        // Search: hits newest first, filtered here, windowed like a list. Without filters only
        // the hits up to this window (and one more block) are read, so typing stays fast; the
        // total grows as the table scrolls on (`truncated` says there are more). With filters,
        // up to SEARCH_CAP hits are read and filtered.
        const SEARCH_CAP: u32 = 1000;
        let filtered = filter.status.is_some()
            || filter.category.is_some()
            || filter.owner.is_some()
            || filter.due_until.is_some()
            || filter.due_from.is_some();
        let cap = if filtered {
            SEARCH_CAP
        } else {
            (q.offset + 2 * limit).min(100_000)
        };
        let found = self.store.search(&q.text, cap)?;
        let matching: Vec<&InstrumentRecord> = found
            .hits
            .iter()
            .filter(|r| {
                let i = &r.instrument;
                filter.status.is_none_or(|s| i.status == s)
                    && filter
                        .category
                        .as_ref()
                        .is_none_or(|c| i.category.as_ref() == Some(c))
                    && filter
                        .owner
                        .as_ref()
                        .is_none_or(|o| i.owner.as_ref() == Some(o))
                    && filter
                        .due_until
                        .is_none_or(|d| i.calibration.next_due.is_some_and(|n| n <= d))
                    && filter
                        .due_from
                        .is_none_or(|d| i.calibration.next_due.is_some_and(|n| n >= d))
            })
            .collect();
        Ok(InstrumentPage {
            total: matching.len() as u32,
            offset: q.offset,
            rows: matching
                .iter()
                .skip(q.offset as usize)
                .take(limit as usize)
                .map(|r| InstrumentRow::new(r, today, lang))
                .collect(),
            truncated: found.truncated,
        })
    }

    /// The record screen: every field with its label, and the instrument's audit history.
    pub fn instrument_view(
        &self,
        identifier: &str,
        today: NaiveDate,
        lang: Lang,
    ) -> Result<InstrumentView> {
        let d = self.details(identifier, today)?;
        let mut view = record_view(&d.record, &self.template, today, lang, "local");
        view.history = d
            .history
            .iter()
            .map(|e| history_item(e, &self.template, lang))
            .collect();
        Ok(view)
    }

    /// The register and edit forms: the fixed fields, then the metadata template's.
    pub fn form_fields(&self, lang: Lang) -> Vec<FormField> {
        form_fields(&self.template, lang)
    }

    /// Registers what a form holds (field key → text). Without an identifier one is minted
    /// from this workstation's lease.
    pub fn register_form(&mut self, values: &BTreeMap<String, String>) -> Result<InstrumentRecord> {
        let mut input = InstrumentInput::default();
        for (key, value) in values {
            let f = Field::from_key(key).ok_or_else(|| WsError::UnknownField(key.clone()))?;
            if !value.trim().is_empty() {
                input.set(&f, value.clone());
            }
        }
        self.register_minted(&input)
    }

    /// Saves an edit form: only the fields whose text differs from the record change.
    pub fn edit_form(
        &mut self,
        identifier: &str,
        values: &BTreeMap<String, String>,
        expected_version: Option<i64>,
    ) -> Result<Option<InstrumentRecord>> {
        let current = self.find(identifier)?;
        let before = input_values(&current.instrument.to_input());
        let mut changes = Vec::new();
        for (key, value) in values {
            let f = Field::from_key(key).ok_or_else(|| WsError::UnknownField(key.clone()))?;
            if f == Field::Identifier {
                continue;
            }
            let old = before.get(key).map(String::as_str).unwrap_or("");
            if old.trim() != value.trim() {
                changes.push((f, value.trim().to_string()));
            }
        }
        if changes.is_empty() {
            return Ok(None);
        }
        self.edit(identifier, &changes, expected_version)
    }

    /// Counts for the dashboard: due within 30 days, overdue, restricted, stopped; with the
    /// sync state, pending operations and open conflicts.
    pub fn dashboard(&self, today: NaiveDate, lang: Lang) -> Result<Dashboard> {
        let zh = lang == Lang::ZhCn;
        let pick = |a: &'static str, b: &'static str| if zh { a } else { b };
        let queries = [
            (
                "due30",
                pick("30 天内到期", "due within 30 days"),
                ListQuery {
                    due: Some("due30".into()),
                    ..ListQuery::default()
                },
            ),
            (
                "overdue",
                pick("已超期", "overdue"),
                ListQuery {
                    due: Some("overdue".into()),
                    ..ListQuery::default()
                },
            ),
            (
                "restricted",
                pick("准用", "restricted"),
                ListQuery {
                    status: Some("restricted".into()),
                    ..ListQuery::default()
                },
            ),
            (
                "stopped",
                pick("停用", "stopped"),
                ListQuery {
                    status: Some("stopped".into()),
                    ..ListQuery::default()
                },
            ),
        ];
        let mut counts = Vec::new();
        for (key, label, query) in queries {
            let page = self.list_page(
                &ListQuery {
                    limit: 1,
                    ..query.clone()
                },
                today,
                lang,
            )?;
            counts.push(DashboardCount {
                key: key.into(),
                label: label.into(),
                count: page.total,
                query,
            });
        }
        Ok(Dashboard {
            total: self.store.count_instruments()? as u32,
            counts,
            sync: self.sync_view(lang)?,
        })
    }

    pub fn sync_view(&self, lang: Lang) -> Result<SyncView> {
        let s = self.sync_status()?;
        let settings = self.sync_settings()?;
        Ok(sync_view(&s, settings.username, lang))
    }

    pub fn conflict_views(&self, lang: Lang) -> Result<Vec<ConflictView>> {
        Ok(self
            .conflicts(true)?
            .iter()
            .map(|c| conflict_view(c, lang))
            .collect())
    }

    /// Opens what a scanner typed: this workstation's record first; otherwise the node's (if
    /// this workstation signed in to one; a short timeout, never a sign-in); otherwise
    /// "unknown", so the app can offer to register it. Bad text is an identifier error.
    pub fn resolve_scan(&self, text: &str, today: NaiveDate, lang: Lang) -> Result<ScanOutcome> {
        let id = Self::parse_identifier(text)?;
        let identifier = id.to_string();
        if self.store.get_instrument(&id)?.is_some() {
            return Ok(ScanOutcome::Local { identifier });
        }
        let node = self.sync_settings()?.node_url;
        let (Some(url), Some(handle)) = (node, id.as_handle()) else {
            return Ok(ScanOutcome::Unknown {
                identifier,
                node_note: None,
            });
        };
        let transport = idstation_sync::HttpTransport::new(&url)?;
        match transport.resolve_handle(&handle.to_string()) {
            Ok(Some(values)) => match node_view(&values, &self.template, today, lang) {
                Some(view) => Ok(ScanOutcome::Node {
                    identifier,
                    view: Box::new(view),
                }),
                None => Ok(ScanOutcome::Unknown {
                    identifier,
                    node_note: None,
                }),
            },
            Ok(None) => Ok(ScanOutcome::Unknown {
                identifier,
                node_note: None,
            }),
            Err(e) => Ok(ScanOutcome::Unknown {
                identifier,
                node_note: Some(WsError::Sync(e).message(lang)),
            }),
        }
    }
}

/// Turns a node's handle values into a record screen (None if they hold no instrument).
pub fn node_view(
    values: &[HandleValue],
    template: &idstation_model::MetadataTemplate,
    today: NaiveDate,
    lang: Lang,
) -> Option<InstrumentView> {
    if !idstation_model::handle_record::has_instrument_data(values) {
        return None;
    }
    let inst = idstation_model::handle_record::from_values(values, template).ok()?;
    let record = InstrumentRecord {
        instrument: inst,
        version: 0,
        hlc: String::new(),
        created_at: String::new(),
        updated_at: String::new(),
        deleted_at: None,
    };
    Some(record_view(&record, template, today, lang, "node"))
}

fn input_values(input: &InstrumentInput) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for f in Field::FIXED {
        if let Some(v) = input.get(&f) {
            out.insert(f.key(), v.to_string());
        }
    }
    for (k, v) in &input.attributes {
        out.insert(Field::Attribute(k.clone()).key(), v.clone());
    }
    out
}

fn label_of(field: &Field, template: &idstation_model::MetadataTemplate, lang: Lang) -> String {
    match (field, lang) {
        (Field::Attribute(name), Lang::ZhCn) => template
            .field(name)
            .map(|t| t.alias_zh.clone())
            .unwrap_or_else(|| name.clone()),
        _ => i18n::field_label(field, lang),
    }
}

fn record_view(
    r: &InstrumentRecord,
    template: &idstation_model::MetadataTemplate,
    today: NaiveDate,
    lang: Lang,
    source: &str,
) -> InstrumentView {
    let i = &r.instrument;
    let values = input_values(&i.to_input());
    let mut fields = Vec::new();
    for f in Field::FIXED {
        let Some(v) = values.get(&f.key()) else {
            continue;
        };
        let shown = match f {
            Field::Status => InstrumentStatus::parse(v)
                .map(|s| i18n::status_label(s, lang).to_string())
                .unwrap_or_else(|| v.clone()),
            Field::CalResult => CalibrationResult::parse(v)
                .map(|s| i18n::result_label(s, lang).to_string())
                .unwrap_or_else(|| v.clone()),
            _ => v.clone(),
        };
        fields.push(FieldValue {
            key: f.key(),
            label: label_of(&f, template, lang),
            value: shown,
        });
    }
    for (name, v) in &i.attributes {
        let f = Field::Attribute(name.clone());
        fields.push(FieldValue {
            key: f.key(),
            label: label_of(&f, template, lang),
            value: v.to_string(),
        });
    }
    let live = i.live_status(today);
    InstrumentView {
        identifier: i.identifier.to_string(),
        name: i.name.clone(),
        version: r.version,
        live_status: live_key(live),
        live_status_label: i18n::live_status_label(live, lang).to_string(),
        deleted: r.deleted_at.is_some(),
        source: source.to_string(),
        fields,
        values,
        history: vec![],
    }
}

fn history_item(
    e: &AuditEntry,
    template: &idstation_model::MetadataTemplate,
    lang: Lang,
) -> HistoryItem {
    // An edit's payload is {field: [before, after]}; show it as "label: before → after".
    let mut detail = String::new();
    if let Some(p) = e.payload.as_deref() {
        if let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(p) {
            let parts: Vec<String> = map
                .iter()
                .filter_map(|(k, v)| {
                    let pair = v.as_array().filter(|a| a.len() == 2)?;
                    let show = |x: &serde_json::Value| match x {
                        serde_json::Value::Null => "—".to_string(),
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    let label = Field::from_key(k)
                        .map(|f| label_of(&f, template, lang))
                        .unwrap_or_else(|| k.clone());
                    Some(format!("{label}: {} → {}", show(&pair[0]), show(&pair[1])))
                })
                .collect();
            detail = parts.join("; ");
        }
    }
    HistoryItem {
        at: e.at.clone(),
        actor: e.actor.clone(),
        action: e.action.clone(),
        action_label: action_label(&e.action, lang),
        detail,
    }
}

pub fn form_fields(template: &idstation_model::MetadataTemplate, lang: Lang) -> Vec<FormField> {
    let mut out = Vec::new();
    for f in Field::FIXED {
        let (kind, options) = match f {
            Field::Status => (
                "select",
                InstrumentStatus::ALL
                    .iter()
                    .map(|s| FormOption {
                        value: s.as_str().into(),
                        label: i18n::status_label(*s, lang).into(),
                    })
                    .collect(),
            ),
            Field::CalResult => (
                "select",
                CalibrationResult::ALL
                    .iter()
                    .map(|s| FormOption {
                        value: s.as_str().into(),
                        label: i18n::result_label(*s, lang).into(),
                    })
                    .collect(),
            ),
            Field::CalLastDate | Field::CalNextDue => ("date", vec![]),
            Field::CalIntervalMonths => ("integer", vec![]),
            _ => ("text", vec![]),
        };
        out.push(FormField {
            key: f.key(),
            label: label_of(&f, template, lang),
            kind: kind.into(),
            required: f == Field::Name,
            max_chars: f.max_chars() as u32,
            options,
            template: false,
        });
    }
    for t in &template.fields {
        let f = Field::Attribute(t.name.clone());
        let kind = match t.data_type {
            DataType::String => "text",
            DataType::Integer => "integer",
            DataType::Decimal => "decimal",
            DataType::Date => "date",
            DataType::Boolean => "boolean",
        };
        out.push(FormField {
            key: f.key(),
            label: label_of(&f, template, lang),
            kind: kind.into(),
            required: t.required,
            max_chars: t.length,
            options: vec![],
            template: true,
        });
    }
    out
}

pub fn sync_view(s: &SyncStatus, username: Option<String>, lang: Lang) -> SyncView {
    let zh = lang == Lang::ZhCn;
    let (state, zh_label, en_label) = if s.node_url.is_none() {
        ("offline", "未连接节点", "no node set")
    } else if s.open_conflicts > 0 {
        ("conflicts", "有冲突待处理", "conflicts to settle")
    } else if s.last_error.is_some()
        && s.last_error_at.as_deref() >= s.last_success_at.as_deref()
        && s.last_error_at.is_some()
    {
        ("error", "同步出错", "sync failed")
    } else if s.pending_ops > 0 {
        ("pending", "待同步", "changes to send")
    } else if s.last_success_at.is_none() {
        ("pending", "尚未同步", "not synced yet")
    } else {
        ("clean", "已同步", "in sync")
    };
    SyncView {
        state: state.into(),
        state_label: if zh { zh_label } else { en_label }.into(),
        node_url: s.node_url.clone(),
        username,
        signed_in: s.signed_in,
        pending_ops: s.pending_ops,
        open_conflicts: s.open_conflicts,
        rejected_ops: s.rejected_ops,
        last_success_at: s.last_success_at.clone(),
        last_error: s.last_error.clone(),
        lease_numbers_left: s.lease_numbers_left,
    }
}

pub fn conflict_view(c: &ConflictRecord, lang: Lang) -> ConflictView {
    let label = Field::from_key(&c.field)
        .map(|f| i18n::field_label(&f, lang))
        .unwrap_or_else(|| c.field.clone());
    ConflictView {
        id: c.id,
        identifier: c.identifier.clone(),
        field: c.field.clone(),
        field_label: label,
        base: c.base.clone(),
        local: c.local.clone(),
        server: c.server.clone(),
        created_at: c.created_at.clone(),
    }
}

pub fn progress_view(p: &idstation_sync::Progress, lang: Lang) -> SyncProgressView {
    use idstation_sync::Progress as P;
    let zh = lang == Lang::ZhCn;
    let (phase, done, total) = match *p {
        P::Pushing { sent, pending } => ("pushing", sent, sent + pending),
        P::Pulling { received } => ("pulling", received, 0),
        P::Refetching { received } => ("refetching", received, 0),
        P::Leasing => ("leasing", 0, 0),
    };
    let message = match (phase, zh) {
        ("pushing", true) => format!("正在上传 {done}/{total}"),
        ("pushing", false) => format!("sending {done}/{total}"),
        ("pulling", true) => format!("正在下载 {done}"),
        ("pulling", false) => format!("receiving {done}"),
        ("refetching", true) => format!("正在重新获取全部数据 {done}"),
        ("refetching", false) => format!("fetching everything again {done}"),
        (_, true) => "正在申请标识号段".to_string(),
        (_, false) => "leasing identifier numbers".to_string(),
    };
    SyncProgressView {
        phase: phase.into(),
        message,
        done,
        total,
    }
}

/// Whether `text` parses as an identifier (for a form's instant check).
pub fn check_identifier(text: &str, lang: Lang) -> Option<String> {
    Identifier::parse(text)
        .err()
        .map(|e| i18n::identifier_error(&e, lang))
}

/// Writes the TypeScript twins of the IPC types into `dir`.
pub fn export_typescript(dir: &std::path::Path) -> std::result::Result<(), ts_rs::ExportError> {
    let cfg = ts_rs::Config::new()
        .with_large_int("number")
        .with_out_dir(dir);
    UiError::export_all(&cfg)?;
    AppInfo::export_all(&cfg)?;
    InstrumentPage::export_all(&cfg)?;
    ListQuery::export_all(&cfg)?;
    InstrumentView::export_all(&cfg)?;
    FormField::export_all(&cfg)?;
    Dashboard::export_all(&cfg)?;
    ScanOutcome::export_all(&cfg)?;
    ConflictView::export_all(&cfg)?;
    SyncProgressView::export_all(&cfg)?;
    SyncOutcome::export_all(&cfg)?;
    Ok(())
}
