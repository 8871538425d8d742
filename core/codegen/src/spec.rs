//! Reads the OpenAPI files of `core/api` into the model the templates render.
//!
//! Only the subset of OpenAPI the description uses is understood; anything else is an error
//! naming the file and the place, so a new construct in the description cannot be skipped
//! silently by the generator.

use heck::{ToPascalCase, ToSnakeCase};
use serde::Serialize;
use serde_norway::Value;
use std::collections::BTreeMap;
use std::path::Path;

type Res<T> = Result<T, String>;

/// Everything the templates see.
#[derive(Debug, Serialize)]
pub struct Api {
    pub services: Vec<Service>,
    /// Structs that requests send: these get validation rules.
    pub request_structs: Vec<String>,
    /// Structs that event payloads hold.
    pub event_structs: Vec<String>,
    pub operations: Vec<Operation>,
    pub structs: Vec<Struct>,
    pub enums: Vec<Enum>,
    pub events: Vec<EventDef>,
}

#[derive(Debug, Serialize)]
pub struct Service {
    /// Wire prefix of the operation names (`engagementCenter`).
    pub name: String,
    /// Type name (`EngagementCenter`).
    pub type_name: String,
    /// Accessor name (`engagement_center`).
    pub snake: String,
    pub doc: String,
}

#[derive(Debug, Serialize)]
pub struct Operation {
    /// Position in the table.
    pub index: usize,
    pub name: String,
    pub service: String,
    pub command: String,
    pub snake: String,
    pub method: String,
    pub version: String,
    pub path: String,
    pub path_params: Vec<Param>,
    pub query: Vec<Param>,
    /// `required`, `optional` or `none`.
    pub session: String,
    /// `oauth2`, `web_token`, `basic` or `none`.
    pub auth: String,
    pub api_key: bool,
    pub scope: String,
    pub status: u16,
    pub safe_to_retry: bool,
    pub deprecated: bool,
    pub summary: String,
    pub description: String,
    pub body: Option<Ty>,
    pub body_required: bool,
    /// The fields of an object body, named apart from the path parameters in Python.
    pub body_fields: Vec<Field>,
    pub response: Option<Ty>,
    pub confirmed_by: Vec<String>,
    pub failed_by: Vec<String>,
    /// `x-failed-when`: confirming events that carry a failure in their payload.
    pub failed_when: Vec<PayloadFailure>,
    pub note: String,
}

/// One `x-failed-when` entry: `field` (a dotted path in `event`'s payload) holding one of
/// `values` makes the event a failure of the command.
#[derive(Debug, Serialize, Clone)]
pub struct PayloadFailure {
    pub event: String,
    pub field: String,
    /// (value, name) pairs.
    pub values: Vec<(i64, String)>,
}

#[derive(Debug, Serialize, Clone)]
pub struct Param {
    pub wire: String,
    pub snake: String,
    /// Name in Python.
    pub py: String,
    pub required: bool,
    pub ty: Ty,
    pub doc: String,
}

