//! The value of each setting as a type that checks itself when serde reads it, so that a bad value
//! in the config file is reported by TOML at its own line, with what is accepted.
//!
//! Named values (media, clipboard, theme) read a string through their `FromStr`, which accepts
//! what the command line accepts; numbers are bounded; strings that name something (a region, a
//! time, a log level) are checked the way the program will use them.

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::de::{self, Deserialize, Deserializer, Visitor};

/// The longest watch interval accepted, in seconds (a day).
pub const MAX_WATCH_INTERVAL: u64 = 86_400;
/// The concurrency range accepted (as `--concurrency`).
pub const CONCURRENCY_RANGE: std::ops::RangeInclusive<u16> = 1..=16;

/// How values are copied to the clipboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Clipboard {
    /// The OSC 52 terminal escape: works over SSH and in tmux (with `set-clipboard on`).
    #[default]
    Osc52,
    /// Never touch the clipboard: copying shows the value instead.
    Off,
}

impl Clipboard {
    pub const ACCEPTED: &str = "osc52, off";
    pub fn name(self) -> &'static str {
        match self {
            Clipboard::Osc52 => "osc52",
            Clipboard::Off => "off",
        }
    }
}

impl FromStr for Clipboard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "osc52" => Ok(Clipboard::Osc52),
            "off" => Ok(Clipboard::Off),
            _ => Err(format!(
                "unknown clipboard mode '{s}': use one of {}",
                Self::ACCEPTED
            )),
        }
    }
}

/// The colour theme of the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    Dark,
    Light,
    /// No colours at all: modifiers only (as with `NO_COLOR`).
    Mono,
}

impl Theme {
    pub const ACCEPTED: &str = "dark, light, mono";
    pub fn name(self) -> &'static str {
        match self {
            Theme::Dark => "dark",
            Theme::Light => "light",
            Theme::Mono => "mono",
        }
    }
}

impl FromStr for Theme {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "dark" => Ok(Theme::Dark),
            "light" => Ok(Theme::Light),
            "mono" => Ok(Theme::Mono),
            _ => Err(format!(
                "unknown theme '{s}': use one of {}",
                Self::ACCEPTED
            )),
        }
    }
}

/// A string checked by a function: the check's message is the error.
fn checked_string<'de, D, T>(
    d: D,
    expecting: &'static str,
    check: impl Fn(&str) -> Result<T, String>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    struct V(&'static str);
    impl Visitor<'_> for V {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str(self.0)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_string())
        }
    }
    let s = d.deserialize_str(V(expecting))?;
    check(&s).map_err(de::Error::custom)
}

/// A value read from a string by its `FromStr`, which accepts what the command line accepts (the
/// media's aliases, any case) and says what it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Named<T>(pub T);

impl<'de, T: FromStr<Err = String>> Deserialize<'de> for Named<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        checked_string(d, "a name, as a string", T::from_str).map(Named)
    }
}

impl<'de> Deserialize<'de> for Clipboard {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Named::deserialize(d).map(|n| n.0)
    }
}

impl<'de> Deserialize<'de> for Theme {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Named::deserialize(d).map(|n| n.0)
    }
}

/// A whole number from `LO` to `HI`; `UNIT` says what it counts, for the messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounded<const LO: u64, const HI: u64, U>(pub u64, PhantomData<U>);

/// What a [`Bounded`] counts: the words of its messages.
pub trait Unit {
    /// `give {GIVE} LO to HI`: "seconds from", "" ...
    const GIVE: &'static str;
}

/// Seconds between watch refreshes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seconds;
impl Unit for Seconds {
    const GIVE: &'static str = "seconds from ";
}

/// A count of requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count;
impl Unit for Count {
    const GIVE: &'static str = "";
}

/// `watch_interval`: 1 to a day.
pub type WatchInterval = Bounded<1, MAX_WATCH_INTERVAL, Seconds>;
/// `concurrency`: as `--concurrency`.
pub type Concurrency =
    Bounded<{ *CONCURRENCY_RANGE.start() as u64 }, { *CONCURRENCY_RANGE.end() as u64 }, Count>;

impl<const LO: u64, const HI: u64, U: Unit> Bounded<LO, HI, U> {
    fn accepted() -> String {
        format!("give {}{LO} to {HI}", U::GIVE)
    }
    fn check<E: de::Error>(n: i128) -> Result<Self, E> {
        if (LO as i128..=HI as i128).contains(&n) {
            Ok(Bounded(n as u64, PhantomData))
        } else {
            Err(E::custom(format!(
                "{n} is out of range: {}",
                Self::accepted()
            )))
        }
    }
}

impl<'de, const LO: u64, const HI: u64, U: Unit> Deserialize<'de> for Bounded<LO, HI, U> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<const LO: u64, const HI: u64, U>(PhantomData<U>);
        impl<const LO: u64, const HI: u64, U: Unit> Visitor<'_> for V<LO, HI, U> {
            type Value = Bounded<LO, HI, U>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "a whole number: {}", Bounded::<LO, HI, U>::accepted())
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Bounded::check(v as i128)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Bounded::check(v as i128)
            }
            fn visit_i128<E: de::Error>(self, v: i128) -> Result<Self::Value, E> {
                Bounded::check(v)
            }
            fn visit_u128<E: de::Error>(self, v: u128) -> Result<Self::Value, E> {
                Bounded::check(v.min(i128::MAX as u128) as i128)
            }
        }
        d.deserialize_any(V::<LO, HI, U>(PhantomData))
    }
}

