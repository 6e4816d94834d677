//! The monthly operating report at the desk: drafted from the figures the node measured (pulled
//! through sync, so it works offline from the last pull) and this lab's own records (labels
//! printed, instruments overdue, orders); previewed; issued with a number and the SHA-256 of
//! its PDF, immutable and audited; submitted to the node through the outbox. A correction is
//! the next version, naming the one it replaces.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use idstation_reports::{
    self as reports, BusinessFigures, Draft, Figures, IssuedReport, Language, OrderCount,
    ReportInput, ReportNumber, SectionKey, ServiceType, Submission, Turnaround, YearMonth,
};
use idstation_store::reports::{IssuedRecord, NewIssued, StoredInput};
use idstation_sync::{HttpTransport, SyncConfig, SyncEngine, SyncReport};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::hotfolders::Tone;
use crate::view::local_time;
use crate::{tr, Lang, Result, Workstation, WsError};

/// The month a report is drafted for by default: the one before this (China time: the
/// annex's reporting month ends at midnight in Beijing).
pub fn default_report_month(now: DateTime<Utc>) -> String {
    YearMonth::containing(reports::time::china_date(now))
        .minus(1)
        .to_string()
}

fn month_of(text: &str) -> Result<YearMonth> {
    YearMonth::parse(text.trim()).map_err(|_| WsError::InvalidSetting("month", text.to_string()))
}

fn language_tag(language: Language) -> &'static str {
    match language {
        Language::Zh => "zh-CN",
        Language::En => "en",
    }
}

fn language_of(lang: Lang) -> Language {
    match lang {
        Lang::ZhCn => Language::Zh,
        Lang::En => Language::En,
    }
}

/// One figure on the screen's preview, labelled as the report labels it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FigureLine {
    pub label: String,
    pub value: String,
    /// `warn` for an SLA under 99.9 % or an outage, so a bad month never looks fine.
    pub tone: Tone,
}

/// A section a person writes in, after the figures the report computes for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SectionView {
    pub key: String,
    pub title: String,
    pub text: String,
}

/// One issued version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct IssuedView {
    pub number: String,
    pub month: String,
    pub version: u32,
    pub issued_at: String,
    pub issued_by: String,
    pub sha256: String,
    pub pdf_bytes: u64,
    pub supersedes: Option<String>,
    /// Whether the node has it: `waiting`, `applied`, `rejected`.
    pub submission: String,
    pub submission_label: String,
    pub submission_tone: Tone,
    pub submission_reason: Option<String>,
}

/// One day's registrations and resolutions, for the screen's chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DayPoint {
    pub date: String,
    pub registrations: u64,
    pub resolutions: u64,
}

/// The Reports screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReportView {
    pub month: String,
    /// Months to pick from: those with figures pulled, and the default one.
    pub months: Vec<String>,
    /// False when no figures of this month were ever pulled: sync first.
    pub has_figures: bool,
    pub scope_label: String,
    pub operator: String,
    pub node_name: String,
    /// When the figures were pulled (local time).
    pub pulled_at: Option<String>,
    /// `zh-CN` or `en`: the report's language, apart from the app's.
    pub language: String,
    pub figures: Vec<FigureLine>,
    pub days: Vec<DayPoint>,
    pub sections: Vec<SectionView>,
    /// The number the next issue will get.
    pub next_number: Option<String>,
    /// Every issued report, newest month first.
    pub history: Vec<IssuedView>,
}

/// A report rendered: its PDF and the CSV of its figures.
#[derive(Debug, Clone)]
pub struct ReportFiles {
    pub number: Option<String>,
    pub pdf: Vec<u8>,
    pub csv: Vec<u8>,
    pub pages: usize,
}

