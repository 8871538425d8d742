//! E-mail in the agent model: the e-mails the simulator knows (offered, composed, queued),
//! where each one is (an interaction of an agent, a user's personal queue, a work type's
//! queue), and the e-mail commands that move them.
//!
//! The documents name no event for most e-mail commands (their x-confirmed-by is empty);
//! what they do to the interaction follows the description of `terminate` ("end a
//! Chat/SMS/Email interaction ... InteractionClear ... Wrap") and of the transfer
//! (`CallReRouted`). See "E-mail" in README.md for each command.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use time::OffsetDateTime;

use crate::agent::{
    interaction_info, pop_inner, set_state, settle, to_wrap, transfer_in, work_type_of,
    Interaction, InteractionState, Out, PopData, CLEARED, EMAIL_ACTIVE_ELSEWHERE, EMAIL_NOT_FOUND,
    FAILURE, INVALID_STATE,
};
use crate::state::{now_iso, Data, EventTemplate, SimState};

/// `emailError`'s errorCode that also purges the e-mail record ("Resource Not Found").
const PURGE: i64 = 404;

/// ReassignEmailAck statuses.
const REASSIGNED: i64 = 0;
const OPERATION_FAIL: i64 = 200;
const INVALID_WORK_TYPE: i64 = 204;
const INVALID_CALL_STATE: i64 = 206;
const NOT_IN_DB: i64 = 344;

/// Whether a media type is an e-mail one.
pub(crate) fn is_email_media(media_type: &str) -> bool {
    media_type.starts_with("InboundEmail") || media_type == "OutboundEmail"
}

/// Where an e-mail is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    /// Presented to or handled by an agent.
    Interaction { user: String, id: u64 },
    /// In a user's personal queue (a saved draft, a transfer to a user who could not take
    /// it, a reassignment).
    Personal(String),
    /// In a work type's queue (a transfer to a work type, an offer withdrawn).
    WorkType(i64),
}

/// What `saveEmail` kept of the reply being written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Draft {
    reply_email_object_id: String,
    subject: Option<String>,
    to: Option<String>,
}

/// One e-mail the simulator knows.
#[derive(Clone, Debug)]
pub(crate) struct EmailRecord {
    media_type: String,
    work_type_id: i64,
    /// Its `interactionInfo.emailData`.
    data: Map<String, Value>,
    place: Place,
    draft: Option<Draft>,
}

/// The e-mail commands with a behaviour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EmailOp {
    Active,
    Error,
    Send,
    Close,
    Forward,
    Save,
    TransferToUser,
    TransferToWorkType,
}

impl EmailOp {
    pub(crate) fn parse(command: &str) -> Option<EmailOp> {
        Some(match command {
            "emailActive" => EmailOp::Active,
            "emailError" => EmailOp::Error,
            "sendEmail" => EmailOp::Send,
            "closeEmail" => EmailOp::Close,
            "forwardEmail" => EmailOp::Forward,
            "saveEmail" => EmailOp::Save,
            "transferEmailToUser" => EmailOp::TransferToUser,
            "transferEmailToWorkType" => EmailOp::TransferToWorkType,
            _ => return None,
        })
    }
}

/// `email/<hex>-<yyyymmdd>-<hhmmss>/<id>-<part>`, the shape of the documents' storage keys
/// (`email/dd38-55555555-183810/117-0`).
fn object_id(id: u64, part: u32) -> String {
    let now = OffsetDateTime::now_utc();
    format!(
        "email/{:04x}-{:04}{:02}{:02}-{:02}{:02}{:02}/{id}-{part}",
        id & 0xffff,
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    )
}

fn field(body: &Map<String, Value>, name: &str) -> Option<String> {
    body.get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(str::to_owned)
}

/// A new inbound e-mail for the interaction `id`: its made-up `emailData` (a customer's
/// message to the organization), `over` merged over it, recorded in the store. Returns its
/// emailObjectId and `emailData`.
pub(crate) fn new_inbound(
    d: &mut Data,
    id: u64,
    media_type: &str,
    work_type_id: i64,
    over: Option<Map<String, Value>>,
) -> (String, Map<String, Value>) {
    let data = json!({
        "forwardToMBox": "",
        "fromAddress": "ellen.frost@example.com",
        "emailObjectId": object_id(id, 0),
        "senderCC": "",
        "senderTime": now_iso(),
        "senderName": "Ellen Frost",
        "replyEmailObjectId": object_id(id, 1),
        "senderTo": "support@example.com",
        "threadId": id,
        "threadIdRev": id.to_string(),
    });
    let mut data = into_object(data);
    if let Some(over) = over {
        data.extend(over);
    }
    record(d, media_type, work_type_id, data)
}

