//! The order workflow: ONE state machine, in one place. Everything that moves an order or one of
//! its lines — on a workstation, at the node, or when a pulled change is replayed — goes through
//! [`transition`]; field edits ask [`can_edit`]. Both are pure.
//!
//! # Order state and line state
//!
//! Intake and return happen to the whole order (the customer hands over and takes back one
//! parcel); work, review and approval happen per instrument (two technicians, one reviewer each;
//! one line may be approved while another is still in repair). So the state is two-level:
//!
//! ```text
//! order:  submitted ─accept→ accepted ─receive→ received ─(first line assigned)→ in_progress ─return→ returned
//!            │ └reject(reason)→ rejected            │                                   (every line certificate_issued)
//!            └──────────cancel(reason)──────────────┴─→ cancelled      (never once work has started)
//! line:   pending ─assign(technician)→ in_progress ─submit_for_review→ awaiting_review ─approve→ approved ─issue_certificate→ certificate_issued
//!                                       │   ↑ send_back(reason) ─────────────┘
//!                                       └diagnose→ diagnosed ─quote→ quoted ─accept_quote→ quote_accepted ─mark_repaired→ repaired ─submit_for_review→ …
//!                                                                           └decline_quote→ quote_declined ─submit_for_review→ …
//! ```
//!
//! Rules that tie the two: line actions need the order `received` or `in_progress`; the first
//! line assigned moves the order to `in_progress` in the same transition; cancel is refused once
//! the order is `in_progress`; return needs every line `certificate_issued` (for repair and
//! maintenance the issued document is the repair or maintenance report). `rejected`,
//! `cancelled` and `returned` are terminal. [`Workflow::check`] states these invariants and
//! every transition's result is checked against them before it is returned.
//!
//! # Roles (one per account, as the node has them)
//!
//! | action | who |
//! |---|---|
//! | submit (create) | customer, enterprise admin, technician |
//! | accept | enterprise admin |
//! | reject | enterprise admin, operator (abuse of the public form) |
//! | receive, return | enterprise admin, technician |
//! | cancel | customer (only while `submitted`), enterprise admin, operator |
//! | assign | enterprise admin (anyone, reassign too), technician (only themself, only a pending line) |
//! | diagnose, mark repaired, submit for review | the assigned technician (a technician or admin) |
//! | quote | enterprise admin, the assigned technician |
//! | accept/decline quote | customer, enterprise admin (recording the customer's answer) |
//! | send back, approve, issue certificate | reviewer, enterprise admin |
//!
//! Whoever calibrated a line (submitted it for review) may never approve it (ISO/IEC 17025).

use chrono::{Months, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::identifier::Identifier;
use crate::instrument::{CalibrationResult, Instrument, InstrumentStatus};
use crate::order::line::{Conclusion, OrderLine, ResultProblem};
use crate::order::number::OrderNumber;
use crate::order::ServiceType;

/// Longest reason text (reject, cancel, send back) and diagnosis.
pub const MAX_REASON_CHARS: usize = 500;

macro_rules! named_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal / $zh:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];

            /// The stable code (database, wire, CLI).
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s),+ }
            }

            pub fn label_zh(self) -> &'static str {
                match self { $($name::$v => $zh),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                let t = s.trim();
                Self::ALL.iter().copied().find(|x| x.as_str() == t || x.label_zh() == t)
            }
        }
    };
}

named_enum!(
    /// Who an actor is to the workflow.
    Role {
        /// The platform's operator (runs the node), not part of a lab.
        Operator = "operator" / "平台运营",
        EnterpriseAdmin = "enterprise_admin" / "企业管理员",
        Technician = "technician" / "技术员",
        Reviewer = "reviewer" / "审核员",
        /// The instrument owner, through the node's form or API.
        Customer = "customer" / "客户",
    }
);

impl Role {
    /// Whether contact names and phones are shown in full: the front desk (admin) calls the
    /// customer, the customer sees their own; technicians, reviewers and the operator see masks.
    pub fn sees_personal_data(self) -> bool {
        matches!(self, Role::EnterpriseAdmin | Role::Customer)
    }
}

named_enum!(
    OrderState {
        Submitted = "submitted" / "已提交",
        Accepted = "accepted" / "已受理",
        Rejected = "rejected" / "已拒绝",
        Received = "received" / "已收件",
        InProgress = "in_progress" / "进行中",
        Returned = "returned" / "已返还",
        Cancelled = "cancelled" / "已取消",
    }
);

