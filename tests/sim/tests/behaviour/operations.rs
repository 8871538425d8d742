//! Every operation of the description (`ccbridge::ops::OPERATIONS`), table-driven: a valid
//! request (its body the request schema's example from `core/api/*.yaml`) gets the
//! documented status; each required body field left out, each enumerated field given a
//! wrong value, a missing required body, a missing session header, a bad query value and
//! missing or wrong credentials get the documented error naming what is wrong.

use crate::common;

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use ccbridge::ops::{AuthKind, HttpMethod, Operation, SessionHeader, OPERATIONS};
use ccbridge::schema::Node;
use common::{error_body, Harness};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// The description's files, parsed.
fn documents() -> Vec<Value> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../core/api");
    [
        "engagement-center.yaml",
        "streaming.yaml",
        "public-chat.yaml",
    ]
    .iter()
    .map(|f| {
        let text = std::fs::read_to_string(dir.join(f)).expect("read the description");
        serde_norway::from_str(&text).expect("the description is YAML")
    })
    .collect()
}

fn method_name(m: HttpMethod) -> &'static str {
    match m {
        HttpMethod::Get => "get",
        HttpMethod::Post => "post",
        HttpMethod::Put => "put",
        HttpMethod::Patch => "patch",
        HttpMethod::Delete => "delete",
    }
}

fn http_method(m: HttpMethod) -> Method {
    Method::from_bytes(m.as_str().as_bytes()).expect("method")
}

/// The first example of the operation's request body schema, when it has a body.
fn request_example(docs: &[Value], op: &Operation) -> Option<Value> {
    let key = format!("/via/{}/organizations/{{orgId}}/{}", op.version, op.path);
    for doc in docs {
        let Some(operation) = doc["paths"][&key].get(method_name(op.method)) else {
            continue;
        };
        let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
        let name = schema["$ref"].as_str()?.rsplit('/').next()?;
        let example = &doc["components"]["schemas"][name]["examples"][0];
        assert!(!example.is_null(), "{}: {name} has no example", op.name);
        return Some(example.clone());
    }
    panic!("{}: {key} is not in the description", op.name);
}

#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

/// A change of the example body that the simulator must refuse, naming `field`.
#[derive(Debug)]
struct Mutation {
    at: Vec<Step>,
    field: String,
    /// `None` removes the value, `Some` replaces (or adds) it.
    value: Option<Value>,
}

fn join(at: &str, field: &str) -> String {
    if at.is_empty() {
        field.to_owned()
    } else {
        format!("{at}.{field}")
    }
}

const WRONG: &str = "NotADocumentedValue";

/// Collects the mutations of `value` (which `node` describes): every required field
/// removed and every enumerated field (present or not) given a wrong value, recursively
/// through objects and the first item of arrays.
fn mutations(node: &Node, value: &Value, steps: &[Step], at: &str, out: &mut Vec<Mutation>) {
    match (node, value) {
        (Node::Object(rule), Value::Object(m)) => {
            for f in rule.fields {
                let mut here = steps.to_vec();
                here.push(Step::Key(f.name.to_owned()));
                let field = join(at, f.name);
                if f.required {
                    out.push(Mutation {
                        at: here.clone(),
                        field: field.clone(),
                        value: None,
                    });
                }
                if matches!(f.node, Node::String(r) if !r.values.is_empty()) {
                    out.push(Mutation {
                        at: here.clone(),
                        field: field.clone(),
                        value: Some(json!(WRONG)),
                    });
                }
                if let Some(v) = m.get(f.name) {
                    mutations(&f.node, v, &here, &field, out);
                }
            }
        }
        (Node::Array(rule), Value::Array(items)) if !items.is_empty() => {
            let mut here = steps.to_vec();
            here.push(Step::Index(0));
            let field = format!("{at}[0]");
            if matches!(rule.items, Node::String(r) if !r.values.is_empty()) {
                out.push(Mutation {
                    at: here.clone(),
                    field: field.clone(),
                    value: Some(json!(WRONG)),
                });
            }
            mutations(&rule.items, &items[0], &here, &field, out);
        }
        _ => {}
    }
}