/// A property type, with the limits the validation checks.
#[derive(Debug, Serialize, Clone, PartialEq)]
pub struct Ty {
    /// `string`, `integer`, `number`, `boolean`, `array`, `object` (a named struct),
    /// `enum` (a named enum), `map` (an object without declared properties) or `any`.
    pub kind: String,
    pub name: String,
    pub items: Option<Box<Ty>>,
    pub min_len: Option<u64>,
    pub max_len: Option<u64>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    pub format: String,
    /// The documented values of an `enum`.
    pub values: Vec<String>,
    /// A regular expression the whole string must match.
    pub pattern: Option<String>,
    pub exclusive_minimum: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct Struct {
    pub name: String,
    pub doc: String,
    /// `additionalProperties: false`: a request body; unknown fields are refused.
    pub closed: bool,
    pub fields: Vec<Field>,
    /// Whether a field is read from an integer/string pair.
    pub has_twins: bool,
    /// JSON of the first example, when there is one.
    pub example: Option<String>,
    /// `anyOf`/`oneOf` of `required` lists: at least one (exactly one when `exclusive`)
    /// of these field sets must be present.
    pub alternatives: Vec<Vec<String>>,
    pub exclusive: bool,
}

#[derive(Debug, Serialize, Clone)]
pub struct Field {
    pub wire: String,
    pub snake: String,
    /// Name in Python (a keyword argument of a typed method, or an attribute).
    pub py: String,
    pub required: bool,
    pub ty: Ty,
    pub doc: String,
    pub aliases: Vec<String>,
    /// Wire name of the string twin of this integer field.
    pub twin: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Enum {
    pub name: String,
    pub doc: String,
    pub values: Vec<EnumValue>,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct EnumValue {
    pub wire: String,
    pub variant: String,
}

#[derive(Debug, Serialize)]
pub struct EventDef {
    pub wire: String,
    pub variant: String,
    pub family: String,
    pub doc: String,
    /// The struct of the whole payload.
    pub type_name: String,
    pub example: String,
}

struct Doc {
    file: String,
    root: Value,
}

#[derive(Default)]
struct Builder {
    structs: BTreeMap<String, Struct>,
    struct_order: Vec<String>,
    enums: Vec<Enum>,
}

/// Loads every `*.yaml` of `dir`, in name order.
pub fn load(dir: &Path) -> Res<Api> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    let mut docs = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).map_err(|e| format!("{}: {e}", f.display()))?;
        let root: Value =
            serde_norway::from_str(&text).map_err(|e| format!("{}: {e}", f.display()))?;
        docs.push(Doc {
            file: f.file_name().unwrap().to_string_lossy().into_owned(),
            root,
        });
    }
    let mut b = Builder::default();
    let mut operations: Vec<Operation> = Vec::new();
    let mut events = Vec::new();
    for d in &docs {
        operations.extend(b.operations(d)?);
        events.extend(b.events(d)?);
    }
    let mut seen = std::collections::HashSet::new();
    for o in &operations {
        if !seen.insert(o.name.clone()) {
            return Err(format!("operation {} is described twice", o.name));
        }
    }
    let mut services: Vec<Service> = Vec::new();
    for o in &operations {
        if !services.iter().any(|s| s.name == o.service) {
            services.push(Service {
                name: o.service.clone(),
                type_name: o.service.to_pascal_case(),
                snake: o.service.to_snake_case(),
                doc: service_doc(&o.service),
            });
        }
    }
    let Builder {
        mut structs,
        struct_order,
        enums,
    } = b;
    let structs: Vec<Struct> = struct_order
        .iter()
        .map(|n| structs.remove(n).unwrap())
        .collect();
    for (i, o) in operations.iter_mut().enumerate() {
        o.index = i;
        if let Some(Ty { kind, name, .. }) = &o.body {
            if kind == "object" {
                let taken: Vec<String> = o
                    .path_params
                    .iter()
                    .map(|p| p.py.clone())
                    .chain(["session_id".to_string()])
                    .collect();
                let s = structs.iter().find(|s| &s.name == name).unwrap();
                o.body_fields = s
                    .fields
                    .iter()
                    .map(|f| {
                        let mut f = f.clone();
                        if taken.contains(&f.py) {
                            f.py = format!("body_{}", f.py);
                        }
                        f
                    })
                    .collect();
            }
        }
    }
    let mut request_structs = Vec::new();
    let mut todo: Vec<&Ty> = Vec::new();
    for o in &operations {
        todo.extend(o.body.iter());
        todo.extend(o.path_params.iter().chain(&o.query).map(|p| &p.ty));
    }
    while let Some(t) = todo.pop() {
        if let Some(items) = &t.items {
            todo.push(items);
        }
        if t.kind == "object" && !request_structs.contains(&t.name) {
            request_structs.push(t.name.clone());
            let s = structs.iter().find(|s| s.name == t.name).unwrap();
            todo.extend(s.fields.iter().map(|f| &f.ty));
        }
    }
    let event_structs = reachable(
        &structs,
        events
            .iter()
            .map(|e| e.type_name.clone())
            .collect::<Vec<_>>(),
    );
    Ok(Api {
        services,
        request_structs,
        event_structs,
        operations,
        structs,
        enums,
        events,
    })
}

