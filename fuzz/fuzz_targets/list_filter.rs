//! The list filter (what the user types after `/`: words, `attr:KEY=VALUE`, `attr:KEY~TEXT`,
//! quotes) never panics, and its incremental filtering is sound: when a filter `narrows` the one
//! typed before it (so only the rows shown are tested again), every row it lets through was let
//! through before.
#![no_main]

use convoscope::tui::filter::Filter;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    // The input splits into the filter text and a row: its haystack and one attribute.
    let mut parts = s.splitn(4, '\n');
    let (input, haystack, key, value) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    let f = Filter::parse(input);
    let attrs: Vec<(Box<str>, Box<str>)> =
        vec![(key.to_lowercase().into(), value.to_lowercase().into())];
    let hay = haystack.to_lowercase();
    let got = f.matches(&hay, Some(&attrs));
    let _ = f.matches(&hay, None);
    // Each prefix of the input, as typed letter by letter.
    for (i, _) in input.char_indices() {
        let before = Filter::parse(&input[..i]);
        if f.narrows(&before) && got {
            assert!(
                before.matches(&hay, Some(&attrs)),
                "{input:?} lets the row through but its prefix {:?} (which it narrows) does not",
                &input[..i]
            );
        }
    }
});
