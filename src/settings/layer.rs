//! One layer of settings: what the command line with the environment, the config file, or a gc
//! profile sets, each value with where it came from. Every source produces this one type, and
//! resolving is one pick per field: [`Layer::over`].

use std::path::{Path, PathBuf};

use super::{Given, Source, Valued};
use crate::config::{Clipboard, Config, KeyBindings, Theme};
use crate::genesys::Secret;
use crate::genesys::query::Media;
use crate::profiles::GcProfile;

/// Where to connect, as one layer says it: checked once it has won (a bad region in a layer that
/// loses stops nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// An API base URL (`--api-url`, `GENESYSCLOUD_API_URL`).
    ApiUrl(String),
    /// A region host or id (`--region`, `region`, a profile's `environment`).
    Region(String),
}

/// What one source sets. A field is `None` when the source does not set it.
#[derive(Debug, Clone, Default)]
pub struct Layer {
    pub place: Option<Valued<Place>>,
    pub login_url: Option<Valued<String>>,
    /// The gc profile to read (a name as the user typed it).
    pub profile: Option<Valued<String>>,
    pub client_id: Option<Valued<String>>,
    pub client_secret: Option<Valued<Secret>>,
    pub access_token: Option<Valued<Secret>>,
    pub media: Option<Valued<Media>>,
    pub from: Option<Valued<String>>,
    pub to: Option<Valued<String>>,
    pub utc: Option<Valued<bool>>,
    pub watch_interval: Option<Valued<u64>>,
    pub concurrency: Option<Valued<u16>>,
    pub columns: Option<Valued<Vec<String>>>,
    pub clipboard: Option<Valued<Clipboard>>,
    pub mouse: Option<Valued<bool>>,
    pub theme: Option<Valued<Theme>>,
    pub keys: Option<Valued<KeyBindings>>,
    pub log_level: Option<Valued<String>>,
    pub log_file: Option<Valued<PathBuf>>,
}

impl Layer {
    /// This layer over a lower one: each field from here when this layer sets it, else from
    /// `lower`.
    pub fn over(self, lower: Layer) -> Layer {
        Layer {
            place: self.place.or(lower.place),
            login_url: self.login_url.or(lower.login_url),
            profile: self.profile.or(lower.profile),
            client_id: self.client_id.or(lower.client_id),
            client_secret: self.client_secret.or(lower.client_secret),
            access_token: self.access_token.or(lower.access_token),
            media: self.media.or(lower.media),
            from: self.from.or(lower.from),
            to: self.to.or(lower.to),
            utc: self.utc.or(lower.utc),
            watch_interval: self.watch_interval.or(lower.watch_interval),
            concurrency: self.concurrency.or(lower.concurrency),
            columns: self.columns.or(lower.columns),
            clipboard: self.clipboard.or(lower.clipboard),
            mouse: self.mouse.or(lower.mouse),
            theme: self.theme.or(lower.theme),
            keys: self.keys.or(lower.keys),
            log_level: self.log_level.or(lower.log_level),
            log_file: self.log_file.or(lower.log_file),
        }
    }

    /// Whether this layer gives working credentials on its own: an OAuth client or a token.
    pub fn has_credentials(&self) -> bool {
        (self.client_id.is_some() && self.client_secret.is_some()) || self.access_token.is_some()
    }

    /// What a validated config file sets, from `path`.
    pub fn from_config(cfg: Config, path: &Path) -> Layer {
        let src = Source::ConfigFile(path.to_path_buf());
        Layer {
            place: from(cfg.region.map(Place::Region), &src),
            profile: from(cfg.profile, &src),
            media: from(cfg.media, &src),
            from: from(cfg.from, &src),
            to: from(cfg.to, &src),
            utc: from(cfg.utc, &src),
            watch_interval: from(cfg.watch_interval, &src),
            concurrency: from(cfg.concurrency, &src),
            columns: from(cfg.columns, &src),
            clipboard: from(cfg.clipboard, &src),
            mouse: from(cfg.mouse, &src),
            theme: from(cfg.theme, &src),
            keys: from((!cfg.keys.is_empty()).then_some(cfg.keys), &src),
            log_level: from(cfg.log_level, &src),
            log_file: from(cfg.log_file, &src),
            ..Layer::default()
        }
    }

