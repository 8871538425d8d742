//! Per-command overhead of the generated layer, against a bare HTTP POST of the same request.
//!
//! One streaming session (inactivity 600 s, never polled) receives N sequential
//! `engagementCenter.hold` calls per variant and round (many short rounds); the simulator answers 202 and queues
//! one `Held` event, the cheapest kind of command it serves. Three variants, on the same
//! global ccbridge runtime and the same simulator process:
//!
//! - `typed`: `client.engagement_center().hold(session, interaction, &HoldParams{..})`, i.e.
//!   model → JSON, validation against the description, path rendering, cached token, pacing,
//!   retry wrapper, rate-limit and correlation headers read, error mapping, tracing span;
//! - `generic`: `client.call("engagementCenter.hold", json)`, the same path from JSON;
//! - `bare`: a plain `reqwest::Client` (keep-alive pool, as the core's) sending the same
//!   headers (bearer token fetched once up front, `x-api-key`, `via-client-sessionid`,
//!   `accept`, `content-type`) and the same JSON body built per call, reading the answer and
//!   checking for 202.
//!
//! After a warm-up of each variant, rounds rotate the order of the variants (typed, bare,
//! generic; bare, generic, typed; ...) so that drift of a shared machine hits all of them.
//! Every call is timed on its own; the report gives the median (and p90, mean) over all
//! measured calls of each variant, the ratios of these medians to `bare`, and the median
//! over rounds of each round's ratio (robust to load that changes between rounds, as it
//! does on a machine shared with builds).

use crate::Sim;
use ccbridge::models::{HoldParams, NewSessionV3};
use ccbridge::ViaClient;
use ccbridge_sim::SimConfig;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const INTERACTION_ID: &str = "1";
const EHUB_SESSION_ID: &str = "100";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Variant {
    Typed,
    Generic,
    Bare,
}

const VARIANTS: [Variant; 3] = [Variant::Typed, Variant::Bare, Variant::Generic];
/// Unmeasured calls of each variant before the first round.
const WARM_UP_CALLS: u64 = 500;
const TYPED: usize = 0;
const BARE: usize = 1;
const GENERIC: usize = 2;

impl Variant {
    fn name(self) -> &'static str {
        match self {
            Variant::Typed => "typed",
            Variant::Generic => "generic",
            Variant::Bare => "bare",
        }
    }
}

/// What a hand-written client holds: a pool, the URL, and the header values.
struct Bare {
    http: reqwest::Client,
    url: String,
    authorization: String,
    api_key: String,
    session_id: String,
}

