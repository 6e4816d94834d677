//! `/api/v1/docking/…`: the entity records of the annex-1 tables (the operating organisation,
//! enterprise nodes with their verification, routing, templates, monthly overviews), their
//! attachments, an applicant's self-registration, and the schema the app builds its forms from.
//! A write of a real-time table stores its report to the top-level node in the same
//! transaction; personal fields are sealed at rest and masked for roles that do not need them.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::error::{V1Error, V1Result};
use super::extract::{path, query, Caller, JsonBody, Operator};
use super::state::AppState;
use super::task::{acting, now};
use crate::accounts::{
    check_name, AccountError, Denied, Invalid, NewAccount, Principal, Registration, Role,
};
use crate::auth::hash_secret;
use crate::docking::{schema, Cadence, FieldType, Item, Scope};
use crate::entities::{
    self, attachment_type, mask, owner_prefix, record_key, seal_context, sees_personal,
    split_personal, validate, Attachment, EntityRecord, EntityWrite, FieldProblem, RecordStatus,
    Refused, Stage, StoredEntity, MAX_ATTACHMENT_BYTES,
};
use crate::monitor::{cst, day_of};
use crate::secrets::Keys;
use crate::storage::NodeStore;
use crate::uplink::{Operation, ReportContent};

impl From<Refused> for V1Error {
    fn from(r: Refused) -> V1Error {
        V1Error::invalid(r.field, Invalid::Field(r.problem))
    }
}

fn keys(state: &AppState) -> V1Result<std::sync::Arc<Keys>> {
    state
        .keys
        .clone()
        .ok_or_else(|| V1Error::Internal("the node's keys are not loaded".into()))
}

fn item_of(code: &str) -> V1Result<&'static Item> {
    schema()
        .item(code)
        .ok_or(V1Error::Refused(AccountError::NotFound))
}

fn entered(item: &'static Item) -> V1Result<&'static Item> {
    if item.is_entered() {
        Ok(item)
    } else {
        Err(V1Error::invalid(
            "item",
            Invalid::Field(FieldProblem::System),
        ))
    }
}

/// `GET /api/v1/docking/schema`: the tables, their fields and enumerations, and the
/// GB/T 4754-2017 table (public: an applicant fills the form before having an account).
pub(crate) async fn schema_document() -> Response {
    Json(entities::schema_document()).into_response()
}

/// A record's fields with the personal ones unsealed (masked unless `principal` may see them).
fn present(
    keys: &Keys,
    item: &'static Item,
    stored: StoredEntity,
    principal: Option<&Principal>,
) -> V1Result<EntityRecord> {
    let mut fields = stored.fields;
    if let Some(sealed) = &stored.sealed {
        let plain = keys
            .unseal(&seal_context(&stored.item, &stored.key), sealed)
            .map_err(|e| V1Error::Internal(e.to_string()))?;
        let personal: Map<String, Value> =
            serde_json::from_slice(&plain).map_err(|e| V1Error::Internal(e.to_string()))?;
        fields.extend(personal);
    }
    if let Some(p) = principal {
        if !sees_personal(p, stored.enterprise_prefix.as_deref()) {
            mask(item, &mut fields);
        }
    }
    Ok(EntityRecord {
        item: stored.item,
        key: stored.key,
        enterprise_prefix: stored.enterprise_prefix,
        status: stored.status,
        revision: stored.revision,
        fields,
        created_at: stored.created_at,
        updated_at: stored.updated_at,
        updated_by: stored.updated_by,
    })
}

/// Whether the item's records of this change go to the top-level node now (`Some(period)`).
fn reported_now(
    store: &dyn NodeStore,
    item: &'static Item,
    fields: &Map<String, Value>,
    status: RecordStatus,
) -> V1Result<Option<Option<String>>> {
    Ok(match item.code.as_str() {
        // The organisation once it is complete; an enterprise node once verified.
        "T01" => validate(item, &Map::new(), Some(fields), Stage::Verify)
            .is_ok()
            .then_some(None),
        "T06" => (status == RecordStatus::Verified).then_some(None),
        _ if item.cadence == Cadence::Monthly => {
            // A month already reported gets the correction at once; the current month is
            // reported when it ends.
            let month = fields
                .get("statMonth")
                .and_then(Value::as_str)
                .unwrap_or_default();
            store
                .mark(&item.code, month)?
                .map(|_| Some(month.to_owned()))
        }
        _ => Some(None),
    })
}

/// Everything a write needs besides the store.
struct Write<'a> {
    state: &'a AppState,
    keys: &'a Keys,
    principal: &'a Principal,
    item: &'static Item,
}