    /// What a gc profile sets: the place and the credentials.
    pub fn from_gc(profile: &GcProfile, path: &Path) -> Layer {
        let src = Source::GcProfile {
            name: profile.name.clone(),
            path: path.to_path_buf(),
        };
        let p = profile.clone();
        Layer {
            place: from(p.environment.map(Place::Region), &src),
            client_id: from(p.client_id, &src),
            client_secret: from(p.client_secret, &src),
            access_token: from(p.access_token, &src),
            ..Layer::default()
        }
    }
}

/// A value set by `source`, if set.
fn from<T>(value: Option<T>, source: &Source) -> Option<Valued<T>> {
    value.map(|v| Valued::new(v, source.clone()))
}

impl Given {
    /// The layer of the command line with the environment. Where to connect is the API URL or the
    /// region, whichever has the higher source (a flag beats a variable); an API URL when both
    /// come from the same level.
    pub fn layer(&self) -> Layer {
        let place = [
            self.api_url.clone().map(|v| v.map(Place::ApiUrl)),
            self.region.clone().map(|v| v.map(Place::Region)),
        ]
        .into_iter()
        .flatten()
        .min_by_key(|v| v.source.rank());
        Layer {
            place,
            login_url: self.login_url.clone(),
            profile: self.profile.clone(),
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            access_token: self.access_token.clone(),
            media: self.media.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            utc: self.utc.clone(),
            watch_interval: self.watch_interval.clone(),
            concurrency: self.concurrency.clone(),
            columns: None,
            clipboard: self.clipboard.clone(),
            mouse: self.mouse.clone(),
            theme: None,
            keys: None,
            log_level: self.log_level.clone(),
            log_file: self.log_file.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flag<T>(v: T, name: &str) -> Option<Valued<T>> {
        Some(Valued::new(v, Source::flag(name)))
    }
    fn envv<T>(v: T, name: &str) -> Option<Valued<T>> {
        Some(Valued::new(v, Source::env(name)))
    }

    #[test]
    fn a_higher_layer_wins_field_by_field() {
        let high = Layer {
            media: flag(Media::Voice, "--media"),
            ..Layer::default()
        };
        let low = Layer {
            media: envv(Media::Chat, "X"),
            utc: envv(true, "Y"),
            ..Layer::default()
        };
        let l = high.over(low);
        assert_eq!(l.media.unwrap().value, Media::Voice);
        assert_eq!(l.utc.unwrap().source, Source::env("Y"));
        assert!(l.theme.is_none());
    }

    #[test]
    fn the_command_lines_place_is_the_higher_source() {
        let url = || envv("http://127.0.0.1:9".to_string(), "GENESYSCLOUD_API_URL");
        let g = Given {
            api_url: url(),
            region: flag("eu-west-1".into(), "--region"),
            ..Given::default()
        };
        assert_eq!(
            g.layer().place.unwrap().value,
            Place::Region("eu-west-1".into())
        );
        let g = Given {
            api_url: url(),
            region: envv("eu-west-1".into(), "GENESYSCLOUD_REGION"),
            ..Given::default()
        };
        assert_eq!(
            g.layer().place.unwrap().value,
            Place::ApiUrl("http://127.0.0.1:9".into())
        );
        assert!(Given::default().layer().place.is_none());
    }

    #[test]
    fn credentials_are_a_client_with_its_secret_or_a_token() {
        let mut l = Layer {
            client_id: flag("id".into(), "--client-id"),
            ..Layer::default()
        };
        assert!(!l.has_credentials());
        l.client_secret = envv(Secret::new("s"), "S");
        assert!(l.has_credentials());
        let t = Layer {
            access_token: envv(Secret::new("t"), "T"),
            ..Layer::default()
        };
        assert!(t.has_credentials());
    }
}
