//! Line breaking for mixed Chinese and Latin text: break opportunities from Unicode's line
//! breaking algorithm (UAX #14: between ideographs, at spaces, never before a closing
//! punctuation mark such as ，。）), filled greedily to the width; a word longer than the line
//! is cut between characters.

use std::collections::BTreeSet;

use unicode_linebreak::{linebreaks, BreakOpportunity};

use crate::font::Face;

/// Replaces what the face cannot draw with □ (U+25A1) and control characters with spaces,
/// noting each replaced character, so a missing glyph is visible on the page and reportable.
pub(crate) fn printable(face: &Face, text: &str, missing: &mut BTreeSet<char>) -> String {
    text.chars()
        .map(|c| match c {
            '\n' => '\n',
            c if c.is_control() => ' ',
            c if face.has_char(c) => c,
            c => {
                missing.insert(c);
                '□'
            }
        })
        .collect()
}

/// Splits `text` into lines at most `width` em wide (the first `first_indent` em narrower).
/// Newlines in the text always break. Trailing spaces are dropped from each line.
pub fn wrap(face: &Face, text: &str, width: f32, first_indent: f32) -> Vec<String> {
    let mut w = Wrapper {
        face,
        width,
        first_indent,
        lines: Vec::new(),
        line: String::new(),
        line_w: 0.0,
    };
    let mut prev = 0;
    for (idx, op) in linebreaks(text) {
        let seg = text[prev..idx].trim_end_matches(['\n', '\r']);
        prev = idx;
        w.place(seg);
        if op == BreakOpportunity::Mandatory {
            w.finish_line();
        }
    }
    if w.lines.is_empty() {
        w.lines.push(String::new());
    }
    w.lines
}

struct Wrapper<'a> {
    face: &'a Face,
    width: f32,
    first_indent: f32,
    lines: Vec<String>,
    line: String,
    line_w: f32,
}

impl Wrapper<'_> {
    fn limit(&self) -> f32 {
        if self.lines.is_empty() {
            self.width - self.first_indent
        } else {
            self.width
        }
    }

    fn finish_line(&mut self) {
        let line = std::mem::take(&mut self.line);
        self.lines.push(line.trim_end().to_string());
        self.line_w = 0.0;
    }

    fn place(&mut self, seg: &str) {
        if seg.is_empty() {
            return;
        }
        let visible = self.face.width_em(seg.trim_end());
        if self.line_w + visible <= self.limit() {
            self.line.push_str(seg);
            self.line_w += self.face.width_em(seg);
            return;
        }
        if !self.line.trim().is_empty() {
            self.finish_line();
        } else {
            self.line.clear();
            self.line_w = 0.0;
        }
        let seg = seg.trim_start();
        if self.face.width_em(seg.trim_end()) <= self.limit() {
            self.line.push_str(seg);
            self.line_w = self.face.width_em(seg);
            return;
        }
        // Longer than a whole line: cut between characters.
        for c in seg.chars() {
            let a = self.face.advance(c);
            if self.line_w + a > self.limit() && !self.line.is_empty() && !c.is_whitespace() {
                self.finish_line();
            }
            self.line.push(c);
            self.line_w += a;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face() -> &'static Face {
        Face::shared().expect("bundled face")
    }

    #[test]
    fn chinese_breaks_between_ideographs_at_the_width() {
        let lines = wrap(face(), "二级节点系统运行月度报告", 5.0, 0.0);
        assert_eq!(lines, ["二级节点系", "统运行月度", "报告"]);
    }

    #[test]
    fn closing_punctuation_never_starts_a_line() {
        // At 5 em the comma would start the second line; it is carried back with 统.
        let lines = wrap(face(), "二级节点系，统运行", 5.0, 0.0);
        assert!(lines.iter().all(|l| !l.starts_with('，')), "{lines:?}");
        assert_eq!(lines.concat(), "二级节点系，统运行");
    }

    #[test]
    fn latin_words_stay_whole_and_spaces_do_not_end_lines() {
        let text = "availability over the month excluding maintenance";
        let lines = wrap(face(), text, 12.0, 0.0);
        assert!(lines.len() > 1);
        for l in &lines {
            assert!(!l.ends_with(' ') && !l.starts_with(' '), "{l:?}");
            assert!(face().width_em(l) <= 12.0 + 1e-4);
        }
        assert_eq!(lines.join(" "), text);
    }

    #[test]
    fn mixed_text_breaks_at_script_changes_and_newlines() {
        let lines = wrap(face(), "注册量 1,234,567 个\n解析成功率 99.95%", 40.0, 0.0);
        assert_eq!(lines, ["注册量 1,234,567 个", "解析成功率 99.95%"]);
    }

    #[test]
    fn a_word_wider_than_the_line_is_cut() {
        let lines = wrap(
            face(),
            "88.118.8/CAL-2026-000123-ABCDEFGHIJKLMNOPQRSTUV",
            8.0,
            0.0,
        );
        assert!(lines.len() > 2);
        for l in &lines {
            assert!(face().width_em(l) <= 8.0 + 1e-4, "{l}");
        }
        assert_eq!(
            lines.concat(),
            "88.118.8/CAL-2026-000123-ABCDEFGHIJKLMNOPQRSTUV"
        );
    }

    #[test]
    fn first_line_indent_narrows_the_first_line_only() {
        let lines = wrap(face(), "一二三四五六七八九十", 5.0, 2.0);
        assert_eq!(lines, ["一二三", "四五六七八", "九十"]);
    }

    #[test]
    fn missing_glyphs_become_boxes_and_are_reported() {
        let mut missing = BTreeSet::new();
        let s = printable(face(), "校准\t𠀀证书", &mut missing);
        assert_eq!(s, "校准 □证书");
        assert_eq!(missing.into_iter().collect::<Vec<_>>(), ['𠀀']);
    }
}
