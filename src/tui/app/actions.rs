//! One-shot actions: copy (`y`/`Y`), export from the screen (`x`/`X`), open by id (`:`), resume
//! a failed load (`r`), and moving among the detail pane's items.

use std::path::{Path, PathBuf};

use super::{Effect, Focus, Popup, State};
use crate::config::Clipboard;
use crate::export::Format;
use crate::human::{count, num};
use crate::tui::clipboard::{self, Target};
use crate::tui::detail::{Item, ItemSpan};
use crate::tui::keymap::{Action, Mode};
use crate::tui::layout::text::{fit, width};
use crate::tui::sanitize::{escape_json_text, sanitize};

/// `y` (or `Y`: `key=value`): copies what is selected: the conversation id in the list; in the
/// detail pane the selected attribute's value, participant id or conversation id; in the raw
/// view the whole JSON. What was received is copied, except control and invisible characters:
/// pasted raw, `\e[201~` ends a shell's bracketed paste and a `\r` runs what follows. They are
/// copied escaped as the screen shows them (in the JSON, in JSON's `\u` form: the same value),
/// and the status line says so.
pub(super) fn copy(s: &mut State, pair: bool) -> Vec<Effect> {
    let Some((what, text, escaped)) = to_copy(s, pair) else {
        return vec![];
    };
    copy_text(s, what, text, escaped)
}

/// What `y` copies here, escaped, and whether escaping changed it.
fn to_copy(s: &mut State, pair: bool) -> Option<(String, String, bool)> {
    let (what, text) = selected_text(s, pair)?;
    let safe = match s.mode() {
        Mode::RawJson => escape_json_text(&text),
        _ => sanitize(&text),
    };
    let escaped = safe != text;
    Some((what, safe, escaped))
}

/// What is selected, as received.
fn selected_text(s: &mut State, pair: bool) -> Option<(String, String)> {
    let (what, text) = match s.mode() {
        Mode::ApiLog => {
            let v = s.api_log.as_ref()?;
            let Some(call) = v.records.get(v.selected) else {
                s.message = Some("no API call yet".into());
                return None;
            };
            match &call.correlation_id {
                Some(cid) => (
                    format!(
                        "the correlation id of {} {}",
                        call.method,
                        fit(&call.path, 40)
                    ),
                    cid.clone(),
                ),
                None => {
                    s.message = Some(format!(
                        "{} {} has no correlation id (no answer came)",
                        call.method,
                        fit(&sanitize(&call.path), 40)
                    ));
                    return None;
                }
            }
        }
        Mode::RawJson => {
            let json = s
                .raw_json
                .as_ref()
                .and_then(|r| s.detail.snapshot(&r.id))
                .map(|snap| snap.raw.to_string())?;
            ("the conversation's JSON".to_string(), json)
        }
        Mode::Detail => {
            let selected = s.detail.document.selected(s.detail.cursor);
            let Some(item) = selected.map(|span| span.item.clone()) else {
                s.message = Some("nothing to copy here yet".into());
                return None;
            };
            match item {
                Item::Conversation(id) => ("the conversation id".to_string(), id),
                Item::Participant(id) => ("the participant id".to_string(), id),
                Item::Line(text) => ("the line".to_string(), text),
                Item::Attribute { key, value, .. } => {
                    let k = fit(&sanitize(&key), 40);
                    if pair {
                        (format!("{k}=…"), format!("{key}={value}"))
                    } else {
                        (format!("the value of {k}"), value)
                    }
                }
            }
        }
        Mode::List => match s.list.selected_row() {
            Some(r) => ("the conversation id".to_string(), r.id().to_string()),
            None => {
                s.message = Some("nothing to copy: the list is empty".into());
                return None;
            }
        },
        _ => return None,
    };
    Some((what, text))
}

