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
