//! Full-text search: preparing text and building queries (pure functions, tested without a
//! database), keeping the index in step as rows change, and running a search.
//!
//! One FTS5 table, `search_index`, holds every non-ASCII letter as a token (`uni`) and every pair
//! of adjacent ones as a token (`bi`), plus ASCII words and their letter/digit parts. Chinese
//! words are often one or two characters: a one-character term is a `uni` token, a longer one a
//! phrase of its overlapping bigrams. ASCII terms match words (or their parts) by prefix, so
//! `DMM-6500`, `6500` and `dmm65` find `DMM6500`, though a piece from inside a word does not.
//!
//! A single write queues its row's index text in `search_pending`, moved into FTS5 every
//! `PENDING_FLUSH_ROWS` rows (one small segment instead of one per write); a search matches the
//! queued rows in Rust with [`matches()`]. A small batch indexes directly. A bulk import (from
//! `BULK_ROWS` rows) queues its rows too and commits without indexing them, because FTS5 was
//! about half of its time: [`Store::index_pending`] moves them in chunks after the commit, and
//! every later single write moves a chunk as well, so the queue drains even if no one calls it.

use idstation_model::Instrument;
use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;

use crate::instruments::{into_record, record_from_row, InstrumentRecord, RECORD_COLUMNS};
use crate::{Result, Store};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearchResults {
    pub hits: Vec<InstrumentRecord>,
    /// More matched than the limit allowed.
    pub truncated: bool,
}

/// Batches at least this large commit before their rows are indexed (see the module's note).
pub(crate) const BULK_ROWS: usize = 1000;

/// Pending index rows moved into FTS5 at once.
const PENDING_FLUSH_ROWS: i64 = 64;

/// The most queued rows a single write moves into FTS5 (about 30 ms): a bulk import's queue
/// drains with use without one click paying for all of it.
const PENDING_FLUSH_MAX: i64 = 2000;

/// How a new row's text reaches the search index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Indexing {
    /// Queued; every `PENDING_FLUSH_ROWS` queued rows go into FTS5 together (single writes).
    Queue,
    /// Into FTS5 now (a small batch makes one segment anyway).
    Now,
    /// Queued without flushing, for [`Store::index_pending`] after the commit (bulk imports).
    Defer,
}

impl Indexing {
    /// A batch of `rows` rows: bulk ones defer their indexing.
    pub(crate) fn for_batch(rows: usize) -> Indexing {
        if rows >= BULK_ROWS {
            Indexing::Defer
        } else {
            Indexing::Now
        }
    }
}

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

/// Rows a transaction of `Store::index_all_pending` moves.
const INDEX_CHUNK_ROWS: usize = 10_000;

fn pending_count(conn: &rusqlite::Connection) -> Result<usize> {
    let n: i64 = conn
        .prepare_cached("SELECT count(*) FROM search_pending")?
        .query_row([], |r| r.get(0))?;
    Ok(n as usize)
}

impl Store {
    /// Puts a new row's index text (see [`ngram_columns`]) where `how` says.
    pub(crate) fn index_text(
        tx: &Transaction<'_>,
        row_id: i64,
        uni: &str,
        bi: &str,
        how: Indexing,
    ) -> Result<()> {
        match how {
            Indexing::Queue => {
                Self::queue(tx, row_id, uni, bi)?;
                Self::flush_when_due(tx)
            }
            Indexing::Now => {
                tx.prepare_cached("INSERT INTO search_index (rowid, uni, bi) VALUES (?1, ?2, ?3)")?
                    .execute(params![row_id, uni, bi])?;
                Ok(())
            }
            Indexing::Defer => Self::queue(tx, row_id, uni, bi),
        }
    }

