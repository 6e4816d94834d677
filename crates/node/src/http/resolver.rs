//! The resolver for phone scans: `GET /{handle}` (what a label's QR code opens) and GS1 Digital
//! Link paths (`/01/{gtin}/21/{serial}`, `/8004/{giai}`) answer a person, not a program: a
//! redirect to the record's URL value, or a zh-CN page of the instrument with its live status.

use askama::Template;
use axum::extract::State;
use axum::http::{header, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;
use idstation_model::handle_record::{from_values, has_instrument_data, url};
use idstation_model::{Field, HandleValue, Identifier, Instrument, MetadataTemplate};

use super::error::V1Error;
use super::state::AppState;
use crate::accounts::AccountError;
use crate::storage::StorageError;
use crate::words::{Message, Words};

/// What a scan resolved to, before it is shown.
enum Outcome {
    Redirect(String),
    Record {
        handle: String,
        values: Vec<HandleValue>,
    },
    NotFound,
}

pub(crate) async fn resolve(State(state): State<AppState>, uri: Uri) -> Response {
    // A mistyped API path is a program's mistake: it gets JSON, not a page for a person.
    if uri.path().starts_with("/api/") {
        return V1Error::Refused(AccountError::NotFound).into_response();
    }
    // The parser that reads scanner input reads the resolver URL too: any case, `%2F`, GS1.
    // `%2F` between prefix and suffix is the Handle API's spelling of `/`; accept it here too.
    let scanned = format!(
        "https://resolver{}",
        uri.path().replace("%2F", "/").replace("%2f", "/")
    );
    let shown = percent_encoding::percent_decode_str(uri.path().trim_start_matches('/'))
        .decode_utf8_lossy()
        .into_owned();
    let identifier = match Identifier::parse(&scanned) {
        Ok(id) => id,
        Err(e) => {
            return problem(
                StatusCode::BAD_REQUEST,
                Problem::Invalid(e.to_string()),
                shown,
            )
        }
    };
    let looked_up = state
        .with_store(move |store| -> Result<Outcome, StorageError> {
            let handle = match &identifier {
                Identifier::Handle(h) => Some(h.to_string()),
                Identifier::Gs1(key) => store.handle_of_gs1(&key.to_string())?,
                _ => None,
            };
            let Some(handle) = handle else {
                return Ok(Outcome::NotFound);
            };
            Ok(match store.get(&handle)? {
                None => Outcome::NotFound,
                // A phone is anyone: it sees the publicly readable values only.
                Some(mut values) => {
                    values.retain(|v| v.is_public());
                    let target = url(&values).filter(|u| is_web_url(u)).map(str::to_owned);
                    match target {
                        Some(target) => Outcome::Redirect(target),
                        None => Outcome::Record { handle, values },
                    }
                }
            })
        })
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r.map_err(|e| e.to_string()));
    match looked_up {
        Ok(Outcome::Redirect(target)) => {
            (StatusCode::FOUND, [(header::LOCATION, target)]).into_response()
        }
        Ok(Outcome::Record { handle, values }) => {
            // The lab's calendar is China's, whatever zone the server's clock is set to.
            let today = crate::monitor::day_of(chrono::Utc::now());
            page(RecordPage::new(&handle, &values, today).render())
        }
        Ok(Outcome::NotFound) => problem(StatusCode::NOT_FOUND, Problem::NotFound, shown),
        Err(e) => {
            tracing::error!(error = %e, "resolver lookup failed");
            problem(StatusCode::INTERNAL_SERVER_ERROR, Problem::Internal, shown)
        }
    }
}