/// Sends `text` to the clipboard, or shows it for copying by hand when it cannot go.
fn copy_text(s: &mut State, what: String, text: String, escaped: bool) -> Vec<Effect> {
    let chars = text.chars().count();
    let note = if escaped {
        ", control characters escaped"
    } else {
        ""
    };
    if s.clipboard == Clipboard::Off {
        s.popup = Some(Popup {
            title: format!("{what} (clipboard off: select it by hand{note})"),
            text,
            scroll: 0,
        });
        return vec![];
    }
    if s.clip_target == Target::TmuxBlocked {
        // tmux would swallow the OSC 52: saying "copied" would be a lie.
        s.message =
            Some("not copied: tmux needs set-clipboard on (or allow-passthrough on)".into());
        s.popup = Some(Popup {
            title: format!(
                "not copied: tmux needs `set -g set-clipboard on`; {what}, to select by hand{note}"
            ),
            text,
            scroll: 0,
        });
        return vec![];
    }
    match clipboard::osc52(&text, s.clip_target) {
        Some(seq) => {
            s.message = Some(format!("copied {what}: {} chars{note}", num(chars)));
            vec![Effect::Copy(seq)]
        }
        None => {
            s.popup = Some(Popup {
                title: format!(
                    "{what}: {} bytes, too large for the terminal's clipboard: select it by \
                     hand{note}",
                    num(text.len())
                ),
                text,
                scroll: 0,
            });
            vec![]
        }
    }
}

/// `x`/`X`: writes the rows shown (filtered) in the working directory: NDJSON with the
/// attributes known so far, or the per-conversation CSV of the list's columns, by name.
pub(super) fn export(s: &mut State, format: Format) -> Vec<Effect> {
    if s.list.visible.is_empty() {
        s.message = Some("nothing to export: no row is shown".into());
        return vec![];
    }
    let rows = || s.list.visible.iter().map(|&i| &s.list.rows[i]);
    let conversations: Vec<_> = rows().map(|r| r.conversation()).collect();
    let ext = match format {
        Format::Ndjson => "ndjson",
        Format::Csv | Format::CsvAttributes => "csv",
    };
    let stamp = s.zone().format(s.now, "%Y%m%d-%H%M%S");
    let path = PathBuf::from(format!("convoscope-{stamp}.{ext}"));
    s.message = Some(format!(
        "writing {} to {}…",
        count(conversations.len() as u64, "conversation"),
        path.display()
    ));
    // The CSV names agents, queues and wrap-up codes as the list does: with the names known.
    let (names, facts) = match format {
        Format::Csv => (s.names.clone(), rows().map(|r| r.facts()).collect()),
        _ => Default::default(),
    };
    vec![Effect::Export {
        path,
        format,
        conversations,
        names,
        facts,
    }]
}

pub(super) fn exported(s: &mut State, path: &Path, result: Result<usize, String>) {
    let p = sanitize(&path.display().to_string());
    let msg = match result {
        Ok(n) => format!("wrote {} to {p}", count(n as u64, "conversation")),
        Err(e) => format!("could not write {p}: {}", sanitize(&e)),
    };
    // The path is what the user came for: shown whole, in a popup when the line is too short.
    if width(&msg) + 2 > s.width as usize {
        s.popup = Some(Popup {
            title: msg.split(&p).next().unwrap_or("").trim().to_string(),
            text: msg.clone(),
            scroll: 0,
        });
    }
    s.message = Some(msg);
}

/// Enter in the `:` prompt: opens the conversation whose id (or URL) was typed or pasted, in
/// the list when it is there, else on its own.
pub(super) fn open_id(s: &mut State) {
    let text = s
        .open_id
        .take()
        .map(|i| i.value().to_string())
        .unwrap_or_default();
    if matches!(text.trim(), "messages" | ":messages") {
        super::messages::show_log(s);
        return;
    }
    let Some(id) = crate::tui::open_id::extract_id(&text) else {
        s.message = Some(if text.trim().is_empty() {
            "no conversation id given".into()
        } else {
            format!(
                "not a conversation id: '{}' (expected 8-4-4-4-12 hex digits, or a URL holding one)",
                fit(&sanitize(text.trim()), 40)
            )
        });
        return;
    };
    s.focus = Focus::Detail;
    s.zoom = false;
    if let Some(pos) = s.list.position(&id) {
        s.pinned = None;
        s.list.select_at(pos);
        s.message = Some(format!("{id}: selected in the list"));
    } else {
        s.message = Some(format!(
            "{id}: not in the list, opened on its own (Esc goes back)"
        ));
        s.pinned = Some(id);
    }
}

