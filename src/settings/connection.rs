//! How to reach Genesys Cloud: the place and the credentials that won, with their sources.

use std::path::PathBuf;

use super::layer::{Layer, Place};
use super::{Source, Valued, env};
use crate::genesys::region::{DEFAULT_REGION, Region, login_url_for};
use crate::genesys::{Credentials, Error, Secret};

/// How to reach Genesys Cloud, with sources.
#[derive(Debug, Clone)]
pub struct ConnectionSettings {
    /// `--demo`: the embedded simulator; everything else here is then unused.
    pub demo: bool,
    /// The `gc` profile in use (its name as written in the file), and what chose it.
    pub profile: Option<Valued<String>>,
    /// The file of that profile.
    pub profile_file: Option<PathBuf>,
    pub api_url: Valued<String>,
    pub login_url: Valued<String>,
    /// The region, when the API URL is a region's.
    pub region: Option<Region>,
    /// What to call the place: a region host, or the API URL.
    pub label: String,
    pub client_id: Option<Valued<String>>,
    pub client_secret: Option<Valued<Secret>>,
    pub access_token: Option<Valued<Secret>>,
}

impl ConnectionSettings {
    /// The embedded simulator.
    pub fn demo() -> ConnectionSettings {
        let demo = Source::flag("--demo");
        ConnectionSettings {
            demo: true,
            profile: None,
            profile_file: None,
            api_url: Valued::new("the embedded simulator".into(), demo.clone()),
            login_url: Valued::new("the embedded simulator".into(), demo),
            region: None,
            label: "DEMO".into(),
            client_id: None,
            client_secret: None,
            access_token: None,
        }
    }

    /// From the layers resolved into one: the place that won (the default region when none
    /// names one), checked now, and the credentials. `profile` is the gc profile in use, with
    /// what chose it and its file.
    pub fn from_layer(
        layer: &Layer,
        profile: Option<(Valued<String>, PathBuf)>,
    ) -> Result<ConnectionSettings, String> {
        let place = layer
            .place
            .clone()
            .unwrap_or_else(|| Valued::new(Place::Region(DEFAULT_REGION.into()), Source::Default));
        let (api_url, region, label) = match place.value {
            Place::ApiUrl(u) => {
                let url = u.trim_end_matches('/').to_string();
                (Valued::new(url, place.source), None, u)
            }
            Place::Region(r) => {
                let region = Region::find(&r)
                    .map_err(|e| format!("{e} (the region comes from {})", place.source))?;
                (
                    Valued::new(region.api_base(), place.source),
                    Some(region),
                    region.host.to_string(),
                )
            }
        };
        let login_url = match &layer.login_url {
            Some(l) => Valued::new(l.value.trim_end_matches('/').to_string(), l.source.clone()),
            None => Valued::new(login_url_for(&api_url.value), api_url.source.clone()),
        };
        for (name, url) in [("API URL", &api_url), ("login URL", &login_url)] {
            if !(url.value.starts_with("https://") || url.value.starts_with("http://")) {
                return Err(format!(
                    "the {name} must start with https:// (or http:// for a local simulator): \
                     '{}' ({})",
                    url.value, url.source
                ));
            }
        }
        let (profile, profile_file) = profile.unzip();
        Ok(ConnectionSettings {
            demo: false,
            profile,
            profile_file,
            api_url,
            login_url,
            region,
            label,
            client_id: layer.client_id.clone(),
            client_secret: layer.client_secret.clone(),
            access_token: layer.access_token.clone(),
        })
    }

    /// The credentials to use: the OAuth client when both id and secret are set, unless a token
    /// comes from a higher-precedence source (say `GENESYSCLOUD_ACCESS_TOKEN` over a profile).
    pub fn credentials(&self) -> Result<Credentials, Error> {
        let client = match (&self.client_id, &self.client_secret) {
            (Some(id), Some(secret)) => Some((id, secret)),
            _ => None,
        };
        match (client, &self.access_token) {
            (Some((id, s)), Some(t)) if t.source.rank() < id.source.rank().min(s.source.rank()) => {
                Ok(Credentials::Token(t.value.clone()))
            }
            (Some((id, s)), _) => Ok(Credentials::ClientCredentials {
                client_id: id.value.clone(),
                secret: s.value.clone(),
            }),
            (None, Some(t)) => Ok(Credentials::Token(t.value.clone())),
            (None, None) => Err(Error::Config(self.missing_credentials())),
        }
    }

    /// Why there are no credentials: the half of a client that is there and where it came from
    /// (a gc profile is named with the key it lacks), or what can give them.
    fn missing_credentials(&self) -> String {
        let in_profile =
            |name: &str, path: &PathBuf| format!("gc profile '{name}' in {}", path.display());
        match (&self.client_id, &self.client_secret) {
            (Some(id), _) => match &id.source {
                Source::GcProfile { name, path } => format!(
                    "{} has client_credentials (the client id) but no client_secret: add \
                     client_secret to it, or give {}",
                    in_profile(name, path),
                    env::CLIENT_SECRET
                ),
                src => format!(
                    "the OAuth client id ({src}) has no secret: give {} (or --client-secret)",
                    env::CLIENT_SECRET
                ),
            },
            (None, Some(secret)) => match &secret.source {
                Source::GcProfile { name, path } => format!(
                    "{} has a client_secret but no client_credentials (the client id): add \
                     client_credentials to it, or give --client-id",
                    in_profile(name, path)
                ),
                src => format!(
                    "the OAuth client secret ({src}) has no client id: give --client-id (or {})",
                    env::CLIENT_ID
                ),
            },
            (None, None) => {
                let or_else = format!(
                    "give an OAuth client (--client-id and {}, or --client-secret), or {}",
                    env::CLIENT_SECRET,
                    env::ACCESS_TOKEN
                );
                match (&self.profile, &self.profile_file) {
                    (Some(p), Some(path)) => format!(
                        "no credentials: {} has no client_credentials and client_secret (nor \
                         access_token): add them to it, or {or_else}",
                        in_profile(&p.value, path)
                    ),
                    _ => format!(
                        "no credentials: {or_else}, or a gc profile with client_credentials and \
                         client_secret (~/.gc/config.toml; --profile NAME); or try the program \
                         with --demo"
                    ),
                }
            }
        }
    }
}
