//! The time input parser never panics, whatever is typed.
#![no_main]

use chrono::{TimeZone, Utc};
use convoscope::timespec::{Zone, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
        for zone in [Zone::Utc, Zone::Local] {
            if let Ok(t) = parse(s, zone, now) {
                let _ = zone.format(t, "%Y-%m-%d %H:%M:%S");
            }
        }
    }
});
