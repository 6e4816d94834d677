//! Orders in the store (`src/orders.rs`): every workflow step through the store with its row,
//! outbox op and audit entry in one transaction; a refused step writes nothing; approval writes
//! the instrument's calibration in the same transaction; edits follow the workflow's rules.

mod common;

use common::orders::*;
use common::{fixture, id, instrument};
use idstation_model::order::{
    Action, Actor, Conclusion, LineState, OrderOp, OrderState, Protected, Role, ServiceType, Stage,
    TransitionError, MAX_ATTACHMENT_BYTES,
};
use idstation_model::{CalibrationResult, EntityKind, InstrumentStatus, OpKind};
use idstation_store::{Store, StoreError};

fn counts(store: &Store) -> (i64, i64) {
    let c = store.check_consistency().expect("check");
    (c.outbox_ops, c.audit_entries)
}

fn assert_sound(store: &Store) {
    let c = store.check_consistency().expect("check");
    assert!(c.is_consistent(), "{c:?}");
    assert!(store.audit_verify().expect("verify").is_intact());
}

/// A store with two registered instruments (12-month interval) and one order for them.
fn with_order(service: ServiceType) -> (common::Fixture, String) {
    let mut f = fixture();
    for i in ["88.118.8/A-1", "88.118.8/A-2"] {
        f.store
            .insert_instrument("a", &instrument(i, "数显卡尺", "500-196"))
            .expect("insert");
    }
    let rec = f
        .store
        .create_order(
            &admin(),
            &new_order(
                "上海华东精密机械有限公司",
                service,
                &["88.118.8/A-1", "88.118.8/A-2"],
            ),
            today(),
        )
        .expect("create");
    (f, rec.order.number.to_string())
}

#[test]
fn creating_an_order_mints_its_number_and_writes_row_op_and_audit_together() {
    let (f, number) = with_order(ServiceType::Calibration);
    let tag = idstation_model::order::DeviceTag::of_device(f.store.device().device_id);
    assert_eq!(number, format!("WO-2026-{}-000001", tag.as_str()));
    let rec = f.store.get_order(&number).expect("get").expect("exists");
    assert_eq!(rec.workflow.state, OrderState::Submitted);
    assert_eq!(rec.stage, Stage::Submitted);
    assert_eq!(rec.lines.len(), 2);
    assert_eq!(rec.contact, Some(contact()));
    assert_eq!(rec.version, 1);
    let ops = f.store.pending_ops(100).expect("ops");
    let op = ops.last().expect("op");
    assert_eq!((op.entity, op.kind), (EntityKind::Order, OpKind::Create));
    assert_eq!(op.entity_id, number);
    match op.payload.parse::<OrderOp>().expect("order op") {
        OrderOp::Create { contact, lines, .. } => {
            assert!(
                matches!(contact, Some(Protected::Sealed { .. })),
                "{contact:?}"
            );
            assert_eq!(lines.len(), 2);
        }
        other => panic!("{other:?}"),
    }
    let audit = f.store.audit_entries(Some(&number), 10).expect("audit");
    assert_eq!(audit.len(), 1);
    assert_eq!(
        (audit[0].action.as_str(), audit[0].actor.as_str()),
        ("create", "admin")
    );
    assert_eq!(
        audit[0].op_id.as_deref(),
        Some(op.op_id.to_string().as_str())
    );
    assert_sound(&f.store);

    // The next order takes the next number of this device.
    let mut f = f;
    let second = f
        .store
        .create_order(
            &tech(),
            &new_order("乙厂", ServiceType::Repair, &["88.118.8/A-1"]),
            today(),
        )
        .expect("create");
    assert_eq!(second.order.number.sequence(), 2);
    // A reviewer does not take orders at the desk.
    assert!(matches!(
        f.store.create_order(
            &reviewer(),
            &new_order("丙厂", ServiceType::Repair, &[]),
            today()
        ),
        Err(StoreError::OrderRefused(
            TransitionError::MayNotSubmit { .. }
        ))
    ));
}

