//! Commands awaiting the event that tells their outcome.
//!
//! An Engagement Center command only answers 202; whether it worked is an event, later, on
//! the stream: one of the operation's `confirmed_by` events, or an `engagementCenter.Error`
//! (`failed_by`). The events can even arrive before the 202, so every event is kept in a
//! short backlog and a command is matched, once its 202 is in, against the events that
//! arrived since it was sent, then against each new one.
//!
//! Matching, in order of trust: the correlation id (when the 202 carried one, as
//! `x-correlation-id`) must be the event's; the interaction must be the command's when both
//! name one; the oldest waiting command wins. An Error with `eventCode` 225 is a notice,
//! never a failure.

use std::collections::VecDeque;

use tokio::sync::oneshot;

use super::model::{id_text, interaction_of};
use crate::error::Error;
use crate::events::{Event, EventPayload};
use crate::ops::Operation;

/// What an awaited command ended with.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandOutcome {
    /// The operation (`"engagementCenter.hold"`).
    pub command: String,
    /// The correlation id the service gave the command, when it gave one.
    pub correlation_id: Option<String>,
    /// The event that confirmed it; `None` for a command the documents give no confirming
    /// event (`cancel`, `digits`...): the 202 is all there is.
    pub event: Option<Event>,
}

/// `eventCode` of an Error event that informs rather than reports a failure.
const INFORMATIONAL: i64 = 225;
/// Events kept for commands whose 202 is still on its way.
const BACKLOG: usize = 512;

pub(crate) type Reply = oneshot::Sender<crate::Result<CommandOutcome>>;

/// A reply ready to be sent: sent by the caller once the change that caused it was
/// published, so a command returns after its listener saw the change.
pub(crate) type Outgoing = (Reply, crate::Result<CommandOutcome>);

struct Waiting {
    id: u64,
    op: &'static Operation,
    interaction_id: Option<String>,
    /// Sequence number of the last event before the command was sent.
    since: u64,
    answered: bool,
    correlation_id: Option<String>,
    /// Set when the session ended the command's hopes (logout, lost events) before its
    /// 202 arrived: the events that came in between still decide first.
    doomed: Option<Error>,
    reply: Reply,
}

struct Seen {
    seq: u64,
    event: Event,
    used: bool,
}

/// The waiting commands and the recent events.
#[derive(Default)]
pub(crate) struct Pending {
    next_id: u64,
    seq: u64,
    waiting: Vec<Waiting>,
    backlog: VecDeque<Seen>,
    outbox: Vec<Outgoing>,
}

enum Verdict {
    Confirmed,
    Failed(Error),
}

/// The command failure an Error event reports, or `None` for a notice.
pub(crate) fn failure(command: &str, event: &Event) -> Option<Error> {
    let EventPayload::EcError(e) = event.typed_payload() else {
        return None;
    };
    let p = e.payload.unwrap_or_default();
    if p.event_code == Some(INFORMATIONAL) {
        return None;
    }
    Some(Error::CommandFailed {
        command: command.to_string(),
        fail_code: p.fail_code,
        fail_reason: p
            .fail_reason
            .or(p.localized_fail_reason)
            .unwrap_or_else(|| "the service reported an error without a reason".into()),
        interaction_id: id_text(p.interaction_id.map(serde_json::Value::String).as_ref()),
    })
}

/// The failure a confirming event carries in its payload (the description's
/// `x-failed-when`: a MonitorState in MON_ERROR, a ReassignEmailAck with a failure status).
fn payload_failure(op: &Operation, event: &Event) -> Option<Error> {
    let rule = op
        .failed_when
        .iter()
        .find(|f| f.event == event.event_type())?;
    let (value, name) = rule.check(event.payload())?;
    Some(Error::CommandFailed {
        command: op.name.to_string(),
        fail_code: Some(value),
        fail_reason: format!("{name}: the event reports {} {value}", rule.field),
        interaction_id: interaction_of(event),
    })
}

