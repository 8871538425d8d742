//! Rust `tracing` → Python `logging`, under the `ccbridge` logger.
//!
//! Only the library's own records are forwarded (targets `ccbridge::*`, mapped to the
//! loggers `ccbridge.*`, and the embedded simulator's `ccbridge_sim::*`, mapped to
//! `ccbridge.sim.*`); the HTTP stack's are dropped at the callsite. The level is the
//! effective level of the `ccbridge` logger, re-read whenever Python calls into the library,
//! so that records nobody wants never cost a trip to the GIL.

use pyo3::prelude::*;
use pyo3::sync::GILOnceCell;
use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicU8, Ordering};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

use crate::process::with_python;

/// Name of the Python logger at the root of the library's loggers.
pub(crate) const LOGGER: &str = "ccbridge";

/// Most verbose tracing level forwarded: 0 none, 1 error, 2 warn, 3 info, 4 debug, 5 trace.
static MAX_LEVEL: AtomicU8 = AtomicU8::new(2);

static LOGGING: GILOnceCell<Py<PyModule>> = GILOnceCell::new();
static ROOT_LOGGER: GILOnceCell<PyObject> = GILOnceCell::new();

fn rank(level: &Level) -> u8 {
    match *level {
        Level::ERROR => 1,
        Level::WARN => 2,
        Level::INFO => 3,
        Level::DEBUG => 4,
        Level::TRACE => 5,
    }
}

fn python_level(level: &Level) -> i32 {
    match *level {
        Level::ERROR => 40,
        Level::WARN => 30,
        Level::INFO => 20,
        Level::DEBUG => 10,
        Level::TRACE => 5,
    }
}

fn logging_module(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    LOGGING
        .get_or_try_init(py, || py.import("logging").map(Bound::unbind))
        .map(|m| m.bind(py))
}

/// The `ccbridge` logger.
pub(crate) fn root_logger(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    ROOT_LOGGER
        .get_or_try_init(py, || {
            logging_module(py)?
                .call_method1("getLogger", (LOGGER,))
                .map(Bound::unbind)
        })
        .map(|l| l.bind(py))
}

/// Re-reads the effective level of the `ccbridge` logger.
pub(crate) fn sync_level(py: Python<'_>) {
    let level = root_logger(py)
        .and_then(|l| l.call_method0("getEffectiveLevel"))
        .and_then(|l| l.extract::<i32>())
        .unwrap_or(30);
    let max = match level {
        l if l <= 5 => 5,
        l if l <= 10 => 4,
        l if l <= 20 => 3,
        l if l <= 30 => 2,
        l if l <= 40 => 1,
        _ => 0,
    };
    MAX_LEVEL.store(max, Ordering::Relaxed);
}

/// Installs the forwarding layer as the process's tracing subscriber (unless the host
/// application already installed one).
pub(crate) fn install(py: Python<'_>) {
    sync_level(py);
    let subscriber = tracing_subscriber::registry().with(PythonLogging);
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// Collects an event's or span's fields as `message key=value ...`.
#[derive(Default)]
struct Fields {
    message: String,
    rest: String,
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        // A second `message` (a field named so by a caller) is a field, not more text.
        if field.name() == "message" && self.message.is_empty() {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.rest, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" && self.message.is_empty() {
            self.message.push_str(value);
        } else {
            let _ = write!(self.rest, " {}={value}", field.name());
        }
    }
}

/// The fields of a span, kept in its extensions until its events are logged.
struct SpanFields(String);

struct PythonLogging;

impl<S> Layer<S> for PythonLogging
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if metadata.target().starts_with("ccbridge") {
            // The level can change at run time: ask `enabled` each time.
            Interest::sometimes()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        metadata.target().starts_with("ccbridge")
            && rank(metadata.level()) <= MAX_LEVEL.load(Ordering::Relaxed)
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(SpanFields(fields.rest));
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        values.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            if let Some(f) = span.extensions_mut().get_mut::<SpanFields>() {
                f.0.push_str(&fields.rest);
            }
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let mut text = fields.message;
        text.push_str(&fields.rest);
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                let _ = write!(text, " [{}", span.name());
                if let Some(f) = span.extensions().get::<SpanFields>() {
                    text.push_str(&f.0);
                }
                text.push(']');
            }
        }
        let meta = event.metadata();
        let name = logger_name(meta.target());
        let record = Forwarded {
            name,
            level: python_level(meta.level()),
            file: meta.file().unwrap_or("<rust>"),
            line: meta.line().unwrap_or(0),
            module: meta.module_path(),
            text,
        };
        with_python(|py| {
            // A failing handler must not turn into an error of the library call that
            // logged: logging's own handleError policy already applies inside handle().
            let _ = record.emit(py);
        });
    }
}

/// The Python logger of a tracing target: `ccbridge::stream::engine` logs to
/// `ccbridge.stream.engine`, the simulator's `ccbridge_sim::streaming` to
/// `ccbridge.sim.streaming`, so the `ccbridge` logger's level governs both.
fn logger_name(target: &str) -> String {
    let target = match target.strip_prefix("ccbridge_sim") {
        Some(rest) => format!("ccbridge::sim{rest}"),
        None => target.to_string(),
    };
    target.replace("::", ".")
}

struct Forwarded {
    name: String,
    level: i32,
    file: &'static str,
    line: u32,
    module: Option<&'static str>,
    text: String,
}

impl Forwarded {
    fn emit(self, py: Python<'_>) -> PyResult<()> {
        let logger = logging_module(py)?.call_method1("getLogger", (self.name.as_str(),))?;
        if !logger
            .call_method1("isEnabledFor", (self.level,))?
            .is_truthy()?
        {
            return Ok(());
        }
        let record = logger.call_method1(
            "makeRecord",
            (
                self.name,
                self.level,
                self.file,
                self.line,
                self.text,
                (),
                py.None(),
                self.module,
            ),
        )?;
        logger.call_method1("handle", (record,))?;
        Ok(())
    }
}

/// Logs a failure of user code run by the library (a callback) on the `ccbridge` logger,
/// with its traceback.
pub(crate) fn log_callback_error(py: Python<'_>, what: &str, err: PyErr) {
    let logged = root_logger(py).and_then(|logger| {
        let kwargs = pyo3::types::PyDict::new(py);
        kwargs.set_item("exc_info", err.value(py))?;
        logger.call_method("error", ("%s raised an exception", what), Some(&kwargs))
    });
    if logged.is_err() {
        // Logging itself failed: fall back to the unraisable-exception hook.
        err.write_unraisable(py, None);
    }
}
