//! Order lines: one instrument each (registered, or a draft of one not yet registered), what came
//! with it at intake, and the work's results: as-found and as-left points, adjustment,
//! uncertainty, the reference standards used and the conclusion (合格 / 准用 / 停用).
//!
//! [`LineResults::check`] holds the rules a result must meet whenever it is saved (a standard
//! overdue on the calibration date is refused); [`LineResults::problems_for_review`] adds what
//! must be complete before a line goes to review.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::identifier::Identifier;
use crate::instrument::CalibrationResult;
use crate::order::measurement::{MeasurementPoint, PointError};
use crate::order::ServiceType;

/// Longest free text of a line (condition, adjustment, restriction, method).
pub const MAX_LINE_TEXT: usize = 500;
/// Most points per phase (as-found or as-left) of one line.
pub const MAX_POINTS: usize = 200;
/// Most reference standards per line.
pub const MAX_STANDARDS: usize = 20;
/// Most accessories listed per line.
pub const MAX_ACCESSORIES: usize = 30;

/// The instrument a line is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LineInstrument {
    /// Registered here or at the node, linked by identifier.
    Registered { identifier: Identifier },
    /// Not registered yet: what the customer told us. It is registered from the line (and
    /// gets its identifier label) before the line can be approved.
    Draft(InstrumentDraft),
}

impl LineInstrument {
    pub fn identifier(&self) -> Option<&Identifier> {
        match self {
            LineInstrument::Registered { identifier } => Some(identifier),
            LineInstrument::Draft(_) => None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstrumentDraft {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial_no: Option<String>,
}

/// What arrived with the instrument.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intake {
    /// Condition at intake (外观、功能), e.g. `外壳有划痕`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accessories: Vec<String>,
}

/// Ambient conditions during the work (for the certificate).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Environment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature_c: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub humidity_pct: Option<Decimal>,
}

/// The expanded measurement uncertainty `U` with its coverage factor (k = 2, about 95 %).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Uncertainty {
    pub expanded: Decimal,
    pub unit: String,
    #[serde(default = "two")]
    pub k: Decimal,
}

fn two() -> Decimal {
    Decimal::TWO
}

impl Uncertainty {
    /// `U = 0.02 mm, k = 2`.
    pub fn statement(&self) -> String {
        format!("U = {} {}, k = {}", self.expanded, self.unit, self.k)
    }
}

/// A reference standard used for the work, with its own calibration (traceability).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StandardUsed {
    pub identifier: Identifier,
    pub certificate_no: String,
    /// The standard's own calibration is valid through this date.
    pub due_date: NaiveDate,
}

impl StandardUsed {
    /// Overdue on `date`: its due date has passed (due on the day itself is still valid, as an
    /// instrument's live status counts it).
    pub fn overdue_on(&self, date: NaiveDate) -> bool {
        self.due_date < date
    }
}

/// The line's conclusion, which drives the instrument's status and its label colour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Conclusion {
    /// 合格
    Pass,
    /// 准用: usable only as the restriction says.
    Restricted { restriction: String },
    /// 停用
    Fail,
}

impl Conclusion {
    pub fn result(&self) -> CalibrationResult {
        match self {
            Conclusion::Pass => CalibrationResult::Pass,
            Conclusion::Restricted { .. } => CalibrationResult::Restricted,
            Conclusion::Fail => CalibrationResult::Fail,
        }
    }
}

/// Which set of points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    AsFound,
    AsLeft,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::AsFound => "as_found",
            Phase::AsLeft => "as_left",
        }
    }

    pub fn parse(s: &str) -> Option<Phase> {
        match s {
            "as_found" => Some(Phase::AsFound),
            "as_left" => Some(Phase::AsLeft),
            _ => None,
        }
    }
}

/// What the technician records.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineResults {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration_date: Option<NaiveDate>,
    /// The method or specification followed, e.g. `JJF 1066-2010`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<Environment>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub as_found: Vec<MeasurementPoint>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub as_left: Vec<MeasurementPoint>,
    /// The adjustment made, if any (then as-left points say how it ended).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adjustment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uncertainty: Option<Uncertainty>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub standards: Vec<StandardUsed>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conclusion: Option<Conclusion>,
}

