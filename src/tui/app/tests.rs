//! State tests of the whole screen: keys, pages and fetches in, state and effects out.

use super::*;
use crate::genesys::Error;
use crate::genesys::model::Conversation;
use crate::genesys::query::Interval;
use crate::tui::detail::Fresh;
use crate::tui::fixtures::update;
use crate::tui::fixtures::{conv, key, now, page, state, typ};
use ratatui::crossterm::event::{KeyCode, KeyModifiers};

fn clear(s: &mut State, field_len: usize) {
    for _ in 0..field_len {
        key(s, KeyCode::Backspace);
    }
}

#[test]
fn enter_submits_the_prefilled_range_and_focuses_the_list() {
    let mut s = state();
    let fx = key(&mut s, KeyCode::Enter);
    assert_eq!(
        fx,
        vec![
            Effect::CancelQuery,
            Effect::Query {
                query_id: 1,
                scope: crate::genesys::Scope::new(
                    Interval::new(now() - chrono::Duration::hours(24), now()),
                    Media::Webmessaging
                ),
                order: Order::Desc,
                resume: None,
                follow: false,
                since: None,
            }
        ]
    );
    assert_eq!(s.focus, Focus::List);
    assert!(s.animating());
}

#[test]
fn typing_q_in_a_field_types_it_and_validates() {
    let mut s = state();
    clear(&mut s, 4);
    let fx = key(&mut s, KeyCode::Char('q'));
    assert!(fx.is_empty());
    assert!(!s.quit);
    assert_eq!(s.form.from.value(), "q");
    assert!(
        s.form
            .problems
            .from
            .as_deref()
            .unwrap()
            .contains("cannot read 'q'")
    );
    // Enter with a bad range does not query.
    assert!(key(&mut s, KeyCode::Enter).is_empty());
    assert_eq!(s.focus, Focus::Form);
    clear(&mut s, 1);
    typ(&mut s, "yesterday");
    assert!(s.form.problems.is_empty());
}

#[test]
fn a_long_range_is_allowed_and_the_status_says_so() {
    let mut s = state();
    clear(&mut s, 4);
    typ(&mut s, "-45d");
    let fx = key(&mut s, KeyCode::Enter);
    assert!(matches!(fx[1], Effect::Query { .. }));
    assert_eq!(
        s.range_note.as_deref(),
        Some("45 days: longer than 31, loaded in 31-day parts")
    );
    // It stays while the user moves around.
    key(&mut s, KeyCode::Char('j'));
    assert!(s.range_note.is_some());
}

#[test]
fn enter_submits_from_any_field() {
    let mut s = state();
    key(&mut s, KeyCode::Tab);
    key(&mut s, KeyCode::Tab);
    assert_eq!(s.mode(), Mode::FormMedia);
    key(&mut s, KeyCode::Char(' '));
    assert_eq!(s.form.media, Media::Message);
    key(&mut s, KeyCode::Left);
    key(&mut s, KeyCode::Left);
    assert_eq!(s.form.media, Media::Any);
    let fx = key(&mut s, KeyCode::Enter);
    assert!(matches!(
        &fx[1],
        Effect::Query { scope, .. } if scope.media == Media::Any
    ));
}

#[test]
fn q_quits_outside_text_fields_and_ctrl_c_anywhere() {
    let mut s = state();
    let fx = update(
        &mut s,
        Event::Key {
            key: KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
            now: now(),
        },
    );
    assert_eq!(fx, vec![Effect::Quit]);
    let mut s = state();
    key(&mut s, KeyCode::Enter);
    assert_eq!(key(&mut s, KeyCode::Char('q')), vec![Effect::Quit]);
}

#[test]
fn tab_cycles_fields_and_panes() {
    let mut s = state();
    let mut seen = vec![];
    for _ in 0..6 {
        key(&mut s, KeyCode::Tab);
        seen.push(s.mode());
    }
    assert_eq!(
        seen,
        [
            Mode::FormText,
            Mode::FormMedia,
            Mode::FormText,
            Mode::List,
            Mode::Detail,
            Mode::FormText
        ]
    );
    key(&mut s, KeyCode::BackTab);
    assert_eq!(s.mode(), Mode::Detail);
}

