//! Draws the browser, deterministically, into an SVG: the README's screenshots.
//!
//! ```sh
//! cargo run --example screenshot -- assets/browser.svg     # or scripts/screenshot.sh
//! cargo run --example screenshot -- --timeline assets/timeline.svg
//! ```
//!
//! The state is built as the program builds it, without a network or a terminal: the simulator's
//! data set (fixed seed and end), a submitted range whose pages go through `tui::app::update`, a
//! row selected, its conversation (`Dataset::conversation`) delivered as the fetch's answer, and
//! the ids named as the directories name them (`Dataset::directory_name`).
//! The frame is drawn by `tui::ui::draw` into ratatui's `TestBackend`, 160x45, and every cell is
//! written out with its colours and modifiers.

use std::collections::VecDeque;
use std::fmt::Write;

use chrono::{DateTime, TimeZone, Utc};
use convoscope::genesys::directory::Names;
use convoscope::genesys::query::{Media, Order};
use convoscope::paging::PageEvent;
use convoscope::sim::{Dataset, SimConfig};
use convoscope::timespec::Zone;
use convoscope::tui::app::{Effect, Event, Init, State, update};
use convoscope::tui::detail::Fresh;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::{Color, Modifier};
use unicode_width::UnicodeWidthStr;

const WIDTH: u16 = 160;
const HEIGHT: u16 = 45;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap()
}

/// Runs `ev` through `update`, and carries out what the event loop would: the query's pages come
/// from the data set, debounces fire at once, fetches answer from the data set.
fn drive(s: &mut State, ds: &Dataset, ev: Event) {
    let mut queue = VecDeque::from([ev]);
    while let Some(ev) = queue.pop_front() {
        for fx in update(s, ev) {
            match fx {
                Effect::Query {
                    query_id,
                    scope,
                    order,
                    ..
                } => {
                    let mut ids = ds.matching(&scope.interval, scope.media);
                    if order == Order::Desc {
                        ids.reverse();
                    }
                    let total = ids.len() as u64;
                    for (n, page) in ids.chunks(100).enumerate() {
                        queue.push_back(Event::Page(PageEvent::Page {
                            query_id,
                            page_number: n as u32 + 1,
                            total_hits: total,
                            conversations: page.iter().map(|&i| ds.analytics(i)).collect(),
                        }));
                    }
                    queue.push_back(Event::Page(PageEvent::Done {
                        query_id,
                        loaded: total,
                    }));
                }
                // The directories' names, as the simulator's routes give them.
                Effect::Names { ids } => {
                    let mut names = Names::default();
                    for (kind, id) in ids {
                        let name = ds.directory_name(kind, &id).map(str::to_string);
                        names.insert(kind, id, name);
                    }
                    queue.push_back(Event::Names {
                        names,
                        problem: None,
                    });
                }
                Effect::Debounce { generation } => {
                    queue.push_back(Event::Debounced { generation });
                }
                Effect::Fetch { id, generation } => {
                    let i = ds.index_of(&id).expect("a conversation of the data set");
                    queue.push_back(Event::Fetched {
                        id,
                        generation,
                        result: Ok(Fresh::from_conversation(ds.conversation(i, now()))),
                        at: now(),
                    });
                }
                _ => {}
            }
        }
    }
}

fn key(code: KeyCode) -> Event {
    Event::Key {
        key: KeyEvent::new(code, KeyModifiers::NONE),
        now: now(),
    }
}

/// The data set both pictures show.
fn dataset() -> Dataset {
    Dataset::new(&SimConfig {
        seed: 1,
        conversations: 2000,
        days: 7,
        until: now(),
        active: 3,
        ..SimConfig::default()
    })
}

/// The screen from `from` to now over `media`, at `width` x `height`, in colour, times in UTC.
fn sized(ds: &Dataset, from: &str, media: Media, width: u16, height: u16) -> State {
    let mut s = State::new(Init {
        from: Some(from.into()),
        to: Some("now".into()),
        media: Some(media),
        zone: Zone::Utc,
        zone_label: "UTC".into(),
        connection: "DEMO".into(),
        color: true,
        ..Default::default()
    });
    drive(&mut s, ds, Event::Resize { width, height });
    s
}