fn issued_view(r: &IssuedRecord, lang: Lang) -> IssuedView {
    let parsed: Option<IssuedReport> = serde_json::from_str(&r.issued).ok();
    let (key, label, tone) = match r.submission.as_deref() {
        Some("applied" | "duplicate") => {
            ("applied", tr!(lang, "report-submission-applied"), Tone::Ok)
        }
        Some(_) => (
            "rejected",
            tr!(lang, "report-submission-rejected"),
            Tone::Error,
        ),
        None => (
            "waiting",
            tr!(lang, "report-submission-waiting"),
            Tone::Info,
        ),
    };
    IssuedView {
        number: r.number.clone(),
        month: r.month.clone(),
        version: r.version,
        issued_at: local_time(&r.issued_at),
        issued_by: parsed
            .as_ref()
            .map(|p| p.issued_by().to_string())
            .unwrap_or_default(),
        sha256: r.sha256.clone(),
        pdf_bytes: r.pdf_bytes,
        supersedes: parsed
            .as_ref()
            .and_then(|p| p.supersedes().map(ToString::to_string)),
        submission: key.to_string(),
        submission_label: label,
        submission_tone: tone,
        submission_reason: r.submission_reason.clone(),
    }
}

fn service_of(code: &str) -> Option<ServiceType> {
    match code {
        "calibration" => Some(ServiceType::Calibration),
        "verification" => Some(ServiceType::Verification),
        "repair" => Some(ServiceType::Repair),
        "maintenance" => Some(ServiceType::Maintenance),
        _ => None,
    }
}

