//! Field decoders for server data that never fail on a field's type.
//!
//! The documents type many values one way and send them another (`interactionId` typed
//! integer, sent `"151"`; `schemaVersion` typed integer, sent `"1"`). A model field decoded
//! with these helpers takes what it can and is `None` (or the default) where the value does
//! not fit, so one odd field never hides the rest of an event. Strictness belongs to what
//! ccbridge sends, which [`crate::schema`] checks.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

fn text_of(v: Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn int_of(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn float_of(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn bool_of(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        Value::Number(n) => n.as_i64().map(|i| i != 0),
        _ => None,
    }
}

/// A string, also from a number or a boolean.
pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(text_of(Value::deserialize(d)?))
}

/// A whole number, also from its text.
pub fn integer<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(int_of(&Value::deserialize(d)?))
}

/// A number, also from its text.
pub fn number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(float_of(&Value::deserialize(d)?))
}

/// A boolean, also from `"true"`/`"false"` or 0/1.
pub fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(bool_of(&Value::deserialize(d)?))
}

/// Any model; `None` when the value does not fit it.
pub fn model<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Option<T>, D::Error> {
    Ok(fit(Value::deserialize(d)?))
}

/// The value as `T`, or `None`. `null` is no value, and an array is never an object or an
/// enumeration value (serde would otherwise read an object's fields by position).
fn fit<T: DeserializeOwned>(v: Value) -> Option<T> {
    match v {
        Value::Null | Value::Array(_) => None,
        v => T::deserialize(v).ok(),
    }
}

/// An enumeration value: its text (a number or boolean as text), or an error that the
/// field's decoder turns into `None`.
pub fn enumeration<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    string(d)?.ok_or_else(|| serde::de::Error::custom("not a text value"))
}

/// A list; items that do not fit are left out, and a single value counts as a list of one.
pub fn list<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    d: D,
) -> Result<Option<Vec<T>>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => Some(items.into_iter().filter_map(fit).collect()),
        Value::Null => None,
        // `" "` where the documents' schema says an array: no items.
        Value::String(s) if s.trim().is_empty() => Some(Vec::new()),
        one => fit(one).map(|t| vec![t]),
    })
}

/// Required fields: the lenient value, or the type's default.
pub mod required {
    use super::*;

    /// A string, or `""`.
    pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        super::string(d).map(Option::unwrap_or_default)
    }

    /// A whole number, or 0.
    pub fn integer<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        super::integer(d).map(Option::unwrap_or_default)
    }

    /// A number, or 0.
    pub fn number<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        super::number(d).map(Option::unwrap_or_default)
    }

    /// A boolean, or `false`.
    pub fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        super::boolean(d).map(Option::unwrap_or_default)
    }

    /// A model, or its default.
    pub fn model<'de, D: Deserializer<'de>, T: DeserializeOwned + Default>(
        d: D,
    ) -> Result<T, D::Error> {
        super::model(d).map(Option::unwrap_or_default)
    }

    /// A list, or an empty one.
    pub fn list<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Vec<T>, D::Error> {
        super::list(d).map(Option::unwrap_or_default)
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Deserialize, Debug, PartialEq, Default)]
    struct Item {
        #[serde(default, deserialize_with = "super::string")]
        id: Option<String>,
        #[serde(default, deserialize_with = "super::integer")]
        n: Option<i64>,
        #[serde(default, deserialize_with = "super::list")]
        xs: Option<Vec<i64>>,
        #[serde(default, deserialize_with = "super::boolean")]
        b: Option<bool>,
    }

    #[test]
    fn takes_what_fits_and_drops_the_rest() {
        let i: Item =
            serde_json::from_value(json!({"id": 151, "n": "42", "xs": [1, "x", 3], "b": "true"}))
                .unwrap();
        assert_eq!(i.id.as_deref(), Some("151"));
        assert_eq!(i.n, Some(42));
        assert_eq!(i.xs, Some(vec![1, 3]));
        assert_eq!(i.b, Some(true));
        let i: Item =
            serde_json::from_value(json!({"id": [1], "n": {}, "xs": " ", "b": null})).unwrap();
        assert_eq!(
            i,
            Item {
                xs: Some(vec![]),
                ..Default::default()
            }
        );
    }
}