/// The browser after loading a day of Web Messaging conversations, with a row's attributes read.
fn browser() -> Buffer {
    let ds = dataset();
    let mut s = sized(&ds, "2026-11-19", Media::Webmessaging, WIDTH, HEIGHT);
    drive(&mut s, &ds, Event::Submit { now: now() });
    for _ in 0..4 {
        drive(&mut s, &ds, key(KeyCode::Down));
    }
    let mut t = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).unwrap();
    t.draw(|f| convoscope::tui::ui::draw(f, &s)).unwrap();
    t.backend().buffer().clone()
}

/// The detail pane, zoomed, of a voice call of the same data set that was transferred and had
/// a hold: its timeline, transfers, wrap-ups (by name, with a note) and metrics (`--timeline`).
fn timeline() -> Buffer {
    const W: u16 = 120;
    const H: u16 = 42;
    let ds = dataset();
    let mut s = sized(&ds, "2026-11-13", Media::Voice, W, H);
    drive(&mut s, &ds, Event::Submit { now: now() });
    // The newest ended call with an IVR, two agents (a transfer), a hold and a wrap-up note.
    let id = s
        .list
        .visible
        .iter()
        .map(|&i| &s.list.rows[i])
        .find(|r| {
            let c = r.conversation();
            let lanes = r.anatomy.unpack();
            let agents = c
                .participants
                .iter()
                .filter(|p| p.purpose.as_deref() == Some("agent"))
                .count();
            let typ = |t: &str| lanes.iter().flat_map(|l| &l.segments).any(|x| x.typ == t);
            let note = lanes
                .iter()
                .flat_map(|l| &l.segments)
                .any(|x| x.wrap_up_note.is_some());
            c.conversation_end.is_some() && agents == 2 && typ("hold") && typ("ivr") && note
        })
        .map(|r| r.id().to_string())
        .expect("a transferred call with a hold and a note in the data set");
    let pos = s.list.position(&id).expect("shown");
    s.list.select_at(pos);
    drive(&mut s, &ds, key(KeyCode::Tab));
    drive(&mut s, &ds, key(KeyCode::Char('z')));
    // Scrolled to the anatomy (below the participants and their attributes).
    s.detail.scroll = s.detail.document.anatomy.start.saturating_sub(1);
    let mut t = Terminal::new(TestBackend::new(W, H)).unwrap();
    t.draw(|f| convoscope::tui::ui::draw(f, &s)).unwrap();
    t.backend().buffer().clone()
}

// ---------------------------------------------------------------------------------------------
// SVG

/// The terminal's own colours (dark) and the 16 ANSI colours, as a typical dark terminal shows them.
const FG: &str = "#d4d4d4";
const BG: &str = "#1e1e1e";

