//! `ccbridge-codegen`: writes the per-endpoint and per-event code of every language from the
//! API description in `core/api/*.yaml`.
//!
//! ```text
//! cargo run -p ccbridge-codegen            # (re)write the generated files
//! cargo run -p ccbridge-codegen -- --check # fail, naming the files, if any file drifted
//! ```
//!
//! Each output is a template of `templates/` rendered over the model of [`spec`]; Rust
//! output goes through `rustfmt` so it is exactly what `cargo fmt` keeps.

mod spec;
mod vectors;

use minijinja::{Environment, Value as JValue};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The generated files: template, output path (from the repository root), language.
const OUTPUTS: &[(&str, &str, Lang)] = &[
    (
        "operations.rs.jinja",
        "core/src/generated/operations.rs",
        Lang::Rust,
    ),
    (
        "models.rs.jinja",
        "core/src/generated/models.rs",
        Lang::Rust,
    ),
    (
        "events.rs.jinja",
        "core/src/generated/events.rs",
        Lang::Rust,
    ),
    (
        "services.rs.jinja",
        "core/src/generated/services.rs",
        Lang::Rust,
    ),
    ("agent.rs.jinja", "core/src/generated/agent.rs", Lang::Rust),
    ("models.py.jinja", "python/ccbridge/models.py", Lang::Python),
    (
        "services.py.jinja",
        "python/ccbridge/services.py",
        Lang::Python,
    ),
    ("events.py.jinja", "python/ccbridge/events.py", Lang::Python),
    (
        "agent.py.jinja",
        "python/ccbridge/_agent_commands.py",
        Lang::Python,
    ),
    (
        "uniffi.rs.jinja",
        "bindings/uniffi/src/services.rs",
        Lang::Rust,
    ),
    (
        "uniffi_agent.rs.jinja",
        "bindings/uniffi/src/agent_commands.rs",
        Lang::Rust,
    ),
    (
        "c_agent.rs.jinja",
        "bindings/c/src/agent_commands.rs",
        Lang::Rust,
    ),
    (
        "c_agent.hpp.jinja",
        "include/ccbridge_agent_commands.hpp",
        Lang::Cpp,
    ),
];

#[derive(Clone, Copy, PartialEq)]
enum Lang {
    Rust,
    Python,
    Cpp,
}

const TEMPLATES: &[(&str, &str)] = &[
    (
        "operations.rs.jinja",
        include_str!("../templates/operations.rs.jinja"),
    ),
    (
        "models.rs.jinja",
        include_str!("../templates/models.rs.jinja"),
    ),
    (
        "events.rs.jinja",
        include_str!("../templates/events.rs.jinja"),
    ),
    (
        "services.rs.jinja",
        include_str!("../templates/services.rs.jinja"),
    ),
    (
        "agent.rs.jinja",
        include_str!("../templates/agent.rs.jinja"),
    ),
    ("rust.jinja", include_str!("../templates/rust.jinja")),
    (
        "models.py.jinja",
        include_str!("../templates/models.py.jinja"),
    ),
    (
        "services.py.jinja",
        include_str!("../templates/services.py.jinja"),
    ),
    (
        "events.py.jinja",
        include_str!("../templates/events.py.jinja"),
    ),
    (
        "agent.py.jinja",
        include_str!("../templates/agent.py.jinja"),
    ),
    ("python.jinja", include_str!("../templates/python.jinja")),
    (
        "uniffi.rs.jinja",
        include_str!("../templates/uniffi.rs.jinja"),
    ),
    (
        "uniffi_agent.rs.jinja",
        include_str!("../templates/uniffi_agent.rs.jinja"),
    ),
    ("c_agent.jinja", include_str!("../templates/c_agent.jinja")),
    (
        "c_agent.rs.jinja",
        include_str!("../templates/c_agent.rs.jinja"),
    ),
    (
        "c_agent.hpp.jinja",
        include_str!("../templates/c_agent.hpp.jinja"),
    ),
];

fn main() {
    let check = std::env::args().any(|a| a == "--check");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    match run(&root, check) {
        Ok(drifted) if drifted.is_empty() => {}
        Ok(drifted) => {
            eprintln!(
                "generated files drifted from core/api (run `make codegen` and commit):\n  {}",
                drifted.join("\n  ")
            );
            std::process::exit(1);
        }
        Err(e) => {
            eprintln!("ccbridge-codegen: {e}");
            std::process::exit(2);
        }
    }
}

