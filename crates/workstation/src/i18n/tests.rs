//! What a typed message table would check at compile time, checked here instead: every message
//! file parses, both languages have the same keys with the same `$arguments`, every `tr!` in the
//! workstation program (this crate, the CLI, the desktop shell) names a key that exists with
//! exactly its arguments, and no message goes unused.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use fluent_syntax::ast;
use idstation_model::{Field, FieldError, FieldErrorKind};

use super::*;

/// key → the `$arguments` its message uses, for one language.
fn messages(lang_index: usize) -> BTreeMap<String, BTreeSet<String>> {
    let (tag, files) = &LOCALES[lang_index];
    let mut out = BTreeMap::new();
    for text in files {
        let resource = fluent_syntax::parser::parse(*text)
            .unwrap_or_else(|(_, errors)| panic!("{tag}: syntax errors {errors:?}"));
        for entry in resource.body {
            if let ast::Entry::Message(m) = entry {
                let mut vars = BTreeSet::new();
                if let Some(p) = &m.value {
                    pattern_vars(p, &mut vars);
                }
                let key = m.id.name.to_string();
                assert!(
                    out.insert(key.clone(), vars).is_none(),
                    "{tag}: {key} is defined twice"
                );
            }
        }
    }
    out
}

fn pattern_vars(p: &ast::Pattern<&str>, out: &mut BTreeSet<String>) {
    for el in &p.elements {
        if let ast::PatternElement::Placeable { expression } = el {
            expression_vars(expression, out);
        }
    }
}

fn expression_vars(e: &ast::Expression<&str>, out: &mut BTreeSet<String>) {
    match e {
        ast::Expression::Inline(i) => inline_vars(i, out),
        ast::Expression::Select { selector, variants } => {
            inline_vars(selector, out);
            for v in variants {
                pattern_vars(&v.value, out);
            }
        }
    }
}

fn inline_vars(i: &ast::InlineExpression<&str>, out: &mut BTreeSet<String>) {
    match i {
        ast::InlineExpression::VariableReference { id } => {
            out.insert(id.name.to_string());
        }
        ast::InlineExpression::Placeable { expression } => expression_vars(expression, out),
        ast::InlineExpression::FunctionReference { arguments, .. } => {
            for a in &arguments.positional {
                inline_vars(a, out);
            }
            for a in &arguments.named {
                inline_vars(&a.value, out);
            }
        }
        _ => {}
    }
}

#[test]
fn every_language_has_every_message_with_the_same_arguments() {
    let reference = messages(0);
    assert!(reference.len() > 100, "{} messages", reference.len());
    for (i, (tag, _)) in LOCALES.iter().enumerate().skip(1) {
        let other = messages(i);
        let missing: Vec<_> = reference
            .keys()
            .filter(|k| !other.contains_key(*k))
            .collect();
        let extra: Vec<_> = other
            .keys()
            .filter(|k| !reference.contains_key(*k))
            .collect();
        assert!(missing.is_empty(), "{tag} lacks {missing:?}");
        assert!(extra.is_empty(), "{tag} has keys zh-CN lacks: {extra:?}");
        for (key, vars) in &reference {
            assert_eq!(&other[key], vars, "{key}: arguments differ in {tag}");
        }
    }
}

#[test]
fn the_bundles_build_without_errors() {
    for (tag, files) in LOCALES {
        let mut bundle = fluent_bundle::FluentBundle::new(vec![tag.parse().expect("tag")]);
        for text in files {
            let r = FluentResource::try_new(text.to_string()).expect("parses");
            bundle.add_resource(r).expect("no key twice");
        }
    }
    assert_eq!(Lang::ALL.map(Lang::tag), LOCALES.map(|(tag, _)| tag));
}

/// One `tr!(lang, "key", name = value, …)` found in the source.
struct Call {
    at: String,
    key: String,
    args: BTreeSet<String>,
}

