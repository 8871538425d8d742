//! The `ccbridge` binary, run as a user would.

use std::process::Command;

fn ccbridge() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ccbridge"))
}

#[test]
fn demo_walks_the_agent_flow_and_cleans_up() {
    let out = ccbridge().arg("demo").output().expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let order = [
        "engagementCenter.Connecting",
        "engagementCenter.ConnectConfirm",
        "Connecting -> NotReady",
        "NotReady -> Idle",
        "Idle -> Busy",
        "engagementCenter.ScreenPop",
        "accept confirmed by engagementCenter.Active",
        "hold confirmed by engagementCenter.Held",
        "retrieve confirmed by engagementCenter.Active",
        "Busy -> Wrap",
        "dispose confirmed by engagementCenter.DispositionInitiated",
        "keepAlive confirmed by engagementCenter.ClientSessionKeepAlive",
        "hold failed (failCode 11)",
        "Idle -> Park",
        "Park -> Disconnected",
    ];
    let mut at = 0;
    for t in order {
        let pos = stdout[at..]
            .find(t)
            .unwrap_or_else(|| panic!("{t} missing or out of order:\n{stdout}"));
        at += pos + t.len();
    }
    assert!(stdout.contains("caller=\"ELLEN FROST\""), "{stdout}");
    assert!(stdout.contains("0 live sessions left"), "{stdout}");
}

#[test]
fn agent_console_runs_a_script_on_the_simulator() {
    use std::io::Write;
    let mut child = ccbridge()
        .args([
            "agent",
            "--sim",
            "--user",
            "console-1",
            "--initial-state",
            "notready",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("runs");
    let script = "ready\noffer\naccept\nhold\nretrieve\nhold 424242\nnotready 15\n\
                  terminate\ndispose\nstate\nbogus\nlogout\n";
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let order = [
        "state=NotReady",
        "ok engagementCenter.ready: engagementCenter.Idle",
        "caller: ELLEN FROST",
        "ok engagementCenter.accept: engagementCenter.Active",
        "ok engagementCenter.hold: engagementCenter.Held",
        "ok engagementCenter.retrieve: engagementCenter.Active",
        "error: engagementCenter.hold failed (failCode 11)",
        "ok engagementCenter.notReady: engagementCenter.NotReadyPending",
        "[Busy -> Wrap]",
        "ok engagementCenter.dispose",
        "error: unknown command \"bogus\"",
        "[NotReady -> Disconnected]",
        "ok engagementCenter.disconnect: engagementCenter.Disconnected",
    ];
    let mut at = 0;
    for t in order {
        let pos = stdout[at..]
            .find(t)
            .unwrap_or_else(|| panic!("{t} missing or out of order:\n{stdout}"));
        at += pos + t.len();
    }
}

#[test]
fn call_uses_credentials_from_the_environment_and_reports_errors() {
    let sim = ccbridge_sim::Simulator::start_blocking(ccbridge_sim::SimConfig::default()).unwrap();
    let c = sim.config();
    let run = |secret: &str, op: &str, params: &str| {
        ccbridge()
            .args(["call", op, params])
            .env("CCBRIDGE_ORG_ID", &c.org_id)
            .env("CCBRIDGE_CLIENT_ID", &c.client_id)
            .env("CCBRIDGE_CLIENT_SECRET", secret)
            .env("CCBRIDGE_API_KEY", &c.api_key)
            .env("CCBRIDGE_BASE_URL", sim.base_url())
            .output()
            .unwrap()
    };
    let ok = run(
        &c.client_secret,
        "streaming.createSession",
        r#"{"body":{"inactivityDelay":90}}"#,
    );
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(v["inactivityDelay"], 90);

    let bad = run("not-the-secret", "streaming.createSession", "{}");
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("authentication failed"), "{err}");
    assert!(!err.contains("not-the-secret"), "{err}");

    let unknown = run(&c.client_secret, "no.such", "{}");
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("unknown operation"));
    let not_json = run(&c.client_secret, "streaming.createSession", "{oops");
    assert!(String::from_utf8_lossy(&not_json.stderr).contains("not JSON"));
}

#[test]
fn ops_lists_the_operation_table() {
    let out = ccbridge().arg("ops").output().unwrap();
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert_eq!(s.lines().count(), ccbridge::ops::OPERATIONS.len());
    for op in ccbridge::ops::OPERATIONS {
        let line = s
            .lines()
            .find(|l| l.split_whitespace().next() == Some(op.name))
            .unwrap_or_else(|| panic!("{} missing:\n{s}", op.name));
        let cols: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cols[1], op.method.as_str(), "{line}");
        assert_eq!(
            cols[2],
            if op.safe_to_retry { "retry" } else { "once" },
            "{line}"
        );
        assert_eq!(
            cols[3],
            format!("/via/{}/organizations/{{orgId}}/{}", op.version, op.path),
            "{line}"
        );
        assert_eq!(line.ends_with("(deprecated)"), op.deprecated, "{line}");
    }
    let line = |name: &str| {
        s.lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap()
    };
    assert!(line("engagementCenter.dial").contains(" once "), "{s}");
    assert!(line("streaming.getEvents").contains(" retry "), "{s}");
}
