//! What the benchmark binary shares with the tests of this crate: the soak of the event
//! engine (`ccbridge-bench --soak` under `make bench`, a small one under `make test`).

#![warn(missing_docs)]

pub mod soak;

use ccbridge::{Http2, RetryPolicy, ViaClient};
use ccbridge_sim::SimConfig;
use serde_json::{json, Value};
use std::io::BufRead;
use std::process::{Child, Command, Stdio};

/// A client of the simulator at `base_url` with its default credentials.
pub fn sim_client(base_url: &str, retry: RetryPolicy, http2: bool) -> ViaClient {
    let c = SimConfig::default();
    ViaClient::new(
        ViaClient::builder()
            .org_id(&c.org_id)
            .client_id(&c.client_id)
            .client_secret(c.client_secret.as_str())
            .api_key(c.api_key.as_str())
            .base_url(base_url)
            .retry(retry)
            .http2(if http2 {
                Http2::PriorKnowledge
            } else {
                Http2::Negotiate
            })
            .build()
            .expect("client configuration"),
    )
    .expect("client")
}

/// The control API body (`POST /sim/events`) that queues `count` ScreenPop events on a
/// session: the benchmarks' event.
pub fn screen_pops(session_id: &str, count: u64) -> Value {
    json!({
        "sessionId": session_id,
        "eventType": "engagementCenter.ScreenPop",
        "payload": {"userId": "bench", "ehubSessionId": 100, "ehubSessionIdRev": "100",
            "payload": {"interactionId": 1, "interactionIdRev": "1", "mediaType": "InboundACD"}},
        "count": count,
    })
}

/// Starts the simulator binary at `path` as a process of its own, with the given long-poll
/// wait and no rate limit; returns it and its base URL (the last word of the line it prints
/// once it listens).
pub fn spawn_simulator(path: &str, poll_wait_ms: u64) -> (Child, String) {
    let mut child = Command::new(path)
        .args(["--port", "0", "--rate-limit", "0", "--poll-wait-ms"])
        .arg(poll_wait_ms.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {path}: {e}"));
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("simulator URL line");
    let base_url = line
        .trim()
        .rsplit(' ')
        .next()
        .unwrap_or_default()
        .to_string();
    (child, base_url)
}

/// The value after `name` on the command line (`--events 200`), if any.
pub fn arg_str(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}