    fn queue(tx: &Transaction<'_>, row_id: i64, uni: &str, bi: &str) -> Result<()> {
        tx.prepare_cached(
            "INSERT OR REPLACE INTO search_pending (row_id, uni, bi) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![row_id, uni, bi])?;
        Ok(())
    }

    /// Queues an instrument's index text; every `PENDING_FLUSH_ROWS` rows go into FTS5 together.
    pub(crate) fn index(tx: &Transaction<'_>, row_id: i64, inst: &Instrument) -> Result<()> {
        let (uni, bi) = ngram_columns(&inst.search_text());
        Self::queue(tx, row_id, &uni, &bi)?;
        Self::flush_when_due(tx)
    }

    fn flush_when_due(tx: &Transaction<'_>) -> Result<()> {
        if pending_count(tx)? >= PENDING_FLUSH_ROWS as usize {
            Self::flush_pending(tx, PENDING_FLUSH_MAX)?;
        }
        Ok(())
    }

    /// Moves the oldest `max_rows` queued rows into FTS5.
    fn flush_pending(tx: &Transaction<'_>, max_rows: i64) -> Result<()> {
        tx.prepare_cached(
            "INSERT INTO search_index (rowid, uni, bi)
                 SELECT row_id, uni, bi FROM search_pending ORDER BY row_id LIMIT ?1",
        )?
        .execute([max_rows])?;
        tx.prepare_cached(
            "DELETE FROM search_pending
             WHERE row_id IN (SELECT row_id FROM search_pending ORDER BY row_id LIMIT ?1)",
        )?
        .execute([max_rows])?;
        Ok(())
    }

    /// How many rows wait for the search index (a bulk import's, until [`Store::index_pending`]
    /// has moved them; search finds them meanwhile, only more slowly).
    pub fn pending_index_rows(&self) -> Result<usize> {
        pending_count(&self.conn)
    }

    /// Moves up to `max_rows` queued rows into the search index in one transaction and returns
    /// how many are still queued. Run after a bulk import, in chunks, so a search or a write from
    /// the person never waits behind all of it.
    pub fn index_pending(&mut self, max_rows: usize) -> Result<usize> {
        let tx = Self::write_tx(&mut self.conn)?;
        Self::flush_pending(&tx, max_rows.max(1) as i64)?;
        let left = pending_count(&tx)?;
        tx.commit()?;
        Ok(left)
    }

    /// Moves every queued row into the search index, a chunk a transaction (for callers that
    /// wait for it: a one-shot import, a benchmark).
    pub fn index_all_pending(&mut self) -> Result<()> {
        while self.index_pending(INDEX_CHUNK_ROWS)? > 0 {}
        Ok(())
    }

    pub(crate) fn unindex(tx: &Transaction<'_>, row_id: i64) -> Result<()> {
        let queued = tx
            .prepare_cached("DELETE FROM search_pending WHERE row_id = ?1")?
            .execute([row_id])?;
        if queued == 0 {
            tx.prepare_cached("DELETE FROM search_index WHERE rowid = ?1")?
                .execute([row_id])?;
        }
        Ok(())
    }

    /// Search over every text field, newest first: Chinese substrings of any length, ASCII
    /// words and their letter/digit parts by prefix. Terms separated by spaces must all match.
    pub fn search(&self, query: &str, limit: u32) -> Result<SearchResults> {
        let limit = limit.max(1) as usize;
        let terms = parse_query(query);
        let Some(expr) = fts_expression(&terms) else {
            return Ok(SearchResults {
                hits: vec![],
                truncated: false,
            });
        };
        // FTS5 walks its index in rowid order, so LIMIT stops it early even for common terms.
        let mut ids: Vec<i64> = self
            .conn
            .prepare_cached(
                "SELECT rowid FROM search_index WHERE search_index MATCH ?1
                 ORDER BY rowid DESC LIMIT ?2",
            )?
            .query_map(params![expr, limit as i64 + 1], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        // Rows not yet moved into the index are matched here: a few dozen single writes, or a
        // bulk import's rows until `index_pending` has moved them.
        let mut pending = self
            .conn
            .prepare_cached("SELECT row_id, uni, bi FROM search_pending")?;
        let mut rows = pending.query([])?;
        while let Some(r) = rows.next()? {
            let (uni, bi): (String, String) = (r.get(1)?, r.get(2)?);
            if matches(&terms, &uni, &bi) {
                ids.push(r.get(0)?);
            }
        }
        ids.sort_unstable_by(|a, b| b.cmp(a));
        ids.dedup();
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {RECORD_COLUMNS} FROM instruments WHERE id = ?1 AND deleted_at IS NULL"
        ))?;
        let mut hits = Vec::with_capacity(limit + 1);
        for id in ids {
            if hits.len() > limit {
                break;
            }
            if let Some(row) = stmt.query_row([id], record_from_row).optional()? {
                hits.push(into_record(row)?);
            }
        }
        let truncated = hits.len() > limit;
        hits.truncate(limit);
        Ok(SearchResults { hits, truncated })
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
