//! Benchmarks of the screen with 100,000 conversations loaded: one frame, one filter keystroke,
//! merging the pages as they arrive, turning the order around, the summary (`S`), names arriving
//! from the directory, and the memory a loaded conversation takes. Run with
//! `cargo bench --bench screen`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::LazyLock;
use std::sync::atomic::{AtomicIsize, Ordering};

use chrono::{TimeZone, Utc};
use convoscope::genesys::directory::Names;
use convoscope::genesys::model::AnalyticsConversation;
use convoscope::paging::PageEvent;
use convoscope::sim::{Dataset, SimConfig};
use convoscope::timespec::Zone;
use convoscope::tui::app::{Event, Init, State, update};
use convoscope::tui::detail::Fresh;
use convoscope::tui::list::List;
use divan::Bencher;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Counts live heap bytes, to measure what the list holds per conversation.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        LIVE.fetch_add(new as isize - l.size() as isize, Ordering::Relaxed);
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const ROWS: usize = 100_000;

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap()
}

/// The simulator's 100,000 conversations.
static DATA: LazyLock<Dataset> = LazyLock::new(|| {
    Dataset::new(&SimConfig {
        conversations: ROWS,
        days: 30,
        until: now(),
        ..SimConfig::default()
    })
});

/// 100,000 conversations as the API sends them, in pages of 100 (newest first).
static PAGES: LazyLock<Vec<Vec<AnalyticsConversation>>> = LazyLock::new(|| {
    let all: Vec<AnalyticsConversation> = (0..ROWS).rev().map(|i| DATA.analytics(i)).collect();
    all.chunks(100).map(<[_]>::to_vec).collect()
});

fn key(c: char) -> Event {
    Event::Key {
        key: KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE),
        now: now(),
    }
}

/// A 200x50 screen with every page loaded and the first row selected.
fn loaded() -> State {
    loaded_n(ROWS)
}

/// A 200x50 screen with the first `rows` conversations loaded, the first row selected and its
/// participants' attributes shown (as after its fetch): the frame a user looks at.
fn loaded_n(rows: usize) -> State {
    let mut s = State::new(Init {
        from: Some("2026-10-21".into()),
        to: Some("2026-11-20".into()),
        zone: Zone::Utc,
        zone_label: "UTC".into(),
        connection: "DEMO".into(),
        color: true,
        ..Default::default()
    });
    update(
        &mut s,
        Event::Resize {
            width: 200,
            height: 50,
        },
    );
    update(&mut s, Event::Submit { now: now() });
    let query_id = s.query_seq;
    for (n, page) in PAGES.iter().take(rows / 100).enumerate() {
        update(
            &mut s,
            Event::Page(PageEvent::Page {
                query_id,
                page_number: n as u32 + 1,
                total_hits: rows as u64,
                conversations: page.clone(),
            }),
        );
    }
    assert_eq!(s.list.rows.len(), rows);
    s
}

/// `s` with its selected conversation fetched (GET conversation, with attributes).
fn with_detail(mut s: State) -> State {
    let id = s.list.selected.clone().unwrap();
    let i = DATA.index_of(&id).unwrap();
    let generation = s.detail.generation;
    update(&mut s, Event::Debounced { generation });
    update(
        &mut s,
        Event::Fetched {
            id,
            generation,
            result: Ok(Fresh::from_conversation(DATA.conversation(i, now()))),
            at: now(),
        },
    );
    s
}

fn main() {
    // 4. Memory per loaded conversation: live heap after loading, minus before, over the rows.
    LazyLock::force(&PAGES);
    let before = LIVE.load(Ordering::Relaxed);
    let s = loaded();
    let after = LIVE.load(Ordering::Relaxed);
    println!(
        "memory: {} bytes per loaded conversation ({} rows, {:.1} MB in all)",
        (after - before) / ROWS as isize,
        s.list.rows.len(),
        (after - before) as f64 / 1e6
    );
    drop(s);
    // 9. What a names batch touches (its time is `names_batch_100`).
    let s = loaded();
    let batch = names_batch(&s);
    let before: Vec<String> = ids(&s)
        .map(|id| s.list.haystack(&id).unwrap().to_string())
        .collect();
    let mut after = s.clone();
    update(
        &mut after,
        Event::Names {
            names: batch.clone(),
            problem: None,
        },
    );
    let touched = ids(&after)
        .zip(&before)
        .filter(|(id, b)| after.list.haystack(id).unwrap() != b.as_str())
        .count();
    println!(
        "names batch: {} ids named, {touched} of {} rows' filter text extended",
        batch.len(),
        s.list.rows.len()
    );
    drop((s, after));
    divan::main();
}

