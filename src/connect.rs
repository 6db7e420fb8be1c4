//! From connection options to a connected client: credentials, region or URLs, or the demo.

use std::sync::Arc;

use crate::cli::ConnectionArgs;
use crate::genesys::region::{DEFAULT_REGION, Region, login_url_for};
use crate::genesys::{Client, ClientConfig, Credentials, Error, Secret};
use crate::sim::{Sim, SimConfig};

/// A client, what to call the place it is connected to, and the embedded simulator if any.
pub struct Connection {
    pub client: Arc<Client>,
    /// `DEMO`, a region host (`mypurecloud.ie`), or an API URL.
    pub label: String,
    pub sim: Option<Sim>,
}

/// The simulator settings of `--demo`: a week of data with a few conversations still going on.
pub fn demo_config() -> SimConfig {
    SimConfig {
        addr: "127.0.0.1:0".into(),
        seed: 1,
        conversations: 3000,
        days: 7,
        active: 5,
        ..SimConfig::default()
    }
}

/// Builds the client the options describe, checking credentials before anything else.
pub async fn connect(args: &ConnectionArgs) -> Result<Connection, Error> {
    if args.demo {
        let cfg = demo_config();
        let (id, secret) = (cfg.client_id.clone(), cfg.client_secret.clone());
        let sim = Sim::start(cfg)
            .await
            .map_err(|e| Error::Config(format!("cannot start the demo simulator: {e}")))?;
        let url = sim.url();
        let client = Client::new(ClientConfig::new(
            &url,
            &url,
            Credentials::ClientCredentials {
                client_id: id,
                secret: Secret::new(secret),
            },
        ))?;
        return Ok(Connection {
            client: Arc::new(client),
            label: "DEMO".into(),
            sim: Some(sim),
        });
    }
    let (api, label) = match (&args.api_url, &args.region) {
        (Some(url), _) => (url.trim_end_matches('/').to_string(), url.clone()),
        (None, region) => {
            let r =
                Region::find(region.as_deref().unwrap_or(DEFAULT_REGION)).map_err(Error::Config)?;
            (r.api_base(), r.host.to_string())
        }
    };
    let login = match &args.login_url {
        Some(l) => l.trim_end_matches('/').to_string(),
        None => login_url_for(&api),
    };
    for (name, url) in [("--api-url", &api), ("--login-url", &login)] {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(Error::Config(format!(
                "{name} must start with https:// (or http:// for a local simulator): '{url}'"
            )));
        }
    }
    let credentials = match (&args.client_id, &args.client_secret) {
        (Some(id), Some(secret)) if !id.is_empty() && !secret.is_empty() => {
            Credentials::ClientCredentials {
                client_id: id.clone(),
                secret: Secret::new(secret.clone()),
            }
        }
        _ => match std::env::var("GENESYSCLOUD_ACCESS_TOKEN") {
            Ok(t) if !t.is_empty() => Credentials::Token(Secret::new(t)),
            _ => {
                return Err(Error::Config(
                    "no credentials: give an OAuth client (--client-id and \
                     GENESYSCLOUD_OAUTHCLIENT_SECRET, or --client-secret), or \
                     GENESYSCLOUD_ACCESS_TOKEN; or try the program with --demo"
                        .into(),
                ));
            }
        },
    };
    let client = Client::new(ClientConfig::new(&api, &login, credentials))?;
    client.authenticate().await?;
    Ok(Connection {
        client: Arc::new(client),
        label,
        sim: None,
    })
}
