//! The client secret and access tokens never appear in output, errors, logs, help, Debug, the
//! screen (tmux) or a panic's output.

mod common;
mod tmux;

use std::process::Output;
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use common::*;
use tmux::{Launch, Tmux, bin, isolate, sh_path, sh_quote};

const SECRET: &str = "Sup3r-S3cret-Value-42";

async fn run(args: Vec<String>, envs: Vec<(&'static str, String)>) -> Output {
    tokio::task::spawn_blocking(move || {
        convoscope()
            .args(&args)
            .envs(envs)
            .env_remove("GENESYSCLOUD_REGION")
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn all_text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_secret_never_shows_anywhere() {
    let mut cfg = config(50);
    cfg.client_secret = SECRET.into();
    let sim = sim(cfg).await;
    let url = sim.url();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("convoscope.log");
    let env = || {
        vec![
            ("GENESYSCLOUD_OAUTHCLIENT_SECRET", SECRET.to_string()),
            ("CONVOSCOPE_LOG", "trace".to_string()),
        ]
    };
    let base = |extra: &[&str]| {
        let mut v: Vec<String> = [
            "export",
            "--api-url",
            &url,
            "--client-id",
            "demo",
            "--log-file",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.push(log.to_str().unwrap().to_string());
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };

    // Help, with the secret in the environment.
    for help in [
        vec!["--help".to_string()],
        vec!["export".into(), "--help".into()],
    ] {
        let o = run(help, env()).await;
        assert!(o.status.success());
        assert!(!all_text(&o).contains(SECRET), "help shows the secret");
    }
    // A successful export with trace logging.
    let o = run(base(&["--attributes"]), env()).await;
    assert!(o.status.success(), "{}", all_text(&o));
    assert!(!all_text(&o).contains(SECRET));
    // A refused secret given on the command line: the error names the problem, not the secret.
    let mut args = base(&[]);
    args.extend(["--client-secret".to_string(), format!("{SECRET}-wrong")]);
    let o = run(args, vec![("CONVOSCOPE_LOG", "trace".to_string())]).await;
    assert_eq!(o.status.code(), Some(3));
    assert!(all_text(&o).contains("authentication failed"));
    assert!(!all_text(&o).contains(SECRET));

    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("api call"), "the log records API calls");
    assert!(!logged.contains(SECRET), "the log holds the secret");
    let lower = logged.to_ascii_lowercase();
    assert!(
        !lower.contains("bearer ") && !lower.contains("basic "),
        "the log holds an Authorization header"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&log).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the log is private");
    }
}

#[tokio::test]
async fn debug_output_redacts_credentials_and_tokens() {
    let sim = sim(config(5)).await;
    let c = client_with(&sim, "demo", "demo");
    c.authenticate().await.unwrap();
    let creds = convoscope::genesys::Credentials::ClientCredentials {
        client_id: "id".into(),
        secret: convoscope::genesys::Secret::new(SECRET),
    };
    let tok = convoscope::genesys::Credentials::Token(convoscope::genesys::Secret::new(SECRET));
    for s in [format!("{creds:?}"), format!("{tok:?}"), format!("{c:?}")] {
        assert!(!s.contains(SECRET) && !s.contains("demo\""), "{s}");
    }
}

// ---------------------------------------------------------------------------------------------
// The screen, a panic, `info`, every `--help`, the log at debug and trace: neither the client
// secret nor an access token the simulator issued.

/// Every access token seen between the binary and the simulator: issued by `/oauth/token` or
/// sent in an `Authorization: Bearer` header.
#[derive(Default)]
struct Seen(Mutex<Vec<String>>);

impl Seen {
    fn add(&self, t: &str) {
        let mut v = self.0.lock().unwrap();
        if !t.is_empty() && !v.iter().any(|x| x == t) {
            v.push(t.to_string());
        }
    }
    fn all(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

struct Proxy {
    upstream: String,
    http: reqwest::Client,
    seen: Arc<Seen>,
}

/// A pass-through proxy in front of the simulator that records every token it sees; returns its
/// URL. The simulator's tokens are random: this is how a test knows the one the binary got.
async fn recording_proxy(upstream: String, seen: Arc<Seen>) -> String {
    convoscope::genesys::client::install_crypto();
    let state = Arc::new(Proxy {
        upstream,
        http: reqwest::Client::new(),
        seen,
    });
    let app = axum::Router::new().fallback(forward).with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

async fn forward(State(p): State<Arc<Proxy>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    if let Some(t) = bearer(&parts.headers) {
        p.seen.add(&t);
    }
    let path = parts.uri.path_and_query().map_or("/", |x| x.as_str());
    let mut rb = p
        .http
        .request(parts.method.clone(), format!("{}{path}", p.upstream))
        .body(body);
    for (k, v) in &parts.headers {
        if !matches!(
            k.as_str(),
            "host" | "content-length" | "accept-encoding" | "connection"
        ) {
            rb = rb.header(k, v);
        }
    }
    let Ok(r) = rb.send().await else {
        return Response::builder()
            .status(StatusCode::BAD_GATEWAY)
            .body(Body::empty())
            .unwrap();
    };
    let status = r.status();
    let headers = r.headers().clone();
    let bytes: Bytes = r.bytes().await.unwrap_or_default();
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes)
        && let Some(t) = v.get("access_token").and_then(|t| t.as_str())
    {
        p.seen.add(t);
    }
    let mut out = Response::builder().status(status);
    for (k, v) in &headers {
        if !matches!(
            k.as_str(),
            "content-length" | "content-encoding" | "transfer-encoding" | "connection"
        ) {
            out = out.header(k, v);
        }
    }
    out.body(Body::from(bytes)).unwrap()
}

fn bearer(h: &HeaderMap) -> Option<String> {
    let v = h.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, t) = v.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| t.trim().to_string())
}

/// A token from the simulator's token endpoint, as any client (the SDK) asks for one.
async fn issue_token(url: &str, id: &str, secret: &str) -> String {
    convoscope::genesys::client::install_crypto();
    let r = reqwest::Client::new()
        .post(format!("{url}/oauth/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "token: {}", r.status());
    let v: serde_json::Value = r.json().await.unwrap();
    v["access_token"].as_str().unwrap().to_string()
}

/// Fails, naming where, if `text` holds the secret or one of the tokens.
fn assert_clean(what: &str, text: &str, tokens: &[String]) {
    assert!(
        !text.contains(SECRET),
        "{what} shows the client secret:\n{text}"
    );
    for t in tokens {
        assert!(
            !text.contains(t.as_str()),
            "{what} shows an access token:\n{text}"
        );
    }
}

/// The browser in tmux: load the range, read a few details and the help, quit. Returns every
/// screen seen on the way, and the scrollback after the exit.
fn browse_and_capture(t: &Tmux) -> String {
    let mut seen = String::new();
    let form = t.wait("the form or an exit", |s| {
        s.contains("Range · times in UTC") || s.contains(tmux::EXITED)
    });
    assert!(form.contains("Range · times in UTC"), "no screen:\n{form}");
    seen.push_str(&form);
    // The range is on the command line: it loads at once, in the list.
    seen.push_str(&t.wait_for("✓ loaded"));
    for _ in 0..3 {
        t.keys(&["j"]);
        // The outside party: a customer, or a caller (`external` on voice).
        seen.push_str(&t.wait("a detail", |s| {
            (s.contains("◆ customer") || s.contains("↗ external"))
                && !s.contains("loading attributes")
        }));
    }
    t.keys(&["?"]);
    seen.push_str(&t.wait_for("Keys in the conversation list"));
    t.keys(&["Escape"]);
    // Read apart from the Escape, not as Alt-q (a slow machine reads both at once).
    t.wait("the help closed", |s| {
        !s.contains("Keys in the conversation list")
    });
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
    seen.push_str(&t.history());
    seen
}

fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_screen_a_panic_and_the_log_show_neither_secret_nor_token() {
    let mut cfg = config(60);
    cfg.client_secret = SECRET.into();
    let sim = sim(cfg).await;
    let seen = Arc::new(Seen::default());
    let url = recording_proxy(sim.url(), seen.clone()).await;
    let env_token = issue_token(&sim.url(), "demo", SECRET).await;
    let dir = tempfile::tempdir().unwrap();
    let logs: Vec<_> = ["browse-trace", "browse-debug", "token", "wrong", "panic"]
        .iter()
        .map(|n| dir.path().join(format!("{n}.log")))
        .collect();
    let sim_url = sim.url();
    let given = env_token.clone();

    let screens = tokio::task::spawn_blocking(move || {
        let browser = |log: &std::path::Path, level: &str, url: &str, id: bool| {
            format!(
                "{} --api-url {} {} --utc --from 2026-11-13 --to 2026-11-21 --media any \
                 --log-file {} --log-level {level}",
                bin(),
                sh_quote(url),
                if id { "--client-id demo" } else { "" },
                sh_path(log)
            )
        };
        let mut out = Vec::new();
        // The secret in the environment, at trace and at debug level.
        for (name, log, level) in [
            ("sec-trace", &logs[0], "trace"),
            ("sec-debug", &logs[1], "debug"),
        ] {
            let t = Launch::new(name, 160, 45, browser(log, level, &url, true))
                .env("GENESYSCLOUD_OAUTHCLIENT_SECRET", SECRET)
                .start();
            out.push((format!("the screen ({level} log)"), browse_and_capture(&t)));
        }
        // A token from elsewhere, in the environment.
        let t = Launch::new(
            "sec-token",
            160,
            45,
            browser(&logs[2], "trace", &sim_url, false),
        )
        .env("GENESYSCLOUD_ACCESS_TOKEN", &given)
        .start();
        out.push(("the screen (a given token)".into(), browse_and_capture(&t)));
        // A wrong secret on the command line: the error screen.
        let wrong = format!(
            "{} --client-secret {}",
            browser(&logs[3], "trace", &url, true),
            sh_quote(&format!("{SECRET}-wrong"))
        );
        let t = Launch::new("sec-wrong", 160, 45, wrong).start();
        assert_eq!(t.wait_exit(), 3);
        let s = t.history();
        assert!(s.contains("authentication failed"), "{s}");
        out.push(("the error screen of a wrong secret".into(), s));
        // A panic with the screen up (after authenticating: a token is held).
        let t = Launch::new("sec-panic", 160, 45, browser(&logs[4], "trace", &url, true))
            .env("GENESYSCLOUD_OAUTHCLIENT_SECRET", SECRET)
            .env("CONVOSCOPE_DEBUG_PANIC", "1")
            .env("RUST_BACKTRACE", "full")
            .start();
        assert_eq!(t.wait_exit(), 101);
        let s = t.history();
        assert!(s.contains(convoscope::tui::DEBUG_PANIC_MESSAGE), "{s}");
        out.push(("the panic output".into(), s));
        (out, logs)
    })
    .await
    .unwrap();
    let (screens, logs) = screens;

    let mut tokens = seen.all();
    assert!(
        tokens.len() >= 3,
        "the proxy saw the tokens the browser got and used: {tokens:?}"
    );
    tokens.push(env_token);
    for (what, text) in &screens {
        assert_clean(what, text, &tokens);
    }
    for log in &logs {
        let text = read(log);
        assert!(
            text.contains("api call"),
            "{} records API calls",
            log.display()
        );
        assert_clean(&format!("the log {}", log.display()), &text, &tokens);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn info_and_every_help_show_neither_secret_nor_token() {
    let sim = sim(config(5)).await;
    let token = issue_token(&sim.url(), "demo", "demo").await;
    let tokens = vec![token.clone()];
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_convoscope"));
        isolate(&mut c, home.path());
        let o = c
            .args(args)
            .env("GENESYSCLOUD_OAUTHCLIENT_ID", "demo")
            .env("GENESYSCLOUD_OAUTHCLIENT_SECRET", SECRET)
            .env("GENESYSCLOUD_ACCESS_TOKEN", &token)
            .output()
            .unwrap();
        (o.status.success(), all_text(&o))
    };

    let (ok, info) = run(&["info"]);
    assert!(ok, "{info}");
    assert!(
        info.contains("<set>"),
        "info says the secret is set:\n{info}"
    );
    assert_clean("convoscope info", &info, &tokens);
    let (ok, info) = run(&["info", "--client-secret", SECRET]);
    assert!(ok, "{info}");
    assert_clean("convoscope info --client-secret", &info, &tokens);

    use clap::CommandFactory;
    let cli = convoscope::cli::Cli::command();
    let mut runs: Vec<Vec<&str>> = vec![vec!["--help"], vec!["-h"], vec!["help"]];
    let subs: Vec<&str> = cli.get_subcommands().map(|c| c.get_name()).collect();
    assert!(
        subs.contains(&"sim") && subs.contains(&"export"),
        "{subs:?}"
    );
    for sub in &subs {
        runs.push(vec![sub, "--help"]);
        runs.push(vec![sub, "-h"]);
        runs.push(vec!["help", sub]);
    }
    runs.push(vec!["man"]);
    runs.push(vec!["completions", "bash"]);
    for args in runs {
        let (ok, text) = run(&args);
        assert!(ok, "convoscope {args:?}: {text}");
        assert_clean(&format!("convoscope {}", args.join(" ")), &text, &tokens);
    }
}
