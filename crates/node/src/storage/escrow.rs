//! The escrow export's and import's rows as the storage seam hands them over (`crate::escrow`
//! writes, signs and reads the files). Here, not in `escrow`, so the seam does not import the
//! module that uses it.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::error::StorageError;

/// Where an export's rows go, part by part.
pub trait EscrowSink {
    /// Starts a part; rows until the next `begin` belong to it.
    fn begin(&mut self, part: &'static str) -> Result<(), StorageError>;
    /// One row: a JSON object, without its newline.
    fn row(&mut self, json: &[u8]) -> Result<(), StorageError>;
    /// The audit chain's head and the restore epoch at the moment of the read.
    fn state(&mut self, audit_seq: u64, audit_hash: &str, epoch: u64);
}

/// One row of an export, as an import applies it.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRow {
    pub part: &'static str,
    pub row: Value,
}

/// What an import did, per part.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportTally {
    pub added: BTreeMap<String, u64>,
    pub updated: BTreeMap<String, u64>,
    /// Rows older than (or the same as) what the node has: left alone.
    pub kept: BTreeMap<String, u64>,
}

impl ImportTally {
    pub fn count(map: &mut BTreeMap<String, u64>, part: &str) {
        *map.entry(part.to_owned()).or_default() += 1;
    }
}