/// `r` on a failed load: go on from the page that failed, keeping the rows.
pub(super) fn resume(s: &mut State) -> Option<Vec<Effect>> {
    if !matches!(s.list.load, crate::tui::list::Load::Failed(_)) {
        return None;
    }
    let q = s.last_query.clone()?;
    let resume = s.list.resume.take()?;
    let loaded = s.list.loaded;
    s.message = Some(format!(
        "resuming from page {} ({} kept)",
        num(resume.page),
        count(s.list.rows.len() as u64, "conversation")
    ));
    let fx = super::start_query(s, q.scope, super::Rows::Keep, Some(resume));
    s.list.loaded = loaded;
    Some(vec![fx])
}

/// Moves the detail pane's cursor by `delta` items, scrolling to keep it in view.
pub(super) fn detail_move(s: &mut State, delta: isize) {
    let height = s.layout.detail_rows();
    let doc = &s.detail.document;
    let total = doc.lines.len();
    if doc.items.is_empty() {
        let max = doc.max_scroll(height);
        s.detail.scroll = s.detail.scroll.saturating_add_signed(delta).min(max);
        return;
    }
    let last = doc.items.len() as isize - 1;
    let cur = (s.detail.cursor as isize).min(last);
    let next = cur.saturating_add(delta).clamp(0, last) as usize;
    let span = doc.items[next].clone();
    s.detail.cursor = next;
    reveal(s, &span, height, total);
}

/// Scrolls the detail pane to show the selected item and the one after it when both fit, else
/// as much of the item as fits.
pub(super) fn reveal_with_next(s: &mut State) {
    let height = s.layout.detail_rows();
    let doc = &s.detail.document;
    let total = doc.lines.len();
    let i = s.detail.cursor.min(doc.items.len().saturating_sub(1));
    let Some(span) = doc.items.get(i).cloned() else {
        return;
    };
    let both = doc.items.get(i + 1).map(|next| ItemSpan {
        last: next.last,
        ..span.clone()
    });
    match both {
        Some(b) if b.last - b.first < height => reveal(s, &b, height, total),
        _ => reveal(s, &span, height, total),
    }
}

fn reveal(s: &mut State, span: &ItemSpan, height: usize, total: usize) {
    let h = height.max(1);
    let sc = &mut s.detail.scroll;
    if span.first < *sc {
        *sc = span.first;
    } else if span.last >= *sc + h {
        // As much of the item as fits, its start first.
        *sc = (span.last + 1).saturating_sub(h).min(span.first);
    }
    *sc = (*sc).min(total.saturating_sub(h));
}

/// `]`/`[` (a line) and `}`/`{` (the box's height less one): scrolls the selected unfolded
/// value in its box, or says how to get one.
pub(super) fn scroll_value(s: &mut State, action: Action) {
    let i = s
        .detail
        .cursor
        .min(s.detail.document.items.len().saturating_sub(1));
    let Some(b) = s.detail.document.value_box(i) else {
        s.message = Some(format!(
            "{} and {} scroll a long value unfolded in a box: select one, {} unfolds it",
            s.hints.scroll, s.hints.page, s.hints.unfold
        ));
        return;
    };
    let page = b.rows.saturating_sub(1).max(1) as isize;
    let delta = match action {
        Action::ValueDown => 1,
        Action::ValueUp => -1,
        Action::ValuePageDown => page,
        _ => -page,
    };
    s.detail.scroll_value(i, delta);
}

/// PgUp/PgDn in the detail pane: a page of lines; the cursor moves to an item in view.
pub(super) fn detail_page(s: &mut State, delta: isize) {
    let height = s.layout.detail_rows();
    let doc = &s.detail.document;
    let max = doc.max_scroll(height);
    let scroll = s.detail.scroll.saturating_add_signed(delta).min(max);
    let top = scroll;
    let bottom = top + height.max(1);
    let in_view = |it: &ItemSpan| it.first >= top && it.first < bottom;
    let pick = if delta > 0 {
        doc.items.iter().position(in_view)
    } else {
        doc.items.iter().rposition(in_view)
    };
    let cursor = pick.or_else(|| doc.items.iter().rposition(|it| it.first < top));
    s.detail.scroll = scroll;
    if let Some(i) = cursor {
        s.detail.cursor = i;
    }
}

/// A click on line `row` of the detail pane (0 = the first shown) selects the item there.
pub(super) fn detail_click(s: &mut State, row: usize) {
    let line = s.detail.scroll + row;
    if let Some(i) = s.detail.document.item_at(line) {
        s.detail.cursor = i;
    }
}
