//! State tests of the habits of issue 17: a paste is a paste, Esc and q go back a level, `q`
//! asks before losing work, `/` searches wherever there is text, messages fade and are kept,
//! the API log shows pending calls and copies a correlation id.

use super::live_tests::loaded;
use super::*;
use crate::genesys::client::CallRecord;
use crate::tui::field::{MAX_FILTER, MAX_TIME};
use crate::tui::fixtures::{key, live, now, state, update};
use chrono::Duration as Dur;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};

const ID: &str = "3b6e4622-105e-4916-b343-cfc18db433a8";

fn paste(s: &mut State, text: &str) -> Vec<Effect> {
    update(
        s,
        Event::Paste {
            text: text.into(),
            now: now(),
        },
    )
}

fn ctrl(s: &mut State, ch: char) -> Vec<Effect> {
    update(
        s,
        Event::Key {
            key: KeyEvent::new(KeyCode::Char(ch), KeyModifiers::CONTROL),
            now: now(),
        },
    )
}

#[test]
fn a_paste_into_the_filter_is_one_edit_cut_at_the_filters_length() {
    let mut s = loaded();
    key(&mut s, KeyCode::Char('/'));
    assert_eq!(s.mode(), Mode::Filter);
    let big = "jane ".repeat(20_000); // 100 kB
    paste(&mut s, &big);
    assert_eq!(s.filter_input.value().chars().count(), MAX_FILTER);
    assert_eq!(
        s.list.filter,
        crate::tui::filter::Filter::parse(s.filter_input.value(), s.zone(), s.now).unwrap(),
        "filtered by what was pasted"
    );
    let m = s.message.as_deref().unwrap();
    assert!(m.contains("at most 1000 characters"), "{m}");
    assert!(!s.quit);
    // Typing past the length is cut too, and says so.
    key(&mut s, KeyCode::Char('x'));
    assert_eq!(s.filter_input.value().chars().count(), MAX_FILTER);
    // Ctrl-C still quits at once.
    assert_eq!(ctrl(&mut s, 'c'), vec![Effect::Quit]);
}

#[test]
fn pasted_lines_in_the_filter_are_words_not_keys() {
    let mut s = loaded();
    key(&mut s, KeyCode::Char('/'));
    paste(&mut s, "Jane\nq\x1b[2J");
    assert_eq!(s.filter_input.value(), "Jane q[2J");
    assert!(!s.quit, "a pasted q types");
}

#[test]
fn a_paste_with_no_text_field_does_nothing_but_say_so() {
    let mut s = loaded();
    assert_eq!(s.mode(), Mode::List);
    let fx = paste(&mut s, "q\nq\n:x");
    assert!(fx.is_empty());
    assert!(!s.quit);
    assert!(s.open_id.is_none() && !s.filter_editing);
    assert!(s.message.as_deref().unwrap().starts_with("paste ignored"));
}

#[test]
fn the_id_prompt_takes_the_id_out_of_the_whole_paste() {
    let mut s = loaded();
    key(&mut s, KeyCode::Char(':'));
    // A wrapped URL, then a question on the next line: nothing of it acts.
    paste(
        &mut s,
        "https://apps.mypurecloud.ie/directory/#/engage/admin/interactions/3b6e4622-105e-4916-\nb343-cfc18db433a8\nquestion about refund",
    );
    assert!(!s.quit);
    assert_eq!(s.open_id.as_ref().unwrap().value(), ID);
    assert!(s.message.as_deref().unwrap().contains("3 lines"));
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.pinned.as_deref(), Some(ID));
}

#[test]
fn a_paste_into_a_time_field_is_one_line_cut_at_its_length() {
    let mut s = state();
    assert_eq!(s.mode(), Mode::FormText);
    s.form.from = tui_input::Input::default();
    paste(&mut s, "  -2h\n");
    assert_eq!(s.form.from.value(), "-2h");
    paste(&mut s, &"9".repeat(500));
    assert_eq!(s.form.from.value().chars().count(), MAX_TIME);
}

#[test]
fn esc_goes_back_one_level_detail_to_list_form_to_list() {
    let mut s = loaded();
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.focus, Focus::Detail);
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.focus, Focus::List);
    // From the form too: Esc leaves it for the list.
    key(&mut s, KeyCode::BackTab);
    assert_eq!(s.focus, Focus::Form);
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.focus, Focus::List);
}