#[test]
fn every_calibration_step_goes_through_the_store_and_approval_calibrates_the_instrument() {
    let (mut f, number) = with_order(ServiceType::Calibration);
    let s = &mut f.store;
    let rec = received(s, &number);
    assert_eq!(rec.workflow.state, OrderState::Received);
    let (l1, l2) = (rec.lines[0].line_id, rec.lines[1].line_id);

    let rec = line_step(
        s,
        &tech(),
        &number,
        l1,
        Action::Assign {
            technician: "tech1".into(),
        },
    );
    assert_eq!(rec.workflow.state, OrderState::InProgress);
    line_step(
        s,
        &admin(),
        &number,
        l2,
        Action::Assign {
            technician: "tech2".into(),
        },
    );
    let rec = enter_results(s, &tech(), &rec, 0);
    assert_eq!(
        rec.lines[0].results,
        complete_results(),
        "points come back from their rows"
    );
    let rec = line_step(s, &tech(), &number, l1, Action::SubmitForReview);
    assert_eq!(rec.workflow.lines[0].state, LineState::AwaitingReview);
    assert_eq!(rec.stage, Stage::InProgress, "line 2 is still being worked");

    let (ops_before, audit_before) = counts(s);
    let rec = line_step(s, &reviewer(), &number, l1, Action::Approve);
    let w = &rec.workflow.lines[0];
    assert_eq!(w.state, LineState::Approved);
    assert_eq!(
        w.certificate_no.as_deref(),
        Some(format!("{number}-01").as_str())
    );
    // One transaction: the order's op and the instrument's op, each audited.
    assert_eq!(counts(s), (ops_before + 2, audit_before + 2));
    let inst = s
        .get_instrument(&id("88.118.8/A-1"))
        .expect("get")
        .expect("inst");
    let cal = &inst.instrument.calibration;
    assert_eq!(cal.last_date, Some(day("2026-03-10")));
    assert_eq!(
        cal.next_due,
        Some(day("2027-03-10")),
        "from the owner's 12-month interval"
    );
    assert_eq!(cal.result, Some(CalibrationResult::Pass));
    assert_eq!(
        cal.certificate_no.as_deref(),
        Some(format!("{number}-01").as_str())
    );
    assert_eq!(cal.calibrated_by.as_deref(), Some("tech1"));
    assert_eq!(cal.approved_by.as_deref(), Some("rev"));
    let audit = s.audit_entries(Some("88.118.8/A-1"), 1).expect("audit");
    assert_eq!(audit[0].action, "calibrate");

    line_step(
        s,
        &admin(),
        &number,
        l1,
        Action::IssueCertificate {
            document_sha256: "c".repeat(64),
        },
    );
    // Line 2: 准用 with its restriction sets the instrument restricted.
    let rec = s.get_order(&number).expect("get").expect("order");
    let mut l = rec.lines[1].clone();
    l.results = complete_results();
    l.results.conclusion = Some(Conclusion::Restricted {
        restriction: "仅限 0-100 mm".into(),
    });
    s.edit_order_line(&tech2(), &number, &l)
        .expect("edit")
        .expect("changed");
    line_step(s, &tech2(), &number, l2, Action::SubmitForReview);
    line_step(s, &reviewer(), &number, l2, Action::Approve);
    let inst = s
        .get_instrument(&id("88.118.8/A-2"))
        .expect("get")
        .expect("inst");
    assert_eq!(inst.instrument.status, InstrumentStatus::Restricted);
    let rec = line_step(
        s,
        &reviewer(),
        &number,
        l2,
        Action::IssueCertificate {
            document_sha256: "d".repeat(64),
        },
    );
    assert_eq!(rec.stage, Stage::CertificateIssued);
    let rec = order_step(s, &admin(), &number, Action::Return);
    assert_eq!(rec.workflow.state, OrderState::Returned);
    assert!(rec.closed_at.is_some());
    // Create, accept, receive, 2 assigns, 2 edits, 2 submits, 2 approvals, 2 issues, return.
    assert_eq!(rec.version, 14);
    assert_sound(s);

    // A returned order is closed to everything.
    let refused = s.order_transition(
        &admin(),
        &number,
        &idstation_model::order::Command::order(Action::Return),
        today(),
    );
    assert!(matches!(
        refused,
        Err(StoreError::OrderRefused(TransitionError::Terminal { .. }))
    ));
}

