//! Typed errors to sentences: identifiers, fields, the database, imports, the audit chain, sync
//! and the workstation's own (the words are in `locales/<lang>/errors.ftl` and `sync.ftl`).

use idstation_model::{Field, FieldError, FieldErrorKind, IdentifierError};
use idstation_store::{AuditBreak, JobState, LabelThing, StoreError};

use super::{printing, Lang};
use crate::error::FolderProblem;
use crate::{tr, ImportProblem, WsError};

pub fn identifier_error(e: &IdentifierError, lang: Lang) -> String {
    use IdentifierError as E;
    match e {
        E::Empty => tr!(lang, "id-empty"),
        E::TooLong { max, len } => tr!(lang, "id-too-long", len = len, max = max),
        E::UnrecognisedForm => tr!(lang, "id-unrecognised"),
        E::UnknownCodeType { name } => tr!(lang, "id-unknown-code-type", name = name),
        E::NotAHandle { found } => tr!(lang, "id-not-a-handle", found = found),
        E::InvalidPrefix { prefix } => tr!(lang, "id-invalid-prefix", prefix = prefix),
        E::MissingSuffix => tr!(lang, "id-missing-suffix"),
        E::SuffixTooLong { max, len } => tr!(lang, "id-suffix-too-long", len = len, max = max),
        E::InvalidSuffixCharacter { ch } => {
            tr!(lang, "id-suffix-control-character", ch = format!("{ch:?}"))
        }
        E::SuffixSurroundingWhitespace => tr!(lang, "id-suffix-whitespace"),
        E::InvalidUrl => tr!(lang, "id-invalid-url"),
        E::UnrecognisedUrlPath => tr!(lang, "id-url-path"),
        E::InvalidPercentEncoding => tr!(lang, "id-percent-encoding"),
        E::Gs1GtinLength { len } => tr!(lang, "id-gtin-length", len = len),
        E::Gs1GtinNotNumeric => tr!(lang, "id-gtin-not-numeric"),
        E::Gs1CheckDigit { expected, found } => tr!(
            lang,
            "id-gtin-check-digit",
            found = found,
            expected = expected
        ),
        E::Gs1MissingSerial => tr!(lang, "id-gs1-missing-serial"),
        E::Gs1InvalidSerial => tr!(lang, "id-gs1-invalid-serial"),
        E::Gs1InvalidGiai => tr!(lang, "id-gs1-invalid-giai"),
        E::Gs1UnsupportedAi { ai } => tr!(lang, "id-gs1-unsupported-ai", ai = ai),
        E::Gs1MissingValue { ai } => tr!(lang, "id-gs1-missing-value", ai = ai),
        E::Gs1DuplicateAi { ai } => tr!(lang, "id-gs1-duplicate-ai", ai = ai),
        E::InvalidOid => tr!(lang, "id-invalid-oid"),
        E::InvalidDid => tr!(lang, "id-invalid-did"),
        E::InvalidEcode => tr!(lang, "id-invalid-ecode"),
        E::InvalidBid => tr!(lang, "id-invalid-bid"),
        E::InvalidVaa => tr!(lang, "id-invalid-vaa"),
        #[allow(unreachable_patterns)]
        other => other.to_string(),
    }
}

/// "<field>: <problem>".
pub fn field_error(e: &FieldError, lang: Lang) -> String {
    use FieldErrorKind as K;
    let problem = match &e.kind {
        K::Required => tr!(lang, "field-required"),
        K::TooLong { max, actual } => tr!(lang, "field-too-long", actual = actual, max = max),
        K::InvalidIdentifier { error } => identifier_error(error, lang),
        K::InvalidDate { value } => tr!(lang, "field-invalid-date", value = value),
        K::InvalidNumber { value } => tr!(lang, "field-invalid-number", value = value),
        K::InvalidBoolean { value } => tr!(lang, "field-invalid-boolean", value = value),
        K::UnknownStatus { value } => tr!(lang, "field-unknown-status", value = value),
        K::UnknownResult { value } => tr!(lang, "field-unknown-result", value = value),
        K::DueBeforeLast => tr!(lang, "field-due-before-last"),
        K::UnknownTemplateField { template } => {
            tr!(lang, "field-not-in-template", template = template)
        }
        K::ControlCharacter => tr!(lang, "field-control-character"),
        K::ForeignPrefix { expected } => tr!(lang, "field-foreign-prefix", expected = expected),
    };
    tr!(
        lang,
        "field-error",
        field = super::field_label(&e.field, lang),
        problem = problem
    )
}