fn ids(s: &State) -> impl Iterator<Item = String> + '_ {
    s.list.rows.iter().map(|r| r.id().to_string())
}

/// One directory answer of 100 names, for the first 100 ids the loaded rows hold (users,
/// queues and wrap-up codes, as they come: every queue and wrap-up code of the simulator is
/// among them, so nearly every row holds one).
fn names_batch(s: &State) -> Names {
    let mut batch = Names::default();
    for r in &s.list.rows {
        for (kind, id) in r.named_ids() {
            if batch.len() < 100 && !batch.knows(kind, &id) {
                let name = format!("Náme {}", batch.len());
                batch.insert(kind, id, Some(name));
            }
        }
    }
    batch
}

/// Benchmark 2, one frame (list + detail with its attributes) with 100,000 conversations
/// loaded, and with 10,000 (the same: only the rows shown are drawn).
#[divan::bench(args = [10_000, 100_000])]
fn draw_frame(bencher: Bencher, rows: usize) {
    let s = with_detail(loaded_n(rows));
    let mut t = Terminal::new(TestBackend::new(200, 50)).unwrap();
    bencher.bench_local(|| {
        t.draw(|f| convoscope::tui::ui::draw(f, &s)).unwrap();
    });
}

/// Benchmark 3, one filter keystroke over 100,000 loaded rows. Typing a letter narrows the
/// filter, so only the rows shown are tested again; erasing one widens it, so every row is. Both
/// are measured (each sample starts from its own copy of the state, made outside the timing).
#[divan::bench(sample_count = 20, sample_size = 1)]
fn filter_keystroke_typed_100k(bencher: Bencher) {
    let mut s = loaded();
    update(&mut s, key('/'));
    update(&mut s, key('a'));
    bencher
        .with_inputs(|| s.clone())
        .bench_local_refs(|s| update(s, key('n')));
}

#[divan::bench(sample_count = 20, sample_size = 1)]
fn filter_keystroke_erased_100k(bencher: Bencher) {
    let mut s = loaded();
    update(&mut s, key('/'));
    update(&mut s, key('a'));
    update(&mut s, key('n'));
    bencher.with_inputs(|| s.clone()).bench_local_refs(|s| {
        update(
            s,
            Event::Key {
                key: KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE),
                now: now(),
            },
        )
    });
}

/// A 100 kB paste into the filter over 100,000 loaded rows: one edit (cut at the filter's 1,000
/// characters), one re-filter, however long the paste (issue 17.2).
#[divan::bench(sample_count = 10, sample_size = 1)]
fn filter_paste_100kb_100k(bencher: Bencher) {
    let mut s = loaded();
    update(&mut s, key('/'));
    let text = "anna ".repeat(20_000);
    bencher.with_inputs(|| s.clone()).bench_local_refs(|s| {
        update(
            s,
            Event::Paste {
                text: text.clone(),
                now: now(),
            },
        )
    });
}

/// A filter of field terms, a negation and an alternative, applied afresh to 100,000 rows (every
/// row tested: the worst case of a keystroke).
#[divan::bench(sample_count = 20, sample_size = 1)]
fn filter_field_terms_100k(bencher: Bencher) {
    let s = loaded();
    bencher.with_inputs(|| s.clone()).bench_local_refs(|s| {
        s.list.set_filter(
            "dir:in -media:voice|chat customer:a dur>1m",
            chrono::Utc::now(),
        )
    });
}

/// 100,000 conversations arriving in 1,000 pages of 100, newest first as the API sends them,
/// merged into the list: each at the bottom (the list newest first), or each at the top (the
/// list oldest first, after `s`).
fn merge_all(oldest_first: bool, pages: Vec<Vec<AnalyticsConversation>>) -> List {
    let mut list = List::default();
    list.reset(1);
    if oldest_first {
        list.toggle_order();
    }
    for page in pages {
        list.add(page, &Names::default());
    }
    list
}

