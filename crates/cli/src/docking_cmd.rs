//! `idstation docking …`: the platform operator's docking desk on the command line, the same
//! use cases as the app's Docking screen (`workstation::docking`): the docking tables and their
//! fields, records entered field by field, an enterprise node's verification, the uplink's
//! reports and resending them. Each run signs in as the person named, at the node this
//! workstation syncs with; nothing of the sign-in is kept.

use std::collections::BTreeMap;

use clap::{Args, Subcommand};
use idstation_workstation::docking::{DockingRecord, DockingTable, MaintenanceView, UplinkView};
use idstation_workstation::{tr, Workstation, WsError};

use crate::output::Out;

#[derive(Args)]
pub struct DockingArgs {
    /// Your own account at the node (the platform operator's, for the uplink)
    #[arg(long, env = "IDSTATION_DOCKING_USER")]
    username: String,
    /// The password (or set IDSTATION_PASSWORD; asked for when neither is given)
    #[arg(long, env = "IDSTATION_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    #[command(subcommand)]
    command: DockingCommand,
}

#[derive(Subcommand)]
pub enum DockingCommand {
    /// The docking tables people enter (annex 1), with how often each is reported
    Tables,
    /// A table's fields: code, key, label, kind, whether required
    Fields { table: String },
    /// A table's records you may see
    Records { table: String },
    /// Create or change a record: every --field NAME=VALUE (the node checks each)
    Set {
        table: String,
        #[arg(long = "field", value_name = "NAME=VALUE", required = true)]
        fields: Vec<String>,
        /// The revision you read: refused if someone changed the record since
        #[arg(long)]
        revision: Option<u64>,
    },
    /// Verify an enterprise node's record (table 6): --pass, or --fail with --opinion
    Verify {
        key: String,
        #[arg(long, conflicts_with = "fail", required_unless_present = "fail")]
        pass: bool,
        #[arg(long, requires = "opinion")]
        fail: bool,
        #[arg(long, default_value = "")]
        opinion: String,
    },
    /// Reports to the top-level node: counts, health, the newest (of one --state)
    Uplink {
        /// pending, acked, failed or filed
        #[arg(long)]
        state: Option<String>,
    },
    /// Maintenance mode: `on DESCRIPTION`, `off`, or (nothing) this month's windows
    Maintenance {
        #[command(subcommand)]
        command: Option<MaintenanceCommand>,
    },
    /// Send one report again by its key, or --all failed and filed ones (same keys)
    Resend {
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        key: Option<String>,
        #[arg(long)]
        all: bool,
    },
}

#[derive(Subcommand)]
pub enum MaintenanceCommand {
    /// Declare planned maintenance from now (left out of the SLA)
    On { description: String },
    /// End it
    Off,
}

fn pairs(fields: &[String]) -> Result<BTreeMap<String, String>, WsError> {
    fields
        .iter()
        .map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| (k.trim().to_owned(), v.to_owned()))
                .ok_or_else(|| WsError::InvalidSetting("--field", kv.clone()))
        })
        .collect()
}

