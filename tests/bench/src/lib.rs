//! What the benchmark binary shares with the tests of this crate: the soak of the event
//! engine (`ccbridge-bench --soak` under `make bench`, a small one under `make test`).

#![warn(missing_docs)]

pub mod soak;

use ccbridge::{Http2, RetryPolicy, ViaClient};
use ccbridge_sim::SimConfig;
use serde_json::{json, Value};

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
