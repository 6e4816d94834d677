//! Drafts and issued reports: numbering, the rules a correction follows, hash verification,
//! and that the draft's text and the figures meet only at render time.

mod common;

use common::*;
use idstation_reports::*;

#[test]
fn numbers_print_parse_and_count_versions() {
    let n = ReportNumber::first(&node_scope(), march());
    assert_eq!(n.to_string(), "88.118-YB-202603-01");
    assert_eq!(
        ReportNumber::parse("88.118-YB-202603-01").expect("parse"),
        n
    );
    assert_eq!(n.next().to_string(), "88.118-YB-202603-02");
    let e = ReportNumber::parse("88.118.8-YB-202512-12").expect("enterprise prefix with dots");
    assert_eq!(
        (e.prefix.as_str(), e.month.to_string(), e.version),
        ("88.118.8", "2025-12".into(), 12)
    );
    for bad in [
        "",
        "88.118-YB-202613-01",
        "88.118-XX-202603-01",
        "88.118-YB-202603-00",
        "-YB-202603-01",
        "88.118-YB-2026-01",
    ] {
        assert!(ReportNumber::parse(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn a_correction_is_the_next_version_of_the_same_scope_and_month() {
    let d = Draft::new(node_scope(), march(), Language::Zh);
    let at = cst("2026-04-03 10:00:00");
    let first = ReportNumber::first(&node_scope(), march());
    let v1 =
        IssuedReport::issue(&d, first.clone(), at, "张工", b"pdf-1", b"csv", None).expect("v1");
    assert_eq!(v1.sha256(), idstation_documents::sha256_hex(b"pdf-1"));
    // Version 2 only as a correction of version 1.
    assert!(matches!(
        IssuedReport::issue(&d, first.next(), at, "张工", b"x", b"c", None),
        Err(ReportError::NumberMismatch(_))
    ));
    assert!(matches!(
        IssuedReport::issue(&d, first.clone(), at, "张工", b"x", b"c", Some(&v1)),
        Err(ReportError::NumberMismatch(_))
    ));
    let v2 = IssuedReport::issue(
        &d,
        first.next(),
        cst("2026-04-05 09:00:00"),
        "李工",
        b"pdf-2",
        b"csv",
        Some(&v1),
    )
    .expect("v2");
    assert_eq!(v2.supersedes(), Some(&first));
    // Another month's report cannot be superseded by this one.
    let feb = Draft::new(node_scope(), march().minus(1), Language::Zh);
    let f1 = IssuedReport::issue(
        &feb,
        ReportNumber::first(&node_scope(), march().minus(1)),
        at,
        "张工",
        b"f",
        b"c",
        None,
    )
    .expect("feb");
    assert!(matches!(
        IssuedReport::issue(&d, first.next(), at, "张工", b"x", b"c", Some(&f1)),
        Err(ReportError::SupersedesOther(_))
    ));
    // The number must be the draft's scope and month.
    let other = Draft::new(
        Scope::Enterprise {
            prefix: "88.118.8".into(),
            name: "华东精密".into(),
        },
        march(),
        Language::Zh,
    );
    assert!(matches!(
        IssuedReport::issue(&other, first.clone(), at, "张工", b"x", b"c", None),
        Err(ReportError::NumberMismatch(_))
    ));
    assert!(IssuedReport::issue(&d, first.clone(), at, "  ", b"x", b"c", None).is_err());
    // The one in force is the latest correction.
    let all = [v1.clone(), f1, v2.clone()];
    assert_eq!(current_version(&all, &node_scope(), march()), Some(&v2));
    // Verification.
    v1.verify(b"pdf-1").expect("same bytes");
    assert!(matches!(
        v1.verify(b"pdf-2"),
        Err(ReportError::HashMismatch { .. })
    ));
    // Stored as JSON and read back, it is the same record.
    let json = serde_json::to_string(&v2).expect("json");
    assert_eq!(
        serde_json::from_str::<IssuedReport>(&json).expect("parse"),
        v2
    );
}

#[test]
fn draft_text_is_kept_per_section_and_bounded() {
    let mut d = Draft::new(node_scope(), march(), Language::Zh);
    d.set_section(SectionKey::Summary, "  本月运行平稳。 ")
        .expect("set");
    assert_eq!(d.section(SectionKey::Summary), Some("本月运行平稳。"));
    d.set_section(SectionKey::Summary, "").expect("clear");
    assert_eq!(d.section(SectionKey::Summary), None);
    let long = "字".repeat(20_001);
    assert!(matches!(
        d.set_section(SectionKey::Business, &long),
        Err(ReportError::SectionTooLong { .. })
    ));
    assert_eq!(
        SectionKey::parse("maintenance"),
        Some(SectionKey::Maintenance)
    );
    assert_eq!(SectionKey::parse("nope"), None);
}

#[test]
fn a_draft_for_another_month_or_scope_is_refused() {
    let input = fixture(5);
    let d = Draft::new(node_scope(), march().minus(1), Language::Zh);
    assert!(matches!(
        preview(&input, &d),
        Err(ReportError::DraftMismatch { .. })
    ));
}

#[test]
fn person_text_changes_the_pdf_not_the_figures() {
    let input = fixture(5);
    let mut d = Draft::new(node_scope(), march(), Language::Zh);
    let a = preview(&input, &d).expect("a");
    d.set_section(SectionKey::Business, "本月新增两家客户。")
        .expect("set");
    let b = preview(&input, &d).expect("b");
    assert_ne!(a.pdf.sha256, b.pdf.sha256);
    assert_eq!(a.csv, b.csv);
    assert_eq!(a.figures, b.figures);
}

#[test]
fn a_submission_carries_the_bytes_and_refuses_tampered_ones() {
    let d = Draft::new(node_scope(), march(), Language::Zh);
    let issued = IssuedReport::issue(
        &d,
        ReportNumber::first(&node_scope(), march()),
        cst("2026-04-03 10:00:00"),
        "张工",
        b"%PDF-1.7 report",
        b"figure,value\n",
        None,
    )
    .expect("issued");
    let sent = Submission::new(&issued, b"%PDF-1.7 report", b"figure,value\n");
    let text = serde_json::to_string(&sent).expect("json");
    let got: Submission = serde_json::from_str(&text).expect("back");
    let (pdf, csv) = got.open().expect("the bytes as issued");
    assert_eq!(
        (pdf.as_slice(), csv.as_slice()),
        (&b"%PDF-1.7 report"[..], &b"figure,value\n"[..])
    );
    let swapped = Submission::new(&issued, b"%PDF-1.7 other", b"figure,value\n");
    assert!(matches!(
        swapped.open(),
        Err(ReportError::HashMismatch { .. })
    ));
    let csv_changed = Submission::new(&issued, b"%PDF-1.7 report", b"figure,other\n");
    assert!(matches!(
        csv_changed.open(),
        Err(ReportError::HashMismatch { .. })
    ));
    let garbage = Submission {
        pdf: "not base64!".into(),
        ..sent
    };
    assert!(matches!(garbage.open(), Err(ReportError::InvalidInput(_))));
}