/// The program's source folders: this crate, the CLI and the desktop shell.
fn program_sources() -> Vec<PathBuf> {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    [
        here.join("src"),
        here.join("../cli/src"),
        here.join("../../src-tauri/src"),
    ]
    .into_iter()
    .filter(|d| d.is_dir())
    .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The `tr!` calls of a file (comment lines left out).
fn calls_in(path: &Path) -> Vec<Call> {
    let text = std::fs::read_to_string(path).expect("read");
    let code: String = text
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("//") {
                ""
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let bytes = code.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    let needle = concat!("tr", "!(");
    while let Some(pos) = code[from..].find(needle) {
        let start = from + pos;
        from = start + 4;
        if start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_') {
            continue;
        }
        let parts = top_level_args(&code[start + 4..]);
        let at = format!("{}:{}", path.display(), code[..start].lines().count());
        let key = parts.get(1).map(|k| k.trim().trim_matches('"').to_string());
        let Some(key) = key else {
            panic!("{at}: tr! without a key");
        };
        let args = parts[2..]
            .iter()
            .filter(|a| !a.trim().is_empty())
            .map(|a| {
                a.split_once('=')
                    .map(|(name, _)| name.trim().to_string())
                    .unwrap_or_else(|| panic!("{at}: argument without a name: {a}"))
            })
            .collect();
        out.push(Call { at, key, args });
    }
    out
}

/// The comma-separated arguments up to the closing parenthesis, skipping nested brackets and
/// string literals.
fn top_level_args(s: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut depth = 0;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                let last = parts.last_mut().expect("part");
                last.push(c);
                while let Some(d) = chars.next() {
                    last.push(d);
                    if d == '\\' {
                        if let Some(e) = chars.next() {
                            last.push(e);
                        }
                    } else if d == '"' {
                        break;
                    }
                }
                continue;
            }
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' if depth == 0 => break,
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(String::new());
                continue;
            }
            _ => {}
        }
        parts.last_mut().expect("part").push(c);
    }
    parts
}

#[test]
fn every_message_the_program_uses_exists_with_its_arguments_and_none_is_unused() {
    let reference = messages(0);
    let mut files = Vec::new();
    for dir in program_sources() {
        rust_files(&dir, &mut files);
    }
    let calls: Vec<Call> = files.iter().flat_map(|f| calls_in(f)).collect();
    assert!(calls.len() > 100, "found only {} tr! calls", calls.len());
    for c in &calls {
        let vars = reference
            .get(&c.key)
            .unwrap_or_else(|| panic!("{}: no message {}", c.at, c.key));
        assert_eq!(&c.args, vars, "{}: arguments of {}", c.at, c.key);
    }
    // Only meaningful when the whole program's source is here (not in a packaged crate).
    if program_sources().len() == 3 {
        let used: BTreeSet<&str> = calls.iter().map(|c| c.key.as_str()).collect();
        let unused: Vec<&String> = reference
            .keys()
            .filter(|k| !used.contains(k.as_str()))
            .collect();
        assert!(unused.is_empty(), "messages nothing uses: {unused:?}");
    }
}

#[test]
fn the_zh_cn_status_words_are_the_ones_the_model_reads() {
    use idstation_model::{CalibrationResult, InstrumentStatus};
    for s in InstrumentStatus::ALL {
        assert_eq!(status_label(s, Lang::ZhCn), s.label_zh());
        assert_eq!(
            InstrumentStatus::parse(&status_label(s, Lang::En).replace(' ', "_")),
            Some(s)
        );
    }
    for r in CalibrationResult::ALL {
        assert_eq!(result_label(r, Lang::ZhCn), r.label_zh());
    }
}

#[test]
fn locale_picks_language_in_posix_order_and_defaults_to_chinese() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |k: &str| {
            pairs
                .iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| v.to_string())
        }
    };
    assert_eq!(
        Lang::from_locale_vars(env(&[("LANG", "en_US.UTF-8")])),
        Lang::En
    );
    assert_eq!(
        Lang::from_locale_vars(env(&[("LANG", "en_US.UTF-8"), ("LC_ALL", "zh_CN.UTF-8")])),
        Lang::ZhCn
    );
    assert_eq!(
        Lang::from_locale_vars(env(&[("LANG", "C.UTF-8")])),
        Lang::ZhCn
    );
    assert_eq!(Lang::from_locale_vars(env(&[])), Lang::ZhCn);
}

#[test]
fn field_errors_read_in_both_languages() {
    let e = FieldError {
        field: Field::CalLastDate,
        kind: FieldErrorKind::InvalidDate {
            value: "2026-02-30".into(),
        },
    };
    assert_eq!(
        field_error(&e, Lang::ZhCn),
        "校准日期: “2026-02-30”不是有效日期（格式 YYYY-MM-DD）"
    );
    assert_eq!(
        field_error(&e, Lang::En),
        "calibration date: '2026-02-30' is not a valid date (YYYY-MM-DD)"
    );
}

#[test]
fn messages_keep_their_spaces_and_carry_no_isolation_marks() {
    assert_eq!(crate::tr!(Lang::En, "cli-template-builtin"), " (built in)");
    assert_eq!(crate::tr!(Lang::En, "list-separator"), ", ");
    let m = crate::tr!(Lang::ZhCn, "store-not-found", id = "88.118.8/A");
    assert_eq!(m, "未找到仪器 88.118.8/A");
    assert_eq!(format(Lang::ZhCn, "no-such-key", &[]), "no-such-key");
}
