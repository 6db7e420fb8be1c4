//! A paste (bracketed: the terminal sends it as one text) goes to the text field that has the
//! keyboard, as one edit: one re-filter however long it is, cut at the field's length with a
//! message. The id prompt takes the id out of the whole paste, line breaks and all. With no text
//! field focused a paste does nothing but say so: pasted text is never taken as keys.

use chrono::{DateTime, Utc};

use super::{Effect, State, find, live};
use crate::tui::field::{self, MAX_FILTER, MAX_ID_PROMPT, MAX_TIME};
use crate::tui::keymap::Mode;
use crate::tui::open_id::extract_id;
use crate::tui::search::MAX_SEARCH;

pub(super) fn paste(s: &mut State, text: &str, now: DateTime<Utc>) -> Vec<Effect> {
    let line = field::one_line(text);
    let cut_note = |what: &str, cap: usize| {
        format!("{what} holds at most {cap} characters: the rest of the paste was left out")
    };
    match s.mode() {
        Mode::FormText => {
            if let Some(input) = s.form.input_mut() {
                let cut = field::insert(input, line.trim(), MAX_TIME);
                s.form.validate(now);
                if cut {
                    s.message = Some(cut_note("a time field", MAX_TIME));
                }
            }
        }
        Mode::Filter => {
            let cut = field::insert(&mut s.filter_input, &line, MAX_FILTER);
            if cut {
                s.message = Some(cut_note("the filter", MAX_FILTER));
            }
            return live::filter_changed(s);
        }
        Mode::OpenId => {
            let Some(input) = &mut s.open_id else {
                return vec![];
            };
            match extract_id(text) {
                // The id, whatever surrounds it (a URL, a wrapped line, a question after it).
                Some(id) => {
                    *input = tui_input::Input::new(id);
                    let lines = text.lines().filter(|l| !l.trim().is_empty()).count();
                    if text.trim() != input.value() {
                        s.message = Some(format!(
                            "took the conversation id out of the pasted text ({} chars, {lines} \
                             lines): Enter opens it",
                            crate::human::num(text.chars().count())
                        ));
                    }
                }
                None => {
                    if field::insert(input, line.trim(), MAX_ID_PROMPT) {
                        s.message = Some(cut_note("the id prompt", MAX_ID_PROMPT));
                    }
                }
            }
        }
        Mode::Search => {
            if let Some(f) = find::search_mut(s)
                && field::insert(&mut f.input, &line, MAX_SEARCH)
            {
                s.message = Some(cut_note("a search", MAX_SEARCH));
            }
            find::typed(s);
        }
        _ => {
            s.message = Some(format!(
                "paste ignored ({} chars): no text field has the keyboard (/ filters or searches, \
                 : opens an id)",
                crate::human::num(text.chars().count())
            ));
        }
    }
    vec![]
}
