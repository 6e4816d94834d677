//! Orders and sync (`src/order_sync.rs`): an order the node sends is stored (its contact sealed
//! here), checked by the state machine; this device's unconfirmed steps replay over it, and one
//! that lost a race becomes a conflict — never an illegal stored state (a property test walks
//! random local and node steps).

mod common;

use common::fixture;
use common::orders::*;
use idstation_model::order::{
    available_actions, transition, Action, Actor, Command, Context, OrderChange, OrderLine,
    OrderNumber, OrderSnapshot, OrderState, OrderTransitionOp, Priority, Role, ServiceType,
    Workflow,
};
use idstation_store::{Store, StoreError};
use proptest::prelude::*;

fn snapshot() -> OrderSnapshot {
    let number: OrderNumber = "WO-2026-NODE-000007".parse().expect("n");
    let o = new_order(
        "宁波港机械",
        ServiceType::Calibration,
        &["88.118.8/A-1", "88.118.8/A-2"],
    );
    OrderSnapshot {
        order: idstation_model::order::Order {
            number,
            customer: o.fields.customer,
            service: o.fields.service,
            priority: o.fields.priority,
            requested_date: o.fields.requested_date,
            promised_date: o.fields.promised_date,
            notes: None,
            attachments: vec![],
        },
        contact: Some(contact()),
        workflow: Workflow::submitted(o.lines.iter().map(|l| l.line_id)),
        lines: o.lines,
        version: 1,
    }
}

fn change(snap: &OrderSnapshot, transition: Option<OrderTransitionOp>) -> OrderChange {
    OrderChange {
        cursor: snap.version,
        snapshot: snap.clone(),
        transition,
        origin_device: None,
    }
}

/// The node takes a step on its copy: the next snapshot and the op it sends with it.
fn node_step(
    snap: &OrderSnapshot,
    actor: &Actor,
    cmd: Command,
) -> (OrderSnapshot, OrderTransitionOp) {
    let ctx = Context {
        number: &snap.order.number,
        service: snap.order.service,
        today: today(),
        lines: &snap.lines,
    };
    let t = transition(&snap.workflow, &cmd, actor, &ctx).expect("node step");
    let op = OrderTransitionOp {
        order: snap.order.number.clone(),
        line: cmd.line,
        action: cmd.action,
        from: t.from.into(),
        to: t.to.into(),
        actor: actor.clone(),
        date: today(),
    };
    let mut next = snap.clone();
    next.workflow = t.workflow;
    next.version += 1;
    (next, op)
}

fn assert_sound(store: &Store) {
    let c = store.check_consistency().expect("check");
    assert!(c.is_consistent(), "{c:?}");
    assert!(store.audit_verify().expect("verify").is_intact());
}

#[test]
fn an_order_from_the_node_is_stored_with_its_contact_sealed() {
    let mut f = fixture();
    let snap = snapshot();
    let done = f
        .store
        .apply_order_change(&change(&snap, None))
        .expect("apply");
    assert!(done.inserted);
    let rec = f
        .store
        .get_order("wo-2026-node-000007")
        .expect("get")
        .expect("order");
    assert_eq!(rec.contact, Some(contact()));
    assert_eq!(rec.lines, snap.lines);
    assert_eq!(rec.version, 0, "no local op");
    let raw: String = f
        .store
        .connection()
        .query_row("SELECT contact FROM orders", [], |r| r.get(0))
        .expect("contact");
    assert!(raw.starts_with("v1.") && !raw.contains(PHONE));
    let t = f
        .store
        .order_timeline("WO-2026-NODE-000007")
        .expect("timeline");
    assert_eq!(t[0].action, "remote_change");
    assert_sound(&f.store);
}

#[test]
fn a_local_step_that_lost_the_race_becomes_a_conflict_and_the_nodes_state_stands() {
    let mut f = fixture();
    let snap = snapshot();
    f.store
        .apply_order_change(&change(&snap, None))
        .expect("apply");
    let number = snap.order.number.to_string();
    // Offline here: the admin accepts. At the node meanwhile: the customer cancels.
    order_step(&mut f.store, &admin(), &number, Action::Accept);
    let (cancelled, op) = node_step(
        &snap,
        &Actor::new("cust", Role::Customer),
        Command::order(Action::Cancel {
            reason: "送错了".into(),
        }),
    );
    let done = f
        .store
        .apply_order_change(&change(&cancelled, Some(op)))
        .expect("apply");
    assert_eq!((done.replayed, done.conflicts), (0, 1));
    let rec = f.store.get_order(&number).expect("get").expect("order");
    assert_eq!(rec.workflow.state, OrderState::Cancelled);
    assert_eq!(rec.workflow.reason.as_deref(), Some("送错了"));
    let conflicts = f.store.order_conflicts(true).expect("conflicts");
    assert_eq!(conflicts.len(), 1);
    assert_eq!(
        (conflicts[0].number.as_str(), conflicts[0].action.as_str()),
        (number.as_str(), "accept")
    );
    assert!(
        conflicts[0].reason.contains("cancelled"),
        "{}",
        conflicts[0].reason
    );
    // Pulling the same change again records nothing new.
    f.store
        .apply_order_change(&change(&cancelled, None))
        .expect("again");
    assert_eq!(f.store.order_conflicts(false).expect("c").len(), 1);
    f.store
        .resolve_order_conflict("admin", conflicts[0].id)
        .expect("resolve");
    assert!(f.store.order_conflicts(true).expect("c").is_empty());
    assert!(matches!(
        f.store.resolve_order_conflict("admin", conflicts[0].id),
        Err(StoreError::ConflictResolved(_))
    ));
    assert_sound(&f.store);
}