fn hex(c: Color, default: &str) -> String {
    let s = match c {
        Color::Reset => default,
        Color::Black => "#000000",
        Color::Red => "#cd3131",
        Color::Green => "#0dbc79",
        Color::Yellow => "#e5e510",
        Color::Blue => "#2472c8",
        Color::Magenta => "#bc3fbc",
        Color::Cyan => "#11a8cd",
        Color::Gray => "#c0c0c0",
        Color::DarkGray => "#767676",
        Color::LightRed => "#f14c4c",
        Color::LightGreen => "#23d18b",
        Color::LightYellow => "#f5f543",
        Color::LightBlue => "#3b8eea",
        Color::LightMagenta => "#d670d6",
        Color::LightCyan => "#29b8db",
        Color::White => "#e5e5e5",
        Color::Rgb(r, g, b) => return format!("#{r:02x}{g:02x}{b:02x}"),
        Color::Indexed(_) => default,
    };
    s.to_string()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A cell's look: (foreground, background, bold, underlined).
fn look(b: &Buffer, x: u16, y: u16) -> (String, String, bool, bool) {
    let c = &b[(x, y)];
    let (mut fg, mut bg) = (hex(c.fg, FG), hex(c.bg, BG));
    if c.modifier.contains(Modifier::REVERSED) {
        std::mem::swap(&mut fg, &mut bg);
    }
    (
        fg,
        bg,
        c.modifier.contains(Modifier::BOLD),
        c.modifier.contains(Modifier::UNDERLINED),
    )
}

/// The buffer as an SVG: a rectangle per run of one background, a `<text>` per run of one look
/// (stretched to its cells, so that every glyph stays in its column).
fn svg(b: &Buffer) -> String {
    const CW: f64 = 8.4;
    const CH: f64 = 18.0;
    const PAD: f64 = 10.0;
    let (w, h) = (b.area.width, b.area.height);
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{:.0}" height="{:.0}" viewBox="0 0 {:.0} {:.0}" font-family="'DejaVu Sans Mono', Menlo, Consolas, 'Liberation Mono', monospace" font-size="14">"#,
        f64::from(w) * CW + 2.0 * PAD,
        f64::from(h) * CH + 2.0 * PAD,
        f64::from(w) * CW + 2.0 * PAD,
        f64::from(h) * CH + 2.0 * PAD,
    );
    let _ = writeln!(
        out,
        r#"<rect width="100%" height="100%" rx="6" fill="{BG}"/>"#
    );
    for y in 0..h {
        let top = PAD + f64::from(y) * CH;
        // Backgrounds.
        let mut x = 0;
        while x < w {
            let bg = look(b, x, y).1;
            let start = x;
            while x < w && look(b, x, y).1 == bg {
                x += 1;
            }
            if bg != BG {
                let _ = writeln!(
                    out,
                    r#"<rect x="{:.1}" y="{top:.1}" width="{:.1}" height="{CH}" fill="{bg}"/>"#,
                    PAD + f64::from(start) * CW,
                    f64::from(x - start) * CW
                );
            }
        }
        // Text, in runs of one look; two blanks end a run (blanks need no glyph).
        let mut x = 0;
        while x < w {
            if b[(x, y)].symbol() == " " {
                x += 1;
                continue;
            }
            let l = look(b, x, y);
            let start = x;
            let mut text = String::new();
            while x < w && look(b, x, y) == l {
                let sym = b[(x, y)].symbol();
                if sym == " " && (x + 1 >= w || b[(x + 1, y)].symbol() == " ") {
                    break;
                }
                text.push_str(sym);
                // A wide character's second cell is part of it.
                x += (sym.width() as u16).max(1);
            }
            let x_end = x.min(w);
            let (fg, _, bold, under) = l;
            let _ = writeln!(
                out,
                r#"<text x="{:.1}" y="{:.1}" fill="{fg}"{}{} textLength="{:.1}" lengthAdjust="spacingAndGlyphs" xml:space="preserve">{}</text>"#,
                PAD + f64::from(start) * CW,
                top + CH * 0.75,
                if bold { r#" font-weight="bold""# } else { "" },
                if under {
                    r#" text-decoration="underline""#
                } else {
                    ""
                },
                f64::from(x_end - start) * CW,
                escape(&text)
            );
        }
    }
    out.push_str("</svg>\n");
    out
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let which = args
        .iter()
        .position(|a| a == "--timeline")
        .map(|i| args.remove(i));
    let (b, default) = match which {
        Some(_) => (timeline(), "assets/timeline.svg"),
        None => (browser(), "assets/browser.svg"),
    };
    let path = args.into_iter().next().unwrap_or_else(|| default.into());
    if let Some(dir) = std::path::Path::new(&path).parent() {
        std::fs::create_dir_all(dir).expect("the output directory");
    }
    std::fs::write(&path, svg(&b)).expect("the SVG written");
    eprintln!("wrote {path} ({}x{} cells)", b.area.width, b.area.height);
}