pub fn store_error(e: &StoreError, lang: Lang) -> String {
    use StoreError as S;
    match e {
        S::NotInitialised(p) => tr!(lang, "store-not-initialised", path = p.display()),
        S::AlreadyInitialised(p) => tr!(lang, "store-already-initialised", path = p.display()),
        S::NotFound(id) => tr!(lang, "store-not-found", id = id),
        S::AlreadyExists(id) => tr!(lang, "store-already-exists", id = id),
        S::Deleted(id) => tr!(lang, "store-deleted", id = id),
        S::NotDeleted(id) => tr!(lang, "store-not-deleted", id = id),
        S::VersionConflict {
            id,
            expected,
            actual,
        } => tr!(
            lang,
            "store-version-conflict",
            id = id,
            expected = expected,
            actual = actual
        ),
        S::IdentifierImmutable(id) => tr!(lang, "store-identifier-immutable", id = id),
        S::BackupInvalid { path, reason } => tr!(
            lang,
            "store-backup-invalid",
            path = path.display(),
            reason = reason
        ),
        S::FileExists(p) => tr!(lang, "store-file-exists", path = p.display()),
        S::Corrupt(m) => tr!(lang, "store-corrupt", detail = m),
        S::Sqlite(m) => tr!(lang, "store-sqlite", detail = m),
        S::Migration(m) => tr!(lang, "store-migration", detail = m),
        S::Json(m) => tr!(lang, "store-json", detail = m),
        S::Io(m) => tr!(lang, "store-io", detail = m),
        S::NoLease => tr!(lang, "store-no-lease"),
        S::ConflictResolved(id) => tr!(lang, "store-conflict-resolved", id = id),
        S::LabelNotFound(LabelThing::Template, name) => {
            tr!(lang, "store-template-not-found", name = name)
        }
        S::LabelNotFound(LabelThing::Printer, name) => {
            tr!(lang, "store-printer-not-found", name = name)
        }
        S::LabelNotFound(LabelThing::PrintJob, name) => {
            tr!(lang, "store-job-not-found", name = name)
        }
        S::PrinterExists(name) => tr!(lang, "store-printer-exists", name = name),
        S::ReportIssued(number) => tr!(lang, "report-issued-already", number = number),
        S::JobState { id, state } => tr!(
            lang,
            "store-job-state",
            id = id,
            state =
                printing::job_state_label(JobState::parse(state).unwrap_or(JobState::Failed), lang)
        ),
        #[allow(unreachable_patterns)]
        other => other.to_string(),
    }
}

fn report_error(e: &idstation_reports::ReportError, lang: Lang) -> String {
    use idstation_reports::ReportError as R;
    match e {
        R::SectionTooLong { section, max } => {
            tr!(lang, "report-too-long", section = section, max = max)
        }
        R::HashMismatch { number, .. } => tr!(lang, "report-hash-mismatch", number = number),
        other => tr!(lang, "report-invalid", detail = other),
    }
}

pub fn audit_break(b: &AuditBreak, lang: Lang) -> String {
    match b {
        AuditBreak::Gap {
            expected_seq,
            found_seq,
        } => tr!(
            lang,
            "audit-gap",
            expected = expected_seq,
            found = found_seq
        ),
        AuditBreak::BrokenLink { seq } => tr!(lang, "audit-broken-link", seq = seq),
        AuditBreak::Tampered { seq } => tr!(lang, "audit-tampered", seq = seq),
        AuditBreak::HeadMismatch { head_seq, last_seq } => tr!(
            lang,
            "audit-head-mismatch",
            head = head_seq,
            last = last_seq
        ),
        AuditBreak::OpTampered { seq } => tr!(lang, "audit-op-tampered", seq = seq),
    }
}