impl OrderState {
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            OrderState::Rejected | OrderState::Returned | OrderState::Cancelled
        )
    }
}

named_enum!(
    LineState {
        Pending = "pending" / "待开始",
        InProgress = "in_progress" / "进行中",
        Diagnosed = "diagnosed" / "已诊断",
        Quoted = "quoted" / "已报价",
        QuoteAccepted = "quote_accepted" / "报价已接受",
        QuoteDeclined = "quote_declined" / "报价已拒绝",
        Repaired = "repaired" / "已修复",
        AwaitingReview = "awaiting_review" / "待审核",
        Approved = "approved" / "已批准",
        CertificateIssued = "certificate_issued" / "证书已出具",
    }
);

impl LineState {
    /// Someone is working on it: results may change.
    pub fn is_working(self) -> bool {
        matches!(
            self,
            LineState::InProgress
                | LineState::Diagnosed
                | LineState::Quoted
                | LineState::QuoteAccepted
                | LineState::QuoteDeclined
                | LineState::Repaired
        )
    }
}

named_enum!(
    /// Where an order stands, for the inbox: its own state, or, once work started, that of its
    /// least advanced line (an order is as far as its slowest instrument).
    Stage {
        Submitted = "submitted" / "已提交",
        Accepted = "accepted" / "已受理",
        Rejected = "rejected" / "已拒绝",
        Received = "received" / "已收件",
        InProgress = "in_progress" / "进行中",
        AwaitingReview = "awaiting_review" / "待审核",
        Approved = "approved" / "已批准",
        CertificateIssued = "certificate_issued" / "待返还",
        Returned = "returned" / "已返还",
        Cancelled = "cancelled" / "已取消",
    }
);

named_enum!(
    /// An action without its data: for role tables, menus and errors.
    ActionKind {
        Accept = "accept" / "受理",
        Reject = "reject" / "拒绝",
        Receive = "receive" / "收件",
        Cancel = "cancel" / "取消",
        Return = "return" / "返还",
        Assign = "assign" / "分派",
        Diagnose = "diagnose" / "诊断",
        Quote = "quote" / "报价",
        AcceptQuote = "accept_quote" / "接受报价",
        DeclineQuote = "decline_quote" / "拒绝报价",
        MarkRepaired = "mark_repaired" / "修复完成",
        SubmitForReview = "submit_for_review" / "提交审核",
        SendBack = "send_back" / "退回",
        Approve = "approve" / "批准",
        IssueCertificate = "issue_certificate" / "出具证书",
    }
);

impl ActionKind {
    pub fn is_line_action(self) -> bool {
        !matches!(
            self,
            ActionKind::Accept
                | ActionKind::Reject
                | ActionKind::Receive
                | ActionKind::Cancel
                | ActionKind::Return
        )
    }

    /// The roles that may take this action at all (further rules may still refuse it).
    pub fn roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            ActionKind::Accept => &[EnterpriseAdmin],
            ActionKind::Reject => &[EnterpriseAdmin, Operator],
            ActionKind::Receive | ActionKind::Return => &[EnterpriseAdmin, Technician],
            ActionKind::Cancel => &[Customer, EnterpriseAdmin, Operator],
            ActionKind::Assign
            | ActionKind::Diagnose
            | ActionKind::Quote
            | ActionKind::MarkRepaired
            | ActionKind::SubmitForReview => &[EnterpriseAdmin, Technician],
            ActionKind::AcceptQuote | ActionKind::DeclineQuote => &[Customer, EnterpriseAdmin],
            ActionKind::SendBack | ActionKind::Approve | ActionKind::IssueCertificate => {
                &[Reviewer, EnterpriseAdmin]
            }
        }
    }
}

/// Who takes an action: an account id (user name) and its role.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Actor {
    pub id: String,
    pub role: Role,
}

impl Actor {
    pub fn new(id: impl Into<String>, role: Role) -> Actor {
        Actor {
            id: id.into(),
            role,
        }
    }
}

/// A repair quote, in yuan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub amount: Decimal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// An action with its data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    Accept,
    Reject {
        reason: String,
    },
    Receive,
    Cancel {
        reason: String,
    },
    Return,
    Assign {
        technician: String,
    },
    Diagnose {
        diagnosis: String,
    },
    Quote {
        amount: Decimal,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    AcceptQuote,
    DeclineQuote,
    MarkRepaired,
    SubmitForReview,
    SendBack {
        reason: String,
    },
    Approve,
    IssueCertificate {
        /// SHA-256 (hex) of the issued document, which is immutable from then on.
        document_sha256: String,
    },
}

