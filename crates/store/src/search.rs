//! Search text preparation and query planning: pure functions, tested without a database.
//!
//! Two FTS5 tables share the work. `search_trigram` finds any substring of three or more
//! characters. Chinese words are often one or two characters, which trigrams cannot find, so
//! `search_ngram` holds every non-ASCII letter as a token (`uni`) and every pair of adjacent ones
//! as a token (`bi`), plus ASCII words and their letter/digit parts for short Latin prefixes.

/// Builds the `uni` and `bi` column texts for `search_ngram`.
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

/// The FTS5 MATCH expressions a query needs, one per table (all terms must match).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchPlan {
    pub trigram: Option<String>,
    pub ngram: Option<String>,
}

impl SearchPlan {
    pub fn is_empty(&self) -> bool {
        self.trigram.is_none() && self.ngram.is_none()
    }
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Splits the query on white space; each term is a substring to find (all must be found).
pub fn plan(query: &str) -> SearchPlan {
    let mut trigram = Vec::new();
    let mut ngram = Vec::new();
    for term in query.split_whitespace() {
        let chars: Vec<char> = term.chars().collect();
        if chars.len() >= 3 {
            trigram.push(quote(term));
            continue;
        }
        let all_wide = chars.iter().all(|c| is_wide(*c));
        if all_wide && chars.len() == 2 {
            let pair: String = term.chars().flat_map(char::to_lowercase).collect();
            ngram.push(format!("bi : {}", quote(&pair)));
            continue;
        }
        // One character, or a short mix: each letter or ASCII run must be there.
        let (uni, _) = ngram_columns(term);
        for token in uni.split(' ').filter(|t| !t.is_empty()) {
            let is_ascii_word = token.bytes().all(|b| b.is_ascii_alphanumeric());
            if is_ascii_word {
                ngram.push(format!("uni : {} *", quote(token)));
            } else {
                ngram.push(format!("uni : {}", quote(token)));
            }
        }
    }
    let join = |v: Vec<String>| (!v.is_empty()).then(|| v.join(" AND "));
    SearchPlan {
        trigram: join(trigram),
        ngram: join(ngram),
    }
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
    fn plans_route_short_terms_to_ngrams_and_long_ones_to_trigrams() {
        assert_eq!(
            plan("卡"),
            SearchPlan {
                trigram: None,
                ngram: Some("uni : \"卡\"".into())
            }
        );
        assert_eq!(plan("卡尺").ngram.as_deref(), Some("bi : \"卡尺\""));
        assert_eq!(plan("数显卡尺").trigram.as_deref(), Some("\"数显卡尺\""));
        assert_eq!(plan("DMM-6500 表").trigram.as_deref(), Some("\"DMM-6500\""));
        assert_eq!(plan("DMM-6500 表").ngram.as_deref(), Some("uni : \"表\""));
        assert_eq!(plan("65").ngram.as_deref(), Some("uni : \"65\" *"));
        assert!(plan("  - ").is_empty());
    }

    #[test]
    fn quotes_inside_terms_are_escaped() {
        assert_eq!(plan("a\"b\"c").trigram.as_deref(), Some("\"a\"\"b\"\"c\""));
    }
}
