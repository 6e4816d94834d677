//! Monitoring: the daily figures the top-level node's docking guide asks for, and Prometheus
//! metrics.
//!
//! Every request passes [`Monitor::observe`] (a short critical section over in-memory counters).
//! The day's figures are stored every few seconds and at shutdown, so a crash loses
//! at most that interval of counters — never a registration, which lives in the handle table.
//! Days follow China Standard Time (UTC+8), the platform's reporting day.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::net::IpAddr;
use std::sync::{Mutex, RwLock};
use std::time::Duration;

use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat, Utc};
use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use serde::{Deserialize, Serialize};

/// What a request was, for the figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EncodeLabelValue)]
pub enum RequestKind {
    Resolution,
    Registration,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RequestLabels {
    kind: RequestKind,
    status: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct KindLabel {
    kind: RequestKind,
}

/// Latency figures of one kind of request over a day.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    pub count: u64,
    pub total_us: u64,
    pub max_us: u64,
    pub max_at: Option<String>,
    pub min_us: u64,
    pub min_at: Option<String>,
}

impl Latency {
    /// `at` formats the time only when a new minimum or maximum needs it.
    fn add(&mut self, us: u64, at: &dyn Fn() -> String) {
        if self.count == 0 || us < self.min_us {
            self.min_us = us;
            self.min_at = Some(at());
        }
        if self.count == 0 || us > self.max_us {
            self.max_us = us;
            self.max_at = Some(at());
        }
        self.count += 1;
        self.total_us += us;
    }
}

/// An abnormal event or the recovery from one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Event {
    pub at: String,
    /// `abnormal` or `recovered`.
    pub kind: String,
    /// `network`, `system`, `attack` or `other`.
    pub category: String,
    pub detail: String,
    /// The enterprise bucket the event concerns alone (an attack on its identifiers); none
    /// when it concerns the whole node, and so every enterprise served by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
}

impl Event {
    /// Whether the event belongs in `bucket`'s figures (annex 2 table 2: an enterprise node
    /// reports the events of its own service). A fault of the whole node stopped every
    /// enterprise's service; an attack concerns the node's operator unless it was aimed at the
    /// enterprise's identifiers (it names an address of no tenant's concern otherwise).
    pub fn concerns(&self, bucket: &str) -> bool {
        match &self.prefix {
            Some(p) => p == bucket,
            None => self.category != "attack",
        }
    }
}

/// An event's number within its day: the day and its place in the day's list.
pub fn event_id(day: NaiveDate, n: usize) -> String {
    format!("{}-{:04}", day.format("%Y%m%d"), n + 1)
}

/// The abnormal event a recovery at `n` ends: the day's latest abnormal event of the same
/// category and scope, unless a recovery came between (then it was ended already). A recovery
/// whose abnormal event was on an earlier day names none.
pub fn ended_event(events: &[Event], n: usize) -> Option<usize> {
    let e = events.get(n)?;
    if e.kind != "recovered" {
        return None;
    }
    events[..n]
        .iter()
        .enumerate()
        .rev()
        .find(|(_, x)| x.category == e.category && x.prefix == e.prefix)
        .filter(|(_, x)| x.kind == "abnormal")
        .map(|(m, _)| m)
}

/// Annex 2's event type codes: 1 network fault, 2 system error, 3 attack, 4 other.
pub fn event_type(category: &str) -> u8 {
    match category {
        "network" => 1,
        "system" => 2,
        "attack" => 3,
        _ => 4,
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PrefixFigures {
    pub new_registrations: u64,
    /// Handles under the prefix when the figures were last written.
    #[serde(default)]
    pub total_registrations: u64,
    pub resolution_requests: u64,
    pub successful_responses: u64,
    pub source_ips: BTreeMap<String, u64>,
    /// The prefix's own latency and busiest second (annex 2 table 2: an enterprise node reports
    /// its own figures, not the platform's).
    #[serde(default)]
    pub resolution: Latency,
    #[serde(default)]
    pub registration: Latency,
    #[serde(default)]
    pub max_qps: u64,
    #[serde(default)]
    pub max_qps_at: Option<String>,
}

/// One day's figures as stored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DayFigures {
    pub resolution: Latency,
    pub registration: Latency,
    pub max_qps: u64,
    pub max_qps_at: Option<String>,
    pub events: Vec<Event>,
    /// One entry per bucket: the node's prefix, each enterprise's, and [`OTHER_BUCKET`].
    pub prefixes: BTreeMap<String, PrefixFigures>,
    /// The source addresses were cut to their network (the retention period ended).
    #[serde(default)]
    pub ips_truncated: bool,
}

/// Requests about a prefix outside the node's (or an unreadable one) count here: however many
/// prefixes scanners invent, the figures keep one entry per enterprise plus this.
pub const OTHER_BUCKET: &str = "other";
/// How a GS1 Digital Link request names what it is about: this, then the key's digits from its
/// company prefix on (a GTIN without its indicator digit, a GIAI as it is).
pub const GS1_SUBJECT: &str = "gs1:";
/// Source addresses kept per bucket: the heaviest, found with the space-saving algorithm
/// (Metwally et al.), so a flood from many addresses costs a fixed amount.
pub const MAX_IPS_PER_BUCKET: usize = 64;
/// Addresses watched for refused requests at once.
const MAX_WATCHED_ADDRESSES: usize = 4_096;

/// Counts one request from `ip` in a bounded map. A new address when the map is full takes the
/// place of the least-counted one and inherits its count plus one (an upper bound on its own):
/// an address sending more than 1/`MAX_IPS_PER_BUCKET` of the requests is always kept.
fn count_ip(ips: &mut BTreeMap<String, u64>, ip: &str) {
    if let Some(n) = ips.get_mut(ip) {
        *n += 1;
        return;
    }
    if ips.len() < MAX_IPS_PER_BUCKET {
        ips.insert(ip.to_owned(), 1);
        return;
    }
    let least = ips
        .iter()
        .min_by_key(|(_, n)| **n)
        .map(|(k, n)| (k.clone(), *n));
    if let Some((least_ip, n)) = least {
        ips.remove(&least_ip);
        ips.insert(ip.to_owned(), n + 1);
    }
}

/// An address cut to its network: IPv4 to /24, IPv6 to /48 (what GB/T 35273's
/// de-identification asks of data kept past its purpose). Text that is no address (already
/// cut) stays as it is.
pub fn truncate_ip(text: &str) -> String {
    match text.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        Ok(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
        }
        Err(_) => text.to_owned(),
    }
}

