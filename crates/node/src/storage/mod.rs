//! The storage seam: everything the node keeps, as traits over the domain's types, and one
//! error type that names no database. [`sqlite`] is the embedded default; another backend
//! (PostgreSQL, issue 18) implements the same traits beside it.
//!
//! Above this module nothing names a database crate. Every write appends a hash-chained audit
//! entry in the same transaction, so no write exists without its audit row. Methods block;
//! async callers run them on the blocking pool (the one exception is
//! [`HandleStore::get_json`], see there).

pub mod availability;
mod error;
pub mod escrow;
pub mod reports;
pub mod sqlite;
pub mod uplink;

use chrono::{NaiveDate, SecondsFormat, Utc};
use idstation_model::sync::{LeaseUse, PushResponse, SnapshotPage};
use idstation_model::{MetadataTemplate, Operation, SuffixLease};

use crate::accounts::{Account, AccountStatus, Device, Enterprise, NewAccount, Principal, Role};
use crate::entities::{Attachment, EntityWrite, StoredEntity};
use crate::monitor::DayFigures;
use crate::sync::PullOutcome;
use crate::values::HandleValue;
use availability::{MaintenanceWindow, ProbeDay, Run};
pub use error::StorageError;
use escrow::{EscrowSink, ImportRow, ImportTally};
use uplink::{DueReport, Mark, ReportMaker, ReportQuery, ReportRow, SendOutcome, UplinkSummary};

/// The node's own settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeConfig {
    pub prefix: String,
    /// PHC string of the admin secret's argon2 hash.
    pub admin_secret_hash: String,
}

/// How a PUT treats an existing handle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutMode {
    /// When false, an existing handle is an error ([`StorageError::HandleExists`]).
    pub overwrite: bool,
    /// When non-empty, only these indexes are added or replaced; other values stay.
    pub selected: Vec<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutOutcome {
    Created,
    Modified,
}

/// Who did a write and when, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor<'a> {
    pub user: &'a str,
    pub at: &'a str,
}

/// A time as the availability and report tables keep it: UTC, milliseconds, `Z` (so text
/// order is time order).
pub fn stamp(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Everything the node stores (one backend implements all of it).
pub trait NodeStore:
    HandleStore
    + AccountStore
    + MonitorStore
    + AvailabilityStore
    + SyncStore
    + EntityStore
    + UplinkStore
    + EscrowStore
    + ReportStore
{
}
impl<
        T: HandleStore
            + AccountStore
            + MonitorStore
            + AvailabilityStore
            + SyncStore
            + EntityStore
            + UplinkStore
            + EscrowStore
            + ReportStore,
    > NodeStore for T
{
}

/// Storage of handles.
pub trait HandleStore: Send + Sync + 'static {
    fn config(&self) -> Result<NodeConfig, StorageError>;
    /// The handle's values (sorted by index), or `None` when it does not exist.
    fn get(&self, handle: &str) -> Result<Option<Vec<HandleValue>>, StorageError>;
    /// The same values as the JSON array the API sends, straight from storage: resolution,
    /// the node's hottest path, answers without parsing and re-serialising them. Called on the
    /// async threads, so it must return in microseconds (a backend that waits on a network
    /// puts a cache in front).
    /// `all`: every value (for the owning enterprise and the operator); otherwise only the
    /// publicly readable ones (Handle permissions), kept as their own text.
    fn get_json(&self, handle: &str, all: bool) -> Result<Option<String>, StorageError>;
    /// Writes values as the Handle API sends them. A handle whose values describe an
    /// instrument (or that holds a synced one) is written through its record, as sync writes
    /// it: a new version in the change log, which workstations pull and merge against. A GS1
    /// key outside the owning enterprise's company prefixes is refused.
    fn put(
        &self,
        handle: &str,
        values: Vec<HandleValue>,
        mode: &PutMode,
        template: &MetadataTemplate,
        actor: &Actor<'_>,
    ) -> Result<PutOutcome, StorageError>;
    /// Deletes the whole handle (empty `indexes`) or only those values; a synced record is
    /// deleted through the change log (see [`HandleStore::put`]).
    fn delete(
        &self,
        handle: &str,
        indexes: &[u32],
        template: &MetadataTemplate,
        actor: &Actor<'_>,
    ) -> Result<(), StorageError>;
    /// The handle carrying a GS1 key, given in its canonical Digital Link form.
    fn handle_of_gs1(&self, key: &str) -> Result<Option<String>, StorageError>;
    /// Handles with exactly this prefix, in order: how many there are, and `limit` of them
    /// after skipping `offset` (`limit` 0: only the count).
    fn list(
        &self,
        prefix: &str,
        offset: u64,
        limit: u64,
    ) -> Result<(u64, Vec<String>), StorageError>;
}