#[test]
fn local_steps_and_edits_that_still_apply_replay_over_the_nodes_change() {
    let mut f = fixture();
    let snap = snapshot();
    f.store
        .apply_order_change(&change(&snap, None))
        .expect("apply");
    let number = snap.order.number.to_string();
    let mut fields = fields("宁波港机械", ServiceType::Calibration);
    fields.notes = Some("周五前取回".into());
    f.store
        .edit_order(&admin(), &number, &fields, Some(&contact()), None)
        .expect("edit");
    order_step(&mut f.store, &admin(), &number, Action::Accept);
    // The node changed the priority (an edit: no transition).
    let mut node = snap.clone();
    node.order.priority = Priority::Express;
    node.version = 2;
    let done = f
        .store
        .apply_order_change(&change(&node, None))
        .expect("apply");
    assert_eq!((done.replayed, done.conflicts), (2, 0));
    let rec = f.store.get_order(&number).expect("get").expect("order");
    assert_eq!(rec.workflow.state, OrderState::Accepted);
    assert_eq!(rec.order.notes.as_deref(), Some("周五前取回"));
    assert_eq!(rec.order.priority, Priority::Express);
    assert_eq!(rec.contact, Some(contact()));
    let positions: Vec<i64> = f
        .store
        .connection()
        .prepare("SELECT position FROM order_lines ORDER BY position")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(positions, [1, 2]);
    assert_sound(&f.store);
}

#[test]
fn a_line_the_node_refused_leaves_with_the_pull_and_the_audit_says_so() {
    let mut f = fixture();
    let snap = snapshot();
    f.store
        .apply_order_change(&change(&snap, None))
        .expect("apply");
    let number = snap.order.number.to_string();
    f.store
        .add_order_line(&admin(), &number, &line_for("88.118.8/A-9"))
        .expect("add");
    // Pushed (the node answered), but the node's order has no such line.
    let last = f.store.outbox_stats().expect("stats").last_seq;
    f.store
        .connection()
        .execute("UPDATE sync_state SET pushed_through_seq = ?1", [last])
        .expect("mark pushed");
    let mut node = snap.clone();
    node.version = 2;
    f.store
        .apply_order_change(&change(&node, None))
        .expect("apply");
    let rec = f.store.get_order(&number).expect("get").expect("order");
    assert_eq!(rec.lines.len(), 2);
    let t = f.store.order_timeline(&number).expect("timeline");
    assert!(t
        .last()
        .and_then(|e| e.detail.as_deref())
        .is_some_and(|d| d.contains("dropped_lines")));
    let c = f.store.check_consistency().expect("check");
    assert!(c.orders_out_of_step.is_empty(), "{c:?}");
}

#[test]
fn an_order_the_machine_could_not_produce_is_refused_and_nothing_is_written() {
    let mut f = fixture();
    let snap = snapshot();
    f.store
        .apply_order_change(&change(&snap, None))
        .expect("apply");
    let before = f.store.check_consistency().expect("check");
    // In progress with no line started: not a reachable workflow.
    let mut bad = snap.clone();
    bad.workflow.state = OrderState::InProgress;
    assert!(matches!(
        f.store.apply_order_change(&change(&bad, None)),
        Err(StoreError::RemoteOrderInvalid(_))
    ));
    // A transition the machine does not allow from what we last had (receive from submitted).
    let mut skipped = snap.clone();
    skipped.workflow.state = OrderState::Received;
    let op = OrderTransitionOp {
        order: snap.order.number.clone(),
        line: None,
        action: Action::Receive,
        from: "submitted".into(),
        to: "received".into(),
        actor: admin(),
        date: today(),
    };
    assert!(matches!(
        f.store.apply_order_change(&change(&skipped, Some(op))),
        Err(StoreError::RemoteOrderInvalid(_))
    ));
    assert_eq!(f.store.check_consistency().expect("check"), before);
    let rec = f
        .store
        .get_order(snap.order.number.as_str())
        .expect("get")
        .expect("o");
    assert_eq!(rec.workflow.state, OrderState::Submitted);
}

