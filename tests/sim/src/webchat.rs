//! The public chat: web tokens, web-client sessions (created in `streaming.rs`) and the
//! customer's messaging commands, with a chat record per web-client session that the
//! control API reads and answers as the agent.

use std::sync::Arc;
use std::time::Instant;

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use time::OffsetDateTime;

use crate::api::Call;
use crate::ec::event_like_example;
use crate::error::ApiError;
use crate::state::{iso_millis, now_iso, Data, EventTemplate, SimState};

/// Where a chat is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum ChatState {
    /// The web-client session exists; `messaging.connect` was not sent yet.
    #[default]
    Open,
    /// Connected: messages flow.
    Connected,
    /// `messaging.disconnect` ended it.
    Ended,
}

impl ChatState {
    fn as_str(self) -> &'static str {
        match self {
            ChatState::Open => "open",
            ChatState::Connected => "connected",
            ChatState::Ended => "ended",
        }
    }
}

/// The chat record of one web-client session.
#[derive(Clone, Debug, Default)]
pub(crate) struct Chat {
    pub opened: String,
    pub state: ChatState,
    pub interaction_id: Option<u64>,
    /// The `messaging.connect` body (workTypeId, contactName, ...).
    pub contact: Option<Value>,
    pub agent: Option<String>,
    pub agent_name: Option<String>,
    pub messages: Vec<ChatMessage>,
    pub callbacks: Vec<Value>,
}

impl Chat {
    fn contact_name(&self) -> String {
        self.contact
            .as_ref()
            .and_then(|c| c.get("contactName"))
            .and_then(Value::as_str)
            .unwrap_or("customer")
            .to_owned()
    }
}

/// One message of a chat transcript (`GET /sim/chats/{sessionId}`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessage {
    /// `customer` or `agent`.
    pub from: String,
    /// `text`, `url`, `dial` or `notification`: the messaging command (or an agent reply).
    pub kind: String,
    /// The text, URL, digits or notification state.
    pub text: String,
    /// When the simulator received it.
    pub time: String,
}

/// A web chat as the control API reports it (`GET /sim/chats/{sessionId}`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ChatInfo {
    /// The web-client streaming session the chat lives on.
    pub session_id: String,
    /// `open` (no `messaging.connect` yet), `connected` or `ended`.
    pub state: String,
    /// The chat's interaction, from `messaging.connect` on.
    pub interaction_id: Option<u64>,
    /// The `messaging.connect` body.
    pub contact: Option<Value>,
    /// The agent user attached through the control API.
    pub agent_user_id: Option<String>,
    /// Customer messages and agent replies, in order.
    pub messages: Vec<ChatMessage>,
    /// `messaging.scheduleCallBack` bodies, in order.
    pub callbacks: Vec<Value>,
}

/// Entity types of the messaging events: 1 is an agent, 3 the customer (as in the
/// documents' examples).
const AGENT_ENTITY: u64 = 1;
const CUSTOMER_ENTITY: u64 = 3;

fn chat_info(session_id: &str, c: &Chat) -> ChatInfo {
    ChatInfo {
        session_id: session_id.to_owned(),
        state: c.state.as_str().to_owned(),
        interaction_id: c.interaction_id,
        contact: c.contact.clone(),
        agent_user_id: c.agent.clone(),
        messages: c.messages.clone(),
        callbacks: c.callbacks.clone(),
    }
}

fn conflict(reason: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, "state", reason, message)
}

impl Data {
    /// Ends the connected chat of a web-client session that goes away (disconnect or
    /// inactivity, as the document describes both): the attached agent is told that the
    /// customer left.
    pub(crate) fn end_chat(&mut self, session_id: &str) {
        let Some(chat) = self.chats.get_mut(session_id) else {
            return;
        };
        if chat.state != ChatState::Connected {
            return;
        }
        chat.state = ChatState::Ended;
        let (agent, interaction, customer) = (
            chat.agent.clone(),
            chat.interaction_id.unwrap_or(0),
            chat.contact_name(),
        );
        if let Some(agent) = agent {
            let event = self.chat_event(
                "messaging.EntityRemoved",
                &agent,
                interaction,
                json!({"entityId": "CO", "entityName": customer, "entityType": CUSTOMER_ENTITY}),
            );
            self.emit_to_user(&agent, &[event]);
        }
    }

    fn ehub_of(&self, user: &str) -> u64 {
        self.users
            .get(user)
            .and_then(|u| u.ehub_session_id)
            .unwrap_or(0)
    }

    /// A messaging event about the chat's interaction, from the `user` side.
    fn chat_event(
        &self,
        event_type: &str,
        user: &str,
        interaction: u64,
        set: Value,
    ) -> EventTemplate {
        let corr: Arc<str> = Arc::from(uuid::Uuid::new_v4().to_string());
        let payload = event_like_example(
            event_type,
            user,
            self.ehub_of(user),
            &interaction.to_string(),
            set,
        );
        EventTemplate::new(event_type, &corr, &payload)
    }
}

