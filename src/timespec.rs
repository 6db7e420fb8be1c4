//! Time input as people type it: RFC 3339, `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]`, and relative
//! forms (`now`, `today`, `yesterday`, `-2h`, `-7d`, `-30m`, `-45s`, `-1w`).
//!
//! As the end of a range, a day (`2026-11-28`, `today`, `yesterday`) means through its end
//! ([`parse_end`]): `--from 2026-11-28 --to 2026-11-28` is that whole day.
//!
//! Times without an offset are read in the given zone (local, or UTC with `--utc`). Pure: the
//! current instant is an argument, so that tests and the screen's state updates stay deterministic.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// The zone that times without an offset are read and shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Zone {
    #[default]
    Local,
    Utc,
}

impl Zone {
    /// Reads a wall-clock time in this zone; `None` when it does not exist (a DST gap).
    pub fn from_naive(self, t: NaiveDateTime) -> Option<DateTime<Utc>> {
        match self {
            Zone::Utc => Some(Utc.from_utc_datetime(&t)),
            Zone::Local => chrono::Local
                .from_local_datetime(&t)
                .earliest()
                .map(|t| t.with_timezone(&Utc)),
        }
    }

    /// The zone's name as shown in the form (`UTC`, or the local offset like `+01:00`).
    pub fn label(self, now: DateTime<Utc>) -> String {
        match self {
            Zone::Utc => "UTC".into(),
            Zone::Local => {
                let off = now.with_timezone(&chrono::Local).format("%:z").to_string();
                if off == "+00:00" {
                    "local (UTC+00:00)".into()
                } else {
                    format!("local (UTC{off})")
                }
            }
        }
    }

    /// Formats an instant in this zone as `YYYY-MM-DD HH:MM:SS`.
    pub fn format(self, t: DateTime<Utc>, fmt: &str) -> String {
        match self {
            Zone::Utc => t.format(fmt).to_string(),
            Zone::Local => t.with_timezone(&chrono::Local).format(fmt).to_string(),
        }
    }

    fn midnight(self, d: NaiveDate) -> Option<DateTime<Utc>> {
        self.from_naive(d.and_time(NaiveTime::MIN))
    }

    fn today(self, now: DateTime<Utc>) -> NaiveDate {
        match self {
            Zone::Utc => now.date_naive(),
            Zone::Local => now.with_timezone(&chrono::Local).date_naive(),
        }
    }
}

/// What is accepted, for error messages.
pub const ACCEPTED: &str = "an RFC 3339 time (2026-11-24T08:00:00Z), YYYY-MM-DD, \
    YYYY-MM-DD HH:MM, or now, today, yesterday, -30m, -2h, -7d";

/// Parses a time as typed.
pub fn parse(input: &str, zone: Zone, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let s = input.trim();
    if s.is_empty() {
        return Err(format!("empty time: use {ACCEPTED}"));
    }
    let lower = s.to_ascii_lowercase();
    match lower.as_str() {
        "now" => return Ok(now),
        "today" => return zone.midnight(zone.today(now)).ok_or_else(|| gap(s)),
        "yesterday" => {
            let d = zone.today(now).pred_opt().ok_or_else(|| bad(s))?;
            return zone.midnight(d).ok_or_else(|| gap(s));
        }
        _ => {}
    }
    if let Some(rel) = lower.strip_prefix('-') {
        return relative(rel)
            .and_then(|d| now.checked_sub_signed(d))
            .ok_or_else(|| bad(s));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    // `2026-11-24 08:00:00Z` and similar: RFC 3339 with a space.
    if let Ok(t) = DateTime::parse_from_rfc3339(&s.replacen(' ', "T", 1)) {
        return Ok(t.with_timezone(&Utc));
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return zone.from_naive(t).ok_or_else(|| gap(s));
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return zone.midnight(d).ok_or_else(|| gap(s));
    }
    Err(bad(s))
}

/// Parses the end of a range as typed: a day (`YYYY-MM-DD`, `today`, `yesterday`) means through
/// its end, so `--from 2026-11-28 --to 2026-11-28` is that whole day and `--to today` reaches
/// now; any other form is the instant it names (see [`parse`]).
pub fn parse_end(input: &str, zone: Zone, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let t = parse(input, zone, now)?;
    if !is_day(input) {
        return Ok(t);
    }
    // The next midnight in the zone (a day is not always 24 hours where the clocks change).
    let day = match zone {
        Zone::Utc => t.date_naive(),
        Zone::Local => t.with_timezone(&chrono::Local).date_naive(),
    };
    let next = day
        .succ_opt()
        .and_then(|d| zone.midnight(d))
        .ok_or_else(|| bad(input))?;
    // The day going on ends now: nothing later exists yet.
    Ok(if t <= now && now < next { now } else { next })
}

/// Whether `input` names a whole day rather than an instant.
pub fn is_day(input: &str) -> bool {
    let s = input.trim().to_ascii_lowercase();
    s == "today" || s == "yesterday" || NaiveDate::parse_from_str(&s, "%Y-%m-%d").is_ok()
}

/// `30m`, `2h`, `7d`, `1w`, `45s` (and `2h30m`) as a duration.
fn relative(s: &str) -> Option<Duration> {
    let mut total = Duration::zero();
    let mut num = String::new();
    let mut any = false;
    for c in s.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: i64 = num.parse().ok()?;
        num.clear();
        let d = match c {
            's' => Duration::try_seconds(n)?,
            'm' => Duration::try_minutes(n)?,
            'h' => Duration::try_hours(n)?,
            'd' => Duration::try_days(n)?,
            'w' => Duration::try_weeks(n)?,
            _ => return None,
        };
        total = total.checked_add(&d)?;
        any = true;
    }
    (any && num.is_empty()).then_some(total)
}

