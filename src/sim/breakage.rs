//! Faults of content, for testing what a client does with answers that are whole and 200 but
//! cannot be right: pages empty, short, repeated or without `totalHits`; records that cannot be
//! decoded; job results whose cursor never ends, or whose pages fail once each; bodies too big
//! to read; GET conversation failing, or gone (404) for some conversations. Each is a `--faults`
//! kind (see [`super::Faults`]); the status faults are in the server's outer layer.
//!
//! `badrecord` and `gone` pick conversations by their id (always the same ones, as real bad
//! data would be): tests ask [`damage`] and [`is_gone`] which.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use serde_json::Value;

use super::Faults;

/// The most bytes read of a body the faults rewrite.
const BODY_LIMIT: usize = 256 << 20;

/// How big a `huge` answer is: bigger than any answer a client should read whole.
pub const HUGE_BODY: usize = 256 << 20;

/// How a record is damaged by `badrecord`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Damage {
    /// A field with a lone surrogate escape (`"\ud800"`).
    LoneSurrogate,
    /// A field with a byte that is not UTF-8.
    InvalidUtf8,
    /// A participant's `purpose` is a number.
    NumberForText,
    /// A metric of `1e999` (valid JSON, out of any float's range).
    HugeNumber,
    /// The `conversationId` is a number: nothing names the record.
    NoId,
}

/// The field the damage adds (or breaks).
pub const DAMAGED_FIELD: &str = "damaged";