#[test]
fn stale_pages_are_dropped_after_a_new_submit() {
    let mut s = state();
    key(&mut s, KeyCode::Enter);
    update(&mut s, page(1, 2, vec![conv("old-1", 10, "a", "b")]));
    s.focus = Focus::Form;
    let fx = key(&mut s, KeyCode::Enter);
    assert!(fx.contains(&Effect::CancelQuery));
    update(&mut s, page(1, 2, vec![conv("old-2", 5, "a", "b")]));
    update(&mut s, page(2, 1, vec![conv("new-1", 20, "a", "b")]));
    update(
        &mut s,
        Event::Page(PageEvent::Done {
            query_id: 1,
            loaded: 2,
        }),
    );
    let ids: Vec<_> = s.list.rows.iter().map(|r| r.id()).collect();
    assert_eq!(ids, ["new-1"]);
    assert!(s.list.is_loading());
}

#[test]
fn first_row_selected_on_arrival_and_detail_debounced() {
    let mut s = state();
    key(&mut s, KeyCode::Enter);
    let fx = update(
        &mut s,
        page(
            1,
            3,
            vec![conv("c1", 10, "a", "b"), conv("c2", 5, "a", "b")],
        ),
    );
    assert_eq!(s.list.selected.as_deref(), Some("c1"));
    assert_eq!(fx, vec![Effect::Debounce { generation: 1 }]);
    let fx = update(&mut s, Event::Debounced { generation: 1 });
    assert_eq!(
        fx,
        vec![Effect::Fetch {
            id: "c1".into(),
            generation: 1
        }]
    );
    // Moving on cancels and re-arms.
    let fx = key(&mut s, KeyCode::Char('j'));
    assert_eq!(
        fx,
        vec![Effect::CancelFetch, Effect::Debounce { generation: 2 }]
    );
}

#[test]
fn status_follows_progress_waiting_done_and_failure() {
    let mut s = state();
    key(&mut s, KeyCode::Enter);
    update(
        &mut s,
        Event::Page(PageEvent::Waiting {
            query_id: 1,
            seconds: 3,
            reason: "rate limited".into(),
        }),
    );
    assert_eq!(
        s.list.load,
        Load::Waiting {
            until: now() + chrono::Duration::seconds(3),
            reason: "rate limited".into()
        }
    );
    // Other requests' pages arriving meanwhile do not end the wait.
    update(
        &mut s,
        Event::Page(PageEvent::Progress {
            query_id: 1,
            loaded: 100,
            total: 840,
        }),
    );
    assert!(matches!(s.list.load, Load::Waiting { .. }));
    assert!(s.animating(), "the countdown ticks");
    update(
        &mut s,
        Event::Tick {
            now: now() + chrono::Duration::seconds(3),
        },
    );
    assert_eq!(s.list.load, Load::Loading);
    assert_eq!((s.list.loaded, s.list.total), (100, 840));
    update(&mut s, page(1, 840, vec![conv("c1", 10, "a", "b")]));
    update(
        &mut s,
        Event::Page(PageEvent::Failed {
            query_id: 1,
            resume: None,
            error: Error::Network {
                message: "reset".into(),
            },
            loaded: 1,
        }),
    );
    assert!(matches!(&s.list.load, Load::Failed(m) if m.contains("network error")));
    assert_eq!(s.list.rows.len(), 1);
}

#[test]
fn esc_stops_loading_and_keeps_rows() {
    let mut s = state();
    key(&mut s, KeyCode::Enter);
    update(&mut s, page(1, 500, vec![conv("c1", 10, "a", "b")]));
    assert_eq!(key(&mut s, KeyCode::Esc), vec![Effect::CancelQuery]);
    assert_eq!(s.list.load, Load::Stopped);
    // A page already in the channel does not sneak in.
    update(&mut s, page(1, 500, vec![conv("c2", 5, "a", "b")]));
    assert_eq!(s.list.rows.len(), 1);
    assert!(!s.animating() || s.detail.is_busy());
}

