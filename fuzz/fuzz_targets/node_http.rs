//! The node's whole HTTP surface, in process (the real router and state, a real data folder):
//! Handle API reads, writes and deletes with any body and query string, any `Authorization`
//! header, the phone resolver with any path, and a workstation's sync (push, pull, snapshot,
//! status) with any body and query, as a device that signed in for real. Two nodes: `deep`
//! only ever sees real credentials (the prefix administrator's secret over Basic auth, a
//! technician's and a device's tokens), so fuzzed requests reach the handlers' depths; `gate`
//! takes any header on any route, so a flood of wrong passwords can throttle and lock its
//! accounts without closing the depths to the rest.
//!
//! What holds for every request: no panic; no 5xx but 503 (busy); a JSON answer parses as JSON
//! (and from the Handle API, is in one of the node's two envelopes); the resolver only ever
//! redirects to a web address; a refused Handle write or delete leaves the handle as it was, and
//! a refused push changes neither the change log nor the device's high-water mark.
#![no_main]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::sync::LazyLock;

use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderValue, Method, Request, StatusCode, Uri};
use axum::Router;
use base64::Engine as _;
use idstation_fuzz::{scratch, STATION_PREFIX};
use idstation_node::storage::SyncStore as _;
use idstation_node::sync::PullOutcome;
use idstation_node::{Settings, SqliteStore};
use idstation_store::Store;
use libfuzzer_sys::arbitrary::{self, Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use serde_json::{json, Value};
use tower::ServiceExt as _;

const PREFIX: &str = "88.118";
const SECRET: &str = "correct horse battery staple";
const TECH_PASSWORD: &str = "calib2026";

struct Harness {
    rt: tokio::runtime::Runtime,
    deep: Router,
    gate: Router,
    /// A second connection to `deep`'s database: what the node holds, read beside it.
    observer: SqliteStore,
    admin: String,
    tech: String,
    device: String,
    device_id: String,
    /// The ops the station pushed at setup, as JSON: templates for fuzzed ones.
    ops: Vec<Value>,
    /// Handles that exist on `deep`: suffixes under the enterprise prefix.
    suffixes: Vec<String>,
    /// A record's values as JSON, for PUT bodies made from it.
    record: Value,
}

/// Escapes what cannot stand in a URI but keeps `/`, `%`, `&`, `=`: a raw path or query.
const RAW: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'\\')
    .add(b'^')
    .add(b'|')
    .add(b'[')
    .add(b']');

/// Characters escaped in a fuzzed path segment or query value (what a client would escape):
/// the raw set and the URI's own separators.
const SEGMENT: &AsciiSet = &RAW
    .add(b'?')
    .add(b'/')
    .add(b'%')
    .add(b'&')
    .add(b'=')
    .add(b'+');

fn basic(user: &str, secret: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{secret}"))
    )
}

struct Answer {
    status: StatusCode,
    json: Option<Value>,
    body: Bytes,
    location: Option<String>,
}

fn send(
    rt: &tokio::runtime::Runtime,
    router: &Router,
    mut req: Request<Body>,
    peer: IpAddr,
) -> Answer {
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::new(peer, 40000)));
    let head = req.method() == Method::HEAD;
    let (status, is_json, body, location) = rt.block_on(async {
        let response = router.clone().oneshot(req).await.expect("infallible");
        let status = response.status();
        let location = response
            .headers()
            .get(header::LOCATION)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let is_json = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("json"));
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("the body reads");
        (status, is_json, body, location)
    });
    assert!(
        !status.is_server_error() || status == StatusCode::SERVICE_UNAVAILABLE,
        "{status}: {}",
        String::from_utf8_lossy(&body)
    );
    let json = if is_json && !head && !body.is_empty() {
        Some(serde_json::from_slice(&body).unwrap_or_else(|e| {
            panic!(
                "a JSON answer is no JSON ({e}): {}",
                String::from_utf8_lossy(&body)
            )
        }))
    } else {
        None
    };
    Answer {
        status,
        json,
        body,
        location,
    }
}

fn request(
    method: Method,
    uri: &str,
    auth: Option<&str>,
    body: Option<(&str, Vec<u8>)>,
) -> Request<Body> {
    let mut b = Request::builder().method(method).uri(uri);
    if let Some(a) = auth {
        b = b.header(header::AUTHORIZATION, a);
    }
    match body {
        Some((ct, bytes)) => b
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(bytes))
            .expect("a request"),
        None => b.body(Body::empty()).expect("a request"),
    }
}

const LOCAL: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 7));

/// Sends during setup, expecting `want`.
fn setup_call(
    h: (&tokio::runtime::Runtime, &Router),
    method: Method,
    uri: &str,
    auth: Option<&str>,
    body: Value,
    want: u16,
) -> Value {
    let req = request(
        method,
        uri,
        auth,
        Some(("application/json", body.to_string().into_bytes())),
    );
    let a = send(h.0, h.1, req, LOCAL);
    assert_eq!(
        a.status.as_u16(),
        want,
        "{uri}: {}",
        String::from_utf8_lossy(&a.body)
    );
    a.json.unwrap_or(Value::Null)
}

