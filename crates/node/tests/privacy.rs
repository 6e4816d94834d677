//! Data that must not leak (issue 12): Handle value permissions keep personal fields (who
//! calibrated and approved an instrument, where it is kept) for the owning enterprise and the
//! operator, through the Handle API, the scan page and pyhandle; and GS1 company prefixes
//! belong to one enterprise, so nobody claims another's GS1 keys. Through the real binary.

mod common;

use common::*;
use idstation_model::handle_record::to_values;
use idstation_model::{Field, InstrumentInput, MetadataTemplate};

const PW: &str = "calib2026";
const HANDLE: &str = "88.118.8/CAL-2026-000777";
const PERSONAL: [&str; 3] = ["IDS.CALIBRATED_BY", "IDS.APPROVED_BY", "IDS.LOCATION"];

/// Registers `user` as a technician of `enterprise` and approves it.
fn technician(c: &Client, node: &Node, user: &str, enterprise: &str) {
    let (status, body) = done(
        c.post(node.url("/api/v1/accounts"))
            .json(
                &json!({"username": user, "password": PW, "display_name": "张三",
                          "role": "technician", "enterprise_prefix": enterprise,
                          "enterprise_name": "某计量公司"}),
            )
            .send()
            .expect("register"),
    );
    assert_eq!(status, 201, "{body}");
    let id = body["account"]["id"].as_i64().expect("id");
    let (status, _) = done(
        admin(c.post(node.url(&format!("/api/v1/accounts/{id}/approve"))))
            .send()
            .expect("approve"),
    );
    assert_eq!(status, 200);
}

fn instrument(id: &str) -> Vec<Value> {
    let template = MetadataTemplate::builtin_instrument();
    let mut input = InstrumentInput::default();
    input.set(&Field::Identifier, id);
    input.set(&Field::Name, "数字压力计");
    input.set(&Field::Model, "DPI-620");
    input.set(&Field::Location, "三号楼二层计量室");
    input.set(&Field::CalCalibratedBy, "王校准");
    input.set(&Field::CalApprovedBy, "赵批准");
    let inst = input.validate(&template).expect("valid");
    to_values(&inst, None, &template, "2026-01-01T00:00:00Z")
        .into_iter()
        .map(|v| serde_json::to_value(v).expect("json"))
        .collect()
}