impl Action {
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Accept => ActionKind::Accept,
            Action::Reject { .. } => ActionKind::Reject,
            Action::Receive => ActionKind::Receive,
            Action::Cancel { .. } => ActionKind::Cancel,
            Action::Return => ActionKind::Return,
            Action::Assign { .. } => ActionKind::Assign,
            Action::Diagnose { .. } => ActionKind::Diagnose,
            Action::Quote { .. } => ActionKind::Quote,
            Action::AcceptQuote => ActionKind::AcceptQuote,
            Action::DeclineQuote => ActionKind::DeclineQuote,
            Action::MarkRepaired => ActionKind::MarkRepaired,
            Action::SubmitForReview => ActionKind::SubmitForReview,
            Action::SendBack { .. } => ActionKind::SendBack,
            Action::Approve => ActionKind::Approve,
            Action::IssueCertificate { .. } => ActionKind::IssueCertificate,
        }
    }
}

/// An action aimed at the order (`line: None`) or at one of its lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Command {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<Uuid>,
    pub action: Action,
}

impl Command {
    pub fn order(action: Action) -> Command {
        Command { line: None, action }
    }

    pub fn line(line: Uuid, action: Action) -> Command {
        Command {
            line: Some(line),
            action,
        }
    }
}

/// One line's place in the workflow and the names and facts its transitions recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineWork {
    pub line_id: Uuid,
    pub state: LineState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub technician: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnosis: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<Quote>,
    /// Who submitted the results for review: the person who calibrated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibrated_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    /// Given at approval: the order number and the line's position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_sha256: Option<String>,
    /// Why the reviewer last sent it back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_back: Option<String>,
}

impl LineWork {
    pub fn pending(line_id: Uuid) -> LineWork {
        LineWork {
            line_id,
            state: LineState::Pending,
            technician: None,
            diagnosis: None,
            quote: None,
            calibrated_by: None,
            approved_by: None,
            certificate_no: None,
            document_sha256: None,
            sent_back: None,
        }
    }
}

/// The whole workflow state of one order: its own state and each line's, in line order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workflow {
    pub state: OrderState,
    /// Why it was rejected or cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub lines: Vec<LineWork>,
}

/// What the machine needs to know beyond the workflow itself.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub number: &'a OrderNumber,
    pub service: ServiceType,
    /// The date the action is taken (local), for result checks.
    pub today: NaiveDate,
    /// The lines' content (instrument, results), for readiness and approval.
    pub lines: &'a [OrderLine],
}

/// The instrument record's new calibration, produced by approving a line of a calibration or
/// verification; the store applies it in the transition's transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalibrationUpdate {
    pub identifier: Identifier,
    pub date: NaiveDate,
    pub result: CalibrationResult,
    /// For 准用: what the label must say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restriction: Option<String>,
    pub certificate_no: String,
    pub calibrated_by: String,
    pub approved_by: String,
}

impl CalibrationUpdate {
    /// The instrument with this calibration: the next due date follows from the owner's
    /// interval (none without one: ISO/IEC 17025 forbids the lab setting it), and the status
    /// from the result (a scrapped instrument stays scrapped).
    pub fn apply(&self, inst: &Instrument) -> Instrument {
        let mut out = inst.clone();
        let c = &mut out.calibration;
        c.last_date = Some(self.date);
        c.next_due = c
            .interval_months
            .and_then(|m| self.date.checked_add_months(Months::new(m)));
        c.result = Some(self.result);
        c.certificate_no = Some(self.certificate_no.clone());
        c.calibrated_by = Some(self.calibrated_by.clone());
        c.approved_by = Some(self.approved_by.clone());
        if out.status != InstrumentStatus::Scrapped {
            out.status = match self.result {
                CalibrationResult::Pass => InstrumentStatus::InUse,
                CalibrationResult::Restricted => InstrumentStatus::Restricted,
                CalibrationResult::Fail => InstrumentStatus::Stopped,
            };
        }
        out
    }
}

/// The result of a transition: the new workflow, what moved, and any effect to apply with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transitioned {
    pub workflow: Workflow,
    /// The target's state before and after (the order's for order actions, the line's for line
    /// actions), as their codes.
    pub from: &'static str,
    pub to: &'static str,
    pub order_from: OrderState,
    pub order_to: OrderState,
    pub calibration: Option<CalibrationUpdate>,
}