/// FNV-1a: a stable hash of an id, the same in every run.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Uniform in [0, 1) from an id and a salt.
fn unit_of(id: &str, salt: u64) -> (f64, u64) {
    let mut h = fnv(id) ^ salt;
    h = (h ^ (h >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    h ^= h >> 31;
    ((h >> 11) as f64 / (1u64 << 53) as f64, h)
}

/// The damage `badrecord=share` does to conversation `id`'s record, if any.
pub fn damage(id: &str, share: f64) -> Option<Damage> {
    let (u, h) = unit_of(id, 0xBAD);
    let kind = match h % 5 {
        0 => Damage::LoneSurrogate,
        1 => Damage::InvalidUtf8,
        2 => Damage::NumberForText,
        3 => Damage::HugeNumber,
        _ => Damage::NoId,
    };
    (u < share).then_some(kind)
}

/// Whether `gone=share` makes GET conversation answer 404 for `id`.
pub fn is_gone(id: &str, share: f64) -> bool {
    unit_of(id, 0x60E).0 < share
}

/// A record's JSON text, damaged.
pub fn damaged_record(record: &Value, d: Damage) -> Vec<u8> {
    let mut v = record.clone();
    let text = |v: &Value| serde_json::to_string(v).unwrap_or_default();
    let with_field = |v: &Value, raw: &[u8]| -> Vec<u8> {
        // The object's text with one more field, written by hand (a Value cannot hold it).
        let t = text(v);
        let mut out = t.as_bytes()[..t.len() - 1].to_vec();
        if t.len() > 2 {
            out.push(b',');
        }
        out.extend_from_slice(format!("\"{DAMAGED_FIELD}\":").as_bytes());
        out.extend_from_slice(raw);
        out.push(b'}');
        out
    };
    match d {
        Damage::LoneSurrogate => with_field(&v, br#""x\ud800y""#),
        Damage::InvalidUtf8 => with_field(&v, b"\"x\xffy\""),
        Damage::HugeNumber => with_field(&v, b"1e999"),
        Damage::NumberForText => {
            if let Some(p) = v
                .get_mut("participants")
                .and_then(Value::as_array_mut)
                .and_then(|ps| ps.first_mut())
            {
                p["purpose"] = Value::from(5);
            } else {
                v["originatingDirection"] = Value::from(5);
            }
            text(&v).into_bytes()
        }
        Damage::NoId => {
            let id = v["conversationId"].as_str().map(fnv).unwrap_or(0) % 1_000_000;
            v["conversationId"] = Value::from(id);
            text(&v).into_bytes()
        }
    }
}

/// State the content faults keep between requests.
#[derive(Debug, Default)]
pub(crate) struct Breakage {
    /// Job results pages asked before (`flakyresults` fails the first asking of each).
    asked: Mutex<HashSet<String>>,
}

/// What kind of request it is, for the faults that care.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Target {
    Query,
    Results,
    Conversation(String),
    Other,
}

/// What to do to the answer, decided before the request is handled.
#[derive(Debug, Clone, Default)]
pub(crate) struct Plan {
    empty: bool,
    short: bool,
    nototal: bool,
    /// The cursor to give a last results page (`endless`).
    endless: Option<String>,
    huge: bool,
    badrecord: f64,
}

fn target(req: &Request) -> Target {
    const A: &str = "/api/v2/analytics/conversations/details";
    let path = req.uri().path();
    if req.method() == Method::POST && path == format!("{A}/query") {
        Target::Query
    } else if req.method() == Method::GET
        && path.starts_with(&format!("{A}/jobs/"))
        && path.ends_with("/results")
    {
        Target::Results
    } else if req.method() == Method::GET
        && let Some(id) = path.strip_prefix("/api/v2/conversations/")
        && !id.contains('/')
    {
        Target::Conversation(id.to_string())
    } else {
        Target::Other
    }
}

impl Breakage {
    /// Before the handler: an answer of its own (`gone`, `get500`, `flakyresults`), or the
    /// request to handle (changed by `repeat`) and what to do to its answer. `unit` draws in
    /// [0, 1).
    pub(crate) async fn before(
        &self,
        f: &Faults,
        mut unit: impl FnMut() -> f64,
        error: impl Fn(StatusCode, &str, String) -> Response,
        req: Request,
    ) -> Result<(Request, Plan), Response> {
        let t = target(&req);
        let mut plan = Plan {
            // The API's answers only (the token endpoint is the login service's).
            huge: t != Target::Other && f.huge > 0.0 && unit() < f.huge,
            ..Plan::default()
        };
        match &t {
            Target::Conversation(id) => {
                if is_gone(id, f.gone) {
                    return Err(error(
                        StatusCode::NOT_FOUND,
                        "not.found",
                        format!("The conversation {id} was not found."),
                    ));
                }
                if f.get500 > 0.0 && unit() < f.get500 {
                    return Err(error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "internal.server.error",
                        "The server encountered an unexpected condition.".into(),
                    ));
                }
            }
            Target::Results => {
                plan.badrecord = f.badrecord;
                if f.endless > 0.0 && unit() < f.endless {
                    plan.endless = endless_cursor(&req);
                }
                if f.flakyresults > 0.0 {
                    let key = req.uri().to_string();
                    if self.asked.lock().unwrap().insert(key) {
                        return Err(error(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            "internal.server.error",
                            "The server encountered an unexpected condition.".into(),
                        ));
                    }
                }
            }
            Target::Query => {
                plan.badrecord = f.badrecord;
                plan.empty = f.empty > 0.0 && unit() < f.empty;
                plan.short = f.short > 0.0 && unit() < f.short;
                plan.nototal = f.nototal > 0.0 && unit() < f.nototal;
                if f.repeat > 0.0 && unit() < f.repeat {
                    return Ok((repeated(req).await, plan));
                }
            }
            Target::Other => {}
        }
        Ok((req, plan))
    }

    /// After the handler: the answer with what `plan` says done to it.
    pub(crate) async fn after(&self, plan: &Plan, resp: Response) -> Response {
        if !resp.status().is_success() {
            return resp;
        }
        if plan.huge {
            return huge(resp);
        }
        let rewrite = plan.empty
            || plan.short
            || plan.nototal
            || plan.endless.is_some()
            || plan.badrecord > 0.0;
        if !rewrite {
            return resp;
        }
        let (mut parts, body) = resp.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, BODY_LIMIT).await else {
            return Response::from_parts(parts, Body::empty());
        };
        let Ok(Value::Object(mut page)) = serde_json::from_slice::<Value>(&bytes) else {
            return Response::from_parts(parts, Body::from(bytes));
        };
        if plan.nototal {
            page.remove("totalHits");
        }
        let mut records = match page.remove("conversations") {
            Some(Value::Array(a)) => a,
            _ => Vec::new(),
        };
        if plan.empty {
            records.clear();
        }
        if plan.short {
            records.truncate(records.len() / 2);
        }
        if let Some(c) = &plan.endless
            && page.get("cursor").is_none()
        {
            page.insert("cursor".into(), Value::String(c.clone()));
        }
        let mut out = b"{".to_vec();
        for (k, v) in &page {
            out.extend_from_slice(serde_json::to_string(k).unwrap_or_default().as_bytes());
            out.push(b':');
            out.extend_from_slice(serde_json::to_string(v).unwrap_or_default().as_bytes());
            out.push(b',');
        }
        if !plan.empty {
            out.extend_from_slice(b"\"conversations\":[");
            for (i, r) in records.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                let id = r["conversationId"].as_str().unwrap_or("");
                match damage(id, plan.badrecord) {
                    Some(d) => out.extend_from_slice(&damaged_record(r, d)),
                    None => out
                        .extend_from_slice(serde_json::to_string(r).unwrap_or_default().as_bytes()),
                }
            }
            out.extend_from_slice(b"],");
        }
        if out.last() == Some(&b',') {
            out.pop();
        }
        out.push(b'}');
        parts
            .headers
            .insert(header::CONTENT_LENGTH, HeaderValue::from(out.len()));
        Response::from_parts(parts, Body::from(out))
    }
}

