//! One readable line per event.

use ccbridge::Event;
use serde_json::Value;

/// `HH:MM:SS.mmm  engagementCenter.Idle            user=… ehub=… interaction=…`
pub fn event_line(e: &Event) -> String {
    let time = e
        .published_time()
        .split_once('T')
        .map_or(e.published_time(), |(_, t)| t.trim_end_matches('Z'));
    let mut details = Vec::new();
    let outer = e.payload();
    if let Some(u) = outer.get("userId").and_then(Value::as_str) {
        details.push(format!("user={u}"));
    }
    if let Some(h) = outer.get("ehubSessionIdRev").and_then(Value::as_str) {
        details.push(format!("ehub={h}"));
    }
    let inner = outer.get("payload").unwrap_or(&Value::Null);
    for (key, label) in [
        ("interactionIdRev", "interaction"),
        ("reasonIdRev", "reason"),
        ("mediaType", "media"),
        ("requestTimestamp", "sent"),
    ] {
        if let Some(v) = inner.get(key).and_then(Value::as_str) {
            details.push(format!("{label}={v}"));
        }
    }
    if let Some(sd) = inner.pointer("/interactionInfo/screenData") {
        let name = [sd.get("firstName"), sd.get("lastName")]
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" ");
        if !name.is_empty() {
            details.push(format!("caller=\"{name}\""));
        }
        if let Some(ani) = sd.get("ani").and_then(Value::as_str) {
            details.push(format!("ani={ani}"));
        }
    }
    if details.is_empty() && !e.raw_payload().is_empty() && !e.payload().is_object() {
        details.push(e.raw_payload().chars().take(60).collect());
    }
    format!("{time:12}  {:40}  {}", e.event_type(), details.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn screen_pop_line_names_the_caller() {
        let e = Event::from_wire(&json!({
            "eventId": "1-0",
            "eventType": "engagementCenter.ScreenPop",
            "publishedTime": "2026-11-22T10:00:01.250Z",
            "payload": json!({"userId": "a1", "ehubSessionIdRev": "100", "payload": {
                "interactionIdRev": "7", "mediaType": "InboundACD",
                "interactionInfo": {"screenData": {"firstName": "ELLEN", "lastName": "FROST", "ani": "6035551212"}}
            }}).to_string()
        }))
        .unwrap();
        let line = event_line(&e);
        assert!(line.starts_with("10:00:01.250"), "{line}");
        assert!(line.contains("interaction=7"), "{line}");
        assert!(line.contains("caller=\"ELLEN FROST\""), "{line}");
    }
}