#[test]
fn slash_filters_as_you_type_and_esc_clears() {
    let mut s = state();
    key(&mut s, KeyCode::Enter);
    update(
        &mut s,
        page(
            1,
            3,
            vec![
                conv("c1", 10, "Jane", "Bob"),
                conv("c2", 5, "Ann", "Carl"),
                conv("c3", 1, "Zed", "Bob"),
            ],
        ),
    );
    update(
        &mut s,
        Event::Page(PageEvent::Done {
            query_id: 1,
            loaded: 3,
        }),
    );
    key(&mut s, KeyCode::Char('/'));
    assert_eq!(s.mode(), Mode::Filter);
    typ(&mut s, "bob q");
    assert_eq!(s.filter_input.value(), "bob q");
    assert!(!s.quit);
    key(&mut s, KeyCode::Backspace);
    key(&mut s, KeyCode::Backspace);
    assert_eq!(s.list.visible.len(), 2);
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.mode(), Mode::List);
    assert_eq!(s.list.visible.len(), 2);
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.list.visible.len(), 3);
}

#[test]
fn s_toggles_sort() {
    let mut s = state();
    key(&mut s, KeyCode::Enter);
    update(
        &mut s,
        page(
            1,
            2,
            vec![conv("c1", 10, "a", "b"), conv("c2", 5, "a", "b")],
        ),
    );
    key(&mut s, KeyCode::Char('s'));
    assert_eq!(s.list.order, Order::Asc);
    assert_eq!(s.list.rows[s.list.visible[0]].id(), "c2");
    assert_eq!(s.list.selected.as_deref(), Some("c1"));
    // The next query asks the API for the same order.
    s.focus = Focus::Form;
    let fx = key(&mut s, KeyCode::Enter);
    assert!(matches!(
        fx[1],
        Effect::Query {
            order: Order::Asc,
            ..
        }
    ));
}

#[test]
fn fetched_attributes_become_searchable() {
    let mut s = state();
    key(&mut s, KeyCode::Enter);
    update(
        &mut s,
        page(
            1,
            2,
            vec![conv("c1", 10, "a", "b"), conv("c2", 5, "a", "b")],
        ),
    );
    update(&mut s, Event::Debounced { generation: 1 });
    let mut c = Conversation {
        id: "c1".into(),
        ..Default::default()
    };
    c.participants
        .push(crate::genesys::model::ConversationParticipant {
            id: "c1-p1".into(),
            attributes: [("orderId".to_string(), "A-7781".to_string())].into(),
            ..Default::default()
        });
    update(
        &mut s,
        Event::Fetched {
            id: "c1".into(),
            generation: 1,
            result: Ok(Fresh::from_conversation(c)),
            at: now(),
        },
    );
    key(&mut s, KeyCode::Char('/'));
    typ(&mut s, "a-7781");
    assert_eq!(s.list.visible.len(), 1);
}

#[test]
fn m_toggles_mouse_capture_and_clicks_select() {
    let mut s = state();
    key(&mut s, KeyCode::Enter);
    update(
        &mut s,
        page(
            1,
            3,
            vec![
                conv("c1", 10, "a", "b"),
                conv("c2", 5, "a", "b"),
                conv("c3", 1, "a", "b"),
            ],
        ),
    );
    assert_eq!(key(&mut s, KeyCode::Char('m')), vec![Effect::Mouse(true)]);
    let list = s.layout.list.unwrap();
    let click = MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: list.x + 5,
        row: list.y + 2 + 2,
        modifiers: KeyModifiers::NONE,
    };
    update(&mut s, Event::Mouse(click));
    assert_eq!(s.list.selected.as_deref(), Some("c3"));
    let wheel = MouseEvent {
        kind: MouseEventKind::ScrollUp,
        ..click
    };
    update(&mut s, Event::Mouse(wheel));
    assert_eq!(s.list.selected.as_deref(), Some("c1"));
}

#[test]
fn clicking_a_form_field_focuses_it() {
    let mut s = state();
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Char('m'));
    let form = s.layout.form.as_ref().unwrap().area;
    let click = |column| MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column,
        row: form.y + 1,
        modifiers: KeyModifiers::NONE,
    };
    update(&mut s, Event::Mouse(click(form.right() - 5)));
    assert_eq!(s.mode(), Mode::FormMedia);
    update(&mut s, Event::Mouse(click(form.x + 3)));
    assert_eq!((s.focus, s.form.field), (Focus::Form, Field::From));
    update(&mut s, Event::Mouse(click(form.x + form.width / 2 - 10)));
    assert_eq!(s.form.field, Field::To);
}

