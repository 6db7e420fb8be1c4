//! The form: From, To (free text read by `timespec::parse`, a day as To is through its end),
//! Media, and Query (the server-side search, `genesys::search`).

use chrono::{DateTime, Duration, Utc};
use tui_input::Input;

use crate::genesys::query::{Interval, MAX_INTERVAL_DAYS, Media};
use crate::genesys::search::Query;
use crate::timespec::{self, Zone};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    From,
    To,
    Media,
    Query,
}

impl Field {
    pub const ORDER: [Field; 4] = [Field::From, Field::To, Field::Media, Field::Query];
}

/// What is wrong with the form, per field, in words shown next to it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problems {
    pub from: Option<String>,
    pub to: Option<String>,
    /// About the range as a whole (From after To, in the future).
    pub range: Option<String>,
    /// About the query (its syntax as typed, or a name the directories do not know).
    pub query: Option<String>,
}

impl Problems {
    pub fn is_empty(&self) -> bool {
        self.from.is_none() && self.to.is_none() && self.range.is_none() && self.query.is_none()
    }
}

#[derive(Debug, Clone)]
pub struct Form {
    pub from: Input,
    pub to: Input,
    pub media: Media,
    /// The server-side search as typed.
    pub query: Input,
    pub field: Field,
    pub zone: Zone,
    pub problems: Problems,
    /// A note on a valid range (longer than the API's longest interval).
    pub note: Option<String>,
}

impl Form {
    /// Prefilled from the command line, else the last 24 hours.
    pub fn new(from: Option<&str>, to: Option<&str>, media: Option<Media>, zone: Zone) -> Form {
        Form {
            from: Input::new(from.unwrap_or("-24h").to_string()),
            to: Input::new(to.unwrap_or("now").to_string()),
            media: media.unwrap_or_default(),
            query: Input::default(),
            field: Field::From,
            zone,
            problems: Problems::default(),
            note: None,
        }
    }

    /// The text input that has focus, if a text field has it.
    pub fn input_mut(&mut self) -> Option<&mut Input> {
        match self.field {
            Field::From => Some(&mut self.from),
            Field::To => Some(&mut self.to),
            Field::Media => None,
            Field::Query => Some(&mut self.query),
        }
    }

    /// Prefills the query (`--query`).
    pub fn with_query(mut self, query: Option<&str>) -> Form {
        self.query = Input::new(query.unwrap_or_default().to_string());
        self
    }

    pub fn cycle_media(&mut self, forward: bool) {
        let i = Media::ALL
            .iter()
            .position(|m| *m == self.media)
            .unwrap_or(0);
        let n = Media::ALL.len();
        self.media = Media::ALL[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }];
    }

    /// Reads the range; on failure records why, per field.
    pub fn validate(&mut self, now: DateTime<Utc>) -> Option<Interval> {
        let (result, mut problems) = check(self.from.value(), self.to.value(), self.zone, now);
        problems.query = Query::parse(self.query.value()).err().map(|e| e.0);
        let ok = problems.query.is_none();
        self.problems = problems;
        self.note = result.and_then(|i| {
            long_range_note(i).or_else(|| {
                let days = timespec::is_day(self.from.value()) || timespec::is_day(self.to.value());
                days.then(|| day_note(i, self.zone, now))
            })
        });
        result.filter(|_| ok)
    }

    /// Checks the query again (after it was changed other than by typing: a completion), so
    /// that its mark says what it holds now.
    pub fn recheck_query(&mut self) {
        self.problems.query = Query::parse(self.query.value()).err().map(|e| e.0);
    }

    /// The query as typed, parsed (an empty one when it does not parse: [`Form::validate`]
    /// reports that).
    pub fn query(&self) -> Query {
        Query::parse(self.query.value()).unwrap_or_default()
    }
}

/// Reads From and To; returns the interval when valid, and the problems found.
pub fn check(from: &str, to: &str, zone: Zone, now: DateTime<Utc>) -> (Option<Interval>, Problems) {
    let mut p = Problems::default();
    let a = timespec::parse(from, zone, now)
        .map_err(|e| p.from = Some(e))
        .ok();
    let b = timespec::parse_end(to, zone, now)
        .map_err(|e| p.to = Some(e))
        .ok();
    let (Some(a), Some(b)) = (a, b) else {
        return (None, p);
    };
    if a > b {
        p.range = Some("From is after To: swap them".into());
    } else if a == b {
        p.range = Some("the range is empty: From equals To".into());
    } else if a >= now {
        p.range = Some("the range is in the future: no conversations exist there yet".into());
    }
    if p.is_empty() {
        (Some(Interval::new(a, b)), p)
    } else {
        (None, p)
    }
}

/// A range given in days (`2026-11-28`, `today`, `yesterday`): the times it stands for, so that
/// "a day as To is through its end" is seen, not guessed.
fn day_note(i: Interval, zone: Zone, now: DateTime<Utc>) -> String {
    let at = |t: DateTime<Utc>| zone.format(t, "%Y-%m-%d %H:%M");
    let end = if i.end == now {
        "now".to_string()
    } else {
        at(i.end)
    };
    format!(
        "loads {} to {end}: whole days (a day as To is through its end, today up to now)",
        at(i.start)
    )
}