/// Benchmark 5, the list merging 100,000 rows page by page (the whole load).
#[divan::bench(args = [false, true], sample_count = 5, sample_size = 1)]
fn merge_pages_100k(bencher: Bencher, oldest_first: bool) {
    bencher
        .with_inputs(|| PAGES.clone())
        .bench_local_values(|pages| merge_all(oldest_first, pages));
}

/// Benchmark 6, `s` on 100,000 loaded rows: newest first to oldest first.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn toggle_order_100k(bencher: Bencher) {
    let list = merge_all(false, PAGES.clone());
    bencher
        .with_inputs(|| list.clone())
        .bench_local_refs(|l| l.toggle_order());
}

/// Benchmark 7, `S` over 100,000 loaded rows: the summary by queue made from nothing (every
/// row's groups: its record and anatomy unpacked once), and by wrap-up.
#[divan::bench(args = [1, 3], sample_count = 10, sample_size = 1)]
fn summary_open_100k(bencher: Bencher, presses: usize) {
    let s = loaded();
    bencher.with_inputs(|| s.clone()).bench_local_refs(|s| {
        for _ in 0..presses {
            update(s, key('S'));
        }
    });
}

/// Benchmark 8, a filter keystroke over 100,000 rows with the summary open: the rows' groups
/// are kept, only the counting is done again.
#[divan::bench(sample_count = 20, sample_size = 1)]
fn summary_follows_a_keystroke_100k(bencher: Bencher) {
    let mut s = loaded();
    update(&mut s, key('S'));
    update(&mut s, key('/'));
    update(&mut s, key('a'));
    bencher
        .with_inputs(|| s.clone())
        .bench_local_refs(|s| update(s, key('n')));
}

/// Benchmark 9, a directory answer of 100 names arriving over 10,000 and 100,000 loaded rows
/// (a filter typed): the rows holding those ids, found through the index, get the names in
/// their filter text and are tested again. Linear in the rows named, never rows x names.
#[divan::bench(args = [10_000, 100_000], sample_count = 10, sample_size = 1)]
fn names_batch_100(bencher: Bencher, rows: usize) {
    let mut s = loaded_n(rows);
    update(&mut s, key('/'));
    for c in "agent:n".chars() {
        update(&mut s, key(c));
    }
    let batch = names_batch(&s);
    bencher
        .with_inputs(|| (s.clone(), batch.clone()))
        .bench_local_refs(|(s, names)| {
            update(
                s,
                Event::Names {
                    names: std::mem::take(names),
                    problem: None,
                },
            )
        });
}

/// Benchmark 10, the detail pane with a 20,000-character value unfolded in its box (10,000 rows
/// loaded): a `]` or `[` keystroke (the document made again, measured once with the box empty,
/// then with it) and the frame drawn after it.
#[divan::bench(sample_count = 50)]
fn unfolded_value_keystroke_and_frame(bencher: Bencher) {
    let mut s = loaded_n(10_000);
    let id = s.list.selected.clone().unwrap();
    let i = DATA.index_of(&id).unwrap();
    let mut conv = DATA.conversation(i, now());
    conv.participants[0]
        .attributes
        .insert("blob".into(), "long-value-".repeat(1_820));
    let generation = s.detail.generation;
    update(&mut s, Event::Debounced { generation });
    update(
        &mut s,
        Event::Fetched {
            id,
            generation,
            result: Ok(Fresh::from_conversation(conv)),
            at: now(),
        },
    );
    update(
        &mut s,
        Event::Key {
            key: KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE),
            now: now(),
        },
    );
    let item = s
        .detail
        .document
        .items
        .iter()
        .position(|it| {
            matches!(&it.item, convoscope::tui::detail::Item::Attribute { key, .. } if key == "blob")
        })
        .unwrap();
    s.detail.cursor = item;
    update(
        &mut s,
        Event::Key {
            key: KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE),
            now: now(),
        },
    );
    assert!(s.detail.document.value_box(item).is_some());
    let mut t = Terminal::new(TestBackend::new(200, 50)).unwrap();
    let mut down = true;
    bencher.bench_local(|| {
        update(&mut s, key(if down { ']' } else { '[' }));
        down = !down;
        t.draw(|f| convoscope::tui::ui::draw(f, &s)).unwrap();
    });
}