#[test]
fn mouse_is_ignored_when_off() {
    let mut s = state();
    key(&mut s, KeyCode::Enter);
    update(
        &mut s,
        page(
            1,
            3,
            vec![conv("c1", 10, "a", "b"), conv("c2", 5, "a", "b")],
        ),
    );
    let wheel = MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: 5,
        row: 12,
        modifiers: KeyModifiers::NONE,
    };
    update(&mut s, Event::Mouse(wheel));
    assert_eq!(s.list.selected.as_deref(), Some("c1"));
}

#[test]
fn enter_on_a_row_opens_the_detail() {
    let mut s = state();
    key(&mut s, KeyCode::Enter);
    update(&mut s, page(1, 1, vec![conv("c1", 10, "a", "b")]));
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.focus, Focus::Detail);
}

#[test]
fn z_zooms_and_help_toggles() {
    let mut s = state();
    key(&mut s, KeyCode::Enter);
    update(
        &mut s,
        Event::Page(PageEvent::Done {
            query_id: 1,
            loaded: 0,
        }),
    );
    key(&mut s, KeyCode::Char('z'));
    assert!(s.zoom);
    key(&mut s, KeyCode::Char('?'));
    assert_eq!(s.mode(), Mode::Help);
    key(&mut s, KeyCode::Char('q'));
    assert!(!s.quit && !s.help);
    key(&mut s, KeyCode::Esc);
    assert!(!s.zoom);
}

#[test]
fn nothing_animates_once_loaded_and_fetched() {
    let mut s = state();
    assert!(!s.animating(), "an idle form costs no CPU");
    update(&mut s, Event::Submit { now: now() });
    assert!(s.animating());
    update(&mut s, page(1, 1, vec![conv("c1", 10, "a", "b")]));
    update(
        &mut s,
        Event::Page(PageEvent::Done {
            query_id: 1,
            loaded: 1,
        }),
    );
    assert!(s.animating(), "the detail fetch is still pending");
    update(&mut s, Event::Debounced { generation: 1 });
    update(
        &mut s,
        Event::Fetched {
            id: "c1".into(),
            generation: 1,
            result: Ok(Fresh::from_conversation(Conversation {
                id: "c1".into(),
                ..Default::default()
            })),
            at: now(),
        },
    );
    assert!(!s.animating());
}

#[test]
fn a_detail_error_leaves_the_list_usable() {
    let mut s = state();
    key(&mut s, KeyCode::Enter);
    update(
        &mut s,
        page(
            1,
            2,
            vec![conv("c1", 10, "a", "b"), conv("c2", 5, "a", "b")],
        ),
    );
    update(&mut s, Event::Debounced { generation: 1 });
    update(
        &mut s,
        Event::Fetched {
            id: "c1".into(),
            generation: 1,
            result: Err(Error::NotFound {
                what: "conversation c1".into(),
                context_id: None,
            }),
            at: now(),
        },
    );
    key(&mut s, KeyCode::Char('j'));
    assert_eq!(s.list.selected.as_deref(), Some("c2"));
    // r refetches the one shown, at once.
    key(&mut s, KeyCode::Char('k'));
    let fx = key(&mut s, KeyCode::Char('r'));
    assert!(fx.contains(&Effect::Fetch {
        id: "c1".into(),
        generation: 3
    }));
}