/// Ranges longer than one query may cover are allowed: the client splits them. Say so.
fn long_range_note(i: Interval) -> Option<String> {
    let len = i.length();
    (len > Duration::days(MAX_INTERVAL_DAYS)).then(|| {
        format!(
            "{} days: longer than {MAX_INTERVAL_DAYS}, loaded in {MAX_INTERVAL_DAYS}-day parts",
            (len.num_hours() + 23) / 24
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::fixtures::now;
    use chrono::TimeZone;

    fn t(d: u32, h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, h, m, 0).unwrap()
    }
    fn ok(from: &str, to: &str) -> Interval {
        let (i, p) = check(from, to, Zone::Utc, now());
        assert!(p.is_empty(), "{from} / {to}: {p:?}");
        i.unwrap()
    }
    fn bad(from: &str, to: &str) -> Problems {
        let (i, p) = check(from, to, Zone::Utc, now());
        assert!(i.is_none(), "{from} / {to} accepted");
        p
    }

    #[test]
    fn defaults_to_the_last_24_hours() {
        let mut f = Form::new(None, None, None, Zone::Utc);
        assert_eq!(f.from.value(), "-24h");
        assert_eq!(f.to.value(), "now");
        assert_eq!(f.media, Media::Webmessaging);
        let i = f.validate(now()).unwrap();
        assert_eq!(i, Interval::new(now() - Duration::hours(24), now()));
    }

    #[test]
    fn prefilled_from_the_command_line() {
        let f = Form::new(
            Some("2026-11-01"),
            Some("today"),
            Some(Media::Voice),
            Zone::Utc,
        );
        assert_eq!(f.from.value(), "2026-11-01");
        assert_eq!(f.to.value(), "today");
        assert_eq!(f.media, Media::Voice);
    }

    #[test]
    fn accepts_every_input_form() {
        assert_eq!(
            ok("2026-11-24T08:00:00Z", "2026-11-24T10:00:00+01:00").start,
            t(24, 8, 0)
        );
        assert_eq!(ok("2026-11-23", "2026-11-24").end, t(25, 0, 0));
        assert_eq!(ok("2026-11-24 08:30", "now").start, t(24, 8, 30));
        // A day as To is through its end; today ends now.
        assert_eq!(
            ok("yesterday", "yesterday"),
            Interval::new(t(24, 0, 0), t(25, 0, 0))
        );
        assert_eq!(ok("yesterday", "today"), Interval::new(t(24, 0, 0), now()));
        assert_eq!(ok("today", "today"), Interval::new(t(25, 0, 0), now()));
        assert_eq!(
            ok("2026-11-24", "2026-11-24"),
            Interval::new(t(24, 0, 0), t(25, 0, 0))
        );
        assert_eq!(ok("-2h", "now").start, t(25, 10, 30));
        assert_eq!(ok("-7d", "-30m").end, t(25, 12, 0));
    }

    #[test]
    fn a_range_in_days_says_the_times_it_stands_for() {
        let mut f = Form::new(Some("yesterday"), Some("yesterday"), None, Zone::Utc);
        assert!(f.validate(now()).is_some());
        assert_eq!(
            f.note.as_deref(),
            Some(
                "loads 2026-11-24 00:00 to 2026-11-25 00:00: whole days (a day as To is through \
                 its end, today up to now)"
            )
        );
        f.to = Input::new("today".into());
        f.validate(now());
        assert!(
            f.note.as_deref().unwrap().contains("to now"),
            "{:?}",
            f.note
        );
        // Times, not days: no note (the hint stays).
        f.from = Input::new("-2h".into());
        f.to = Input::new("now".into());
        f.validate(now());
        assert_eq!(f.note, None);
    }

    #[test]
    fn unparseable_input_is_reported_at_its_field() {
        let p = bad("tomorrowish", "now");
        assert!(
            p.from
                .as_deref()
                .unwrap()
                .contains("cannot read 'tomorrowish'")
        );
        assert!(p.to.is_none());
        let p = bad("-1h", "");
        assert!(p.to.as_deref().unwrap().contains("empty time"));
    }

    #[test]
    fn from_after_to_is_reported() {
        let p = bad("today", "2026-11-20");
        assert_eq!(p.range.as_deref(), Some("From is after To: swap them"));
    }

    #[test]
    fn empty_range_is_reported() {
        let p = bad("2026-11-24 08:00", "2026-11-24 08:00");
        assert!(p.range.as_deref().unwrap().contains("empty"));
    }

    #[test]
    fn future_range_is_reported() {
        let p = bad("2026-12-01", "2026-12-02");
        assert!(p.range.as_deref().unwrap().contains("in the future"));
        // A range that merely ends in the future is fine: it covers now.
        ok("-1h", "2026-12-01");
    }

    #[test]
    fn long_ranges_are_allowed_with_a_note() {
        let mut f = Form::new(Some("-45d"), Some("now"), None, Zone::Utc);
        assert!(f.validate(now()).is_some());
        assert_eq!(
            f.note.as_deref(),
            Some("45 days: longer than 31, loaded in 31-day parts")
        );
        let mut f = Form::new(Some("-7d"), None, None, Zone::Utc);
        f.validate(now());
        assert_eq!(f.note, None);
    }

    #[test]
    fn a_query_that_does_not_parse_is_reported_and_stops_the_load() {
        let mut f = Form::new(None, None, None, Zone::Utc).with_query(Some("colour:red"));
        assert!(f.validate(now()).is_none());
        let m = f.problems.query.clone().unwrap();
        assert!(m.contains("unknown field 'colour'"), "{m}");
        assert!(f.problems.from.is_none() && f.problems.range.is_none());
        f.query = Input::new(r#"queue:"Support - Tier 1" live"#.into());
        assert!(f.validate(now()).is_some());
        assert!(f.problems.is_empty());
        assert_eq!(f.query().terms.len(), 2);
    }

    #[test]
    fn media_cycles_both_ways() {
        let mut f = Form::new(None, None, None, Zone::Utc);
        f.cycle_media(true);
        assert_eq!(f.media, Media::Message);
        f.cycle_media(false);
        f.cycle_media(false);
        assert_eq!(f.media, Media::Any);
    }
}