fn node(dir: &Path) -> Router {
    idstation_node::init(dir, PREFIX, "operator", SECRET).expect("init a node");
    let state = idstation_node::open(dir, Settings::default()).expect("open the node");
    idstation_node::router(state)
}

static HARNESS: LazyLock<Harness> = LazyLock::new(|| {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let dir = scratch("node");
    let deep_dir = dir.join("deep");
    let deep = node(&deep_dir);
    let gate = node(&dir.join("gate"));
    let admin = basic(&format!("300:0.NA/{PREFIX}"), SECRET);
    let h = (&rt, &deep);

    // A technician of enterprise 88.118.8, approved by the prefix administrator.
    let body = setup_call(
        h,
        Method::POST,
        "/api/v1/accounts",
        None,
        json!({"username": "tech", "password": TECH_PASSWORD, "display_name": "王工",
               "role": "technician", "enterprise_prefix": STATION_PREFIX,
               "enterprise_name": "华东计量"}),
        201,
    );
    let id = body["account"]["id"].as_i64().expect("an account id");
    setup_call(
        h,
        Method::POST,
        &format!("/api/v1/accounts/{id}/approve"),
        Some(&admin),
        json!({}),
        200,
    );
    let body = setup_call(
        h,
        Method::POST,
        "/api/v1/login",
        None,
        json!({"username": "tech", "password": TECH_PASSWORD}),
        200,
    );
    let tech = format!("Bearer {}", body["token"].as_str().expect("a token"));

    // A station registered as a device, signed in as itself, with a lease.
    let mut station =
        Store::create(&dir.join("station.sqlite"), STATION_PREFIX, "fuzz").expect("a station");
    let device_id = station.device().device_id.to_string();
    let body = setup_call(
        h,
        Method::POST,
        "/api/v1/devices",
        Some(&tech),
        json!({"name": "一号工作站", "id": device_id}),
        201,
    );
    let secret = body["device_secret"].as_str().expect("a secret").to_owned();
    let body = setup_call(
        h,
        Method::POST,
        "/api/v1/login/device",
        None,
        json!({"device_id": device_id, "device_secret": secret}),
        200,
    );
    let device = format!("Bearer {}", body["token"].as_str().expect("a token"));
    let body = setup_call(
        h,
        Method::POST,
        "/api/v1/leases",
        Some(&device),
        json!({"device_id": device_id, "count": 1000}),
        201,
    );
    let lease = serde_json::from_value(body["lease"].clone()).expect("a lease");
    station.add_lease(&lease).expect("keep the lease");

    // Records registered at the station (one edited, one deleted) and pushed to the node.
    let mut suffixes = Vec::new();
    for name in ["数字万用表", "压力变送器", "游标卡尺"] {
        let id = station.mint_identifier().expect("a number");
        let inst = idstation_fuzz::instrument(&id.to_string(), name, Some("A-001"));
        station.insert_instrument("fuzz", &inst).expect("register");
        suffixes.push(id.suffix().to_owned());
    }
    let first = format!("{STATION_PREFIX}/{}", suffixes[0]);
    let mut edited = idstation_fuzz::instrument(&first, "数字万用表", Some("A-001"));
    edited.location = Some("二楼".into());
    station
        .update_instrument("fuzz", &edited, None)
        .expect("edit");
    let last = idstation_model::Identifier::parse(&format!("{STATION_PREFIX}/{}", suffixes[2]))
        .expect("an identifier");
    station
        .set_deleted("fuzz", &last, true, "报废")
        .expect("delete");
    let ops = station.pending_ops(100).expect("ops");
    let body = setup_call(
        h,
        Method::POST,
        "/api/v1/sync/push",
        Some(&device),
        json!({"device_id": device_id, "ops": ops}),
        200,
    );
    assert_eq!(body["high_water"], json!(ops.len()), "{body}");

    // A handle written through the Handle API.
    let put = json!([
        {"index": 1, "type": "URL", "data": "https://example.cn/cal/FUZZ-PUT"},
        {"index": "2", "type": "EMAIL", "data": {"format": "string", "value": "lab@example.cn"}},
        {"index": 2001, "type": "name", "data": "数显卡尺", "ttl": 3600}
    ]);
    setup_call(
        h,
        Method::PUT,
        &format!("/api/handles/{STATION_PREFIX}/FUZZ-PUT"),
        Some(&admin),
        put,
        201,
    );
    suffixes.push("FUZZ-PUT".into());
    let a = send(
        &rt,
        &deep,
        request(
            Method::GET,
            &format!("/api/handles/{STATION_PREFIX}/{}", suffixes[0]),
            Some(&admin),
            None,
        ),
        LOCAL,
    );
    let record = a.json.expect("a record")["values"].clone();
    let observer = SqliteStore::open(&deep_dir).expect("a second look at the node");
    Harness {
        rt,
        deep,
        gate,
        observer,
        admin,
        tech,
        device,
        device_id,
        ops: ops
            .iter()
            .map(|op| serde_json::to_value(op).expect("an op as JSON"))
            .collect(),
        suffixes,
        record,
    }
});