impl Write<'_> {
    /// Which enterprise the record belongs to, checking the caller may write it.
    fn owner(&self, store: &dyn NodeStore, fields: &Map<String, Value>) -> V1Result<Option<i64>> {
        let p = self.principal;
        match self.item.scope {
            Scope::Node => {
                if p.is_operator() {
                    Ok(None)
                } else {
                    Err(AccountError::Forbidden(Denied::OperatorsOnly).into())
                }
            }
            Scope::Enterprise => {
                let prefix = owner_prefix(self.item, fields).unwrap_or_default();
                let e = store
                    .enterprise_by_prefix(&prefix)?
                    .ok_or(AccountError::UnknownEnterprise(prefix))?;
                let admin = p.is_operator()
                    || (p.role == Role::EnterpriseAdmin && p.can_read_enterprise(e.id));
                if admin {
                    Ok(Some(e.id))
                } else {
                    Err(AccountError::Forbidden(Denied::AnotherEnterprise).into())
                }
            }
        }
    }

    /// Checks that every attachment the fields name is stored.
    fn attachments_exist(
        &self,
        store: &dyn NodeStore,
        fields: &Map<String, Value>,
    ) -> V1Result<()> {
        for f in self
            .item
            .fields
            .iter()
            .filter(|f| f.kind == FieldType::Attachment)
        {
            if let Some(sha) = fields.get(&f.name).and_then(Value::as_str) {
                if store.attachment(sha)?.is_none() {
                    return Err(Refused {
                        field: f.name.as_str(),
                        problem: FieldProblem::AttachmentUnknown,
                    }
                    .into());
                }
            }
        }
        Ok(())
    }

    /// Writes `fields` (already complete and valid) as the record `key` with `status`,
    /// reporting it when its table reports now.
    fn store(
        &self,
        store: &dyn NodeStore,
        key: &str,
        owner: Option<i64>,
        fields: Map<String, Value>,
        status: RecordStatus,
        expect_revision: Option<u64>,
    ) -> V1Result<StoredEntity> {
        let report = reported_now(store, self.item, &fields, status)?;
        let (plain, personal) = split_personal(self.item, fields.clone());
        let personal_names: Vec<String> = personal.keys().cloned().collect();
        let sealed = (!personal.is_empty()).then(|| {
            let bytes = serde_json::to_vec(&personal).unwrap_or_default();
            self.keys.seal(&seal_context(&self.item.code, key), &bytes)
        });
        let write = EntityWrite {
            item: self.item.code.clone(),
            key: key.to_owned(),
            enterprise_id: owner,
            fields: plain,
            sealed,
            personal_names,
            status,
            expect_revision,
        };
        let at = now();
        let content = ReportContent {
            node: self.state.prefix(),
            item: self.item,
            subject: key,
            period: report.as_ref().and_then(|p| p.as_deref()),
            operation: Operation::Upsert,
            records: vec![(key.to_owned(), fields)],
            generated_at: &at,
        };
        let make = |stamp| content.seal(self.keys, stamp);
        let maker: Option<&crate::uplink::ReportMaker<'_>> = report.is_some().then_some(&make);
        Ok(acting(&self.principal.username, |actor| {
            store.put_entity(&write, maker, actor)
        })?)
    }
}

#[derive(Deserialize)]
pub(crate) struct RecordBody {
    fields: Map<String, Value>,
    /// The revision the writer read; a record changed meanwhile is refused (409).
    revision: Option<u64>,
}