/// Checks a log level: `error`, `warn`, `info`, `debug`, `trace`, `off`, or a filter such as
/// `warn,convoscope=debug` (the `tracing` EnvFilter syntax).
pub fn check_log_level(s: &str) -> Result<(), String> {
    const LEVELS: [&str; 6] = ["off", "error", "warn", "info", "debug", "trace"];
    let accepted =
        "use error, warn, info, debug, trace, off, or a filter like 'warn,convoscope=debug'";
    if s.trim().is_empty() {
        return Err(format!("empty log level: {accepted}"));
    }
    for d in s.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        let level = d.rsplit_once('=').map_or(d, |(_, l)| l);
        if !LEVELS.contains(&level.to_ascii_lowercase().as_str()) {
            return Err(format!("invalid log level '{s}': {accepted}"));
        }
    }
    tracing_subscriber::EnvFilter::try_new(s)
        .map(|_| ())
        .map_err(|e| format!("invalid log level '{s}' ({e}): {accepted}"))
}

/// Defines a string setting checked by a function.
macro_rules! checked_strings {
    ($($(#[$doc:meta])* $name:ident: $expecting:literal => $check:expr;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(pub String);

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let check: fn(&str) -> Result<(), String> = $check;
                checked_string(d, $expecting, |s| check(s).map(|()| $name(s.to_string())))
            }
        }
    )*};
}

checked_strings! {
    /// `log_level`.
    LogLevel: "a log level, as a string" => check_log_level;
    /// `region`: a host or an AWS-style id that names a region.
    RegionName: "a region, as a string" => |s| crate::genesys::region::Region::find(s).map(|_| ());
    /// `from`, `to`: a time as the command line takes it.
    TimeSpec: "a time, as a string" => |s| {
        crate::timespec::parse(s, crate::timespec::Zone::Utc, chrono::Utc::now()).map(|_| ())
    };
    /// `profile`: the name of a gc profile.
    ProfileName: "a profile name, as a string" => |s| {
        if s.trim().is_empty() {
            Err("empty profile name: give the name of a profile in ~/.gc/config.toml".into())
        } else {
            Ok(())
        }
    };
    /// `log_file`: a path (made absolute against the config file's directory).
    FilePath: "a path, as a string" => |s| {
        if s.trim().is_empty() { Err("empty path".into()) } else { Ok(()) }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genesys::query::Media;

    fn read<T: for<'de> Deserialize<'de>>(toml_value: &str) -> Result<T, String> {
        toml::de::ValueDeserializer::parse(toml_value)
            .and_then(T::deserialize)
            .map_err(|e| e.message().to_string())
    }

    #[test]
    fn named_values_accept_what_the_command_line_accepts() {
        assert_eq!(
            read::<Named<Media>>("\"Web\"").unwrap().0,
            Media::Webmessaging
        );
        assert_eq!(read::<Theme>("\"MONO\"").unwrap(), Theme::Mono);
        assert_eq!(read::<Clipboard>("\"off\"").unwrap(), Clipboard::Off);
        let e = read::<Theme>("\"pink\"").unwrap_err();
        assert_eq!(e, "unknown theme 'pink': use one of dark, light, mono");
        let e = read::<Clipboard>("3").unwrap_err();
        assert!(e.contains("expected a name, as a string"), "{e}");
    }

    #[test]
    fn bounded_numbers_say_their_range() {
        assert_eq!(read::<Concurrency>("16").unwrap().0, 16);
        assert_eq!(read::<WatchInterval>("86400").unwrap().0, 86_400);
        assert_eq!(
            read::<Concurrency>("0").unwrap_err(),
            "0 is out of range: give 1 to 16"
        );
        assert_eq!(
            read::<WatchInterval>("-5").unwrap_err(),
            "-5 is out of range: give seconds from 1 to 86400"
        );
        assert!(read::<Concurrency>("99999999999999999999").is_err());
        let e = read::<Concurrency>("\"4\"").unwrap_err();
        assert!(e.contains("expected a whole number: give 1 to 16"), "{e}");
        let e = read::<WatchInterval>("2.5").unwrap_err();
        assert!(e.contains("expected a whole number"), "{e}");
    }

    #[test]
    fn strings_are_checked_as_they_will_be_used() {
        assert!(read::<RegionName>("\"eu-west-1\"").is_ok());
        assert!(
            read::<RegionName>("\"mars-1\"")
                .unwrap_err()
                .contains("unknown region 'mars-1'")
        );
        assert!(read::<TimeSpec>("\"-2h\"").is_ok());
        assert!(read::<TimeSpec>("\"last tuesday\"").is_err());
        assert!(read::<LogLevel>("\"warn,convoscope=debug\"").is_ok());
        assert!(
            read::<LogLevel>("\"verbose\"")
                .unwrap_err()
                .contains("invalid log level")
        );
        assert!(read::<ProfileName>("\" \"").is_err());
        assert!(read::<FilePath>("\"\"").is_err());
        assert!(read::<FilePath>("true").unwrap_err().contains("a path"));
    }
}

/// `columns`: the list's columns, left to right, by title (any case); each at most once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnList(pub Vec<String>);

impl<'de> Deserialize<'de> for ColumnList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let names = Vec::<String>::deserialize(d)?;
        crate::tui::columns::pick(&names)
            .map(|idx| {
                ColumnList(
                    idx.into_iter()
                        .map(|i| crate::tui::columns::COLUMNS[i].title.to_string())
                        .collect(),
                )
            })
            .map_err(serde::de::Error::custom)
    }
}