/// A line: one instrument and the work on it. Its place in the workflow is in
/// [`crate::order::LineWork`], which only transitions change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    /// UUIDv7, made where the line was added: two devices adding lines never collide.
    pub line_id: Uuid,
    pub instrument: LineInstrument,
    #[serde(default)]
    pub intake: Intake,
    #[serde(default)]
    pub results: LineResults,
}

impl OrderLine {
    pub fn new(instrument: LineInstrument, intake: Intake) -> OrderLine {
        OrderLine {
            line_id: Uuid::now_v7(),
            instrument,
            intake,
            results: LineResults::default(),
        }
    }

    /// The rules a line must meet whenever it is saved.
    pub fn check(&self) -> Result<(), Vec<ResultProblem>> {
        let mut problems = Vec::new();
        if let LineInstrument::Draft(d) = &self.instrument {
            if d.name.trim().is_empty() {
                problems.push(ResultProblem::MissingInstrumentName);
            }
            for t in [
                &Some(d.name.clone()),
                &d.manufacturer,
                &d.model,
                &d.serial_no,
            ] {
                text_ok(t.as_deref(), 100, "instrument", &mut problems);
            }
        }
        text_ok(
            self.intake.condition.as_deref(),
            MAX_LINE_TEXT,
            "condition",
            &mut problems,
        );
        if self.intake.accessories.len() > MAX_ACCESSORIES {
            problems.push(ResultProblem::TooMany {
                what: "accessories",
                max: MAX_ACCESSORIES,
            });
        }
        for a in &self.intake.accessories {
            text_ok(Some(a), 100, "accessories", &mut problems);
        }
        if let Err(mut p) = self.results.check() {
            problems.append(&mut p);
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

/// Why a line's results cannot be saved, or cannot go to review yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ResultProblem {
    #[error("the instrument's name is required")]
    MissingInstrumentName,
    #[error("{field}: longer than {max} characters or holds control characters")]
    BadText { field: &'static str, max: usize },
    #[error("more than {max} {what}")]
    TooMany { what: &'static str, max: usize },
    #[error("{phase:?} point {index}: {error}")]
    BadPoint {
        phase: Phase,
        index: usize,
        error: PointError,
    },
    #[error("reference standard {identifier} was overdue on {on} (due {due})")]
    StandardOverdue {
        identifier: String,
        due: NaiveDate,
        on: NaiveDate,
    },
    #[error("reference standard {identifier} has no certificate number")]
    StandardWithoutCertificate { identifier: String },
    #[error("a restricted (准用) conclusion needs its restriction")]
    MissingRestriction,
    #[error("the uncertainty must be positive and name its unit, with k > 0")]
    BadUncertainty,
    #[error("the calibration date is required")]
    MissingCalibrationDate,
    #[error("the calibration date {date} is after today ({today})")]
    CalibrationDateInFuture { date: NaiveDate, today: NaiveDate },
    #[error("no measurement points recorded")]
    NoPoints,
    #[error("no reference standard recorded")]
    NoStandards,
    #[error("the measurement uncertainty is required for a calibration")]
    MissingUncertainty,
    #[error("the conclusion is required")]
    MissingConclusion,
    #[error("concluded 合格 but {phase:?} point {index} is outside its MPE")]
    PassWithFailingPoint { phase: Phase, index: usize },
}

fn text_ok(v: Option<&str>, max: usize, field: &'static str, problems: &mut Vec<ResultProblem>) {
    if let Some(v) = v {
        if v.chars().count() > max || v.chars().any(char::is_control) {
            problems.push(ResultProblem::BadText { field, max });
        }
    }
}

impl LineResults {
    /// The points the conclusion rests on: as-left when there are any, else as-found.
    pub fn final_points(&self) -> (Phase, &[MeasurementPoint]) {
        if self.as_left.is_empty() {
            (Phase::AsFound, &self.as_found)
        } else {
            (Phase::AsLeft, &self.as_left)
        }
    }

    /// The rules results must meet whenever they are saved, all problems at once.
    pub fn check(&self) -> Result<(), Vec<ResultProblem>> {
        let mut problems = Vec::new();
        text_ok(self.method.as_deref(), 100, "method", &mut problems);
        text_ok(
            self.adjustment.as_deref(),
            MAX_LINE_TEXT,
            "adjustment",
            &mut problems,
        );
        for (phase, points) in [
            (Phase::AsFound, &self.as_found),
            (Phase::AsLeft, &self.as_left),
        ] {
            if points.len() > MAX_POINTS {
                problems.push(ResultProblem::TooMany {
                    what: "points",
                    max: MAX_POINTS,
                });
            }
            for (index, p) in points.iter().enumerate() {
                if let Err(error) = p.validate() {
                    problems.push(ResultProblem::BadPoint {
                        phase,
                        index,
                        error,
                    });
                }
            }
        }
        if self.standards.len() > MAX_STANDARDS {
            problems.push(ResultProblem::TooMany {
                what: "standards",
                max: MAX_STANDARDS,
            });
        }
        for s in &self.standards {
            if s.certificate_no.trim().is_empty() {
                problems.push(ResultProblem::StandardWithoutCertificate {
                    identifier: s.identifier.to_string(),
                });
            }
            text_ok(Some(&s.certificate_no), 64, "certificate_no", &mut problems);
            if let Some(on) = self.calibration_date {
                if s.overdue_on(on) {
                    problems.push(ResultProblem::StandardOverdue {
                        identifier: s.identifier.to_string(),
                        due: s.due_date,
                        on,
                    });
                }
            }
        }
        if let Some(u) = &self.uncertainty {
            if u.expanded <= Decimal::ZERO
                || u.k <= Decimal::ZERO
                || u.unit.trim().is_empty()
                || u.unit.chars().count() > 16
            {
                problems.push(ResultProblem::BadUncertainty);
            }
        }
        if let Some(Conclusion::Restricted { restriction }) = &self.conclusion {
            if restriction.trim().is_empty() {
                problems.push(ResultProblem::MissingRestriction);
            }
            text_ok(
                Some(restriction),
                MAX_LINE_TEXT,
                "restriction",
                &mut problems,
            );
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// Everything that keeps the line from review: the save rules plus completeness. A
    /// calibration or verification needs a date, points, standards and a conclusion (and a
    /// calibration its uncertainty); repair and maintenance need a conclusion. 合格 is refused
    /// while a final point fails.
    pub fn problems_for_review(
        &self,
        service: ServiceType,
        today: NaiveDate,
    ) -> Vec<ResultProblem> {
        let mut problems = self.check().err().unwrap_or_default();
        let measured = matches!(
            service,
            ServiceType::Calibration | ServiceType::Verification
        );
        if measured {
            match self.calibration_date {
                None => problems.push(ResultProblem::MissingCalibrationDate),
                Some(date) if date > today => {
                    problems.push(ResultProblem::CalibrationDateInFuture { date, today })
                }
                Some(_) => {}
            }
            if self.as_found.is_empty() && self.as_left.is_empty() {
                problems.push(ResultProblem::NoPoints);
            }
            if self.standards.is_empty() {
                problems.push(ResultProblem::NoStandards);
            }
        }
        if service == ServiceType::Calibration && self.uncertainty.is_none() {
            problems.push(ResultProblem::MissingUncertainty);
        }
        match &self.conclusion {
            None => problems.push(ResultProblem::MissingConclusion),
            Some(Conclusion::Pass) => {
                let (phase, points) = self.final_points();
                if let Some(index) = points.iter().position(|p| !p.passes()) {
                    problems.push(ResultProblem::PassWithFailingPoint { phase, index });
                }
            }
            Some(_) => {}
        }
        problems
    }
}

#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;
    use crate::order::measurement::MeasurementPoint;

    /// Results complete enough for review of a calibration.
    pub(crate) fn complete_results() -> LineResults {
        LineResults {
            calibration_date: Some("2026-03-10".parse().expect("date")),
            method: Some("JJF 1066-2010".into()),
            environment: None,
            as_found: vec![],
            as_left: vec![
                MeasurementPoint::parse(None, "10.00", "10.01", "mm", "±0.02").expect("p"),
            ],
            adjustment: None,
            uncertainty: Some(Uncertainty {
                expanded: Decimal::new(5, 3),
                unit: "mm".into(),
                k: Decimal::TWO,
            }),
            standards: vec![StandardUsed {
                identifier: Identifier::parse("88.118.8/STD-0001").expect("id"),
                certificate_no: "JZ2026-0001".into(),
                due_date: "2026-12-31".parse().expect("date"),
            }],
            conclusion: Some(Conclusion::Pass),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::tests_support::complete_results as complete;
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn standard(due: &str) -> StandardUsed {
        StandardUsed {
            identifier: Identifier::parse("88.118.8/STD-0001").expect("id"),
            certificate_no: "JZ2026-0001".into(),
            due_date: date(due),
        }
    }

    #[test]
    fn a_standard_is_valid_through_its_due_date_and_refused_the_day_after() {
        let mut r = complete();
        r.standards = vec![standard("2026-03-10")];
        assert!(r.check().is_ok(), "due on the calibration date itself");
        r.standards = vec![standard("2026-03-09")];
        assert_eq!(
            r.check(),
            Err(vec![ResultProblem::StandardOverdue {
                identifier: "88.118.8/STD-0001".into(),
                due: date("2026-03-09"),
                on: date("2026-03-10"),
            }])
        );
    }

    #[test]
    fn review_needs_complete_results_and_a_pass_needs_passing_points() {
        let today = date("2026-03-11");
        assert!(complete()
            .problems_for_review(ServiceType::Calibration, today)
            .is_empty());
        let empty = LineResults::default();
        let p = empty.problems_for_review(ServiceType::Calibration, today);
        for wanted in [
            ResultProblem::MissingCalibrationDate,
            ResultProblem::NoPoints,
            ResultProblem::NoStandards,
            ResultProblem::MissingUncertainty,
            ResultProblem::MissingConclusion,
        ] {
            assert!(p.contains(&wanted), "{wanted:?} in {p:?}");
        }
        // Verification needs no uncertainty; repair only a conclusion.
        let mut v = complete();
        v.uncertainty = None;
        assert!(v
            .problems_for_review(ServiceType::Verification, today)
            .is_empty());
        let repair = LineResults {
            conclusion: Some(Conclusion::Fail),
            ..Default::default()
        };
        assert!(repair
            .problems_for_review(ServiceType::Repair, today)
            .is_empty());

        let mut failing = complete();
        failing.as_left[0].reading = Decimal::new(1003, 2);
        assert_eq!(
            failing.problems_for_review(ServiceType::Calibration, today),
            vec![ResultProblem::PassWithFailingPoint {
                phase: Phase::AsLeft,
                index: 0
            }]
        );
        // 准用 with its restriction is allowed over a failing point; without one it is not.
        failing.conclusion = Some(Conclusion::Restricted {
            restriction: "仅限 0-100 mm 使用".into(),
        });
        assert!(failing
            .problems_for_review(ServiceType::Calibration, today)
            .is_empty());
        failing.conclusion = Some(Conclusion::Restricted {
            restriction: " ".into(),
        });
        assert_eq!(
            failing.problems_for_review(ServiceType::Calibration, today),
            vec![ResultProblem::MissingRestriction]
        );
        // Calibrated tomorrow: refused.
        let mut future = complete();
        future.calibration_date = Some(date("2026-03-12"));
        assert!(future
            .problems_for_review(ServiceType::Calibration, today)
            .contains(&ResultProblem::CalibrationDateInFuture {
                date: date("2026-03-12"),
                today
            }));
    }

    #[test]
    fn as_found_decides_when_nothing_was_left_after_adjustment() {
        let mut r = complete();
        r.as_found = r.as_left.clone();
        r.as_left.clear();
        assert_eq!(r.final_points().0, Phase::AsFound);
        assert!(r
            .problems_for_review(ServiceType::Calibration, date("2026-03-10"))
            .is_empty());
    }

    #[test]
    fn uncertainty_reads_as_a_statement() {
        assert_eq!(
            complete().uncertainty.expect("u").statement(),
            "U = 0.005 mm, k = 2"
        );
    }
}