/// The fields of a JSON object built by `json!` (empty for anything else).
fn into_object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Records an e-mail (keyed by its `emailObjectId`, replacing one with the same key) and
/// returns its key and data.
fn record(
    d: &mut Data,
    media_type: &str,
    work_type_id: i64,
    data: Map<String, Value>,
) -> (String, Map<String, Value>) {
    let key = data
        .get("emailObjectId")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    d.emails.insert(
        key.clone(),
        EmailRecord {
            media_type: media_type.to_owned(),
            work_type_id,
            data: data.clone(),
            place: Place::WorkType(work_type_id),
            draft: None,
        },
    );
    (key, data)
}

/// The e-mail is now with the interaction `id` of `user`.
pub(crate) fn place_in_interaction(d: &mut Data, object_id: &str, user: &str, id: u64) {
    if let Some(r) = d.emails.get_mut(object_id) {
        r.place = Place::Interaction {
            user: user.to_owned(),
            id,
        };
    }
}

/// The key of the e-mail the interaction `(user, id)` holds.
fn held_by(d: &Data, user: &str, id: u64) -> Option<String> {
    let here = Place::Interaction {
        user: user.to_owned(),
        id,
    };
    d.emails
        .iter()
        .find(|(_, r)| r.place == here)
        .map(|(k, _)| k.clone())
}

/// The interaction `(user, id)` went away without its e-mail being dealt with (a reject, a
/// withdrawn offer, a logout, a retrieval error): the e-mail goes back to its work type's
/// queue, to be routed again.
pub(crate) fn requeue_if_held(d: &mut Data, user: &str, id: u64) {
    if let Some(key) = held_by(d, user, id) {
        if let Some(r) = d.emails.get_mut(&key) {
            r.place = Place::WorkType(r.work_type_id);
        }
    }
}

/// The interaction `(user, id)` ended its e-mail (closed, terminated): a saved draft stays
/// in the user's personal queue, anything else is done with.
pub(crate) fn closed(d: &mut Data, user: &str, id: u64) {
    let Some(key) = held_by(d, user, id) else {
        return;
    };
    if d.emails.get(&key).is_some_and(|r| r.draft.is_some()) {
        if let Some(r) = d.emails.get_mut(&key) {
            r.place = Place::Personal(user.to_owned());
        }
    } else {
        d.emails.remove(&key);
    }
}

/// An e-mail command about the interaction `id` of `user` (`it` as it is now).
pub(crate) fn interaction_op(
    d: &mut Data,
    user: &str,
    id: u64,
    it: &Interaction,
    op: EmailOp,
    body: &Map<String, Value>,
    out: &mut Out,
) {
    let text = id.to_string();
    let none = Map::new();
    if !it.is_email() {
        return out.error(d, &text, FAILURE, INVALID_STATE);
    }
    match op {
        EmailOp::Active => {
            if !matches!(
                it.state,
                InteractionState::Offered | InteractionState::Accepted
            ) {
                return out.error(d, &text, FAILURE, INVALID_STATE);
            }
            set_state(d, user, id, InteractionState::Active);
            out.interaction(d, "engagementCenter.Active", id, body, json!({}));
        }
        EmailOp::Error => {
            // The service terminates the interaction; with 404 the record is purged, else
            // the e-mail waits in its queue to be tried again.
            if body.get("errorCode").and_then(Value::as_i64) == Some(PURGE) {
                if let Some(key) = held_by(d, user, id) {
                    d.emails.remove(&key);
                }
            }
            d.remove_interaction(user, id);
            out.interaction(
                d,
                "engagementCenter.InteractionClear",
                id,
                &none,
                json!({"state": CLEARED}),
            );
            settle(d, user, out, false);
        }
        EmailOp::Save => {
            if it.state != InteractionState::Active {
                return out.error(d, &text, FAILURE, INVALID_STATE);
            }
            if let Some(r) = held_by(d, user, id).and_then(|k| d.emails.get_mut(&k)) {
                r.draft = Some(Draft {
                    reply_email_object_id: text_or(body, "replyEmailObjectId"),
                    subject: field(body, "subject"),
                    to: field(body, "to"),
                });
            }
        }
        EmailOp::Send | EmailOp::Close | EmailOp::Forward => {
            if it.state != InteractionState::Active {
                return out.error(d, &text, FAILURE, INVALID_STATE);
            }
            match op {
                EmailOp::Close => closed(d, user, id),
                // Sent or forwarded: nothing left to do with it.
                _ => {
                    if let Some(key) = held_by(d, user, id) {
                        d.emails.remove(&key);
                    }
                }
            }
            out.interaction(
                d,
                "engagementCenter.InteractionClear",
                id,
                &none,
                json!({"state": CLEARED}),
            );
            to_wrap(d, user, id);
            out.interaction(d, "engagementCenter.Wrap", id, &none, json!({}));
        }
        EmailOp::TransferToUser | EmailOp::TransferToWorkType => {
            if it.state != InteractionState::Active {
                return out.error(d, &text, FAILURE, INVALID_STATE);
            }
            let key = held_by(d, user, id);
            let mut receiver = None;
            if op == EmailOp::TransferToWorkType {
                let work_type = work_type_of(body);
                if let Some(r) = key.as_ref().and_then(|k| d.emails.get_mut(k)) {
                    r.place = Place::WorkType(work_type);
                    r.work_type_id = work_type;
                }
            } else {
                let target = text_or(body, "userId");
                // A simulated agent who can take it is offered it now; anyone else finds it
                // in their personal queue.
                if target != user && d.available(&target) {
                    receiver = Some(target);
                } else if let Some(r) = key.as_ref().and_then(|k| d.emails.get_mut(k)) {
                    r.place = Place::Personal(target);
                }
            }
            // The e-mail left the agent: the transfer's CallReRouted, then the wrap.
            to_wrap(d, user, id);
            out.interaction(d, "engagementCenter.CallReRouted", id, &none, json!({}));
            out.interaction(d, "engagementCenter.Wrap", id, &none, json!({}));
            if let Some(r) = receiver {
                let sender_ehub = d.ehub_of_user(user);
                transfer_in(d, &r, it, id, None, sender_ehub, out.correlation());
            }
        }
    }
}