fn instant(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl Workstation {
    /// The figures of `month` as last pulled, with this lab's own business figures added.
    fn report_input(&self, month: YearMonth) -> Result<ReportInput> {
        let stored = self
            .store
            .report_input(None, &month.to_string())?
            .ok_or(WsError::NoReportFigures(month.to_string()))?;
        self.report_input_of(&stored, month)
    }

    /// [`Self::report_input`] from figures already read.
    fn report_input_of(&self, stored: &StoredInput, month: YearMonth) -> Result<ReportInput> {
        let mut input: ReportInput = serde_json::from_str(&stored.input)
            .map_err(|e| WsError::Report(reports::ReportError::InvalidInput(e.to_string())))?;
        let last_day = month
            .next()
            .first_day()
            .pred_opt()
            .unwrap_or(month.first_day());
        let counts = self.store.report_business(
            &stamp(month.start()),
            &stamp(month.end()),
            &last_day.to_string(),
        )?;
        input.business = Some(BusinessFigures {
            orders: counts
                .orders
                .iter()
                .filter_map(|(service, state, count)| {
                    Some(OrderCount {
                        service: service_of(service)?,
                        state: state.clone(),
                        count: *count,
                    })
                })
                .collect(),
            returned: counts
                .returned
                .iter()
                .filter_map(|(service, received, returned)| {
                    Some(Turnaround {
                        service: service_of(service)?,
                        received: instant(received)?,
                        returned: instant(returned)?,
                    })
                })
                .collect(),
            labels_printed: counts.labels_printed,
            instruments_overdue: counts.instruments_overdue,
        });
        Ok(input)
    }

    /// The draft of `month` for the scope the figures are of (a new one in `lang` at first).
    fn report_draft(&self, input: &ReportInput, lang: Lang) -> Result<Draft> {
        let stored = self
            .store
            .report_draft(input.scope.prefix(), &input.month.to_string())?;
        match stored {
            Some(s) => serde_json::from_str(&s.draft)
                .map_err(|e| WsError::Report(reports::ReportError::InvalidInput(e.to_string()))),
            None => Ok(Draft::new(
                input.scope.clone(),
                input.month,
                language_of(lang),
            )),
        }
    }

    fn save_draft(&mut self, draft: &Draft) -> Result<()> {
        let json = serde_json::to_string(draft)
            .map_err(|e| WsError::Report(reports::ReportError::InvalidInput(e.to_string())))?;
        self.store.save_report_draft(
            &self.actor,
            draft.scope.prefix(),
            &draft.month.to_string(),
            &json,
        )?;
        Ok(())
    }

    /// The Reports screen for `month` (the last month by default), in `lang`.
    pub fn report_view(&self, month: Option<&str>, lang: Lang) -> Result<ReportView> {
        let default = default_report_month(Utc::now());
        let month_text = month
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .unwrap_or(&default);
        let m = month_of(month_text)?;
        let mut months = self.store.report_months()?;
        for wanted in [default.clone(), m.to_string()] {
            if !months.contains(&wanted) {
                months.push(wanted);
            }
        }
        months.sort_unstable_by(|a, b| b.cmp(a));
        let issued = self.store.issued_reports()?;
        let history: Vec<IssuedView> = issued.iter().map(|r| issued_view(r, lang)).collect();
        let stored = self.store.report_input(None, &m.to_string())?;
        let Some(stored) = stored else {
            return Ok(ReportView {
                month: m.to_string(),
                months,
                has_figures: false,
                scope_label: String::new(),
                operator: String::new(),
                node_name: String::new(),
                pulled_at: None,
                language: language_tag(language_of(lang)).to_string(),
                figures: Vec::new(),
                days: Vec::new(),
                sections: Vec::new(),
                next_number: None,
                history,
            });
        };
        let input = self.report_input_of(&stored, m)?;
        let draft = self.report_draft(&input, lang)?;
        let figures = Figures::compute(&input)?;
        let words = reports::words::words(language_of(lang));
        let scope_label = match &input.scope {
            reports::Scope::Node { prefix } => format!("{} {prefix}", words.scope_node),
            // The enterprise's name follows as the operator.
            reports::Scope::Enterprise { prefix, .. } => {
                format!("{} {prefix}", words.scope_enterprise)
            }
        };
        let sections = SectionKey::ALL
            .iter()
            .map(|k| SectionView {
                key: k.as_str().to_string(),
                title: section_title(words, *k).to_string(),
                text: draft.sections.get(k).cloned().unwrap_or_default(),
            })
            .collect();
        Ok(ReportView {
            month: m.to_string(),
            months,
            has_figures: true,
            scope_label,
            operator: input.operator.clone(),
            node_name: input.node_name.clone(),
            pulled_at: Some(local_time(&stored.pulled_at)),
            language: language_tag(draft.language).to_string(),
            figures: figure_lines(&figures, words),
            days: figures
                .days
                .iter()
                .map(|d| DayPoint {
                    date: d.date.to_string(),
                    registrations: d.figures.as_ref().map_or(0, |f| f.registrations_new),
                    resolutions: d.figures.as_ref().map_or(0, |f| f.resolution_requests),
                })
                .collect(),
            sections,
            next_number: Some(next_number(&issued, &input)?.0.to_string()),
            history,
        })
    }

    /// Pulls the figures of `month` from the node now (the background sync keeps this and the
    /// last month fresh within a quarter of an hour).
    pub fn report_refresh(&mut self, month: &str) -> Result<SyncReport> {
        let m = month_of(month)?;
        let url = self
            .store
            .sync_settings()?
            .node_url
            .ok_or(WsError::Sync(idstation_sync::SyncError::NotConfigured))?;
        let engine = SyncEngine::new(HttpTransport::new(&url)?, SyncConfig::default());
        let mut report = SyncReport::default();
        engine.pull_report_month(&mut self.store, &mut report, &m.to_string())?;
        Ok(report)
    }

    /// Writes a section's text (empty clears it); works offline, kept with the draft.
    pub fn report_set_section(&mut self, month: &str, key: &str, text: &str) -> Result<()> {
        let m = month_of(month)?;
        let key = SectionKey::parse(key.trim())
            .ok_or_else(|| WsError::InvalidSetting("section", key.to_string()))?;
        let input = self.report_input(m)?;
        let mut draft = self.report_draft(&input, self.lang)?;
        draft.set_section(key, text)?;
        self.save_draft(&draft)
    }

    /// Sets the report's language (`zh-CN` or `en`), apart from the app's.
    pub fn report_set_language(&mut self, month: &str, language: &str) -> Result<()> {
        let m = month_of(month)?;
        let language = match language.trim() {
            "zh-CN" | "zh" => Language::Zh,
            "en" => Language::En,
            other => return Err(WsError::InvalidSetting("language", other.to_string())),
        };
        let input = self.report_input(m)?;
        let mut draft = self.report_draft(&input, self.lang)?;
        draft.language = language;
        self.save_draft(&draft)
    }

    /// The draft rendered (marked 草稿 / DRAFT, no number): PDF and CSV.
    pub fn report_preview(&self, month: &str) -> Result<ReportFiles> {
        let m = month_of(month)?;
        let input = self.report_input(m)?;
        let draft = self.report_draft(&input, self.lang)?;
        let out = reports::preview(&input, &draft)?;
        Ok(ReportFiles {
            number: None,
            pages: out.pdf.pages,
            pdf: out.pdf.pdf,
            csv: out.csv,
        })
    }

    /// Writes the draft's PDF and CSV into `dir` as `report-<month>-draft.pdf` / `.csv`; an
    /// existing file is never overwritten.
    pub fn report_preview_to(&self, month: &str, dir: &Path) -> Result<Vec<PathBuf>> {
        let files = self.report_preview(month)?;
        let mut written = Vec::new();
        for (ext, bytes) in [("pdf", &files.pdf), ("csv", &files.csv)] {
            let path = dir.join(format!("report-{}-draft.{ext}", month.trim()));
            write_new(&path, bytes)?;
            written.push(path);
        }
        Ok(written)
    }

    /// Issues the draft: numbered (the next version when the month has one already, which it
    /// then corrects), rendered, hashed, kept immutable with its audit entry and queued for
    /// the node, in one transaction.
    pub fn report_issue(&mut self, month: &str) -> Result<IssuedView> {
        let m = month_of(month)?;
        let input = self.report_input(m)?;
        let draft = self.report_draft(&input, self.lang)?;
        let (number, supersedes) = next_number(&self.store.issued_reports()?, &input)?;
        let now = Utc::now();
        let (issued, out) = reports::issue(
            &input,
            &draft,
            number,
            now,
            &self.actor,
            supersedes.as_ref(),
        )?;
        let meta = serde_json::to_string(&issued)
            .map_err(|e| WsError::Report(reports::ReportError::InvalidInput(e.to_string())))?;
        let submission =
            serde_json::to_string(&Submission::new(&issued, &out.pdf.pdf, &out.csv))
                .map_err(|e| WsError::Report(reports::ReportError::InvalidInput(e.to_string())))?;
        let number = issued.number().to_string();
        let record = self.store.issue_report(
            &self.actor,
            &NewIssued {
                number: &number,
                prefix: issued.scope().prefix(),
                month: &m.to_string(),
                version: issued.number().version,
                issued: &meta,
                sha256: issued.sha256(),
                pdf: &out.pdf.pdf,
                csv: &out.csv,
                issued_at: &stamp(now),
                submission: &submission,
            },
        )?;
        Ok(issued_view(&record, self.lang))
    }

    /// An issued report's files as issued, checked against its recorded hash.
    pub fn issued_report_files(&self, number: &str) -> Result<ReportFiles> {
        let record = self
            .store
            .issued_report(number.trim())?
            .ok_or_else(|| WsError::Store(idstation_store::StoreError::NotFound(number.into())))?;
        let (pdf, csv) = self
            .store
            .issued_report_files(&record.number)?
            .ok_or_else(|| WsError::Store(idstation_store::StoreError::NotFound(number.into())))?;
        let issued: IssuedReport = serde_json::from_str(&record.issued)
            .map_err(|e| WsError::Report(reports::ReportError::InvalidInput(e.to_string())))?;
        issued.verify(&pdf)?;
        Ok(ReportFiles {
            number: Some(record.number),
            pages: 0,
            pdf,
            csv,
        })
    }

    /// Every issued report, newest month first.
    pub fn issued_reports(&self) -> Result<Vec<IssuedView>> {
        Ok(self
            .store
            .issued_reports()?
            .iter()
            .map(|r| issued_view(r, self.lang))
            .collect())
    }

    /// Writes an issued report's PDF and CSV into `dir` as `<number>.pdf` / `.csv`; an
    /// existing file is never overwritten.
    pub fn report_export(&self, number: &str, dir: &Path) -> Result<Vec<PathBuf>> {
        let files = self.issued_report_files(number)?;
        let name = files.number.clone().unwrap_or_else(|| number.to_string());
        let mut written = Vec::new();
        for (ext, bytes) in [("pdf", &files.pdf), ("csv", &files.csv)] {
            let path = dir.join(format!("{name}.{ext}"));
            write_new(&path, bytes)?;
            written.push(path);
        }
        Ok(written)
    }
}

/// The number the next issue of this scope and month gets among the reports `issued` here,
/// and the version it corrects.
fn next_number(
    issued: &[IssuedRecord],
    input: &ReportInput,
) -> Result<(ReportNumber, Option<IssuedReport>)> {
    let month = input.month.to_string();
    let current = issued
        .iter()
        .filter(|r| r.prefix == input.scope.prefix() && r.month == month)
        .max_by_key(|r| r.version);
    match current {
        None => Ok((ReportNumber::first(&input.scope, input.month), None)),
        Some(r) => {
            let issued: IssuedReport = serde_json::from_str(&r.issued)
                .map_err(|e| WsError::Report(reports::ReportError::InvalidInput(e.to_string())))?;
            Ok((issued.number().next(), Some(issued)))
        }
    }
}

/// Writes a file that must not exist yet.
fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write as _;
    let io = |source| WsError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                WsError::Store(idstation_store::StoreError::FileExists(path.to_path_buf()))
            } else {
                io(e)
            }
        })?;
    file.write_all(bytes).map_err(io)?;
    file.sync_all().map_err(io)
}