impl Bare {
    async fn new(base_url: &str, org_id: &str, session_id: &str) -> Bare {
        let c = SimConfig::default();
        let http = reqwest::Client::new();
        let form = format!(
            "grant_type=client_credentials&client_id={}&client_secret={}",
            c.client_id, c.client_secret
        );
        let token: Value = http
            .post(format!("{base_url}/via/v2/oauth2/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .expect("token request")
            .json()
            .await
            .expect("token answer");
        let token = token["access_token"].as_str().expect("access_token");
        Bare {
            http,
            url: format!(
                "{base_url}/via/v2/organizations/{org_id}/engagementCenter/interactions/{INTERACTION_ID}/hold"
            ),
            authorization: format!("Bearer {token}"),
            api_key: c.api_key,
            session_id: session_id.to_owned(),
        }
    }

    async fn hold(&self) {
        let resp = self
            .http
            .post(&self.url)
            .header("authorization", &self.authorization)
            .header("x-api-key", &self.api_key)
            .header("via-client-sessionid", &self.session_id)
            .header("accept", "application/json")
            .json(&json!({ "ehubSessionId": EHUB_SESSION_ID }))
            .send()
            .await
            .expect("bare hold");
        let status = resp.status().as_u16();
        resp.bytes().await.expect("bare hold body");
        assert_eq!(status, 202, "bare hold answered {status}");
    }
}

struct Bench {
    client: ViaClient,
    bare: Bare,
    session_id: String,
}

impl Bench {
    /// `n` sequential calls of one variant; the duration of each.
    fn run(&self, variant: Variant, n: u64) -> Vec<Duration> {
        ccbridge::runtime::block_on(async {
            let mut out = Vec::with_capacity(usize::try_from(n).unwrap_or(0));
            let ec = self.client.engagement_center();
            for _ in 0..n {
                let started = Instant::now();
                match variant {
                    Variant::Typed => {
                        let params = HoldParams {
                            ehub_session_id: EHUB_SESSION_ID.to_owned(),
                        };
                        ec.hold(&self.session_id, INTERACTION_ID, &params)
                            .await
                            .expect("typed hold");
                    }
                    Variant::Generic => {
                        let params = json!({
                            "sessionId": self.session_id,
                            "interactionId": INTERACTION_ID,
                            "body": {"ehubSessionId": EHUB_SESSION_ID},
                        });
                        self.client
                            .call("engagementCenter.hold", params)
                            .await
                            .expect("generic hold");
                    }
                    Variant::Bare => self.bare.hold().await,
                }
                out.push(started.elapsed());
            }
            out
        })
        .expect("not in a runtime")
    }
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Median, p90 and mean in µs of one variant's calls.
fn summary(samples: &mut [Duration]) -> (f64, Value) {
    samples.sort();
    let at = |q: f64| {
        let i = ((samples.len() - 1) as f64 * q).round() as usize;
        micros(samples[i])
    };
    let median = at(0.5);
    let mean = micros(samples.iter().sum::<Duration>()) / samples.len() as f64;
    let v = json!({
        "calls": samples.len(),
        "median_us": round1(median),
        "p90_us": round1(at(0.9)),
        "mean_us": round1(mean),
    });
    (median, v)
}

/// The `rust_commands` section of the report.
pub fn report(sim: &Sim, client: &ViaClient, calls: u64, rounds: u64) -> Value {
    let calls = calls.max(1);
    let rounds = rounds.max(1);
    let load_before = load_average();
    let session = ccbridge::runtime::block_on(client.streaming().create_session(&NewSessionV3 {
        // Never polled: the longest documented inactivity keeps it alive for the whole leg.
        inactivity_delay: Some(600),
        require_acknowledgement: Some(false),
    }))
    .expect("not in a runtime")
    .expect("create session");
    let bare = ccbridge::runtime::block_on(Bare::new(
        &sim.base_url(),
        client.config().org_id(),
        &session.session_id,
    ))
    .expect("not in a runtime");
    let bench = Bench {
        client: client.clone(),
        bare,
        session_id: session.session_id,
    };

    // Warm-up: token fetched, connections open, code paths and allocator hot.
    for v in VARIANTS {
        bench.run(v, WARM_UP_CALLS);
    }
    let mut samples: [Vec<Duration>; 3] = Default::default();
    // Per round, each variant's median relative to bare's in the same round: a ratio that
    // load changing between rounds cannot bias.
    let mut round_ratios: [Vec<f64>; 3] = Default::default();
    for r in 0..rounds {
        let mut round: [Vec<Duration>; 3] = Default::default();
        for k in 0..VARIANTS.len() {
            let i = (k + usize::try_from(r).unwrap_or(0)) % VARIANTS.len();
            round[i] = bench.run(VARIANTS[i], calls);
        }
        let bare = median(&mut round[BARE].clone());
        for (i, s) in round.iter_mut().enumerate() {
            round_ratios[i].push(median(s) / bare);
            samples[i].append(s);
        }
    }
    let _ = ccbridge::runtime::block_on(client.streaming().delete_session(&bench.session_id));

    let mut medians = [0.0; 3];
    let mut out = serde_json::Map::new();
    for (i, v) in VARIANTS.iter().enumerate() {
        let (median, s) = summary(&mut samples[i]);
        medians[i] = median;
        out.insert(v.name().to_owned(), s);
    }
    let [typed, bare, generic] = medians;
    let ratio = |x: f64| if bare > 0.0 { round3(x / bare) } else { 0.0 };
    let mut per_round = |i: usize| round3(median_f64(&mut round_ratios[i]));
    let (typed_per_round, generic_per_round) = (per_round(TYPED), per_round(GENERIC));
    out.insert("operation".into(), json!("engagementCenter.hold"));
    // The ratios move with contention from other processes: say how busy the machine was.
    out.insert(
        "load_average_1m".into(),
        json!({"before": load_before, "after": load_average()}),
    );
    out.insert("calls_per_round".into(), json!(calls));
    out.insert("rounds".into(), json!(rounds));
    out.insert("typed_to_bare_ratio".into(), json!(ratio(typed)));
    out.insert("generic_to_bare_ratio".into(), json!(ratio(generic)));
    out.insert(
        "typed_to_bare_ratio_per_round_median".into(),
        json!(typed_per_round),
    );
    out.insert(
        "generic_to_bare_ratio_per_round_median".into(),
        json!(generic_per_round),
    );
    out.insert("typed_overhead_us".into(), json!(round1(typed - bare)));
    out.insert("generic_overhead_us".into(), json!(round1(generic - bare)));
    out.insert(
        "description".into(),
        json!("microseconds per sequential engagementCenter.hold (202) to the simulator in its own release process, keep-alive on every side; typed = client.engagement_center().hold (model to JSON, validation, cached token, pacing, retry wrapper, response headers read, error mapping); generic = client.call(op, json), same path; bare = plain reqwest POST with the same headers and JSON body, token fetched once before; short rounds rotate the variants after a warm-up"),
    );
    Value::Object(out)
}

/// The 1-minute load average (Linux), for reading the figures; `null` elsewhere.
fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn median(samples: &mut [Duration]) -> f64 {
    samples.sort();
    micros(samples[samples.len() / 2])
}

fn median_f64(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