fn text_or(body: &Map<String, Value>, name: &str) -> String {
    field(body, name).unwrap_or_default()
}

/// `composeEmail`: a new outbound e-mail (OutboundEmail, its work type the request's),
/// Active at once as there is no stored message to fetch: its ScreenPop (with the new
/// draft's storage keys in `emailData`), then Active.
pub(crate) fn compose(d: &mut Data, user: &str, body: &Map<String, Value>, out: &mut Out) {
    let media = "OutboundEmail";
    let id = d.new_interaction_id();
    let work_type_id = work_type_of(body);
    let draft = object_id(id, 0);
    let data = json!({
        "forwardToMBox": "",
        "fromAddress": "support@example.com",
        "emailObjectId": draft,
        "senderCC": "",
        "senderTime": "",
        "senderName": "",
        "replyEmailObjectId": draft,
        "senderTo": "",
        "threadId": 0,
        "threadIdRev": "0",
    });
    let (key, data) = record(d, media, work_type_id, into_object(data));
    start_interaction(d, user, id, media, work_type_id, key, data, out);
    set_state(d, user, id, InteractionState::Active);
    out.interaction(d, "engagementCenter.Active", id, &Map::new(), json!({}));
}

/// A new e-mail interaction of `user`, Offered, and its ScreenPop; no accept timer (the
/// agent asked for it).
#[allow(clippy::too_many_arguments)]
fn start_interaction(
    d: &mut Data,
    user: &str,
    id: u64,
    media: &str,
    work_type_id: i64,
    key: String,
    data: Map<String, Value>,
    out: &mut Out,
) {
    let pop = PopData {
        work_type_id: Some(work_type_id),
        email_data: Some(data),
        ..PopData::default()
    };
    let info = interaction_info(id, media, &pop);
    let mut it = Interaction::new(media, InteractionState::Offered);
    it.work_type_id = work_type_id;
    it.info = Some(info.clone());
    it.email = Some(key.clone());
    if let Some(u) = d.users.get_mut(user) {
        u.interactions.insert(id, it);
    }
    place_in_interaction(d, &key, user, id);
    out.push(
        d,
        "engagementCenter.ScreenPop",
        pop_inner(id, media, info, None),
    );
}

/// `reviewEmail`: a queued e-mail (in the user's personal queue for `queueType` Personal,
/// in a work type's queue for WorkType) is presented again as a new interaction: its
/// ScreenPop, Offered; the client fetches the message and sends `emailActive`. Error 346
/// when an agent has it, 296 when it is not in that queue.
pub(crate) fn review(d: &mut Data, user: &str, body: &Map<String, Value>, out: &mut Out) {
    let key = text_or(body, "emailObjectId");
    let personal = body.get("queueType").and_then(Value::as_str) == Some("Personal");
    let Some(r) = d.emails.get(&key).cloned() else {
        return out.error(d, "0", FAILURE, EMAIL_NOT_FOUND);
    };
    match &r.place {
        Place::Interaction { .. } => return out.error(d, "0", FAILURE, EMAIL_ACTIVE_ELSEWHERE),
        Place::Personal(owner) if personal && owner == user => {}
        Place::WorkType(_) if !personal => {}
        _ => return out.error(d, "0", FAILURE, EMAIL_NOT_FOUND),
    }
    let id = d.new_interaction_id();
    let mut data = r.data.clone();
    if let Some(draft) = &r.draft {
        data.insert(
            "replyEmailObjectId".to_owned(),
            json!(draft.reply_email_object_id),
        );
    }
    start_interaction(d, user, id, &r.media_type, r.work_type_id, key, data, out);
}