#[test]
fn the_repair_branch_runs_through_the_store_without_touching_the_calibration() {
    let (mut f, number) = with_order(ServiceType::Repair);
    let s = &mut f.store;
    let rec = received(s, &number);
    let (l1, l2) = (rec.lines[0].line_id, rec.lines[1].line_id);
    for (line, accept) in [(l1, true), (l2, false)] {
        line_step(
            s,
            &tech(),
            &number,
            line,
            Action::Assign {
                technician: "tech1".into(),
            },
        );
        line_step(
            s,
            &tech(),
            &number,
            line,
            Action::Diagnose {
                diagnosis: "显示屏损坏".into(),
            },
        );
        line_step(
            s,
            &tech(),
            &number,
            line,
            Action::Quote {
                amount: rust_decimal::Decimal::new(45000, 2),
                note: None,
            },
        );
        if accept {
            line_step(s, &admin(), &number, line, Action::AcceptQuote);
            line_step(s, &tech(), &number, line, Action::MarkRepaired);
        } else {
            let rec = line_step(
                s,
                &Actor::new("cust", Role::Customer),
                &number,
                line,
                Action::DeclineQuote,
            );
            assert_eq!(rec.workflow.lines[1].state, LineState::QuoteDeclined);
        }
        let rec = s.get_order(&number).expect("get").expect("o");
        let mut l = rec
            .lines
            .iter()
            .find(|l| l.line_id == line)
            .expect("line")
            .clone();
        l.results.conclusion = Some(if accept {
            Conclusion::Pass
        } else {
            Conclusion::Fail
        });
        s.edit_order_line(&tech(), &number, &l).expect("edit");
        line_step(s, &tech(), &number, line, Action::SubmitForReview);
        line_step(s, &reviewer(), &number, line, Action::Approve);
        line_step(
            s,
            &reviewer(),
            &number,
            line,
            Action::IssueCertificate {
                document_sha256: "e".repeat(64),
            },
        );
    }
    let inst = s
        .get_instrument(&id("88.118.8/A-1"))
        .expect("get")
        .expect("i");
    assert_eq!(
        inst.version, 1,
        "a repair approval leaves the calibration alone"
    );
    let rec = order_step(s, &tech(), &number, Action::Return);
    assert_eq!(rec.stage, Stage::Returned);
    assert_sound(s);
}

#[test]
fn a_refused_step_writes_nothing() {
    let (mut f, number) = with_order(ServiceType::Calibration);
    let s = &mut f.store;
    let rec = received(s, &number);
    let l1 = rec.lines[0].line_id;
    line_step(
        s,
        &tech(),
        &number,
        l1,
        Action::Assign {
            technician: "tech1".into(),
        },
    );
    let rec = enter_results(s, &tech(), &s.get_order(&number).expect("g").expect("o"), 0);
    line_step(s, &tech(), &number, l1, Action::SubmitForReview);
    let before = s.get_order(&number).expect("get").expect("o");
    let counts_before = counts(s);
    let inst_before = s.get_instrument(&id("88.118.8/A-1")).expect("g");
    let cmd = |a| idstation_model::order::Command::line(l1, a);
    for (actor, action, want) in [
        // The calibrator, even as an admin account, may not approve.
        (tech(), Action::Approve, "Forbidden"),
        (
            Actor::new("tech1", Role::EnterpriseAdmin),
            Action::Approve,
            "SelfApproval",
        ),
        (reviewer(), Action::MarkRepaired, "NotAllowed"),
        (
            admin(),
            Action::IssueCertificate {
                document_sha256: "f".repeat(64),
            },
            "NotAllowed",
        ),
    ] {
        let got = s.order_transition(&actor, &number, &cmd(action), today());
        match got {
            Err(StoreError::OrderRefused(e)) => {
                assert!(format!("{e:?}").starts_with(want), "{e:?}")
            }
            other => panic!("{other:?}"),
        }
    }
    let refused = s.order_transition(
        &Actor::new("c", Role::Customer),
        &number,
        &idstation_model::order::Command::order(Action::Cancel {
            reason: "不要了".into(),
        }),
        today(),
    );
    assert!(matches!(
        refused,
        Err(StoreError::OrderRefused(TransitionError::WorkStarted))
    ));
    assert_eq!(counts(s), counts_before);
    assert_eq!(s.get_order(&number).expect("get").expect("o"), before);
    assert_eq!(
        s.get_instrument(&id("88.118.8/A-1")).expect("g"),
        inst_before
    );
    let _ = rec;
    assert_sound(s);
}