impl DayFigures {
    /// Cuts every source address to its network, adding up the counts of one network.
    pub fn truncate_ips(&mut self) {
        for p in self.prefixes.values_mut() {
            let mut cut = BTreeMap::new();
            for (ip, n) in std::mem::take(&mut p.source_ips) {
                *cut.entry(truncate_ip(&ip)).or_insert(0) += n;
            }
            p.source_ips = cut;
        }
        self.ips_truncated = true;
    }
}

/// Refused authentications from one address within this window that count as an attack.
const ATTACK_WINDOW: Duration = Duration::from_secs(60);
const ATTACK_THRESHOLD: usize = 20;
/// How long without a server error before an abnormality is over.
const SYSTEM_QUIET: Duration = Duration::from_secs(60);
/// Most events kept per day: a flood is summarised, not stored without bound.
const MAX_EVENTS_PER_DAY: usize = 1_000;

/// Whose service an address's refused requests were aimed at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
enum Aim {
    #[default]
    Unknown,
    /// Every one concerned this enterprise bucket's identifiers (e.g. writes under its prefix).
    Bucket(String),
    /// Sign-ins, unknown prefixes or several buckets: the node as a whole.
    Node,
}

impl Aim {
    fn add(&mut self, bucket: Option<&str>) {
        *self = match (std::mem::take(self), bucket) {
            (Aim::Unknown, Some(b)) if b != OTHER_BUCKET => Aim::Bucket(b.to_owned()),
            (Aim::Bucket(x), Some(b)) if x == b => Aim::Bucket(x),
            _ => Aim::Node,
        };
    }
}

/// One address's refused requests within the attack window, and what they were aimed at.
#[derive(Debug, Default)]
struct Refusals {
    times: VecDeque<DateTime<Utc>>,
    aim: Aim,
}

struct Live {
    day: NaiveDate,
    figures: DayFigures,
    /// The current second (Unix) and how many requests it has seen so far.
    second: i64,
    in_second: u64,
    /// The same per bucket: the second and its resolutions so far (bounded by the buckets).
    prefix_seconds: HashMap<String, (i64, u64)>,
    system_abnormal: bool,
    /// The newest server error (an abnormality ends only after [`SYSTEM_QUIET`] without one).
    last_server_error: Option<DateTime<Utc>>,
    refused: HashMap<IpAddr, Refusals>,
    under_attack: HashMap<IpAddr, bool>,
    /// Addresses that joined the attack under way (for its end's event).
    attack_addresses: usize,
    /// The bucket the attack under way is aimed at, if one (its end's event names it too).
    attack_prefix: Option<String>,
    dirty: bool,
}

pub struct Monitor {
    live: Mutex<Live>,
    /// The prefixes that get their own figures: the node's and each active enterprise's.
    buckets: RwLock<HashSet<String>>,
    /// GS1 company prefixes and the enterprise prefix holding each.
    gs1_owners: RwLock<Vec<(String, String)>>,
    /// The day the retention pass last ran.
    retention_ran: Mutex<Option<NaiveDate>>,
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    durations: Family<KindLabel, Histogram>,
}

/// Ends every attack of `figures` still open (an abnormal attack event with no recovery of
/// the same scope after it) with a recovery at `now`. Returns whether any was.
fn end_open_attacks(figures: &mut DayFigures, now: DateTime<Utc>) -> bool {
    let mut open: Vec<Option<String>> = Vec::new();
    for e in figures.events.iter().filter(|e| e.category == "attack") {
        match e.kind.as_str() {
            "abnormal" if !open.contains(&e.prefix) => open.push(e.prefix.clone()),
            "recovered" => open.retain(|p| *p != e.prefix),
            _ => {}
        }
    }
    let any = !open.is_empty();
    for prefix in open {
        if figures.events.len() < MAX_EVENTS_PER_DAY {
            figures.events.push(Event {
                at: stamp(now),
                kind: "recovered".into(),
                category: "attack".into(),
                detail: "the node restarted; addresses are watched anew".into(),
                prefix,
            });
        }
    }
    any
}

/// China Standard Time: the reporting day.
pub fn cst() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

pub fn day_of(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&cst()).date_naive()
}

