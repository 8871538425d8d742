//! The rest of the agent desktop over real HTTP: monitoring, the personal greeting,
//! voicemail, statistics derived from the agent's work, transfers that reach another
//! simulated agent, and the accept and wrap timers.

use crate::common;

use std::time::Duration;

use ccbridge_sim::SimConfig;
use common::agent::{dispose_body, expect_error, interaction_states, kinds, Agent, Ev};
use common::{error_body, Harness};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const INVALID: &str = "Agent is not in the valid state to perform the operation";

/// Logs `user` in at `station` (what a monitor names) and drains the login events.
async fn login_at<'a>(h: &'a Harness, user: &str, station: &str) -> Agent<'a> {
    let sid = h.create_session(json!({})).await;
    let resp = h
        .ec(
            &sid,
            user,
            "connect",
            json!({"attach": false, "station": station}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let a = Agent {
        h,
        user: user.to_owned(),
        sid,
        ehub: h.sim.state().user_info(user).ehub_session_id.unwrap(),
    };
    a.events().await;
    assert_eq!(a.info().station.as_deref(), Some(station));
    a
}

fn monitor(kind: &str, station: &str) -> Value {
    json!({"monitorType": kind, "station": "9785550001", "monitoringStationId": station,
           "monitoringId": "4857"})
}

/// The one MonitorState the supervisor received: its state and interaction.
fn monitor_state(events: &[Ev]) -> (i64, u64) {
    assert_eq!(kinds(events), vec!["MonitorState"]);
    let p = &events[0].inner;
    assert_eq!(
        p["monitoringInteractionIdRev"],
        p["monitoringInteractionId"].to_string()
    );
    (
        p["monitoringState"].as_i64().unwrap(),
        p["monitoringInteractionId"].as_u64().unwrap(),
    )
}

#[tokio::test]
async fn a_supervisor_monitors_an_agent() {
    let h = Harness::start().await;
    let agent = login_at(&h, "u1", "9785551000").await;
    let sup = login_at(&h, "sup", "9785550001").await;

    // Nobody logged in at that station: MON_ERROR.
    sup.ok(sup
        .cmd("monitor", monitor("StartSilent", "9785559999"))
        .await)
        .await;
    assert_eq!(monitor_state(&sup.events().await), (5, 0));
    assert!(sup.info().monitor.is_none());
    // Nothing to switch or stop yet.
    sup.ok(sup
        .cmd("monitor", monitor("SwitchToCoach", "9785551000"))
        .await)
        .await;
    assert_eq!(monitor_state(&sup.events().await).0, 5);

    // Started silent, on an agent without a call.
    let corr = sup
        .ok(sup
            .cmd("monitor", monitor("StartSilent", "9785551000"))
            .await)
        .await;
    let events = sup.events().await;
    assert_eq!(monitor_state(&events), (1, 0));
    assert_eq!(events[0].correlation, corr);
    assert_eq!(events[0].inner["ipAddress"], "");
    assert!(agent.events().await.is_empty(), "the agent is not told");
    let m = sup.info().monitor.expect("monitoring");
    assert_eq!(
        (
            m.user_id.as_str(),
            m.monitor_type.as_str(),
            m.monitoring_id.as_str()
        ),
        ("u1", "StartSilent", "4857")
    );

    // The agent takes a call: a switch names it.
    let call = agent.call().await;
    sup.ok(sup
        .cmd("monitor", monitor("SwitchToBargeIn", "9785551000"))
        .await)
        .await;
    assert_eq!(monitor_state(&sup.events().await), (3, call));
    assert_eq!(sup.info().monitor.unwrap().monitoring_state, 3);
    sup.ok(sup
        .cmd("monitor", monitor("SwitchToCoach", "9785551000"))
        .await)
        .await;
    assert_eq!(monitor_state(&sup.events().await), (2, call));
    // A second Start while monitoring is refused.
    sup.ok(sup
        .cmd("monitor", monitor("StartSilent", "9785551000"))
        .await)
        .await;
    assert_eq!(monitor_state(&sup.events().await), (5, call));

    // Another supervisor: the agent is already monitored.
    let other = login_at(&h, "sup2", "9785550002").await;
    other
        .ok(other.cmd("monitor", monitor("StartCoach", "u1")).await)
        .await;
    assert_eq!(monitor_state(&other.events().await), (12, call));

    // Stop, and stop again.
    sup.ok(sup.cmd("monitor", monitor("StopCoach", "9785551000")).await)
        .await;
    assert_eq!(monitor_state(&sup.events().await), (4, call));
    assert!(sup.info().monitor.is_none());
    sup.ok(sup
        .cmd("monitor", monitor("StopSilent", "9785551000"))
        .await)
        .await;
    assert_eq!(monitor_state(&sup.events().await).0, 5);

    // By user id, and the agent logging out stops the monitor.
    sup.ok(sup.cmd("monitor", monitor("StartBargeIn", "u1")).await)
        .await;
    assert_eq!(monitor_state(&sup.events().await), (3, call));
    agent
        .ok(agent
            .h
            .ec(
                &other.sid,
                "sup2",
                "forceDisconnect",
                json!({"userId": "u1"}),
            )
            .await)
        .await;
    let events = sup.events().await;
    assert_eq!(monitor_state(&events), (4, 0));
    assert!(sup.info().monitor.is_none());

    // A chat's monitor starts with MON_START_ACK (the supervisor then sends messageActive)
    // and names the chat server.
    let chat_agent = login_at(&h, "u3", "9785551003").await;
    let chat = chat_agent.offer(json!({"mediaType": "InboundChat"})).await;
    chat_agent
        .ok(chat_agent.ix(chat, "accept", json!({})).await)
        .await;
    other
        .ok(other
            .cmd("monitor", monitor("StartSilent", "9785551003"))
            .await)
        .await;
    let events = other.events().await;
    assert_eq!(monitor_state(&events), (6, chat));
    assert!(events[0].inner["ipAddress"]
        .as_str()
        .unwrap()
        .contains("portal="));

    // A supervisor that is not logged in: the user command's 422.
    let lone = h.create_session(json!({})).await;
    let resp = h
        .ec(
            &lone,
            "nobody",
            "monitor",
            json!({"monitorType": "StartSilent", "ehubSessionId": "1", "station": "1",
                   "monitoringStationId": "9785551003", "monitoringId": "1"}),
        )
        .await;
    error_body(resp, StatusCode::UNPROCESSABLE_ENTITY).await;
}

/// The one RecordingState: its state, file and index.
fn recording(events: &[Ev]) -> (i64, String, i64) {
    assert_eq!(kinds(events), vec!["RecordingState"]);
    let p = &events[0].inner;
    (
        p["recordingState"].as_i64().unwrap(),
        p["fileName"].as_str().unwrap().to_owned(),
        p["recordingIndex"].as_i64().unwrap(),
    )
}

#[tokio::test]
async fn the_personal_greeting_is_a_recording_state_machine() {
    let h = Harness::start().await;
    let a = Agent::login(&h, "u1").await;
    let station = json!({"station": "9785551212"});
    let with = |extra: Value| {
        let mut b = station.clone();
        if let (Value::Object(b), Value::Object(e)) = (&mut b, extra) {
            b.extend(e);
        }
        b
    };
    assert_eq!(a.info().greeting.state, "None");

    // Nothing plays: pause and stop are refused.
    for command in ["pausePlayPersonalGreeting", "stopPlayPersonalGreeting"] {
        let resp = a.cmd(command, station.clone()).await;
        expect_error(&a, resp, "0", 20, INVALID).await;
    }

    // Recording (3) with a new file and index.
    let corr = a
        .ok(a.cmd("recordPersonalGreeting", station.clone()).await)
        .await;
    let events = a.events().await;
    assert_eq!(events[0].correlation, corr);
    let (state, file, index) = recording(&events);
    assert_eq!(state, 3);
    assert!(file.ends_with(".vox") && index > 0, "{file} {index}");
    let busy = "Recording is not allowed as previous recording is still active";
    let resp = a.cmd("recordPersonalGreeting", station.clone()).await;
    expect_error(&a, resp, "0", 330, busy).await;
    let resp = a
        .cmd("playPersonalGreeting", with(json!({"fileName": file})))
        .await;
    expect_error(&a, resp, "0", 330, busy).await;
    // Stopping another recording than this one fails.
    let resp = a
        .cmd(
            "stopRecordPersonalGreeting",
            with(json!({"fileName": "other.vox", "recordingIndex": index.to_string()})),
        )
        .await;
    expect_error(&a, resp, "0", 10, "General Failure").await;
    a.ok(a
        .cmd(
            "stopRecordPersonalGreeting",
            with(json!({"fileName": file, "recordingIndex": index.to_string()})),
        )
        .await)
        .await;
    assert_eq!(recording(&a.events().await), (7, file.clone(), index));

    // Play (2), pause (4), play resumes (2), stop (7).
    let play = with(json!({"fileName": file}));
    a.ok(a.cmd("playPersonalGreeting", play.clone()).await)
        .await;
    assert_eq!(recording(&a.events().await), (2, file.clone(), index));
    let resp = a.cmd("playPersonalGreeting", play.clone()).await;
    expect_error(&a, resp, "0", 20, INVALID).await;
    a.ok(a.cmd("pausePlayPersonalGreeting", station.clone()).await)
        .await;
    assert_eq!(recording(&a.events().await).0, 4);
    assert_eq!(a.info().greeting.state, "Paused");
    let resp = a.cmd("deletePersonalGreeting", station.clone()).await;
    expect_error(&a, resp, "0", 20, INVALID).await;
    a.ok(a.cmd("playPersonalGreeting", play).await).await;
    assert_eq!(recording(&a.events().await).0, 2);
    a.ok(a.cmd("stopPlayPersonalGreeting", station.clone()).await)
        .await;
    assert_eq!(recording(&a.events().await).0, 7);
    let g = a.info().greeting;
    assert_eq!(
        (g.state.as_str(), g.recording_state, g.file_name.as_deref()),
        ("Stopped", 7, Some(file.as_str()))
    );

    // The notifications: no event, the model keeps them.
    a.ok(a
        .cmd(
            "personalGreetingUpdated",
            json!({"recordingId": "254138", "personalGreetingId": "3"}),
        )
        .await)
        .await;
    a.ok(a.cmd("deletePersonalGreeting", station.clone()).await)
        .await;
    assert!(a.events().await.is_empty());
    let g = a.info().greeting;
    assert_eq!((g.state.as_str(), g.file_name), ("None", None));
    assert_eq!(g.personal_greeting_id.as_deref(), Some("3"));
    // A new recording gets the next index.
    a.ok(a.cmd("recordPersonalGreeting", station).await).await;
    let (_, next_file, next_index) = recording(&a.events().await);
    assert!(next_index > index && next_file != file);
}

#[tokio::test]
async fn a_voicemail_reaches_its_agent() {
    let h = Harness::start().await;
    let a = Agent::login(&h, "u1").await;
    let leave = |user: &str, body: Value| {
        let path = format!("/sim/agents/{user}/voicemail");
        let h = &h;
        async move { h.control(Method::POST, &path, Some(body)).await }
    };
    let resp = leave("u1", json!({"workTypeId": 15})).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["mailboxId"], "u1");
    assert_eq!(v["workTypeId"], 15);
    assert_eq!(v["status"], "new");
    let events = a.events().await;
    assert_eq!(kinds(&events), vec!["NewVoiceMail"]);
    assert_eq!(
        events[0].inner,
        json!({"workTypeId": 15, "workTypeIdRev": "15"})
    );

    // voicemailUpdated: the work type's voicemails are updated, no event.
    a.ok(a.cmd("voicemailUpdated", json!({"workTypeId": "15"})).await)
        .await;
    assert!(a.events().await.is_empty());
    assert_eq!(a.info().voicemails[0].status, "updated");

    // A voicemail for an agent who is not logged in waits in its mailbox.
    let resp = leave("u2", json!({})).await;
    assert_eq!(resp.json::<Value>().await.unwrap()["workTypeId"], 0);
    let b = Agent::login(&h, "u2").await;
    assert_eq!(b.info().voicemails.len(), 1);

    // voicemailForwarded: the source mailbox's voicemails are forwarded, the owner of the
    // destination mailbox receives them.
    a.ok(a
        .cmd(
            "voicemailForwarded",
            json!({"sourceMailboxId": "u1", "destinationMailboxId": "u2"}),
        )
        .await)
        .await;
    assert!(a.events().await.is_empty());
    assert_eq!(a.info().voicemails[0].status, "forwarded");
    let events = b.events().await;
    assert_eq!(kinds(&events), vec!["NewVoiceMail"]);
    assert_eq!(events[0].inner["workTypeId"], 15);
    let mailbox = b.info().voicemails;
    assert_eq!(mailbox.len(), 2);
    assert_eq!(
        (mailbox[1].mailbox_id.as_str(), mailbox[1].status.as_str()),
        ("u2", "new")
    );

    // Mailboxes outlive the login; the control body is checked.
    b.ok(b.cmd("disconnect", json!({"reasonId": "0"})).await)
        .await;
    assert_eq!(h.sim.state().agent_info("u2").voicemails.len(), 2);
    let resp = leave("u1", json!({"workTypeId": "15"})).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let resp = leave("u1", json!({"mailboxId": " "})).await;
    assert_eq!(
        error_body(resp, StatusCode::BAD_REQUEST).await["errors"][0]["reason"],
        "mailboxId"
    );
}

