//! Validation rules of the API description, and the one validator that applies them.
//!
//! The generator turns every parameter and request body of `core/api` into a static tree
//! of [`Node`]s; every call, typed or generic and from every language, is checked against it
//! before anything is sent. A failure is an [`Error::InvalidArgument`] whose `field` is the
//! wire name of the offending value, with its position for nested values
//! (`interactionDataCollection[20]`, `contactDataCollection[0].contactDataKey`).

use crate::error::{Error, Result};
use serde_json::{Map, Value};
use std::fmt::Write as _;

/// What a value must be.
#[derive(Debug, Clone, Copy)]
pub enum Node {
    /// A string, with its limits.
    String(StringRule),
    /// A whole number.
    Integer(NumberRule),
    /// Any number.
    Number(NumberRule),
    /// `true` or `false`.
    Boolean,
    /// An array.
    Array(&'static ArrayRule),
    /// An object with declared fields.
    Object(&'static ObjectRule),
    /// An object whose fields the documents do not declare.
    Map,
    /// Anything (the documents disagree on its type).
    Any,
}

/// Limits of a string.
#[derive(Debug, Clone, Copy)]
pub struct StringRule {
    /// Shortest length, in characters.
    pub min_len: Option<usize>,
    /// Longest length, in characters.
    pub max_len: Option<usize>,
    /// The documented values, when the string is an enumeration.
    pub values: &'static [&'static str],
    /// Whether it must be an RFC 3339 date-time.
    pub date_time: bool,
    /// A regular expression the string must match.
    pub pattern: Option<&'static str>,
}

/// Bounds of a number.
#[derive(Debug, Clone, Copy)]
pub struct NumberRule {
    /// Smallest value.
    pub min: Option<f64>,
    /// Largest value.
    pub max: Option<f64>,
    /// A value the number must be greater than (`exclusiveMinimum`).
    pub above: Option<f64>,
}

/// Limits of an array.
#[derive(Debug, Clone, Copy)]
pub struct ArrayRule {
    /// What each item must be.
    pub items: Node,
    /// Fewest items.
    pub min_items: Option<usize>,
    /// Most items.
    pub max_items: Option<usize>,
}

/// The fields of an object.
#[derive(Debug, Clone, Copy)]
pub struct ObjectRule {
    /// Name of the model (`HoldParams`), for messages.
    pub name: &'static str,
    /// Whether fields the documents do not name are refused (request bodies).
    pub closed: bool,
    /// Sets of fields of which at least one set must be present in full (the documents'
    /// "either dateTime or snoozeTime").
    pub alternatives: &'static [&'static [&'static str]],
    /// Whether at most one of the `alternatives` may be present.
    pub exclusive: bool,
    /// The documented fields.
    pub fields: &'static [FieldRule],
}

/// One documented field.
#[derive(Debug, Clone, Copy)]
pub struct FieldRule {
    /// Wire name.
    pub name: &'static str,
    /// Whether it must be present.
    pub required: bool,
    /// What its value must be.
    pub node: Node,
}

impl ObjectRule {
    /// The field named `name`.
    pub fn field(&self, name: &str) -> Option<&'static FieldRule> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// Checks `value` against `node`; `at` is the wire path of `value` (empty at the top).
pub fn validate(node: &Node, value: &Value, at: &str) -> Result<()> {
    check(node, value, &Path::Top(at))
}

/// Checks the fields of an object, then each documented field's value; `at` is the wire
/// path of the object (empty at the top).
pub fn object(rule: &ObjectRule, map: &Map<String, Value>, at: &str) -> Result<()> {
    check_object(rule, map, &Path::Top(at))
}

/// Where a value sits in the checked document, put into words only when a check fails: the
/// simulator checks every acknowledgement it receives (up to 200 ids) and the client every
/// command body, and spelling out each item's position beforehand cost more than checking
/// it.
#[derive(Clone, Copy)]
enum Path<'a> {
    /// The path the caller gave (empty: the document itself).
    Top(&'a str),
    /// A field of an object.
    Field(&'a Path<'a>, &'a str),
    /// An item of an array.
    Item(&'a Path<'a>, usize),
}

impl Path<'_> {
    /// The wire path (`contactDataCollection[0].contactDataKey`), empty at the top.
    fn wire(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Path::Top(at) => out.push_str(at),
            Path::Field(parent, field) => {
                parent.write(out);
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(field);
            }
            Path::Item(parent, i) => {
                parent.write(out);
                // Writing to a String cannot fail.
                let _ = write!(out, "[{i}]");
            }
        }
    }
}

fn check(node: &Node, value: &Value, at: &Path<'_>) -> Result<()> {
    match (node, value) {
        (Node::Any, _) => Ok(()),
        (Node::String(rule), Value::String(s)) => string(rule, s, at),
        (Node::Integer(rule), Value::Number(n)) if n.is_i64() || n.is_u64() => {
            number(rule, n.as_f64().unwrap_or_default(), at)
        }
        (Node::Integer(_), Value::Number(n)) => Err(Error::invalid(
            name(at),
            format!("must be a whole number, not {n}"),
        )),
        (Node::Number(rule), Value::Number(n)) => number(rule, n.as_f64().unwrap_or_default(), at),
        (Node::Boolean, Value::Bool(_)) => Ok(()),
        (Node::Array(rule), Value::Array(items)) => {
            if let Some(max) = rule.max_items {
                if items.len() > max {
                    return Err(Error::invalid(
                        name(at),
                        format!(
                            "has {} items; the documents allow at most {max}",
                            items.len()
                        ),
                    ));
                }
            }
            if let Some(min) = rule.min_items {
                if items.len() < min {
                    return Err(Error::invalid(
                        name(at),
                        format!("has {} items; at least {min} are needed", items.len()),
                    ));
                }
            }
            for (i, item) in items.iter().enumerate() {
                check(&rule.items, item, &Path::Item(at, i))?;
            }
            Ok(())
        }
        (Node::Object(rule), Value::Object(map)) => check_object(rule, map, at),
        (Node::Map, Value::Object(_)) => Ok(()),
        (node, other) => Err(Error::invalid(
            name(at),
            format!("must be {}, not {}", expected(node), kind(other)),
        )),
    }
}

fn check_object(rule: &ObjectRule, map: &Map<String, Value>, at: &Path<'_>) -> Result<()> {
    if rule.closed {
        if let Some(unknown) = map.keys().find(|k| rule.field(k).is_none()) {
            let known: Vec<_> = rule.fields.iter().map(|f| f.name).collect();
            return Err(Error::invalid(
                join(at, unknown),
                format!(
                    "is not a field of {} (known fields: {}); to send a field the documents do \
                     not describe, pass it in extraBody",
                    rule.name,
                    known.join(", ")
                ),
            ));
        }
    }
    for f in rule.fields {
        match map.get(f.name) {
            // `null` is how the generic call and the bindings say "not given".
            None | Some(Value::Null) if f.required => {
                return Err(Error::invalid(
                    join(at, f.name),
                    format!("is required by {}", rule.name),
                ))
            }
            None | Some(Value::Null) => {}
            Some(v) => check(&f.node, v, &Path::Field(at, f.name))?,
        }
    }
    if !rule.alternatives.is_empty() {
        let present = |set: &&&[&str]| {
            set.iter()
                .all(|f| map.get(*f).is_some_and(|v| !v.is_null()))
        };
        let given: Vec<_> = rule.alternatives.iter().filter(present).collect();
        let names = || {
            rule.alternatives
                .iter()
                .map(|set| set.join(" + "))
                .collect::<Vec<_>>()
                .join(" or ")
        };
        if given.is_empty() {
            return Err(Error::invalid(
                join(at, rule.alternatives[0][0]),
                format!("{} needs {}", rule.name, names()),
            ));
        }
        if rule.exclusive && given.len() > 1 {
            return Err(Error::invalid(
                join(at, given[1][0]),
                format!("{} takes only one of {}", rule.name, names()),
            ));
        }
    }
    Ok(())
}

fn string(rule: &StringRule, s: &str, at: &Path<'_>) -> Result<()> {
    if !rule.values.is_empty() && !rule.values.contains(&s) {
        return Err(Error::invalid(
            name(at),
            format!("{s:?} is not one of {}", rule.values.join(", ")),
        ));
    }
    let len = s.chars().count();
    if let Some(min) = rule.min_len {
        if len < min || (min > 0 && s.trim().is_empty()) {
            return Err(Error::invalid(name(at), "must not be empty"));
        }
    }
    if let Some(max) = rule.max_len {
        if len > max {
            return Err(Error::invalid(
                name(at),
                format!("is {len} characters long; the documents allow at most {max}"),
            ));
        }
    }
    if let Some(pattern) = rule.pattern {
        if !matches_pattern(pattern, s)? {
            return Err(Error::invalid(
                name(at),
                format!("{s:?} does not match the documented pattern {pattern}"),
            ));
        }
    }
    if rule.date_time {
        time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).map_err(
            |e| Error::invalid(name(at), format!("{s:?} is not an ISO 8601 date-time: {e}")),
        )?;
    }
    Ok(())
}

/// Whether `s` matches `pattern`. Compiled on each use: the few patterns of the documents
/// sit on rarely sent fields, and a process-wide cache would be memory that is never freed.
fn matches_pattern(pattern: &str, s: &str) -> Result<bool> {
    let re = regex::Regex::new(pattern)
        .map_err(|e| Error::decode(format!("bad pattern in the description: {e}")))?;
    Ok(re.is_match(s))
}

fn number(rule: &NumberRule, n: f64, at: &Path<'_>) -> Result<()> {
    if let Some(above) = rule.above {
        if n <= above {
            return Err(Error::invalid(
                name(at),
                format!("{n} must be greater than {above}"),
            ));
        }
    }
    let below = rule.min.is_some_and(|m| n < m);
    let above = rule.max.is_some_and(|m| n > m);
    if below || above {
        let bound = |b: Option<f64>| b.map_or_else(String::new, |b| b.to_string());
        return Err(Error::invalid(
            name(at),
            format!(
                "{n} is out of range {}..={}",
                bound(rule.min),
                bound(rule.max)
            ),
        ));
    }
    Ok(())
}

fn join(at: &Path<'_>, field: &str) -> String {
    Path::Field(at, field).wire()
}

fn name(at: &Path<'_>) -> String {
    let wire = at.wire();
    if wire.is_empty() {
        "body".into()
    } else {
        wire
    }
}

fn expected(node: &Node) -> &'static str {
    match node {
        Node::String(r) if !r.values.is_empty() => "one of the documented strings",
        Node::String(_) => "a string",
        Node::Integer(_) => "a whole number",
        Node::Number(_) => "a number",
        Node::Boolean => "true or false",
        Node::Array(_) => "an array",
        Node::Object(_) | Node::Map => "an object",
        Node::Any => "anything",
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    static ITEM: ObjectRule = ObjectRule {
        name: "Item",
        closed: true,
        alternatives: &[],
        exclusive: false,
        fields: &[FieldRule {
            name: "key",
            required: true,
            node: Node::String(StringRule {
                min_len: Some(1),
                max_len: Some(5),
                values: &[],
                date_time: false,
                pattern: None,
            }),
        }],
    };
    static BODY: ObjectRule = ObjectRule {
        name: "Body",
        closed: true,
        alternatives: &[],
        exclusive: false,
        fields: &[
            FieldRule {
                name: "kind",
                required: true,
                node: Node::String(StringRule {
                    min_len: None,
                    max_len: None,
                    values: &["User", "External"],
                    date_time: false,
                    pattern: Some("^[A-Z]"),
                }),
            },
            FieldRule {
                name: "items",
                required: false,
                node: Node::Array(&ArrayRule {
                    items: Node::Object(&ITEM),
                    min_items: None,
                    max_items: Some(2),
                }),
            },
            FieldRule {
                name: "delay",
                required: false,
                node: Node::Integer(NumberRule {
                    min: Some(60.0),
                    max: Some(600.0),
                    above: None,
                }),
            },
            FieldRule {
                name: "at",
                required: false,
                node: Node::String(StringRule {
                    min_len: None,
                    max_len: None,
                    values: &[],
                    date_time: true,
                    pattern: None,
                }),
            },
        ],
    };

    fn field_of(v: Value) -> String {
        match validate(&Node::Object(&BODY), &v, "") {
            Err(Error::InvalidArgument { field, .. }) => field,
            other => panic!("{other:?}"),
        }
    }

    /// The field named by the failure of `v` against an array of [`ITEM`]s at `at`.
    fn field_in_items(v: Value, at: &str) -> String {
        static ITEMS: ArrayRule = ArrayRule {
            items: Node::Object(&ITEM),
            min_items: None,
            max_items: None,
        };
        match validate(&Node::Array(&ITEMS), &v, at) {
            Err(Error::InvalidArgument { field, .. }) => field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn names_positions_in_arrays_at_the_top_and_under_a_name() {
        assert_eq!(
            field_in_items(json!([{"key": "a"}, {"key": ""}]), ""),
            "[1].key"
        );
        // A missing field and an unknown one are named from the item, as a bad value is.
        assert_eq!(field_in_items(json!([{"key": "a"}, {}]), ""), "[1].key");
        assert_eq!(field_in_items(json!([{"key": "a", "x": 1}]), ""), "[0].x");
        assert_eq!(
            field_in_items(json!([{"key": ""}]), "param"),
            "param[0].key"
        );
        assert_eq!(field_in_items(json!([[]]), "param"), "param[0]");
        assert_eq!(field_in_items(json!({}), "param"), "param");
        assert_eq!(field_in_items(json!({}), ""), "body");
    }

    static EITHER: ObjectRule = ObjectRule {
        name: "Either",
        closed: false,
        alternatives: &[&["at"], &["delay"]],
        exclusive: true,
        fields: &[],
    };

    #[test]
    fn alternatives_need_one_and_exclusive_ones_at_most_one() {
        let check = |v: Value| validate(&Node::Object(&EITHER), &v, "");
        check(json!({"at": "x"})).unwrap();
        check(json!({"delay": 1})).unwrap();
        match check(json!({"delay": null})) {
            Err(Error::InvalidArgument { field, .. }) => assert_eq!(field, "at"),
            other => panic!("{other:?}"),
        }
        match check(json!({"at": "x", "delay": 1})) {
            Err(Error::InvalidArgument { field, .. }) => assert_eq!(field, "delay"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn accepts_a_valid_body() {
        let v = json!({"kind": "User", "items": [{"key": "a"}], "delay": 60,
                       "at": "2021-06-30T20:15:07.134Z"});
        validate(&Node::Object(&BODY), &v, "").unwrap();
    }

    #[test]
    fn names_the_wire_field_of_each_failure() {
        assert_eq!(field_of(json!({})), "kind");
        assert_eq!(field_of(json!({"kind": "Worktype"})), "kind");
        assert_eq!(field_of(json!({"kind": 3})), "kind");
        assert_eq!(field_of(json!({"kind": "User", "knd": 1})), "knd");
        assert_eq!(
            field_of(json!({"kind": "User", "items": [{"key": "a"}, {}, {}]})),
            "items"
        );
        assert_eq!(
            field_of(json!({"kind": "User", "items": [{"key": "a"}, {"key": ""}]})),
            "items[1].key"
        );
        assert_eq!(
            field_of(json!({"kind": "User", "items": [{"key": "toolong"}]})),
            "items[0].key"
        );
        assert_eq!(field_of(json!({"kind": "User", "delay": 30})), "delay");
        assert_eq!(field_of(json!({"kind": "User", "delay": 60.5})), "delay");
        assert_eq!(field_of(json!({"kind": "User", "at": "yesterday"})), "at");
        assert_eq!(
            match validate(&Node::Object(&BODY), &json!([]), "") {
                Err(Error::InvalidArgument { field, .. }) => field,
                other => panic!("{other:?}"),
            },
            "body"
        );
    }
}