/// Why an action was refused. Nothing changes when one is returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TransitionError {
    #[error("the order is {state:?} and can no longer change")]
    Terminal { state: OrderState },
    #[error("{action:?} is an order action, not a line action")]
    NotALineAction { action: ActionKind },
    #[error("{action:?} needs the line it is for")]
    LineRequired { action: ActionKind },
    #[error("the order has no line {line}")]
    UnknownLine { line: Uuid },
    #[error("lines can be worked only once the order is received (it is {state:?})")]
    OrderNotOpen { state: OrderState },
    #[error("{action:?} is not possible from {from}")]
    NotAllowed { action: ActionKind, from: String },
    #[error("work has started: the order can no longer be cancelled")]
    WorkStarted,
    #[error("a {role:?} may not {action:?}")]
    Forbidden { action: ActionKind, role: Role },
    #[error("a {role:?} may not submit orders")]
    MayNotSubmit { role: Role },
    #[error("a customer may cancel only an order still submitted")]
    CustomerCancelTooLate,
    #[error("a technician may assign only themself, and only a line not yet started")]
    AssignOthers,
    #[error("only the assigned technician ({technician}) may do this")]
    NotAssignedTechnician { technician: String },
    #[error("whoever calibrated a line ({person}) may not approve it")]
    SelfApproval { person: String },
    #[error("a reason is required")]
    ReasonRequired,
    #[error("the text is longer than {max} characters or holds control characters")]
    TextTooLong { max: usize },
    #[error("a technician's name is required")]
    TechnicianRequired,
    #[error("a quote cannot be negative")]
    NegativeQuote,
    #[error("the document hash must be 64 hex digits")]
    BadDocumentHash,
    #[error("the order has no lines")]
    NoLines,
    #[error("{remaining} line(s) have no issued certificate yet")]
    LinesNotDone { remaining: usize },
    #[error("the line is not ready for review: {problems:?}")]
    NotReady { problems: Vec<ResultProblem> },
    #[error("the line's instrument is not registered yet: register it from the line first")]
    InstrumentNotRegistered,
    #[error("{scope:?} cannot be edited while the order is {order:?} and the line {line:?}")]
    NotEditable {
        scope: EditScope,
        order: OrderState,
        line: Option<LineState>,
    },
    #[error("the workflow would break a rule: {0}")]
    Invariant(InvariantError),
}

/// A workflow that no sequence of transitions can produce.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum InvariantError {
    #[error("line {0} appears twice")]
    DuplicateLine(Uuid),
    #[error("a line is {line:?} while the order is {order:?}")]
    LineOutOfStep { order: OrderState, line: LineState },
    #[error("the order is in progress but no line has started")]
    NothingStarted,
    #[error("a returned order needs lines, all with issued certificates")]
    ReturnedUnfinished,
    #[error("a rejected or cancelled order needs its reason")]
    MissingReason,
    #[error("line {0} lacks what its state requires (technician, calibrator, approver, number, diagnosis, quote or document)")]
    MissingRecord(Uuid),
    #[error("line {0} was approved by the person who calibrated it")]
    SelfApproved(Uuid),
}

fn reason(text: &str) -> Result<String, TransitionError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(TransitionError::ReasonRequired);
    }
    if t.chars().count() > MAX_REASON_CHARS || t.chars().any(char::is_control) {
        return Err(TransitionError::TextTooLong {
            max: MAX_REASON_CHARS,
        });
    }
    Ok(t.to_owned())
}

impl Workflow {
    /// A new order: submitted, every line pending.
    pub fn submitted(lines: impl IntoIterator<Item = Uuid>) -> Workflow {
        Workflow {
            state: OrderState::Submitted,
            reason: None,
            lines: lines.into_iter().map(LineWork::pending).collect(),
        }
    }

    pub fn line(&self, id: Uuid) -> Option<&LineWork> {
        self.lines.iter().find(|l| l.line_id == id)
    }

    /// Adds a pending line (the caller asked [`can_edit`] with [`EditScope::AddLine`]).
    pub fn add_line(&mut self, id: Uuid) {
        if self.line(id).is_none() {
            self.lines.push(LineWork::pending(id));
        }
    }