/// Only web addresses are followed: a `javascript:` or `file:` value is shown, never opened.
fn is_web_url(u: &str) -> bool {
    let lower = u.trim().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

fn page(rendered: askama::Result<String>) -> Response {
    match rendered {
        // The status is computed at request time, so no cache may keep yesterday's answer.
        Ok(html) => ([(header::CACHE_CONTROL, "no-cache")], Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "resolver page failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "record.html")]
struct RecordPage {
    handle: String,
    title: String,
    status_class: &'static str,
    status: Words,
    /// When the status was computed, and how.
    as_of: Words,
    note: Option<String>,
    rows: Vec<Row>,
    footer: Words,
}

struct Row {
    zh: String,
    en: String,
    value: String,
}

impl RecordPage {
    fn new(handle: &str, values: &[HandleValue], today: NaiveDate) -> RecordPage {
        let template = MetadataTemplate::builtin_instrument();
        match has_instrument_data(values)
            .then(|| from_values(values, &template))
            .and_then(Result::ok)
        {
            Some(inst) => RecordPage::instrument(handle, &inst, &template, today),
            None => RecordPage::values(handle, values, today),
        }
    }

    fn instrument(
        handle: &str,
        inst: &Instrument,
        template: &MetadataTemplate,
        today: NaiveDate,
    ) -> RecordPage {
        let live = inst.live_status(today);
        let (status_zh, status_en) = live.labels();
        let cal = &inst.calibration;
        let note = match (live, cal.next_due) {
            (idstation_model::LiveStatus::Overdue, Some(due)) => {
                let due = due.to_string();
                let words = Message::PastDue { due: &due }.words();
                Some(format!("{}{}", words.zh, words.en))
            }
            _ => None,
        };
        // Shown to anyone who scans: instrument facts only. The people who calibrated and
        // approved it and where it is kept stay off the public page (GB/T 35273: collect and
        // show no more personal data than the purpose needs).
        let fixed: [(Field, Option<String>); 14] = [
            (Field::Model, inst.model.clone()),
            (Field::SerialNo, inst.serial_no.clone()),
            (Field::Manufacturer, inst.manufacturer.clone()),
            (Field::Category, inst.category.clone()),
            (Field::MeasuringRange, inst.measuring_range.clone()),
            (Field::Accuracy, inst.accuracy.clone()),
            (Field::Resolution, inst.resolution.clone()),
            (Field::Owner, inst.owner.clone()),
            (Field::AssetNo, inst.asset_no.clone()),
            (Field::CalLastDate, cal.last_date.map(|d| d.to_string())),
            (Field::CalNextDue, cal.next_due.map(|d| d.to_string())),
            (Field::CalCertificateNo, cal.certificate_no.clone()),
            (
                Field::CalResult,
                cal.result
                    .map(|r| format!("{} / {}", r.label_zh(), r.as_str())),
            ),
            (
                Field::Status,
                Some(format!(
                    "{} / {}",
                    inst.status.label_zh(),
                    inst.status.as_str()
                )),
            ),
        ];
        let mut rows: Vec<Row> = fixed
            .into_iter()
            .filter_map(|(field, value)| {
                let (zh, en) = field.labels();
                value.map(|value| Row {
                    zh: zh.to_owned(),
                    en: en.to_owned(),
                    value,
                })
            })
            .collect();
        rows.extend(inst.attributes.iter().map(|(name, value)| {
            Row {
                zh: template
                    .field(name)
                    .map_or_else(|| name.clone(), |f| f.alias_zh.clone()),
                en: name.clone(),
                value: value.to_string(),
            }
        }));
        RecordPage {
            title: inst.name.clone(),
            note,
            rows,
            status_class: live_class(live),
            status: Words {
                zh: status_zh.to_owned(),
                en: status_en.to_owned(),
            },
            ..RecordPage::frame(handle, today)
        }
    }

    /// A record that is not an instrument (e.g. written by a Handle client): its values.
    fn values(handle: &str, values: &[HandleValue], today: NaiveDate) -> RecordPage {
        let rows = values
            .iter()
            .filter(|v| !v.is_type("HS_ADMIN"))
            .map(|v| Row {
                zh: v.kind.clone(),
                en: format!("index {}", v.index),
                value: v
                    .as_str()
                    .map_or_else(|| v.data.format.clone(), str::to_owned),
            })
            .collect();
        RecordPage {
            rows,
            ..RecordPage::frame(handle, today)
        }
    }

    /// What every record page has: the handle, when its status was computed, the footer; the
    /// status of a record that is not an instrument.
    fn frame(handle: &str, today: NaiveDate) -> RecordPage {
        let today = today.to_string();
        RecordPage {
            handle: handle.to_owned(),
            title: handle.to_owned(),
            status_class: "unknown",
            status: Message::IdentifierRecord.words(),
            as_of: Message::StatusAsOf { today: &today }.words(),
            note: None,
            rows: Vec::new(),
            footer: Message::Footer.words(),
        }
    }
}

fn live_class(s: idstation_model::LiveStatus) -> &'static str {
    use idstation_model::LiveStatus as L;
    match s {
        L::InUse => "in_use",
        L::Restricted => "restricted",
        L::Stopped => "stopped",
        L::Overdue => "overdue",
        L::Scrapped => "scrapped",
    }
}

enum Problem {
    Invalid(String),
    NotFound,
    Internal,
}

#[derive(Template)]
#[template(path = "problem.html")]
struct ProblemPage {
    heading: Words,
    detail: Words,
    scanned: String,
}

fn problem(status: StatusCode, problem: Problem, scanned: String) -> Response {
    let (heading, detail) = match problem {
        Problem::Invalid(reason) => {
            let mut hint = Message::ScanUnreadableHint.words();
            hint.en = format!("{} ({reason})", hint.en);
            (Message::ScanUnreadable.words(), hint)
        }
        Problem::NotFound => (
            Message::ScanNotFound.words(),
            Message::ScanNotFoundHint.words(),
        ),
        Problem::Internal => (
            Message::ResolverDown.words(),
            Message::ResolverDownHint.words(),
        ),
    };
    let doc = ProblemPage {
        heading,
        detail,
        scanned,
    };
    let mut response = page(doc.render());
    *response.status_mut() = status;
    response
}
