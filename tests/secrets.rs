//! The client secret and access tokens never appear in output, errors, logs, help or Debug.

mod common;

use std::process::Output;

use common::*;

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