fn bad(s: &str) -> String {
    format!("cannot read '{s}' as a time: use {ACCEPTED}")
}

fn gap(s: &str) -> String {
    format!("'{s}' does not exist in the local time zone (a daylight-saving gap)")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 12, 30, 0).unwrap()
    }

    fn p(s: &str) -> DateTime<Utc> {
        parse(s, Zone::Utc, now()).unwrap()
    }

    #[test]
    fn absolute_forms() {
        let t = Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0).unwrap();
        assert_eq!(p("2026-11-24T08:00:00Z"), t);
        assert_eq!(p("2026-11-24T09:00:00+01:00"), t);
        assert_eq!(p("2026-11-24 08:00"), t);
        assert_eq!(p("2026-11-24 08:00:00"), t);
        assert_eq!(
            p("2026-11-24"),
            Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap()
        );
    }

    #[test]
    fn relative_forms() {
        assert_eq!(p("now"), now());
        assert_eq!(p("NOW"), now());
        assert_eq!(
            p("today"),
            Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap()
        );
        assert_eq!(
            p("yesterday"),
            Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap()
        );
        assert_eq!(p("-2h"), now() - Duration::hours(2));
        assert_eq!(p("-7d"), now() - Duration::days(7));
        assert_eq!(p("-30m"), now() - Duration::minutes(30));
        assert_eq!(p("-1h30m"), now() - Duration::minutes(90));
    }

    #[test]
    fn bad_input_says_what_is_accepted() {
        for s in [
            "",
            "tomorrowish",
            "-2x",
            "-",
            "-h",
            "2026-13-01",
            "2026-11-24 25:00",
            "-99999999999999d",
            "-99999999d",
            "-9999999999w",
        ] {
            let e = parse(s, Zone::Utc, now()).unwrap_err();
            assert!(e.contains("RFC 3339") || e.contains("empty"), "{s}: {e}");
        }
    }

    #[test]
    fn a_day_as_the_end_is_through_that_day() {
        let e = |s: &str| parse_end(s, Zone::Utc, now()).unwrap();
        let day = |d| Utc.with_ymd_and_hms(2026, 11, d, 0, 0, 0).unwrap();
        assert_eq!(e("2026-11-20"), day(21));
        assert_eq!(e("yesterday"), day(25));
        // Today goes on: it ends now.
        assert_eq!(e("today"), now());
        assert_eq!(e("TODAY"), now());
        // Instants are instants.
        assert_eq!(e("2026-11-20 00:00"), day(20));
        assert_eq!(e("-1h"), now() - Duration::hours(1));
        assert_eq!(e("now"), now());
        // A day after today is whole (the form says that range is in the future).
        assert_eq!(
            e("2026-12-01"),
            Utc.with_ymd_and_hms(2026, 12, 2, 0, 0, 0).unwrap()
        );
        assert!(parse_end("2026-13-01", Zone::Utc, now()).is_err());
        assert!(is_day(" 2026-11-20 ") && !is_day("2026-11-20 08:00") && !is_day("-1d"));
    }

    #[test]
    fn local_zone_reads_wall_clock() {
        // Whatever the machine's zone, a local reading round-trips through the same zone.
        let t = parse("2026-11-24 08:00", Zone::Local, now()).unwrap();
        assert_eq!(Zone::Local.format(t, "%Y-%m-%d %H:%M"), "2026-11-24 08:00");
    }
}
