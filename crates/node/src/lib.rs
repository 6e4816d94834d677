//! The IDStation node: the platform server that registers and resolves handles under its
//! prefix through a Handle.net-compatible JSON REST API, keeps accounts, leases suffixes to
//! workstations and syncs their records.
//!
//! The `idstation-node` binary only parses arguments and calls [`init`], [`open`], [`bind_all`]
//! and [`run`]. Where things live, one home each, imports pointing down the list:
//!
//! - `http/`: the HTTP core (`mod.rs` lists every route and its body limit; `state`, `error`
//!   with both envelopes, `extract` with the auth extractors, `guard` with bounded password
//!   hashing and sign-in throttling, `task`) and one module per resource beside it, which
//!   imports the core but never another resource;
//! - `serve/`: the sockets, worker threads, connection limit (`gate`) and each connection's
//!   timeouts (`conn`); `node`: creating and opening a node's data folder;
//! - `storage/`: the storage seam (traits, [`StorageError`]) and `storage/sqlite/`, the only code
//!   that names SQLite;
//! - `words`: every sentence a person reads, zh-CN and English;
//! - `accounts`, `auth`, `throttle`, `sync`, `monitor`, `values`, `config`: the rules, no HTTP,
//!   no SQL;
//! - the docking side (issue 17): `docking` (the annex tables as data, `docking/schema.toml`),
//!   `entities` (their records' rules), `uplink/` (reports to the top-level node: format,
//!   generation, delivery), `escrow` (annex 4), `backup`, `secrets` (the node's keys) and
//!   `background` (the threads `serve` runs beside the requests).
//!
//! `scripts/check-module-cycles` (run by `scripts/test`) fails when modules import each other
//! in a cycle.
//!
//! # Recipe
//!
//! **An endpoint.** Write the handler in its resource module under `src/http/` (a new resource
//! gets its own `http/<resource>.rs`), taking the caller as an extractor (`extract::Caller`
//! for people, `SyncCaller` if devices may call it, `Operator`; parts extractors run before
//! the body is read) and answering `error::V1Result` (or the Handle envelope), with blocking
//! work in `task::blocking` and password hashing in `guard::hashing`. Add its one `.route(..)`
//! line in `http/mod.rs`, with a `body_limit` when it reads more than a small JSON body.
//! Describe it in `http/openapi.rs`: schemathesis holds the handler to that description in the
//! tests. Anything it keeps per client (a map, a queue) is bounded (ARCHITECTURE.md).
//!
//! **A table or a migration.** Add `migrations/NNNN_<what>.sql` with the next number and list it
//! in `MIGRATIONS` in `storage/sqlite/mod.rs`; it runs at the next start. A migration that was
//! released is never edited: change the schema with the next one. Rows the node answers with get
//! a domain type in their plain module (e.g. `accounts.rs`), never a SQL row type above
//! `storage/`.
//!
//! **A storage method.** Declare it on its trait in `storage/mod.rs`, in domain types, failing
//! with [`StorageError`] (a new refusal is a new variant, mapped to each envelope once in
//! `http/error.rs`). Implement it in `storage/sqlite/<trait>.rs`, one transaction per call; a
//! write appends its audit entry in that transaction (`audit::append_audit`). A method that
//! blocks is called from handlers through `task::blocking`.
//!
//! **A message.** Give the refusal a variant in its domain type (e.g. `accounts::Invalid`) or
//! add a `words::Message`; write its zh-CN and English in the one `match` arm in `words.rs`, and
//! add it to the lists in that file's test, which checks that every message has both. Handlers
//! never hold sentences; `http/error.rs` puts the words into the response.
//!
//! **A test.** Rules get unit tests beside them; behaviour gets an integration test in
//! `tests/<area>.rs` that runs the real binary on loopback: `common::init` makes a data folder,
//! `common::Node::start` serves it and stops it on drop, `common::client`, `admin` and `done`
//! speak HTTP. Assert what a user or client sees (status, code, words), and the audit chain
//! (`common::audit_entries`) when the test writes.

pub mod accounts;
pub mod auth;
pub mod availability;
pub mod background;
pub mod backup;
pub mod config;
pub mod docking;
pub mod entities;
pub mod escrow;
pub mod http;
pub mod monitor;
mod node;
pub mod reports;
pub mod secrets;
mod serve;
pub mod storage;
pub mod sync;
pub mod systemd;
pub mod throttle;
pub mod uplink;
pub mod values;
pub mod words;

pub use accounts::Role;
pub use config::{ServeConfig, Settings};
pub use http::{router, AppState};
pub use node::{
    init, open, open_with_keys, NodeError, PREFIX_ADMIN_INDEX, PREFIX_ADMIN_PERMISSIONS,
};
pub use serve::{bind, bind_all, raise_fd_limit, run, shutdown_signal, Listeners, Serving};
pub use storage::sqlite::SqliteStore;
pub use storage::{AccountStore, HandleStore, NodeConfig, NodeStore, StorageError};
