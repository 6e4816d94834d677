//! The order inbox and timeline (`src/order_inbox.rs`): counts per stage, late and due this
//! week against the promised date, filters, search by number, customer and identifier, paging.

mod common;

use common::fixture;
use common::orders::*;
use idstation_model::order::{Action, LineState, Priority, ServiceType, Stage};
use idstation_store::{InboxQuery, OrderFields};

#[test]
fn counts_filters_search_and_paging() {
    let mut f = fixture();
    let s = &mut f.store;
    let mk = |s: &mut idstation_store::Store, customer: &str, ids: &[&str], promised: &str| {
        let mut o = new_order(customer, ServiceType::Calibration, ids);
        o.fields = OrderFields {
            promised_date: Some(day(promised)),
            priority: if customer.contains("急") {
                Priority::Urgent
            } else {
                Priority::Normal
            },
            ..o.fields
        };
        s.create_order(&admin(), &o, today()).expect("create")
    };
    let a = mk(
        s,
        "上海华东精密机械有限公司",
        &["88.118.8/CAL-2026-000001"],
        "2026-03-01",
    );
    let b = mk(
        s,
        "杭州急修仪表厂",
        &["88.118.8/CAL-2026-000002", "88.118.8/CAL-2026-000003"],
        "2026-03-14",
    );
    let c = mk(s, "苏州计量站", &["88.118.8/CAL-2026-000004"], "2026-04-30");
    let d = mk(s, "华东电子", &["88.118.8/CAL-2026-000005"], "2026-03-02");
    let (na, nb, nc, nd) = (
        a.order.number.to_string(),
        b.order.number.to_string(),
        c.order.number.to_string(),
        d.order.number.to_string(),
    );
    received(s, &nb);
    let bl = b.lines[0].line_id;
    line_step(
        s,
        &tech(),
        &nb,
        bl,
        Action::Assign {
            technician: "tech1".into(),
        },
    );
    let rec = s.get_order(&nb).expect("g").expect("o");
    enter_results(s, &tech(), &rec, 0);
    line_step(s, &tech(), &nb, bl, Action::SubmitForReview);
    order_step(s, &admin(), &nc, Action::Accept);
    order_step(
        s,
        &admin(),
        &nd,
        Action::Reject {
            reason: "不在能力范围".into(),
        },
    );

    let q = InboxQuery::new(today());
    let inbox = s.order_inbox(&q).expect("inbox");
    let count = |st: Stage| inbox.counts[st.as_str()];
    assert_eq!(count(Stage::Submitted), 1);
    assert_eq!(count(Stage::Accepted), 1);
    assert_eq!(
        count(Stage::InProgress),
        1,
        "b's second line is not started"
    );
    assert_eq!(count(Stage::Rejected), 1);
    assert_eq!(count(Stage::Returned), 0);
    assert_eq!(
        inbox.late, 1,
        "a is open and past its promised date; d is rejected"
    );
    assert_eq!(inbox.due_this_week, 1, "b, promised on the 14th");
    assert_eq!(inbox.lines_awaiting_review, 1);
    // Open orders by default, newest first; the late one flagged.
    let numbers: Vec<&str> = inbox.items.iter().map(|i| i.number.as_str()).collect();
    assert_eq!(numbers, [nc.as_str(), nb.as_str(), na.as_str()]);
    assert!(inbox.items[2].late && !inbox.items[0].late);
    assert_eq!(inbox.items[1].lines, 2);
    assert_eq!(inbox.total, 3);

    let find = |q: InboxQuery| -> Vec<String> {
        s.order_inbox(&q)
            .expect("inbox")
            .items
            .into_iter()
            .map(|i| i.number)
            .collect()
    };
    let with = |f: &dyn Fn(&mut InboxQuery)| {
        let mut q = InboxQuery::new(today());
        f(&mut q);
        q
    };
    assert_eq!(
        find(with(&|q| q.search = Some("华东".into()))),
        [na.as_str()]
    );
    assert_eq!(
        find(with(&|q| {
            q.search = Some("华东".into());
            q.include_closed = true;
        })),
        [nd.as_str(), na.as_str()]
    );
    assert_eq!(
        find(with(&|q| q.search = Some(nb.to_lowercase()))),
        [nb.as_str()]
    );
    let prefix = &nb[..nb.len() - 2];
    assert_eq!(
        find(with(&|q| q.search = Some(prefix.into()))).len(),
        3,
        "number prefix"
    );
    assert_eq!(
        find(with(&|q| q.search = Some("88.118.8/CAL-2026-000003".into()))),
        [nb.as_str()]
    );
    assert_eq!(
        find(with(&|q| q.search = Some("%".into()))),
        Vec::<String>::new(),
        "LIKE escaped"
    );
    assert_eq!(
        find(with(&|q| q.line_state = Some(LineState::AwaitingReview))),
        [nb.as_str()]
    );
    assert_eq!(
        find(with(&|q| q.technician = Some("tech1".into()))),
        [nb.as_str()]
    );
    assert_eq!(find(with(&|q| q.late_only = true)), [na.as_str()]);
    assert_eq!(
        find(with(&|q| q.stage = Some(Stage::Rejected))),
        [nd.as_str()]
    );
    assert_eq!(
        find(with(&|q| q.priority = Some(Priority::Urgent))),
        [nb.as_str()]
    );
    assert_eq!(
        find(with(&|q| q.service = Some(ServiceType::Repair))),
        Vec::<String>::new()
    );
    let page = s
        .order_inbox(&with(&|q| {
            q.limit = 2;
            q.offset = 2;
        }))
        .expect("page");
    assert_eq!((page.total, page.items.len()), (3, 1));
    assert_eq!(page.items[0].number, na);
}
