//! E-mail in the agent model over real HTTP: the ScreenPop's `emailData`, accept and
//! emailActive, the commands that end an e-mail, drafts in the personal queue, transfers,
//! reassignment and removal of queued e-mails, composed e-mails, and e-mail commands on
//! interactions that are not e-mails.

use crate::common;

use common::agent::{dispose_body, expect_error, interaction_states, kinds, Agent, Ev};
use common::Harness;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// The documented fields of ScreenPopEmailData, all of them.
const EMAIL_DATA_FIELDS: [&str; 10] = [
    "emailObjectId",
    "forwardToMBox",
    "fromAddress",
    "replyEmailObjectId",
    "senderCC",
    "senderName",
    "senderTime",
    "senderTo",
    "threadId",
    "threadIdRev",
];

/// `email/<4 hex>-<8 digits>-<6 digits>/<id>-<n>`, the documents' storage key shape.
fn is_storage_key(key: &str, id: u64) -> bool {
    let Some(rest) = key.strip_prefix("email/") else {
        return false;
    };
    let Some((stamp, tail)) = rest.split_once('/') else {
        return false;
    };
    let parts: Vec<&str> = stamp.split('-').collect();
    parts.len() == 3
        && parts[0].len() == 4
        && parts[0].chars().all(|c| c.is_ascii_hexdigit())
        && parts[1].len() == 8
        && parts[2].len() == 6
        && parts[1]
            .chars()
            .chain(parts[2].chars())
            .all(|c| c.is_ascii_digit())
        && tail.starts_with(&format!("{id}-"))
}

async fn emails(h: &Harness) -> Vec<Value> {
    let resp = h.control(Method::GET, "/sim/emails", None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json::<Vec<Value>>().await.expect("json")
}

/// Offers an e-mail and brings it to Active (accept, then emailActive); returns its id and
/// emailObjectId.
async fn active_email(a: &Agent<'_>) -> (u64, String) {
    let id = a.offer(json!({"mediaType": "InboundEmailNLP"})).await;
    a.ok(a.ix(id, "accept", json!({})).await).await;
    a.ok(a.ix(id, "emailActive", json!({})).await).await;
    assert_eq!(kinds(&a.events().await), vec!["Active"]);
    let key = a.info().interactions[0]
        .email_object_id
        .clone()
        .expect("an e-mail");
    (id, key)
}

fn reply(extra: Value) -> Value {
    let mut body = json!({
        "replyEmailObjectId": "email/4b05-20161125-063840/40009-1",
        "interactionDataCollection": [{"key": "Name", "value": "XYZ", "isMasked": false}],
    });
    if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
        b.extend(e);
    }
    body
}