fn types(record: &Value) -> Vec<String> {
    record["values"]
        .as_array()
        .map(|vs| {
            vs.iter()
                .filter_map(|v| v["type"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn read(req: RequestBuilder) -> (u16, Value) {
    done(req.send().expect("get"))
}

#[test]
fn personal_fields_are_read_by_the_owning_enterprise_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = Node::start(&init(dir.path()));
    let c = client();
    technician(&c, &node, "tech", "88.118.8");
    technician(&c, &node, "stranger", "88.118.9");
    let mut values = instrument(HANDLE);
    // A Handle client may mark any value as not public too.
    values.push(json!({"index": 5, "type": "NOTE", "data": "内部备注", "permissions": "1100"}));
    let url = node.url(&format!("/api/handles/{HANDLE}"));
    let (status, body) = done(
        c.put(&url)
            .basic_auth("tech", Some(PW))
            .json(&values)
            .send()
            .expect("put"),
    );
    assert_eq!(status, 201, "{body}");

    let hidden = |record: &Value| {
        let t = types(record);
        assert!(t.contains(&"IDS.NAME".to_owned()), "{record}");
        for kind in PERSONAL.iter().chain(&["NOTE"]) {
            assert!(!t.contains(&kind.to_string()), "{kind} shown: {record}");
        }
    };
    let shown = |record: &Value| {
        let t = types(record);
        for kind in PERSONAL.iter().chain(&["NOTE"]) {
            assert!(t.contains(&kind.to_string()), "{kind} missing: {record}");
        }
        let by = record["values"]
            .as_array()
            .expect("values")
            .iter()
            .find(|v| v["type"] == "IDS.CALIBRATED_BY")
            .expect("calibrated by");
        assert_eq!(by["permissions"], "1100");
    };
    // Anyone, another enterprise, and the owner asking for public values only: public values.
    let (status, anonymous) = read(c.get(&url));
    assert_eq!(status, 200);
    hidden(&anonymous);
    hidden(&read(c.get(&url).basic_auth("stranger", Some(PW))).1);
    hidden(
        &read(
            c.get(format!("{url}?publicOnly=true"))
                .basic_auth("tech", Some(PW)),
        )
        .1,
    );
    // Filters do not reach around the permissions.
    hidden(&read(c.get(format!("{url}?type=IDS.&type=NOTE"))).1);
    // The owner and the operator: everything.
    shown(&read(c.get(&url).basic_auth("tech", Some(PW))).1);
    shown(&read(admin(c.get(&url))).1);
    // Asking for non-public values without signing in is refused, as Handle.Net does.
    let (status, body) = read(c.get(format!("{url}?publicOnly=false")));
    assert_eq!((status, body["responseCode"].clone()), (401, json!(402)));

    // The scan page shows none of them either.
    let page = c
        .get(node.url(&format!("/{HANDLE}")))
        .send()
        .expect("scan")
        .text()
        .expect("page");
    assert!(page.contains("数字压力计"));
    for secret in ["王校准", "赵批准", "三号楼二层计量室", "内部备注"] {
        assert!(!page.contains(secret), "{secret} on the scan page");
    }

    // pyhandle, both kinds of reader: anonymous sees the public values, the administrator all
    // of them; and its modify (read, change one value, write it back by index) keeps the
    // values it could not see.
    let anonymous = pyhandle(&["read", &node.base, HANDLE]);
    let record = &anonymous[0]["record"];
    assert_eq!(record["IDS.NAME"], "数字压力计", "{record}");
    assert!(record.get("IDS.CALIBRATED_BY").is_none(), "{record}");
    // (pyhandle signs in as a handle that must exist: the prefix administrator's.)
    let prefix_admin = format!("300:0.NA/{PREFIX}");
    let owner = pyhandle(&["read_owner", &node.base, &prefix_admin, SECRET, HANDLE]);
    assert_eq!(
        owner[0]["record"]["IDS.CALIBRATED_BY"], "王校准",
        "{owner:?}"
    );
    let modified = pyhandle(&[
        "modify",
        &node.base,
        &prefix_admin,
        SECRET,
        HANDLE,
        "IDS.MODEL",
        "DPI-612",
    ]);
    assert_eq!(modified[0]["value"], "DPI-612", "{modified:?}");
    let (_, after) = read(c.get(&url).basic_auth("tech", Some(PW)));
    shown(&after);
}

#[test]
fn gs1_keys_are_accepted_only_under_the_enterprise_holding_their_company_prefix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = Node::start(&init(dir.path()));
    let c = client();
    technician(&c, &node, "east", "88.118.8");
    technician(&c, &node, "south", "88.118.9");
    let (_, list) = read(admin(c.get(node.url("/api/v1/enterprises"))));
    let id_of = |prefix: &str| -> i64 {
        list["enterprises"]
            .as_array()
            .expect("list")
            .iter()
            .find(|e| e["prefix"] == prefix)
            .and_then(|e| e["id"].as_i64())
            .expect("enterprise")
    };
    let (east, south) = (id_of("88.118.8"), id_of("88.118.9"));
    let with_key = |handle: &str| {
        let mut v = instrument(handle);
        v.push(json!({"index": 3, "type": "GS1", "data": "(01)09506000134352(21)A1"}));
        Value::Array(v)
    };
    let put = |user: &str, handle: &str| -> (u16, Value) {
        done(
            c.put(node.url(&format!("/api/handles/{handle}")))
                .basic_auth(user, Some(PW))
                .json(&with_key(handle))
                .send()
                .expect("put"),
        )
    };
    // Nobody holds the company prefix yet: an enterprise's record may not carry the key.
    let (status, body) = put("south", "88.118.9/CAL-1");
    assert_eq!(
        (status, body["responseCode"].clone()),
        (403, json!(400)),
        "{body}"
    );

    // The operator gives 950600 to 88.118.8; only a technician of 88.118.8 may use it now.
    let prefixes = node.url(&format!("/api/v1/enterprises/{east}/gs1-prefixes"));
    let (status, body) = done(
        c.put(&prefixes)
            .basic_auth("east", Some(PW))
            .json(&json!({"prefixes": ["950600"]}))
            .send()
            .expect("not the operator"),
    );
    assert_eq!(status, 403, "{body}");
    let (status, body) = done(
        admin(c.put(&prefixes))
            .json(&json!({"prefixes": ["950600"]}))
            .send()
            .expect("assign"),
    );
    assert_eq!((status, body["prefixes"].clone()), (200, json!(["950600"])));
    let (status, body) = put("east", "88.118.8/CAL-1");
    assert_eq!(status, 201, "{body}");
    let (status, body) = put("south", "88.118.9/CAL-2");
    assert_eq!(status, 403, "{body}");
    assert!(body["message"]
        .as_str()
        .expect("message")
        .contains("88.118.9"));
    let page = c
        .get(node.url("/01/09506000134352/21/A1"))
        .send()
        .expect("scan");
    assert_eq!(page.status().as_u16(), 200);
    // The scan is a resolution of 88.118.8's, the enterprise holding the key's company prefix.
    let (_, figures) = done(
        admin(c.get(node.url("/api/v1/stats/daily")))
            .send()
            .expect("stats"),
    );
    let east_row = figures["prefixes"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["prefix"] == "88.118.8")
        .expect("88.118.8's row")
        .clone();
    assert_eq!(east_row["resolution_requests"], 1, "{figures}");
    assert_eq!(east_row["successful_responses"], 1, "{figures}");
    // The node's own handles may not take an enterprise's key either.
    let (status, _) = done(
        admin(c.put(node.url("/api/handles/88.118/CAL-9")))
            .json(&with_key("88.118/CAL-9"))
            .send()
            .expect("put"),
    );
    assert_eq!(status, 403);

    // One company prefix, one enterprise (and none inside another's); shapes are checked.
    for (prefixes, status) in [
        (json!(["9506000"]), 409),
        (json!(["95060012"]), 409),
        (json!(["12a456"]), 400),
        (json!(["12345"]), 400),
    ] {
        let (got, body) = done(
            admin(c.put(node.url(&format!("/api/v1/enterprises/{south}/gs1-prefixes"))))
                .json(&json!({ "prefixes": prefixes }))
                .send()
                .expect("assign"),
        );
        assert_eq!(got, status, "{prefixes}: {body}");
    }
    // An enterprise sees its own prefixes, not another's.
    let (status, body) = read(c.get(&prefixes).basic_auth("east", Some(PW)));
    assert_eq!((status, body["prefixes"].clone()), (200, json!(["950600"])));
    assert_eq!(read(c.get(&prefixes).basic_auth("south", Some(PW))).0, 404);
}