    pub fn stage(&self) -> Stage {
        match self.state {
            OrderState::Submitted => Stage::Submitted,
            OrderState::Accepted => Stage::Accepted,
            OrderState::Rejected => Stage::Rejected,
            OrderState::Received => Stage::Received,
            OrderState::Returned => Stage::Returned,
            OrderState::Cancelled => Stage::Cancelled,
            OrderState::InProgress => self
                .lines
                .iter()
                .map(|l| match l.state {
                    LineState::AwaitingReview => Stage::AwaitingReview,
                    LineState::Approved => Stage::Approved,
                    LineState::CertificateIssued => Stage::CertificateIssued,
                    _ => Stage::InProgress,
                })
                .min_by_key(|s| match s {
                    Stage::InProgress => 0,
                    Stage::AwaitingReview => 1,
                    Stage::Approved => 2,
                    _ => 3,
                })
                .unwrap_or(Stage::InProgress),
        }
    }

    /// The invariants every reachable workflow holds.
    pub fn check(&self) -> Result<(), InvariantError> {
        let mut seen = std::collections::HashSet::new();
        for l in &self.lines {
            if !seen.insert(l.line_id) {
                return Err(InvariantError::DuplicateLine(l.line_id));
            }
            let ok = match l.state {
                LineState::Pending => l.technician.is_none() && l.calibrated_by.is_none(),
                s => {
                    l.technician.is_some()
                        && (!matches!(
                            s,
                            LineState::Diagnosed
                                | LineState::Quoted
                                | LineState::QuoteAccepted
                                | LineState::QuoteDeclined
                                | LineState::Repaired
                        ) || l.diagnosis.is_some())
                        && (!matches!(
                            s,
                            LineState::Quoted
                                | LineState::QuoteAccepted
                                | LineState::QuoteDeclined
                                | LineState::Repaired
                        ) || l.quote.is_some())
                        && (!matches!(
                            s,
                            LineState::AwaitingReview
                                | LineState::Approved
                                | LineState::CertificateIssued
                        ) || l.calibrated_by.is_some())
                        && (!matches!(s, LineState::Approved | LineState::CertificateIssued)
                            || (l.approved_by.is_some() && l.certificate_no.is_some()))
                        && (s != LineState::CertificateIssued || l.document_sha256.is_some())
                }
            };
            if !ok {
                return Err(InvariantError::MissingRecord(l.line_id));
            }
            if l.approved_by.is_some() && l.approved_by == l.calibrated_by {
                return Err(InvariantError::SelfApproved(l.line_id));
            }
            let in_step = match self.state {
                OrderState::InProgress | OrderState::Returned => true,
                _ => l.state == LineState::Pending,
            };
            if !in_step {
                return Err(InvariantError::LineOutOfStep {
                    order: self.state,
                    line: l.state,
                });
            }
        }
        match self.state {
            OrderState::InProgress if self.lines.iter().all(|l| l.state == LineState::Pending) => {
                Err(InvariantError::NothingStarted)
            }
            OrderState::Returned
                if self.lines.is_empty()
                    || self
                        .lines
                        .iter()
                        .any(|l| l.state != LineState::CertificateIssued) =>
            {
                Err(InvariantError::ReturnedUnfinished)
            }
            OrderState::Rejected | OrderState::Cancelled if self.reason.is_none() => {
                Err(InvariantError::MissingReason)
            }
            _ => Ok(()),
        }
    }
}

/// Who may submit a new order: the customer (through the node), or lab staff at the desk.
pub fn can_submit(actor: &Actor) -> Result<(), TransitionError> {
    match actor.role {
        Role::Customer | Role::EnterpriseAdmin | Role::Technician => Ok(()),
        role => Err(TransitionError::MayNotSubmit { role }),
    }
}

/// Whether `actor` is the line's assigned technician (a technician or an admin working).
fn is_assigned(line: &LineWork, actor: &Actor) -> Result<(), TransitionError> {
    match &line.technician {
        Some(t) if *t == actor.id => Ok(()),
        t => Err(TransitionError::NotAssignedTechnician {
            technician: t.clone().unwrap_or_default(),
        }),
    }
}