fn section_title(words: &reports::words::Words, key: SectionKey) -> &'static str {
    match key {
        SectionKey::Summary => words.s1,
        SectionKey::Service => words.s2,
        SectionKey::Maintenance => words.s3,
        SectionKey::Business => words.s4,
    }
}

/// The month's key figures, as the screen previews them.
fn figure_lines(f: &Figures, w: &reports::words::Words) -> Vec<FigureLine> {
    use reports::words::{count, fixed, pct};
    let m = f.current();
    let line = |label: &str, value: String, tone: Tone| FigureLine {
        label: label.to_string(),
        value,
        tone,
    };
    let dash = || w.dash.to_string();
    let sla = m.availability.sla();
    let mut out = vec![
        line(
            w.sla,
            sla.map(pct).unwrap_or_else(dash),
            // Nothing measured is no success either.
            match sla {
                None => Tone::Info,
                Some(s) if s < 99.9 => Tone::Warn,
                Some(_) => Tone::Ok,
            },
        ),
        line(
            w.operating_hours,
            m.availability
                .operating_hours()
                .map(|h| format!("{} {}", fixed(h, 1), w.unit_hours))
                .unwrap_or_else(dash),
            Tone::Info,
        ),
        line(w.reg_new, count(m.registrations_new), Tone::Info),
        line(
            w.reg_total,
            m.registrations_total.map(count).unwrap_or_else(dash),
            Tone::Info,
        ),
        line(w.res_requests, count(m.resolution_requests), Tone::Info),
        line(
            w.res_success_rate,
            m.resolution_success_pct().map(pct).unwrap_or_else(dash),
            Tone::Info,
        ),
        line(
            w.res_rtt,
            m.resolution_rtt
                .map(|l| format!("{} {}", fixed(l.avg_ms, 1), w.unit_ms))
                .unwrap_or_else(dash),
            Tone::Info,
        ),
        line(
            w.reg_rtt,
            m.registration_rtt
                .map(|l| format!("{} {}", fixed(l.avg_ms, 1), w.unit_ms))
                .unwrap_or_else(dash),
            Tone::Info,
        ),
        line(
            w.effective,
            m.effective
                .map(|e| format!("{} {}", fixed(e.avg_hours, 2), w.unit_hours))
                .unwrap_or_else(dash),
            Tone::Info,
        ),
        line(w.t4, count(f.maintenance.len() as u64), Tone::Info),
        line(
            w.t5,
            count(f.emergencies.len() as u64),
            if f.emergencies.is_empty() {
                Tone::Ok
            } else {
                Tone::Warn
            },
        ),
    ];
    if let Some(b) = &f.business {
        out.push(line(w.labels_printed, count(b.labels_printed), Tone::Info));
        out.push(line(
            w.overdue,
            count(b.instruments_overdue),
            if b.instruments_overdue > 0 {
                Tone::Warn
            } else {
                Tone::Ok
            },
        ));
    }
    out
}