fn apply(body: &Value, m: &Mutation) -> Value {
    let mut body = body.clone();
    let (last, parents) = m.at.split_last().expect("a mutation has a place");
    let mut cur = &mut body;
    for step in parents {
        cur = match step {
            Step::Key(k) => &mut cur[k.as_str()],
            Step::Index(i) => &mut cur[*i],
        };
    }
    match (last, &m.value) {
        (Step::Key(k), None) => {
            cur.as_object_mut().expect("object").remove(k);
        }
        (Step::Key(k), Some(v)) => {
            cur.as_object_mut()
                .expect("object")
                .insert(k.clone(), v.clone());
        }
        (Step::Index(i), Some(v)) => cur[*i] = v.clone(),
        (Step::Index(i), None) => {
            cur.as_array_mut().expect("array").remove(*i);
        }
    }
    body
}

/// Which credentials a request carries.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Credentials {
    /// What the operation takes.
    Right,
    /// No Authorization header.
    NoToken,
    /// The other kind of token (a web token where an access token is expected...).
    OtherKind,
    /// No x-api-key.
    NoApiKey,
}

/// One request of an operation.
#[derive(Clone)]
struct Request {
    op: &'static Operation,
    path: HashMap<&'static str, String>,
    session: Option<String>,
    query: Option<String>,
    body: Option<Value>,
    credentials: Credentials,
}

struct Ctx {
    h: Harness,
    web_token: String,
    docs: Vec<Value>,
    users: u32,
}

impl Ctx {
    async fn send(&self, r: &Request) -> reqwest::Response {
        let mut path = format!("/{}", r.op.path);
        for (k, v) in &r.path {
            path = path.replace(&format!("{{{k}}}"), v);
        }
        if let Some(q) = &r.query {
            path = format!("{path}?{q}");
        }
        let url = self.h.org_url(r.op.version, &path);
        let mut req = self.h.http.request(http_method(r.op.method), url);
        if r.credentials != Credentials::NoApiKey {
            req = req.header("x-api-key", "sim-api-key");
        }
        let (right, other) = match r.op.auth {
            AuthKind::WebToken => (Some(&self.web_token), Some(&self.h.token)),
            AuthKind::None => (None, Some(&self.h.token)),
            _ => (Some(&self.h.token), Some(&self.web_token)),
        };
        let token = match r.credentials {
            Credentials::Right | Credentials::NoApiKey => right,
            Credentials::OtherKind => other,
            Credentials::NoToken => None,
        };
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(s) = &r.session {
            req = req.header("via-client-sessionid", s);
        }
        if let Some(b) = &r.body {
            req = req.json(b);
        }
        req.send().await.expect("request")
    }

    async fn ok(&self, r: &Request) -> reqwest::Response {
        let resp = self.send(r).await;
        assert!(
            resp.status().is_success(),
            "{}: {}",
            r.op.name,
            resp.status()
        );
        resp
    }

    /// A fresh agent user connected on `session`; returns its id and ehubSessionId.
    async fn connected_user(&mut self, session: &str) -> (String, String) {
        self.users += 1;
        let user = format!("op-user-{}", self.users);
        let resp = self
            .h
            .ec(session, &user, "connect", json!({"attach": false}))
            .await;
        assert_eq!(resp.status(), StatusCode::ACCEPTED);
        let ehub = self
            .h
            .sim
            .state()
            .user_info(&user)
            .ehub_session_id
            .expect("connected");
        (user, ehub)
    }