pub fn docking(args: DockingArgs, out: &Out, ws: Workstation) -> Result<(), WsError> {
    // Bad input is refused before anything reaches the node.
    if let DockingCommand::Set { fields, .. } = &args.command {
        pairs(fields)?;
    }
    let password = match args.password {
        Some(p) => p,
        None => out.ask_password(),
    };
    let desk = ws.docking_sign_in(&args.username, &password)?;
    let lang = out.lang;
    match args.command {
        DockingCommand::Tables => out.docking_tables(&desk.tables(lang)),
        DockingCommand::Fields { table } => {
            let tables = desk.tables(lang);
            let t = tables
                .iter()
                .find(|t| t.code.eq_ignore_ascii_case(&table))
                .ok_or(WsError::NotInDockingSchema(table))?;
            out.docking_fields(t);
        }
        DockingCommand::Records { table } => {
            out.docking_records(&desk.records(&table.to_ascii_uppercase(), lang)?)
        }
        DockingCommand::Set {
            table,
            fields,
            revision,
        } => {
            let record = desk.save_record(
                &table.to_ascii_uppercase(),
                &pairs(&fields)?,
                revision,
                lang,
            )?;
            out.docking_records(std::slice::from_ref(&record));
        }
        DockingCommand::Verify {
            key, pass, opinion, ..
        } => {
            let record = desk.verify_enterprise(&key, pass, &opinion, lang)?;
            out.docking_records(std::slice::from_ref(&record));
        }
        DockingCommand::Uplink { state } => out.uplink(&desk.uplink(state.as_deref(), lang)?),
        DockingCommand::Maintenance { command } => out.maintenance(&match command {
            None => desk.maintenance(lang)?,
            Some(MaintenanceCommand::On { description }) => {
                desk.start_maintenance(&description, lang)?
            }
            Some(MaintenanceCommand::Off) => desk.end_maintenance(lang)?,
        }),
        DockingCommand::Resend { key, .. } => {
            let n = desk.resend(key.as_deref())?;
            if out.json {
                out.json_value(&serde_json::json!({ "resent": n }));
            } else {
                println!("{}", tr!(lang, "cli-uplink-resent", count = n));
            }
        }
    }
    Ok(())
}

impl Out {
    pub fn docking_tables(&self, tables: &[DockingTable]) {
        if self.json {
            return self.json_value(&tables);
        }
        for t in tables {
            println!(
                "{}  {}  ({}, {})",
                t.code,
                t.title,
                t.cadence_label,
                tr!(self.lang, "cli-docking-field-count", count = t.fields.len())
            );
        }
    }

    pub fn docking_fields(&self, table: &DockingTable) {
        if self.json {
            return self.json_value(table);
        }
        for f in &table.fields {
            let mark = match f.required.as_str() {
                "always" | "apply" => "*",
                "verify" => "°",
                _ => " ",
            };
            println!(
                "{}{mark} {}{}  {}  [{}]",
                f.code,
                f.name,
                if f.key { " (key)" } else { "" },
                f.label,
                f.kind
            );
        }
    }

    pub fn docking_records(&self, records: &[DockingRecord]) {
        if self.json {
            return self.json_value(&records);
        }
        if records.is_empty() {
            println!("{}", tr!(self.lang, "cli-docking-no-records"));
        }
        for r in records {
            println!(
                "{}  {}  r{}  {}  {}{}",
                r.key,
                r.status_label,
                r.revision,
                r.updated_at,
                r.updated_by,
                r.enterprise_prefix
                    .as_deref()
                    .map(|p| format!("  [{p}]"))
                    .unwrap_or_default()
            );
            for (k, v) in &r.values {
                println!("    {k} = {}", v.replace('\n', " "));
            }
        }
    }

    pub fn maintenance(&self, v: &MaintenanceView) {
        if self.json {
            return self.json_value(v);
        }
        println!("{}", v.state);
        for w in &v.windows {
            println!(
                "{} – {}  {}  ({})",
                w.start,
                w.end.as_deref().unwrap_or("…"),
                w.description,
                w.by
            );
        }
    }

    pub fn uplink(&self, v: &UplinkView) {
        if self.json {
            return self.json_value(v);
        }
        println!("{}", v.summary);
        println!(
            "{}",
            v.counts
                .iter()
                .map(|c| format!("{}: {}", c.label, c.count))
                .collect::<Vec<_>>()
                .join("  ")
        );
        if let Some(e) = &v.last_error {
            println!("{}: {e}", tr!(self.lang, "cli-last-error"));
        }
        for r in &v.reports {
            println!(
                "{}  {}  {}  {}  {}  {}",
                r.key,
                r.state_label,
                r.item_label,
                r.about,
                r.created_at,
                r.last_error
                    .as_deref()
                    .or(r.file.as_deref())
                    .unwrap_or_default()
            );
        }
    }
}