fn service_doc(name: &str) -> String {
    match name {
        "engagementCenter" => "Engagement Center agent-control commands.".into(),
        "streaming" => {
            "Streaming API: sessions, long-poll events, acknowledgement, subscriptions.".into()
        }
        "messaging" => "Public-chat messaging: what a customer's chat client sends.".into(),
        "webToken" => "Web tokens for the public-chat client.".into(),
        "webClient" => "Streaming for the public-chat client.".into(),
        other => format!("The `{other}` operations."),
    }
}

fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.as_mapping().and_then(|m| m.get(key))
}

fn text(v: &Value, key: &str) -> String {
    get(v, key)
        .and_then(Value::as_str)
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// `x-failed-when`, refusing an entry whose event is not among the confirming events or
/// that lacks a part: a failure rule read wrong would turn failures into confirmations.
fn failed_when(op: &Value) -> Res<Vec<PayloadFailure>> {
    let Some(list) = get(op, "x-failed-when") else {
        return Ok(Vec::new());
    };
    let confirmed = strings(op, "x-confirmed-by");
    let mut out = Vec::new();
    for entry in list.as_sequence().ok_or("x-failed-when is not a list")? {
        let event = text(entry, "event");
        let field = text(entry, "field");
        if event.is_empty() || field.is_empty() || !confirmed.contains(&event) {
            return Err(format!(
                "x-failed-when: {event:?} needs a field and must be one of x-confirmed-by"
            ));
        }
        let mut values = Vec::new();
        for v in get(entry, "values")
            .and_then(Value::as_sequence)
            .ok_or("x-failed-when: values missing")?
        {
            let value = get(v, "value")
                .and_then(Value::as_i64)
                .ok_or("x-failed-when: a value is not an integer")?;
            values.push((value, text(v, "name")));
        }
        out.push(PayloadFailure {
            event,
            field,
            values,
        });
    }
    Ok(out)
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    get(v, key)
        .and_then(Value::as_sequence)
        .map(|s| {
            s.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn num(v: &Value, key: &str) -> Option<f64> {
    get(v, key).and_then(Value::as_f64)
}

fn uint(v: &Value, key: &str) -> Option<u64> {
    get(v, key).and_then(Value::as_u64)
}

fn to_json(v: &Value) -> Res<String> {
    let j: serde_json::Value = serde_norway::from_value(v.clone()).map_err(|e| e.to_string())?;
    Ok(j.to_string())
}

/// Type name of a component schema (`HoldParmsSchema` -> `HoldParams`).
fn type_name(component: &str) -> String {
    let base = component.strip_suffix("Schema").unwrap_or(component);
    let base = match base.strip_suffix("Parms") {
        Some(b) => format!("{b}Params"),
        None => base.to_string(),
    };
    // Pascal case as Kotlin and Swift spell it (`PushUrl`, not `PushURL`), so every
    // language has the same name.
    base.to_pascal_case()
}

impl Builder {
    fn resolve<'a>(&self, doc: &'a Doc, v: &'a Value) -> Res<(&'a Value, Option<String>)> {
        match get(v, "$ref").and_then(Value::as_str) {
            None => Ok((v, None)),
            Some(r) => {
                let parts: Vec<&str> = r
                    .strip_prefix("#/")
                    .ok_or_else(|| format!("{}: only local $refs are supported: {r}", doc.file))?
                    .split('/')
                    .collect();
                let mut cur = &doc.root;
                for p in &parts {
                    cur = get(cur, p).ok_or_else(|| format!("{}: dangling $ref {r}", doc.file))?;
                }
                Ok((cur, Some(parts.last().unwrap().to_string())))
            }
        }
    }

    fn operations(&mut self, doc: &Doc) -> Res<Vec<Operation>> {
        let mut out = Vec::new();
        let Some(paths) = get(&doc.root, "paths").and_then(Value::as_mapping) else {
            return Ok(out);
        };
        for (path, item) in paths {
            let path = path.as_str().unwrap_or_default();
            for method in ["get", "post", "put", "patch", "delete"] {
                if let Some(op) = get(item, method) {
                    out.push(
                        self.operation(doc, path, method, op)
                            .map_err(|e| format!("{} {method} {path}: {e}", doc.file))?,
                    );
                }
            }
        }
        Ok(out)
    }

    fn operation(&mut self, doc: &Doc, path: &str, method: &str, op: &Value) -> Res<Operation> {
        let name = text(op, "operationId");
        let (service, command) = name
            .split_once('.')
            .ok_or("operationId must be service.command")?;
        let rest = path
            .strip_prefix("/via/")
            .ok_or("path must start with /via/")?;
        let (version, rest) = rest.split_once('/').ok_or("path without version")?;
        let rel = rest
            .strip_prefix("organizations/{orgId}/")
            .ok_or("path must continue with organizations/{orgId}/")?;
        let mut path_params = Vec::new();
        let mut query = Vec::new();
        let mut session = "none".to_string();
        for p in get(op, "parameters")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
        {
            let (p, _) = self.resolve(doc, p)?;
            let wire = text(p, "name");
            let required = get(p, "required").and_then(Value::as_bool).unwrap_or(false);
            match text(p, "in").as_str() {
                "header" if wire.eq_ignore_ascii_case("via-client-sessionid") => {
                    session = if required { "required" } else { "optional" }.into();
                }
                "header" => return Err(format!("unsupported header parameter {wire}")),
                "path" if wire == "orgId" => {}
                kind @ ("path" | "query") => {
                    let schema = get(p, "schema").ok_or("parameter without schema")?;
                    let ty = self.ty(doc, command, &wire, schema)?;
                    let param = Param {
                        snake: wire.to_snake_case(),
                        py: py_name(&wire),
                        wire,
                        required: required || kind == "path",
                        ty,
                        doc: text(p, "description"),
                    };
                    if kind == "path" {
                        path_params.push(param);
                    } else {
                        query.push(param);
                    }
                }
                other => return Err(format!("unsupported parameter location {other}")),
            }
        }
        let (auth, api_key, scope) = security(op)?;
        let responses = get(op, "responses").ok_or("no responses")?;
        let mut status = 0;
        let mut response = None;
        for (code, r) in responses.as_mapping().into_iter().flatten() {
            let code = match code {
                Value::Number(n) => n.as_u64().unwrap_or(0) as u16,
                Value::String(s) => s.parse().unwrap_or(0),
                _ => 0,
            };
            if (200..300).contains(&code) && status == 0 {
                status = code;
                let (r, _) = self.resolve(doc, r)?;
                if let Some(s) = get(r, "content")
                    .and_then(|c| get(c, "application/json"))
                    .and_then(|c| get(c, "schema"))
                {
                    response = Some(self.ty(doc, &format!("{command}Response"), "", s)?);
                }
            }
        }
        if status == 0 {
            return Err("no 2xx response".into());
        }
        let (body, body_required) = match get(op, "requestBody") {
            None => (None, false),
            Some(rb) => {
                let (rb, _) = self.resolve(doc, rb)?;
                let s = get(rb, "content")
                    .and_then(|c| get(c, "application/json"))
                    .and_then(|c| get(c, "schema"))
                    .ok_or("requestBody without application/json schema")?;
                let ty = self.ty(doc, &format!("{command}Body"), "", s)?;
                (
                    Some(ty),
                    get(rb, "required")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                )
            }
        };
        Ok(Operation {
            service: service.into(),
            command: command.into(),
            snake: command.to_snake_case(),
            method: method.to_pascal_case(),
            version: version.into(),
            path: rel.into(),
            path_params,
            query,
            session,
            auth,
            api_key,
            scope,
            status,
            safe_to_retry: get(op, "x-safe-to-retry")
                .and_then(Value::as_bool)
                .ok_or("x-safe-to-retry missing")?,
            deprecated: get(op, "deprecated")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            summary: text(op, "summary"),
            description: text(op, "description"),
            body,
            body_required,
            body_fields: Vec::new(),
            response,
            confirmed_by: strings(op, "x-confirmed-by"),
            failed_by: strings(op, "x-failed-by"),
            failed_when: failed_when(op)?,
            note: text(op, "x-note"),
            index: 0,
            name,
        })
    }

    fn events(&mut self, doc: &Doc) -> Res<Vec<EventDef>> {
        let mut out = Vec::new();
        let Some(schemas) = get(&doc.root, "components")
            .and_then(|c| get(c, "schemas"))
            .and_then(Value::as_mapping)
        else {
            return Ok(out);
        };
        for (name, s) in schemas {
            let Some(wire) = get(s, "x-event-type").and_then(Value::as_str) else {
                continue;
            };
            let name = name.as_str().unwrap_or_default();
            let (family, short) = wire
                .split_once('.')
                .ok_or_else(|| format!("{}: {name}: bad x-event-type {wire}", doc.file))?;
            let prefix = match family {
                "engagementCenter" => "Ec".to_string(),
                f => f.to_pascal_case(),
            };
            let variant = format!("{prefix}{}", short.to_pascal_case());
            // `EcHeldEvent`, not `EcHeld`: Kotlin and Swift nest an enum's variants in the
            // enum, where a variant named like its payload type would shadow that type.
            let type_name = format!("{variant}Event");
            self.object(doc, &type_name, s)
                .map_err(|e| format!("{}: {name}: {e}", doc.file))?;
            let example = get(s, "examples")
                .and_then(Value::as_sequence)
                .and_then(|e| e.first())
                .ok_or_else(|| format!("{}: {name}: no example", doc.file))?;
            out.push(EventDef {
                wire: wire.into(),
                family: family.into(),
                doc: text(s, "description"),
                type_name,
                variant,
                example: to_json(example)?,
            });
        }
        Ok(out)
    }

    /// The type of a schema; `owner` and `prop` name the types made for inline objects
    /// and enums.
    fn ty(&mut self, doc: &Doc, owner: &str, prop: &str, schema: &Value) -> Res<Ty> {
        let (s, ref_name) = self.resolve(doc, schema)?;
        let mut ty = Ty {
            kind: String::new(),
            name: String::new(),
            items: None,
            min_len: uint(s, "minLength"),
            max_len: uint(s, "maxLength"),
            minimum: num(s, "minimum"),
            maximum: num(s, "maximum"),
            min_items: uint(s, "minItems"),
            max_items: uint(s, "maxItems"),
            format: text(s, "format"),
            values: Vec::new(),
            pattern: get(s, "pattern")
                .and_then(Value::as_str)
                .map(str::to_string),
            exclusive_minimum: num(s, "exclusiveMinimum"),
        };
        if let Some(unknown) = s.as_mapping().into_iter().flatten().find_map(|(k, _)| {
            let k = k.as_str().unwrap_or_default();
            (!SCHEMA_KEYWORDS.contains(&k)).then_some(k)
        }) {
            return Err(format!(
                "{owner}.{prop}: the generator does not know the schema keyword {unknown:?}"
            ));
        }
        let kind = match get(s, "type") {
            Some(Value::String(t)) => t.clone(),
            // `[string, integer]` and friends: values whose type the documents disagree on.
            Some(Value::Sequence(ts)) => {
                let ts: Vec<_> = ts
                    .iter()
                    .filter_map(Value::as_str)
                    .filter(|t| *t != "null")
                    .collect();
                if ts.len() == 1 {
                    ts[0].to_string()
                } else if ts.contains(&"string") {
                    // Text is what every spelling of the value can become; the decoders
                    // read numbers and booleans as text.
                    "string".into()
                } else {
                    "any".into()
                }
            }
            _ if get(s, "properties").is_some() => "object".into(),
            _ => "any".into(),
        };
        match kind.as_str() {
            "string" if get(s, "enum").is_some() => {
                let values = strings(s, "enum");
                let base = ref_name
                    .map(|r| type_name(&r))
                    .unwrap_or_else(|| prop.to_pascal_case());
                ty.kind = "enum".into();
                ty.name = self.enumeration(&base, owner, values.clone(), text(s, "description"));
                ty.values = values;
            }
            "string" | "integer" | "number" | "boolean" => ty.kind = kind,
            "array" => {
                let items = get(s, "items").ok_or("array without items")?;
                let item_owner = format!("{}{}", owner.to_pascal_case(), prop.to_pascal_case());
                ty.kind = "array".into();
                ty.items = Some(Box::new(self.ty(doc, &item_owner, "Item", items)?));
            }
            "object" if get(s, "properties").is_some() => {
                let name = match ref_name {
                    Some(r) => type_name(&r),
                    None => format!("{}{}", owner.to_pascal_case(), prop.to_pascal_case()),
                };
                self.object(doc, &name, s)?;
                ty.kind = "object".into();
                ty.name = name;
            }
            "object" => ty.kind = "map".into(),
            "any" => ty.kind = "any".into(),
            other => return Err(format!("unsupported type {other}")),
        }
        Ok(ty)
    }

    fn object(&mut self, doc: &Doc, name: &str, s: &Value) -> Res<()> {
        if self.structs.contains_key(name) {
            return Ok(());
        }
        // Registered before its fields so a self-reference terminates.
        self.structs.insert(
            name.into(),
            Struct {
                name: name.into(),
                doc: String::new(),
                closed: false,
                fields: Vec::new(),
                has_twins: false,
                example: None,
                alternatives: Vec::new(),
                exclusive: false,
            },
        );
        self.struct_order.push(name.into());
        let required = strings(s, "required");
        let props: Vec<(String, Value)> = get(s, "properties")
            .and_then(Value::as_mapping)
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), v))
            .collect();
        let twins: Vec<String> = props
            .iter()
            .filter_map(|(_, v)| get(v, "x-string-twin").and_then(Value::as_str))
            .map(str::to_string)
            .collect();
        let mut fields = Vec::new();
        for (wire, p) in &props {
            if twins.contains(wire) {
                continue;
            }
            let twin = get(p, "x-string-twin")
                .and_then(Value::as_str)
                .map(str::to_string);
            let mut ty = self.ty(doc, name, wire, p)?;
            if twin.is_some() {
                // One value on two wires: exposed once, as text.
                ty.kind = "string".into();
            }
            let (pr, _) = self.resolve(doc, p)?;
            fields.push(Field {
                snake: rust_field(wire),
                py: py_name(wire),
                required: required.contains(wire),
                ty,
                doc: first_nonempty(&[text(p, "description"), text(pr, "description")]),
                aliases: strings(p, "x-aliases"),
                twin,
                wire: wire.clone(),
            });
        }
        let example = match get(s, "examples")
            .and_then(Value::as_sequence)
            .and_then(|e| e.first())
        {
            Some(e) => Some(to_json(e)?),
            None => None,
        };
        let (alternatives, exclusive) = match (get(s, "anyOf"), get(s, "oneOf")) {
            (Some(a), None) => (required_sets(a)?, false),
            (None, Some(o)) => (required_sets(o)?, true),
            (None, None) => (Vec::new(), false),
            _ => return Err("both anyOf and oneOf".into()),
        };
        let st = self.structs.get_mut(name).unwrap();
        st.alternatives = alternatives;
        st.exclusive = exclusive;
        st.doc = text(s, "description");
        st.closed = matches!(get(s, "additionalProperties"), Some(Value::Bool(false)));
        st.has_twins = fields.iter().any(|f| f.twin.is_some());
        st.fields = fields;
        st.example = example;
        Ok(())
    }

    /// Registers an enum, sharing it with an earlier one of the same name and values.
    fn enumeration(&mut self, base: &str, owner: &str, values: Vec<String>, doc: String) -> String {
        let values: Vec<EnumValue> = values
            .into_iter()
            .map(|w| EnumValue {
                variant: variant_name(&w),
                wire: w,
            })
            .collect();
        let mut name = base.to_string();
        if let Some(e) = self.enums.iter().find(|e| e.name == name) {
            if e.values == values {
                return name;
            }
            name = format!("{}{}", owner.to_pascal_case(), base);
            if self.enums.iter().any(|e| e.name == name) {
                return name;
            }
        }
        self.enums.push(Enum {
            name: name.clone(),
            doc,
            values,
        });
        name
    }
}