fn stamp(t: DateTime<Utc>) -> String {
    t.with_timezone(&cst())
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// An address's canonical text written into a stack buffer, so counting a request from a known
/// address allocates nothing. 48 bytes hold any IPv6 text (at most 45).
fn ip_text(ip: IpAddr, buf: &mut [u8; 48]) -> &str {
    use std::io::Write as _;
    let mut cursor = std::io::Cursor::new(&mut buf[..]);
    let len = match write!(cursor, "{}", ip.to_canonical()) {
        Ok(()) => usize::try_from(cursor.position()).unwrap_or(0),
        Err(_) => 0,
    };
    std::str::from_utf8(&buf[..len]).unwrap_or("")
}

impl Monitor {
    /// A monitor continuing `today`'s stored figures (after a restart). An attack under way
    /// when the node stopped ends now: who was attacking is not kept across a restart, so
    /// nothing else would end it.
    pub fn new(now: DateTime<Utc>, stored_today: Option<DayFigures>) -> Monitor {
        let mut figures = stored_today.unwrap_or_default();
        let ended_attacks = end_open_attacks(&mut figures, now);
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        let durations = Family::<KindLabel, Histogram>::new_with_constructor(|| {
            Histogram::new([
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0,
            ])
        });
        registry.register(
            "idstation_requests",
            "HTTP requests by kind and status",
            requests.clone(),
        );
        registry.register(
            "idstation_request_duration_seconds",
            "Time to answer a request, by kind",
            durations.clone(),
        );
        Monitor {
            live: Mutex::new(Live {
                day: day_of(now),
                figures,
                second: now.timestamp(),
                in_second: 0,
                prefix_seconds: HashMap::new(),
                system_abnormal: false,
                last_server_error: None,
                refused: HashMap::new(),
                under_attack: HashMap::new(),
                attack_addresses: 0,
                attack_prefix: None,
                dirty: ended_attacks,
            }),
            buckets: RwLock::new(HashSet::new()),
            gs1_owners: RwLock::new(Vec::new()),
            retention_ran: Mutex::new(None),
            registry,
            requests,
            durations,
        }
    }

    /// Sets the prefixes that get their own figures (the node's and its active enterprises');
    /// the node calls it at start and whenever an enterprise's status changes.
    pub fn set_buckets(&self, prefixes: impl IntoIterator<Item = String>) {
        let list: Vec<String> = prefixes.into_iter().collect();
        *self.buckets.write().unwrap_or_else(|p| p.into_inner()) = list.iter().cloned().collect();
        // (The buckets' lock is released before the day's is taken: `roll` takes them the other
        // way round.)
        let mut live = self.live();
        for prefix in list {
            live.figures.prefixes.entry(prefix).or_default();
        }
        live.dirty = true;
    }

    /// Moves the figures to `now`'s day. A new day starts with a row for every bucket, so a quiet
    /// enterprise's day is reported as zeros, not missing.
    fn roll(&self, live: &mut Live, now: DateTime<Utc>) -> Option<(NaiveDate, DayFigures)> {
        let ended = live.roll_over(now);
        if ended.is_some() {
            let buckets = self.buckets.read().unwrap_or_else(|p| p.into_inner());
            for prefix in buckets.iter() {
                live.figures.prefixes.entry(prefix.clone()).or_default();
            }
        }
        ended
    }

    /// Sets which enterprise holds which GS1 company prefix (`(company, enterprise prefix)`).
    pub fn set_gs1_owners(&self, owners: Vec<(String, String)>) {
        *self.gs1_owners.write().unwrap_or_else(|p| p.into_inner()) = owners;
    }

    /// The bucket a request about `prefix` counts in: the nearest bucket prefix at or above
    /// it, else [`OTHER_BUCKET`]. A GS1 key (`gs1:` and its digits from the company prefix
    /// on, see [`GS1_SUBJECT`]) counts for the enterprise holding its company prefix.
    fn bucket_of(&self, prefix: &str) -> String {
        if let Some(digits) = prefix.strip_prefix(GS1_SUBJECT) {
            let owners = self.gs1_owners.read().unwrap_or_else(|p| p.into_inner());
            let owner = owners
                .iter()
                .filter(|(company, _)| digits.starts_with(company.as_str()))
                .max_by_key(|(company, _)| company.len())
                .map(|(_, enterprise)| enterprise.clone());
            drop(owners);
            return match owner {
                Some(enterprise) => self.bucket_of(&enterprise),
                None => OTHER_BUCKET.to_owned(),
            };
        }
        let buckets = self.buckets.read().unwrap_or_else(|p| p.into_inner());
        let mut candidate = prefix;
        loop {
            if buckets.contains(candidate) {
                return candidate.to_owned();
            }
            match candidate.rfind('.') {
                Some(dot) => candidate = &candidate[..dot],
                None => return OTHER_BUCKET.to_owned(),
            }
        }
    }

    fn live(&self) -> std::sync::MutexGuard<'_, Live> {
        self.live.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records one answered request. Returns the figures of a day that just ended, for the
    /// caller to store.
    pub fn observe(
        &self,
        now: DateTime<Utc>,
        kind: RequestKind,
        prefix: Option<&str>,
        ip: IpAddr,
        status: u16,
        elapsed: Duration,
    ) -> Option<(NaiveDate, DayFigures)> {
        self.requests
            .get_or_create(&RequestLabels { kind, status })
            .inc();
        self.durations
            .get_or_create(&KindLabel { kind })
            .observe(elapsed.as_secs_f64());
        let us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        let bucket = prefix.map(|p| self.bucket_of(p));
        let prefix = bucket.as_deref();
        // Formatted only when a figure records its time: most requests set none.
        let at = || stamp(now);
        let mut live = self.live();
        let ended = self.roll(&mut live, now);
        live.dirty = true;
        // Resolutions per second (the docking guide's peak QPS is of resolution requests, not
        // of sync, sign-ins, metrics or writes): the busiest whole second of the day.
        if kind == RequestKind::Resolution {
            if now.timestamp() != live.second {
                live.second = now.timestamp();
                live.in_second = 0;
            }
            live.in_second += 1;
            if live.in_second > live.figures.max_qps {
                live.figures.max_qps = live.in_second;
                live.figures.max_qps_at = Some(at());
            }
        }
        let success = (200..400).contains(&status);
        match kind {
            RequestKind::Resolution => live.figures.resolution.add(us, &at),
            RequestKind::Registration if success => live.figures.registration.add(us, &at),
            _ => {}
        }
        if let Some(prefix) = prefix {
            // Keys are allocated only the first time a prefix or an address is seen in a day.
            let live = &mut *live;
            let live_seconds = &mut live.prefix_seconds;
            let prefixes = &mut live.figures.prefixes;
            if !prefixes.contains_key(prefix) {
                prefixes.insert(prefix.to_owned(), PrefixFigures::default());
            }
            if let Some(p) = prefixes.get_mut(prefix) {
                match kind {
                    RequestKind::Resolution => {
                        // The source addresses are of resolution requests only.
                        let mut buf = [0u8; 48];
                        count_ip(&mut p.source_ips, ip_text(ip, &mut buf));
                        p.resolution_requests += 1;
                        if success {
                            p.successful_responses += 1;
                        }
                        p.resolution.add(us, &at);
                        // The prefix's own busiest second.
                        let second = live_seconds.entry(prefix.to_owned()).or_insert((0, 0));
                        if second.0 != now.timestamp() {
                            *second = (now.timestamp(), 0);
                        }
                        second.1 += 1;
                        if second.1 > p.max_qps {
                            p.max_qps = second.1;
                            p.max_qps_at = Some(at());
                        }
                    }
                    RequestKind::Registration if status == 201 => {
                        p.new_registrations += 1;
                        p.registration.add(us, &at);
                    }
                    _ => {}
                }
            }
        }
        // A server error starts a "system" abnormality; a success after a quiet spell ends it.
        // (Ended by the next success, a node that answers some requests 503 under load would
        // flap: an event pair per request, each reported upstream.)
        if status >= 500 {
            live.last_server_error = Some(now);
            if !live.system_abnormal {
                live.system_abnormal = true;
                live.event(&at(), "abnormal", "system", &format!("HTTP {status}"));
            }
        } else if success
            && live.system_abnormal
            && live.last_server_error.is_none_or(|t| {
                now - t >= chrono::Duration::from_std(SYSTEM_QUIET).unwrap_or_default()
            })
        {
            live.system_abnormal = false;
            live.event(&at(), "recovered", "system", "requests succeed again");
        }
        live.watch_for_attack(now, &at, ip, prefix, status);
        ended
    }

    /// Registrations that arrived through a sync push (a workstation's, not a Handle API PUT):
    /// new registrations of their prefixes, each timed at its share of the push. Returns the
    /// day that ended, if this rolled the figures over (the caller stores it).
    pub fn sync_registrations(
        &self,
        now: DateTime<Utc>,
        by_prefix: &[(String, u64)],
        elapsed: Duration,
    ) -> Option<(NaiveDate, DayFigures)> {
        let total: u64 = by_prefix.iter().map(|(_, n)| n).sum();
        if total == 0 {
            return None;
        }
        let each = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX) / total;
        let buckets: Vec<(String, u64)> = by_prefix
            .iter()
            .map(|(p, n)| (self.bucket_of(p), *n))
            .collect();
        let at = || stamp(now);
        let mut live = self.live();
        let ended = self.roll(&mut live, now);
        live.dirty = true;
        for (bucket, n) in buckets {
            let figures = &mut live.figures;
            let p = figures.prefixes.entry(bucket).or_default();
            for _ in 0..n {
                figures.registration.add(each, &at);
                p.registration.add(each, &at);
            }
            p.new_registrations += n;
        }
        ended
    }

    /// Records an event from outside the request path (e.g. an unclean shutdown found at start).
    pub fn event(&self, now: DateTime<Utc>, kind: &str, category: &str, detail: &str) {
        self.event_at(now, now, kind, category, detail);
    }

    /// Records, in today's figures, an event that happened at `at` (before `now`: a crash is
    /// known at the next start, from the run's last heartbeat). The day is `now`'s: an earlier
    /// `at` never turns the figures back to another day.
    pub fn event_at(
        &self,
        now: DateTime<Utc>,
        at: DateTime<Utc>,
        kind: &str,
        category: &str,
        detail: &str,
    ) {
        let mut live = self.live();
        self.roll(&mut live, now);
        live.dirty = true;
        live.event(&stamp(at), kind, category, detail);
    }

    /// Ends the attack under way once every address in it has gone a minute without a refused
    /// request: an attacker that goes away sends nothing else to end it by. The node calls it
    /// every few seconds. Returns the day that ended, if this rolled the figures over.
    pub fn end_quiet_attack(&self, now: DateTime<Utc>) -> Option<(NaiveDate, DayFigures)> {
        let mut live = self.live();
        if live.under_attack.is_empty() {
            return None;
        }
        let ended = self.roll(&mut live, now);
        let live = &mut *live;
        if live.under_attack.keys().all(|ip| live.quiet(*ip, now)) {
            for ip in std::mem::take(&mut live.under_attack).into_keys() {
                live.refused.remove(&ip);
            }
            live.dirty = true;
            live.attack_over(&|| stamp(now));
        }
        ended
    }

    /// Today's figures when they changed since the last call.
    pub fn take_dirty(&self) -> Option<(NaiveDate, DayFigures)> {
        let mut live = self.live();
        if !live.dirty {
            return None;
        }
        live.dirty = false;
        Some((live.day, live.figures.clone()))
    }

    /// Today's figures as they are now.
    pub fn today(&self) -> (NaiveDate, DayFigures) {
        let live = self.live();
        (live.day, live.figures.clone())
    }

    /// Whether the day's retention pass is still to run (true once per day).
    pub fn retention_due(&self, today: NaiveDate) -> bool {
        let mut done = self.retention_ran.lock().unwrap_or_else(|p| p.into_inner());
        let due = *done != Some(today);
        *done = Some(today);
        due
    }

    /// Prometheus text exposition.
    pub fn metrics_text(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

impl Live {
    /// Starts a new day when `now` is past the current one; returns the finished day.
    fn roll_over(&mut self, now: DateTime<Utc>) -> Option<(NaiveDate, DayFigures)> {
        let today = day_of(now);
        if today == self.day {
            return None;
        }
        let ended = (self.day, std::mem::take(&mut self.figures));
        self.day = today;
        self.in_second = 0;
        self.prefix_seconds.clear();
        Some(ended)
    }

    fn event(&mut self, at: &str, kind: &str, category: &str, detail: &str) {
        self.event_about(at, kind, category, detail, None);
    }

    fn event_about(
        &mut self,
        at: &str,
        kind: &str,
        category: &str,
        detail: &str,
        prefix: Option<String>,
    ) {
        if self.figures.events.len() < MAX_EVENTS_PER_DAY {
            self.figures.events.push(Event {
                at: at.to_owned(),
                kind: kind.to_owned(),
                category: category.to_owned(),
                detail: detail.to_owned(),
                prefix,
            });
        }
    }

    /// Many refused authentications from one address in a minute is an attack; it is over when
    /// every such address has gone a minute without one. One attack is one event however many
    /// addresses join it (a botnet's), so the events (each reported upstream) stay few.
    fn watch_for_attack(
        &mut self,
        now: DateTime<Utc>,
        at: &dyn Fn() -> String,
        ip: IpAddr,
        bucket: Option<&str>,
        status: u16,
    ) {
        let window = chrono::Duration::from_std(ATTACK_WINDOW).unwrap_or_default();
        // A throttled attempt (429) is a refused one too: throttling starts where attacks do.
        let refused = matches!(status, 401 | 403 | 429);
        if refused {
            if !self.refused.contains_key(&ip) && self.refused.len() >= MAX_WATCHED_ADDRESSES {
                // Forget addresses that have been quiet for the window; when none has, the
                // newcomer is not watched (the ones watched already raised the event).
                self.refused
                    .retain(|_, r| r.times.back().is_some_and(|t| now - *t <= window));
                let refused = &self.refused;
                let attacked = !self.under_attack.is_empty();
                self.under_attack.retain(|a, _| refused.contains_key(a));
                if attacked && self.under_attack.is_empty() {
                    self.attack_over(at);
                }
                if self.refused.len() >= MAX_WATCHED_ADDRESSES {
                    return;
                }
            }
            let r = self.refused.entry(ip).or_default();
            r.times.push_back(now);
            r.aim.add(bucket);
            while r.times.front().is_some_and(|t| now - *t > window) {
                r.times.pop_front();
            }
            if r.times.len() >= ATTACK_THRESHOLD
                && !self.under_attack.get(&ip).copied().unwrap_or(false)
            {
                let aim = r.aim.clone();
                let first = self.under_attack.is_empty();
                self.under_attack.insert(ip, true);
                self.attack_addresses += 1;
                if first {
                    let (detail, prefix) = match aim {
                        Aim::Bucket(b) => (
                            format!(
                                "{ATTACK_THRESHOLD}+ refused requests about {b} from {ip} within a minute"
                            ),
                            Some(b),
                        ),
                        _ => (
                            format!("{ATTACK_THRESHOLD}+ refused requests from {ip} within a minute"),
                            None,
                        ),
                    };
                    self.attack_prefix = prefix.clone();
                    self.event_about(&at(), "abnormal", "attack", &detail, prefix);
                }
            }
        } else if self.under_attack.get(&ip).copied().unwrap_or(false) && self.quiet(ip, now) {
            self.under_attack.remove(&ip);
            self.refused.remove(&ip);
            if self.under_attack.is_empty() {
                self.attack_over(at);
            }
        }
    }

    /// Whether `ip` has gone the attack window without a refused request.
    fn quiet(&self, ip: IpAddr, now: DateTime<Utc>) -> bool {
        let window = chrono::Duration::from_std(ATTACK_WINDOW).unwrap_or_default();
        self.refused
            .get(&ip)
            .and_then(|r| r.times.back())
            .is_none_or(|last| now - *last > window)
    }

    /// The attack under way is over: every address in it went a minute without a refusal.
    fn attack_over(&mut self, at: &dyn Fn() -> String) {
        let n = std::mem::take(&mut self.attack_addresses);
        let prefix = self.attack_prefix.take();
        self.event_about(
            &at(),
            "recovered",
            "attack",
            &format!("the {n} attacking address(es) quiet for a minute"),
            prefix,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(kind: &str, category: &str) -> Event {
        Event {
            at: "2026-12-07T10:00:00+08:00".into(),
            kind: kind.into(),
            category: category.into(),
            detail: String::new(),
            prefix: None,
        }
    }

    #[test]
    fn a_recovery_names_the_abnormal_event_it_ends() {
        let about = |mut e: Event, p: &str| {
            e.prefix = Some(p.into());
            e
        };
        let events = [
            ev("abnormal", "attack"),                     // 0
            ev("abnormal", "system"),                     // 1
            ev("recovered", "system"),                    // 2 ends 1
            about(ev("abnormal", "attack"), "88.118.8"),  // 3
            ev("recovered", "attack"),                    // 4 ends 0, not 3
            ev("recovered", "attack"),                    // 5 ended already
            ev("recovered", "network"),                   // 6 began yesterday
            about(ev("recovered", "attack"), "88.118.8"), // 7 ends 3
        ];
        let ends: Vec<Option<usize>> = (0..events.len()).map(|n| ended_event(&events, n)).collect();
        assert_eq!(
            ends,
            [None, None, Some(1), None, Some(0), None, None, Some(3)]
        );
        assert_eq!(ended_event(&events, 99), None);
        // An enterprise's events: the node's faults and the attacks on its own identifiers.
        let theirs: Vec<usize> = (0..events.len())
            .filter(|n| events[*n].concerns("88.118.8"))
            .collect();
        assert_eq!(theirs, [1, 2, 3, 6, 7]);
        assert!(!events[3].concerns("88.118.9"));
    }

    #[test]
    fn event_ids_name_their_day_and_place() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 6).expect("date");
        assert_eq!(event_id(d, 0), "20261206-0001");
        assert_eq!(event_type("attack"), 3);
        assert_eq!(event_type("whatever"), 4);
    }

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("time")
            .with_timezone(&Utc)
    }

    #[test]
    fn figures_follow_the_requests() {
        let m = Monitor::new(t("2026-11-22T01:00:00Z"), None);
        m.set_buckets(["88.118".to_owned(), "88.118.8".to_owned()]);
        let ip: IpAddr = "10.0.0.7".parse().expect("ip");
        let ms = Duration::from_millis;
        m.observe(
            t("2026-11-22T01:00:00Z"),
            RequestKind::Resolution,
            Some("88.118.8"),
            ip,
            200,
            ms(4),
        );
        m.observe(
            t("2026-11-22T01:00:00Z"),
            RequestKind::Resolution,
            Some("88.118.8"),
            ip,
            404,
            ms(1),
        );
        m.observe(
            t("2026-11-22T01:00:01Z"),
            RequestKind::Registration,
            Some("88.118.8"),
            ip,
            201,
            ms(9),
        );
        m.observe(
            t("2026-11-22T01:00:02Z"),
            RequestKind::Registration,
            Some("88.118.8"),
            ip,
            200,
            ms(3),
        );
        let (day, f) = m.today();
        assert_eq!(day.to_string(), "2026-11-22");
        assert_eq!(f.resolution.count, 2);
        assert_eq!((f.resolution.max_us, f.resolution.min_us), (4000, 1000));
        assert_eq!(
            f.resolution.min_at.as_deref(),
            Some("2026-11-22T09:00:00+08:00")
        );
        assert_eq!(f.registration.count, 2);
        assert_eq!(f.max_qps, 2, "two resolutions in one second");
        let p = &f.prefixes["88.118.8"];
        assert_eq!(
            (
                p.new_registrations,
                p.resolution_requests,
                p.successful_responses
            ),
            (1, 2, 1)
        );
        // Resolutions only: the two registrations are neither in the peak nor the addresses.
        assert_eq!(p.source_ips["10.0.0.7"], 2);
    }

    #[test]
    fn every_enterprise_has_a_row_each_day_quiet_ones_with_zeros() {
        let m = Monitor::new(t("2026-11-22T01:00:00Z"), None);
        m.set_buckets([
            "88.118".to_owned(),
            "88.118.8".to_owned(),
            "88.118.9".to_owned(),
        ]);
        let (_, f) = m.today();
        assert_eq!(f.prefixes.len(), 3, "{:?}", f.prefixes.keys());
        assert_eq!(f.prefixes["88.118.9"], PrefixFigures::default());
        // The next China day starts with every row again, however few requests it has.
        let ip: IpAddr = "10.0.0.7".parse().expect("ip");
        let ended = m.observe(
            t("2026-11-22T17:00:00Z"),
            RequestKind::Resolution,
            Some("88.118.8"),
            ip,
            200,
            Duration::from_millis(1),
        );
        assert_eq!(
            ended.map(|(d, _)| d.to_string()).as_deref(),
            Some("2026-11-22")
        );
        let (day, f) = m.today();
        assert_eq!(day.to_string(), "2026-11-23");
        assert_eq!(f.prefixes.len(), 3);
        assert_eq!(f.prefixes["88.118.9"].resolution_requests, 0);
        assert_eq!(f.prefixes["88.118.8"].resolution_requests, 1);
    }

    #[test]
    fn registrations_through_sync_count_per_prefix_with_their_share_of_the_push() {
        let m = Monitor::new(t("2026-11-22T01:00:00Z"), None);
        m.set_buckets(["88.118".to_owned(), "88.118.8".to_owned()]);
        let at = t("2026-11-22T01:00:05Z");
        let ended = m.sync_registrations(
            at,
            &[("88.118.8".to_owned(), 3), ("88.999".to_owned(), 1)],
            Duration::from_millis(40),
        );
        assert!(ended.is_none());
        let (_, f) = m.today();
        assert_eq!(f.prefixes["88.118.8"].new_registrations, 3);
        assert_eq!(
            f.prefixes[OTHER_BUCKET].new_registrations, 1,
            "no enterprise: other"
        );
        assert_eq!(f.registration.count, 4);
        assert_eq!(
            (f.registration.max_us, f.registration.min_us),
            (10_000, 10_000)
        );
        assert_eq!(f.max_qps, 0, "registrations are no resolutions");
        assert!(m.sync_registrations(at, &[], Duration::ZERO).is_none());
    }

    #[test]
    fn a_gs1_scan_counts_for_the_enterprise_holding_the_company_prefix() {
        let m = Monitor::new(t("2026-11-22T01:00:00Z"), None);
        m.set_buckets([
            "88.118".to_owned(),
            "88.118.8".to_owned(),
            "88.118.9".to_owned(),
        ]);
        // The longer company prefix wins over a shorter one that also matches.
        m.set_gs1_owners(vec![
            ("950600".to_owned(), "88.118.9".to_owned()),
            ("9506000".to_owned(), "88.118.8".to_owned()),
        ]);
        let at = t("2026-11-22T01:00:05Z");
        let ip: IpAddr = "10.0.0.1".parse().expect("ip");
        for subject in [
            "gs1:9506000134352",
            "gs1:9506001000001",
            "gs1:4006381333931",
        ] {
            m.observe(
                at,
                RequestKind::Resolution,
                Some(subject),
                ip,
                200,
                Duration::ZERO,
            );
        }
        let (_, f) = m.today();
        assert_eq!(f.prefixes["88.118.8"].resolution_requests, 1);
        assert_eq!(f.prefixes["88.118.9"].resolution_requests, 1);
        assert_eq!(
            f.prefixes[OTHER_BUCKET].resolution_requests, 1,
            "nobody's key"
        );
        assert!(!f.prefixes.keys().any(|k| k.starts_with(GS1_SUBJECT)));
    }

    #[test]
    fn figures_stay_bounded_however_many_prefixes_and_addresses_arrive() {
        let m = Monitor::new(t("2026-11-22T01:00:00Z"), None);
        m.set_buckets(["88.118".to_owned(), "88.118.8".to_owned()]);
        let at = t("2026-11-22T01:00:00Z");
        let heavy: IpAddr = "10.9.9.9".parse().expect("ip");
        for i in 0..5_000u32 {
            let prefix = format!("88.{}.{}", 100 + i % 7, i);
            let ip = IpAddr::from(std::net::Ipv4Addr::from(0x0b00_0000 + i));
            m.observe(
                at,
                RequestKind::Resolution,
                Some(&prefix),
                ip,
                404,
                Duration::ZERO,
            );
            m.observe(
                at,
                RequestKind::Resolution,
                Some("88.118.8.3"),
                heavy,
                200,
                Duration::ZERO,
            );
            m.observe(
                at,
                RequestKind::Resolution,
                Some("88.118.8.3"),
                ip,
                200,
                Duration::ZERO,
            );
            m.observe(
                at,
                RequestKind::Resolution,
                Some("88.118.77"),
                ip,
                200,
                Duration::ZERO,
            );
        }
        let f = m.today().1;
        let keys: Vec<&str> = f.prefixes.keys().map(String::as_str).collect();
        assert_eq!(keys, vec!["88.118", "88.118.8", OTHER_BUCKET]);
        assert_eq!(f.prefixes[OTHER_BUCKET].resolution_requests, 5_000);
        assert_eq!(
            f.prefixes["88.118"].resolution_requests, 5_000,
            "unknown sub-prefixes"
        );
        for p in f.prefixes.values() {
            assert!(p.source_ips.len() <= MAX_IPS_PER_BUCKET);
        }
        for i in 0..5_000u32 {
            let ip = IpAddr::from(std::net::Ipv4Addr::from(0x0c00_0000 + i));
            m.observe(at, RequestKind::Other, None, ip, 401, Duration::ZERO);
        }
        assert!(m.live().refused.len() <= MAX_WATCHED_ADDRESSES);
        // The one heavy address is counted at least as often as it came.
        assert!(f.prefixes["88.118.8"].source_ips["10.9.9.9"] >= 5_000);
    }

    #[test]
    fn addresses_are_cut_to_their_network() {
        assert_eq!(truncate_ip("203.0.113.77"), "203.0.113.0/24");
        assert_eq!(truncate_ip("2001:db8:1234:5678::1"), "2001:db8:1234::/48");
        assert_eq!(truncate_ip("203.0.113.0/24"), "203.0.113.0/24");
        let mut f = DayFigures::default();
        let p = f.prefixes.entry("88.118.8".to_owned()).or_default();
        p.source_ips.insert("203.0.113.7".to_owned(), 2);
        p.source_ips.insert("203.0.113.9".to_owned(), 3);
        f.truncate_ips();
        assert_eq!(
            f.prefixes["88.118.8"].source_ips,
            BTreeMap::from([("203.0.113.0/24".to_owned(), 5)])
        );
        assert!(f.ips_truncated);
    }

    #[test]
    fn days_roll_over_at_midnight_china_time() {
        let m = Monitor::new(t("2026-11-22T15:59:59Z"), None);
        let ip: IpAddr = "::1".parse().expect("ip");
        let none = m.observe(
            t("2026-11-22T15:59:59Z"),
            RequestKind::Resolution,
            None,
            ip,
            200,
            Duration::ZERO,
        );
        assert!(none.is_none());
        let ended = m.observe(
            t("2026-11-22T16:00:00Z"),
            RequestKind::Resolution,
            None,
            ip,
            200,
            Duration::ZERO,
        );
        let (day, figures) = ended.expect("a day ended");
        assert_eq!(day.to_string(), "2026-11-22");
        assert_eq!(figures.resolution.count, 1);
        assert_eq!(m.today().0.to_string(), "2026-11-23");
    }

    #[test]
    fn server_errors_and_attacks_become_events() {
        let m = Monitor::new(t("2026-11-22T01:00:00Z"), None);
        let ip: IpAddr = "192.0.2.1".parse().expect("ip");
        let at = |s: u32| t("2026-11-22T01:00:00Z") + chrono::Duration::seconds(s.into());
        m.observe(at(0), RequestKind::Other, None, ip, 500, Duration::ZERO);
        m.observe(at(1), RequestKind::Other, None, ip, 500, Duration::ZERO);
        m.observe(at(2), RequestKind::Other, None, ip, 200, Duration::ZERO);
        for s in 0..25 {
            m.observe(
                at(3 + s / 5),
                RequestKind::Other,
                None,
                ip,
                403,
                Duration::ZERO,
            );
        }
        m.observe(at(20), RequestKind::Other, None, ip, 200, Duration::ZERO);
        m.observe(at(100), RequestKind::Other, None, ip, 200, Duration::ZERO);
        let kinds: Vec<(String, String)> = m
            .today()
            .1
            .events
            .into_iter()
            .map(|e| (e.kind, e.category))
            .collect();
        // The system recovers at the first success a minute after its last error (at 100 s),
        // after the attack began.
        let expected = [
            ("abnormal", "system"),
            ("abnormal", "attack"),
            ("recovered", "system"),
            ("recovered", "attack"),
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()));
        assert_eq!(kinds, expected);
        assert!(m.metrics_text().contains("idstation_requests_total"));
    }

    #[test]
    fn an_attack_on_one_enterprises_identifiers_is_its_event() {
        let m = Monitor::new(t("2026-11-22T01:00:00Z"), None);
        m.set_buckets(["88.118".to_owned(), "88.118.8".to_owned()]);
        let at = |s: u32| t("2026-11-22T01:00:00Z") + chrono::Duration::seconds(s.into());
        // One address refused 20 writes under 88.118.8/…: aimed at that enterprise.
        let aimed: IpAddr = "192.0.2.1".parse().expect("ip");
        for s in 0..20 {
            let p = Some("88.118.8.1");
            m.observe(
                at(s),
                RequestKind::Registration,
                p,
                aimed,
                401,
                Duration::ZERO,
            );
        }
        // It went away: nothing more from it, yet the attack ends a minute after its last
        // refusal (the node looks every few seconds).
        assert!(m.end_quiet_attack(at(50)).is_none());
        assert_eq!(m.today().1.events.len(), 1, "a minute has not passed");
        m.end_quiet_attack(at(85));
        // Another refused writes under two prefixes and a sign-in: the node's.
        let spread: IpAddr = "192.0.2.2".parse().expect("ip");
        for s in 0..20 {
            let p = if s % 2 == 0 {
                Some("88.118.8")
            } else {
                Some("88.118")
            };
            m.observe(
                at(100 + s),
                RequestKind::Registration,
                p,
                spread,
                401,
                Duration::ZERO,
            );
        }
        let events = m.today().1.events;
        let seen: Vec<(&str, Option<&str>)> = events
            .iter()
            .map(|e| (e.kind.as_str(), e.prefix.as_deref()))
            .collect();
        assert_eq!(
            seen,
            [
                ("abnormal", Some("88.118.8")),
                ("recovered", Some("88.118.8")),
                ("abnormal", None)
            ]
        );
        assert!(events[0].detail.contains("88.118.8"), "{events:?}");
        assert_eq!(ended_event(&events, 1), Some(0));
        assert!(events[0].concerns("88.118.8") && !events[2].concerns("88.118.8"));

        // A restart ends the attack still under way (its addresses are not kept), once.
        let stored = m.today().1;
        let restarted = Monitor::new(at(200), Some(stored));
        let events = restarted.today().1.events;
        assert_eq!(events.len(), 4, "{events:?}");
        assert_eq!(
            (events[3].kind.as_str(), events[3].prefix.as_deref()),
            ("recovered", None)
        );
        assert_eq!(ended_event(&events, 3), Some(2));
        assert!(restarted.take_dirty().is_some(), "the recovery is written");
        let again = Monitor::new(at(300), restarted.today().1.into());
        assert_eq!(again.today().1.events.len(), 4);
        assert!(again.take_dirty().is_none());
    }

    #[test]
    fn a_node_answering_some_requests_503_does_not_flap() {
        let m = Monitor::new(t("2026-11-22T01:00:00Z"), None);
        let ip: IpAddr = "192.0.2.1".parse().expect("ip");
        let at = |s: u32| t("2026-11-22T01:00:00Z") + chrono::Duration::seconds(s.into());
        for s in 0..300 {
            let status = if s % 2 == 0 { 503 } else { 200 };
            m.observe(
                at(s / 10),
                RequestKind::Other,
                None,
                ip,
                status,
                Duration::ZERO,
            );
        }
        assert_eq!(m.today().1.events.len(), 1);
        m.observe(at(200), RequestKind::Other, None, ip, 200, Duration::ZERO);
        let kinds: Vec<String> = m.today().1.events.into_iter().map(|e| e.kind).collect();
        assert_eq!(kinds, ["abnormal", "recovered"]);
    }

    #[test]
    fn an_attack_forgotten_to_make_room_still_ends() {
        let m = Monitor::new(t("2026-11-22T01:00:00Z"), None);
        let at = |s: u32| t("2026-11-22T01:00:00Z") + chrono::Duration::seconds(s.into());
        let attacker: IpAddr = "192.0.2.1".parse().expect("ip");
        for _ in 0..ATTACK_THRESHOLD {
            m.observe(
                at(0),
                RequestKind::Other,
                None,
                attacker,
                401,
                Duration::ZERO,
            );
        }
        // The watch list fills with one-off refusals; a newcomer after the window makes room.
        for i in 1..MAX_WATCHED_ADDRESSES {
            let ip = IpAddr::from(std::net::Ipv4Addr::from(0x0a00_0000 + i as u32));
            m.observe(at(1), RequestKind::Other, None, ip, 401, Duration::ZERO);
        }
        let late: IpAddr = "198.51.100.1".parse().expect("ip");
        m.observe(at(120), RequestKind::Other, None, late, 401, Duration::ZERO);
        let kinds: Vec<String> = m.today().1.events.into_iter().map(|e| e.kind).collect();
        assert_eq!(kinds, ["abnormal", "recovered"]);
    }

    #[test]
    fn many_attacking_addresses_are_one_attack() {
        let m = Monitor::new(t("2026-11-22T01:00:00Z"), None);
        let at = |s: u32| t("2026-11-22T01:00:00Z") + chrono::Duration::seconds(s.into());
        let ips: Vec<IpAddr> = (1..=50)
            .map(|i| format!("192.0.2.{i}").parse().expect("ip"))
            .collect();
        for ip in &ips {
            for s in 0..25 {
                m.observe(
                    at(s / 5),
                    RequestKind::Other,
                    None,
                    *ip,
                    401,
                    Duration::ZERO,
                );
            }
        }
        // All but one go quiet: the attack goes on.
        for ip in &ips[1..] {
            m.observe(at(100), RequestKind::Other, None, *ip, 200, Duration::ZERO);
        }
        let events = |m: &Monitor| -> Vec<(String, String)> {
            let f = m.today().1;
            f.events.into_iter().map(|e| (e.kind, e.detail)).collect()
        };
        assert_eq!(events(&m).len(), 1, "{:?}", events(&m));
        m.observe(
            at(100),
            RequestKind::Other,
            None,
            ips[0],
            200,
            Duration::ZERO,
        );
        let all = events(&m);
        assert_eq!(all.len(), 2, "{all:?}");
        assert_eq!(all[1].0, "recovered");
        assert!(all[1].1.contains("50"), "{all:?}");
    }
}