/// `<` / `>` move the sort along the shown columns; a sort by a column sorts the rows loaded
/// (and says so when the range is not all loaded); names that arrive re-sort a name column.
#[test]
fn sort_keys_move_along_the_columns_and_names_re_sort() {
    use crate::genesys::directory::{Kind, Names};
    let mut s = state();
    key(&mut s, KeyCode::Enter);
    let q = s.query_seq;
    // Agents known only by user id (as analytics gives them): named later.
    let mut convs = vec![
        conv("c-1", 1, "Zoe", "x"),
        conv("c-2", 2, "ann", "x"),
        conv("c-3", 3, "Émile", "x"),
    ];
    for (c, u) in convs.iter_mut().zip(["u-b", "u-c", "u-a"]) {
        let agent = c.participants.last_mut().unwrap();
        agent.participant_name = None;
        agent.user_id = Some(u.into());
    }
    update(&mut s, page(q, 10, convs));
    let ids = |s: &State| -> Vec<String> {
        s.list
            .visible
            .iter()
            .map(|&i| s.list.rows[i].id().to_string())
            .collect()
    };
    assert_eq!(ids(&s), ["c-3", "c-2", "c-1"], "newest first");
    // From Start, `>` goes right: Dur, then Dir (Media is not shown for web messaging)...
    key(&mut s, KeyCode::Char('>'));
    assert_eq!(s.list.sort, Sort::Duration);
    // ...and `<` twice from Dur wraps to the last column (the id).
    key(&mut s, KeyCode::Char('<'));
    assert_eq!(s.list.sort, Sort::Start);
    key(&mut s, KeyCode::Char('<'));
    assert_eq!(s.list.sort.title(), "Conversation id");
    // The Customer column, ascending: accents and case ignored.
    while s.list.sort.title() != "Customer" {
        key(&mut s, KeyCode::Char('<'));
    }
    key(&mut s, KeyCode::Char('s'));
    assert_eq!(s.list.order, Order::Asc);
    assert_eq!(ids(&s), ["c-2", "c-3", "c-1"], "ann, Émile, Zoe");
    let msg = s.message.clone().unwrap_or_default();
    assert!(msg.contains("ascending (the rows loaded)"), "{msg}");
    while s.list.sort.title() != "Agent(s)" {
        key(&mut s, KeyCode::Char('>'));
    }
    let msg = s.message.clone().unwrap();
    assert!(msg.contains("the 3 rows loaded of 10"), "{msg}");
    // The names arrive: the Agent(s) order follows them.
    let mut names = Names::default();
    for (u, n) in [("u-a", "Alma"), ("u-b", "Bea"), ("u-c", "Cy")] {
        names.insert(Kind::User, u.into(), Some(n.into()));
    }
    update(
        &mut s,
        Event::Names {
            names,
            problem: None,
        },
    );
    assert_eq!(ids(&s), ["c-3", "c-1", "c-2"], "Alma, Bea, Cy");
}

/// Two conversations loaded (the second with its anatomy: a transferred voice call), the list
/// focused.
fn with_anatomy() -> State {
    let mut s = state();
    key(&mut s, KeyCode::Enter);
    let convs = vec![
        crate::tui::fixtures::voice_transfer("v1"),
        conv("m1", 5, "Ann", "Bob"),
    ];
    update(&mut s, page(1, 2, convs));
    s
}

#[test]
fn s_opens_the_summary_cycles_its_groupings_and_closes() {
    use crate::tui::summary::Grouping;
    let mut s = with_anatomy();
    assert!(key(&mut s, KeyCode::Char('S')).is_empty(), "no request");
    // The panes are stacked at 120x40: the list keeps the focus, the summary is in the
    // detail's place.
    assert_eq!(s.focus, Focus::List);
    let v = s.summary.as_ref().unwrap();
    assert_eq!(v.grouping, Grouping::Queue);
    assert_eq!(v.summary.rows, 2);
    let mut seen = vec![Grouping::Queue];
    while s.summary.is_some() {
        key(&mut s, KeyCode::Char('S'));
        if let Some(v) = &s.summary {
            seen.push(v.grouping);
        }
    }
    assert_eq!(seen, Grouping::ORDER);
    assert!(s.message.as_deref().unwrap().contains("summary closed"));
}

#[test]
fn the_summary_has_its_keys_when_focused_and_esc_closes_it() {
    let mut s = with_anatomy();
    key(&mut s, KeyCode::Char('S'));
    key(&mut s, KeyCode::Tab);
    assert_eq!(s.mode(), Mode::Summary);
    // ←/→ go to the attribute grouping (no attribute is loaded: no key).
    key(&mut s, KeyCode::Right);
    let v = s.summary.as_ref().unwrap();
    assert_eq!(v.grouping, crate::tui::summary::Grouping::Attribute);
    assert_eq!(v.summary.key, None);
    // q and Esc close it (and do not quit).
    key(&mut s, KeyCode::Esc);
    assert!(s.summary.is_none());
    assert!(!s.quit);
    assert_eq!(s.mode(), Mode::Detail);
}