#[test]
fn q_in_the_detail_goes_back_to_the_list() {
    let mut s = loaded();
    key(&mut s, KeyCode::Enter);
    assert!(key(&mut s, KeyCode::Char('q')).is_empty());
    assert!(!s.quit);
    assert_eq!(s.focus, Focus::List);
    assert_eq!(key(&mut s, KeyCode::Char('q')), vec![Effect::Quit]);
}

#[test]
fn q_asks_once_with_a_watch_running_and_ctrl_c_does_not() {
    let mut s = loaded();
    key(&mut s, KeyCode::Char('w'));
    assert!(key(&mut s, KeyCode::Char('q')).is_empty());
    assert!(!s.quit);
    assert_eq!(
        s.message.as_deref(),
        Some("a watch is running: q again to quit")
    );
    // Another key in between: it asks again.
    key(&mut s, KeyCode::Char('j'));
    assert!(key(&mut s, KeyCode::Char('q')).is_empty());
    assert_eq!(key(&mut s, KeyCode::Char('q')), vec![Effect::Quit]);
    let mut s = loaded();
    key(&mut s, KeyCode::Char('w'));
    assert_eq!(ctrl(&mut s, 'c'), vec![Effect::Quit]);
}

#[test]
fn slash_searches_the_detail_pane_with_n() {
    let mut s = loaded();
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Char('/'));
    assert_eq!(s.mode(), Mode::Search);
    for c in "jane".chars() {
        key(&mut s, KeyCode::Char(c));
    }
    let first = s.detail_search.line().expect("a match in the detail");
    let text: String = s.detail.document.lines[first]
        .iter()
        .map(|(t, _)| t.as_str())
        .collect();
    assert!(text.to_lowercase().contains("jane"), "{text}");
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.mode(), Mode::Detail, "n and N are keys again");
    let n = s.detail_search.matches.len();
    key(&mut s, KeyCode::Char('n'));
    assert_eq!(s.detail_search.current, 1 % n);
    // Esc clears the search, then goes back to the list.
    key(&mut s, KeyCode::Esc);
    assert!(!s.detail_search.shown());
    assert_eq!(s.focus, Focus::Detail);
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.focus, Focus::List);
}

/// `c1` watched through two answers: a timeline of changes.
fn with_changes() -> State {
    let mut s = loaded();
    key(&mut s, KeyCode::Char('w'));
    for (i, v) in ["2", "3", "4"].iter().enumerate() {
        let generation = s.watch.as_ref().unwrap().generation;
        update(
            &mut s,
            Event::Watched {
                id: "c1".into(),
                generation,
                result: Ok(crate::tui::fixtures::fresh(live("c1", &[("a", v)]))),
                at: now() + Dur::seconds(i as i64 + 1),
            },
        );
    }
    s
}

#[test]
fn the_timeline_opens_at_its_newest_entry_and_searches() {
    let mut s = with_changes();
    s.height = 12;
    update(
        &mut s,
        Event::Resize {
            width: 120,
            height: 12,
        },
    );
    key(&mut s, KeyCode::Char('t'));
    let t = s.timeline.as_ref().unwrap();
    assert!(t.stick, "at the newest entry");
    key(&mut s, KeyCode::Char('/'));
    for c in "→ 4".chars() {
        key(&mut s, KeyCode::Char(c));
    }
    key(&mut s, KeyCode::Enter);
    let t = s.timeline.as_ref().unwrap();
    let n = s.timelines.len("c1");
    assert_eq!(t.search.line(), Some(n - 1), "the change to 4 is the last");
}

fn call(n: u64, pending: bool, cid: Option<&str>) -> CallRecord {
    CallRecord {
        at: now(),
        method: "GET".into(),
        path: format!("/api/v2/conversations/c{n}"),
        status: (!pending).then_some(200),
        error: None,
        latency: std::time::Duration::from_millis(10),
        correlation_id: cid.map(str::to_string),
        ratelimit: None,
        pending,
        seq: n,
    }
}

#[test]
fn y_in_the_api_log_copies_the_selected_calls_correlation_id() {
    let mut s = loaded();
    key(&mut s, KeyCode::Char('L'));
    update(
        &mut s,
        Event::ApiLog(vec![
            call(1, false, Some("corr-1")),
            call(2, false, Some("corr-2")),
            call(3, true, None),
        ]),
    );
    // The newest is selected: pending, no correlation id yet.
    assert!(key(&mut s, KeyCode::Char('y')).is_empty());
    assert!(s.message.as_deref().unwrap().contains("no correlation id"));
    key(&mut s, KeyCode::Char('k'));
    let fx = key(&mut s, KeyCode::Char('y'));
    let want = crate::tui::clipboard::osc52("corr-2", s.clip_target).unwrap();
    assert_eq!(fx, vec![Effect::Copy(want)]);
    // `/` finds a call; the selection goes to it.
    key(&mut s, KeyCode::Char('/'));
    for c in "corr-1".chars() {
        key(&mut s, KeyCode::Char(c));
    }
    assert_eq!(s.api_log.as_ref().unwrap().selected, 0);
    assert!(api_log_line(&call(3, true, None)).contains("pending"));
}