impl SimState {
    /// Issues a web token (as `webToken.createToken` would): its `tokenId` and expiry.
    pub fn issue_web_token(&self) -> (String, OffsetDateTime) {
        let ttl = self.web_token_ttl();
        let now = OffsetDateTime::now_utc();
        let expires = now + ttl;
        let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        // Shaped like the documents' example (a JWT); nothing checks its signature.
        let claims = json!({
            "orgId": self.config().org_id,
            "iat": now.unix_timestamp(),
            "exp": expires.unix_timestamp(),
            "jti": uuid::Uuid::new_v4().to_string(),
        });
        let token = format!(
            "{}.{}.{}",
            b64(br#"{"alg":"HS256","typ":"JWT"}"#),
            b64(claims.to_string().as_bytes()),
            b64(uuid::Uuid::new_v4().as_bytes()),
        );
        self.lock()
            .web_tokens
            .insert(token.clone(), Instant::now() + ttl);
        (token, expires)
    }

    pub(crate) fn web_token_valid(&self, token: &str) -> bool {
        self.lock()
            .web_tokens
            .get(token)
            .is_some_and(|exp| *exp > Instant::now())
    }

    /// Starts the chat record of a new web-client session.
    pub(crate) fn open_chat_record(&self, session_id: &str) {
        self.lock().chats.insert(
            session_id.to_owned(),
            Chat {
                opened: now_iso(),
                ..Chat::default()
            },
        );
    }

    /// Every web chat, oldest first.
    pub fn chats(&self) -> Vec<ChatInfo> {
        let d = self.lock();
        let mut chats: Vec<(&String, &Chat)> = d.chats.iter().collect();
        chats.sort_by(|a, b| (&a.1.opened, a.0).cmp(&(&b.1.opened, b.0)));
        chats.into_iter().map(|(id, c)| chat_info(id, c)).collect()
    }

    /// The chat of a web-client session (also after it ended).
    pub fn chat(&self, session_id: &str) -> Option<ChatInfo> {
        self.lock()
            .chats
            .get(session_id)
            .map(|c| chat_info(session_id, c))
    }

    /// Attaches an agent user to a connected chat: the customer's messages reach the
    /// agent's streaming sessions from now on, and both sides get `messaging.EntityAdded`
    /// about the other.
    pub fn attach_chat_agent(
        &self,
        session_id: &str,
        user_id: &str,
        name: Option<String>,
    ) -> Result<(), ApiError> {
        let mut d = self.lock();
        let chat = d
            .chats
            .get_mut(session_id)
            .ok_or_else(|| ApiError::not_found(format!("chat {session_id} not found")))?;
        if chat.state != ChatState::Connected {
            return Err(conflict("chatNotConnected", "the chat is not connected"));
        }
        let interaction = chat.interaction_id.unwrap_or(0);
        let name = name.unwrap_or_else(|| user_id.to_owned());
        chat.agent = Some(user_id.to_owned());
        chat.agent_name = Some(name.clone());
        let customer = chat.contact_name();
        let to_customer = d.chat_event(
            "messaging.EntityAdded",
            user_id,
            interaction,
            json!({"entityId": user_id, "entityName": name, "entityType": AGENT_ENTITY}),
        );
        let to_agent = d.chat_event(
            "messaging.EntityAdded",
            user_id,
            interaction,
            json!({"entityId": "CO", "entityName": customer, "entityType": CUSTOMER_ENTITY}),
        );
        d.enqueue(session_id, &[to_customer], 1, None);
        d.emit_to_user(user_id, &[to_agent]);
        Ok(())
    }

    /// Sends an agent's text to the customer: a `messaging.EntitySendText` on the web-client
    /// session, recorded in the transcript. Returns the event id.
    pub fn chat_agent_reply(
        &self,
        session_id: &str,
        text: &str,
        name: Option<String>,
    ) -> Result<String, ApiError> {
        let mut d = self.lock();
        let chat = d
            .chats
            .get_mut(session_id)
            .ok_or_else(|| ApiError::not_found(format!("chat {session_id} not found")))?;
        if chat.state != ChatState::Connected {
            return Err(conflict("chatNotConnected", "the chat is not connected"));
        }
        chat.messages.push(ChatMessage {
            from: "agent".to_owned(),
            kind: "text".to_owned(),
            text: text.to_owned(),
            time: now_iso(),
        });
        let interaction = chat.interaction_id.unwrap_or(0);
        let agent = chat.agent.clone().unwrap_or_else(|| "sim-agent".to_owned());
        let name = name
            .or_else(|| chat.agent_name.clone())
            .unwrap_or_else(|| agent.clone());
        let event = d.chat_event(
            "messaging.EntitySendText",
            &agent,
            interaction,
            json!({"entityName": name, "entityType": AGENT_ENTITY, "text": text}),
        );
        let mut ids = Vec::new();
        d.enqueue(session_id, &[event], 1, Some(&mut ids))
            .ok_or_else(|| conflict("sessionGone", "the chat's session has ended"))?;
        Ok(ids.pop().unwrap_or_default())
    }
}

/// `webToken.createToken` → `WebTokenResponse`.
pub(crate) fn create_token(state: &SimState) -> Result<Response, ApiError> {
    let (token, expires) = state.issue_web_token();
    Ok(Json(json!({
        "tokenId": token,
        "expirationTime": iso_millis(expires),
    }))
    .into_response())
}

/// The messaging command's main value, as the transcript shows it.
fn message_of(command: &str, body: &Map<String, Value>) -> Option<(&'static str, String)> {
    let (kind, field) = match command {
        "sendText" => ("text", "text"),
        "pushUrl" => ("url", "url"),
        "dial" => ("dial", "digits"),
        "notification" => ("notification", "state"),
        _ => return None,
    };
    let text = body.get(field).and_then(Value::as_str).unwrap_or("");
    Some((kind, text.to_owned()))
}

/// What the agent receives for a customer's message.
fn agent_event(kind: &str, customer: &str, text: &str) -> Option<(&'static str, Value)> {
    let entity = |extra: Value| {
        let mut m = json!({"entityName": customer, "entityType": CUSTOMER_ENTITY});
        if let (Value::Object(m), Value::Object(extra)) = (&mut m, extra) {
            m.extend(extra);
        }
        m
    };
    match kind {
        "text" => Some(("messaging.EntitySendText", entity(json!({"text": text})))),
        "url" => Some(("messaging.EntityPushURL", entity(json!({"url": text})))),
        "dial" => Some(("messaging.EntityDialRequest", json!({"phoneNumber": text}))),
        _ => None,
    }
}

/// The seven `messaging.*` operations (202 Accepted with `Access-Control-Allow-Origin`).
pub(crate) fn messaging(state: &SimState, call: &Call) -> Result<Response, ApiError> {
    let sid = call.session()?;
    let body = call.body_object();
    let mut d = state.lock();
    if d.session_for(sid, true).is_none() {
        return Err(call.invalid_session());
    }
    let next_interaction = d.next_interaction;
    let chat = d.chats.entry(sid.to_owned()).or_insert_with(|| Chat {
        opened: now_iso(),
        ..Chat::default()
    });
    let not_connected =
        || ApiError::unprocessable("chatNotConnected", "no chat is connected on this session");
    let mut to_agent: Option<(&'static str, Value)> = None;
    let mut allocated = false;
    match call.op.command {
        "connect" => {
            if chat.state == ChatState::Connected {
                return Err(ApiError::unprocessable(
                    "chatAlreadyConnected",
                    "a chat is already connected on this session",
                ));
            }
            chat.state = ChatState::Connected;
            chat.interaction_id = Some(next_interaction);
            chat.contact = Some(Value::Object(body));
            allocated = true;
        }
        "scheduleCallBack" => {
            let mut callback = body;
            callback.insert("receivedTime".to_owned(), Value::from(now_iso()));
            chat.callbacks.push(Value::Object(callback));
        }
        // Ends the chat with the session, below.
        "disconnect" => {}
        command => {
            let Some((kind, text)) = message_of(command, &body) else {
                return Err(ApiError::not_found(format!(
                    "unknown messaging command {command}"
                )));
            };
            if chat.state != ChatState::Connected {
                return Err(not_connected());
            }
            to_agent = agent_event(kind, &chat.contact_name(), &text);
            chat.messages.push(ChatMessage {
                from: "customer".to_owned(),
                kind: kind.to_owned(),
                text,
                time: now_iso(),
            });
        }
    }
    let (agent, interaction) = (chat.agent.clone(), chat.interaction_id.unwrap_or(0));
    if allocated {
        d.next_interaction += 1;
    }
    if let (Some(agent), Some((event_type, set))) = (agent, to_agent) {
        let event = d.chat_event(event_type, &agent, interaction, set);
        d.emit_to_user(&agent, &[event]);
    }
    if call.op.command == "disconnect" {
        // The document: disconnect disposes of the session's server-side resources.
        d.remove_session(sid);
    }
    drop(d);
    tracing::info!(
        op = call.op.name,
        session = sid,
        "messaging command accepted"
    );
    let mut resp = StatusCode::ACCEPTED.into_response();
    resp.headers_mut()
        .insert("access-control-allow-origin", HeaderValue::from_static("*"));
    Ok(resp)
}
