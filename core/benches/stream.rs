//! Micro-benchmarks of the event path that does not touch the network: decoding a full
//! `GET /events` batch (200 events, the documents' maximum), event by event from JSON trees and
//! as the engine does it, from the response body.

use ccbridge::Event;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::{json, Value};
use std::hint::black_box;

fn batch(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| {
            json!({
                "kind": "via#engagementCenterEvent",
                "eventId": format!("1519073278252-{i}"),
                "correlationId": "def61349-6f49-4019-918f-2cd2fbfd4e42",
                "eventType": "engagementCenter.ScreenPop",
                "publishedTime": "2018-01-30T14:04:20.539Z",
                "schemaVersion": "1",
                "payload": json!({"userId": "5aa0b645c2b3e80", "ehubSessionId": 215, "ehubSessionIdRev": "215",
                    "payload": {"interactionId": i, "interactionIdRev": i.to_string(), "mediaType": "InboundACD",
                        "interactionInfo": {"screenData": {"ani": "6035551212", "firstName": "ELLEN", "lastName": "FROST"}}}}).to_string(),
            })
        })
        .collect()
}

fn decode(c: &mut Criterion) {
    let events = batch(200);
    let mut g = c.benchmark_group("event_decode");
    g.throughput(Throughput::Elements(events.len() as u64));
    g.bench_function("batch_of_200", |b| {
        b.iter(|| {
            for e in &events {
                black_box(Event::from_wire(black_box(e)).expect("valid"));
            }
        })
    });
    // The engine's path: a whole response body, as the service sends it.
    let body = serde_json::to_vec(&json!({
        "kind": "via#streamingEventCollection",
        "totalItems": events.len(),
        "events": events,
    }))
    .expect("serializable");
    g.bench_function("response_of_200", |b| {
        b.iter(|| {
            let decoded = Event::batch_from_response(black_box(&body)).expect("an events response");
            assert!(decoded.iter().all(Result::is_ok));
            black_box(decoded)
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(3));
    targets = decode
}
criterion_main!(benches);
