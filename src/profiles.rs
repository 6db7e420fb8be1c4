//! The `gc` CLI's profile file, `~/.gc/config.toml`: one TOML table per profile, so that an
//! existing `gc` user needs no set-up.
//!
//! Names are matched case-insensitively (`gc` writes them lower-case); the default profile is
//! `DEFAULT`. Keys read: `environment` (a host such as `mypurecloud.ie`, or a region id such as
//! `eu-west-1`), `client_credentials` (the CLIENT ID, despite its name), `client_secret`,
//! `access_token`. Every other key (`grant_type`, proxy settings, ...) belongs to `gc` and is left
//! alone. The file is `gc`'s, not ours: it is only read.

use std::path::{Path, PathBuf};

use crate::genesys::Secret;

/// One profile of the file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GcProfile {
    /// The name as written in the file.
    pub name: String,
    /// `environment`: a host or a region id.
    pub environment: Option<String>,
    /// `client_credentials`: the OAuth client id.
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    pub access_token: Option<Secret>,
    /// What is wrong with the keys read here (a number where a string belongs), one line each
    /// with the file and line: an error only for a run that uses this profile.
    pub problems: Vec<String>,
}

/// The profiles of one file.
#[derive(Debug, Clone)]
pub struct GcProfiles {
    pub path: PathBuf,
    pub profiles: Vec<GcProfile>,
}

/// Where `gc` keeps its profiles under a home directory.
pub fn path_in(home: &Path) -> PathBuf {
    home.join(".gc").join("config.toml")
}

impl GcProfiles {
    /// A warning, as ssh gives, when the file holds a secret and others may read it.
    pub fn permission_warning(&self) -> Option<String> {
        let holds_secret = self
            .profiles
            .iter()
            .any(|p| p.client_secret.is_some() || p.access_token.is_some());
        if !holds_secret {
            return None;
        }
        readable_by_others(&self.path).then(|| {
            format!(
                "warning: {} holds a secret and others can read it; make it private with: chmod 600 {}",
                self.path.display(),
                self.path.display()
            )
        })
    }

    /// Reads the file: `Ok(None)` when there is none. A directory, bytes that are not UTF-8 or
    /// TOML that does not parse are an error, one line per problem, each with the file and line.
    pub fn load(path: &Path) -> Result<Option<GcProfiles>, String> {
        match crate::config::read_text(path) {
            Ok(Some(text)) => GcProfiles::parse(&text, path).map(Some),
            Ok(None) => Ok(None),
            Err(problem) => Err(Self::message(path, &problem)),
        }
    }

    fn message(path: &Path, (line, msg): &(usize, String)) -> String {
        let msg = crate::config::one_line(msg);
        match line {
            0 => format!("gc profile file {}: {msg}", path.display()),
            l => format!("gc profile file {}, line {l}: {msg}", path.display()),
        }
    }