/// A variant name for an enum value: `*` is `Any`, a leading digit gets a `V`.
fn variant_name(wire: &str) -> String {
    let v = wire.to_pascal_case();
    match v.chars().next() {
        None if wire == "*" => "Any".into(),
        None => "Empty".into(),
        Some(c) if c.is_ascii_digit() => format!("V{v}"),
        Some(_) => v,
    }
}

/// The schema keywords the generator understands. Anything else is an error, so that a
/// limit written in the description can never be silently left unchecked. `allOf` is
/// accepted for the conditional rules the client leaves to the service (see README).
const SCHEMA_KEYWORDS: &[&str] = &[
    "$ref",
    "type",
    "properties",
    "required",
    "items",
    "enum",
    "description",
    "examples",
    "format",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "minItems",
    "maxItems",
    "pattern",
    "additionalProperties",
    "anyOf",
    "oneOf",
    "allOf",
    "default",
    "deprecated",
    "contentMediaType",
    "x-note",
    "x-aliases",
    "x-string-twin",
    "x-event-type",
    "x-known-values",
];

/// The field sets of an `anyOf`/`oneOf` whose branches only list `required` fields: the
/// one kind of alternative the validation knows.
fn required_sets(v: &Value) -> Res<Vec<Vec<String>>> {
    v.as_sequence()
        .ok_or("anyOf/oneOf must be a list")?
        .iter()
        .map(|branch| match branch.as_mapping() {
            Some(m) if m.len() == 1 && m.contains_key("required") => {
                Ok(strings(branch, "required"))
            }
            _ => Err("anyOf/oneOf branches may only list required fields".to_string()),
        })
        .collect()
}