    /// A valid request of `op` and the state it needs (sessions, a login, a chat, a
    /// subscription).
    async fn valid_request(&mut self, op: &'static Operation) -> Request {
        let mut body = request_example(&self.docs, op);
        let mut path = HashMap::new();
        let web = op.auth == AuthKind::WebToken;
        let session = match op.session {
            SessionHeader::None => None,
            _ if web => Some(self.h.web_session(&self.web_token).await),
            _ => Some(self.h.create_session(json!({})).await),
        };
        let sid = session.clone().unwrap_or_default();
        match op.service {
            "engagementCenter" => {
                let attach = body.as_ref().and_then(|b| b["attach"].as_bool());
                let (user, ehub) = if op.command == "connect" && attach != Some(true) {
                    self.users += 1;
                    (format!("op-user-{}", self.users), String::new())
                } else {
                    self.connected_user(&sid).await
                };
                if let Some(Value::Object(b)) = &mut body {
                    if b.contains_key("ehubSessionId") {
                        b.insert("ehubSessionId".into(), json!(ehub));
                    }
                }
                path.insert("userId", user);
                path.insert("interactionId", "151".to_owned());
            }
            "messaging"
                if matches!(op.command, "sendText" | "pushUrl" | "dial" | "notification") =>
            {
                let connect = OPERATIONS
                    .iter()
                    .find(|o| o.name == "messaging.connect")
                    .expect("messaging.connect");
                let mut r = self.plain(connect, session.clone());
                r.body = request_example(&self.docs, connect);
                self.ok(&r).await;
            }
            "streaming" if op.path_params.iter().any(|p| p.name == "subscriptionId") => {
                let create = OPERATIONS
                    .iter()
                    .find(|o| o.name == "streaming.createSubscription")
                    .expect("createSubscription");
                let mut r = self.plain(create, session.clone());
                r.body = request_example(&self.docs, create);
                let v: Value = self.ok(&r).await.json().await.expect("json");
                let id = v["subscriptionId"].as_str().expect("subscriptionId");
                path.insert("subscriptionId", id.to_owned());
            }
            _ => {}
        }
        Request {
            op,
            path,
            session,
            query: None,
            body,
            credentials: Credentials::Right,
        }
    }

    fn plain(&self, op: &'static Operation, session: Option<String>) -> Request {
        Request {
            op,
            path: HashMap::new(),
            session,
            query: None,
            body: None,
            credentials: Credentials::Right,
        }
    }
}

async fn expect_400(ctx: &Ctx, r: &Request, field: &str, what: &str) {
    let resp = ctx.send(r).await;
    let status = resp.status();
    let v: Value = resp.json().await.unwrap_or(Value::Null);
    assert_eq!(status, StatusCode::BAD_REQUEST, "{} {what}: {v}", r.op.name);
    assert_eq!(v["code"], 400, "{} {what}: {v}", r.op.name);
    assert_eq!(v["errors"][0]["reason"], field, "{} {what}: {v}", r.op.name);
    assert!(
        v["message"].as_str().unwrap_or("").contains(field),
        "{} {what}: {v}",
        r.op.name
    );
}

