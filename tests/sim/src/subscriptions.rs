//! Streaming subscriptions (`/via/v2/.../streaming/subscriptions`): stateful per session,
//! and the filter they put on the session's events.
//!
//! Matching follows the FilterCriteria note of `core/api/streaming.yaml`. Where the
//! documents are silent the simulator fixes a convention (see README.md): a
//! changeNotification criterion matches the event types `changeNotification.user` and
//! `changeNotification.team`, and resourceType `teams` does not narrow by id (the documents
//! name no team field in events).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::api::Call;
use crate::error::ApiError;
use crate::state::{now_iso, SimState};

/// A subscription of one streaming session.
pub(crate) struct Subscription {
    pub id: String,
    pub description: String,
    /// The filterCriteria as sent, echoed in answers.
    pub filter: Value,
    pub criteria: Criteria,
    pub creation_time: String,
    pub last_modified_time: String,
}

impl Subscription {
    fn to_json(&self) -> Value {
        json!({
            "kind": "via#subscription",
            "subscriptionId": self.id,
            "description": self.description,
            "filterCriteria": self.filter,
            "creationTime": self.creation_time,
            "lastModifiedTime": self.last_modified_time,
        })
    }
}

/// A parsed FilterCriteria.
#[derive(Clone, Debug)]
pub(crate) struct Criteria {
    change_notification: bool,
    events: Vec<String>,
    /// resourceType `*`, empty resourceIds, `["*"]`, or `teams`: no narrowing by id.
    any_resource: bool,
    resource_ids: Vec<String>,
}

impl Criteria {
    /// Reads a (validated) FilterCriteria.
    pub fn parse(filter: &Value) -> Criteria {
        let strings = |v: Option<&Value>| -> Vec<String> {
            v.and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        };
        let resources = filter.get("resources");
        let resource_type = resources
            .and_then(|r| r.get("resourceType"))
            .and_then(Value::as_str)
            .unwrap_or("*");
        let resource_ids = strings(resources.and_then(|r| r.get("resourceIds")));
        Criteria {
            change_notification: filter.get("catalogType").and_then(Value::as_str)
                == Some("changeNotification"),
            events: strings(filter.get("catalogTypeEvents")),
            any_resource: resource_type != "users"
                || resource_ids.is_empty()
                || resource_ids == ["*"],
            resource_ids,
        }
    }

    /// Whether an event of `event_type` about `user_id` (the envelope's `userId`) passes.
    pub fn matches(&self, event_type: &str, user_id: Option<&str>) -> bool {
        let (category, name) = event_type.split_once('.').unwrap_or(("", event_type));
        let catalog = if self.change_notification {
            "changeNotification"
        } else {
            "engagementCenter"
        };
        category == catalog
            && self.events.iter().any(|e| e == "all" || e == name)
            && (self.any_resource
                || user_id.is_some_and(|u| self.resource_ids.iter().any(|r| r == u)))
    }
}

fn subscription_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..8].to_owned()
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("subscription {id} not found"))
}

/// The five subscription operations.
pub(crate) fn handle(state: &SimState, call: &Call) -> Result<Response, ApiError> {
    let sid = call.session()?;
    let body = call.body.clone().unwrap_or(Value::Null);
    let filter = body.get("filterCriteria").cloned().unwrap_or(Value::Null);
    let description = body
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let path_id = call.path_param("subscriptionId").map(str::to_owned);
    let mut d = state.lock();
    let session = d
        .session_for(sid, false)
        .ok_or_else(|| call.invalid_session())?;
    let subs = &mut session.subscriptions;
    let position = |subs: &[Subscription], id: &str| subs.iter().position(|s| s.id == id);
    match (call.op.command, path_id) {
        ("listSubscriptions", _) => Ok(Json(json!({
            "kind": "via#subscriptionsCollection",
            "subscriptions": subs.iter().map(Subscription::to_json).collect::<Vec<_>>(),
        }))
        .into_response()),
        ("createSubscription", _) => {
            let mut id = subscription_id();
            while position(subs, &id).is_some() {
                id = subscription_id();
            }
            let now = now_iso();
            let sub = Subscription {
                id,
                description,
                criteria: Criteria::parse(&filter),
                filter,
                creation_time: now.clone(),
                last_modified_time: now,
            };
            let answer = sub.to_json();
            subs.push(sub);
            Ok(Json(answer).into_response())
        }
        ("getSubscription", Some(id)) => {
            let i = position(subs, &id).ok_or_else(|| not_found(&id))?;
            Ok(Json(subs[i].to_json()).into_response())
        }
        ("updateSubscription", Some(id)) => {
            let now = now_iso();
            let criteria = Criteria::parse(&filter);
            match position(subs, &id) {
                Some(i) => {
                    let s = &mut subs[i];
                    s.description = description;
                    s.filter = filter;
                    s.criteria = criteria;
                    s.last_modified_time = now;
                    Ok(Json(s.to_json()).into_response())
                }
                None => {
                    let sub = Subscription {
                        id,
                        description,
                        filter,
                        criteria,
                        creation_time: now.clone(),
                        last_modified_time: now,
                    };
                    let answer = sub.to_json();
                    subs.push(sub);
                    Ok((StatusCode::CREATED, Json(answer)).into_response())
                }
            }
        }
        ("deleteSubscription", Some(id)) => {
            let i = position(subs, &id).ok_or_else(|| not_found(&id))?;
            subs.remove(i);
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        (other, _) => Err(ApiError::not_found(format!(
            "unknown subscription operation {other}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn criteria(v: Value) -> Criteria {
        Criteria::parse(&v)
    }

    #[test]
    fn matching_rules() {
        let c = criteria(json!({"catalogType": "engagementCenterThirdParty",
            "catalogTypeEvents": ["Idle", "ScreenPop"],
            "resources": {"resourceType": "users", "resourceIds": ["u1", "u2"]}}));
        assert!(c.matches("engagementCenter.Idle", Some("u1")));
        assert!(!c.matches("engagementCenter.Idle", Some("u3")));
        assert!(!c.matches("engagementCenter.Idle", None));
        assert!(
            !c.matches("engagementCenter.idle", Some("u1")),
            "case-sensitive"
        );
        assert!(!c.matches("engagementCenter.Held", Some("u1")));
        assert!(!c.matches("messaging.Idle", Some("u1")));

        let all = criteria(json!({"catalogType": "engagementCenterThirdParty",
            "catalogTypeEvents": ["all"], "resources": {"resourceType": "*", "resourceIds": ["x"]}}));
        assert!(all.matches("engagementCenter.Held", None));
        assert!(!all.matches("messaging.EntitySendText", Some("u1")));
        let star = criteria(json!({"catalogType": "engagementCenterThirdParty",
            "catalogTypeEvents": ["all"], "resources": {"resourceType": "users", "resourceIds": ["*"]}}));
        assert!(star.matches("engagementCenter.Held", Some("anyone")));

        let change = criteria(json!({"catalogType": "changeNotification",
            "catalogTypeEvents": ["user"], "resources": {"resourceType": "teams", "resourceIds": ["t1"]}}));
        assert!(change.matches("changeNotification.user", None));
        assert!(!change.matches("changeNotification.team", None));
        assert!(!change.matches("engagementCenter.Idle", None));
    }
}