impl Waiting {
    fn judge(&self, event: &Event) -> Option<Verdict> {
        if let (Some(mine), false) = (&self.correlation_id, event.correlation_id().is_empty()) {
            if *mine != event.correlation_id() {
                return None;
            }
        }
        let theirs = interaction_of(event);
        // `dial` names the interaction it dials from (often none); its events name the new one.
        let check_interaction = self.op.command != "dial";
        let same_interaction = !check_interaction
            || match (&self.interaction_id, &theirs) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            };
        if self.op.confirmed_by.contains(&event.event_type()) && same_interaction {
            return Some(match payload_failure(self.op, event) {
                Some(e) => Verdict::Failed(e),
                None => Verdict::Confirmed,
            });
        }
        if event.event_type() == "engagementCenter.Error"
            && self.op.failed_by.contains(&event.event_type())
            && same_interaction
        {
            return failure(self.op.name, event).map(Verdict::Failed);
        }
        None
    }

    fn resolve(self, verdict: Verdict, event: &Event) -> Outgoing {
        let result = match verdict {
            Verdict::Confirmed => Ok(CommandOutcome {
                command: self.op.name.to_string(),
                correlation_id: self.correlation_id.clone(),
                event: Some(event.clone()),
            }),
            Verdict::Failed(e) => Err(e),
        };
        (self.reply, result)
    }
}

impl Pending {
    /// Registers a command about to be sent; returns its id.
    pub fn register(
        &mut self,
        op: &'static Operation,
        interaction_id: Option<String>,
        reply: Reply,
    ) -> u64 {
        self.next_id += 1;
        self.waiting.push(Waiting {
            id: self.next_id,
            op,
            interaction_id: interaction_id.filter(|s| !s.is_empty() && s != "0"),
            since: self.seq,
            answered: false,
            correlation_id: None,
            doomed: None,
            reply,
        });
        self.next_id
    }

    /// The command's 202 arrived: it is resolved at once when the documents give it no
    /// confirming event, else matched against the events that came since it was sent.
    pub fn answered(&mut self, id: u64, correlation_id: Option<String>) {
        let Some(pos) = self.waiting.iter().position(|w| w.id == id) else {
            return;
        };
        let w = &mut self.waiting[pos];
        w.answered = true;
        w.correlation_id = correlation_id.filter(|c| !c.is_empty());
        if w.op.confirmed_by.is_empty() {
            let w = self.waiting.remove(pos);
            let outcome = CommandOutcome {
                command: w.op.name.to_string(),
                correlation_id: w.correlation_id,
                event: None,
            };
            self.outbox.push((w.reply, Ok(outcome)));
            return;
        }
        let since = w.since;
        let found = self
            .backlog
            .iter_mut()
            .filter(|s| s.seq > since && !s.used)
            .find_map(|s| {
                let verdict = self.waiting[pos].judge(&s.event)?;
                s.used = true;
                Some((verdict, s.event.clone()))
            });
        if let Some((verdict, event)) = found {
            let out = self.waiting.remove(pos).resolve(verdict, &event);
            self.outbox.push(out);
        } else if self.waiting[pos].doomed.is_some() {
            let w = self.waiting.remove(pos);
            let error = w.doomed.clone().unwrap_or_else(|| Error::closed("ended"));
            self.outbox.push((w.reply, Err(error)));
        }
        self.trim();
    }

    /// The request failed or was never sent: the waiter gets `error`.
    pub fn abandon(&mut self, id: u64, error: Error) {
        if let Some(pos) = self.waiting.iter().position(|w| w.id == id) {
            let w = self.waiting.remove(pos);
            self.outbox.push((w.reply, Err(error)));
        }
    }

    /// Adds replies decided elsewhere (a logout's) to the ones sent after publishing.
    pub fn defer(&mut self, replies: impl IntoIterator<Item = Outgoing>) {
        self.outbox.extend(replies);
    }

    /// The replies decided since the last call, to send once the lock is released and the
    /// changes are published. A waiter that gave up (timeout) is simply gone.
    pub fn take_outbox(&mut self) -> Vec<Outgoing> {
        std::mem::take(&mut self.outbox)
    }

    /// Forgets a command whose waiter gave up (timeout).
    pub fn forget(&mut self, id: u64) {
        self.waiting.retain(|w| w.id != id);
        self.trim();
    }

    /// One event of the stream, after the model took it. Returns whether a command took
    /// it as its outcome (an Error that answered a command is not reported elsewhere).
    pub fn event(&mut self, event: &Event) -> bool {
        self.seq += 1;
        let taken = self
            .waiting
            .iter()
            .position(|w| w.answered && w.judge(event).is_some());
        let used = match taken {
            Some(pos) => {
                let w = self.waiting.remove(pos);
                if let Some(verdict) = w.judge(event) {
                    let out = w.resolve(verdict, event);
                    self.outbox.push(out);
                }
                true
            }
            None => false,
        };
        if self.waiting.iter().any(|w| !w.answered) {
            self.backlog.push_back(Seen {
                seq: self.seq,
                event: event.clone(),
                used,
            });
            while self.backlog.len() > BACKLOG {
                self.backlog.pop_front();
            }
        }
        used
    }

