//! Reports to the national top-level node (annex 1 tables, annex 2 items): the record format
//! (JSON carrying every field under its name with its code, see `docking/schema.toml` and
//! `docking/README.md`), the idempotency keys, and the outbox's domain types. [`generate`]
//! makes the periodic reports on their cadence; [`send`] delivers the outbox over HTTPS, or
//! writes files for manual upload when no endpoint is configured.
//!
//! A report is generated once, stored (sealed) in the node's database in the same transaction
//! as the change it reports, and from then on only ever sent as those bytes under its key: a
//! resend is the same report, never a different one. A later change is a new revision with a
//! new key.

pub mod generate;
pub mod send;

use serde::Serialize;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::docking::Item;
use crate::secrets::Keys;
use crate::storage::StorageError;
// The outbox's rows are the storage seam's types; they are named here too, where they are made.
pub use crate::storage::uplink::{
    DueReport, Mark, NewReport, ReportMaker, ReportQuery, ReportRow, ReportStamp, ReportState,
    SendOutcome, UplinkSummary,
};

/// The format of every report body.
pub const FORMAT: &str = "idstation-docking/1";

/// A report's idempotency key: the node, the item, the subject (a record's key or a period)
/// and the revision; after a restore, the epoch too, so a key the lost state may have used is
/// never reused for another body.
pub fn idempotency_key(node: &str, item: &str, subject: &str, stamp: ReportStamp) -> String {
    let mut key = format!("{node}/{item}/{subject}/r{}", stamp.revision);
    if stamp.epoch > 0 {
        key.push_str(&format!("/e{}", stamp.epoch));
    }
    key
}

/// What a report says happened to its records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    Upsert,
    Delete,
}

/// The fields of one record in the item's order, each `{code, name, value}` (`null` when not
/// given), so a receiver finds every field by its code.
pub fn record_fields(item: &Item, fields: &Map<String, Value>) -> Value {
    Value::Array(
        item.fields
            .iter()
            .map(|f| {
                json!({
                    "code": f.code,
                    "name": f.name,
                    "value": fields.get(&f.name).cloned().unwrap_or(Value::Null),
                })
            })
            .collect(),
    )
}

/// What a report is about.
pub struct ReportContent<'a> {
    pub node: &'a str,
    pub item: &'static Item,
    pub subject: &'a str,
    pub period: Option<&'a str>,
    pub operation: Operation,
    /// (record key, fields).
    pub records: Vec<(String, Map<String, Value>)>,
    pub generated_at: &'a str,
}

impl ReportContent<'_> {
    /// The body as JSON, for `stamp`.
    pub fn body(&self, stamp: ReportStamp) -> Value {
        let records: Vec<Value> = self
            .records
            .iter()
            .map(|(key, fields)| json!({"key": key, "fields": record_fields(self.item, fields)}))
            .collect();
        json!({
            "format": FORMAT,
            "idempotencyKey": idempotency_key(self.node, &self.item.code, self.subject, stamp),
            "nodePrefix": self.node,
            "item": {"code": self.item.code, "no": self.item.no, "zh": self.item.zh},
            "cadence": self.item.cadence,
            "period": self.period,
            "subject": self.subject,
            "revision": stamp.revision,
            "epoch": stamp.epoch,
            "operation": self.operation,
            "generatedAt": self.generated_at,
            "records": records,
        })
    }

    /// The report, sealed for storage.
    pub fn seal(&self, keys: &Keys, stamp: ReportStamp) -> Result<NewReport, StorageError> {
        let key = idempotency_key(self.node, &self.item.code, self.subject, stamp);
        let plain = serde_json::to_vec(&self.body(stamp))
            .map_err(|e| StorageError::Corrupt(e.to_string()))?;
        Ok(NewReport {
            item: self.item.code.clone(),
            cadence: self.item.cadence,
            subject: self.subject.to_owned(),
            period: self.period.map(str::to_owned),
            sha256: hex::encode(Sha256::digest(&plain)),
            bytes: plain.len() as u64,
            body: keys.seal(&report_context(&key), &plain),
            key,
        })
    }
}

/// What seals a stored report's body: its key.
pub fn report_context(key: &str) -> String {
    format!("uplink|{key}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docking::schema;

    #[test]
    fn keys_name_item_subject_revision_and_epoch() {
        let s = ReportStamp {
            revision: 3,
            epoch: 0,
        };
        assert_eq!(
            idempotency_key("88.118", "T06", "88.118.8", s),
            "88.118/T06/88.118.8/r3"
        );
        let after_restore = ReportStamp { epoch: 2, ..s };
        assert_eq!(
            idempotency_key("88.118", "T06", "88.118.8", after_restore),
            "88.118/T06/88.118.8/r3/e2"
        );
    }

    #[test]
    fn a_record_lists_every_field_with_its_code() {
        let item = schema().item("T02").expect("T02");
        let mut fields = Map::new();
        fields.insert("port".into(), json!(2641));
        let content = ReportContent {
            node: "88.118",
            item,
            subject: "k",
            period: None,
            operation: Operation::Upsert,
            records: vec![("k".into(), fields)],
            generated_at: "2026-12-01T00:00:00Z",
        };
        let body = content.body(ReportStamp {
            revision: 1,
            epoch: 0,
        });
        let list = body["records"][0]["fields"].as_array().expect("fields");
        assert_eq!(list.len(), item.fields.len());
        let port = list.iter().find(|f| f["code"] == "T02-06").expect("port");
        assert_eq!(
            (port["name"].as_str(), port["value"].as_u64()),
            (Some("port"), Some(2641))
        );
        assert!(list
            .iter()
            .find(|f| f["code"] == "T02-01")
            .expect("code type")["value"]
            .is_null());
    }
}
