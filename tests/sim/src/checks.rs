//! Request rules the documents state that the generated validation tree does not express
//! (the `pattern` of a session property, and the `if`/`then` ties of FilterCriteria). They
//! run after the schema validation passed, so they only see well-typed bodies.

use ccbridge::ops::Operation;
use serde_json::Value;

use crate::error::ApiError;

/// Documented bounds of a session's `inactivityDelay` (seconds).
pub(crate) const INACTIVITY_MIN: i64 = 60;
pub(crate) const INACTIVITY_MAX: i64 = 600;

/// Applies the rules of `op` to its (schema-valid) body.
pub(crate) fn documented_rules(op: &Operation, body: &Value) -> Result<(), ApiError> {
    match op.name {
        "streaming.createSessionV2" | "webClient.createSession" => session_properties(body),
        "streaming.createSubscription" | "streaming.updateSubscription" => {
            filter_criteria(body.get("filterCriteria"))
        }
        _ => Ok(()),
    }
}

/// The `inactivityDelay` of a v2 `NewSession` body (an array of name/value pairs), once
/// validated; the last pair wins.
pub(crate) fn inactivity_delay(body: Option<&Value>) -> Option<i64> {
    body?
        .as_array()?
        .iter()
        .rev()
        .filter(|p| p.get("propertyName").and_then(Value::as_str) == Some("inactivityDelay"))
        .find_map(|p| p.get("propertyValue")?.as_str()?.parse::<i64>().ok())
}

/// `SessionProperty.propertyValue`: a decimal string of 60..600 (the schema's `pattern`).
fn session_properties(body: &Value) -> Result<(), ApiError> {
    for (i, p) in body.as_array().into_iter().flatten().enumerate() {
        let Some(raw) = p.get("propertyValue").and_then(Value::as_str) else {
            continue;
        };
        let ok = raw.bytes().all(|b| b.is_ascii_digit())
            && raw
                .parse::<i64>()
                .is_ok_and(|n| (INACTIVITY_MIN..=INACTIVITY_MAX).contains(&n));
        if !ok {
            let field = format!("[{i}].propertyValue");
            return Err(ApiError::bad_request(
                "body",
                &field,
                format!(
                    "{field} must be a decimal number of seconds between {INACTIVITY_MIN} and \
                     {INACTIVITY_MAX}, not {raw:?}"
                ),
            ));
        }
    }
    Ok(())
}

/// The ties of FilterCriteria: the event names and the resource type allowed depend on
/// the catalog type.
fn filter_criteria(criteria: Option<&Value>) -> Result<(), ApiError> {
    let Some(c) = criteria else { return Ok(()) };
    let catalog = c.get("catalogType").and_then(Value::as_str).unwrap_or("");
    let change = catalog == "changeNotification";
    for (i, name) in c
        .get("catalogTypeEvents")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let name = name.as_str().unwrap_or("");
        let allowed = name == "all" || (change == matches!(name, "user" | "team"));
        if !allowed {
            let field = format!("filterCriteria.catalogTypeEvents[{i}]");
            return Err(ApiError::bad_request(
                "body",
                &field,
                format!("{field} {name:?} is not an event of catalogType {catalog}"),
            ));
        }
    }
    let resource_type = c
        .get("resources")
        .and_then(|r| r.get("resourceType"))
        .and_then(Value::as_str)
        .unwrap_or("*");
    if resource_type == "teams" && !change {
        let field = "filterCriteria.resources.resourceType";
        return Err(ApiError::bad_request(
            "body",
            field,
            format!("{field} teams only applies to catalogType changeNotification"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reason(r: Result<(), ApiError>) -> String {
        r.expect_err("refused").errors[0].reason.clone()
    }

    #[test]
    fn session_property_bounds() {
        assert!(session_properties(
            &json!([{"propertyName": "inactivityDelay", "propertyValue": "600"}])
        )
        .is_ok());
        for bad in ["59", "601", "1e2", " 90", "-60"] {
            let body = json!([{"propertyName": "inactivityDelay", "propertyValue": bad}]);
            assert_eq!(
                reason(session_properties(&body)),
                "[0].propertyValue",
                "{bad}"
            );
        }
        assert_eq!(
            inactivity_delay(Some(
                &json!([{"propertyName": "inactivityDelay", "propertyValue": "120"}])
            )),
            Some(120)
        );
        assert_eq!(inactivity_delay(None), None);
    }

    #[test]
    fn filter_criteria_ties() {
        let ok = json!({"catalogType": "changeNotification", "catalogTypeEvents": ["user", "all"],
                        "resources": {"resourceType": "teams", "resourceIds": []}});
        assert!(filter_criteria(Some(&ok)).is_ok());
        let bad = json!({"catalogType": "engagementCenterThirdParty", "catalogTypeEvents": ["Idle", "team"],
                         "resources": {"resourceType": "users", "resourceIds": []}});
        assert_eq!(
            reason(filter_criteria(Some(&bad))),
            "filterCriteria.catalogTypeEvents[1]"
        );
        let bad = json!({"catalogType": "engagementCenterThirdParty", "catalogTypeEvents": ["Idle"],
                         "resources": {"resourceType": "teams", "resourceIds": []}});
        assert_eq!(
            reason(filter_criteria(Some(&bad))),
            "filterCriteria.resources.resourceType"
        );
    }
}