/// The agent's AgentStatistics items.
async fn statistics(a: &Agent<'_>) -> Vec<Value> {
    a.ok(a.cmd("agentStatistics", json!({})).await).await;
    let events = a.events().await;
    assert_eq!(kinds(&events), vec!["AgentStatistics"]);
    events[0].inner["agentStatistics"]
        .as_array()
        .cloned()
        .unwrap()
}

#[tokio::test]
async fn statistics_follow_the_agents_work() {
    let h = Harness::start().await;
    let a = Agent::login(&h, "u1").await;

    // Just logged in: the default work type, nothing handled.
    let items = statistics(&a).await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["workTypeId"], 191);
    assert_eq!(items[0]["inboundInteractions"], 0);
    assert_eq!(items[0]["loggedInSeconds"], 0);

    // About a second idle, a call handled for about a second, sold with a callback.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let call = a.call().await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    a.ok(a.ix(call, "terminate", json!({})).await).await;
    let mut body = dispose_body();
    body["salesFlag"] = json!(true);
    body["callbackFlag"] = json!(true);
    a.ok(a.ix(call, "dispose", body).await).await;
    a.events().await;
    // A chat and an e-mail in work type 84: the chat refused, the e-mail handled.
    let chat = a
        .offer(json!({"mediaType": "InboundChat", "workTypeId": 84}))
        .await;
    a.ok(a.ix(chat, "reject", json!({"reason": "busy"})).await)
        .await;
    a.events().await;
    let email = a
        .offer(json!({"mediaType": "InboundEmailNLP", "workTypeId": 84}))
        .await;
    a.ok(a.ix(email, "emailActive", json!({})).await).await;
    // And a manual dial.
    a.ok(a
        .ix(
            0,
            "dial",
            json!({"dialType": "External", "workTypeId": "84", "userId": "u1",
                   "phoneNumber": "9785551212"}),
        )
        .await)
        .await;
    a.events().await;

    let items = statistics(&a).await;
    assert_eq!(items.len(), 2);
    let (w84, w191) = (&items[0], &items[1]);
    assert_eq!(w84["workTypeId"], 84);
    assert_eq!(w84["workTypeName"], "Sim Work Type 84");
    assert_eq!(w84["chatInteractions"], 0);
    assert_eq!(w84["emailInteractions"], 1);
    assert_eq!(w84["manualInteractions"], 1);
    assert_eq!(w84["numberOfRefusals"], 1);
    assert_eq!(w191["inboundInteractions"], 1);
    assert_eq!(w191["numberOfSuccesses"], 1);
    assert_eq!(w191["numberOfCallbacks"], 1);
    assert_eq!(w191["numberOfRefusals"], 0);
    for item in &items {
        assert!(item["idleSeconds"].as_u64().unwrap() >= 1, "{item}");
        assert!(item["activeSeconds"].as_u64().unwrap() >= 1, "{item}");
        assert!(item["loggedInSeconds"].as_u64().unwrap() >= 2, "{item}");
        let states: u64 = [
            "activeSeconds",
            "idleSeconds",
            "internalSeconds",
            "manualSeconds",
            "multiSeconds",
            "notReadySeconds",
            "otherSeconds",
            "parkSeconds",
            "wrapSeconds",
        ]
        .iter()
        .map(|k| item[*k].as_u64().unwrap())
        .sum();
        assert!(states <= item["loggedInSeconds"].as_u64().unwrap());
        for deprecated in ["ctiInteractions", "workflowInteractions", "statusSeconds"] {
            assert_eq!(item[deprecated], 0);
        }
    }

    // A new login starts again.
    let sup = h.create_session(json!({})).await;
    let resp = h
        .ec(&sup, "sup", "forceDisconnect", json!({"userId": "u1"}))
        .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let again = Agent::login(&h, "u1").await;
    let items = statistics(&again).await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["inboundInteractions"], 0);
}