/// Takes one action. Checks, in order: the order is not closed; the action fits its target;
/// the edge exists from the current state; the actor's role may take it; the action's own
/// rules (assigned technician, no self-approval, results ready, ...). The result satisfies
/// [`Workflow::check`].
pub fn transition(
    wf: &Workflow,
    cmd: &Command,
    actor: &Actor,
    ctx: &Context<'_>,
) -> Result<Transitioned, TransitionError> {
    use LineState as L;
    use OrderState as O;
    let kind = cmd.action.kind();
    if wf.state.is_terminal() {
        return Err(TransitionError::Terminal { state: wf.state });
    }
    let role_ok = || {
        if kind.roles().contains(&actor.role) {
            Ok(())
        } else {
            Err(TransitionError::Forbidden {
                action: kind,
                role: actor.role,
            })
        }
    };
    let not_allowed = |from: &str| TransitionError::NotAllowed {
        action: kind,
        from: from.to_owned(),
    };
    let mut next = wf.clone();
    let mut calibration = None;
    let (from, to) = match (cmd.line, kind.is_line_action()) {
        (Some(_), false) => return Err(TransitionError::NotALineAction { action: kind }),
        (None, true) => return Err(TransitionError::LineRequired { action: kind }),
        (None, false) => {
            let to = match (wf.state, &cmd.action) {
                (O::Submitted, Action::Accept) => {
                    role_ok()?;
                    if wf.lines.is_empty() {
                        return Err(TransitionError::NoLines);
                    }
                    O::Accepted
                }
                (O::Submitted, Action::Reject { reason: r }) => {
                    role_ok()?;
                    next.reason = Some(reason(r)?);
                    O::Rejected
                }
                (O::Accepted, Action::Receive) => {
                    role_ok()?;
                    if wf.lines.is_empty() {
                        return Err(TransitionError::NoLines);
                    }
                    O::Received
                }
                (O::Submitted | O::Accepted | O::Received, Action::Cancel { reason: r }) => {
                    role_ok()?;
                    if actor.role == Role::Customer && wf.state != O::Submitted {
                        return Err(TransitionError::CustomerCancelTooLate);
                    }
                    next.reason = Some(reason(r)?);
                    O::Cancelled
                }
                (O::InProgress, Action::Cancel { .. }) => return Err(TransitionError::WorkStarted),
                (O::InProgress, Action::Return) => {
                    role_ok()?;
                    let remaining = wf
                        .lines
                        .iter()
                        .filter(|l| l.state != L::CertificateIssued)
                        .count();
                    if remaining > 0 {
                        return Err(TransitionError::LinesNotDone { remaining });
                    }
                    O::Returned
                }
                (from, _) => return Err(not_allowed(from.as_str())),
            };
            next.state = to;
            (wf.state.as_str(), to.as_str())
        }
        (Some(line_id), true) => {
            if !matches!(wf.state, O::Received | O::InProgress) {
                return Err(TransitionError::OrderNotOpen { state: wf.state });
            }
            let idx = wf
                .lines
                .iter()
                .position(|l| l.line_id == line_id)
                .ok_or(TransitionError::UnknownLine { line: line_id })?;
            let cur = &wf.lines[idx];
            let line = &mut next.lines[idx];
            let to = match (cur.state, &cmd.action) {
                (L::Pending, Action::Assign { technician }) => {
                    role_ok()?;
                    let t = technician.trim();
                    if t.is_empty() {
                        return Err(TransitionError::TechnicianRequired);
                    }
                    if actor.role == Role::Technician && t != actor.id {
                        return Err(TransitionError::AssignOthers);
                    }
                    line.technician = Some(t.to_owned());
                    next.state = O::InProgress;
                    L::InProgress
                }
                (s, Action::Assign { technician }) if s.is_working() => {
                    role_ok()?;
                    if actor.role != Role::EnterpriseAdmin {
                        return Err(TransitionError::AssignOthers);
                    }
                    let t = technician.trim();
                    if t.is_empty() {
                        return Err(TransitionError::TechnicianRequired);
                    }
                    line.technician = Some(t.to_owned());
                    s
                }
                (L::InProgress, Action::Diagnose { diagnosis }) => {
                    role_ok()?;
                    is_assigned(cur, actor)?;
                    line.diagnosis = Some(reason(diagnosis)?);
                    L::Diagnosed
                }
                (L::Diagnosed, Action::Quote { amount, note }) => {
                    role_ok()?;
                    if actor.role == Role::Technician {
                        is_assigned(cur, actor)?;
                    }
                    if amount.is_sign_negative() && !amount.is_zero() {
                        return Err(TransitionError::NegativeQuote);
                    }
                    let note = match note.as_deref().map(str::trim) {
                        None | Some("") => None,
                        Some(n) => Some(reason(n)?),
                    };
                    line.quote = Some(Quote {
                        amount: *amount,
                        note,
                    });
                    L::Quoted
                }
                (L::Quoted, Action::AcceptQuote) => {
                    role_ok()?;
                    L::QuoteAccepted
                }
                (L::Quoted, Action::DeclineQuote) => {
                    role_ok()?;
                    L::QuoteDeclined
                }
                (L::QuoteAccepted, Action::MarkRepaired) => {
                    role_ok()?;
                    is_assigned(cur, actor)?;
                    L::Repaired
                }
                (L::InProgress | L::QuoteDeclined | L::Repaired, Action::SubmitForReview) => {
                    role_ok()?;
                    is_assigned(cur, actor)?;
                    let content = ctx.lines.iter().find(|l| l.line_id == line_id);
                    let problems = match content {
                        Some(l) => l.results.problems_for_review(ctx.service, ctx.today),
                        None => vec![ResultProblem::MissingConclusion],
                    };
                    if !problems.is_empty() {
                        return Err(TransitionError::NotReady { problems });
                    }
                    line.calibrated_by = Some(actor.id.clone());
                    line.sent_back = None;
                    L::AwaitingReview
                }
                (L::AwaitingReview, Action::SendBack { reason: r }) => {
                    role_ok()?;
                    line.sent_back = Some(reason(r)?);
                    line.calibrated_by = None;
                    L::InProgress
                }
                (L::AwaitingReview, Action::Approve) => {
                    role_ok()?;
                    let calibrator = cur.calibrated_by.clone().unwrap_or_default();
                    if actor.id == calibrator || cur.technician.as_deref() == Some(&actor.id) {
                        return Err(TransitionError::SelfApproval {
                            person: actor.id.clone(),
                        });
                    }
                    let content = ctx.lines.iter().find(|l| l.line_id == line_id);
                    let measured = matches!(
                        ctx.service,
                        ServiceType::Calibration | ServiceType::Verification
                    );
                    let certificate_no = ctx.number.certificate_number(idx + 1);
                    if measured {
                        let (Some(content), Some(identifier)) =
                            (content, content.and_then(|c| c.instrument.identifier()))
                        else {
                            return Err(TransitionError::InstrumentNotRegistered);
                        };
                        let (Some(date), Some(conclusion)) = (
                            content.results.calibration_date,
                            content.results.conclusion.as_ref(),
                        ) else {
                            return Err(TransitionError::NotReady {
                                problems: content
                                    .results
                                    .problems_for_review(ctx.service, ctx.today),
                            });
                        };
                        calibration = Some(CalibrationUpdate {
                            identifier: identifier.clone(),
                            date,
                            result: conclusion.result(),
                            restriction: match conclusion {
                                Conclusion::Restricted { restriction } => Some(restriction.clone()),
                                _ => None,
                            },
                            certificate_no: certificate_no.clone(),
                            calibrated_by: calibrator,
                            approved_by: actor.id.clone(),
                        });
                    }
                    line.approved_by = Some(actor.id.clone());
                    line.certificate_no = Some(certificate_no);
                    L::Approved
                }
                (L::Approved, Action::IssueCertificate { document_sha256 }) => {
                    role_ok()?;
                    let h = document_sha256.trim().to_ascii_lowercase();
                    if h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
                        return Err(TransitionError::BadDocumentHash);
                    }
                    line.document_sha256 = Some(h);
                    L::CertificateIssued
                }
                (from, _) => return Err(not_allowed(from.as_str())),
            };
            line.state = to;
            (cur.state.as_str(), to.as_str())
        }
    };
    next.check().map_err(TransitionError::Invariant)?;
    Ok(Transitioned {
        order_from: wf.state,
        order_to: next.state,
        workflow: next,
        from,
        to,
        calibration,
    })
}

