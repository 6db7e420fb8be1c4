//! Decoding any bytes as an API answer never panics, and what decodes re-encodes.
#![no_main]

use convoscope::genesys::model::{
    ApiErrorBody, Conversation, JobResults, JobStatus, QueryResponse, TokenResponse,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = serde_json::from_slice::<QueryResponse>(data) {
        let back = serde_json::to_vec(&r).expect("what decodes re-encodes");
        let _: QueryResponse = serde_json::from_slice(&back).expect("and decodes again");
        for c in r.conversations.iter().flatten() {
            let _ = (c.start(), c.end(), c.media());
        }
    }
    let _ = serde_json::from_slice::<Conversation>(data);
    let _ = serde_json::from_slice::<JobResults>(data);
    let _ = serde_json::from_slice::<JobStatus>(data);
    let _ = serde_json::from_slice::<TokenResponse>(data);
    let _ = serde_json::from_slice::<ApiErrorBody>(data);
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = convoscope::genesys::Error::from_api(403, s, None, "x").to_string();
        let _ = convoscope::genesys::query::Interval::parse_api(s);
    }
});
