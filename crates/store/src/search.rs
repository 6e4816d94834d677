//! Search text preparation and query building: pure functions, tested without a database.
//!
//! One FTS5 table, `search_index`, holds every non-ASCII letter as a token (`uni`) and every pair
//! of adjacent ones as a token (`bi`), plus ASCII words and their letter/digit parts. Chinese
//! words are often one or two characters: a one-character term is a `uni` token, a longer one a
//! phrase of its overlapping bigrams. ASCII terms match words (or their parts) by prefix, so
//! `DMM-6500`, `6500` and `dmm65` find `DMM6500`, though a piece from inside a word does not.

/// Builds the `uni` and `bi` column texts for `search_index`: tokens separated by single spaces,
/// already lower-cased, so the table's `ascii` tokenizer only has to split on the spaces.
pub fn ngram_columns(text: &str) -> (String, String) {
    let mut uni = String::with_capacity(text.len() * 2);
    let mut bi = String::with_capacity(text.len() * 2);
    let mut word_start: Option<usize> = None;
    let mut prev_wide: Option<char> = None;
    let sep = |out: &mut String| {
        if !out.is_empty() {
            out.push(' ');
        }
    };
    // An ASCII word is copied lower-cased; "dmm6500" also yields "dmm" and "6500", so "65" finds
    // the model number.
    let flush_word = |uni: &mut String, word: &str| {
        sep(uni);
        uni.extend(word.chars().map(|c| c.to_ascii_lowercase()));
        let has_both = word.bytes().any(|b| b.is_ascii_digit())
            && word.bytes().any(|b| b.is_ascii_alphabetic());
        if has_both {
            let mut start = 0;
            let bytes = word.as_bytes();
            for i in 1..=bytes.len() {
                let boundary =
                    i == bytes.len() || bytes[i].is_ascii_digit() != bytes[i - 1].is_ascii_digit();
                if boundary {
                    sep(uni);
                    uni.extend(word[start..i].chars().map(|c| c.to_ascii_lowercase()));
                    start = i;
                }
            }
        }
    };
    for (i, c) in text.char_indices() {
        if c.is_ascii_alphanumeric() {
            prev_wide = None;
            word_start.get_or_insert(i);
            continue;
        }
        if let Some(start) = word_start.take() {
            flush_word(&mut uni, &text[start..i]);
        }
        if is_wide(c) {
            sep(&mut uni);
            uni.extend(c.to_lowercase());
            if let Some(p) = prev_wide {
                sep(&mut bi);
                bi.extend(p.to_lowercase());
                bi.extend(c.to_lowercase());
            }
            prev_wide = Some(c);
        } else {
            prev_wide = None;
        }
    }
    if let Some(start) = word_start {
        flush_word(&mut uni, &text[start..]);
    }
    (uni, bi)
}

/// Letters beyond ASCII (Chinese, Greek Ω, µ …) are indexed one by one.
fn is_wide(c: char) -> bool {
    !c.is_ascii() && c.is_alphanumeric()
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// A query term's tokens in order: ASCII words (lower-cased) and single non-ASCII letters.
fn term_tokens(term: &str) -> Vec<(String, bool)> {
    let mut tokens: Vec<(String, bool)> = Vec::new();
    let mut word = String::new();
    for c in term.chars() {
        if c.is_ascii_alphanumeric() {
            word.push(c.to_ascii_lowercase());
            continue;
        }
        if !word.is_empty() {
            tokens.push((std::mem::take(&mut word), true));
        }
        if is_wide(c) {
            tokens.push((c.to_lowercase().collect(), false));
        }
    }
    if !word.is_empty() {
        tokens.push((word, true));
    }
    tokens
}

/// One white-space separated part of a query; every term of a query must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// A single non-ASCII letter: a `uni` token.
    Letter(String),
    /// Two or more non-ASCII letters: their overlapping bigrams, consecutive in `bi`.
    Bigrams(Vec<String>),
    /// Tokens consecutive in `uni`; the last matches as a prefix when it is an ASCII word.
    Words {
        tokens: Vec<String>,
        last_is_prefix: bool,
    },
}