/// Accounts, enterprises, tokens, devices and leases.
pub trait AccountStore: Send + Sync + 'static {
    /// The operator account `idstation-node init` creates; its first sign-in must set a new
    /// password.
    fn create_operator(
        &self,
        username: &str,
        password_hash: &str,
        actor: &Actor<'_>,
    ) -> Result<Account, StorageError>;
    /// A self-registration: a pending account, and a pending enterprise when the prefix is new.
    fn register_account(
        &self,
        account: &NewAccount,
        actor: &Actor<'_>,
    ) -> Result<Account, StorageError>;
    /// The account and its password hash.
    fn account_for_login(&self, username: &str) -> Result<Option<(Account, String)>, StorageError>;
    fn account(&self, id: i64) -> Result<Option<Account>, StorageError>;
    /// Stores a token for a successful sign-in and audits the sign-in.
    fn record_login(
        &self,
        account: &Account,
        token_sha256: &str,
        expires_at: &str,
        actor: &Actor<'_>,
    ) -> Result<(), StorageError>;
    /// Audits a refused sign-in (wrong password, pending or rejected account).
    fn record_login_refused(
        &self,
        username: &str,
        reason: &str,
        actor: &Actor<'_>,
    ) -> Result<(), StorageError>;
    /// The principal a token stands for, if the token exists, is unrevoked and unexpired at
    /// `now`, and its account is active (an account's token) or its device unrevoked (a
    /// device's token).
    fn principal_for_token(
        &self,
        token_sha256: &str,
        now: &str,
    ) -> Result<Option<Principal>, StorageError>;
    fn revoke_token(&self, token_sha256: &str, actor: &Actor<'_>) -> Result<(), StorageError>;
    /// Accounts, optionally only one status and/or one enterprise.
    fn list_accounts(
        &self,
        status: Option<AccountStatus>,
        enterprise_id: Option<i64>,
    ) -> Result<Vec<Account>, StorageError>;
    /// Approves or rejects a pending account. Approving an account of a pending enterprise
    /// activates the enterprise; rejecting its only applicant rejects it.
    fn decide_account(
        &self,
        id: i64,
        approve: bool,
        note: Option<&str>,
        actor: &Actor<'_>,
    ) -> Result<Account, StorageError>;
    fn list_enterprises(&self, only: Option<i64>) -> Result<Vec<Enterprise>, StorageError>;
    /// Registers a workstation. `id` is the workstation's own device id when it has one;
    /// `secret_sha256` is the hash of the secret it will prove itself with.
    fn register_device(
        &self,
        enterprise_id: i64,
        name: &str,
        user_id: Option<i64>,
        id: Option<&str>,
        secret_sha256: &str,
        actor: &Actor<'_>,
    ) -> Result<Device, StorageError>;
    /// The device, and whether its enterprise is active, when `secret_sha256` is the device's.
    fn device_for_login(
        &self,
        device_id: &str,
        secret_sha256: &str,
    ) -> Result<Option<(Device, bool)>, StorageError>;
    /// Stores a token for a device's sign-in and audits it.
    fn record_device_login(
        &self,
        device: &Device,
        token_sha256: &str,
        expires_at: &str,
        actor: &Actor<'_>,
    ) -> Result<(), StorageError>;
    /// Enables (`Active`) or disables (`Disabled`) an account; disabling revokes its tokens.
    fn set_account_status(
        &self,
        id: i64,
        status: AccountStatus,
        actor: &Actor<'_>,
    ) -> Result<Account, StorageError>;
    fn set_role(&self, id: i64, role: Role, actor: &Actor<'_>) -> Result<Account, StorageError>;
    /// Sets a password (hashed). `must_change`: someone else set it (a reset), so its owner
    /// replaces it at the next sign-in. Every token of the account is revoked but `keep_token`.
    fn set_password(
        &self,
        id: i64,
        password_hash: &str,
        must_change: bool,
        keep_token: Option<&str>,
        actor: &Actor<'_>,
    ) -> Result<Account, StorageError>;
    /// Revokes every token of the account; returns how many were live.
    fn revoke_tokens(&self, id: i64, actor: &Actor<'_>) -> Result<u64, StorageError>;
    /// Locks an account after repeated wrong passwords (once; audited).
    fn lock_account(&self, id: i64, actor: &Actor<'_>) -> Result<(), StorageError>;
    fn unlock_account(&self, id: i64, actor: &Actor<'_>) -> Result<Account, StorageError>;
    /// Revokes a device: its secret and its tokens stop working.
    fn revoke_device(&self, id: &str, actor: &Actor<'_>) -> Result<Device, StorageError>;
    /// Replaces the GS1 company prefixes of an enterprise; refused when one overlaps another
    /// enterprise's.
    fn set_gs1_prefixes(
        &self,
        enterprise_id: i64,
        prefixes: &[String],
        actor: &Actor<'_>,
    ) -> Result<Vec<String>, StorageError>;
    fn gs1_prefixes(&self, enterprise_id: i64) -> Result<Vec<String>, StorageError>;
    fn device(&self, id: &str) -> Result<Option<Device>, StorageError>;
    fn list_devices(&self, enterprise_id: Option<i64>) -> Result<Vec<Device>, StorageError>;
    /// Leases the next `count` numbers of `series` under the device's enterprise prefix.
    fn lease_suffixes(
        &self,
        device: &Device,
        series: &str,
        count: u64,
        width: u32,
        user_id: Option<i64>,
        actor: &Actor<'_>,
    ) -> Result<SuffixLease, StorageError>;
    fn leases_of_device(&self, device_id: &str) -> Result<Vec<SuffixLease>, StorageError>;
}

/// Where synced records live (the node side of [`idstation_model::sync`]).
pub trait SyncStore: Send + Sync + 'static {
    /// Applies `ops` (one device's, in order: see [`crate::sync::check_push`]) in one
    /// transaction, each op once (by op id) with its result stored so a replay gets the same
    /// answer, and returns each op's result.
    fn push(
        &self,
        principal: &Principal,
        device: &Device,
        ops: &[Operation],
        template: &MetadataTemplate,
        actor: &Actor<'_>,
    ) -> Result<PushResponse, StorageError>;
    fn high_water(&self, device_id: &str) -> Result<u64, StorageError>;
    /// The device's leases, each with the highest number in it registered at the node (by
    /// sync or the Handle API, deleted records included).
    fn leases_in_use(&self, device_id: &str) -> Result<Vec<LeaseUse>, StorageError>;
    /// Changes after `cursor` to records at or below `scope` (every record when `None`).
    fn pull(
        &self,
        scope: Option<&str>,
        cursor: u64,
        limit: u32,
    ) -> Result<PullOutcome, StorageError>;
    /// Records at or below `scope` after the handle `after`, in handle order.
    fn snapshot(
        &self,
        scope: Option<&str>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<SnapshotPage, StorageError>;
    /// Drops change rows below `cursor` (retention); older cursors must refetch.
    fn prune_changes(&self, below: u64) -> Result<(), StorageError>;
}

/// Where the daily monitoring figures are kept.
pub trait MonitorStore: Send + Sync + 'static {
    fn save_day(&self, day: &str, figures: &DayFigures, at: &str) -> Result<(), StorageError>;
    fn load_day(&self, day: &str) -> Result<Option<DayFigures>, StorageError>;
    /// How many handles exist under `prefix` (not below it).
    fn count_handles(&self, prefix: &str) -> Result<u64, StorageError>;

    /// Stored days before `day` whose source addresses are still whole.
    fn days_with_whole_ips(&self, before: &str) -> Result<Vec<String>, StorageError>;

    /// Fills in each prefix's total and writes the day.
    fn store_day(&self, day: NaiveDate, mut figures: DayFigures) -> Result<(), StorageError> {
        for (prefix, p) in figures.prefixes.iter_mut() {
            if prefix != crate::monitor::OTHER_BUCKET {
                p.total_registrations = self.count_handles(prefix)?;
            }
        }
        let at = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
        self.save_day(&day.to_string(), &figures, &at)
    }

    /// Cuts the source addresses of every day before `day` to their networks (the retention
    /// period is over); returns how many days changed.
    fn truncate_ips_before(&self, day: &str) -> Result<usize, StorageError> {
        let days = self.days_with_whole_ips(day)?;
        let at = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
        for d in &days {
            if let Some(mut figures) = self.load_day(d)? {
                figures.truncate_ips();
                self.save_day(d, &figures, &at)?;
            }
        }
        Ok(days.len())
    }
}

/// The node's runs, declared maintenance and the probe's tallies (see [`availability`]).
pub trait AvailabilityStore: Send + Sync + 'static {
    /// Opens a run at `at`. A run still open was not stopped cleanly: it is closed as crashed
    /// at its last heartbeat, and returned. One transaction. Runs are measurements, like the
    /// daily figures: not audited (a crash reaches the audit chain as the monitor's event).
    fn begin_run(&self, at: &str) -> Result<(i64, Option<Run>), StorageError>;
    fn heartbeat(&self, run: i64, at: &str) -> Result<(), StorageError>;
    /// Closes the run as cleanly stopped at `at`.
    fn end_run(&self, run: i64, at: &str) -> Result<(), StorageError>;
    /// Runs that overlap `[from, to)` (RFC 3339 UTC), oldest first, and the first start ever.
    fn runs(&self, from: &str, to: &str) -> Result<(Vec<Run>, Option<String>), StorageError>;
    /// Turns maintenance mode on; [`StorageError::MaintenanceOn`] when it is on already.
    fn start_maintenance(
        &self,
        description: &str,
        actor: &Actor<'_>,
    ) -> Result<MaintenanceWindow, StorageError>;
    /// Turns it off; [`StorageError::NotFound`] when it is not on.
    fn end_maintenance(&self, actor: &Actor<'_>) -> Result<MaintenanceWindow, StorageError>;
    /// Windows that overlap `[from, to)`, oldest first (an open one included).
    fn maintenance(&self, from: &str, to: &str) -> Result<Vec<MaintenanceWindow>, StorageError>;
    fn record_probe(&self, day: &str, ok: bool, rtt_ms: u64) -> Result<(), StorageError>;
    /// The probe's days from `from` to `to` inclusive (`YYYY-MM-DD`).
    fn probe_days(&self, from: &str, to: &str) -> Result<Vec<ProbeDay>, StorageError>;
}

/// The monthly report's own records (see [`reports`]).
pub trait ReportStore: Send + Sync + 'static {
    /// Registration-to-resolvable times by China day and prefix, days `from..=to`.
    fn effective_days(
        &self,
        from: &str,
        to: &str,
    ) -> Result<Vec<reports::EffectiveDay>, StorageError>;
    /// Writes up an incident (audited).
    fn add_incident(
        &self,
        incident: &reports::NewIncident,
        actor: &Actor<'_>,
    ) -> Result<reports::Incident, StorageError>;
    /// Incidents overlapping `[from, to)` (RFC 3339 UTC), oldest first.
    fn incidents(&self, from: &str, to: &str) -> Result<Vec<reports::Incident>, StorageError>;
    /// Issued reports, of one prefix or all, newest first.
    fn issued_reports(&self, prefix: Option<&str>)
        -> Result<Vec<reports::IssuedRow>, StorageError>;
    /// An issued report's PDF and CSV.
    fn issued_files(&self, number: &str) -> Result<Option<reports::IssuedFiles>, StorageError>;
}

/// Entity records of the docking tables (annex 1) and their attachments.
pub trait EntityStore: Send + Sync + 'static {
    fn entity(&self, item: &str, key: &str) -> Result<Option<StoredEntity>, StorageError>;
    /// An item's records, optionally of one enterprise only, in key order.
    fn entities(
        &self,
        item: &str,
        enterprise_id: Option<i64>,
    ) -> Result<Vec<StoredEntity>, StorageError>;
    /// Writes a record (a new revision), its audit entry and, when `report` is given, the
    /// report of the change to the uplink outbox, in one transaction. `expect_revision`, when
    /// given, must be the record's current revision (0: it must not exist).
    fn put_entity(
        &self,
        write: &EntityWrite,
        report: Option<&ReportMaker<'_>>,
        actor: &Actor<'_>,
    ) -> Result<StoredEntity, StorageError>;
    /// Deletes a record, with its audit entry and the report of the deletion.
    fn delete_entity(
        &self,
        item: &str,
        key: &str,
        report: Option<&ReportMaker<'_>>,
        actor: &Actor<'_>,
    ) -> Result<(), StorageError>;
    /// Records an attachment whose (sealed) bytes are already in place; `false` when the same
    /// content was there already.
    fn put_attachment(&self, meta: &Attachment, actor: &Actor<'_>) -> Result<bool, StorageError>;
    fn attachment(&self, sha256: &str) -> Result<Option<Attachment>, StorageError>;
    fn enterprise_by_prefix(&self, prefix: &str) -> Result<Option<Enterprise>, StorageError>;
}

/// The durable outbox of reports to the top-level node, and what its generators read.
pub trait UplinkStore: Send + Sync + 'static {
    /// Stores a generated report (its revision allocated here), and `mark` when given, in one
    /// transaction; `None` when `mark` was set already (the period was generated before).
    fn enqueue_report(
        &self,
        item: &str,
        subject: &str,
        mark: Option<&Mark>,
        make: &ReportMaker<'_>,
        actor: &Actor<'_>,
    ) -> Result<Option<String>, StorageError>;
    /// How far `item` got for `period` (`None`: not generated yet).
    fn mark(&self, item: &str, period: &str) -> Result<Option<i64>, StorageError>;
    /// Moves a mark forward (never back) without a report: a quiet period, events taken.
    fn set_mark(&self, mark: &Mark) -> Result<(), StorageError>;
    /// Pending reports whose next attempt is due at `now`, oldest first.
    fn due_reports(&self, now: &str, limit: u32) -> Result<Vec<DueReport>, StorageError>;
    fn report_sent(&self, id: i64, outcome: &SendOutcome, at: &str) -> Result<(), StorageError>;
    fn reports(&self, query: &ReportQuery) -> Result<Vec<ReportRow>, StorageError>;
    /// A stored report's item and (sealed) body.
    fn report_body(&self, key: &str) -> Result<Option<(String, Vec<u8>)>, StorageError>;
    /// Sends a report again (by key), or every failed one (`None`): the same body, same key.
    fn resend(&self, key: Option<&str>, actor: &Actor<'_>) -> Result<u64, StorageError>;
    fn uplink_summary(&self) -> Result<UplinkSummary, StorageError>;
    /// The current restore epoch (0: never restored).
    fn restore_epoch(&self) -> Result<u64, StorageError>;
    /// When the node was initialised (RFC 3339): no period before it is reported.
    fn node_created_at(&self) -> Result<String, StorageError>;
    /// Handles written in `[from, to)` (RFC 3339) in (time, handle) order, after `after` (the
    /// last page's last time and handle): (handle, values JSON, created_at, updated_at).
    fn handles_written(
        &self,
        from: &str,
        to: &str,
        after: Option<(&str, &str)>,
        limit: u32,
    ) -> Result<Vec<(String, String, String, String)>, StorageError>;
}

/// The escrow of annex 4: everything a takeover needs, streamed out part by part, and merged
/// back in.
pub trait EscrowStore: Send + Sync + 'static {
    /// Streams every part from one consistent read of the database into `sink`.
    fn export_escrow(&self, sink: &mut dyn EscrowSink) -> Result<(), StorageError>;
    /// Merges rows of an export, never overwriting newer local data; each change audited.
    fn import_escrow(
        &self,
        rows: &mut dyn Iterator<Item = Result<ImportRow, StorageError>>,
        actor: &Actor<'_>,
    ) -> Result<ImportTally, StorageError>;
}