#[tokio::test]
async fn an_offered_email_pops_with_its_email_data() {
    let h = Harness::start().await;
    let a = Agent::login(&h, "u1").await;
    let resp = h
        .control(
            Method::POST,
            "/sim/agents/u1/offer",
            Some(json!({"mediaType": "InboundEmailNLP", "workTypeId": 114,
                        "emailData": {"fromAddress": "ada@example.org", "senderName": "Ada"}})),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let id = resp.json::<Value>().await.unwrap()["interactionId"]
        .as_u64()
        .unwrap();
    let events = a.events().await;
    assert_eq!(kinds(&events), vec!["ScreenPop"]);
    let pop = &events[0].inner;
    assert_eq!(pop["mediaType"], "InboundEmailNLP");
    let info = &pop["interactionInfo"];
    let data = info["emailData"].as_object().expect("emailData");
    let mut fields: Vec<&str> = data.keys().map(String::as_str).collect();
    fields.sort_unstable();
    assert_eq!(fields, EMAIL_DATA_FIELDS);
    assert_eq!(data["fromAddress"], "ada@example.org");
    assert_eq!(data["senderName"], "Ada");
    assert_eq!(data["senderTo"], "support@example.com");
    let key = data["emailObjectId"].as_str().unwrap();
    assert!(is_storage_key(key, id), "{key}");
    assert!(is_storage_key(
        data["replyEmailObjectId"].as_str().unwrap(),
        id
    ));
    assert_ne!(data["replyEmailObjectId"], data["emailObjectId"]);
    assert!(time::OffsetDateTime::parse(
        data["senderTime"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339
    )
    .is_ok());
    assert_eq!(
        (&data["threadId"], &data["threadIdRev"]),
        (&json!(id), &json!(id.to_string()))
    );
    assert_eq!(info["otherData"]["interactionType"], "EMAIL_MEDIA");
    assert_eq!(info["otherData"]["interactionCategory"], 1);
    assert_eq!(info["otherData"]["worktypeId"], 114);
    assert_eq!(info["otherData"]["workTypeIdRev"], "114");
    assert_eq!(info["otherData"]["screenpopType"], 31);
    assert!(
        info["screenData"].get("ani").is_none(),
        "an e-mail has no telephone data"
    );
    assert_eq!(info["screenData"]["lastName"], "FROST");

    // The e-mail store knows it, with the agent that has it.
    let store = emails(&h).await;
    assert_eq!(store.len(), 1);
    assert_eq!(store[0]["emailObjectId"], key);
    assert_eq!(store[0]["place"], "interaction");
    assert_eq!(store[0]["userId"], "u1");
    assert_eq!(store[0]["interactionId"], id);
    assert_eq!(store[0]["workTypeId"], 114);
    assert_eq!(
        a.info().interactions[0].email_object_id.as_deref(),
        Some(key)
    );

    // A voice offer has no emailData.
    a.ok(a.ix(id, "reject", json!({"reason": "busy"})).await)
        .await;
    a.events().await;
    let voice = a.offer(json!({})).await;
    let pops = a.info().interactions;
    assert_eq!(pops[0].interaction_id, voice);
    assert!(pops[0].email_object_id.is_none());
    // The rejected e-mail went back to its work type's queue.
    assert_eq!(emails(&h).await[0]["place"], "workType");
}

#[tokio::test]
async fn accept_waits_for_email_active_and_send_ends_the_email() {
    let h = Harness::start().await;
    let a = Agent::login(&h, "u1").await;
    let id = a.offer(json!({"mediaType": "InboundEmailAgentSel"})).await;

    // "the service moves the interaction to Active only after emailActive".
    a.ok(a.ix(id, "accept", json!({})).await).await;
    assert!(a.events().await.is_empty());
    assert_eq!(interaction_states(&a.info()), vec![(id, "Accepted")]);
    // Not ready for the ending commands yet.
    let resp = a.ix(id, "sendEmail", reply(json!({}))).await;
    expect_error(&a, resp, &id.to_string(), 20, INVALID).await;
    let corr = a.ok(a.ix(id, "emailActive", json!({})).await).await;
    let events = a.events().await;
    assert_eq!(kinds(&events), vec!["Active"]);
    assert_eq!(events[0].correlation, corr);
    assert_eq!(interaction_states(&a.info()), vec![(id, "Active")]);

    // saveEmail keeps the e-mail with the agent and records the draft.
    a.ok(a
        .ix(
            id,
            "saveEmail",
            reply(json!({"subject": "Re: your order", "to": "ada@example.org"})),
        )
        .await)
        .await;
    assert!(a.events().await.is_empty());
    assert_eq!(interaction_states(&a.info()), vec![(id, "Active")]);
    let store = emails(&h).await;
    assert_eq!(store[0]["draftSaved"], true);
    assert_eq!(store[0]["draftSubject"], "Re: your order");

    // sendEmail ends it as terminate does: InteractionClear, then Wrap.
    let corr = a.ok(a.ix(id, "sendEmail", reply(json!({}))).await).await;
    let events = a.events().await;
    assert_eq!(kinds(&events), vec!["InteractionClear", "Wrap"]);
    assert!(events.iter().all(|e| e.correlation == corr));
    assert_eq!(events[0].inner["state"], 14);
    assert_eq!(events[1].inner["interactionId"], id);
    assert_eq!(interaction_states(&a.info()), vec![(id, "Wrap")]);
    assert!(emails(&h).await.is_empty(), "sent: nothing left to do");
    let resp = a
        .ix(id, "closeEmail", json!({"interactionDataCollection": []}))
        .await;
    expect_error(&a, resp, &id.to_string(), 20, INVALID).await;
    a.ok(a.ix(id, "dispose", dispose_body()).await).await;
    assert_eq!(
        kinds(&a.events().await),
        vec!["DispositionInitiated", "Idle"]
    );
    assert!(a.info().interactions.is_empty());
}

const INVALID: &str = "Agent is not in the valid state to perform the operation";

#[tokio::test]
async fn email_commands_refuse_other_interactions() {
    let h = Harness::start().await;
    let a = Agent::login(&h, "u1").await;
    let call = a.call().await;
    let text = call.to_string();
    for (command, body) in [
        ("emailActive", json!({})),
        ("emailError", json!({"errorCode": 404})),
        ("saveEmail", reply(json!({}))),
        ("sendEmail", reply(json!({}))),
        ("closeEmail", json!({"interactionDataCollection": []})),
        ("forwardEmail", reply(json!({"to": "a@example.org"}))),
        ("transferEmailToUser", reply(json!({"userId": "u2"}))),
        (
            "transferEmailToWorkType",
            reply(json!({"workTypeId": "114"})),
        ),
    ] {
        let resp = a.ix(call, command, body).await;
        expect_error(&a, resp, &text, 20, INVALID).await;
    }
    assert_eq!(interaction_states(&a.info()), vec![(call, "Active")]);
}

#[tokio::test]
async fn a_closed_draft_waits_in_the_personal_queue_for_review() {
    let h = Harness::start().await;
    let a = Agent::login(&h, "u1").await;
    let (id, key) = active_email(&a).await;
    a.ok(a
        .ix(
            id,
            "saveEmail",
            reply(json!({"replyEmailObjectId": "email/draft-1/7-1", "subject": "Draft"})),
        )
        .await)
        .await;
    // closeEmail dismisses the interaction; the saved draft stays in the personal queue.
    a.ok(a
        .ix(id, "closeEmail", json!({"interactionDataCollection": []}))
        .await)
        .await;
    assert_eq!(kinds(&a.events().await), vec!["InteractionClear", "Wrap"]);
    a.ok(a.ix(id, "dispose", dispose_body()).await).await;
    a.events().await;
    let store = emails(&h).await;
    assert_eq!(store.len(), 1);
    assert_eq!(
        (&store[0]["place"], &store[0]["userId"]),
        (&json!("personal"), &json!("u1"))
    );

    // Not in a work type's queue, and another user's personal queue is not this one's.
    let review = |queue: &str| json!({"emailObjectId": key, "queueType": queue});
    let resp = a.cmd("reviewEmail", review("WorkType")).await;
    expect_error(&a, resp, "0", 296, "Can not get email by email object id").await;

    // reviewEmail presents it again: a new interaction with the e-mail's data and the
    // draft's storage key, fetched and activated like an offered one.
    a.ok(a.cmd("reviewEmail", review("Personal")).await).await;
    let events = a.events().await;
    assert_eq!(kinds(&events), vec!["ScreenPop"]);
    let again = events[0].inner["interactionId"].as_u64().unwrap();
    assert_ne!(again, id);
    let data = &events[0].inner["interactionInfo"]["emailData"];
    assert_eq!(data["emailObjectId"], key.as_str());
    assert_eq!(data["replyEmailObjectId"], "email/draft-1/7-1");
    assert_eq!(interaction_states(&a.info()), vec![(again, "Offered")]);
    assert_eq!(emails(&h).await[0]["interactionId"], again);
    let resp = a.cmd("reviewEmail", review("Personal")).await;
    expect_error(&a, resp, "0", 346, "Email already activated by other Agent").await;
    a.ok(a.ix(again, "emailActive", json!({})).await).await;
    assert_eq!(kinds(&a.events().await), vec!["Active"]);

    // forwardEmail ends it for good.
    a.ok(a
        .ix(
            again,
            "forwardEmail",
            reply(json!({"to": "sales@example.org"})),
        )
        .await)
        .await;
    assert_eq!(kinds(&a.events().await), vec!["InteractionClear", "Wrap"]);
    assert!(emails(&h).await.is_empty());
    let resp = a.cmd("reviewEmail", review("Personal")).await;
    expect_error(&a, resp, "0", 296, "Can not get email by email object id").await;
}

#[tokio::test]
async fn queued_emails_are_transferred_reassigned_and_removed() {
    let h = Harness::start().await;
    let a = Agent::login(&h, "u1").await;

    // transferEmailToWorkType: the e-mail leaves (CallReRouted, Wrap) for that queue.
    let (id, key) = active_email(&a).await;
    let corr = a
        .ok(a
            .ix(
                id,
                "transferEmailToWorkType",
                reply(json!({"workTypeId": "320"})),
            )
            .await)
        .await;
    let events = a.events().await;
    assert_eq!(kinds(&events), vec!["CallReRouted", "Wrap"]);
    assert!(events
        .iter()
        .all(|e| e.correlation == corr && e.inner["interactionId"] == id));
    let store = emails(&h).await;
    assert_eq!(
        (&store[0]["place"], &store[0]["workTypeId"]),
        (&json!("workType"), &json!(320))
    );
    a.ok(a.ix(id, "dispose", dispose_body()).await).await;
    a.events().await;

    // reassignEmail moves a queued e-mail; the work type wins over the user.
    let reassign = |object: &str, work_type: &str, user: &str| {
        json!({"emailObjectId": object, "destinationWorkTypeId": work_type,
               "destinationUserId": user})
    };
    let ack = |events: Vec<Ev>| {
        assert_eq!(kinds(&events), vec!["ReassignEmailAck"]);
        events[0].inner["status"].as_i64().unwrap()
    };
    a.ok(a.cmd("reassignEmail", reassign(&key, "", "u9")).await)
        .await;
    assert_eq!(ack(a.events().await), 0);
    assert_eq!(emails(&h).await[0]["userId"], "u9");
    a.ok(a.cmd("reassignEmail", reassign(&key, "77", "u9")).await)
        .await;
    assert_eq!(ack(a.events().await), 0);
    let store = emails(&h).await;
    assert_eq!(
        (&store[0]["place"], &store[0]["workTypeId"]),
        (&json!("workType"), &json!(77))
    );
    a.ok(a.cmd("reassignEmail", reassign(&key, "sales", "")).await)
        .await;
    assert_eq!(ack(a.events().await), 204);
    a.ok(a.cmd("reassignEmail", reassign(&key, "", "")).await)
        .await;
    assert_eq!(ack(a.events().await), 200);
    a.ok(a
        .cmd("reassignEmail", reassign("email/none/1-0", "77", ""))
        .await)
        .await;
    assert_eq!(ack(a.events().await), 344);
    // The acknowledgement's envelope is the documents': a string ehubSessionId.
    let raw = h.poll(&a.sid, 10).await;
    assert!(raw.is_empty());
    a.cmd("reassignEmail", reassign(&key, "78", "")).await;
    let raw = h.poll(&a.sid, 10).await;
    let envelope = common::payload(&raw[0]);
    assert_eq!(envelope["ehubSessionId"], a.ehub.as_str());
    assert!(envelope.get("ehubSessionIdRev").is_none());

    // One an agent has: 206 to reassign, Error 20 to remove.
    let (busy, busy_key) = active_email(&a).await;
    a.ok(a.cmd("reassignEmail", reassign(&busy_key, "77", "")).await)
        .await;
    assert_eq!(ack(a.events().await), 206);
    let resp = a
        .cmd("removeEmail", json!({"emailObjectId": busy_key}))
        .await;
    expect_error(&a, resp, "0", 20, INVALID).await;

    // removeEmail removes a queued one; an unknown one counts as removed.
    for object in [key.as_str(), key.as_str(), "email/none/1-0"] {
        a.ok(a.cmd("removeEmail", json!({"emailObjectId": object})).await)
            .await;
        let events = a.events().await;
        assert_eq!(kinds(&events), vec!["EmailRemoved"]);
        assert_eq!(events[0].inner["emailObjectId"], object);
    }
    let store = emails(&h).await;
    assert_eq!(store.len(), 1);
    assert_eq!(store[0]["emailObjectId"], busy_key.as_str());

    // emailError terminates the interaction; with 404 the record is purged too.
    a.ok(a.ix(busy, "emailError", json!({"errorCode": 404})).await)
        .await;
    assert_eq!(kinds(&a.events().await), vec!["InteractionClear"]);
    assert!(emails(&h).await.is_empty());
    let (failed, _) = active_email(&a).await;
    a.ok(a.ix(failed, "emailError", json!({"errorCode": 500})).await)
        .await;
    a.events().await;
    assert_eq!(emails(&h).await[0]["place"], "workType");

    // transferEmailToUser to a user who is not logged in: that user's personal queue.
    let (id, key) = active_email(&a).await;
    a.ok(a
        .ix(id, "transferEmailToUser", reply(json!({"userId": "u7"})))
        .await)
        .await;
    assert_eq!(kinds(&a.events().await), vec!["CallReRouted", "Wrap"]);
    let store = emails(&h).await;
    let moved = store
        .iter()
        .find(|e| e["emailObjectId"] == key.as_str())
        .unwrap();
    assert_eq!(
        (&moved["place"], &moved["userId"]),
        (&json!("personal"), &json!("u7"))
    );
}

#[tokio::test]
async fn compose_creates_an_active_outbound_email() {
    let h = Harness::start().await;
    let a = Agent::login(&h, "u1").await;
    let corr = a
        .ok(a.cmd("composeEmail", json!({"workTypeId": "114"})).await)
        .await;
    let events = a.events().await;
    assert_eq!(kinds(&events), vec!["ScreenPop", "Active"]);
    assert!(events.iter().all(|e| e.correlation == corr));
    let pop = &events[0].inner;
    let id = pop["interactionId"].as_u64().unwrap();
    assert_eq!(events[1].inner["interactionId"], id);
    assert_eq!(pop["mediaType"], "OutboundEmail");
    let info = &pop["interactionInfo"];
    assert_eq!(info["otherData"]["interactionType"], "EMAIL_OUTBOUND");
    assert_eq!(info["otherData"]["interactionCategory"], 2);
    assert_eq!(info["otherData"]["worktypeId"], 114);
    let data = &info["emailData"];
    assert!(is_storage_key(data["emailObjectId"].as_str().unwrap(), id));
    assert_eq!(data["replyEmailObjectId"], data["emailObjectId"]);
    assert_eq!(data["senderTo"], "");
    assert_eq!(interaction_states(&a.info()), vec![(id, "Active")]);
    a.ok(a
        .ix(id, "sendEmail", reply(json!({"to": "ada@example.org"})))
        .await)
        .await;
    assert_eq!(kinds(&a.events().await), vec!["InteractionClear", "Wrap"]);

    // Without a login: the documented 422 of a user command.
    let lone = h.create_session(json!({})).await;
    let resp = h
        .ec(
            &lone,
            "u2",
            "composeEmail",
            json!({"ehubSessionId": "5", "workTypeId": "1"}),
        )
        .await;
    common::error_body(resp, StatusCode::UNPROCESSABLE_ENTITY).await;
}
