//! The simulator's parser of details-query filters never panics, whatever JSON a client sends:
//! bad filters are a 400 with a message, never a crash of the server.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(v) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    // A query body, and the same value as either list.
    let seg = v.get("segmentFilters").unwrap_or(&Value::Null);
    let conv = v.get("conversationFilters").unwrap_or(&Value::Null);
    if let Err(e) = convoscope::sim::parse_filters(seg, conv) {
        assert!(!e.is_empty());
    }
    let _ = convoscope::sim::parse_filters(&v, &Value::Null);
    let _ = convoscope::sim::parse_filters(&Value::Null, &v);
});