const PEOPLE: [(&str, Role); 5] = [
    ("admin", Role::EnterpriseAdmin),
    ("tech1", Role::Technician),
    ("rev", Role::Reviewer),
    ("cust", Role::Customer),
    ("op", Role::Operator),
];

/// Takes the `pick`-th action `who` can take now, if any.
fn pick_step(
    wf: &Workflow,
    number: &OrderNumber,
    lines: &[OrderLine],
    who: usize,
    pick: usize,
) -> Option<(Actor, Command)> {
    let (id, role) = PEOPLE[who % PEOPLE.len()];
    let actor = Actor::new(id, role);
    let ctx = Context {
        number,
        service: ServiceType::Repair,
        today: today(),
        lines,
    };
    let valid = available_actions(wf, &actor, &ctx);
    let (line, kind) = *valid.get(pick % valid.len().max(1))?;
    let action = match kind {
        idstation_model::order::ActionKind::Assign => Action::Assign {
            technician: id.into(),
        },
        idstation_model::order::ActionKind::Reject => Action::Reject { reason: "r".into() },
        idstation_model::order::ActionKind::Cancel => Action::Cancel { reason: "c".into() },
        idstation_model::order::ActionKind::Diagnose => Action::Diagnose {
            diagnosis: "d".into(),
        },
        idstation_model::order::ActionKind::Quote => Action::Quote {
            amount: rust_decimal::Decimal::ONE,
            note: None,
        },
        idstation_model::order::ActionKind::SendBack => Action::SendBack { reason: "s".into() },
        idstation_model::order::ActionKind::IssueCertificate => Action::IssueCertificate {
            document_sha256: "a".repeat(64),
        },
        idstation_model::order::ActionKind::Accept => Action::Accept,
        idstation_model::order::ActionKind::Receive => Action::Receive,
        idstation_model::order::ActionKind::Return => Action::Return,
        idstation_model::order::ActionKind::AcceptQuote => Action::AcceptQuote,
        idstation_model::order::ActionKind::DeclineQuote => Action::DeclineQuote,
        idstation_model::order::ActionKind::MarkRepaired => Action::MarkRepaired,
        idstation_model::order::ActionKind::SubmitForReview => Action::SubmitForReview,
        idstation_model::order::ActionKind::Approve => Action::Approve,
    };
    Some((actor, Command { line, action }))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// The same order, stepped here offline and at the node meanwhile, in any interleaving the
    /// steps allow: after the pull the stored order is one the machine produced, every local
    /// step either replayed or is a conflict, and rows, outbox and audit trail agree.
    #[test]
    fn racing_steps_never_store_an_illegal_state(
        shared in proptest::collection::vec((0usize..5, 0usize..32), 0..6),
        local in proptest::collection::vec((0usize..5, 0usize..32), 1..6),
        remote in proptest::collection::vec((0usize..5, 0usize..32), 0..6),
    ) {
        let mut f = fixture();
        let mut snap = snapshot();
        snap.order.service = ServiceType::Repair;
        for l in &mut snap.lines {
            l.results.conclusion = Some(idstation_model::order::Conclusion::Fail);
        }
        // A common history both sides know.
        for (who, pick) in shared {
            if let Some((actor, cmd)) = pick_step(&snap.workflow, &snap.order.number, &snap.lines, who, pick) {
                snap = node_step(&snap, &actor, cmd).0;
            }
        }
        f.store.apply_order_change(&change(&snap, None)).expect("base");
        let number = snap.order.number.to_string();
        let mut local_steps = 0;
        for (who, pick) in local {
            let rec = f.store.get_order(&number).expect("get").expect("o");
            if let Some((actor, cmd)) = pick_step(&rec.workflow, &snap.order.number, &rec.lines, who, pick) {
                f.store.order_transition(&actor, &number, &cmd, today()).expect("local step");
                local_steps += 1;
            }
        }
        let mut node = snap.clone();
        let mut last = None;
        for (who, pick) in remote {
            if let Some((actor, cmd)) = pick_step(&node.workflow, &node.order.number, &node.lines, who, pick) {
                let (next, op) = node_step(&node, &actor, cmd);
                node = next;
                last = Some(op);
            }
        }
        // The node's last step travels with its snapshot only when it is the one step after
        // the base; otherwise the snapshot alone (checked by the invariants) stands.
        let carried = if node.version == snap.version + 1 { last } else { None };
        let done = f.store.apply_order_change(&change(&node, carried)).expect("apply");
        prop_assert_eq!(done.replayed + done.conflicts, local_steps);
        let rec = f.store.get_order(&number).expect("get").expect("o");
        prop_assert!(rec.workflow.check().is_ok());
        let c = f.store.check_consistency().expect("check");
        prop_assert!(c.is_consistent(), "{:?}", c);
        prop_assert!(f.store.audit_verify().expect("verify").is_intact());
        if node.workflow == snap.workflow {
            prop_assert_eq!(done.conflicts, 0, "nothing raced");
        }
    }
}