/// Sync failures, in words that say what to do next.
pub fn sync_error(e: &idstation_sync::SyncError, lang: Lang) -> String {
    use idstation_sync::SyncError as S;
    match e {
        S::Network(m) => tr!(lang, "sync-network", detail = m),
        S::Server { status, message } => {
            tr!(lang, "sync-server", status = status, message = message)
        }
        S::Unauthorized => tr!(lang, "sync-unauthorized"),
        S::Refused {
            code,
            message,
            message_en,
            ..
        } => {
            // The node words its refusals in both languages.
            let message = match lang {
                Lang::ZhCn => message,
                Lang::En => message_en,
            };
            if code == "account_pending" {
                tr!(lang, "sync-account-pending", message = message)
            } else if code == "invalid_input" {
                // The node names the field and the problem; its code adds nothing for a person.
                message.clone()
            } else {
                tr!(lang, "sync-refused", code = code, message = message)
            }
        }
        S::Protocol(m) => tr!(lang, "sync-protocol", detail = m),
        S::Redirected { location } => tr!(lang, "sync-redirected", location = location),
        S::NotConfigured => tr!(lang, "sync-not-configured"),
        S::Store(s) => store_error(s, lang),
    }
}

pub fn import_problem(p: &ImportProblem, lang: Lang) -> String {
    match p {
        ImportProblem::Field(fe) => field_error(fe, lang),
        ImportProblem::Malformed(m) => tr!(lang, "import-malformed", detail = m),
        ImportProblem::DuplicateInFile { first_line } => {
            tr!(lang, "import-duplicate", line = first_line)
        }
        ImportProblem::AlreadyRegistered(id) => tr!(lang, "import-already-registered", id = id),
        ImportProblem::UnknownColumn(c) => tr!(lang, "import-unknown-column", column = c),
        ImportProblem::BadEncoding { encoding, offset } => {
            tr!(
                lang,
                "import-bad-encoding",
                encoding = encoding,
                offset = offset
            )
        }
    }
}