#[test]
fn the_summary_counts_again_only_when_the_rows_shown_change() {
    let mut s = with_anatomy();
    key(&mut s, KeyCode::Char('S'));
    let before = s.summary.as_ref().unwrap().summary.clone();
    assert_eq!(before.rows, 2);
    // A row replaced by a refresh (the same id, ended later) is counted again.
    let mut again = crate::tui::fixtures::voice_transfer("v1");
    again.conversation_end = Some("2026-11-24T15:00:00.000Z".into());
    update(&mut s, page(1, 2, vec![again]));
    let after = &s.summary.as_ref().unwrap().summary;
    assert_eq!(after.longest.as_ref().unwrap().0, 3600);
    assert_ne!(&before, after);
}

#[test]
fn enter_in_the_detail_pane_folds_and_unfolds_a_long_value() {
    let mut s = with_anatomy();
    let long = "x".repeat(2000);
    let mut c = Conversation {
        id: "v1".into(),
        ..Default::default()
    };
    c.participants
        .push(crate::genesys::model::ConversationParticipant {
            id: "v-caller".into(),
            purpose: Some("external".into()),
            attributes: [("blob".to_string(), long.clone())].into(),
            ..Default::default()
        });
    let generation = s.detail.generation;
    update(&mut s, Event::Debounced { generation });
    update(
        &mut s,
        Event::Fetched {
            id: "v1".into(),
            generation,
            result: Ok(Fresh::from_conversation(c)),
            at: now(),
        },
    );
    key(&mut s, KeyCode::Tab);
    let i = s
        .detail
        .document
        .items
        .iter()
        .position(|it| matches!(&it.item, crate::tui::detail::Item::Attribute { .. }))
        .unwrap();
    let lines = |s: &State| {
        let it = &s.detail.document.items[i];
        it.last - it.first + 1
    };
    assert_eq!(lines(&s), 4);
    s.detail.cursor = i;
    assert!(key(&mut s, KeyCode::Enter).is_empty());
    // Longer than the pane has room for: in a box of its own, with its line under it.
    let b = s.detail.document.value_box(i).unwrap().clone();
    assert!(b.total > b.rows && b.rows >= 3, "{b:?}");
    assert_eq!(lines(&s), b.rows + 1);
    assert!(key(&mut s, KeyCode::Char(']')).is_empty());
    assert_eq!(s.detail.document.value_box(i).unwrap().offset, 1);
    key(&mut s, KeyCode::Enter);
    assert_eq!(lines(&s), 4);
    // Another conversation shown: what was unfolded is forgotten.
    s.detail.cursor = i;
    key(&mut s, KeyCode::Enter);
    assert!(!s.detail.unfolded.is_empty());
    s.focus = Focus::List;
    key(&mut s, KeyCode::Down);
    assert!(s.detail.unfolded.is_empty());
}

