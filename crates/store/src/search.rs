//! Search text preparation and query building: pure functions, tested without a database.
//!
//! One FTS5 table, `search_index`, holds every non-ASCII letter as a token (`uni`) and every pair
//! of adjacent ones as a token (`bi`), plus ASCII words and their letter/digit parts. Chinese
//! words are often one or two characters: a one-character term is a `uni` token, a longer one a
//! phrase of its overlapping bigrams. ASCII terms match words (or their parts) by prefix, so
//! `DMM-6500`, `6500` and `dmm65` find `DMM6500`, though a piece from inside a word does not.

/// Builds the `uni` and `bi` column texts for `search_index`.
pub fn ngram_columns(text: &str) -> (String, String) {
    let mut uni = String::new();
    let mut bi = String::new();
    let mut word = String::new();
    let mut prev_wide: Option<char> = None;
    let push = |out: &mut String, token: &str| {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(token);
    };
    let flush_word = |uni: &mut String, word: &mut String| {
        if word.is_empty() {
            return;
        }
        push(uni, word);
        // "dmm6500" also yields "dmm" and "6500", so "65" finds the model number.
        let parts = split_letters_digits(word);
        if parts.len() > 1 {
            for p in parts {
                push(uni, &p);
            }
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            prev_wide = None;
            word.push(c.to_ascii_lowercase());
        } else if is_wide(c) {
            flush_word(&mut uni, &mut word);
            let lower: String = c.to_lowercase().collect();
            push(&mut uni, &lower);
            if let Some(p) = prev_wide {
                let pair: String = p.to_lowercase().chain(c.to_lowercase()).collect();
                push(&mut bi, &pair);
            }
            prev_wide = Some(c);
        } else {
            flush_word(&mut uni, &mut word);
            prev_wide = None;
        }
    }
    flush_word(&mut uni, &mut word);
    (uni, bi)
}

/// Letters beyond ASCII (Chinese, Greek Ω, µ …) are indexed one by one.
fn is_wide(c: char) -> bool {
    !c.is_ascii() && c.is_alphanumeric()
}

fn split_letters_digits(word: &str) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    let mut last_digit: Option<bool> = None;
    for c in word.chars() {
        let d = c.is_ascii_digit();
        match parts.last_mut() {
            Some(p) if last_digit == Some(d) => p.push(c),
            _ => parts.push(c.to_string()),
        }
        last_digit = Some(d);
    }
    parts
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

/// The FTS5 MATCH expression for a query: every white-space separated term must match. `None`
/// when the query has nothing searchable (only punctuation, say).
pub fn match_expression(query: &str) -> Option<String> {
    let mut parts = Vec::new();
    for term in query.split_whitespace() {
        let tokens = term_tokens(term);
        let all_wide = tokens.iter().all(|(_, ascii)| !ascii);
        match tokens.as_slice() {
            [] => {}
            [(t, false)] => parts.push(format!("uni : {}", quote(t))),
            _ if all_wide => {
                let bigrams: Vec<String> = tokens
                    .windows(2)
                    .map(|w| format!("{}{}", w[0].0, w[1].0))
                    .collect();
                parts.push(format!("bi : {}", quote(&bigrams.join(" "))));
            }
            _ => {
                let words: Vec<&str> = tokens.iter().map(|(t, _)| t.as_str()).collect();
                let last_is_word = tokens.last().is_some_and(|(_, ascii)| *ascii);
                let prefix = if last_is_word { " *" } else { "" };
                parts.push(format!("uni : {}{prefix}", quote(&words.join(" "))));
            }
        }
    }
    (!parts.is_empty()).then(|| parts.join(" AND "))
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