/// The request for the page before (a page answered with the previous page's conversations).
async fn repeated(req: Request) -> Request {
    let (mut parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, BODY_LIMIT)
        .await
        .unwrap_or_default();
    let mut out = bytes.clone();
    if let Ok(mut v) = serde_json::from_slice::<Value>(&bytes)
        && let Some(n) = v["paging"]["pageNumber"].as_u64()
        && n > 1
    {
        v["paging"]["pageNumber"] = Value::from(n - 1);
        out = Bytes::from(serde_json::to_vec(&v).unwrap_or_default());
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Request::from_parts(parts, Body::from(out))
}

/// A cursor past the end of the job's results, another each time: results that never end.
fn endless_cursor(req: &Request) -> Option<String> {
    let job = req
        .uri()
        .path()
        .strip_suffix("/results")?
        .rsplit('/')
        .next()?;
    let at = super::server::parse_form(req.uri().query().unwrap_or(""))
        .into_iter()
        .find(|(k, _)| k == "cursor")
        .and_then(|(_, c)| super::server::decode_cursor(job, &c))
        .unwrap_or(0);
    Some(super::server::encode_cursor(job, at + 10_000_000))
}

/// The answer's headers with a body of [`HUGE_BODY`] bytes, streamed without a length (a valid
/// JSON object, were anyone to read it all).
fn huge(resp: Response) -> Response {
    let (mut parts, _) = resp.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    const CHUNK: usize = 1 << 16;
    static SPACES: [u8; CHUNK] = [b' '; CHUNK];
    let chunks = HUGE_BODY / CHUNK;
    let stream = futures::stream::iter(0..=chunks + 1).then(move |i| async move {
        if i % 64 == 0 {
            // Let others run: this is a lot of bytes.
            tokio::time::sleep(Duration::from_millis(0)).await;
        }
        Ok::<Bytes, std::io::Error>(match i {
            0 => Bytes::from_static(b"{\"totalHits\":0"),
            i if i == chunks + 1 => Bytes::from_static(b"}"),
            _ => Bytes::from_static(&SPACES),
        })
    });
    Response::from_parts(parts, Body::from_stream(stream))
}

use futures::StreamExt;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damage_is_a_property_of_the_conversation() {
        let ids: Vec<String> = (0..2000).map(|i| format!("id-{i}")).collect();
        let hit = ids.iter().filter(|id| damage(id, 0.1).is_some()).count();
        assert!((120..280).contains(&hit), "{hit}");
        for id in &ids {
            assert_eq!(damage(id, 0.1), damage(id, 0.1));
            if damage(id, 0.1).is_some() {
                assert!(
                    damage(id, 0.5).is_some(),
                    "a larger share keeps the smaller's"
                );
            }
        }
        let kinds: HashSet<String> = ids
            .iter()
            .filter_map(|id| damage(id, 1.0))
            .map(|d| format!("{d:?}"))
            .collect();
        assert_eq!(kinds.len(), 5);
        assert!(ids.iter().all(|id| !is_gone(id, 0.0)) && ids.iter().all(|id| is_gone(id, 1.0)));
    }

    #[test]
    fn damaged_records_fail_as_real_bad_data_does() {
        let r: Value = serde_json::from_str(
            r#"{"conversationId":"c1","participants":[{"participantId":"p","purpose":"customer"}]}"#,
        )
        .unwrap();
        let lone = damaged_record(&r, Damage::LoneSurrogate);
        assert!(serde_json::from_slice::<Value>(&lone).is_err());
        let bad = damaged_record(&r, Damage::InvalidUtf8);
        assert!(std::str::from_utf8(&bad).is_err());
        let num = damaged_record(&r, Damage::NumberForText);
        assert_eq!(
            serde_json::from_slice::<Value>(&num).unwrap()["participants"][0]["purpose"],
            5
        );
        let huge = damaged_record(&r, Damage::HugeNumber);
        assert!(
            String::from_utf8(huge)
                .unwrap()
                .ends_with(r#""damaged":1e999}"#)
        );
        let no_id = damaged_record(&r, Damage::NoId);
        assert!(serde_json::from_slice::<Value>(&no_id).unwrap()["conversationId"].is_number());
    }
}