#[test]
fn an_approval_whose_instrument_is_missing_rolls_back_whole() {
    let mut f = fixture();
    f.store
        .insert_instrument("a", &instrument("88.118.8/A-1", "卡尺", "x"))
        .expect("insert");
    let rec = f
        .store
        .create_order(
            &admin(),
            &new_order("甲厂", ServiceType::Calibration, &["88.118.8/B-404"]),
            today(),
        )
        .expect("create");
    let number = rec.order.number.to_string();
    let s = &mut f.store;
    received(s, &number);
    let l1 = rec.lines[0].line_id;
    line_step(
        s,
        &tech(),
        &number,
        l1,
        Action::Assign {
            technician: "tech1".into(),
        },
    );
    enter_results(s, &tech(), &s.get_order(&number).expect("g").expect("o"), 0);
    line_step(s, &tech(), &number, l1, Action::SubmitForReview);
    let before = counts(s);
    let got = s.order_transition(
        &reviewer(),
        &number,
        &idstation_model::order::Command::line(l1, Action::Approve),
        today(),
    );
    assert!(
        matches!(got, Err(StoreError::NotFound(ref i)) if i == "88.118.8/B-404"),
        "{got:?}"
    );
    assert_eq!(counts(s), before);
    let rec = s.get_order(&number).expect("get").expect("o");
    assert_eq!(rec.workflow.lines[0].state, LineState::AwaitingReview);
    assert_sound(s);
}

#[test]
fn edits_follow_the_workflow_and_bad_results_are_refused() {
    let (mut f, number) = with_order(ServiceType::Calibration);
    let s = &mut f.store;
    // While submitted the admin may change anything in the header, the contact included.
    let mut fields = fields("上海华东精密机械有限公司", ServiceType::Verification);
    fields.notes = Some("客户要求加急".into());
    let mut c = contact();
    c.phone = "13900001111".into();
    let rec = s
        .edit_order(&admin(), &number, &fields, Some(&c), Some(1))
        .expect("edit")
        .expect("changed");
    assert_eq!(rec.order.service, ServiceType::Verification);
    assert_eq!(rec.contact, Some(c.clone()));
    let op = s.pending_ops(100).expect("ops").pop().expect("op");
    match op.payload.parse::<OrderOp>().expect("op") {
        OrderOp::Edit { changes, .. } => {
            let keys: Vec<&String> = changes.keys().collect();
            assert_eq!(keys, ["contact", "notes", "service"]);
            assert!(
                changes["contact"][1]["sealed"].is_string(),
                "sealed in the outbox"
            );
        }
        other => panic!("{other:?}"),
    }
    // Nothing changed writes nothing; a stale version is refused.
    assert_eq!(
        s.edit_order(&admin(), &number, &fields, Some(&c), None)
            .expect("edit"),
        None
    );
    assert!(matches!(
        s.edit_order(&admin(), &number, &fields, None, Some(1)),
        Err(StoreError::VersionConflict {
            expected: 1,
            actual: 2,
            ..
        })
    ));
    // A technician may not touch the header; the service is fixed once received.
    assert!(matches!(
        s.edit_order(&tech(), &number, &fields, None, None),
        Err(StoreError::OrderRefused(
            TransitionError::NotEditable { .. }
        ))
    ));
    let rec = received(s, &number);
    let mut later = fields.clone();
    later.service = ServiceType::Repair;
    assert!(matches!(
        s.edit_order(&admin(), &number, &later, Some(&c), None),
        Err(StoreError::OrderRefused(
            TransitionError::NotEditable { .. }
        ))
    ));
    // Results: only the assigned technician, and never with an overdue standard.
    let l1 = rec.lines[0].line_id;
    line_step(
        s,
        &tech(),
        &number,
        l1,
        Action::Assign {
            technician: "tech1".into(),
        },
    );
    let rec = s.get_order(&number).expect("g").expect("o");
    let mut line = rec.lines[0].clone();
    line.results = complete_results();
    assert!(matches!(
        s.edit_order_line(&tech2(), &number, &line),
        Err(StoreError::OrderRefused(
            TransitionError::NotAssignedTechnician { .. }
        ))
    ));
    line.results.standards[0].due_date = day("2026-03-09");
    assert!(matches!(
        s.edit_order_line(&tech(), &number, &line),
        Err(StoreError::LineInvalid(ref p)) if matches!(p[0], idstation_model::order::ResultProblem::StandardOverdue { .. })
    ));
    // A line added during the work, by a technician at the desk.
    let added = s
        .add_order_line(&tech(), &number, &line_for("88.118.8/A-1"))
        .expect("add");
    assert_eq!(added.lines.len(), 3);
    assert_eq!(added.workflow.lines[2].state, LineState::Pending);
    assert_sound(s);
}