#[test]
fn messages_replace_each_other_fade_on_their_timer_and_are_kept() {
    let mut s = loaded();
    let fx = app_key(&mut s, 'm');
    let first = fade_seq(&fx).expect("a fade timer");
    let fx = app_key(&mut s, 'm');
    let second = fade_seq(&fx).unwrap();
    assert_eq!(
        s.message.as_deref(),
        Some("mouse off"),
        "the newest replaces"
    );
    // The first one's timer does nothing: a newer message is shown.
    update(
        &mut s,
        Event::Due {
            timer: Timer::Fade { seq: first },
            now: now(),
        },
    );
    assert_eq!(s.message.as_deref(), Some("mouse off"));
    // A key that says nothing keeps it.
    key(&mut s, KeyCode::Char('j'));
    assert_eq!(s.message.as_deref(), Some("mouse off"));
    update(
        &mut s,
        Event::Due {
            timer: Timer::Fade { seq: second },
            now: now(),
        },
    );
    assert_eq!(s.message, None);
    // M shows them all, in full.
    key(&mut s, KeyCode::Char('M'));
    let p = s.popup.as_ref().unwrap();
    assert!(p.text.contains("mouse on: hold Shift"), "{}", p.text);
    assert!(p.text.contains("mouse off"));
}

#[test]
fn the_message_log_keeps_the_last_hundred() {
    let mut s = loaded();
    for _ in 0..130 {
        app_key(&mut s, 'm');
    }
    assert_eq!(s.messages.log.len(), messages::LOG_SIZE);
    // :messages shows them too.
    key(&mut s, KeyCode::Char(':'));
    for c in "messages".chars() {
        key(&mut s, KeyCode::Char(c));
    }
    key(&mut s, KeyCode::Enter);
    assert!(
        s.popup
            .as_ref()
            .unwrap()
            .title
            .contains("last 100 messages")
    );
}

fn app_key(s: &mut State, ch: char) -> Vec<Effect> {
    super::update(
        s,
        Event::Key {
            key: KeyEvent::new(KeyCode::Char(ch), KeyModifiers::NONE),
            now: now(),
        },
    )
}

fn fade_seq(fx: &[Effect]) -> Option<u64> {
    fx.iter().find_map(|e| match e {
        Effect::After {
            timer: Timer::Fade { seq },
            ..
        } => Some(*seq),
        _ => None,
    })
}

#[test]
fn an_export_path_too_long_for_the_line_is_shown_whole_in_a_popup() {
    let mut s = loaded();
    update(
        &mut s,
        Event::Resize {
            width: 80,
            height: 24,
        },
    );
    let path = std::path::PathBuf::from(format!(
        "{}/convoscope-20261125-123000.ndjson",
        "d".repeat(60)
    ));
    update(
        &mut s,
        Event::Exported {
            path: path.clone(),
            result: Ok(63),
        },
    );
    let p = s.popup.as_ref().expect("a popup");
    assert!(p.text.contains(&path.display().to_string()));
}

#[test]
fn the_login_at_start_shows_connecting_and_a_refusal_ends_the_screen() {
    let mut init = crate::tui::fixtures::init();
    init.connection = "mypurecloud.ie".into();
    init.connecting = true;
    let mut s = State::new(init);
    assert!(s.load_text().0.contains("connecting to mypurecloud.ie…"));
    assert!(s.animating(), "the spinner turns");
    // Keys work meanwhile.
    key(&mut s, KeyCode::Tab);
    assert_eq!(s.form.field, crate::tui::form::Field::To);
    update(&mut s, Event::Connected(Ok(())));
    assert!(!s.load_text().0.contains("connecting"));
    let mut s = State::new(Init {
        connecting: true,
        ..crate::tui::fixtures::init()
    });
    let fx = update(
        &mut s,
        Event::Connected(Err(crate::genesys::Error::Config("refused".into()))),
    );
    assert_eq!(fx, vec![Effect::Quit]);
    assert!(s.quit && s.failed.is_some());
}