/// `POST /api/v1/docking/{item}/records`: creates or changes the record its key fields name.
pub(crate) async fn put_record(
    State(state): State<AppState>,
    Caller(principal): Caller,
    item: Result<Path<String>, PathRejection>,
    JsonBody(body): JsonBody<RecordBody>,
) -> V1Result {
    let item = entered(item_of(&path(item, "item")?)?)?;
    let keys = keys(&state)?;
    let st = state.clone();
    let record = state
        .with_store(move |store| -> V1Result<EntityRecord> {
            let w = Write {
                state: &st,
                keys: &keys,
                principal: &principal,
                item,
            };
            // The key comes from the fields given (they must name it).
            let given = validate(item, &body.fields, None, Stage::Patch)?;
            let key = record_key(item, &given)?;
            let current = store
                .entity(&item.code, &key)?
                .map(|s| present(&keys, item, s, None))
                .transpose()?;
            let stage = if item.code == "T06" && current.is_none() && !principal.is_operator() {
                Stage::Apply
            } else {
                Stage::Save
            };
            let mut fields = validate(
                item,
                &body.fields,
                current.as_ref().map(|c| &c.fields),
                stage,
            )?;
            let owner = w.owner(store, &fields)?;
            w.attachments_exist(store, &fields)?;
            let status = match (&current, item.code.as_str()) {
                (Some(c), _) => c.status,
                (None, "T06") => {
                    fields.insert("appliedAt".into(), json!(day_of(Utc::now()).to_string()));
                    fields.insert("verifyResult".into(), json!("0"));
                    RecordStatus::Submitted
                }
                (None, _) => RecordStatus::Active,
            };
            let stored = w.store(store, &key, owner, fields, status, body.revision)?;
            present(&keys, item, stored, Some(&principal))
        })
        .await??;
    Ok((StatusCode::OK, Json(json!({ "record": record }))).into_response())
}

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    enterprise_prefix: Option<String>,
}

