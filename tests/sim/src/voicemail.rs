//! Voicemail: the control API leaves a voicemail for an agent (`NewVoiceMail`), and the two
//! voicemail notifications act on the agent's mailbox.
//!
//! A user's voicemails outlive its login (a mailbox is not a session). A voicemail is in a
//! mailbox: the agent's own (its user id) unless the control API names another. The
//! documents confirm neither notification by an event: `voicemailUpdated` marks the
//! voicemails of a work type as updated, `voicemailForwarded` marks those of the source
//! mailbox as forwarded and hands a copy to the agent whose mailbox the destination is
//! (that agent gets `NewVoiceMail`).

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::agent::Out;
use crate::error::ApiError;
use crate::state::{Data, SimState};

/// Where a voicemail is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    New,
    Updated,
    Forwarded,
}

impl Status {
    fn name(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Updated => "updated",
            Status::Forwarded => "forwarded",
        }
    }
}

/// One voicemail in a user's mailbox.
#[derive(Clone, Debug)]
pub(crate) struct Voicemail {
    id: u64,
    mailbox_id: String,
    work_type_id: i64,
    status: Status,
}

/// Body of `POST /sim/agents/{userId}/voicemail` / argument of [`SimState::leave_voicemail`].
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VoicemailRequest {
    /// The work type the voicemail came in on (`NewVoiceMail.workTypeId`); 0, the agent's
    /// own voicemail, when absent.
    pub work_type_id: Option<i64>,
    /// The mailbox it is left in; the user id (the agent's own mailbox) when absent.
    pub mailbox_id: Option<String>,
}

/// One voicemail in `GET /sim/agents/{userId}` and the answer of the control route.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct VoicemailInfo {
    /// The simulator's id of the voicemail.
    pub voicemail_id: u64,
    /// Its mailbox.
    pub mailbox_id: String,
    /// Its work type.
    pub work_type_id: i64,
    /// `new`, `updated` (voicemailUpdated) or `forwarded` (voicemailForwarded).
    pub status: String,
}

impl Voicemail {
    pub(crate) fn info(&self) -> VoicemailInfo {
        VoicemailInfo {
            voicemail_id: self.id,
            mailbox_id: self.mailbox_id.clone(),
            work_type_id: self.work_type_id,
            status: self.status.name().to_owned(),
        }
    }
}

/// Puts a new voicemail in `user`'s mailbox and tells the user when logged in.
fn deliver(d: &mut Data, user: &str, mailbox_id: String, work_type_id: i64, out: &mut Out) -> u64 {
    let id = d.next_voicemail;
    d.next_voicemail += 1;
    let u = d.users.entry(user.to_owned()).or_default();
    u.voicemails.push(Voicemail {
        id,
        mailbox_id,
        work_type_id,
        status: Status::New,
    });
    if u.connected() {
        out.push(
            d,
            "engagementCenter.NewVoiceMail",
            json!({"workTypeId": work_type_id, "workTypeIdRev": work_type_id.to_string()}),
        );
    }
    id
}

/// The user whose mailbox `mailbox` is: the user of that id, else one holding a voicemail
/// in that mailbox.
fn owner_of(d: &Data, mailbox: &str) -> Option<String> {
    if d.users.contains_key(mailbox) {
        return Some(mailbox.to_owned());
    }
    let mut owners: Vec<&String> = d
        .users
        .iter()
        .filter(|(_, u)| u.voicemails.iter().any(|v| v.mailbox_id == mailbox))
        .map(|(id, _)| id)
        .collect();
    owners.sort();
    owners.first().map(|s| (*s).clone())
}

/// `voicemailForwarded` from `user`: its voicemails in the source mailbox are forwarded; the
/// owner of the destination mailbox (another user) receives a copy of each.
pub(crate) fn forwarded(d: &mut Data, user: &str, body: &Map<String, Value>, out: &Out) {
    let field = |name: &str| {
        body.get(name)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let (source, destination) = (field("sourceMailboxId"), field("destinationMailboxId"));
    let Some(u) = d.users.get_mut(user) else {
        return;
    };
    let mut copies = Vec::new();
    for v in u.voicemails.iter_mut().filter(|v| v.mailbox_id == source) {
        v.status = Status::Forwarded;
        copies.push(v.work_type_id);
    }
    let Some(owner) = owner_of(d, &destination).filter(|o| o != user) else {
        return;
    };
    let mut told = Out::new(&owner, out.correlation(), None);
    for work_type_id in copies {
        deliver(d, &owner, destination.clone(), work_type_id, &mut told);
    }
    told.flush(d);
}

/// `voicemailUpdated` from `user`: its new voicemails of that work type are updated.
pub(crate) fn updated(d: &mut Data, user: &str, body: &Map<String, Value>) {
    let work_type = match body.get("workTypeId") {
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        Some(Value::Number(n)) => n.as_i64(),
        _ => None,
    };
    if let Some(u) = d.users.get_mut(user) {
        for v in u
            .voicemails
            .iter_mut()
            .filter(|v| Some(v.work_type_id) == work_type && v.status == Status::New)
        {
            v.status = Status::Updated;
        }
    }
}

impl SimState {
    /// Leaves a voicemail for a user (`POST /sim/agents/{userId}/voicemail`): it goes into
    /// the user's mailbox, logged in or not, and a logged-in user receives `NewVoiceMail
    /// {workTypeId, workTypeIdRev}`. 400 for an empty mailbox id.
    pub fn leave_voicemail(
        &self,
        user_id: &str,
        req: VoicemailRequest,
    ) -> Result<VoicemailInfo, ApiError> {
        let mailbox_id = req.mailbox_id.unwrap_or_else(|| user_id.to_owned());
        if mailbox_id.trim().is_empty() {
            return Err(ApiError::bad_request(
                "body",
                "mailboxId",
                "mailboxId must not be empty",
            ));
        }
        let work_type_id = req.work_type_id.unwrap_or(0);
        let mut d = self.lock();
        d.sweep();
        let mut out = Out::unsolicited(user_id);
        let id = deliver(&mut d, user_id, mailbox_id.clone(), work_type_id, &mut out);
        out.flush(&mut d);
        Ok(VoicemailInfo {
            voicemail_id: id,
            mailbox_id,
            work_type_id,
            status: Status::New.name().to_owned(),
        })
    }
}
