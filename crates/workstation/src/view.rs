//! What a screen shows, already in the person's language: the use cases' results shaped for the
//! desktop app (and `--json` scripts). Only shaping: the use cases (writes included) live in
//! their area's file and are called from here. These are the types that cross the app's IPC
//! (with the printing ones in `labels.rs`); their TypeScript twins in `ui/src/bindings/` are
//! generated from them (`ts-rs`, see [`export_typescript`]), never written by hand.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use idstation_model::template::DataType;
use idstation_model::{CalibrationResult, Field, HandleValue, Identifier, InstrumentStatus};
use idstation_store::sync::{ConflictRecord, SyncStatus};
use idstation_store::{AuditEntry, InstrumentRecord};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::i18n::{self, Lang};
use crate::instruments::{field_values, parse_status};
use crate::{tr, InstrumentQuery, Result, SyncState, Workstation, WsError};

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
        let mut fields: Vec<UiFieldError> = e
            .field_errors()
            .iter()
            .map(|fe| UiFieldError {
                field: fe.field.key(),
                message: i18n::field_error(fe, lang),
            })
            .collect();
        // The node's refusal of one field (docking forms), and a form's own JSON check.
        let one_field = match e {
            WsError::Sync(idstation_sync::SyncError::Refused {
                field: Some(field), ..
            })
            | WsError::NotJson { field, .. } => Some(field.clone()),
            _ => None,
        };
        if let Some(field) = one_field {
            fields.push(UiFieldError {
                field,
                message: e.message(lang),
            });
        }
        UiError {
            code: e.code().to_string(),
            message: e.message(lang),
            fields,
        }
    }
}

/// Stored and sent times are UTC (RFC 3339); people read local time. Text that is no such
/// time is shown as it is.
pub(crate) fn local_time(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| rfc3339.to_string())
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
            live_status: live_key(live),
            live_status_label: i18n::live_status_label(live, lang),
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
    /// An old barcode (asset number, serial number, bare suffix) that several records here
    /// carry: the person picks one.
    Several {
        text: String,
        matches: Vec<ScanMatch>,
    },
}

/// One record an old barcode matched, and by which field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ScanMatch {
    pub identifier: String,
    pub name: String,
    /// The field that carries the scanned text, in the person's language.
    pub matched_by: String,
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

/// The choices of the instrument list's filters, in the person's language (the same words as
/// the dashboard's counts and the forms).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ListFilters {
    /// `in_use`, `restricted`, `stopped`, `scrapped`.
    pub statuses: Vec<FormOption>,
    /// `due30`, `overdue`.
    pub due: Vec<FormOption>,
}