/// What a field edit touches, for [`can_edit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EditScope {
    /// Customer organisation, priority, dates, notes.
    Header,
    /// The contact's name and phone.
    Contact,
    /// The service type: fixed once the instruments are received.
    Service,
    Attachments,
    AddLine,
    /// Which instrument (e.g. linking a draft to its new registration).
    LineInstrument,
    /// Condition at intake, accessories.
    LineIntake,
    /// Everything the technician measures and concludes.
    LineResults,
}

/// Whether `actor` may edit `scope` (of `line`, for line scopes) now.
pub fn can_edit(
    wf: &Workflow,
    scope: EditScope,
    line: Option<Uuid>,
    actor: &Actor,
) -> Result<(), TransitionError> {
    use EditScope as E;
    use OrderState as O;
    use Role as R;
    if wf.state.is_terminal() {
        return Err(TransitionError::Terminal { state: wf.state });
    }
    let line_work = match (scope, line) {
        (E::LineInstrument | E::LineIntake | E::LineResults, Some(id)) => Some(
            wf.line(id)
                .ok_or(TransitionError::UnknownLine { line: id })?,
        ),
        (E::LineInstrument | E::LineIntake | E::LineResults, None) => {
            return Err(TransitionError::NotEditable {
                scope,
                order: wf.state,
                line: None,
            })
        }
        _ => None,
    };
    let line_state = line_work.map(|l| l.state);
    let customer_time = actor.role == R::Customer && wf.state == O::Submitted;
    let allowed = match scope {
        E::Header | E::Contact => actor.role == R::EnterpriseAdmin || customer_time,
        E::Service => {
            (actor.role == R::EnterpriseAdmin && matches!(wf.state, O::Submitted | O::Accepted))
                || customer_time
        }
        E::Attachments => {
            actor.role == R::EnterpriseAdmin
                || customer_time
                || (actor.role == R::Technician && matches!(wf.state, O::Received | O::InProgress))
        }
        E::AddLine => {
            actor.role == R::EnterpriseAdmin
                || customer_time
                || (actor.role == R::Technician && matches!(wf.state, O::Received | O::InProgress))
        }
        E::LineInstrument => {
            let open = line_state.is_some_and(|s| s == LineState::Pending || s.is_working());
            customer_time || (open && matches!(actor.role, R::EnterpriseAdmin | R::Technician))
        }
        E::LineIntake => {
            let pending = line_state == Some(LineState::Pending);
            customer_time || (pending && matches!(actor.role, R::EnterpriseAdmin | R::Technician))
        }
        E::LineResults => {
            let working = line_state.is_some_and(LineState::is_working);
            let assigned = line_work.and_then(|l| l.technician.as_deref()) == Some(&actor.id);
            if working && !assigned && matches!(actor.role, R::EnterpriseAdmin | R::Technician) {
                return Err(TransitionError::NotAssignedTechnician {
                    technician: line_work
                        .and_then(|l| l.technician.clone())
                        .unwrap_or_default(),
                });
            }
            working && assigned && matches!(actor.role, R::EnterpriseAdmin | R::Technician)
        }
    };
    if allowed {
        Ok(())
    } else {
        Err(TransitionError::NotEditable {
            scope,
            order: wf.state,
            line: line_state,
        })
    }
}