/// `removeEmail`: a queued e-mail is removed, `EmailRemoved` tells it. An e-mail no longer
/// known counts as removed (a repeat removes nothing more); one an agent has is not in a
/// queue (Error 20).
pub(crate) fn remove(d: &mut Data, body: &Map<String, Value>, out: &mut Out) {
    let key = text_or(body, "emailObjectId");
    if let Some(r) = d.emails.get(&key) {
        if matches!(r.place, Place::Interaction { .. }) {
            return out.error(d, "0", FAILURE, INVALID_STATE);
        }
        d.emails.remove(&key);
    }
    out.push(
        d,
        "engagementCenter.EmailRemoved",
        json!({"emailObjectId": key}),
    );
}

/// `reassignEmail`: a queued e-mail moves to the destination work type (which wins when
/// both are set, as the description says) or user's personal queue. `ReassignEmailAck`
/// carries the outcome: 0, or 344 (not known), 206 (an agent has it), 204 (the work type is
/// not a number), 200 (no destination). Its envelope is the documents' for this event: a
/// string ehubSessionId and no ehubSessionIdRev.
pub(crate) fn reassign(
    d: &mut Data,
    user: &str,
    body: &Map<String, Value>,
    corr: &Arc<str>,
    out: &mut Out,
) {
    let key = text_or(body, "emailObjectId");
    let work_type = field(body, "destinationWorkTypeId");
    let target = field(body, "destinationUserId");
    let status = match d.emails.get(&key).map(|r| &r.place) {
        None => NOT_IN_DB,
        Some(Place::Interaction { .. }) => INVALID_CALL_STATE,
        Some(_) => match (&work_type, &target) {
            (Some(w), _) => match w.trim().parse::<i64>() {
                Ok(w) => {
                    if let Some(r) = d.emails.get_mut(&key) {
                        r.place = Place::WorkType(w);
                        r.work_type_id = w;
                    }
                    REASSIGNED
                }
                Err(_) => INVALID_WORK_TYPE,
            },
            (None, Some(u)) => {
                if let Some(r) = d.emails.get_mut(&key) {
                    r.place = Place::Personal(u.clone());
                }
                REASSIGNED
            }
            (None, None) => OPERATION_FAIL,
        },
    };
    let envelope = json!({
        "userId": user,
        "ehubSessionId": d.ehub_of_user(user).to_string(),
        "payload": {"emailObjectId": key, "status": status},
    });
    out.push_template(EventTemplate::new(
        "engagementCenter.ReassignEmailAck",
        corr,
        &envelope,
    ));
}

/// One e-mail in `GET /sim/emails`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct EmailInfo {
    /// Its storage key.
    pub email_object_id: String,
    /// Its MediaType.
    pub media_type: String,
    /// Its work type.
    pub work_type_id: i64,
    /// `interaction`, `personal` or `workType`.
    pub place: String,
    /// The agent that has it, or whose personal queue holds it.
    pub user_id: Option<String>,
    /// The interaction that has it.
    pub interaction_id: Option<u64>,
    /// The subject of a saved draft.
    pub draft_subject: Option<String>,
    /// Whether a draft was saved (`saveEmail`).
    pub draft_saved: bool,
    /// Its `emailData`, as screen pops carry it.
    pub email_data: Map<String, Value>,
}

impl SimState {
    /// The e-mails the simulator knows, by emailObjectId (`GET /sim/emails`).
    pub fn emails(&self) -> Vec<EmailInfo> {
        let mut d = self.lock();
        d.sweep();
        d.emails
            .iter()
            .map(|(key, r)| {
                let (place, user_id, interaction_id) = match &r.place {
                    Place::Interaction { user, id } => {
                        ("interaction", Some(user.clone()), Some(*id))
                    }
                    Place::Personal(user) => ("personal", Some(user.clone()), None),
                    Place::WorkType(_) => ("workType", None, None),
                };
                EmailInfo {
                    email_object_id: key.clone(),
                    media_type: r.media_type.clone(),
                    work_type_id: r.work_type_id,
                    place: place.to_owned(),
                    user_id,
                    interaction_id,
                    draft_subject: r.draft.as_ref().and_then(|x| x.subject.clone()),
                    draft_saved: r.draft.is_some(),
                    email_data: r.data.clone(),
                }
            })
            .collect()
    }
}