#[test]
fn rejected_and_cancelled_orders_keep_their_reason_and_close() {
    let (mut f, number) = with_order(ServiceType::Calibration);
    let s = &mut f.store;
    let rec = order_step(
        s,
        &admin(),
        &number,
        Action::Reject {
            reason: "超出本实验室能力范围".into(),
        },
    );
    assert_eq!(rec.workflow.reason.as_deref(), Some("超出本实验室能力范围"));
    assert!(matches!(
        s.add_order_line(&admin(), &number, &line_for("88.118.8/A-1")),
        Err(StoreError::OrderRefused(TransitionError::Terminal { .. }))
    ));
    let second = s
        .create_order(
            &Actor::new("cust", Role::Customer),
            &new_order("乙厂", ServiceType::Calibration, &["88.118.8/A-2"]),
            today(),
        )
        .expect("create");
    let n2 = second.order.number.to_string();
    let rec = order_step(
        s,
        &Actor::new("cust", Role::Customer),
        &n2,
        Action::Cancel {
            reason: "改期".into(),
        },
    );
    assert_eq!(
        (rec.workflow.state, rec.stage),
        (OrderState::Cancelled, Stage::Cancelled)
    );
    assert_sound(s);
}

#[test]
fn attachments_are_kept_once_by_content_and_limited_in_size() {
    let (mut f, number) = with_order(ServiceType::Repair);
    let s = &mut f.store;
    let photo = vec![7u8; 4096];
    let a = s
        .add_order_attachment(&admin(), &number, "收件照片.jpg", "image/jpeg", &photo)
        .expect("attach");
    assert_eq!(a.size, 4096);
    let again = s
        .add_order_attachment(&admin(), &number, "收件照片.jpg", "image/jpeg", &photo)
        .expect("again");
    assert_eq!(again, a);
    assert_eq!(s.attachment_bytes(&a.sha256).expect("bytes"), Some(photo));
    let rec = s.get_order(&number).expect("g").expect("o");
    assert_eq!(rec.order.attachments, vec![a]);
    assert_eq!(rec.version, 2, "the second attach wrote nothing");
    let big = vec![0u8; (MAX_ATTACHMENT_BYTES + 1) as usize];
    assert!(matches!(
        s.add_order_attachment(
            &admin(),
            &number,
            "big.bin",
            "application/octet-stream",
            &big
        ),
        Err(StoreError::AttachmentTooLarge { .. })
    ));
    let blobs: i64 = s
        .connection()
        .query_row("SELECT count(*) FROM blobs", [], |r| r.get(0))
        .expect("count");
    assert_eq!(blobs, 1);
    assert_sound(s);
}

#[test]
fn the_timeline_tells_who_did_what_and_the_chain_holds() {
    let (mut f, number) = with_order(ServiceType::Calibration);
    let s = &mut f.store;
    let rec = received(s, &number);
    line_step(
        s,
        &tech(),
        &number,
        rec.lines[0].line_id,
        Action::Assign {
            technician: "tech1".into(),
        },
    );
    let t = s.order_timeline(&number).expect("timeline");
    let steps: Vec<(&str, &str, Option<&str>)> = t
        .iter()
        .map(|e| (e.action.as_str(), e.actor.as_str(), e.to.as_deref()))
        .collect();
    assert_eq!(
        steps,
        [
            ("create", "admin", Some("submitted")),
            ("accept", "admin", Some("accepted")),
            ("receive", "admin", Some("received")),
            ("assign", "tech1", Some("in_progress")),
        ]
    );
    assert_eq!(
        t[3].line.as_deref(),
        Some(rec.lines[0].line_id.to_string().as_str())
    );
    assert_eq!(t[3].detail.as_deref(), Some("tech1"));
    // Editing the audit trail of an order is caught.
    common::tamper(
        &f.path,
        "UPDATE audit_log SET actor = 'mallory' WHERE action = 'accept'",
    );
    assert!(!f.store.audit_verify().expect("verify").is_intact());
}

#[test]
fn the_check_catches_an_order_row_out_of_step_with_its_workflow() {
    let (f, number) = with_order(ServiceType::Calibration);
    assert_sound(&f.store);
    common::tamper(
        &f.path,
        &format!("UPDATE orders SET stage = 'approved' WHERE number = '{number}'"),
    );
    let c = f.store.check_consistency().expect("check");
    assert_eq!(c.orders_out_of_step, [number.as_str()]);
    let (f, number) = with_order(ServiceType::Calibration);
    common::tamper(
        &f.path,
        "UPDATE order_lines SET state = 'approved' WHERE position = 1",
    );
    assert_eq!(
        f.store
            .check_consistency()
            .expect("check")
            .orders_out_of_step,
        [number.as_str()]
    );
    let (f, number) = with_order(ServiceType::Calibration);
    common::tamper(&f.path, "UPDATE orders SET version = 5");
    assert_eq!(
        f.store
            .check_consistency()
            .expect("check")
            .orders_without_ops,
        [number]
    );
}