// ---- Fuzzed parts. ----

#[derive(Arbitrary, Debug)]
enum Num {
    Small(u8),
    Any(u64),
    Signed(i64),
    Text(String),
}

impl Num {
    fn json(&self) -> Value {
        match self {
            Num::Small(n) => json!(n),
            Num::Any(n) => json!(n),
            Num::Signed(n) => json!(n),
            Num::Text(s) => json!(s),
        }
    }

    fn text(&self) -> String {
        match self {
            Num::Small(n) => n.to_string(),
            Num::Any(n) => n.to_string(),
            Num::Signed(n) => n.to_string(),
            Num::Text(s) => s.clone(),
        }
    }
}

/// Who calls `deep`.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Who {
    Anonymous,
    Admin,
    Technician,
    Device,
    Stranger,
}

impl Who {
    fn header(self) -> Option<String> {
        let h = &*HARNESS;
        match self {
            Who::Anonymous => None,
            Who::Admin => Some(h.admin.clone()),
            Who::Technician => Some(h.tech.clone()),
            Who::Device => Some(h.device.clone()),
            Who::Stranger => Some("Bearer 0123456789abcdef".into()),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum PrefixIn {
    Enterprise,
    Node,
    Other,
    PrefixHandle,
    Any(String),
}

#[derive(Arbitrary, Debug)]
enum SuffixIn {
    Existing(u8),
    Leased(u16),
    NodePrefix,
    Any(String),
}

#[derive(Arbitrary, Debug)]
struct Target {
    prefix: PrefixIn,
    suffix: SuffixIn,
    lower: bool,
    /// `%2F` between prefix and suffix, as Handle clients write it.
    escaped_slash: bool,
}

impl Target {
    fn path(&self) -> String {
        let h = &*HARNESS;
        let prefix = match &self.prefix {
            PrefixIn::Enterprise => STATION_PREFIX.to_owned(),
            PrefixIn::Node => PREFIX.to_owned(),
            PrefixIn::Other => "88.118.9".to_owned(),
            PrefixIn::PrefixHandle => "0.NA".to_owned(),
            PrefixIn::Any(s) => s.clone(),
        };
        let suffix = match &self.suffix {
            SuffixIn::Existing(n) => h.suffixes[*n as usize % h.suffixes.len()].clone(),
            SuffixIn::Leased(n) => format!(
                "{}-{:06}",
                h.suffixes[0].rsplit_once('-').map_or("CAL", |(s, _)| s),
                n
            ),
            SuffixIn::NodePrefix => PREFIX.to_owned(),
            SuffixIn::Any(s) => s.clone(),
        };
        let suffix = if self.lower {
            suffix.to_lowercase()
        } else {
            suffix
        };
        let sep = if self.escaped_slash { "%2F" } else { "/" };
        format!(
            "{}{sep}{}",
            utf8_percent_encode(&prefix, SEGMENT),
            utf8_percent_encode(&suffix, SEGMENT)
        )
    }
}

#[derive(Arbitrary, Debug)]
enum Param {
    Index(Num),
    Indexes(Vec<u8>),
    Type(u8),
    Overwrite(u8),
    Pretty(bool),
    PublicOnly(u8),
    Any(String, String),
}

const TYPES: [&str; 10] = [
    "URL",
    "EMAIL",
    "HS_ADMIN",
    "IDS.NAME",
    "IDS.STATUS",
    "IDS.IDENTIFIER",
    "IDS.TEMPLATE",
    "IDS.LOCATION",
    "GS1",
    "name",
];

const FLAGS: [&str; 5] = ["true", "false", "", "TRUE", "maybe"];

fn query(params: &[Param]) -> String {
    let enc = |s: &str| utf8_percent_encode(s, SEGMENT).to_string();
    params
        .iter()
        .take(6)
        .map(|p| match p {
            Param::Index(n) => format!("index={}", enc(&n.text())),
            Param::Indexes(v) => format!(
                "index={}",
                v.iter().map(u8::to_string).collect::<Vec<_>>().join(",")
            ),
            Param::Type(t) => format!("type={}", TYPES[*t as usize % TYPES.len()]),
            Param::Overwrite(f) => format!("overwrite={}", FLAGS[*f as usize % FLAGS.len()]),
            Param::Pretty(p) => format!("pretty={p}"),
            Param::PublicOnly(f) => format!("publicOnly={}", FLAGS[*f as usize % FLAGS.len()]),
            Param::Any(k, v) => format!("{}={}", enc(k), utf8_percent_encode(v, RAW)),
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[derive(Arbitrary, Debug)]
enum DataIn {
    Text(String),
    Known(u8),
    Formatted { format: u8, value: Box<ValueIn> },
    Any(Box<ValueIn>),
}

#[derive(Arbitrary, Debug)]
enum ValueIn {
    Text(String),
    Num(Num),
    Null,
    Bool(bool),
    Array(Vec<ValueIn>),
    Object(Vec<(u8, ValueIn)>),
}

const OBJECT_KEYS: [&str; 6] = ["handle", "index", "permissions", "value", "format", "x"];

impl ValueIn {
    fn json(&self, depth: u8) -> Value {
        match self {
            ValueIn::Text(s) => json!(s),
            ValueIn::Num(n) => n.json(),
            ValueIn::Null => Value::Null,
            ValueIn::Bool(b) => json!(b),
            ValueIn::Array(a) if depth < 4 => {
                Value::Array(a.iter().take(6).map(|v| v.json(depth + 1)).collect())
            }
            ValueIn::Object(o) if depth < 4 => Value::Object(
                o.iter()
                    .take(6)
                    .map(|(k, v)| {
                        (
                            OBJECT_KEYS[*k as usize % OBJECT_KEYS.len()].to_string(),
                            v.json(depth + 1),
                        )
                    })
                    .collect(),
            ),
            _ => Value::Null,
        }
    }
}

const DATA: [&str; 8] = [
    "https://example.cn/cal/X",
    "javascript:alert(1)",
    "88.118.8/FUZZ-PUT",
    "在用",
    "2026-01-15",
    "01/09506000134352/21/ABC",
    "zebra://print",
    "",
];

const FORMATS: [&str; 9] = [
    "string", "base64", "hex", "admin", "vlist", "site", "key", "STRING", "url",
];

impl DataIn {
    fn json(&self) -> Value {
        match self {
            DataIn::Text(s) => json!(s),
            DataIn::Known(n) => json!(DATA[*n as usize % DATA.len()]),
            DataIn::Formatted { format, value } => json!({
                "format": FORMATS[*format as usize % FORMATS.len()],
                "value": value.json(0),
            }),
            DataIn::Any(v) => v.json(0),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum IndexIn {
    Known(u8),
    Num(Num),
}

const INDEXES: [u32; 8] = [1, 2, 100, 1001, 1003, 1013, 1014, 2001];

#[derive(Arbitrary, Debug)]
struct ValueItem {
    index: Option<IndexIn>,
    kind: Option<u8>,
    any_kind: Option<String>,
    data: Option<DataIn>,
    ttl: Option<Num>,
    permissions: Option<u8>,
    timestamp: Option<String>,
}

const PERMISSIONS: [&str; 5] = ["1110", "1100", "0000", "11101", "abcd"];

impl ValueItem {
    fn json(&self) -> Value {
        let mut o = serde_json::Map::new();
        if let Some(i) = &self.index {
            o.insert(
                "index".into(),
                match i {
                    IndexIn::Known(n) => json!(INDEXES[*n as usize % INDEXES.len()]),
                    IndexIn::Num(n) => n.json(),
                },
            );
        }
        let kind = match (&self.any_kind, self.kind) {
            (Some(k), _) => Some(k.clone()),
            (None, Some(k)) => Some(TYPES[k as usize % TYPES.len()].to_string()),
            (None, None) => None,
        };
        if let Some(k) = kind {
            o.insert("type".into(), json!(k));
        }
        if let Some(d) = &self.data {
            o.insert("data".into(), d.json());
        }
        if let Some(t) = &self.ttl {
            o.insert("ttl".into(), t.json());
        }
        if let Some(p) = self.permissions {
            o.insert(
                "permissions".into(),
                json!(PERMISSIONS[p as usize % PERMISSIONS.len()]),
            );
        }
        if let Some(t) = &self.timestamp {
            o.insert("timestamp".into(), json!(t));
        }
        Value::Object(o)
    }
}

#[derive(Arbitrary, Debug)]
enum PutBody {
    Values(Vec<ValueItem>),
    Wrapped(Vec<ValueItem>),
    Single(ValueItem),
    /// The values of a synced record, some replaced.
    Record(Vec<(u8, ValueItem)>),
    Raw(Vec<u8>),
}

impl PutBody {
    fn bytes(&self) -> Vec<u8> {
        let list = |v: &[ValueItem]| Value::Array(v.iter().take(12).map(ValueItem::json).collect());
        match self {
            PutBody::Values(v) => list(v).to_string().into_bytes(),
            PutBody::Wrapped(v) => json!({"values": list(v)}).to_string().into_bytes(),
            PutBody::Single(v) => v.json().to_string().into_bytes(),
            PutBody::Record(changes) => {
                let mut record = HARNESS.record.clone();
                if let Some(values) = record.as_array_mut() {
                    for (i, v) in changes.iter().take(4) {
                        if values.is_empty() {
                            break;
                        }
                        let at = *i as usize % values.len();
                        let mut replaced = values[at].clone();
                        if let (Some(obj), Value::Object(new)) =
                            (replaced.as_object_mut(), v.json())
                        {
                            obj.extend(new);
                        }
                        values[at] = replaced;
                    }
                }
                record.to_string().into_bytes()
            }
            PutBody::Raw(b) => b.clone(),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum ResolverPath {
    Handle(Target),
    Gs1 { gtin: u64, serial: String },
    Giai(String),
    Api(String),
    Any(String),
}

impl ResolverPath {
    fn path(&self) -> String {
        match self {
            ResolverPath::Handle(t) => format!("/{}", t.path()),
            ResolverPath::Gs1 { gtin, serial } => format!(
                "/01/{:014}/21/{}",
                gtin % 100_000_000_000_000,
                utf8_percent_encode(serial, SEGMENT)
            ),
            ResolverPath::Giai(g) => format!("/8004/{}", utf8_percent_encode(g, SEGMENT)),
            ResolverPath::Api(p) => format!("/api/{}", utf8_percent_encode(p, RAW)),
            ResolverPath::Any(p) => format!("/{}", utf8_percent_encode(p, RAW)),
        }
    }
}

const ENTITIES: [&str; 4] = ["instrument", "order", "report", "gadget"];
const KINDS: [&str; 5] = ["create", "update", "delete", "undelete", "merge"];
const FIELDS: [&str; 8] = [
    "name",
    "location",
    "status",
    "identifier",
    "cal.next_due",
    "attr.quantity",
    "calibration",
    "nonsense",
];

#[derive(Arbitrary, Debug)]
enum PayloadIn {
    Same,
    /// The record with fields set (as a registration carries it).
    Record(Vec<(u8, ValueIn)>),
    /// `{field: [before, after]}`, as an edit carries it.
    Changes(Vec<(u8, Option<String>, Option<String>)>),
    Any(ValueIn),
}

#[derive(Arbitrary, Debug)]
struct OpIn {
    template: u8,
    new_id: Option<u128>,
    other_device: bool,
    seq: Option<Num>,
    hlc: Option<String>,
    entity: Option<u8>,
    entity_id: Option<Target>,
    kind: Option<u8>,
    payload: PayloadIn,
}

impl OpIn {
    fn json(&self) -> Value {
        let h = &*HARNESS;
        let mut op = h.ops[self.template as usize % h.ops.len()].clone();
        if let Some(id) = self.new_id {
            op["op_id"] = json!(uuid::Uuid::from_u128(id));
        }
        if self.other_device {
            op["device_id"] = json!(uuid::Uuid::from_u128(7));
        }
        if let Some(s) = &self.seq {
            op["seq"] = s.json();
        }
        if let Some(hlc) = &self.hlc {
            op["hlc"] = json!(hlc);
        }
        if let Some(e) = self.entity {
            op["entity"] = json!(ENTITIES[e as usize % ENTITIES.len()]);
        }
        if let Some(t) = &self.entity_id {
            let path = t.path().replace("%2F", "/");
            let text = percent_encoding::percent_decode_str(&path)
                .decode_utf8_lossy()
                .into_owned();
            op["entity_id"] = json!(text);
        }
        if let Some(k) = self.kind {
            op["kind"] = json!(KINDS[k as usize % KINDS.len()]);
        }
        match &self.payload {
            PayloadIn::Same => {}
            PayloadIn::Record(fields) => {
                let base = &h.ops[0]["payload"];
                let mut p = base.clone();
                for (k, v) in fields.iter().take(6) {
                    let key = FIELDS[*k as usize % FIELDS.len()];
                    p[key] = v.json(1);
                }
                p["identifier"] = op["entity_id"].clone();
                op["payload"] = p;
            }
            PayloadIn::Changes(changes) => {
                let map: serde_json::Map<String, Value> = changes
                    .iter()
                    .take(6)
                    .map(|(k, b, a)| {
                        (
                            FIELDS[*k as usize % FIELDS.len()].to_string(),
                            json!([b, a]),
                        )
                    })
                    .collect();
                op["payload"] = Value::Object(map);
            }
            PayloadIn::Any(v) => op["payload"] = v.json(0),
        }
        op
    }
}

#[derive(Arbitrary, Debug)]
enum PushBody {
    Ops { own_device: bool, ops: Vec<OpIn> },
    Raw(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum SyncQuery {
    Pull {
        cursor: Option<Num>,
        limit: Option<Num>,
        device: Option<bool>,
        pushed_through: Option<Num>,
    },
    Snapshot {
        after: Option<Target>,
        limit: Option<Num>,
    },
    Status {
        own: bool,
    },
    Raw(u8, String),
}

const RAW_ROUTES: [&str; 46] = [
    "/api/handles",
    "/api/handles/88.118.8/X",
    "/api/v1/accounts",
    "/api/v1/accounts/{id}/approve",
    "/api/v1/accounts/{id}/reject",
    "/api/v1/accounts/{id}/disable",
    "/api/v1/accounts/{id}/enable",
    "/api/v1/accounts/{id}/role",
    "/api/v1/accounts/{id}/password",
    "/api/v1/accounts/{id}/revoke-tokens",
    "/api/v1/accounts/{id}/unlock",
    "/api/v1/login",
    "/api/v1/login/device",
    "/api/v1/logout",
    "/api/v1/me",
    "/api/v1/me/password",
    "/api/v1/enterprises",
    "/api/v1/enterprises/{id}/gs1-prefixes",
    "/api/v1/devices",
    "/api/v1/devices/{id}/leases",
    "/api/v1/devices/{id}/revoke",
    "/api/v1/leases",
    "/api/v1/sync/push",
    "/api/v1/sync/pull",
    "/api/v1/sync/snapshot",
    "/api/v1/sync/status",
    "/api/v1/sync/report-input",
    "/api/v1/incidents",
    "/api/v1/reports",
    "/api/v1/reports/{id}/{id}",
    "/api/v1/docking/schema",
    "/api/v1/docking/applications",
    "/api/v1/docking/attachments",
    "/api/v1/docking/attachments/{id}",
    "/api/v1/docking/{id}/records",
    "/api/v1/docking/{id}/records/{id}",
    "/api/v1/docking/{id}/records/{id}/verify",
    "/api/v1/uplink/status",
    "/api/v1/uplink/reports",
    "/api/v1/uplink/resend",
    "/api/v1/escrow/key",
    "/api/v1/stats/daily",
    "/api/v1/stats/availability",
    "/api/v1/maintenance",
    "/api/v1/updates/{id}/{id}/{id}",
    "/metrics",
];

#[derive(Arbitrary, Debug)]
enum AuthIn {
    None,
    /// The real administrator's secret (`gate`'s copy of it).
    Admin,
    Basic {
        user: u8,
        any_user: Option<String>,
        secret: String,
    },
    Bearer(String),
    Raw(Vec<u8>),
}

const USERS: [&str; 5] = [
    "300:0.NA/88.118",
    "operator",
    "tech",
    "0.NA/88.118",
    "300:0.NA/88.119",
];

impl AuthIn {
    fn header(&self) -> Option<Vec<u8>> {
        match self {
            AuthIn::None => None,
            AuthIn::Admin => Some(HARNESS.admin.clone().into_bytes()),
            AuthIn::Basic {
                user,
                any_user,
                secret,
            } => {
                let user = any_user
                    .clone()
                    .unwrap_or_else(|| USERS[*user as usize % USERS.len()].to_string());
                Some(basic(&user, secret).into_bytes())
            }
            AuthIn::Bearer(t) => Some(format!("Bearer {t}").into_bytes()),
            AuthIn::Raw(b) => Some(b.clone()),
        }
    }
}

const METHODS: [Method; 6] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::DELETE,
    Method::HEAD,
    Method::PATCH,
];

#[derive(Arbitrary, Debug)]
enum Call {
    Get {
        who: Who,
        target: Target,
        params: Vec<Param>,
    },
    Put {
        who: Who,
        target: Target,
        params: Vec<Param>,
        body: PutBody,
    },
    Delete {
        who: Who,
        target: Target,
        params: Vec<Param>,
    },
    List {
        who: Who,
        params: Vec<(u8, String)>,
    },
    Resolve {
        path: ResolverPath,
        query: Option<String>,
    },
    Push {
        who: Who,
        body: PushBody,
    },
    Sync {
        who: Who,
        query: SyncQuery,
    },
    /// Any request on `gate`, with any credentials.
    Gate {
        method: u8,
        route: u8,
        parts: Vec<String>,
        query: Option<String>,
        auth: AuthIn,
        json: bool,
        body: Vec<u8>,
        peer: u8,
    },
}

fn get(uri: &str, who: Who) -> Answer {
    let h = &*HARNESS;
    send(
        &h.rt,
        &h.deep,
        request(Method::GET, uri, who.header().as_deref(), None),
        LOCAL,
    )
}

/// Whether `uri` can be sent at all (a client could not send the others).
fn valid(uri: &str) -> bool {
    uri.parse::<Uri>().is_ok()
}

/// How far the node's change log is known to reach (it only grows).
static TIP: std::sync::Mutex<u64> = std::sync::Mutex::new(0);

/// The node's change log end and the device's high-water mark.
fn sync_state() -> (u64, u64) {
    let h = &*HARNESS;
    let mut tip = TIP.lock().expect("the tip");
    loop {
        match h.observer.pull(None, *tip, 1000).expect("pull") {
            PullOutcome::Page(p) => {
                *tip = p.next_cursor.max(*tip);
                if !p.has_more {
                    break;
                }
            }
            PullOutcome::MustRefetch { min_cursor } => *tip = min_cursor.max(*tip),
        }
    }
    (
        *tip,
        h.observer.high_water(&h.device_id).expect("high water"),
    )
}

/// A JSON answer of the Handle API is in one of the node's two envelopes.
fn enveloped(a: &Answer) {
    if let Some(j) = &a.json {
        assert!(
            j.get("responseCode").is_some() || j.get("code").is_some(),
            "a JSON answer in neither envelope: {j}"
        );
    }
}

fn handle_write(
    method: Method,
    who: Who,
    target: &Target,
    params: &[Param],
    body: Option<Vec<u8>>,
) {
    let h = &*HARNESS;
    let path = format!("/api/handles/{}", target.path());
    let q = query(params);
    let uri = if q.is_empty() {
        path.clone()
    } else {
        format!("{path}?{q}")
    };
    if !valid(&uri) || !valid(&path) {
        return;
    }
    let before = get(&path, Who::Admin);
    let body = body.map(|b| ("application/json", b));
    let a = send(
        &h.rt,
        &h.deep,
        request(method, &uri, who.header().as_deref(), body),
        LOCAL,
    );
    if !a.status.is_success() {
        let after = get(&path, Who::Admin);
        assert_eq!(
            (before.status, &before.body),
            (after.status, &after.body),
            "a refused write ({}) changed the handle",
            a.status
        );
    }
    enveloped(&a);
}

fn check(call: Call) {
    if std::env::var_os("IDSTATION_FUZZ_DEBUG").is_some() {
        eprintln!("{call:#?}");
    }
    let h = &*HARNESS;
    match call {
        Call::Get {
            who,
            target,
            params,
        } => {
            let q = query(&params);
            let uri = format!("/api/handles/{}?{q}", target.path());
            if valid(&uri) {
                enveloped(&get(&uri, who));
            }
        }
        Call::Put {
            who,
            target,
            params,
            body,
        } => handle_write(Method::PUT, who, &target, &params, Some(body.bytes())),
        Call::Delete {
            who,
            target,
            params,
        } => handle_write(Method::DELETE, who, &target, &params, None),
        Call::List { who, params } => {
            let keys = ["prefix", "page", "pageSize", "pretty", "x"];
            let q = params
                .iter()
                .take(5)
                .map(|(k, v)| {
                    format!(
                        "{}={}",
                        keys[*k as usize % keys.len()],
                        utf8_percent_encode(v, SEGMENT)
                    )
                })
                .collect::<Vec<_>>()
                .join("&");
            let uri = format!("/api/handles?{q}");
            if valid(&uri) {
                get(&uri, who);
            }
        }
        Call::Resolve { path, query } => {
            let mut uri = path.path();
            if let Some(q) = query {
                uri = format!("{uri}?{}", utf8_percent_encode(&q, RAW));
            }
            if !valid(&uri) {
                return;
            }
            let a = send(
                &h.rt,
                &h.deep,
                request(Method::GET, &uri, None, None),
                LOCAL,
            );
            if a.status.is_redirection() {
                // Only web addresses are followed; anything else is shown, never opened.
                let location = a.location.unwrap_or_default().trim().to_ascii_lowercase();
                assert!(
                    location.starts_with("https://") || location.starts_with("http://"),
                    "the resolver redirects to {location:?}"
                );
            }
        }
        Call::Push { who, body } => {
            let bytes = match body {
                PushBody::Ops { own_device, ops } => {
                    let device = if own_device {
                        json!(h.device_id)
                    } else {
                        json!(uuid::Uuid::from_u128(7))
                    };
                    let ops: Vec<Value> = ops.iter().take(8).map(OpIn::json).collect();
                    json!({"device_id": device, "ops": ops})
                        .to_string()
                        .into_bytes()
                }
                PushBody::Raw(b) => b,
            };
            let before = sync_state();
            let a = send(
                &h.rt,
                &h.deep,
                request(
                    Method::POST,
                    "/api/v1/sync/push",
                    who.header().as_deref(),
                    Some(("application/json", bytes)),
                ),
                LOCAL,
            );
            if !a.status.is_success() {
                assert_eq!(
                    before,
                    sync_state(),
                    "a refused push ({}) changed the node",
                    a.status
                );
            }
        }
        Call::Sync { who, query } => {
            let enc = |s: &str| utf8_percent_encode(s, SEGMENT).to_string();
            let uri = match query {
                SyncQuery::Pull {
                    cursor,
                    limit,
                    device,
                    pushed_through,
                } => {
                    let mut q = Vec::new();
                    if let Some(c) = cursor {
                        q.push(format!("cursor={}", enc(&c.text())));
                    }
                    if let Some(l) = limit {
                        q.push(format!("limit={}", enc(&l.text())));
                    }
                    if let Some(own) = device {
                        let id = if own {
                            h.device_id.clone()
                        } else {
                            uuid::Uuid::from_u128(7).to_string()
                        };
                        q.push(format!("device_id={id}"));
                    }
                    if let Some(p) = pushed_through {
                        q.push(format!("pushed_through={}", enc(&p.text())));
                    }
                    format!("/api/v1/sync/pull?{}", q.join("&"))
                }
                SyncQuery::Snapshot { after, limit } => {
                    let mut q = Vec::new();
                    if let Some(t) = after {
                        let path = t.path().replace("%2F", "/");
                        q.push(format!(
                            "after={}",
                            enc(&percent_encoding::percent_decode_str(&path).decode_utf8_lossy())
                        ));
                    }
                    if let Some(l) = limit {
                        q.push(format!("limit={}", enc(&l.text())));
                    }
                    format!("/api/v1/sync/snapshot?{}", q.join("&"))
                }
                SyncQuery::Status { own } => {
                    let id = if own {
                        h.device_id.clone()
                    } else {
                        uuid::Uuid::from_u128(7).to_string()
                    };
                    format!("/api/v1/sync/status?device_id={id}")
                }
                SyncQuery::Raw(which, q) => {
                    let path = ["pull", "snapshot", "status", "report-input"][which as usize % 4];
                    format!("/api/v1/sync/{path}?{}", utf8_percent_encode(&q, RAW))
                }
            };
            if valid(&uri) {
                get(&uri, who);
            }
        }
        Call::Gate {
            method,
            route,
            parts,
            query,
            auth,
            json: is_json,
            body,
            peer,
        } => {
            let mut path = RAW_ROUTES[route as usize % RAW_ROUTES.len()].to_string();
            for part in parts.iter().take(3) {
                path = path.replacen("{id}", &utf8_percent_encode(part, SEGMENT).to_string(), 1);
            }
            let path = path.replace("{id}", "1");
            let uri = match query {
                Some(q) => format!("{path}?{}", utf8_percent_encode(&q, RAW)),
                None => path,
            };
            if !valid(&uri) {
                return;
            }
            let mut b = Request::builder()
                .method(METHODS[method as usize % METHODS.len()].clone())
                .uri(&uri);
            if let Some(a) = auth.header() {
                let Ok(v) = HeaderValue::from_bytes(&a) else {
                    return;
                };
                b = b.header(header::AUTHORIZATION, v);
            }
            if is_json {
                b = b.header(header::CONTENT_TYPE, "application/json");
            }
            let req = b.body(Body::from(body)).expect("a request");
            let peers = [
                IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
                IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V6(Ipv6Addr::LOCALHOST),
                IpAddr::V6(Ipv4Addr::new(198, 51, 100, 9).to_ipv6_mapped()),
            ];
            send(&h.rt, &h.gate, req, peers[peer as usize % peers.len()]);
        }
    }
}

/// One part of a request as it is: a Handle PUT body (as the administrator, then as the
/// technician), a push body (as the device; its device ids become the device's own), a resolver
/// path, a Handle query string, an `Authorization` header.
fn raw(family: u8, bytes: &[u8]) {
    let h = &*HARNESS;
    let text = String::from_utf8_lossy(bytes);
    let handle = format!("/api/handles/{STATION_PREFIX}/FUZZ-RAW");
    let target = Target {
        prefix: PrefixIn::Enterprise,
        suffix: SuffixIn::Any("FUZZ-RAW".into()),
        lower: false,
        escaped_slash: false,
    };
    match family % 6 {
        0 => handle_write(Method::PUT, Who::Admin, &target, &[], Some(bytes.to_vec())),
        1 => handle_write(
            Method::PUT,
            Who::Technician,
            &target,
            &[],
            Some(bytes.to_vec()),
        ),
        2 => {
            let body = match serde_json::from_slice::<Value>(bytes) {
                Ok(mut v) if v.is_object() => {
                    v["device_id"] = json!(h.device_id);
                    if let Some(ops) = v["ops"].as_array_mut() {
                        for op in ops.iter_mut().filter(|op| op.is_object()) {
                            op["device_id"] = json!(h.device_id);
                        }
                    }
                    v.to_string().into_bytes()
                }
                _ => bytes.to_vec(),
            };
            check(Call::Push {
                who: Who::Device,
                body: PushBody::Raw(body),
            });
        }
        3 => check(Call::Resolve {
            path: ResolverPath::Any(text.trim_start_matches('/').to_owned()),
            query: None,
        }),
        4 => {
            let uri = format!("{handle}?{}", utf8_percent_encode(&text, RAW));
            if valid(&uri) {
                get(&uri, Who::Admin);
            }
        }
        _ => check(Call::Gate {
            method: 0,
            route: 14,
            parts: Vec::new(),
            query: None,
            auth: AuthIn::Raw(bytes.to_vec()),
            json: false,
            body: Vec::new(),
            peer: 0,
        }),
    }
}

// A first byte under 32 takes the rest as one part of a request as it is (see `raw`; the seeds
// are real bodies, paths and headers); any other first byte builds a whole request.
fuzz_target!(|data: &[u8]| {
    match data {
        [mode, family, rest @ ..] if *mode < 32 => raw(*family, rest),
        [_, rest @ ..] => {
            if let Ok(call) = Call::arbitrary(&mut Unstructured::new(rest)) {
                check(call);
            }
        }
        [] => {}
    }
});
