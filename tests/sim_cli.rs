//! `convoscope sim` as a program: its first line, its flags, its data.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn sim_prints_its_url_first_and_accepts_the_given_credentials() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_convoscope"))
        .args([
            "sim",
            "--addr",
            "127.0.0.1:0",
            "--conversations",
            "50",
            "--client-id",
            "me",
            "--client-secret",
            "s3",
        ])
        .env_remove("GENESYSCLOUD_OAUTHCLIENT_ID")
        .env_remove("GENESYSCLOUD_OAUTHCLIENT_SECRET")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let url = first
        .trim()
        .strip_prefix("listening on ")
        .expect("first line")
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let export = |secret: &str| {
        Command::new(env!("CARGO_BIN_EXE_convoscope"))
            .args([
                "export",
                "--api-url",
                &url,
                "--client-id",
                "me",
                "--client-secret",
                secret,
                "--from",
                "-30d",
                "--to",
                "now",
            ])
            .env("CONVOSCOPE_CONFIG", "/dev/null")
            .output()
            .unwrap()
    };
    let ok = export("s3");
    let wrong = export("demo");
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&ok.stdout).lines().count(), 50);
    assert_eq!(wrong.status.code(), Some(3));
}

#[test]
fn bad_sim_flags_get_one_clear_line() {
    let out = Command::new(env!("CARGO_BIN_EXE_convoscope"))
        .args(["sim", "--faults", "teapot=0.5"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad --faults kind 'teapot'") && err.contains("429"),
        "{err}"
    );
}

#[test]
fn the_dump_holds_attributes_whole_as_an_export_delivers_them() {
    let out = Command::new(env!("CARGO_BIN_EXE_convoscope"))
        .args([
            "sim",
            "--dump",
            "--hostile",
            "--conversations",
            "40",
            "--until",
            "2026-11-20T00:00:00Z",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut long = 0;
    for line in text.lines() {
        let c: serde_json::Value = serde_json::from_str(line).unwrap();
        for p in c["participants"].as_array().unwrap() {
            assert!(
                p["attributes"].is_object(),
                "every participant has its attributes: {p}"
            );
            if matches!(p["purpose"].as_str(), Some("agent" | "user")) {
                assert!(p.get("participantName").is_none(), "{p}");
            }
            for (k, v) in p["attributes"].as_object().unwrap() {
                let v = v.as_str().unwrap();
                assert!(!k.is_empty());
                long += usize::from(v.chars().count() > 1024);
            }
        }
    }
    assert_eq!(text.lines().count(), 40);
    assert!(long > 0, "the hostile 20,000-character values, whole");
}

/// Stopped, the simulator says what it answered, and how many of those were 429: what an
/// audit of a client's pacing reads after a run.
#[tokio::test]
async fn stopped_the_sim_says_what_it_answered_and_how_many_429s() {
    use std::io::Read;
    let mut child = Command::new(env!("CARGO_BIN_EXE_convoscope"))
        .args([
            "sim",
            "--addr",
            "127.0.0.1:0",
            "--conversations",
            "10",
            "--rate-limit",
            "2",
        ])
        .env("CONVOSCOPE_CONFIG", "/dev/null")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let url = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_string();
    convoscope::genesys::client::install_crypto();
    let http = reqwest::Client::new();
    let token: serde_json::Value = http
        .post(format!("{url}/oauth/token"))
        .basic_auth("demo", Some("demo"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().unwrap();
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let r = http
            .get(format!("{url}/api/v2/organizations/me"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, [200, 200, 429]);
    // SAFETY: kill(2) on the pid of a child we spawned and have not reaped.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(child.wait().unwrap().success());
    assert!(
        err.contains("stopping; answered 4 requests, 1 of them 429"),
        "{err}"
    );
}