#[tokio::test]
async fn every_operation_is_served_and_validated_as_documented() {
    let mut ctx = Ctx {
        h: Harness::with_config(ccbridge_sim::SimConfig {
            poll_wait: Duration::from_millis(50),
            ..common::test_config()
        })
        .await,
        web_token: String::new(),
        docs: documents(),
        users: 0,
    };
    ctx.web_token = ctx.h.web_token().await;
    assert_eq!(OPERATIONS.len(), 72, "the description's operations");

    let mut served = BTreeSet::new();
    let mut refusals = 0;
    for op in OPERATIONS {
        let valid = ctx.valid_request(op).await;
        assert_eq!(
            op.body.is_some(),
            valid.body.is_some(),
            "{}: an operation with a body has an example",
            op.name
        );

        // The documented success.
        let resp = ctx.send(&valid).await;
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap_or_default();
        assert_eq!(status.as_u16(), op.status, "{}: {text}", op.name);
        if op.service == "engagementCenter" {
            assert!(headers.contains_key("x-correlation-id"), "{}", op.name);
        }
        served.insert(op.name);

        // A fresh valid request for the refusals (the one above may have used up its
        // session or subscription).
        let valid = ctx.valid_request(op).await;

        if let (Some(node), Some(body)) = (&op.body, &valid.body) {
            let mut found = Vec::new();
            mutations(node, body, &[], "", &mut found);
            for m in &found {
                let mut r = valid.clone();
                r.body = Some(apply(body, m));
                let what = if m.value.is_some() {
                    "wrong enum"
                } else {
                    "left out"
                };
                expect_400(&ctx, &r, &m.field, what).await;
                refusals += 1;
            }
            if op.body_required {
                let mut r = valid.clone();
                r.body = None;
                expect_400(&ctx, &r, "body", "without body").await;
                refusals += 1;
            }
        }
        if op.session == SessionHeader::Required {
            let mut r = valid.clone();
            r.session = None;
            expect_400(&ctx, &r, "via-client-sessionid", "without session").await;
            refusals += 1;
        }
        for p in op.query {
            let mut r = valid.clone();
            r.query = Some(format!("{}=0", p.name));
            expect_400(&ctx, &r, p.name, "bad query").await;
            r.query = Some(format!("{}=many", p.name));
            expect_400(&ctx, &r, p.name, "bad query").await;
            refusals += 2;
        }
        let mut denials = vec![Credentials::NoApiKey, Credentials::OtherKind];
        if op.auth != AuthKind::None {
            denials.push(Credentials::NoToken);
        }
        for c in denials {
            let mut r = valid.clone();
            r.credentials = c;
            let resp = ctx.send(&r).await;
            if op.auth == AuthKind::None && c == Credentials::OtherKind {
                // A token where none is needed changes nothing.
                assert_eq!(resp.status().as_u16(), op.status, "{}", op.name);
            } else {
                error_body(resp, StatusCode::UNAUTHORIZED).await;
            }
        }
    }
    let all: BTreeSet<&str> = OPERATIONS.iter().map(|o| o.name).collect();
    assert_eq!(served, all);
    assert!(refusals > 200, "{refusals} refusals checked");

    // Every request reached the statistics, under its operation name.
    let stats = ctx.h.sim.state().stats();
    for op in OPERATIONS {
        assert!(
            stats.operations.get(op.name).copied().unwrap_or(0) > 0,
            "{}",
            op.name
        );
    }
    let per_route: u64 = stats.requests.values().sum();
    assert_eq!(stats.total_requests, per_route);
}

#[tokio::test]
async fn a_refused_request_is_still_counted_and_changes_nothing() {
    let h = Harness::start().await;
    let sid = h.create_session(json!({})).await;
    let before = h.sim.state().stats();
    let interaction = |command: &str, body: Value| {
        h.api(
            Method::POST,
            h.org_url(
                "v2",
                &format!("/engagementCenter/interactions/151/{command}"),
            ),
        )
        .header("via-client-sessionid", &sid)
        .json(&body)
        .send()
    };
    let resp = interaction("hold", json!({"ehubSessionId": ""}))
        .await
        .unwrap();
    let v = error_body(resp, StatusCode::BAD_REQUEST).await;
    assert_eq!(v["errors"][0]["reason"], "ehubSessionId");
    // The wire name of a nested failure, position included.
    let items: Vec<Value> = (0..21)
        .map(|i| json!({"key": format!("k{i}"), "value": "v"}))
        .collect();
    let body = json!({"ehubSessionId": "1", "consultType": "User", "userId": "u2",
                      "interactionDataCollection": items});
    let v = error_body(
        interaction("consult", body.clone()).await.unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(v["errors"][0]["reason"], "interactionDataCollection");
    let mut body = body;
    body["interactionDataCollection"] = json!([{"key": "k", "value": "v"}, {"key": 5}]);
    let v = error_body(
        interaction("consult", body).await.unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(v["errors"][0]["reason"], "interactionDataCollection[1].key");
    let after = h.sim.state().stats();
    assert_eq!(after.total_requests, before.total_requests + 3);
    assert_eq!(after.operations["engagementCenter.hold"], 1);
    assert_eq!(h.sim.state().session_info(&sid).unwrap().queued, 0);
}