/// Calibrations due in one month, or (first) those overdue already.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DueMonth {
    /// `YYYY-MM`, or `overdue`.
    pub key: String,
    pub label: String,
    pub count: u64,
    pub overdue: bool,
}

/// The dashboard's pictures: calibrations due per month for the next 12 months (overdue
/// first, in red), and registrations and resolutions per day for the last 30 days, from the
/// same figures the monthly report is drafted from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DashboardCharts {
    pub due: Vec<DueMonth>,
    pub days: Vec<DayPoint>,
    /// Why there are no daily figures (none pulled from the node yet).
    pub days_note: Option<String>,
    pub due_title: String,
    pub days_title: String,
    pub registrations_label: String,
    pub resolutions_label: String,
}

/// Days of daily figures the dashboard shows.
const DASHBOARD_DAYS: i64 = 30;

impl Workstation {
    /// The dashboard's charts as of `today` (the workstation's date).
    pub fn dashboard_charts(
        &self,
        today: chrono::NaiveDate,
        lang: Lang,
    ) -> Result<DashboardCharts> {
        use chrono::Datelike as _;
        let first = today.with_day(1).unwrap_or(today);
        let months: Vec<chrono::NaiveDate> = (0..=12)
            .filter_map(|i| first.checked_add_months(chrono::Months::new(i)))
            .collect();
        let until = months.last().copied().unwrap_or(first);
        let (counts, overdue) = self
            .store
            .due_by_month(&today.to_string(), &until.to_string())?;
        let mut due = vec![DueMonth {
            key: "overdue".into(),
            label: tr!(lang, "chart-overdue"),
            count: overdue,
            overdue: true,
        }];
        for m in months.iter().take(12) {
            let key = m.format("%Y-%m").to_string();
            let count = counts
                .iter()
                .find(|(k, _)| *k == key)
                .map_or(0, |(_, n)| *n);
            due.push(DueMonth {
                label: tr!(lang, "chart-month", year = m.year(), month = m.month()),
                key,
                count,
                overdue: false,
            });
        }
        // The daily figures as last pulled: this month's and the last month's inputs.
        let this = YearMonth::containing(today);
        let mut by_day = std::collections::BTreeMap::new();
        for m in [this.minus(1), this] {
            if let Some(stored) = self.store.report_input(None, &m.to_string())? {
                if let Ok(input) = serde_json::from_str::<ReportInput>(&stored.input) {
                    for d in input.days.iter().filter(|d| m.contains(d.date)) {
                        by_day.insert(d.date, (d.registrations_new, d.resolution_requests));
                    }
                }
            }
        }
        let days: Vec<DayPoint> = if by_day.is_empty() {
            Vec::new()
        } else {
            (0..DASHBOARD_DAYS)
                .rev()
                .filter_map(|back| today.checked_sub_signed(chrono::Duration::days(back)))
                .map(|date| {
                    let (registrations, resolutions) = by_day.get(&date).copied().unwrap_or((0, 0));
                    DayPoint {
                        date: date.format("%m-%d").to_string(),
                        registrations,
                        resolutions,
                    }
                })
                .collect()
        };
        Ok(DashboardCharts {
            days_note: days.is_empty().then(|| tr!(lang, "chart-days-none")),
            due,
            days,
            due_title: tr!(lang, "chart-due-title"),
            days_title: tr!(lang, "chart-days-title"),
            registrations_label: tr!(lang, "chart-registrations"),
            resolutions_label: tr!(lang, "chart-resolutions"),
        })
    }
}
