//! The fixture month rendered as a PDF in Chinese and English and read back with poppler:
//! the CJK font embedded and subset (pdffonts), the title, headings and figures in the text
//! (pdftotext), every page rendered to PNG (pdftoppm, kept in test-output/reports/ to look at),
//! the size small, the bytes the same twice; the CSV carries the unrounded figures.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::*;
use idstation_reports::words::pct;
use idstation_reports::*;

fn out_dir(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../test-output/reports")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("output dir");
    d
}

fn run(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd}: {e}"));
    assert!(
        out.status.success(),
        "{cmd} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Writes the PDF, checks fonts and page images, returns (path, layout text).
fn read_back(dir: &std::path::Path, pdf: &Rendered) -> String {
    let path = dir.join("report.pdf");
    std::fs::write(&path, &pdf.pdf).expect("write pdf");
    let p = path.to_str().expect("utf-8 path");
    let fonts = run("pdffonts", &[p]);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert_eq!(rows.len(), 1, "one font:\n{fonts}");
    let cols: Vec<&str> = rows[0].split_whitespace().collect();
    assert!(
        cols[0].len() > 7 && cols[0].as_bytes()[6] == b'+' && cols[0].contains("NotoSansCJKsc"),
        "{fonts}"
    );
    assert_eq!(
        &cols[cols.len() - 5..cols.len() - 2],
        ["yes", "yes", "yes"],
        "emb sub uni:\n{fonts}"
    );
    run(
        "pdftoppm",
        &[
            "-r",
            "100",
            "-png",
            p,
            dir.join("page").to_str().expect("path"),
        ],
    );
    let pngs = std::fs::read_dir(dir)
        .expect("dir")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "png"))
        })
        .count();
    assert_eq!(pngs, pdf.pages, "every page renders");
    run("pdftotext", &["-layout", p, "-"])
}

fn draft(lang: Language) -> Draft {
    let mut d = Draft::new(node_scope(), march(), lang);
    d.set_section(
        SectionKey::Summary,
        "本月节点运行总体平稳。3 月 10 日机房配电故障导致一次非计划中断，已整改。",
    )
    .expect("summary");
    d.set_section(
        SectionKey::Maintenance,
        "下月计划升级数据库版本，届时将提前申报维护窗口。",
    )
    .expect("maint");
    d
}

#[test]
fn the_chinese_report_reads_back_with_its_figures() {
    let input = fixture(120);
    let issued_at = cst("2026-04-03 10:00:00");
    let (issued, out) = issue(
        &input,
        &draft(Language::Zh),
        ReportNumber::first(&node_scope(), march()),
        issued_at,
        "张工",
        None,
    )
    .expect("issue");
    let dir = out_dir("zh");
    std::fs::write(dir.join("figures.csv"), &out.csv).expect("csv");
    let text = read_back(&dir, &out.pdf);
    let flat = squeeze(&text);
    let m = out.figures.current();
    let sla = pct(m.availability.sla().expect("sla"));
    assert_eq!(sla, "99.932"); // 741.5 / 742
    for want in [
        "二级节点系统运行月度报告（2026年3月）",
        "运营单位：华东工业互联网研究院",
        "一、摘要",
        &format!("2026年3月，华东计量行业二级节点服务可用性（SLA）为{sla}%。"),
        "本月节点运行总体平稳",
        "二、服务运行情况",
        "表1服务可用性（SLA）",
        "表2注册、解析响应时间及标识注册生效时间",
        "表3运行时长",
        "三、运行维护情况",
        "（一）计划维护",
        "数据库升级与操作系统安全补丁",
        "2026-03-2002:00:00",
        "（二）应急事件",
        "机房配电故障导致服务",
        "启用限流并封禁来源地",
        "下月计划升级数据库版本",
        "四、业务情况",
        "图1每日标识注册量",
        "图2每日解析量",
        "图3每日平均响应时间",
        "注册量（个）",
        "响应时间（毫秒）",
        "表8每日数据",
        "附：数据来源说明",
        "自最后一次心跳起计为中断",
        "报告编号：88.118-YB-202603-01",
        "发布日期：2026-04-03",
        "编号：88.118-YB-202603-01",
    ] {
        assert!(flat.contains(&squeeze(want)), "missing {want:?}");
    }
    // Figures as printed.
    let total = m.registrations_total.expect("total");
    assert!(flat.contains(&idstation_reports::words::count(total)));
    assert!(flat.contains(&idstation_reports::words::count(m.resolution_requests)));
    let rtt = m.resolution_rtt.expect("rtt");
    assert!(flat.contains(&format!("{:.1}", rtt.avg_ms)));
    let six = out.figures.sla_avg.expect("avg");
    assert!(
        flat.contains(&format!("平均{}", pct(six))),
        "six-month average"
    );
    // Page numbers on every page.
    let pages: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert_eq!(pages.len(), out.pdf.pages);
    for (i, p) in pages.iter().enumerate() {
        assert!(squeeze(p).contains(&format!("第{}页/共{}页", i + 1, out.pdf.pages)));
    }
    assert!(out.pdf.pdf.len() < 1_000_000, "{} bytes", out.pdf.pdf.len());
    assert!(
        out.pdf.missing_chars.is_empty(),
        "{:?}",
        out.pdf.missing_chars
    );
    // The issued record matches the bytes; one changed byte does not.
    issued.verify(&out.pdf.pdf).expect("verify");
    let mut tampered = out.pdf.pdf.clone();
    let mid = tampered.len() / 2;
    tampered[mid] ^= 1;
    assert!(matches!(
        issued.verify(&tampered),
        Err(ReportError::HashMismatch { .. })
    ));
    // Same input, same issue: same bytes.
    let (again, out2) = issue(
        &input,
        &draft(Language::Zh),
        ReportNumber::first(&node_scope(), march()),
        issued_at,
        "张工",
        None,
    )
    .expect("issue");
    assert_eq!(again.sha256(), issued.sha256());
    assert!(out2.pdf.pdf == out.pdf.pdf);
}