/// Parses a query into terms; an empty list when nothing is searchable (only punctuation, say).
pub fn parse_query(query: &str) -> Vec<Term> {
    let mut terms = Vec::new();
    for term in query.split_whitespace() {
        let tokens = term_tokens(term);
        let all_wide = tokens.iter().all(|(_, ascii)| !ascii);
        match tokens.as_slice() {
            [] => {}
            [(t, false)] => terms.push(Term::Letter(t.clone())),
            _ if all_wide => terms.push(Term::Bigrams(
                tokens
                    .windows(2)
                    .map(|w| format!("{}{}", w[0].0, w[1].0))
                    .collect(),
            )),
            _ => terms.push(Term::Words {
                last_is_prefix: tokens.last().is_some_and(|(_, ascii)| *ascii),
                tokens: tokens.into_iter().map(|(t, _)| t).collect(),
            }),
        }
    }
    terms
}

/// The FTS5 MATCH expression for parsed terms.
pub fn fts_expression(terms: &[Term]) -> Option<String> {
    let parts: Vec<String> = terms
        .iter()
        .map(|t| match t {
            Term::Letter(l) => format!("uni : {}", quote(l)),
            Term::Bigrams(b) => format!("bi : {}", quote(&b.join(" "))),
            Term::Words {
                tokens,
                last_is_prefix,
            } => {
                let prefix = if *last_is_prefix { " *" } else { "" };
                format!("uni : {}{prefix}", quote(&tokens.join(" ")))
            }
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(" AND "))
}

/// The FTS5 MATCH expression for a query (see [`parse_query`]).
pub fn match_expression(query: &str) -> Option<String> {
    fts_expression(&parse_query(query))
}

/// Whether `needle` occurs as consecutive tokens of `hay`, the last one by prefix if asked.
fn has_run(hay: &[&str], needle: &[String], last_is_prefix: bool) -> bool {
    let n = needle.len();
    n > 0
        && hay.windows(n).any(|w| {
            w.iter().zip(needle).enumerate().all(|(i, (h, t))| {
                if last_is_prefix && i == n - 1 {
                    h.starts_with(t.as_str())
                } else {
                    *h == t.as_str()
                }
            })
        })
}

/// The same test FTS5 applies to an indexed row, done here for rows not yet in the index
/// (see `search_pending`). Kept equal to [`fts_expression`] by a property test against FTS5.
pub fn matches(terms: &[Term], uni: &str, bi: &str) -> bool {
    let uni: Vec<&str> = uni.split(' ').filter(|t| !t.is_empty()).collect();
    let bi: Vec<&str> = bi.split(' ').filter(|t| !t.is_empty()).collect();
    !terms.is_empty()
        && terms.iter().all(|t| match t {
            Term::Letter(l) => uni.contains(&l.as_str()),
            Term::Bigrams(b) => has_run(&bi, b, false),
            Term::Words {
                tokens,
                last_is_prefix,
            } => has_run(&uni, tokens, *last_is_prefix),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_text_yields_unigrams_and_bigrams_per_field() {
        let (uni, bi) = ngram_columns("数显卡尺\n电子天平");
        assert_eq!(uni, "数 显 卡 尺 电 子 天 平");
        // No pair spans the field boundary.
        assert_eq!(bi, "数显 显卡 卡尺 电子 子天 天平");
    }

    #[test]
    fn ascii_words_are_lowercased_and_split_at_digits() {
        let (uni, bi) = ngram_columns("DMM6500 0-100Ω");
        assert_eq!(uni, "dmm6500 dmm 6500 0 100 ω");
        assert_eq!(bi, "");
    }

    #[test]
    fn terms_become_tokens_bigram_phrases_or_word_prefixes() {
        let m = |q: &str| match_expression(q);
        assert_eq!(m("卡").as_deref(), Some("uni : \"卡\""));
        assert_eq!(m("卡尺").as_deref(), Some("bi : \"卡尺\""));
        assert_eq!(m("数显卡尺").as_deref(), Some("bi : \"数显 显卡 卡尺\""));
        assert_eq!(m("DMM-6500").as_deref(), Some("uni : \"dmm 6500\" *"));
        assert_eq!(m("K型").as_deref(), Some("uni : \"k 型\""));
        assert_eq!(
            m("卡尺 530").as_deref(),
            Some("bi : \"卡尺\" AND uni : \"530\" *")
        );
        assert_eq!(m("  - "), None);
    }

    #[test]
    fn fts_syntax_in_queries_stays_text() {
        assert_eq!(
            match_expression("\"a OR b\" NEAR(").as_deref(),
            Some("uni : \"a\" * AND uni : \"or\" * AND uni : \"b\" * AND uni : \"near\" *")
        );
    }
}