    pub fn parse(text: &str, path: &Path) -> Result<GcProfiles, String> {
        let (repaired, problems) = crate::config::parse_toml(text);
        if !problems.is_empty() {
            let lines: Vec<String> = problems.iter().map(|p| Self::message(path, p)).collect();
            return Err(lines.join("\n"));
        }
        let mut profiles = Vec::new();
        for (name, value) in crate::config::table(&repaired).get_ref() {
            let Some(t) = value.get_ref().as_table() else {
                // A top-level key that is not a profile: gc's business.
                continue;
            };
            let name: &str = name.get_ref();
            let mut problems = Vec::new();
            let mut get = |k: &str| {
                let v = t.get(k)?;
                match v.get_ref().as_str() {
                    Some(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
                    None => {
                        let line = crate::config::line_of(text, &v.span());
                        problems.push(Self::message(
                            path,
                            &(
                                line,
                                format!(
                                    "profile '{name}': {k} must be a string, not {}",
                                    v.get_ref().type_str()
                                ),
                            ),
                        ));
                        None
                    }
                }
            };
            profiles.push(GcProfile {
                name: name.to_string(),
                environment: get("environment"),
                client_id: get("client_credentials"),
                client_secret: get("client_secret").map(Secret::new),
                access_token: get("access_token").map(Secret::new),
                problems,
            });
        }
        profiles.sort_by_key(|p| p.name.to_ascii_lowercase());
        Ok(GcProfiles {
            path: path.to_path_buf(),
            profiles,
        })
    }

    /// The profile of that name, matched case-insensitively.
    pub fn find(&self, name: &str) -> Option<&GcProfile> {
        let name = name.trim();
        self.profiles
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }

    pub fn names(&self) -> Vec<&str> {
        self.profiles.iter().map(|p| p.name.as_str()).collect()
    }

    /// The message for a profile that is not there, listing the ones that are.
    pub fn unknown(&self, name: &str) -> String {
        let names = self.names();
        format!(
            "unknown gc profile '{name}' in {}: {}",
            self.path.display(),
            if names.is_empty() {
                "the file has no profiles".to_string()
            } else {
                format!("the profiles are {}", names.join(", "))
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
[default]
environment = "mypurecloud.ie"
client_credentials = "7de3af06-id"
client_secret = "s3cret"
grant_type = "client_credentials"
logging_enabled = false

[Dev]
environment = "usw2.pure.cloud"
access_token = "tok"

[empty]
client_secret = ""
"#;

    fn profiles() -> GcProfiles {
        GcProfiles::parse(FILE, Path::new("/h/.gc/config.toml")).unwrap()
    }

    #[test]
    fn client_credentials_is_the_client_id() {
        let p = profiles();
        let d = p.find("DEFAULT").unwrap();
        assert_eq!(d.environment.as_deref(), Some("mypurecloud.ie"));
        assert_eq!(d.client_id.as_deref(), Some("7de3af06-id"));
        assert_eq!(d.client_secret.as_ref().unwrap().expose(), "s3cret");
        assert!(d.access_token.is_none());
    }

    #[test]
    fn names_match_case_insensitively() {
        let p = profiles();
        assert_eq!(p.find("dev").unwrap().name, "Dev");
        assert_eq!(
            p.find(" DEV ")
                .unwrap()
                .access_token
                .as_ref()
                .unwrap()
                .expose(),
            "tok"
        );
        assert_eq!(p.find("Default").unwrap().name, "default");
        assert!(p.find("prod").is_none());
    }

    #[test]
    fn empty_values_are_absent_and_unknown_keys_ignored() {
        let p = profiles();
        assert_eq!(
            p.find("empty").unwrap(),
            &GcProfile {
                name: "empty".into(),
                environment: None,
                client_id: None,
                client_secret: None,
                access_token: None,
                problems: vec![],
            }
        );
    }

    #[test]
    fn an_unknown_profile_lists_the_ones_there() {
        let m = profiles().unknown("prod");
        assert_eq!(
            m,
            "unknown gc profile 'prod' in /h/.gc/config.toml: the profiles are default, Dev, empty"
        );
    }

    #[test]
    fn a_broken_file_says_where() {
        let e = GcProfiles::parse("[default]\nenvironment = \n", Path::new("/g")).unwrap_err();
        assert!(e.starts_with("gc profile file /g, line 2:"), "{e}");
    }

    #[test]
    fn a_value_of_the_wrong_type_is_a_problem_of_its_profile_only() {
        let p = GcProfiles::parse(
            "[default]\nclient_secret = \"s\"\n[dev]\nenvironment = [\"x\"]\nclient_secret = 12\n",
            Path::new("/g"),
        )
        .unwrap();
        assert!(p.find("default").unwrap().problems.is_empty());
        let dev = p.find("dev").unwrap();
        assert_eq!(
            dev.problems,
            [
                "gc profile file /g, line 4: profile 'dev': environment must be a string, not array",
                "gc profile file /g, line 5: profile 'dev': client_secret must be a string, not integer"
            ]
        );
        assert!(dev.environment.is_none() && dev.client_secret.is_none());
    }

    #[test]
    fn every_broken_line_is_reported() {
        let e = GcProfiles::parse(
            "[default]\nenvironment = \"x\nclient_secret = tru\n",
            Path::new("/g"),
        )
        .unwrap_err();
        assert_eq!(e.lines().count(), 2, "{e}");
        assert!(
            e.lines()
                .all(|l| l.starts_with("gc profile file /g, line ")),
            "{e}"
        );
    }

    #[test]
    fn a_missing_file_is_no_profiles() {
        let dir = tempfile::tempdir().unwrap();
        assert!(
            GcProfiles::load(&dir.path().join("nope.toml"))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let s = format!("{:?}", profiles());
        assert!(!s.contains("s3cret") && !s.contains("tok\""), "{s}");
    }
}

/// Whether the group or others may read the file.
#[cfg(unix)]
pub fn readable_by_others(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o044 != 0)
}

#[cfg(not(unix))]
pub fn readable_by_others(_: &Path) -> bool {
    false
}

#[cfg(all(test, unix))]
mod permission_tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_secret_readable_by_others_gets_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "[default]\nclient_credentials = \"id\"\nclient_secret = \"s\"\n",
        )
        .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let gc = GcProfiles::load(&path).unwrap().unwrap();
        let w = gc.permission_warning().expect("a warning");
        assert!(w.contains("chmod 600") && !w.contains("\"s\""), "{w}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(gc.permission_warning(), None);
        // No secret in it: nothing to protect.
        std::fs::write(&path, "[default]\nenvironment = \"mypurecloud.ie\"\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(
            GcProfiles::load(&path)
                .unwrap()
                .unwrap()
                .permission_warning(),
            None
        );
    }
}
