//! Servers that are not what they should be: one that echoes the Authorization header (raw or
//! base64) in its errors, a login URL that is wrong (404, 405), something that is not Genesys
//! Cloud at all (501, an HTML page), credentials in a URL. Secrets stay secret, the message names
//! the real cause, and nothing a server says reaches the terminal raw.

mod common;

use std::process::Output;

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use base64::Engine;
use common::*;

const ID: &str = "client-7de3af06";
const SECRET: &str = "Sup3r-S3cret-Value-42";
const TOKEN: &str = "eyJ0eXAiOiJKV1QifQ.T0k3n-Value-99";

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn auth_header(h: &HeaderMap) -> String {
    h.get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// A server that hands out [`TOKEN`] and then answers every API call 400 with a message that
/// echoes the Authorization header, raw and base64-encoded, with escape sequences around.
async fn echoing_api() -> String {
    let app = Router::new()
        .route(
            "/oauth/token",
            post(|| async {
                axum::Json(serde_json::json!({
                    "access_token": TOKEN, "token_type": "bearer", "expires_in": 86399
                }))
            }),
        )
        .fallback(|h: HeaderMap| async move {
            let a = auth_header(&h);
            let body = serde_json::json!({
                "message": format!(
                    "\x1b]0;pwned\x07bad request, you sent {a} (that is {}) \x1b[2J",
                    b64(&format!("Authorization: {a}"))
                ),
                "code": "bad.request", "status": 400, "contextId": "ctx-echo"
            });
            (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
        });
    serve(app).await
}

/// A login service that refuses the client, echoing its Basic header raw and in base64.
async fn echoing_login() -> String {
    let app = Router::new().route(
        "/oauth/token",
        post(|h: HeaderMap| async move {
            let a = auth_header(&h);
            let body = serde_json::json!({
                "error": "invalid_client",
                "description": format!("header {a} / {} rejected", b64(&a)),
            });
            (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response()
        }),
    );
    serve(app).await
}

async fn run(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        convoscope()
            .args(&args)
            .env("GENESYSCLOUD_OAUTHCLIENT_SECRET", SECRET)
            .env_remove("GENESYSCLOUD_REGION")
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn export_args(url: &str, log: &std::path::Path) -> Vec<String> {
    [
        "export",
        "--api-url",
        url,
        "--client-id",
        ID,
        "--log-file",
        log.to_str().unwrap(),
        "--log-level",
        "trace",
    ]
    .map(String::from)
    .to_vec()
}

fn assert_no_secret(what: &str, text: &str) {
    let basic = b64(&format!("{ID}:{SECRET}"));
    for s in [SECRET, TOKEN, basic.as_str(), "T0k3n-Value", "S3cret"] {
        assert!(!text.contains(s), "{what} shows {s}:\n{text}");
    }
    // Nor the secret or token inside a base64 text.
    for s in [SECRET, TOKEN] {
        for k in 0..3 {
            let enc = b64(&format!("{}{s}", "x".repeat(k)));
            let core = &enc[4..enc.len() - 4];
            assert!(!text.contains(core), "{what} shows {s} in base64:\n{text}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_that_echoes_the_authorization_header_shows_no_token() {
    let url = echoing_api().await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("convoscope.log");
    let out = run(export_args(&url, &log)).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(
        err.contains("bad request, you sent Bearer <redacted>"),
        "{err}"
    );
    assert!(err.contains("ctx-echo"), "{err}");
    assert_no_secret("stderr", &err);
    assert_no_secret("the log", &std::fs::read_to_string(&log).unwrap());
    // What the API said reaches the terminal escaped.
    assert!(!err.contains('\x1b'), "{err:?}");
    assert!(err.contains("\\e]0;pwned\\x07"), "{err}");

    // The client's own errors and call log, for the screen.
    let client = convoscope::genesys::Client::new(convoscope::genesys::ClientConfig::new(
        &url,
        &url,
        convoscope::genesys::Credentials::ClientCredentials {
            client_id: ID.into(),
            secret: convoscope::genesys::Secret::new(SECRET),
        },
    ))
    .unwrap();
    let e = client
        .conversation("c1", convoscope::genesys::client::CallOpts::default())
        .await
        .unwrap_err();
    assert_no_secret("the error", &format!("{e} {e:?}"));
    assert_no_secret("the call log", &format!("{:?}", client.call_log()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_answer_that_echoes_the_basic_header_shows_no_secret() {
    let url = echoing_login().await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("convoscope.log");
    let out = run(export_args(&url, &log)).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("invalid_client: header Basic <redacted>"),
        "{err}"
    );
    assert_no_secret("stderr", &err);
    assert_no_secret("the log", &std::fs::read_to_string(&log).unwrap());
    assert!(!err.contains("region"), "no region was used: {err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_login_url_is_named_not_blamed_on_the_secret() {
    let app = Router::new()
        // 405: the path exists, for GET only.
        .route("/get-only/oauth/token", get(|| async { "use GET" }))
        // 501 and an HTML page: not Genesys Cloud.
        .route(
            "/nope/oauth/token",
            post(|| async { StatusCode::NOT_IMPLEMENTED }),
        )
        .route(
            "/html/oauth/token",
            post(|| async {
                (
                    [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                    "<!DOCTYPE html><html><body>Welcome to nginx!</body></html>",
                )
            }),
        );
    let base = serve(app).await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("convoscope.log");
    for (path, want) in [
        ("/missing", "is wrong: it answered HTTP 404 (Not Found)"),
        (
            "/get-only",
            "is wrong: it answered HTTP 405 (Method Not Allowed)",
        ),
        ("/nope", "is not a Genesys Cloud API: it answered HTTP 501"),
        (
            "/html",
            "is not a Genesys Cloud API: it answered an HTML page (HTTP 200)",
        ),
    ] {
        let url = format!("{base}{path}");
        let out = run(export_args(&url, &log)).await;
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{path}: {err}");
        assert!(err.contains(want), "{path}: {err}");
        assert!(
            err.contains(&format!("{url}/oauth/token")),
            "names the URL: {err}"
        );
        assert!(err.contains("--login-url"), "{err}");
        assert!(
            !err.contains("secret") && !err.contains("region"),
            "{path}: not the secret, no region used: {err}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_in_the_api_url_are_masked_in_errors_info_and_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("convoscope.log");
    // Nothing listens on port 9: a network error that quotes the URL.
    let url = "http://admin:Pa55w0rd-in-url@127.0.0.1:9";
    let out = run(export_args(url, &log)).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(err.contains("http://<redacted>@127.0.0.1:9"), "{err}");
    let info = run(vec!["info".into(), "--api-url".into(), url.into()]).await;
    let info = String::from_utf8_lossy(&info.stdout).to_string();
    assert!(info.contains("http://<redacted>@127.0.0.1:9"), "{info}");
    for (what, text) in [
        ("stderr", err.to_string()),
        ("info", info),
        ("the log", std::fs::read_to_string(&log).unwrap()),
    ] {
        assert!(!text.contains("Pa55w0rd"), "{what}:\n{text}");
        assert!(!text.contains("admin:"), "{what}:\n{text}");
    }
}
