//! The list filter (what the user types after `/`: words, field terms, `-` not, `a|b` either,
//! `attr:KEY=VALUE`, quotes) never panics, and its incremental filtering is sound: when a filter
//! `narrows` the one typed before it (so only the rows shown are tested again), every row it lets
//! through was let through before.
#![no_main]

use convoscope::genesys::model::AnalyticsConversation;
use convoscope::timespec::Zone;
use convoscope::tui::filter::Filter;
use convoscope::tui::row::Row;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    // The input splits into the filter text and a row: its id (its text) and one attribute.
    let mut parts = s.splitn(4, '\n');
    let (input, id, key, value) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    let (mut row, hay) = Row::new(AnalyticsConversation {
        conversation_id: id.to_string(),
        ..Default::default()
    });
    row.attrs = Some(vec![(key.to_lowercase().into(), value.to_lowercase().into())].into());
    let Ok(f) = Filter::parse(input, Zone::Utc) else {
        return;
    };
    let got = f.matches(&hay, Some(&row));
    let _ = f.matches(&hay, None);
    // Each prefix of the input, as typed letter by letter.
    for (i, _) in input.char_indices() {
        let Ok(before) = Filter::parse(&input[..i], Zone::Utc) else {
            continue;
        };
        if f.narrows(&before) && got {
            assert!(
                before.matches(&hay, Some(&row)),
                "{input:?} lets the row through but its prefix {:?} (which it narrows) does not",
                &input[..i]
            );
        }
    }
});