fn run(root: &Path, check: bool) -> Result<Vec<String>, String> {
    let api = spec::load(&root.join("core/api"))?;
    let env = environment()?;
    let ctx = JValue::from_serialize(&api);
    let mut drifted = Vec::new();
    for (template, out, lang) in OUTPUTS {
        let text = env
            .get_template(template)
            .and_then(|t| t.render(minijinja::context! { api => ctx.clone(), output => out }))
            .map_err(|e| format!("{template}: {e:#}"))?;
        let text = match lang {
            Lang::Rust => rustfmt(&text).map_err(|e| format!("{out}: {e}"))?,
            Lang::Python | Lang::Cpp => tidy(&text),
        };
        emit(root, out, &text, check, &mut drifted)?;
    }
    emit(root, VECTORS, &vectors::render(&api)?, check, &mut drifted)?;
    Ok(drifted)
}

/// Writes `text` to `out`, or with `check` records `out` as drifted when it differs.
fn emit(
    root: &Path,
    out: &str,
    text: &str,
    check: bool,
    drifted: &mut Vec<String>,
) -> Result<(), String> {
    let path = root.join(out);
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    if current == text {
        return Ok(());
    }
    if check {
        drifted.push(out.to_string());
    } else {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::write(&path, text).map_err(|e| format!("{out}: {e}"))?;
        println!("wrote {out}");
    }
    Ok(())
}

/// The test vectors every language's tests read.
const VECTORS: &str = "tests/vectors/api.json";

fn environment() -> Result<Environment<'static>, String> {
    let mut env = Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .map_err(|e| format!("{name}: {e:#}"))?;
    }
    env.add_filter("rs", rust_string);
    env.add_filter("doc", doc_comment);
    env.add_filter("pydoc", python_doc);
    env.add_filter("upper_snake", |s: String| {
        heck::ToShoutySnakeCase::to_shouty_snake_case(s.as_str())
    });
    Ok(env)
}

/// A Rust string literal.
fn rust_string(s: String) -> String {
    format!("{s:?}")
}

/// Text as `///` lines of at most about 90 columns, with `prefix` before each (`"///"`,
/// `"//!"`, `"#"`).
fn doc_comment(s: String, prefix: Option<String>) -> String {
    let prefix = prefix.unwrap_or_else(|| "///".into());
    let mut out = Vec::new();
    for para in s.split("\n\n") {
        if !out.is_empty() {
            out.push(prefix.clone());
        }
        let mut line = String::new();
        for word in para.split_whitespace() {
            if !line.is_empty() && line.len() + word.len() + 1 > 88 {
                out.push(format!("{prefix} {line}"));
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        if !line.is_empty() {
            out.push(format!("{prefix} {line}"));
        }
    }
    if out.is_empty() {
        out.push(format!("{prefix} (No description in the documents.)"));
    }
    out.join("\n")
}

fn rustfmt(src: &str) -> Result<String, String> {
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2021", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("rustfmt: {e}"))?;
    let mut stdin = child.stdin.take().unwrap();
    let input = src.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    writer
        .join()
        .map_err(|_| "rustfmt writer panicked".to_string())?
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        let dump = std::env::temp_dir().join("ccbridge-codegen-unformatted.rs");
        let _ = std::fs::write(&dump, src);
        return Err(format!(
            "rustfmt failed (input kept in {}):\n{}",
            dump.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| e.to_string())
}

/// Docstring text: like [`doc_comment`], with the backslashes and triple quotes of the
/// documents' text made harmless (docstrings are not raw strings).
fn python_doc(s: String, prefix: String) -> String {
    let safe = s.replace('\\', "\\\\").replace("\"\"\"", "'''");
    doc_comment(safe, Some(prefix))
}

/// Trailing spaces dropped, runs of blank lines cut to two, one final newline: what the
/// templates' whitespace control leaves is not worth fighting in each template.
fn tidy(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    let mut blanks = 0;
    for line in src.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blanks += 1;
            if blanks > 2 {
                continue;
            }
        } else {
            blanks = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}
