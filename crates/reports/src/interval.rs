//! Sets of time as sorted, disjoint half-open intervals of milliseconds: the arithmetic the
//! availability figures are made of (running time, maintenance, their difference).

use chrono::{DateTime, TimeZone, Utc};

/// A half-open span `[start, end)` in Unix milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Span {
    pub start: i64,
    pub end: i64,
}

impl Span {
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Span {
        Span {
            start: start.timestamp_millis(),
            end: end.timestamp_millis(),
        }
    }

    pub fn len(&self) -> i64 {
        (self.end - self.start).max(0)
    }

    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    pub fn start_utc(&self) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(self.start)
            .single()
            .unwrap_or_default()
    }

    pub fn end_utc(&self) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(self.end)
            .single()
            .unwrap_or_default()
    }
}

/// A set of instants: sorted, disjoint, non-empty spans.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SpanSet(Vec<Span>);

impl SpanSet {
    /// The union of any spans (empty ones dropped, overlapping and touching ones merged).
    pub fn union_of(spans: impl IntoIterator<Item = Span>) -> SpanSet {
        let mut v: Vec<Span> = spans.into_iter().filter(|s| !s.is_empty()).collect();
        v.sort();
        let mut out: Vec<Span> = Vec::with_capacity(v.len());
        for s in v {
            match out.last_mut() {
                Some(last) if s.start <= last.end => last.end = last.end.max(s.end),
                _ => out.push(s),
            }
        }
        SpanSet(out)
    }

    pub fn spans(&self) -> &[Span] {
        &self.0
    }

    /// Total length in milliseconds.
    pub fn total(&self) -> i64 {
        self.0.iter().map(Span::len).sum()
    }

    pub fn intersect(&self, other: &SpanSet) -> SpanSet {
        let (a, b) = (&self.0, &other.0);
        let (mut i, mut j) = (0, 0);
        let mut out = Vec::new();
        while i < a.len() && j < b.len() {
            let s = Span {
                start: a[i].start.max(b[j].start),
                end: a[i].end.min(b[j].end),
            };
            if !s.is_empty() {
                out.push(s);
            }
            if a[i].end < b[j].end {
                i += 1;
            } else {
                j += 1;
            }
        }
        SpanSet(out)
    }

    pub fn clip(&self, window: Span) -> SpanSet {
        self.intersect(&SpanSet::union_of([window]))
    }

    /// The instants of `self` not in `other`.
    pub fn minus(&self, other: &SpanSet) -> SpanSet {
        let mut out = Vec::new();
        let mut j = 0;
        for s in &self.0 {
            let mut cur = s.start;
            while j < other.0.len() && other.0[j].end <= cur {
                j += 1;
            }
            let mut k = j;
            while k < other.0.len() && other.0[k].start < s.end {
                let o = other.0[k];
                if o.start > cur {
                    out.push(Span {
                        start: cur,
                        end: o.start,
                    });
                }
                cur = cur.max(o.end);
                k += 1;
            }
            if cur < s.end {
                out.push(Span {
                    start: cur,
                    end: s.end,
                });
            }
        }
        SpanSet(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(v: &[(i64, i64)]) -> SpanSet {
        SpanSet::union_of(v.iter().map(|&(start, end)| Span { start, end }))
    }

    #[test]
    fn union_merges_overlapping_and_touching_spans() {
        assert_eq!(
            set(&[(5, 8), (0, 2), (2, 3), (7, 10), (12, 12)]),
            set(&[(0, 3), (5, 10)])
        );
        assert_eq!(set(&[(0, 3), (5, 10)]).total(), 8);
    }

    #[test]
    fn intersect_and_minus_partition_a_set() {
        let a = set(&[(0, 10), (20, 30)]);
        let b = set(&[(5, 25), (28, 40)]);
        assert_eq!(a.intersect(&b), set(&[(5, 10), (20, 25), (28, 30)]));
        assert_eq!(a.minus(&b), set(&[(0, 5), (25, 28)]));
        assert_eq!(a.intersect(&b).total() + a.minus(&b).total(), a.total());
        assert_eq!(a.minus(&SpanSet::default()), a);
        assert_eq!(
            a.clip(Span { start: 8, end: 22 }),
            set(&[(8, 10), (20, 22)])
        );
    }
}