/// The actions `actor` can take now (for "only the actions valid now" in the UI): each kind
/// tried with stand-in data (a reason, the actor as technician, a zero quote, a zero hash); a
/// person still supplies the real data.
pub fn available_actions(
    wf: &Workflow,
    actor: &Actor,
    ctx: &Context<'_>,
) -> Vec<(Option<Uuid>, ActionKind)> {
    let stand_in = |k: ActionKind| match k {
        ActionKind::Accept => Action::Accept,
        ActionKind::Reject => Action::Reject { reason: "-".into() },
        ActionKind::Receive => Action::Receive,
        ActionKind::Cancel => Action::Cancel { reason: "-".into() },
        ActionKind::Return => Action::Return,
        ActionKind::Assign => Action::Assign {
            technician: actor.id.clone(),
        },
        ActionKind::Diagnose => Action::Diagnose {
            diagnosis: "-".into(),
        },
        ActionKind::Quote => Action::Quote {
            amount: Decimal::ZERO,
            note: None,
        },
        ActionKind::AcceptQuote => Action::AcceptQuote,
        ActionKind::DeclineQuote => Action::DeclineQuote,
        ActionKind::MarkRepaired => Action::MarkRepaired,
        ActionKind::SubmitForReview => Action::SubmitForReview,
        ActionKind::SendBack => Action::SendBack { reason: "-".into() },
        ActionKind::Approve => Action::Approve,
        ActionKind::IssueCertificate => Action::IssueCertificate {
            document_sha256: "0".repeat(64),
        },
    };
    let targets = std::iter::once(None).chain(wf.lines.iter().map(|l| Some(l.line_id)));
    let mut out = Vec::new();
    for target in targets {
        for &k in ActionKind::ALL {
            if k.is_line_action() != target.is_some() {
                continue;
            }
            let cmd = Command {
                line: target,
                action: stand_in(k),
            };
            if transition(wf, &cmd, actor, ctx).is_ok() {
                out.push((target, k));
            }
        }
    }
    out
}