#[tokio::test]
async fn a_transfer_to_a_logged_in_agent_offers_it_the_call() {
    let h = Harness::start().await;
    let a = Agent::login(&h, "u1").await;
    let b = Agent::login(&h, "u2").await;
    let call = a
        .offer(json!({"screenData": {"firstName": "ADA"}, "workTypeId": 150}))
        .await;
    a.ok(a.ix(call, "accept", json!({})).await).await;
    a.events().await;

    let to_user = |user: &str| json!({"transferType": "User", "userId": user, "workTypeId": "150"});
    let corr = a.ok(a.ix(call, "transfer", to_user("u2")).await).await;
    // The sender: its documented sequence, unchanged.
    assert_eq!(
        kinds(&a.events().await),
        vec!["CallReRouted", "InteractionReleasedXferred", "Wrap"]
    );
    // The receiver: the call offered under a new id, then InteractionTransferred.
    let events = b.events().await;
    assert_eq!(kinds(&events), vec!["ScreenPop", "InteractionTransferred"]);
    assert!(events.iter().all(|e| e.correlation == corr));
    let pop = &events[0].inner;
    let new = pop["interactionId"].as_u64().unwrap();
    assert_ne!(new, call);
    assert_eq!(pop["mediaType"], "InboundACD");
    let info = &pop["interactionInfo"];
    assert_eq!(info["screenData"]["firstName"], "ADA");
    assert_eq!(info["callBackData"]["dialModeCode"], 6);
    assert_eq!(info["otherData"]["originalWorktypeId"], 150);
    assert_eq!(
        events[1].inner,
        json!({"interactionId": call, "interactionIdRev": call.to_string(),
               "consultInteractionId": 0, "consultInteractionIdRev": "0",
               "newInteractionId": new, "newInteractionIdRev": new.to_string(),
               "originalEhubSessionId": a.ehub})
    );
    assert_eq!(interaction_states(&b.info()), vec![(new, "Offered")]);
    b.ok(b.ix(new, "accept", json!({})).await).await;
    assert_eq!(kinds(&b.events().await), vec!["Active"]);

    // u2 is busy now: a transfer to it fails, the call stays.
    a.ok(a.ix(call, "dispose", dispose_body()).await).await;
    a.events().await;
    let second = a.call().await;
    let resp = a.ix(second, "transfer", to_user("u2")).await;
    expect_error(&a, resp, &second.to_string(), 28, "Transfer failure").await;
    assert_eq!(interaction_states(&a.info()), vec![(second, "Active")]);
    assert!(b.events().await.is_empty());

    // To the consulted party: the agent consulted receives the call, with the leg named.
    let c = Agent::login(&h, "u3").await;
    a.ok(a
        .ix(
            second,
            "consult",
            json!({"consultType": "User", "userId": "u3"}),
        )
        .await)
        .await;
    let leg = a.events().await[1].inner["consultInteractionId"]
        .as_u64()
        .unwrap();
    a.ok(a
        .ix(
            leg,
            "transfer",
            json!({"transferType": "ConsultedParty", "workTypeId": "150"}),
        )
        .await)
        .await;
    assert_eq!(
        kinds(&a.events().await),
        vec!["CallReRouted", "InteractionReleasedXferred", "Wrap"]
    );
    let events = c.events().await;
    assert_eq!(kinds(&events), vec!["ScreenPop", "InteractionTransferred"]);
    assert_eq!(events[1].inner["interactionId"], second);
    assert_eq!(events[1].inner["consultInteractionId"], leg);
    let offered = events[0].inner["interactionId"].as_u64().unwrap();
    assert_eq!(events[1].inner["newInteractionId"], offered);
    assert_eq!(interaction_states(&c.info()), vec![(offered, "Offered")]);

    // transferEmailToUser to an available agent: the e-mail is offered to it, marked as
    // transferred from an agent, with its e-mail data.
    let d = Agent::login(&h, "u4").await;
    let e = Agent::login(&h, "u5").await;
    let email = e.offer(json!({"mediaType": "InboundEmailNLP"})).await;
    e.ok(e.ix(email, "emailActive", json!({})).await).await;
    e.events().await;
    let key = e.info().interactions[0].email_object_id.clone().unwrap();
    e.ok(e
        .ix(
            email,
            "transferEmailToUser",
            json!({"replyEmailObjectId": "email/r/1-1", "userId": "u4",
                   "interactionDataCollection": []}),
        )
        .await)
        .await;
    assert_eq!(kinds(&e.events().await), vec!["CallReRouted", "Wrap"]);
    let events = d.events().await;
    assert_eq!(kinds(&events), vec!["ScreenPop", "InteractionTransferred"]);
    let info = &events[0].inner["interactionInfo"];
    assert_eq!(info["otherData"]["screenpopType"], 50);
    assert_eq!(info["emailData"]["emailObjectId"], key.as_str());
    assert_eq!(events[1].inner["interactionId"], email);
    let received = events[0].inner["interactionId"].as_u64().unwrap();
    assert_eq!(
        d.info().interactions[0].email_object_id.as_deref(),
        Some(key.as_str())
    );
    d.ok(d.ix(received, "accept", json!({})).await).await;
    d.ok(d.ix(received, "emailActive", json!({})).await).await;
    assert_eq!(kinds(&d.events().await), vec!["Active"]);
}