#[test]
fn the_english_draft_is_watermarked_and_unnumbered() {
    let input = fixture(120);
    let out = preview(&input, &draft(Language::En)).expect("preview");
    let dir = out_dir("en");
    let text = read_back(&dir, &out.pdf);
    let flat = squeeze(&text);
    for want in [
        "Secondary Node Operating Report (March 2026)",
        "1. Summary",
        "the service availability (SLA) of",
        "2. Service operation",
        "Table 1 Service availability (SLA)",
        "3. Operation and maintenance",
        "3.2 Emergencies",
        "4. Business figures",
        "Figure 1 New registrations per day",
        "Annex: Data sources",
        "Draft (not issued)",
        "Page 1 /",
    ] {
        assert!(flat.contains(&squeeze(want)), "missing {want:?}");
    }
    assert!(!flat.contains("ReportNo."), "a draft has no number");
}

#[test]
fn the_csv_carries_every_figure_unrounded() {
    let input = fixture(120);
    let out = preview(&input, &draft(Language::Zh)).expect("preview");
    let mut rdr = csv::Reader::from_reader(out.csv.as_slice());
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.expect("row")).collect();
    let find = |key: &str, period: &str| {
        rows.iter()
            .find(|r| &r[1] == key && &r[3] == period)
            .unwrap_or_else(|| panic!("no {key} {period}"))[4]
            .to_string()
    };
    let sla: f64 = find("sla_percent", "2026-03").parse().expect("number");
    assert!((sla - 741.5 / 742.0 * 100.0).abs() < 1e-6);
    assert_eq!(find("downtime_hours", "2026-03"), "0.500000");
    assert_eq!(find("sla_percent", "2025-10"), "100.000000");
    let new: u64 = input
        .days
        .iter()
        .filter(|d| march().contains(d.date))
        .map(|d| d.registrations_new)
        .sum();
    assert_eq!(find("registrations_new", "2026-03"), new.to_string());
    assert_eq!(find("turnaround_avg_days", "2026-03"), "2.000000");
    // Daily rows for every day of March, and the day of the crash lost half an hour.
    let daily = rows
        .iter()
        .filter(|r| &r[0] == "daily" && &r[1] == "sla_percent")
        .count();
    assert_eq!(daily, 31);
    let d10: f64 = find("downtime_hours", "2026-03-10").parse().expect("n");
    assert!((d10 - 0.5).abs() < 1e-9);
}
