//! Update folders: rows carry calibration results for registered instruments, found by
//! identifier or asset number (`src/plan.rs`).

mod common;

use common::*;
use idstation_hotfolder::{import_bytes, Action, ImportSettings, MatchBy, Reason, Source, Verdict};
use idstation_model::{CalibrationResult, Identifier};
use idstation_store::Store;

fn updating(match_by: MatchBy) -> ImportSettings {
    ImportSettings {
        action: Action::Update,
        match_by,
        ..ImportSettings::default()
    }
}

fn run(store: &mut Store, name: &str, text: &str, s: &ImportSettings) -> Verdict {
    import_bytes(
        store,
        "校准软件",
        s,
        Source {
            file_name: name,
            folder: "/hot/results",
            owe_labels: false,
        },
        text.as_bytes(),
        &mut |_, _, _| {},
    )
    .expect("import")
}

fn registered(f: &Fixture, tag: &str, n: usize) -> Store {
    let mut store = f.store();
    let text = csv(&HEADINGS, &rows(tag, n));
    assert!(matches!(
        run(&mut store, "reg.csv", &text, &ImportSettings::default()),
        Verdict::Imported { .. }
    ));
    store
}

#[test]
fn calibration_results_update_instruments_by_identifier_or_asset_number() {
    let f = fixture();
    let mut store = registered(&f, "R", 3);
    let text = "标识,资产编号,校准日期,校准结论,证书编号\n\
                88.118.8/R-0,,2027-03-10,合格,JZ-0001\n\
                ,ZC-R-1,2027-03-11,准用,JZ-0002\n\
                88.118.8/R-2,,,,\n";
    let v = run(&mut store, "results.csv", text, &updating(MatchBy::Auto));
    let Verdict::Imported {
        record,
        identifiers,
    } = v
    else {
        panic!("{v:#?}");
    };
    assert_eq!(
        (record.rows, record.updated, record.unchanged),
        (3, 2, 1),
        "a row with nothing new changes nothing"
    );
    assert_eq!(identifiers.len(), 3);
    let get = |id: &str| {
        store
            .get_instrument(&Identifier::parse(id).expect("id"))
            .expect("get")
            .expect("found")
    };
    let r0 = get("88.118.8/R-0");
    assert_eq!(r0.version, 2);
    let c = &r0.instrument.calibration;
    assert_eq!(c.result, Some(CalibrationResult::Pass));
    assert_eq!(c.certificate_no.as_deref(), Some("JZ-0001"));
    assert_eq!(
        c.next_due.map(|d| d.to_string()).as_deref(),
        Some("2028-03-10"),
        "a new calibration date moves next due by the owner's interval"
    );
    assert_eq!(r0.instrument.name, "数显卡尺", "unmentioned fields stay");
    assert_eq!(
        get("88.118.8/R-1").instrument.calibration.result,
        Some(CalibrationResult::Restricted)
    );
    assert_eq!(get("88.118.8/R-2").version, 1);
    assert!(store.check_consistency().expect("check").is_consistent());
    let ops = store.pending_ops(100).expect("ops");
    assert_eq!(ops.len(), 3 + 2, "three registrations, two edits");
}

#[test]
fn rows_naming_no_single_live_instrument_refuse_the_file() {
    let f = fixture();
    let mut store = registered(&f, "Q", 4);
    // A second instrument with asset number ZC-Q-1, and a deleted one.
    let dup = "标识,名称,资产编号\n88.118.8/Q-X,卡尺,ZC-Q-1\n";
    assert!(matches!(
        run(&mut store, "dup.csv", dup, &ImportSettings::default()),
        Verdict::Imported { .. }
    ));
    store
        .set_deleted(
            "测试",
            &Identifier::parse("88.118.8/Q-3").expect("id"),
            true,
            "报废",
        )
        .expect("delete");
    let text = "标识,资产编号,证书编号\n\
                88.118.8/NOPE,,JZ-1\n\
                ,ZC-Q-1,JZ-2\n\
                ,ZC-NONE,JZ-3\n\
                88.118.8/Q-3,,JZ-4\n\
                ,,JZ-5\n\
                88.118.8/Q-0,,JZ-6\n\
                88.118.8/Q-0,,JZ-7\n";
    let v = run(&mut store, "bad.csv", text, &updating(MatchBy::Auto));
    let Verdict::Refused { problems, rows } = v else {
        panic!("{v:#?}");
    };
    assert_eq!(rows, 7);
    let reasons: Vec<(usize, Reason)> = problems.into_iter().map(|p| (p.row, p.reason)).collect();
    assert_eq!(
        reasons,
        [
            (2, Reason::NotFound),
            (3, Reason::Ambiguous { count: 2 }),
            (4, Reason::NotFound),
            (
                5,
                Reason::Deleted {
                    identifier: "88.118.8/Q-3".into()
                }
            ),
            (6, Reason::NoKey),
            (8, Reason::DuplicateInFile { first_row: 7 }),
        ]
    );
    let q0 = store
        .get_instrument(&Identifier::parse("88.118.8/Q-0").expect("id"))
        .expect("get")
        .expect("found");
    assert_eq!(q0.version, 1, "nothing of a refused file is written");

    // By asset number, an identifier beside it must agree.
    let text = "资产编号,标识,证书编号\nZC-Q-2,88.118.8/Q-0,JZ-9\n";
    let v = run(
        &mut store,
        "mismatch.csv",
        text,
        &updating(MatchBy::AssetNo),
    );
    let Verdict::Refused { problems, .. } = v else {
        panic!("{v:#?}");
    };
    assert_eq!(
        problems[0].reason,
        Reason::IdentifierMismatch {
            found: "88.118.8/Q-2".into()
        }
    );
    // By identifier only, a row with just an asset number names nothing.
    let text = "资产编号,证书编号\nZC-Q-2,JZ-9\n";
    let v = run(&mut store, "noid.csv", text, &updating(MatchBy::Identifier));
    assert!(matches!(v, Verdict::Refused { problems, .. } if problems[0].reason == Reason::NoKey));
}
