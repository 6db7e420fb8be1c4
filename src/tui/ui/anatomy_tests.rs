//! The conversation's anatomy in the detail pane (timeline, transfers, wrap-ups, metrics),
//! long values folded, and the summary (`S`): whole screens in `TestBackend`, snapshots of the
//! detail pane with its styles written in (`«fg+MODS»text«»`), so that colours are pinned
//! too, in colour and under `NO_COLOR`.

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};

use super::tests::{render, text};
use crate::genesys::model::{AnalyticsConversation, Conversation, ConversationParticipant};
use crate::paging::PageEvent;
use crate::tui::app::{Event, Focus, State, update};
use crate::tui::detail::{Fresh, Item};
use crate::tui::fixtures::{IDS, key, messaging, now, page, screen, typ, voice_transfer};

/// GET conversation's view of an analytics record: the same participants, named, with `attrs`
/// on the first.
fn live_of(c: &AnalyticsConversation, attrs: &[(&str, &str)]) -> Conversation {
    Conversation {
        id: c.conversation_id.clone(),
        participants: c
            .participants
            .iter()
            .enumerate()
            .map(|(i, p)| ConversationParticipant {
                id: p.participant_id.clone(),
                name: p.participant_name.clone(),
                purpose: p.purpose.clone(),
                user_id: p.user_id.clone(),
                attributes: if i == 0 {
                    attrs
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect()
                } else {
                    Default::default()
                },
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

/// Both conversations loaded (the voice call first: it is the newer), row `row` selected, its
/// attributes read, the detail pane focused and zoomed.
fn anatomy_screen(width: u16, height: u16, color: bool, row: usize) -> State {
    let mut s = screen(width, height, color);
    key(&mut s, KeyCode::Enter);
    let convs = vec![voice_transfer(IDS[0]), messaging(IDS[1])];
    update(&mut s, page(1, 2, convs.clone()));
    update(
        &mut s,
        Event::Page(PageEvent::Done {
            query_id: 1,
            loaded: 2,
        }),
    );
    for _ in 0..row {
        key(&mut s, KeyCode::Down);
    }
    let attrs: &[(&str, &str)] = if row == 0 {
        &[("account", "ACME-4411"), ("ivr.choice", "2 (billing)")]
    } else {
        &[("cart", "3 items"), ("lastPage", "/checkout")]
    };
    let generation = s.detail.generation;
    update(&mut s, Event::Debounced { generation });
    update(
        &mut s,
        Event::Fetched {
            id: IDS[row].into(),
            generation,
            result: Ok(Fresh::from_conversation(live_of(&convs[row], attrs))),
            at: now(),
        },
    );
    key(&mut s, KeyCode::Tab);
    key(&mut s, KeyCode::Char('z'));
    s
}

/// A style as written in the snapshots: colours and modifiers, nothing for the default.
fn style_tag(st: Style) -> String {
    let mut parts = Vec::new();
    if let Some(fg) = st.fg.filter(|c| *c != Color::Reset) {
        parts.push(format!("{fg:?}"));
    }
    if let Some(bg) = st.bg.filter(|c| *c != Color::Reset) {
        parts.push(format!("bg:{bg:?}"));
    }
    let m = st.add_modifier;
    for (bit, name) in [
        (Modifier::BOLD, "B"),
        (Modifier::REVERSED, "R"),
        (Modifier::UNDERLINED, "U"),
        (Modifier::CROSSED_OUT, "X"),
    ] {
        if m.contains(bit) {
            parts.push(name.into());
        }
    }
    parts.join("+")
}

/// The lines of `area` with their styles written in: `«Green»███«»`.
fn styled(b: &Buffer, area: Rect) -> String {
    let mut out = String::new();
    for y in area.top()..area.bottom() {
        let mut line = String::new();
        let mut cur = String::new();
        for x in area.left()..area.right() {
            let cell = &b[(x, y)];
            let tag = style_tag(cell.style());
            if tag != cur {
                if !cur.is_empty() {
                    line.push_str("«»");
                }
                if !tag.is_empty() {
                    line.push_str(&format!("«{tag}»"));
                }
                cur = tag;
            }
            line.push_str(cell.symbol());
        }
        if !cur.is_empty() {
            line.push_str("«»");
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn detail_styled(s: &State) -> String {
    styled(&render(s), s.layout.detail.unwrap())
}

#[test]
fn a_transferred_voice_call_reads_from_its_anatomy() {
    let s = anatomy_screen(200, 50, true, 0);
    let t = text(&render(&s));
    for want in [
        "Timeline  14:00:00 – 14:13:00",
        // One lane per participant, agents by short user id until names are known.
        "↗ Ann Lee",
        "⚙ Main IVR",
        "≡ Support - Tier 1",
        "● a9e1c3d5…",
        "● b8f2d4e6…",
        "░ IVR/flow",
        "▄ hold",
        "▚ wrap-up",
        "14:01:10  ⚙ Main IVR → ≡ Support - Tier 1  transfer",
        "14:02:40  ≡ Support - Tier 1 → ● a9e1c3d5…  transfer  after 1m30s in queue",
        "14:08:02  ● a9e1c3d5… → ● b8f2d4e6… (queue 82f30412…)  transfer",
        "14:12:30  ended  ↗ Ann Lee endpoint · ● b8f2d4e6… peer",
        "● a9e1c3d5…  code e5c5a7b9…",
        "note: Billing question: sent to Billing",
        "account",
    ] {
        assert!(t.contains(want), "{want:?} missing:\n{t}");
    }
    // The metrics: the second agent's talk, ACW and handle.
    let agent2 = t
        .lines()
        .find(|l| l.contains("● b8f2d4e6…") && l.contains("4m20s"))
        .unwrap_or_else(|| panic!("{t}"));
    assert!(
        agent2.contains("30s") && agent2.contains("4m50s"),
        "{agent2}"
    );
}

/// Most callers in real voice data have no name: their lane and the ending are their number,
/// as the Customer column shows it, not the word "external".
#[test]
fn an_unnamed_caller_is_their_number() {
    let mut c = voice_transfer(IDS[0]);
    c.participants[0].participant_name = None;
    c.participants[0].sessions[0]
        .extra
        .insert("ani".into(), "tel:+15550102030".into());
    let s = {
        let mut s = screen(200, 50, false);
        key(&mut s, KeyCode::Enter);
        update(&mut s, page(1, 1, vec![c]));
        key(&mut s, KeyCode::Tab);
        key(&mut s, KeyCode::Char('z'));
        s
    };
    let t = text(&render(&s));
    assert!(t.contains("↗ +15550102030 "), "{t}");
    assert!(t.contains("ended  ↗ +15550102030 endpoint"), "{t}");
    let timeline = &t[t.find("Timeline").unwrap()..];
    assert!(!timeline.contains("↗ external"), "{t}");
    // The participants say the same as the timeline and the list's Customer column.
    assert!(t.contains("↗ external  +15550102030"), "{t}");
    assert!(t.contains("Customer +15550102030"), "{t}");
    assert!(!t.contains("(no name)"), "{t}");
}

#[test]
fn an_unnamed_caller_opened_by_id_is_their_address() {
    // Not in the list: GET conversation's participant is all there is; its address names it.
    let mut s = screen(120, 40, false);
    s.focus = crate::tui::app::Focus::List;
    key(&mut s, KeyCode::Char(':'));
    typ(&mut s, IDS[2]);
    key(&mut s, KeyCode::Enter);
    let mut caller = ConversationParticipant {
        id: "p-caller".into(),
        purpose: Some("external".into()),
        name: Some("  ".into()),
        address: Some("tel:+15550109999".into()),
        ..Default::default()
    };
    let agent = ConversationParticipant {
        id: "p-agent".into(),
        purpose: Some("agent".into()),
        ..Default::default()
    };
    let fetch = |s: &mut State, caller: &ConversationParticipant| {
        let generation = s.detail.generation;
        update(s, Event::Debounced { generation });
        let c = Conversation {
            id: IDS[2].into(),
            participants: vec![caller.clone(), agent.clone()],
            ..Default::default()
        };
        update(
            s,
            Event::Fetched {
                id: IDS[2].into(),
                generation,
                result: Ok(Fresh::from_conversation(c)),
                at: now(),
            },
        );
    };
    fetch(&mut s, &caller);
    let t = text(&render(&s));
    assert!(t.contains("opened by id"), "{t}");
    assert!(t.contains("↗ external  +15550109999"), "{t}");
    // An agent has no address to go by: still "(no name)".
    assert!(t.contains("● agent  (no name)"), "{t}");
    // Without `address`, the caller's number.
    caller.address = None;
    caller.extra.insert("ani".into(), "tel:+15550108888".into());
    key(&mut s, KeyCode::Char('r'));
    fetch(&mut s, &caller);
    let t = text(&render(&s));
    assert!(t.contains("↗ external  +15550108888"), "{t}");
}

#[test]
fn a_messaging_conversation_reads_from_its_anatomy() {
    let s = anatomy_screen(200, 50, true, 1);
    let t = text(&render(&s));
    for want in [
        "Timeline  09:15:00 – 09:42:00",
        "█ messaging",
        "09:15:03  ⚙ Web inbound flow → ≡ Sales  transfer",
        "09:19:40  ≡ Sales → ● c7a3e5f7…  transfer  after 4m37s in queue",
        "09:20:10  ● c7a3e5f7… → ● d6b4f6a8…  noAnswerTransfer (not answered)",
        "ended  ◆ Jane Roe client · ● d6b4f6a8… peer",
        "note: Order #4411: delivery date confirmed",
    ] {
        assert!(t.contains(want), "{want:?} missing:\n{t}");
    }
    assert!(!t.contains("talking"), "{t}");
}

/// The snapshots: both conversations, 80 and 200 columns, colour and `NO_COLOR`.
#[test]
fn anatomy_snapshots() {
    for (row, name) in [(0, "voice_transfer"), (1, "messaging")] {
        for (w, h) in [(80, 60), (200, 50)] {
            for color in [true, false] {
                let s = anatomy_screen(w, h, color, row);
                let mode = if color { "color" } else { "no_color" };
                insta::assert_snapshot!(format!("{name}_{w}_{mode}"), detail_styled(&s));
            }
        }
    }
}

#[test]
fn without_colour_the_symbols_say_the_same() {
    for row in [0, 1] {
        for w in [80, 200] {
            let c = render(&anatomy_screen(w, 60, true, row));
            let m = render(&anatomy_screen(w, 60, false, row));
            assert_eq!(text(&c), text(&m));
            assert!(m.content().iter().all(|c| c.fg == Color::Reset));
        }
    }
}

#[test]
fn each_kind_of_segment_has_its_colour() {
    let s = anatomy_screen(200, 50, true, 0);
    let b = render(&s);
    let mut seen = std::collections::HashMap::new();
    for cell in b.content() {
        let sym = cell.symbol();
        if ["░", "▒", "▓", "█", "▄", "▚", "·"].contains(&sym) && cell.fg != Color::Reset
        {
            seen.entry(sym.to_string()).or_insert(cell.fg);
        }
    }
    assert_eq!(seen.get("░"), Some(&Color::Blue));
    assert_eq!(seen.get("▒"), Some(&Color::Yellow));
    assert_eq!(seen.get("▓"), Some(&Color::Magenta));
    assert_eq!(seen.get("█"), Some(&Color::Green));
    assert_eq!(seen.get("▄"), Some(&Color::Red));
    assert_eq!(seen.get("▚"), Some(&Color::Cyan));
}

#[test]
fn the_axis_and_lanes_share_one_scale() {
    // 200 columns: the hold (45 s of 12m30s) is a few cells, where the caller and the first
    // agent hold, in the same columns.
    let s = anatomy_screen(200, 50, true, 0);
    let t = text(&render(&s));
    let col = |who: &str| {
        let l = t
            .lines()
            .find(|l| l.contains(who) && l.contains('▄'))
            .unwrap();
        l.chars().position(|c| c == '▄').unwrap()
    };
    assert_eq!(col("↗ Ann Lee"), col("● a9e1c3d5…"));
    // The ruler has ticks under the times.
    assert!(t.contains("14:02"), "{t}");
    assert!(t.lines().any(|l| l.contains("┼────")), "{t}");
}

#[test]
fn the_cursor_and_the_mouse_reach_the_anatomy() {
    let mut s = anatomy_screen(120, 60, false, 0);
    // j goes from the attributes on through the lanes, then the transfers.
    let doc = &s.detail.document;
    let first = doc
        .items
        .iter()
        .position(|it| it.first >= doc.anatomy.start)
        .unwrap();
    while s.detail.cursor + 1 < first {
        key(&mut s, KeyCode::Char('j'));
    }
    key(&mut s, KeyCode::Char('j'));
    assert!(s.detail.document.items[s.detail.cursor].first >= s.detail.document.anatomy.start);
    let it = s
        .detail
        .document
        .selected(s.detail.cursor)
        .unwrap()
        .item
        .clone();
    assert_eq!(it, Item::Participant("v-caller".into()));
    for _ in 0..5 {
        key(&mut s, KeyCode::Char('j'));
    }
    match &s.detail.document.selected(s.detail.cursor).unwrap().item {
        Item::Line(l) => assert!(l.contains("Main IVR → ≡ Support - Tier 1"), "{l}"),
        other => panic!("{other:?}"),
    }
    // A click on the third transfer selects it; y copies its text.
    let doc = &s.detail.document;
    let i = doc
        .items
        .iter()
        .position(|it| matches!(&it.item, Item::Line(l) if l.contains("(queue 82f30412…)")))
        .unwrap();
    let line = doc.items[i].first;
    s.mouse = true;
    let d = s.layout.detail.unwrap();
    let y = d.y + 1 + (line - s.detail.scroll) as u16;
    update(
        &mut s,
        Event::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: d.x + 4,
            row: y,
            modifiers: KeyModifiers::NONE,
        }),
    );
    assert_eq!(s.detail.cursor, i);
    key(&mut s, KeyCode::Char('y'));
    let msg = s.message.clone().unwrap_or_default();
    assert!(msg.starts_with("copied the line"), "{msg}");
}

/// The customer of the voice call with a 20,000-character value (as `sim --hostile` has) and
/// a short one after it.
fn with_long_value(width: u16, height: u16) -> State {
    let mut s = anatomy_screen(width, height, false, 0);
    let c = voice_transfer(IDS[0]);
    let long = crate::sim::hostile::long_value();
    assert!(long.chars().count() >= 20_000);
    let live = live_of(
        &c,
        &[
            ("account", "ACME-4411"),
            ("hostile.long", &long),
            ("zeta", "after the long one"),
        ],
    );
    key(&mut s, KeyCode::Char('r'));
    let generation = s.detail.generation;
    update(
        &mut s,
        Event::Fetched {
            id: IDS[0].into(),
            generation,
            result: Ok(Fresh::from_conversation(live)),
            at: now(),
        },
    );
    s
}

/// The index of the item of attribute `key`.
fn attr_item(s: &State, key: &str) -> usize {
    s.detail
        .document
        .items
        .iter()
        .position(|it| matches!(&it.item, Item::Attribute { key: k, .. } if k == key))
        .unwrap()
}

/// Moves the detail pane's cursor to item `i` with `j`, as a user does.
fn cursor_to(s: &mut State, i: usize) {
    while s.detail.cursor < i {
        key(s, KeyCode::Char('j'));
    }
}

/// The screen's lines holding `needle`.
fn lines_with<'a>(t: &'a str, needle: &str) -> Vec<&'a str> {
    t.lines().filter(|l| l.contains(needle)).collect()
}

#[test]
fn a_long_value_is_folded_and_enter_unfolds_it() {
    let mut s = with_long_value(120, 70);
    let t = text(&render(&s));
    assert!(t.contains("more characters (Enter shows it whole)"), "{t}");
    // The attributes after it are in sight.
    assert!(
        t.contains("zeta") && t.contains("after the long one"),
        "{t}"
    );
    // Enter on it shows it in a box; Enter again folds it.
    let i = attr_item(&s, "hostile.long");
    let folded = s.detail.document.items[i].last - s.detail.document.items[i].first + 1;
    assert_eq!(folded, 4, "3 lines and the fold");
    cursor_to(&mut s, i);
    key(&mut s, KeyCode::Enter);
    let span = s.detail.document.items[i].clone();
    let b = s.detail.document.value_box(i).unwrap().clone();
    assert!(b.total > 200 && b.rows >= 20, "{b:?}");
    assert_eq!(
        span.last - span.first + 1,
        b.rows + 1,
        "the box and its line"
    );
    let t = text(&render(&s));
    assert!(!t.contains("more characters"), "{t}");
    // j goes past it in one step, to the attribute after it, in view.
    key(&mut s, KeyCode::Char('j'));
    let t = text(&render(&s));
    assert!(t.contains("after the long one"), "{t}");
    key(&mut s, KeyCode::Char('k'));
    key(&mut s, KeyCode::Enter);
    assert_eq!(
        s.detail.document.items[i].last - s.detail.document.items[i].first + 1,
        4
    );
    assert!(s.detail.document.boxes.is_empty());
}

/// The 20,000-character value unfolded, at `width` x `height` (zoomed or not): its box, and the
/// attributes before and after it, all on screen; `]`, `}`, `{`, `[` scroll the box and nothing
/// else; the pane's title and the box's line agree with what is shown.
fn unfolded_keeps_the_others_in_sight(width: u16, height: u16, zoomed: bool) {
    let mut s = with_long_value(width, height);
    if !zoomed {
        key(&mut s, KeyCode::Char('z'));
    }
    let i = attr_item(&s, "hostile.long");
    cursor_to(&mut s, i);
    key(&mut s, KeyCode::Enter);
    let b = s.detail.document.value_box(i).unwrap().clone();
    let rows = s.layout.detail_rows();
    // At most half the pane when the rest needs more than the other half.
    assert!(b.rows <= rows.div_ceil(2).max(3), "{b:?} in {rows} rows");
    assert!(b.rows >= 3, "{b:?}");
    let t = text(&render(&s));
    let total = crate::human::num(b.total);
    let first = format!("lines 1–{} of {total}", b.rows);
    assert_eq!(lines_with(&t, &first).len(), 1, "{first}\n{t}");
    for needle in [
        "account",
        "ACME-4411",
        "hostile.long",
        "zeta",
        "after the long one",
    ] {
        assert_eq!(lines_with(&t, needle).len(), 1, "{needle} in sight\n{t}");
    }
    // A scroll bar at the box's right, its thumb at the top.
    let top = lines_with(&t, "hostile.long")[0].trim_end();
    assert!(top.ends_with("┃│"), "{top}");
    // One line down, then a page, then back: the box moves, the pane stays.
    let scroll = s.detail.scroll;
    key(&mut s, KeyCode::Char(']'));
    let t = text(&render(&s));
    let second = format!("lines 2–{} of {total}", b.rows + 1);
    assert_eq!(lines_with(&t, &second).len(), 1, "{second}\n{t}");
    key(&mut s, KeyCode::Char('}'));
    let page = b.rows - 1;
    let moved = format!("lines {}–{} of {total}", 2 + page, b.rows + 1 + page);
    assert!(text(&render(&s)).contains(&moved), "{moved}");
    assert_eq!(s.detail.scroll, scroll);
    key(&mut s, KeyCode::Char('{'));
    key(&mut s, KeyCode::Char('['));
    assert!(text(&render(&s)).contains(&first));
    // Never past the value's end: the last line shown is its last.
    for _ in 0..b.total {
        key(&mut s, KeyCode::Char('}'));
    }
    let last = format!(
        "lines {}–{total} of {total}",
        crate::human::num(b.total - b.rows + 1)
    );
    let t = text(&render(&s));
    assert_eq!(lines_with(&t, &last).len(), 1, "{last}\n{t}");
    // Its last line is the value's end, the thumb at the bottom.
    let screen: Vec<&str> = t.lines().collect();
    let at = screen.iter().position(|l| l.contains(&last)).unwrap();
    let end = screen[at - 1].trim_end();
    assert!(end.ends_with("┃│"), "{end}");
    // Between the pane's border and the scroll bar.
    let shown = end
        .trim_end_matches(['┃', '│'])
        .trim_start_matches('│')
        .trim();
    let long = crate::sim::hostile::long_value();
    assert!(long.ends_with(shown), "{shown}");
    // Still in sight, on the same screen.
    for needle in ["ACME-4411", "after the long one"] {
        assert_eq!(lines_with(&t, needle).len(), 1, "{needle}\n{t}");
    }
}

#[test]
fn an_unfolded_20000_character_value_scrolls_in_a_box_at_80x24() {
    unfolded_keeps_the_others_in_sight(80, 24, false);
}

#[test]
fn an_unfolded_20000_character_value_scrolls_in_a_box_at_200x60() {
    unfolded_keeps_the_others_in_sight(200, 60, true);
}

#[test]
fn an_unfolded_value_leaves_a_tall_pane_to_the_whole_document() {
    // At 200x120 zoomed the rest of the document is short beside the pane: the box takes what
    // the rest leaves, and the whole document fits the pane.
    let mut s = with_long_value(200, 120);
    let i = attr_item(&s, "hostile.long");
    cursor_to(&mut s, i);
    key(&mut s, KeyCode::Enter);
    let b = s.detail.document.value_box(i).unwrap().clone();
    let rows = s.layout.detail_rows();
    let doc = s.detail.document.lines.len();
    assert!(doc <= rows, "{doc} lines in {rows}");
    assert!(b.rows > rows / 2, "{b:?} in {rows}");
}

#[test]
fn the_wheel_over_a_box_scrolls_the_value_then_the_pane() {
    let mut s = with_long_value(200, 60);
    s.mouse = true;
    let i = attr_item(&s, "hostile.long");
    cursor_to(&mut s, i);
    key(&mut s, KeyCode::Enter);
    let b = s.detail.document.value_box(i).unwrap().clone();
    let area = s.layout.detail.unwrap();
    let y = area.y
        + 1
        + (b.lines.start
            - s.detail
                .scroll
                .min(s.detail.document.max_scroll(s.layout.detail_rows()))) as u16;
    let wheel = |s: &mut State, kind| {
        update(
            s,
            Event::Mouse(MouseEvent {
                kind,
                column: area.x + 10,
                row: y,
                modifiers: KeyModifiers::NONE,
            }),
        )
    };
    wheel(&mut s, MouseEventKind::ScrollDown);
    assert_eq!(s.detail.document.value_box(i).unwrap().offset, 3);
    wheel(&mut s, MouseEventKind::ScrollUp);
    wheel(&mut s, MouseEventKind::ScrollUp);
    assert_eq!(s.detail.document.value_box(i).unwrap().offset, 0);
    // At the top of the value the wheel up scrolls the pane (here already at its top: nothing).
    assert_eq!(s.detail.scroll, 0);
}

#[test]
fn the_value_keys_elsewhere_say_what_they_do() {
    let mut s = with_long_value(120, 60);
    key(&mut s, KeyCode::Char(']'));
    let m = s.message.clone().unwrap_or_default();
    assert!(m.contains("]/[") && m.contains("Enter unfolds"), "{m}");
}

#[test]
fn enter_on_a_line_that_is_no_value_says_what_it_does() {
    let mut s = anatomy_screen(120, 60, false, 0);
    key(&mut s, KeyCode::Enter);
    assert!(
        s.message
            .as_deref()
            .unwrap_or("")
            .contains("long attribute value")
    );
}

#[test]
fn every_simulated_conversation_has_a_timeline_at_every_width() {
    let ds = crate::sim::Dataset::new(&crate::sim::SimConfig {
        conversations: 120,
        hostile: true,
        ..Default::default()
    });
    let convs: Vec<AnalyticsConversation> = (0..120).map(|i| ds.analytics(i)).collect();
    for (w, h) in [(60, 40), (80, 50), (200, 60)] {
        let mut s = screen(w, h, true);
        key(&mut s, KeyCode::Enter);
        update(&mut s, page(1, 120, convs.clone()));
        for i in 0..120 {
            let doc = &s.detail.document;
            let lines: Vec<String> = doc
                .lines
                .iter()
                .map(|l| l.iter().map(|(t, _)| t.as_str()).collect())
                .collect();
            assert!(
                lines.iter().any(|l| l.starts_with("Timeline")),
                "{i}: {lines:#?}"
            );
            // Nothing wider than the pane, nothing unsafe.
            let width = s.layout.detail_width();
            for l in &lines[doc.anatomy.clone()] {
                assert!(crate::tui::layout::text::width(l) <= width, "{i} {w}: {l}");
                assert!(!crate::tui::sanitize::has_unsafe(l), "{l:?}");
            }
            render(&s);
            key(&mut s, KeyCode::Down);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The summary

/// Both fixtures and two more conversations loaded, the list focused, `S` pressed.
fn summary_screen(width: u16, height: u16) -> State {
    let mut s = screen(width, height, true);
    key(&mut s, KeyCode::Enter);
    let mut third = voice_transfer(IDS[2]);
    third.conversation_start = Some("2026-11-24T15:30:00.000Z".into());
    third.conversation_end = Some("2026-11-24T16:18:03.000Z".into());
    let mut live = messaging(IDS[3]);
    live.conversation_end = None;
    update(
        &mut s,
        page(
            1,
            4,
            vec![voice_transfer(IDS[0]), messaging(IDS[1]), third, live],
        ),
    );
    key(&mut s, KeyCode::Char('S'));
    s
}

#[test]
fn the_summary_counts_the_rows_shown_by_queue() {
    let s = summary_screen(120, 40);
    let t = text(&render(&s));
    assert!(t.contains("Summary of the 4 rows shown"), "{t}");
    assert!(
        t.contains("4 conversations · 1 live · median 26m20s · longest 48m03s"),
        "{t}"
    );
    let bar = |label: &str| {
        t.lines()
            .find(|l| l.contains(label) && l.contains('█'))
            .unwrap_or_else(|| panic!("{label}:\n{t}"))
            .to_string()
    };
    // The voice calls went through two queues each: counted in both.
    assert!(bar("Support - Tier 1").contains(" 2  50%"), "{t}");
    // Billing has no `acd` participant to name it: a short id until names are known.
    assert!(bar("82f30412…").contains(" 2  50%"), "{t}");
    assert!(bar("Sales").contains(" 2  50%"), "{t}");
    assert!(
        t.contains("a conversation with several queues counts in each"),
        "{t}"
    );
    insta::assert_snapshot!(t);
}

#[test]
fn s_cycles_the_groupings_then_closes() {
    let mut s = summary_screen(120, 40);
    let mut titles = Vec::new();
    loop {
        let t = text(&render(&s));
        let by = t.lines().find_map(|l| {
            l.split("By ")
                .nth(1)
                .map(|r| r.split("   ").next().unwrap().to_string())
        });
        titles.push(by.unwrap_or_default());
        key(&mut s, KeyCode::Char('S'));
        if s.summary.is_none() {
            break;
        }
    }
    assert_eq!(
        titles,
        [
            "queue",
            "agent",
            "wrap-up",
            "hour of day",
            "attribute (none loaded)"
        ]
    );
    let t = text(&render(&s));
    assert!(t.contains("Participants & attributes"), "{t}");
}

#[test]
fn the_summary_by_wrap_up_agent_and_hour() {
    let mut s = summary_screen(120, 40);
    key(&mut s, KeyCode::Char('S'));
    let t = text(&render(&s));
    // Agents by short id until names are known; the live one's second agent counts.
    assert!(t.contains("b8f2d4e6…"), "{t}");
    assert!(t.contains("d6b4f6a8…"), "{t}");
    key(&mut s, KeyCode::Char('S'));
    let t = text(&render(&s));
    let line = |label: &str| {
        t.lines()
            .find(|l| l.contains(label))
            .unwrap_or_default()
            .to_string()
    };
    assert!(line("code f4d6b8ca…").contains(" 4 100%"), "{t}");
    assert!(line("code e5c5a7b9…").contains(" 2  50%"), "{t}");
    key(&mut s, KeyCode::Char('S'));
    let t = text(&render(&s));
    // 09:00 to 15:00, the empty hours included.
    for h in ["09:00", "10:00", "14:00", "15:00"] {
        assert!(t.contains(h), "{h}\n{t}");
    }
    assert!(!t.contains("16:00"), "{t}");
}

#[test]
fn the_summary_follows_the_filter() {
    let mut s = summary_screen(120, 40);
    key(&mut s, KeyCode::Char('/'));
    typ(&mut s, "jane");
    let t = text(&render(&s));
    assert!(t.contains("Summary of the 2 rows shown"), "{t}");
    assert!(
        t.lines()
            .any(|l| l.contains("Sales") && l.contains(" 2 100%")),
        "{t}"
    );
    assert!(!t.contains("82f30412…"), "{t}");
    key(&mut s, KeyCode::Esc);
    let t = text(&render(&s));
    assert!(t.contains("Summary of the 4 rows shown"), "{t}");
}

#[test]
fn the_summary_by_attribute_counts_loaded_rows_and_says_so() {
    let mut s = summary_screen(120, 40);
    // Attributes known for one row.
    s.list.learn_attributes(
        IDS[1],
        &[(
            "m-cust".into(),
            [("Tier".to_string(), "Gold".to_string())].into(),
        )],
    );
    for _ in 0..4 {
        key(&mut s, KeyCode::Char('S'));
    }
    let t = text(&render(&s));
    assert!(t.contains("By attribute Tier"), "{t}");
    // The share is of the rows counted (the one loaded), not of the 4 shown.
    assert!(
        t.lines()
            .any(|l| l.contains("Gold") && l.contains('█') && l.contains(" 1 100%")),
        "{t}"
    );
    assert!(t.contains("attributes of 3 rows not loaded"), "{t}");
}

/// ←/→ choose the attribute where the summary has the keyboard: from the list, its hint says
/// Tab first.
#[test]
fn the_attribute_keys_hint_says_where_its_keys_work() {
    let mut s = summary_screen(120, 40);
    s.list.learn_attributes(
        IDS[1],
        &[(
            "m-cust".into(),
            [
                ("Tier".to_string(), "Gold".to_string()),
                ("lang".to_string(), "de".to_string()),
            ]
            .into(),
        )],
    );
    for _ in 0..4 {
        key(&mut s, KeyCode::Char('S'));
    }
    assert_eq!(s.focus, Focus::List);
    let t = text(&render(&s));
    assert!(t.contains("Tab, ←/→: 2 keys"), "{t}");
    key(&mut s, KeyCode::Tab);
    let t = text(&render(&s));
    assert!(t.contains(" · ←/→: 2 keys"), "{t}");
    let before = t
        .lines()
        .find(|l| l.contains("By attribute"))
        .unwrap()
        .to_string();
    key(&mut s, KeyCode::Right);
    let t = text(&render(&s));
    let after = t
        .lines()
        .find(|l| l.contains("By attribute"))
        .unwrap()
        .to_string();
    assert_ne!(before, after, "→ chose the other key");
}

#[test]
fn the_summary_takes_the_focus_when_the_panes_take_turns() {
    let mut s = summary_screen(80, 24);
    assert_eq!(s.mode(), crate::tui::keymap::Mode::Summary);
    let t = text(&render(&s));
    assert!(t.contains("Summary"), "{t}");
    key(&mut s, KeyCode::Esc);
    assert!(s.summary.is_none());
}

/// The wait in queue a transfer line gives is rounded as the metrics' `in queue` is, so that
/// the two say the same of one wait (4.6 s more than 4m36s is 4m37s in both).
#[test]
fn the_wait_before_a_transfer_is_rounded_as_the_metrics_are() {
    let mut c = messaging(IDS[1]);
    let acd = c
        .participants
        .iter_mut()
        .find(|p| p.purpose.as_deref() == Some("acd"))
        .unwrap();
    let segs = acd.sessions[0].extra.get_mut("segments").unwrap();
    assert_eq!(segs[0]["segmentStart"], "2026-11-24T09:15:03.000Z");
    segs[0]["segmentStart"] = "2026-11-24T09:15:03.400Z".into();
    let mut s = screen(200, 60, false);
    key(&mut s, KeyCode::Enter);
    update(&mut s, page(1, 1, vec![c]));
    let t: String = s
        .detail
        .document
        .lines
        .iter()
        .map(|l| l.iter().map(|(t, _)| t.as_str()).collect::<String>() + "\n")
        .collect();
    assert!(t.contains("after 4m37s in queue"), "{t}");
}

/// The line saying how the conversation ended names who was there at the end: a colleague
/// consulted who hung up earlier is in the timeline, not in it.
#[test]
fn the_end_names_who_was_there_not_who_left_before() {
    let mut c = voice_transfer(IDS[0]);
    c.participants.push(crate::tui::fixtures::consulted(
        crate::tui::fixtures::AGENT_CY,
        "14:09:00",
        "14:10:00",
    ));
    let mut s = screen(200, 60, false);
    key(&mut s, KeyCode::Enter);
    update(&mut s, page(1, 1, vec![c]));
    let t: String = s
        .detail
        .document
        .lines
        .iter()
        .map(|l| l.iter().map(|(t, _)| t.as_str()).collect::<String>() + "\n")
        .collect();
    let ended = t
        .lines()
        .find(|l| l.contains(" ended "))
        .unwrap_or_else(|| panic!("{t}"));
    assert!(
        ended.contains("Ann Lee endpoint") && ended.contains("b8f2d4e6… peer"),
        "{ended}"
    );
    assert!(!ended.contains("c7a3e5f7"), "{ended}");
    assert!(
        t.lines()
            .any(|l| l.contains("● c7a3e5f7…") && l.contains('█')),
        "{t}"
    );
}