#[test]
fn a_query_with_names_is_looked_up_before_it_loads() {
    use crate::genesys::search::{Entity, Resolved};
    let mut s = state();
    for _ in 0..3 {
        key(&mut s, KeyCode::Tab);
    }
    assert_eq!(s.form.field, crate::tui::form::Field::Query);
    typ(&mut s, r#"queue:"Support - Tier 1" live"#);
    let fx = key(&mut s, KeyCode::Enter);
    let Some(Effect::Resolve {
        id, text, scope, ..
    }) = fx.get(1).cloned()
    else {
        panic!("{fx:?}")
    };
    assert_eq!(text, r#"queue:"Support - Tier 1" live"#);
    assert_eq!(
        s.list.query_id, 0,
        "nothing loads before the names are known"
    );
    assert_eq!(s.message.as_deref(), Some("looking up the query's names…"));
    // An older look-up's answer is dropped.
    assert!(
        update(
            &mut s,
            Event::Resolved {
                id: id - 1,
                result: Err("old".into())
            }
        )
        .is_empty()
    );
    // A name the directory does not know is said at the Query field (sanitised).
    let fx = update(
        &mut s,
        Event::Resolved {
            id,
            result: Err("no queue is named 'X\x1b[2J'".into()),
        },
    );
    assert!(fx.is_empty());
    assert_eq!(s.focus, Focus::Form);
    assert_eq!(
        s.form.problems.query.as_deref(),
        Some("no queue is named 'X\\e[2J'")
    );
    // The look-up is over: its message goes at once (not when it would fade).
    assert_eq!(s.message, None);
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.message.as_deref(), Some("looking up the query's names…"));
    // Known: the scope with the search in it loads.
    let search = Resolved {
        text: text.clone(),
        queues: vec![Entity {
            id: "q1".into(),
            name: "Support - Tier 1".into(),
        }],
        live: true,
        ..Default::default()
    };
    let id = s.resolving;
    let fx = update(
        &mut s,
        Event::Resolved {
            id,
            result: Ok(scope.clone().with_search(search.clone())),
        },
    );
    assert_eq!(s.message, None);
    let Some(Effect::Query { scope: loaded, .. }) = fx.last() else {
        panic!("{fx:?}")
    };
    assert_eq!(loaded.search, search);
    assert_eq!(s.focus, Focus::List);
    assert_eq!(s.last_query.as_ref().unwrap().scope.search, search);
}

#[test]
fn a_query_that_does_not_parse_never_leaves() {
    let mut s = state();
    for _ in 0..3 {
        key(&mut s, KeyCode::Tab);
    }
    typ(&mut s, "attr:tier=gold");
    assert!(key(&mut s, KeyCode::Enter).is_empty());
    let m = s.form.problems.query.clone().unwrap();
    assert!(m.contains("use the list's local filter"), "{m}");
}

#[test]
fn tab_completes_a_name_in_the_query_field() {
    let mut s = state();
    for _ in 0..3 {
        key(&mut s, KeyCode::Tab);
    }
    typ(&mut s, "live queue:sup");
    let fx = key(&mut s, KeyCode::Tab);
    let [Effect::Complete { id, at, typed, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!((typed.as_str(), *at), ("sup", 11));
    assert_eq!(s.form.field, crate::tui::form::Field::Query, "Tab stayed");
    let (id, at) = (*id, *at);
    let names = |v: &[&str]| Ok(v.iter().map(|n| n.to_string()).collect());
    update(
        &mut s,
        Event::Completed {
            id,
            at,
            result: names(&["Support - Tier 1", "Support - Tier 2"]),
        },
    );
    assert_eq!(s.form.query.value(), r#"live queue:"Support - Tier "#);
    assert!(s.message.as_deref().unwrap().contains("2 names"));
    // Half a quoted name: the field says so until it is closed.
    typ(&mut s, "1");
    assert!(s.form.problems.query.is_some());
    update(
        &mut s,
        Event::Completed {
            id,
            at,
            result: names(&["Support - Tier 1"]),
        },
    );
    assert_eq!(s.form.query.value(), r#"live queue:"Support - Tier 1" "#);
    assert_eq!(
        s.form.problems.query, None,
        "the completion closed the quote"
    );
    // Nothing to complete: Tab moves on.
    assert!(key(&mut s, KeyCode::Tab).is_empty());
    assert_eq!(s.focus, Focus::List);
}

#[test]
fn tab_on_a_last_name_lists_the_names_or_puts_in_the_one() {
    let mut s = state();
    for _ in 0..3 {
        key(&mut s, KeyCode::Tab);
    }
    typ(&mut s, "agent:gom");
    let fx = key(&mut s, KeyCode::Tab);
    let [Effect::Complete { id, at, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    let (id, at) = (*id, *at);
    let names = |v: &[&str]| Ok(v.iter().map(|n| n.to_string()).collect());
    // Found by a word: no common start; what was typed stays, the footer lists them.
    update(
        &mut s,
        Event::Completed {
            id,
            at,
            result: names(&["Elena Gómez", "Jonas Gómez"]),
        },
    );
    assert_eq!(s.form.query.value(), "agent:gom");
    let m = s.message.clone().unwrap();
    assert!(m.contains("2 names: Elena Gómez, Jonas Gómez"), "{m}");
    update(
        &mut s,
        Event::Completed {
            id,
            at,
            result: names(&["Elena Gómez"]),
        },
    );
    assert_eq!(s.form.query.value(), r#"agent:"Elena Gómez" "#);
    // The list of two names the first Tab gave is gone with them.
    assert_eq!(s.message, None);
}
