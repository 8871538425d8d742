//! Engagement Center agent-control commands (typed).
//!
//! Every command answers `202 Accepted` with no body; its outcome arrives as events on the
//! streaming session named by `via-client-sessionid`.

use crate::client::ViaClient;
use crate::error::{Error, Result};
use crate::validate;
use serde_json::{json, Map, Value};
use std::fmt;
use std::str::FromStr;

macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident, $field:literal { $($(#[$vmeta:meta])* $variant:ident => $wire:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        impl $name {
            /// Every value, as documented.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The wire spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)*
                }
            }
        }

        impl FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self> {
                match s {
                    $($wire => Ok($name::$variant),)*
                    other => Err(Error::invalid(
                        $field,
                        format!(
                            "{other:?} is not one of {}",
                            [$($wire),*].join(", ")
                        ),
                    )),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum! {
    /// State an agent enters once logged in (`initialState` of `ConnectParmsSchema`).
    InitialState, "initial_state" {
        /// Ready for work.
        Idle => "Idle",
        /// Not ready.
        NotReady => "NotReady",
        /// Parked: no work-type calls, DID calls still arrive.
        Park => "Park",
    }
}

wire_enum! {
    /// Kind of not-ready state (`notReadyType` of `NotReadyParmsSchema`).
    NotReadyType, "not_ready_type" {
        /// Not ready.
        NotReady => "NotReady",
        /// Parked.
        Park => "Park",
    }
}

/// Body of `connect` (`ConnectParmsSchema`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConnectOptions {
    /// State after login (ignored by the service when attaching).
    pub initial_state: Option<InitialState>,
    /// Phone number the system calls for the agent's audio.
    pub station: Option<String>,
    /// Route access id.
    pub routeaccess_id: Option<String>,
    /// Agent e-mail address.
    pub email_address: Option<String>,
    /// `false`: log in; `true`: attach to the user's existing login.
    pub attach: bool,
}

impl ConnectOptions {
    fn to_body(&self) -> Result<Value> {
        let mut m = Map::new();
        m.insert("attach".into(), Value::Bool(self.attach));
        if let Some(s) = self.initial_state {
            m.insert("initialState".into(), Value::String(s.as_str().into()));
        }
        for (field, wire, v) in [
            ("station", "station", &self.station),
            ("routeaccess_id", "routeaccessId", &self.routeaccess_id),
            ("email_address", "emailAddress", &self.email_address),
        ] {
            if let Some(v) = v {
                validate::non_empty(field, v)?;
                m.insert(wire.into(), Value::String(v.clone()));
            }
        }
        Ok(Value::Object(m))
    }
}

/// Engagement Center commands of a client.
#[derive(Debug, Clone)]
pub struct EngagementCenter {
    client: ViaClient,
}

impl EngagementCenter {
    pub(crate) fn new(client: ViaClient) -> Self {
        EngagementCenter { client }
    }

    async fn command(
        &self,
        op: &'static str,
        session_id: &str,
        user_id: &str,
        body: Value,
    ) -> Result<()> {
        validate::non_empty("session_id", session_id)?;
        validate::non_empty("user_id", user_id)?;
        let mut req = self.client.request(op, &[("userId", user_id)])?;
        req.session_id = Some(session_id.to_string());
        req.body = Some(body);
        self.client.transport().send(req).await.map(|_| ())
    }

    /// `connect`: logs the agent in, or attaches to its login. The login outcome arrives as
    /// Connecting, ConnectConfirm (carrying the ehubSessionId), Connected, then the
    /// initial state's event.
    pub async fn connect(
        &self,
        session_id: &str,
        user_id: &str,
        options: &ConnectOptions,
    ) -> Result<()> {
        let body = options.to_body()?;
        self.command("engagementCenter.connect", session_id, user_id, body)
            .await
    }

    /// `ready`: moves the agent to Idle.
    pub async fn ready(
        &self,
        session_id: &str,
        user_id: &str,
        ehub_session_id: &str,
    ) -> Result<()> {
        validate::non_empty("ehub_session_id", ehub_session_id)?;
        let body = json!({ "ehubSessionId": ehub_session_id });
        self.command("engagementCenter.ready", session_id, user_id, body)
            .await
    }

    /// `notReady`: moves the agent to NotReady or Park with a reason code.
    pub async fn not_ready(
        &self,
        session_id: &str,
        user_id: &str,
        ehub_session_id: &str,
        reason_id: &str,
        not_ready_type: NotReadyType,
    ) -> Result<()> {
        validate::non_empty("ehub_session_id", ehub_session_id)?;
        validate::non_empty("reason_id", reason_id)?;
        let body = json!({
            "ehubSessionId": ehub_session_id,
            "reasonId": reason_id,
            "notReadyType": not_ready_type.as_str(),
        });
        self.command("engagementCenter.notReady", session_id, user_id, body)
            .await
    }

    /// `disconnect`: logs the agent out (reason `-1` forces it).
    pub async fn disconnect(
        &self,
        session_id: &str,
        user_id: &str,
        ehub_session_id: &str,
        reason_id: &str,
    ) -> Result<()> {
        validate::non_empty("ehub_session_id", ehub_session_id)?;
        validate::non_empty("reason_id", reason_id)?;
        let body = json!({ "ehubSessionId": ehub_session_id, "reasonId": reason_id });
        self.command("engagementCenter.disconnect", session_id, user_id, body)
            .await
    }

    /// `keepAlive`: once sent, it must be repeated every minute or the service logs the
    /// agent out. `request_timestamp` (ISO 8601) comes back in the ClientSessionKeepAlive
    /// event, to measure the round trip.
    pub async fn keep_alive(
        &self,
        session_id: &str,
        user_id: &str,
        ehub_session_id: &str,
        session_timeout_secs: Option<u32>,
        request_timestamp: Option<&str>,
    ) -> Result<()> {
        validate::non_empty("ehub_session_id", ehub_session_id)?;
        let mut body = json!({ "ehubSessionId": ehub_session_id });
        if let Some(t) = session_timeout_secs {
            if t == 0 {
                return Err(Error::invalid(
                    "session_timeout",
                    "must be greater than zero",
                ));
            }
            body["sessionTimeout"] = json!(t);
        }
        if let Some(ts) = request_timestamp {
            time::OffsetDateTime::parse(ts, &time::format_description::well_known::Rfc3339)
                .map_err(|e| {
                    Error::invalid(
                        "request_timestamp",
                        format!("{ts:?} is not an ISO 8601 date-time: {e}"),
                    )
                })?;
            body["requestTimestamp"] = json!(ts);
        }
        self.command("engagementCenter.keepAlive", session_id, user_id, body)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_parse_and_name_the_field() {
        assert_eq!("Park".parse::<InitialState>().unwrap(), InitialState::Park);
        match "Ready".parse::<NotReadyType>() {
            Err(Error::InvalidArgument { field, message }) => {
                assert_eq!(field, "not_ready_type");
                assert!(message.contains("NotReady, Park"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn connect_body_uses_wire_names() {
        let o = ConnectOptions {
            initial_state: Some(InitialState::NotReady),
            station: Some("9785551212".into()),
            ..Default::default()
        };
        assert_eq!(
            o.to_body().unwrap(),
            json!({"attach": false, "initialState": "NotReady", "station": "9785551212"})
        );
    }
}