/// `GET /api/v1/docking/{item}/records`: the caller's records of the table (the operator sees
/// every enterprise's).
pub(crate) async fn list_records(
    State(state): State<AppState>,
    Caller(principal): Caller,
    item: Result<Path<String>, PathRejection>,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> V1Result {
    let item = entered(item_of(&path(item, "item")?)?)?;
    let q = query(q, "query")?;
    let keys = keys(&state)?;
    let records = state
        .with_store(move |store| -> V1Result<Vec<EntityRecord>> {
            let only = match (item.scope, principal.enterprise_scope()?) {
                (Scope::Node, _) => None,
                (Scope::Enterprise, Some(own)) => Some(own),
                (Scope::Enterprise, None) => match &q.enterprise_prefix {
                    Some(p) => Some(
                        store
                            .enterprise_by_prefix(p)?
                            .ok_or(AccountError::NotFound)?
                            .id,
                    ),
                    None => None,
                },
            };
            store
                .entities(&item.code, only)?
                .into_iter()
                .map(|s| present(&keys, item, s, Some(&principal)))
                .collect()
        })
        .await??;
    Ok(Json(json!({ "records": records })).into_response())
}

/// Reads a record the caller may see.
fn visible(
    store: &dyn NodeStore,
    keys: &Keys,
    item: &'static Item,
    key: &str,
    principal: &Principal,
) -> V1Result<EntityRecord> {
    let stored = store
        .entity(&item.code, key)?
        .ok_or(AccountError::NotFound)?;
    if item.scope == Scope::Enterprise {
        let own = stored
            .enterprise_id
            .is_some_and(|e| principal.can_read_enterprise(e));
        if !own {
            return Err(AccountError::NotFound.into());
        }
    }
    present(keys, item, stored, Some(principal))
}

/// `GET /api/v1/docking/{item}/records/{key}`.
pub(crate) async fn get_record(
    State(state): State<AppState>,
    Caller(principal): Caller,
    p: Result<Path<(String, String)>, PathRejection>,
) -> V1Result {
    let (item, key) = path(p, "key")?;
    let item = entered(item_of(&item)?)?;
    let keys = keys(&state)?;
    let record = state
        .with_store(move |store| visible(store, &keys, item, &key, &principal))
        .await??;
    Ok(Json(json!({ "record": record })).into_response())
}

/// `DELETE /api/v1/docking/{item}/records/{key}`: the deletion is reported like a change.
pub(crate) async fn delete_record(
    State(state): State<AppState>,
    Caller(principal): Caller,
    p: Result<Path<(String, String)>, PathRejection>,
) -> V1Result {
    let (item, key) = path(p, "key")?;
    let item = entered(item_of(&item)?)?;
    let keys = keys(&state)?;
    let st = state.clone();
    state
        .with_store(move |store| -> V1Result<()> {
            let record = visible(store, &keys, item, &key, &principal)?;
            let w = Write {
                state: &st,
                keys: &keys,
                principal: &principal,
                item,
            };
            w.owner(store, &record.fields)?;
            let reported = reported_now(store, item, &record.fields, record.status)?.is_some();
            let at = now();
            let content = ReportContent {
                node: st.prefix(),
                item,
                subject: &key,
                period: None,
                operation: Operation::Delete,
                records: vec![(key.clone(), Map::new())],
                generated_at: &at,
            };
            let make = |stamp| content.seal(&keys, stamp);
            let maker: Option<&crate::uplink::ReportMaker<'_>> = reported.then_some(&make);
            Ok(acting(&principal.username, |actor| {
                store.delete_entity(&item.code, &key, maker, actor)
            })?)
        })
        .await??;
    Ok(Json(json!({ "deleted": true })).into_response())
}

#[derive(Deserialize)]
pub(crate) struct Verdict {
    /// `1` passed, `2` not passed.
    result: String,
    opinion: Option<String>,
}

/// `POST /api/v1/docking/T06/records/{key}/verify`: the operator's verification of an
/// enterprise node (art. 3). Passing needs a complete record; it is then reported.
pub(crate) async fn verify_record(
    State(state): State<AppState>,
    Operator(principal): Operator,
    p: Result<Path<(String, String)>, PathRejection>,
    JsonBody(verdict): JsonBody<Verdict>,
) -> V1Result {
    let (item, key) = path(p, "key")?;
    let item = item_of(&item)?;
    if item.code != "T06" {
        return Err(V1Error::invalid(
            "item",
            Invalid::Field(FieldProblem::Unknown),
        ));
    }
    let passed = match verdict.result.as_str() {
        "1" => true,
        "2" => false,
        _ => {
            let allowed = vec!["1".into(), "2".into()];
            return Err(V1Error::invalid(
                "result",
                Invalid::Field(FieldProblem::NotInEnum { allowed }),
            ));
        }
    };
    let opinion = verdict
        .opinion
        .map(|o| {
            let o = o.trim().to_owned();
            if o.chars().count() > 500 {
                Err(V1Error::invalid("opinion", Invalid::TooLong { max: 500 }))
            } else {
                Ok(o)
            }
        })
        .transpose()?;
    let keys = keys(&state)?;
    let st = state.clone();
    let record = state
        .with_store(move |store| -> V1Result<EntityRecord> {
            let current = visible(store, &keys, item, &key, &principal)?;
            let mut fields = current.fields;
            if passed {
                validate(item, &Map::new(), Some(&fields), Stage::Verify).map_err(|r| {
                    match r.problem {
                        FieldProblem::Missing => {
                            V1Error::invalid(r.field, Invalid::Field(FieldProblem::NotComplete))
                        }
                        _ => r.into(),
                    }
                })?;
            }
            let at = Utc::now().with_timezone(&cst());
            fields.insert("verifyResult".into(), json!(if passed { "1" } else { "2" }));
            fields.insert(
                "verifyOpinion".into(),
                opinion.map_or(Value::Null, Value::String),
            );
            fields.insert("verifiedBy".into(), json!(principal.username));
            fields.insert(
                "verifiedAt".into(),
                json!(at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            );
            if passed && !fields.contains_key("accessedAt") {
                fields.insert("accessedAt".into(), json!(at.date_naive().to_string()));
            }
            let status = if passed {
                RecordStatus::Verified
            } else {
                RecordStatus::Rejected
            };
            let w = Write {
                state: &st,
                keys: &keys,
                principal: &principal,
                item,
            };
            let owner = w.owner(store, &fields)?;
            let stored = w.store(store, &key, owner, fields, status, Some(current.revision))?;
            present(&keys, item, stored, Some(&principal))
        })
        .await??;
    Ok(Json(json!({ "record": record })).into_response())
}

#[derive(Deserialize)]
pub(crate) struct Application {
    account: Registration,
    record: Map<String, Value>,
}

/// `POST /api/v1/docking/applications`: an enterprise applies: its account (pending, like a
/// registration) and its table-6 record with what an applicant must give (submitted, for the
/// operator to complete and verify). Everything is checked before anything is written.
pub(crate) async fn apply(
    State(state): State<AppState>,
    JsonBody(app): JsonBody<Application>,
) -> V1Result {
    let item = item_of("T06")?;
    app.account.validate(state.prefix())?;
    if app.account.role != Role::EnterpriseAdmin {
        return Err(V1Error::invalid(
            "role",
            Invalid::Field(FieldProblem::NotInEnum {
                allowed: vec!["enterprise_admin".into()],
            }),
        ));
    }
    let mut fields = validate(item, &app.record, None, Stage::Apply)?;
    // The record is the applicant's own enterprise.
    if owner_prefix(item, &fields).as_deref() != Some(app.account.enterprise_prefix.as_str()) {
        return Err(Refused {
            field: "enterprisePrefix",
            problem: FieldProblem::Prefix,
        }
        .into());
    }
    if let Some(f) = item
        .fields
        .iter()
        .find(|f| f.kind == FieldType::Attachment && fields.contains_key(&f.name))
    {
        // Attachments come after approval: an unauthenticated request uploads nothing.
        return Err(Refused {
            field: f.name.as_str(),
            problem: FieldProblem::AttachmentUnknown,
        }
        .into());
    }
    let key = record_key(item, &fields)?;
    fields.insert("appliedAt".into(), json!(day_of(Utc::now()).to_string()));
    fields.insert("verifyResult".into(), json!("0"));
    let keys = keys(&state)?;
    let st = state.clone();
    let (account, record) = state
        .with_store(move |store| -> V1Result<_> {
            if store.entity(&item.code, &key)?.is_some() {
                return Err(AccountError::StaleRevision(1).into());
            }
            let reg = &app.account;
            let password_hash = hash_secret(&reg.password)
                .map_err(|e| V1Error::Internal(format!("cannot hash the password: {e}")))?;
            let enterprise_name = fields
                .get("enterpriseName")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .or_else(|| reg.enterprise_name.clone());
            let new = NewAccount {
                username: reg.username.clone(),
                display_name: check_name("display_name", &reg.display_name)?,
                password_hash,
                role: reg.role,
                enterprise_prefix: reg.enterprise_prefix.clone(),
                enterprise_name: enterprise_name
                    .map(|n| check_name("enterprise_name", &n))
                    .transpose()?,
            };
            let account = acting(&reg.username, |actor| store.register_account(&new, actor))?;
            let owner = store
                .enterprise_by_prefix(&reg.enterprise_prefix)?
                .map(|e| e.id);
            let applicant = Principal {
                user_id: Some(account.id),
                username: account.username.clone(),
                role: Role::EnterpriseAdmin,
                enterprise_id: owner,
                enterprise_prefix: Some(reg.enterprise_prefix.clone()),
                device_id: None,
                must_change_password: false,
                // Not yet: the operator approves the enterprise with its first record.
                enterprise_active: false,
            };
            let w = Write {
                state: &st,
                keys: &keys,
                principal: &applicant,
                item,
            };
            let stored = w.store(store, &key, owner, fields, RecordStatus::Submitted, Some(0))?;
            Ok((account, present(&keys, item, stored, Some(&applicant))?))
        })
        .await??;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "account": account, "record": record })),
    )
        .into_response())
}

