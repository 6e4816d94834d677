//! Orders for the store's tests: the people who work them, a new order for registered
//! instruments, and results complete enough for review.

use chrono::NaiveDate;
use idstation_model::order::{
    Action, Actor, Command, Conclusion, Contact, Intake, LineInstrument, LineResults,
    MeasurementPoint, OrderLine, Priority, Role, ServiceType, StandardUsed, Uncertainty,
};
use idstation_model::Identifier;
use idstation_store::{NewOrder, OrderFields, OrderRecord, Store};
use rust_decimal::Decimal;
use uuid::Uuid;

pub const PHONE: &str = "13812345678";
pub const NAME: &str = "欧阳锋锐";

pub fn admin() -> Actor {
    Actor::new("admin", Role::EnterpriseAdmin)
}
pub fn tech() -> Actor {
    Actor::new("tech1", Role::Technician)
}
pub fn tech2() -> Actor {
    Actor::new("tech2", Role::Technician)
}
pub fn reviewer() -> Actor {
    Actor::new("rev", Role::Reviewer)
}

pub fn day(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

pub fn today() -> NaiveDate {
    day("2026-03-11")
}

pub fn contact() -> Contact {
    Contact {
        name: NAME.into(),
        phone: PHONE.into(),
    }
}

pub fn fields(customer: &str, service: ServiceType) -> OrderFields {
    OrderFields {
        customer: customer.into(),
        service,
        priority: Priority::Normal,
        requested_date: Some(day("2026-03-20")),
        promised_date: Some(day("2026-03-25")),
        notes: None,
    }
}

pub fn line_for(identifier: &str) -> OrderLine {
    OrderLine::new(
        LineInstrument::Registered {
            identifier: Identifier::parse(identifier).expect("id"),
        },
        Intake {
            condition: Some("外观完好".into()),
            accessories: vec!["数据线".into()],
        },
    )
}

pub fn new_order(customer: &str, service: ServiceType, identifiers: &[&str]) -> NewOrder {
    NewOrder {
        fields: fields(customer, service),
        contact: Some(contact()),
        lines: identifiers.iter().map(|i| line_for(i)).collect(),
    }
}

pub fn complete_results() -> LineResults {
    LineResults {
        calibration_date: Some(day("2026-03-10")),
        method: Some("JJF 1066-2010".into()),
        environment: None,
        as_found: vec![MeasurementPoint::parse(None, "10.00", "10.04", "mm", "±0.02").expect("p")],
        as_left: vec![MeasurementPoint::parse(None, "10.00", "10.02", "mm", "±0.02").expect("p")],
        adjustment: Some("调零".into()),
        uncertainty: Some(Uncertainty {
            expanded: Decimal::new(5, 3),
            unit: "mm".into(),
            k: Decimal::TWO,
        }),
        standards: vec![StandardUsed {
            identifier: Identifier::parse("88.118.8/STD-0001").expect("id"),
            certificate_no: "JZ2026-0001".into(),
            due_date: day("2026-12-31"),
        }],
        conclusion: Some(Conclusion::Pass),
    }
}

pub fn step(store: &mut Store, actor: &Actor, number: &str, cmd: Command) -> OrderRecord {
    store
        .order_transition(actor, number, &cmd, today())
        .unwrap_or_else(|e| panic!("{cmd:?} by {actor:?}: {e}"))
}

pub fn order_step(store: &mut Store, actor: &Actor, number: &str, action: Action) -> OrderRecord {
    step(store, actor, number, Command::order(action))
}

pub fn line_step(
    store: &mut Store,
    actor: &Actor,
    number: &str,
    line: Uuid,
    action: Action,
) -> OrderRecord {
    step(store, actor, number, Command::line(line, action))
}

/// Takes an order from submitted to received.
pub fn received(store: &mut Store, number: &str) -> OrderRecord {
    order_step(store, &admin(), number, Action::Accept);
    order_step(store, &admin(), number, Action::Receive)
}

/// Puts complete results on a line as its technician.
pub fn enter_results(
    store: &mut Store,
    actor: &Actor,
    rec: &OrderRecord,
    line: usize,
) -> OrderRecord {
    let mut l = rec.lines[line].clone();
    l.results = complete_results();
    store
        .edit_order_line(actor, rec.order.number.as_str(), &l)
        .expect("edit line")
        .expect("changed")
}