fn first_nonempty(xs: &[String]) -> String {
    xs.iter()
        .find(|x| !x.is_empty())
        .cloned()
        .unwrap_or_default()
}

/// Field name in Rust: snake case, with keywords escaped.
fn rust_field(wire: &str) -> String {
    let s = wire.to_snake_case();
    match s.as_str() {
        "type" | "ref" | "self" | "match" | "move" | "use" | "where" | "loop" | "in" | "fn" => {
            format!("r#{s}")
        }
        _ => s,
    }
}

/// The named structs `roots` refer to, directly or through their fields, roots first.
fn reachable(structs: &[Struct], roots: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut todo = roots;
    while let Some(name) = todo.pop() {
        if out.contains(&name) {
            continue;
        }
        if let Some(s) = structs.iter().find(|s| s.name == name) {
            for f in &s.fields {
                let mut t = &f.ty;
                while let Some(items) = &t.items {
                    t = items;
                }
                if t.kind == "object" {
                    todo.push(t.name.clone());
                }
            }
        }
        out.push(name);
    }
    out
}

/// Name in Python: snake case, with keywords escaped.
fn py_name(wire: &str) -> String {
    let s = wire.to_snake_case();
    match s.as_str() {
        "from" | "class" | "global" | "import" | "in" | "is" | "lambda" | "pass" | "return"
        | "def" | "del" | "async" | "await" | "none" | "true" | "false" => format!("{s}_"),
        _ => s,
    }
}

fn security(op: &Value) -> Res<(String, bool, String)> {
    let reqs = get(op, "security")
        .and_then(Value::as_sequence)
        .ok_or("security missing")?;
    let Some(first) = reqs.first().and_then(Value::as_mapping) else {
        return Ok(("none".into(), false, String::new()));
    };
    let mut auth = "none".to_string();
    let mut scope = String::new();
    let mut api_key = false;
    for (k, v) in first {
        match k.as_str().unwrap_or_default() {
            "oauth2" => {
                auth = "oauth2".into();
                scope = v
                    .as_sequence()
                    .and_then(|s| s.first())
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .into();
            }
            "webToken" => auth = "web_token".into(),
            "basicAuth" => auth = "basic".into(),
            "apiKey" => api_key = true,
            other => return Err(format!("unknown security scheme {other}")),
        }
    }
    Ok((auth, api_key, scope))
}