#[derive(Deserialize)]
pub(crate) struct UploadQuery {
    name: Option<String>,
    enterprise_prefix: Option<String>,
}

/// `POST /api/v1/docking/attachments?name=…`: the body is the file. Its type is told by its
/// magic bytes (JPEG, PNG, PDF), its name by its SHA-256; the bytes are sealed on disk.
pub(crate) async fn upload(
    State(state): State<AppState>,
    Caller(principal): Caller,
    q: Result<Query<UploadQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> V1Result {
    let q = query(q, "query")?;
    let bytes = body.map_err(|e| V1Error::malformed("body", e.body_text()))?;
    if bytes.len() > MAX_ATTACHMENT_BYTES {
        return Err(V1Error::invalid(
            "file",
            Invalid::Field(FieldProblem::FileTooLarge {
                max: MAX_ATTACHMENT_BYTES,
            }),
        ));
    }
    let mime = attachment_type(&bytes).ok_or(V1Error::invalid(
        "file",
        Invalid::Field(FieldProblem::FileType),
    ))?;
    if !(principal.is_operator() || principal.role == Role::EnterpriseAdmin) {
        return Err(AccountError::Forbidden(Denied::OperatorsOnly).into());
    }
    let name = match q.name {
        Some(n) => check_name("name", &n)?,
        None => "attachment".to_owned(),
    };
    let keys = keys(&state)?;
    let dir = state
        .data_dir
        .clone()
        .ok_or_else(|| V1Error::Internal("no data folder".into()))?
        .join("attachments");
    let attachment = state
        .with_store(move |store| -> V1Result<Attachment> {
            let enterprise_id = match (principal.enterprise_scope()?, &q.enterprise_prefix) {
                (Some(own), _) => Some(own),
                (None, Some(p)) => Some(
                    store
                        .enterprise_by_prefix(p)?
                        .ok_or(AccountError::NotFound)?
                        .id,
                ),
                (None, None) => None,
            };
            let sha = hex::encode(Sha256::digest(&bytes));
            let path = attachment_path(&dir, &sha);
            if !path.exists() {
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| V1Error::Internal(e.to_string()))?;
                }
                let sealed = keys.seal(&attachment_context(&sha), &bytes);
                crate::secrets::write_private(&path, &sealed)
                    .map_err(|e| V1Error::Internal(e.to_string()))?;
            }
            let meta = Attachment {
                sha256: sha,
                size: bytes.len() as u64,
                mime: mime.to_owned(),
                name,
                enterprise_id,
                uploaded_by: principal.username.clone(),
                uploaded_at: now(),
            };
            acting(&principal.username, |actor| {
                store.put_attachment(&meta, actor)
            })?;
            Ok(store.attachment(&meta.sha256)?.unwrap_or(meta))
        })
        .await??;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "attachment": attachment })),
    )
        .into_response())
}