/// The whole message for any workstation error.
pub fn error_message(e: &WsError, lang: Lang) -> String {
    match e {
        WsError::Invalid(errors) => {
            let mut lines = vec![tr!(lang, "ws-invalid-input")];
            lines.extend(
                errors
                    .0
                    .iter()
                    .map(|fe| format!("  - {}", field_error(fe, lang))),
            );
            lines.join("\n")
        }
        WsError::Identifier(err) => tr!(
            lang,
            "ws-invalid-identifier",
            problem = identifier_error(err, lang)
        ),
        WsError::Store(err) => store_error(err, lang),
        WsError::ImportRejected { file, rows, total } => {
            let mut out = vec![tr!(
                lang,
                "import-rejected",
                file = file.display(),
                total = total,
                shown = rows.len()
            )];
            for row in rows {
                let line = tr!(lang, "import-line", line = row.line);
                for m in &row.errors {
                    out.push(format!("  - {line}: {}", import_problem(m, lang)));
                }
            }
            out.join("\n")
        }
        WsError::NotJson { field, detail } => {
            tr!(lang, "docking-not-json", field = field, detail = detail)
        }
        WsError::NotInDockingSchema(name) => tr!(lang, "docking-not-in-schema", name = name),
        WsError::DockingSignedOut => tr!(lang, "docking-signed-out"),
        WsError::NoReportFigures(month) => tr!(lang, "report-no-figures", month = month),
        WsError::Report(e) => report_error(e, lang),
        WsError::AttachmentTooLarge { size, max } => tr!(
            lang,
            "docking-attachment-too-large",
            size = format!("{:.1}", *size as f64 / 1_048_576.0),
            max = max / (1024 * 1024)
        ),
        WsError::UnknownField(key) => tr!(
            lang,
            "ws-unknown-field",
            key = key,
            known = Field::FIXED
                .iter()
                .map(Field::key)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        WsError::UnsupportedFile(p) => tr!(lang, "ws-unsupported-file", path = p.display()),
        WsError::Io { path, source } => {
            tr!(lang, "ws-io", path = path.display(), error = source)
        }
        WsError::AuditBroken(b) => audit_break(b, lang),
        WsError::InvalidPrefix(p) => tr!(lang, "ws-invalid-prefix", prefix = p),
        WsError::Sync(e) => sync_error(e, lang),
        WsError::Label(e) => printing::label_error(e, lang),
        WsError::Printer(e) => printing::transport_error(e, lang),
        WsError::PrinterNotReady(name, st) => tr!(
            lang,
            "ws-printer-not-ready",
            name = name,
            status = printing::printer_status_text(st, lang)
        ),
        WsError::InvalidPrinter(fields) => tr!(
            lang,
            "ws-invalid-printer",
            problems = fields
                .iter()
                .map(|(k, v)| format!("{k} = '{v}'"))
                .collect::<Vec<_>>()
                .join(&tr!(lang, "clause-separator"))
        ),
        WsError::UnknownTemplate(n) => tr!(lang, "ws-unknown-template", name = n),
        WsError::InvalidSetting(k, v) => tr!(lang, "ws-invalid-setting", key = k, value = v),
        WsError::NotAPrinterPort(v) => tr!(lang, "ws-not-a-printer-port", value = v),
        WsError::PathNotChosen(v) => tr!(lang, "ws-path-not-chosen", path = v),
        WsError::ReasonRequired => tr!(lang, "ws-reason-required"),
        WsError::MergedValueEmpty => tr!(lang, "ws-merged-value-empty"),
        WsError::UnknownScan(text) => tr!(lang, "ws-unknown-scan", text = scanned_text(text)),
        WsError::InBatch(id, e) => tr!(lang, "ws-in-batch", id = id, error = e.message(lang)),
        WsError::HotFolderSetting { path, problem } => {
            let path = path.display();
            match problem {
                FolderProblem::NotAbsolute => tr!(lang, "hot-folder-not-absolute", path = path),
                FolderProblem::DataFolder => tr!(lang, "hot-folder-data-folder", path = path),
                FolderProblem::Twice => tr!(lang, "hot-folder-twice", path = path),
                FolderProblem::NotSet => tr!(lang, "hot-folder-not-set", path = path),
                FolderProblem::NoneSet => tr!(lang, "hot-folder-none-set", path = path),
            }
        }
        WsError::HotFolder(e) => hot_folder_error(e, lang),
    }
}

pub fn hot_folder_error(e: &idstation_hotfolder::HotFolderError, lang: Lang) -> String {
    use idstation_hotfolder::HotFolderError as H;
    match e {
        H::Config(detail) => tr!(lang, "hot-folder-settings", detail = detail),
        H::NotAFolder(p) => tr!(lang, "hot-folder-not-a-folder", path = p.display()),
        H::FolderBusy(p) => tr!(lang, "hot-folder-busy", path = p.display()),
        H::Io { path, source } => {
            tr!(lang, "ws-io", path = path.display(), error = source)
        }
        H::Watch { path, message } => tr!(
            lang,
            "hot-folder-watch",
            path = path.display(),
            detail = message
        ),
        H::Store(s) => store_error(s, lang),
        H::Contended => tr!(lang, "hot-folder-contended"),
        other => tr!(lang, "hot-folder-stopped", detail = other),
    }
}

/// What was scanned, as the message quotes it: control characters shown, at most 60 characters.
fn scanned_text(text: &str) -> String {
    let shown: String = text.trim().chars().flat_map(char::escape_debug).collect();
    match shown.char_indices().nth(60) {
        Some((cut, _)) => format!("{}…", &shown[..cut]),
        None => shown,
    }
}