/// The stable name of today's status (`in_use`, …, `overdue`), for colours and scripts.
fn live_key(live: idstation_model::LiveStatus) -> String {
    serde_json::to_value(live)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The due windows a list can be narrowed to, relative to `today`: `overdue` (next due before
/// today) and `due30` (due today up to 30 days from now).
fn due_window(due: Option<&str>, today: NaiveDate) -> (Option<NaiveDate>, Option<NaiveDate>) {
    match due {
        Some("overdue") => (None, Some(today - Duration::days(1))),
        Some("due30") => (Some(today), Some(today + Duration::days(30))),
        _ => (None, None),
    }
}

fn due_label(key: &str, lang: Lang) -> String {
    match key {
        "overdue" => tr!(lang, "due-overdue"),
        _ => tr!(lang, "due-within-30-days"),
    }
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

impl ListQuery {
    /// The use case's query for this screen query (`limit` 0 means 200, at most 2,000).
    pub fn to_query(&self, today: NaiveDate) -> Result<InstrumentQuery> {
        let (due_from, due_until) = due_window(self.due.as_deref(), today);
        Ok(InstrumentQuery {
            text: self.text.clone(),
            status: non_empty(&self.status)
                .map(|s| parse_status(&s))
                .transpose()?,
            category: non_empty(&self.category),
            owner: non_empty(&self.owner),
            due_from,
            due_until,
            include_deleted: false,
            offset: self.offset,
            limit: if self.limit == 0 {
                200
            } else {
                self.limit.min(2000)
            },
        })
    }
}

impl Workstation {
    /// A window of the instrument table (see [`Workstation::find_instruments`]).
    pub fn list_page(&self, q: &ListQuery, today: NaiveDate, lang: Lang) -> Result<InstrumentPage> {
        let found = self.find_instruments(&q.to_query(today)?)?;
        Ok(InstrumentPage {
            total: found.total,
            offset: q.offset,
            rows: found
                .records
                .iter()
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

    /// Counts for the dashboard: due within 30 days, overdue, restricted, stopped; with the
    /// sync state, pending operations and open conflicts.
    pub fn dashboard(&self, today: NaiveDate, lang: Lang) -> Result<Dashboard> {
        let due = |key: &str| {
            (
                key.to_string(),
                due_label(key, lang),
                ListQuery {
                    due: Some(key.into()),
                    ..ListQuery::default()
                },
            )
        };
        let status = |s: InstrumentStatus| {
            (
                s.as_str().to_string(),
                i18n::status_label(s, lang),
                ListQuery {
                    status: Some(s.as_str().into()),
                    ..ListQuery::default()
                },
            )
        };
        let queries = [
            due("due30"),
            due("overdue"),
            status(InstrumentStatus::Restricted),
            status(InstrumentStatus::Stopped),
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
                key,
                label,
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

    /// What the app shows about itself and this workstation.
    pub fn app_info(&self, lang: Lang) -> Result<AppInfo> {
        let status = self.status()?;
        Ok(AppInfo {
            lang: lang.tag().into(),
            data_dir: self.data_dir.display().to_string(),
            prefix: status.device.prefix,
            device_id: status.device.device_id.to_string(),
            instruments: status.instruments as u32,
            version: env!("CARGO_PKG_VERSION").into(),
        })
    }
}

/// The filter choices of the instrument list.
pub fn list_filters(lang: Lang) -> ListFilters {
    ListFilters {
        statuses: InstrumentStatus::ALL
            .iter()
            .map(|s| FormOption {
                value: s.as_str().into(),
                label: i18n::status_label(*s, lang),
            })
            .collect(),
        due: ["due30", "overdue"]
            .into_iter()
            .map(|k| FormOption {
                value: k.into(),
                label: due_label(k, lang),
            })
            .collect(),
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

/// A field's label; template fields by the template's Chinese alias in Chinese.
pub fn field_label_in(
    field: &Field,
    template: &idstation_model::MetadataTemplate,
    lang: Lang,
) -> String {
    match (field, lang) {
        (Field::Attribute(name), Lang::ZhCn) => template
            .field(name)
            .map(|t| t.alias_zh.clone())
            .unwrap_or_else(|| name.clone()),
        _ => i18n::field_label(field, lang),
    }
}

/// A record's fields as (field, shown text): statuses and results in words, the rest as typed;
/// fixed fields first, then the template's. Used by the record screen and `idstation show`.
pub fn shown_values(
    i: &idstation_model::Instrument,
    lang: Lang,
) -> (Vec<(Field, String)>, BTreeMap<String, String>) {
    let values = field_values(&i.to_input());
    let mut shown = Vec::new();
    for f in Field::FIXED {
        let Some(v) = values.get(&f.key()) else {
            continue;
        };
        let text = match f {
            Field::Status => InstrumentStatus::parse(v)
                .map(|s| i18n::status_label(s, lang))
                .unwrap_or_else(|| v.clone()),
            Field::CalResult => CalibrationResult::parse(v)
                .map(|s| i18n::result_label(s, lang))
                .unwrap_or_else(|| v.clone()),
            _ => v.clone(),
        };
        shown.push((f, text));
    }
    for (name, v) in &i.attributes {
        shown.push((Field::Attribute(name.clone()), v.to_string()));
    }
    (shown, values)
}

fn record_view(
    r: &InstrumentRecord,
    template: &idstation_model::MetadataTemplate,
    today: NaiveDate,
    lang: Lang,
    source: &str,
) -> InstrumentView {
    let i = &r.instrument;
    let (shown, values) = shown_values(i, lang);
    let fields = shown
        .into_iter()
        .map(|(f, value)| FieldValue {
            key: f.key(),
            label: field_label_in(&f, template, lang),
            value,
        })
        .collect();
    let live = i.live_status(today);
    InstrumentView {
        identifier: i.identifier.to_string(),
        name: i.name.clone(),
        version: r.version,
        live_status: live_key(live),
        live_status_label: i18n::live_status_label(live, lang),
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
                        .map(|f| field_label_in(&f, template, lang))
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
        action_label: i18n::action_label(&e.action, lang),
        detail,
    }
}

pub fn form_fields(template: &idstation_model::MetadataTemplate, lang: Lang) -> Vec<FormField> {
    let filters = list_filters(lang);
    let mut out = Vec::new();
    for f in Field::FIXED {
        let (kind, options) = match f {
            Field::Status => ("select", filters.statuses.clone()),
            Field::CalResult => (
                "select",
                CalibrationResult::ALL
                    .iter()
                    .map(|s| FormOption {
                        value: s.as_str().into(),
                        label: i18n::result_label(*s, lang),
                    })
                    .collect(),
            ),
            Field::CalLastDate | Field::CalNextDue => ("date", vec![]),
            Field::CalIntervalMonths => ("integer", vec![]),
            _ => ("text", vec![]),
        };
        out.push(FormField {
            key: f.key(),
            label: field_label_in(&f, template, lang),
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
            label: field_label_in(&f, template, lang),
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
    let state = SyncState::of(s);
    SyncView {
        state: state.key().into(),
        state_label: i18n::sync_state_label(state, lang),
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

impl SyncView {
    /// The view while a sync runs (the app knows one does; the database does not).
    pub fn syncing(mut self, lang: Lang) -> SyncView {
        self.state = SyncState::Syncing.key().into();
        self.state_label = i18n::sync_state_label(SyncState::Syncing, lang);
        self
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

/// A sync's progress as the app's `sync-progress` event and the CLI's terminal line show it.
pub fn progress_view(p: &idstation_sync::Progress, lang: Lang) -> SyncProgressView {
    use idstation_sync::Progress as P;
    let (phase, done, total, message) = match *p {
        P::Pushing { sent, pending } => {
            let total = sent + pending;
            let m = tr!(lang, "sync-pushing", done = sent, total = total);
            ("pushing", sent, total, m)
        }
        P::Pulling { received } => {
            let m = tr!(lang, "sync-pulling", done = received);
            ("pulling", received, 0, m)
        }
        P::Refetching { received } => {
            let m = tr!(lang, "sync-refetching", done = received);
            ("refetching", received, 0, m)
        }
        P::Leasing => ("leasing", 0, 0, tr!(lang, "sync-leasing")),
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
    ListFilters::export_all(&cfg)?;
    InstrumentView::export_all(&cfg)?;
    FormField::export_all(&cfg)?;
    Dashboard::export_all(&cfg)?;
    ScanOutcome::export_all(&cfg)?;
    ScanMatch::export_all(&cfg)?;
    ConflictView::export_all(&cfg)?;
    SyncProgressView::export_all(&cfg)?;
    SyncOutcome::export_all(&cfg)?;
    // Printing: the workstation's label types and the label crate's printer types.
    crate::PrintJob::export_all(&cfg)?;
    crate::TemplateInfo::export_all(&cfg)?;
    crate::PrintProgress::export_all(&cfg)?;
    crate::QueueReport::export_all(&cfg)?;
    // Hot folders.
    crate::HotFoldersView::export_all(&cfg)?;
    // The operator's docking desk.
    crate::docking::OperatorView::export_all(&cfg)?;
    crate::docking::UplinkView::export_all(&cfg)?;
    crate::docking::DockingTable::export_all(&cfg)?;
    crate::docking::DockingRecord::export_all(&cfg)?;
    crate::docking::MaintenanceView::export_all(&cfg)?;
    // The monthly report.
    crate::reports::ReportView::export_all(&cfg)?;
    crate::reports::IssuedView::export_all(&cfg)?;
    crate::reports::DashboardCharts::export_all(&cfg)?;
    crate::HotFolderForm::export_all(&cfg)?;
    crate::FilePreview::export_all(&cfg)?;
    idstation_labels::PrinterProfile::export_all(&cfg)?;
    idstation_labels::PrinterStatus::export_all(&cfg)?;
    Ok(())
}