    /// Every waiting command ends with `error` (the agent was logged out, the session
    /// closed, events were lost), except those the predicate keeps. A command whose 202
    /// is still on its way ends when it arrives, unless an event already received
    /// confirms it (its events may come before its 202).
    pub fn fail_all(&mut self, error: &Error, keep: impl Fn(&'static Operation) -> bool) {
        let (kept, failed): (Vec<_>, Vec<_>) = self
            .waiting
            .drain(..)
            .partition(|w| keep(w.op) || !w.answered);
        self.waiting = kept;
        for w in self
            .waiting
            .iter_mut()
            .filter(|w| !w.answered && !keep(w.op))
        {
            w.doomed = Some(error.clone());
        }
        for w in failed {
            self.outbox.push((w.reply, Err(error.clone())));
        }
        self.trim();
    }

    /// Every waiting command ends with `error`: the session is closing and no event will
    /// be read any more. A command whose 202 is still on its way ends when it arrives,
    /// with its outcome if an event already received confirms it.
    pub fn close_all(&mut self, error: &Error) {
        // A listener may close the session on the very event that confirms a command
        // whose 202 has not come back yet.
        self.fail_all(error, |_| false);
    }

    fn trim(&mut self) {
        match self
            .waiting
            .iter()
            .filter(|w| !w.answered)
            .map(|w| w.since)
            .min()
        {
            Some(oldest) => {
                while self.backlog.front().is_some_and(|s| s.seq <= oldest) {
                    self.backlog.pop_front();
                }
            }
            None => self.backlog.clear(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ev(event_type: &str, correlation: &str, inner: serde_json::Value) -> Event {
        let payload = json!({"userId": "u1", "payload": inner});
        Event::from_wire(&json!({
            "eventId": format!("{event_type}{correlation}{inner}"),
            "correlationId": correlation,
            "eventType": format!("engagementCenter.{event_type}"),
            "payload": payload.to_string(),
        }))
        .unwrap()
    }

    /// Sends what the matcher decided, as the session does after publishing.
    fn flush(p: &mut Pending) {
        for (reply, result) in p.take_outbox() {
            let _ = reply.send(result);
        }
    }

    fn op(name: &str) -> &'static Operation {
        crate::ops::find(&format!("engagementCenter.{name}")).unwrap()
    }

    #[test]
    fn an_event_before_the_202_confirms_once_the_202_is_in() {
        let mut p = Pending::default();
        let (tx, mut rx) = oneshot::channel();
        let id = p.register(op("hold"), Some("151".into()), tx);
        assert!(!p.event(&ev("Held", "c1", json!({"interactionId": 151}))));
        flush(&mut p);
        assert!(rx.try_recv().is_err());
        p.answered(id, Some("c1".into()));
        flush(&mut p);
        let outcome = rx.try_recv().unwrap().unwrap();
        assert_eq!(outcome.event.unwrap().event_type(), "engagementCenter.Held");
    }

    #[test]
    fn correlation_and_interaction_pick_the_right_command() {
        let mut p = Pending::default();
        let (tx1, mut rx1) = oneshot::channel();
        let (tx2, mut rx2) = oneshot::channel();
        let a = p.register(op("hold"), Some("1".into()), tx1);
        let b = p.register(op("hold"), Some("2".into()), tx2);
        p.answered(a, None);
        p.answered(b, None);
        assert!(p.event(&ev("Held", "", json!({"interactionIdRev": "2"}))));
        flush(&mut p);
        assert!(rx1.try_recv().is_err());
        flush(&mut p);
        assert!(rx2.try_recv().unwrap().is_ok());
        // A correlation id that is not the command's is not its outcome.
        let (tx3, mut rx3) = oneshot::channel();
        let c = p.register(op("ready"), None, tx3);
        p.answered(c, Some("mine".into()));
        assert!(!p.event(&ev("Idle", "theirs", json!({}))));
        flush(&mut p);
        assert!(rx3.try_recv().is_err());
        assert!(p.event(&ev("Idle", "mine", json!({}))));
        flush(&mut p);
        assert!(rx3.try_recv().unwrap().is_ok());
        drop(rx1);
    }

    #[test]
    fn an_error_fails_the_command_and_a_notice_does_not() {
        let mut p = Pending::default();
        let (tx, mut rx) = oneshot::channel();
        let id = p.register(op("hold"), Some("151".into()), tx);
        p.answered(id, None);
        let notice = json!({"interactionId": "151", "eventCode": 225, "failCode": 252, "failReason": "(252) Calling/Called party disconnected the call"});
        assert!(!p.event(&ev("Error", "", notice)));
        let failure = json!({"interactionId": "151", "eventCode": 10, "failCode": 31, "failReason": "(31) Hold failure"});
        assert!(p.event(&ev("Error", "", failure)));
        flush(&mut p);
        match rx.try_recv().unwrap() {
            Err(Error::CommandFailed {
                command,
                fail_code,
                fail_reason,
                interaction_id,
            }) => {
                assert_eq!(command, "engagementCenter.hold");
                assert_eq!(fail_code, Some(31));
                assert!(fail_reason.contains("Hold failure"));
                assert_eq!(interaction_id.as_deref(), Some("151"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_logout_before_the_202_leaves_the_events_in_between_to_decide() {
        let mut p = Pending::default();
        let (tx, mut rx) = oneshot::channel();
        let (tx2, mut rx2) = oneshot::channel();
        let id = p.register(op("dispose"), Some("9".into()), tx);
        let other = p.register(op("hold"), Some("9".into()), tx2);
        p.event(&ev("DispositionInitiated", "", json!({"interactionId": 9})));
        p.fail_all(&Error::closed("logged out"), |o| o.command == "disconnect");
        flush(&mut p);
        assert!(rx.try_recv().is_err(), "waits for its 202");
        p.answered(id, None);
        flush(&mut p);
        assert!(
            rx.try_recv().unwrap().is_ok(),
            "confirmed by the event before the logout"
        );
        p.answered(other, None);
        flush(&mut p);
        assert!(matches!(rx2.try_recv().unwrap(), Err(Error::Closed { .. })));
    }

    #[test]
    fn a_confirming_event_that_reports_a_failure_in_its_payload_fails_the_command() {
        for (state, failed) in [(json!(1), false), (json!(9), true), (json!("12"), true)] {
            let mut p = Pending::default();
            let (tx, mut rx) = oneshot::channel();
            let id = p.register(op("monitor"), None, tx);
            p.answered(id, None);
            let inner = json!({"monitoringInteractionId": 5, "monitoringState": state});
            assert!(p.event(&ev("MonitorState", "", inner)));
            flush(&mut p);
            match rx.try_recv().unwrap() {
                Ok(o) => assert!(!failed, "{state} confirmed: {o:?}"),
                Err(Error::CommandFailed {
                    fail_code,
                    fail_reason,
                    ..
                }) => {
                    assert!(failed, "{state} failed");
                    assert_eq!(fail_code, Some(if state == json!(9) { 9 } else { 12 }));
                    assert!(fail_reason.contains("MON_"), "{fail_reason}");
                }
                Err(other) => panic!("{other:?}"),
            }
        }
        let mut p = Pending::default();
        let (tx, mut rx) = oneshot::channel();
        let id = p.register(op("reassignEmail"), Some("7".into()), tx);
        p.answered(id, None);
        p.event(&ev(
            "ReassignEmailAck",
            "",
            json!({"emailObjectId": "e", "status": 344}),
        ));
        flush(&mut p);
        assert!(matches!(
            rx.try_recv().unwrap(),
            Err(Error::CommandFailed {
                fail_code: Some(344),
                ..
            })
        ));
    }

    #[test]
    fn commands_without_confirming_events_end_on_their_202() {
        let mut p = Pending::default();
        let (tx, mut rx) = oneshot::channel();
        let id = p.register(op("cancel"), None, tx);
        p.answered(id, Some("c".into()));
        flush(&mut p);
        let outcome = rx.try_recv().unwrap().unwrap();
        assert!(outcome.event.is_none());
        assert_eq!(outcome.correlation_id.as_deref(), Some("c"));
    }

    #[test]
    fn the_backlog_is_bounded_and_emptied_when_nobody_waits() {
        let mut p = Pending::default();
        let (tx, _rx) = oneshot::channel();
        let id = p.register(op("hold"), None, tx);
        for i in 0..(BACKLOG + 50) {
            p.event(&ev("Active", &i.to_string(), json!({})));
        }
        assert_eq!(p.backlog.len(), BACKLOG);
        p.forget(id);
        assert!(p.backlog.is_empty());
    }
}