/// A route's body limit for uploads: the largest attachment and a little.
pub const UPLOAD_LIMIT: usize = MAX_ATTACHMENT_BYTES + 1024;

fn attachment_path(dir: &std::path::Path, sha: &str) -> std::path::PathBuf {
    dir.join(&sha[..2]).join(sha)
}

fn attachment_context(sha: &str) -> String {
    format!("attachment|{sha}")
}

/// `GET /api/v1/docking/attachments/{sha256}`: the file, to the operator and its enterprise's
/// administrator.
pub(crate) async fn download(
    State(state): State<AppState>,
    Caller(principal): Caller,
    p: Result<Path<String>, PathRejection>,
) -> V1Result {
    let sha = path(p, "file")?.to_ascii_lowercase();
    if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(V1Error::invalid(
            "file",
            Invalid::Field(FieldProblem::Attachment),
        ));
    }
    let keys = keys(&state)?;
    let dir = state
        .data_dir
        .clone()
        .ok_or_else(|| V1Error::Internal("no data folder".into()))?
        .join("attachments");
    let (meta, bytes) = state
        .with_store(move |store| -> V1Result<_> {
            let meta = store.attachment(&sha)?.ok_or(AccountError::NotFound)?;
            let allowed = principal.is_operator()
                || (principal.role == Role::EnterpriseAdmin
                    && meta
                        .enterprise_id
                        .is_some_and(|e| principal.can_read_enterprise(e)));
            if !allowed {
                return Err(AccountError::NotFound.into());
            }
            let sealed = std::fs::read(attachment_path(&dir, &sha))
                .map_err(|e| V1Error::Internal(e.to_string()))?;
            let bytes = keys
                .unseal(&attachment_context(&sha), &sealed)
                .map_err(|e| V1Error::Internal(e.to_string()))?;
            Ok((meta, bytes))
        })
        .await??;
    Ok(([(header::CONTENT_TYPE, meta.mime)], bytes).into_response())
}