#[tokio::test]
async fn offers_and_wraps_have_their_timers() {
    let h = Harness::with_config(SimConfig {
        accept_timeout: Some(Duration::from_millis(400)),
        wrap_timeout: Some(Duration::from_millis(400)),
        ..common::test_config()
    })
    .await;
    let a = Agent::login(&h, "u1").await;

    // The ScreenPop says how long the accept may take (whole seconds, rounded up).
    let resp = h
        .control(Method::POST, "/sim/agents/u1/offer", Some(json!({})))
        .await;
    let id = resp.json::<Value>().await.unwrap()["interactionId"]
        .as_u64()
        .unwrap();
    let events = a.events().await;
    assert_eq!(events[0].inner["timeoutForAcceptCall"], 1);

    // Not accepted in time: AcceptCallTimeout, and the offer is withdrawn as a reject
    // would be.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let events = a.events().await;
    assert_eq!(
        kinds(&events),
        vec!["AcceptCallTimeout", "InteractionClear", "Idle"]
    );
    assert!(events
        .iter()
        .all(|e| e.correlation == events[0].correlation));
    assert_eq!(
        events[0].inner,
        json!({"interactionId": id, "interactionIdRev": id.to_string(), "ehubSessionId": a.ehub})
    );
    assert_eq!(events[1].inner["interactionId"], id);
    assert_eq!(events[2].inner["interactionId"], 0);
    assert!(a.info().interactions.is_empty());
    let resp = a.ix(id, "accept", json!({})).await;
    expect_error(&a, resp, &id.to_string(), 11, "Call does not exist").await;

    // Accepted in time: no timeout. In wrap too long: WrapTimeout, the interaction stays
    // in Wrap, and a late dispose still works, with the documents' notice.
    let call = a.call().await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(a.events().await.is_empty());
    a.ok(a.ix(call, "terminate", json!({})).await).await;
    assert_eq!(kinds(&a.events().await), vec!["InteractionClear", "Wrap"]);
    tokio::time::sleep(Duration::from_millis(700)).await;
    let events = a.events().await;
    assert_eq!(kinds(&events), vec!["WrapTimeout"]);
    assert_eq!(events[0].inner["interactionId"], call);
    assert!(events[0].inner["dispositionExpected"].is_i64());
    let info = a.info();
    assert_eq!(interaction_states(&info), vec![(call, "Wrap")]);
    assert!(info.interactions[0].wrap_timed_out);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(a.events().await.is_empty(), "WrapTimeout comes once");
    a.ok(a.ix(call, "dispose", dispose_body()).await).await;
    let events = a.events().await;
    assert_eq!(
        kinds(&events),
        vec!["Error", "DispositionInitiated", "Idle"]
    );
    assert_eq!(events[0].inner["eventCode"], 225);
    assert_eq!(events[0].inner["failCode"], 230);
    assert!(a.info().interactions.is_empty());

    // The timers are run-time settings: 0 turns them off, and the ScreenPop says 0.
    let resp = h
        .control(
            Method::POST,
            "/sim/config",
            Some(json!({"acceptTimeoutMs": 0, "wrapTimeoutMs": 2500})),
        )
        .await;
    let v: Value = resp.json().await.unwrap();
    assert_eq!(
        (&v["acceptTimeoutMs"], &v["wrapTimeoutMs"]),
        (&json!(0), &json!(2500))
    );
    let resp = h
        .control(Method::POST, "/sim/agents/u1/offer", Some(json!({})))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let events = a.events().await;
    assert_eq!(events[0].inner["timeoutForAcceptCall"], 0);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(a.events().await.is_empty());
    assert_eq!(a.info().interactions[0].state, "Offered");

    // Off by default: the existing tests of every language see no timer.
    let plain = Harness::start().await;
    let b = Agent::login(&plain, "u2").await;
    let pop = {
        plain
            .control(Method::POST, "/sim/agents/u2/offer", Some(json!({})))
            .await;
        b.events().await
    };
    assert_eq!(pop[0].inner["timeoutForAcceptCall"], 0);
}
