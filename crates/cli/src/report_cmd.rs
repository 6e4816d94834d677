//! `idstation report …`: the monthly operating report from the command line, the same use
//! cases as the app's Reports screen (`workstation::reports`): draft (show the figures and the
//! text, set a section), preview (the draft's PDF and CSV), issue (numbered, immutable, queued
//! for the node), export (an issued report's files), list, refresh (pull the figures now).

use std::path::PathBuf;

use clap::{Args, Subcommand};
use idstation_workstation::reports::{IssuedView, ReportView};
use idstation_workstation::{tr, Workstation, WsError};

use crate::output::Out;

#[derive(Args)]
pub struct ReportArgs {
    #[command(subcommand)]
    command: ReportCommand,
}

#[derive(Subcommand)]
pub enum ReportCommand {
    /// The draft of a month: its figures and text; --section KEY --text TEXT writes a section
    /// (summary, service, maintenance, business); --language zh-CN|en sets the report's language
    Draft {
        /// YYYY-MM (last month by default)
        #[arg(long)]
        month: Option<String>,
        #[arg(long, requires = "text")]
        section: Option<String>,
        #[arg(long, requires = "section")]
        text: Option<String>,
        #[arg(long)]
        language: Option<String>,
    },
    /// Write the draft's PDF (marked 草稿 / DRAFT) and CSV into a folder
    Preview {
        #[arg(long)]
        month: Option<String>,
        #[arg(long, default_value = ".")]
        out_dir: PathBuf,
    },
    /// Issue the month's report: numbered, hashed, immutable; sent to the node with the next
    /// sync. A month issued already gets the next version, which corrects the one before
    Issue {
        #[arg(long)]
        month: Option<String>,
    },
    /// Write an issued report's PDF and CSV, as issued, into a folder
    Export {
        number: String,
        #[arg(long, default_value = ".")]
        out_dir: PathBuf,
    },
    /// Issued reports and whether the node has them
    List,
    /// Pull a month's figures from the node now
    Refresh {
        #[arg(long)]
        month: Option<String>,
    },
}

fn month_or_default(month: Option<String>) -> String {
    month
        .unwrap_or_else(|| idstation_workstation::reports::default_report_month(chrono::Utc::now()))
}

pub fn report(args: ReportArgs, out: &Out, mut ws: Workstation) -> Result<(), WsError> {
    let lang = out.lang;
    ws.set_lang(lang);
    match args.command {
        ReportCommand::Draft {
            month,
            section,
            text,
            language,
        } => {
            let month = month_or_default(month);
            if let (Some(section), Some(text)) = (section, text) {
                ws.report_set_section(&month, &section, &text)?;
            }
            if let Some(language) = language {
                ws.report_set_language(&month, &language)?;
            }
            let view = ws.report_view(Some(&month), lang)?;
            if !view.has_figures {
                return Err(WsError::NoReportFigures(view.month));
            }
            out.report_draft(&view);
        }
        ReportCommand::Preview { month, out_dir } => {
            let written = ws.report_preview_to(&month_or_default(month), &out_dir)?;
            out.report_files(&written);
        }
        ReportCommand::Issue { month } => {
            let issued = ws.report_issue(&month_or_default(month))?;
            out.report_issued(&issued);
        }
        ReportCommand::Export { number, out_dir } => {
            let written = ws.report_export(&number, &out_dir)?;
            out.report_files(&written);
        }
        ReportCommand::List => out.report_list(&ws.issued_reports()?),
        ReportCommand::Refresh { month } => {
            let month = month_or_default(month);
            ws.report_refresh(&month)?;
            if out.json {
                out.json_value(&serde_json::json!({ "refreshed": month }));
            } else {
                println!("{}", tr!(lang, "report-refreshed", month = month));
            }
        }
    }
    Ok(())
}

impl Out {
    fn report_draft(&self, view: &ReportView) {
        if self.json {
            return self.json_value(view);
        }
        println!("{}  {}  {}", view.month, view.scope_label, view.operator);
        if let Some(at) = &view.pulled_at {
            println!("{}", tr!(self.lang, "cli-report-pulled-at", at = at));
        }
        for f in &view.figures {
            println!("  {}: {}", f.label, f.value);
        }
        for s in &view.sections {
            println!("{} [{}]", s.title, s.key);
            if !s.text.is_empty() {
                println!("  {}", s.text.replace('\n', "\n  "));
            }
        }
        if let Some(n) = &view.next_number {
            println!("{}", tr!(self.lang, "cli-report-next-number", number = n));
        }
    }

    fn report_files(&self, paths: &[PathBuf]) {
        if self.json {
            return self.json_value(&paths);
        }
        for p in paths {
            println!("{}", p.display());
        }
    }

    fn report_issued(&self, issued: &IssuedView) {
        if self.json {
            return self.json_value(issued);
        }
        println!(
            "{}",
            tr!(
                self.lang,
                "report-issued",
                number = issued.number,
                sha = issued.sha256
            )
        );
    }

    fn report_list(&self, list: &[IssuedView]) {
        if self.json {
            return self.json_value(&list);
        }
        if list.is_empty() {
            println!("{}", tr!(self.lang, "cli-report-none-issued"));
        }
        for r in list {
            println!(
                "{}  {}  {}  {}  {}",
                r.number, r.issued_at, r.issued_by, r.submission_label, r.sha256
            );
        }
    }
}
