//! Messages of the moment (`wrote 63 conversations to …`, `copied …`, a key's error): each
//! replaces the one before and fades after a few seconds; the last [`LOG_SIZE`] are kept in full
//! for `M` (or `:messages`). Lasting state (the load, range notes, LIVE) is the status line's,
//! not theirs.
//!
//! Code anywhere in `update` says something by setting `State::message`; [`settle`] then sees a
//! new one, stamps it with the event's time, logs it and asks for the timer that fades it.

use std::collections::VecDeque;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{Effect, Popup, State};
use crate::tui::event::Timer;

/// How long a message stays.
pub const SHOWN_FOR: Duration = Duration::from_secs(6);
/// How many past messages `M` shows.
pub const LOG_SIZE: usize = 100;

/// A message said, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    pub at: DateTime<Utc>,
    pub text: String,
}

/// The messages: the one shown (with its number, for its fade timer) and the last ones said.
#[derive(Debug, Clone, Default)]
pub struct Messages {
    /// The number of the message shown (its fade timer carries it).
    pub seq: u64,
    pub log: VecDeque<Said>,
    /// A message of this text, if shown, goes after this event (it said work was under way,
    /// and the work is done).
    pub withdraw: Option<String>,
}

/// After an event: a message set by it is new (stamped, logged, fading later); else the one
/// shown before stays.
pub(super) fn settle(s: &mut State, before: Option<String>) -> Vec<Effect> {
    let withdraw = s.messages.withdraw.take();
    let Some(text) = s.message.clone() else {
        s.message = before.filter(|b| Some(b) != withdraw.as_ref());
        return vec![];
    };
    let m = &mut s.messages;
    m.seq += 1;
    if m.log.len() >= LOG_SIZE {
        m.log.pop_front();
    }
    m.log.push_back(Said { at: s.now, text });
    vec![Effect::After {
        delay: SHOWN_FOR,
        timer: Timer::Fade { seq: m.seq },
    }]
}

/// A fade timer went off: its message goes, unless a newer one replaced it.
pub(super) fn fade(s: &mut State, seq: u64) {
    if s.messages.seq == seq {
        s.message = None;
    }
}

/// `M` or `:messages`: the last messages in full, newest last.
pub(super) fn show_log(s: &mut State) {
    let log = &s.messages.log;
    let text = if log.is_empty() {
        "No message yet.".to_string()
    } else {
        log.iter()
            .map(|m| format!("{}  {}", s.zone().format(m.at, "%H:%M:%S"), m.text))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let n = log.len();
    s.popup = Some(Popup {
        title: format!("the last {n} messages (at most {LOG_SIZE}), newest last"),
        text,
        scroll: usize::MAX,
    });
}
