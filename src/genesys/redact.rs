//! Secrets out of text a server sent back (an error body, a login answer) and out of URLs, before
//! anything is shown or logged. A misbehaving server or proxy may echo the request's
//! `Authorization` header, raw or base64-encoded; a URL may carry `user:password@`.

use base64::Engine;

/// What replaces a secret.
pub const REDACTED: &str = "<redacted>";

/// Hides known secrets (the client secret, `base64(id:secret)`, access tokens), raw or inside
/// base64 text, and any `Bearer …`/`Basic …` credential.
#[derive(Debug, Default, Clone)]
pub struct Redactor {
    /// Secrets as they are.
    raw: Vec<String>,
    /// Parts of their base64 forms that do not depend on where they sit in a longer base64 text.
    encoded: Vec<String>,
}

/// Raw secrets shorter than this are not searched for (they would match ordinary words).
const MIN_RAW: usize = 3;
/// Base64 cores shorter than this are not searched for.
const MIN_ENCODED: usize = 8;
/// Access tokens kept after they are renewed (an old one may still be echoed).
const MAX_SECRETS: usize = 16;

impl Redactor {
    /// Adds a secret, in its raw form and its base64 forms.
    pub fn add(&mut self, secret: &str) {
        if secret.len() < MIN_RAW || self.raw.iter().any(|s| s == secret) {
            return;
        }
        if self.raw.len() >= MAX_SECRETS {
            // The oldest token; the client's own secret and `id:secret` came first and stay.
            self.raw.remove(2.min(self.raw.len() - 1));
        }
        self.raw.push(secret.to_string());
        for core in base64_cores(secret.as_bytes()) {
            if core.len() >= MIN_ENCODED && !self.encoded.contains(&core) {
                self.encoded.push(core);
            }
        }
        self.encoded.truncate(MAX_SECRETS * 6);
    }

    /// Adds the credentials of a client: the secret, and the Basic header's `id:secret`.
    pub fn add_client(&mut self, client_id: &str, secret: &str) {
        self.add(secret);
        self.add(&format!("{client_id}:{secret}"));
    }

    /// `text` without any secret it knows, and without the credential of any `Bearer`/`Basic`
    /// authorization.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in &self.raw {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), REDACTED);
            }
        }
        for core in &self.encoded {
            while let Some(i) = out.find(core.as_str()) {
                // The whole base64 run that holds it.
                let is_b64 =
                    |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '-' | '_' | '=');
                let start = out[..i]
                    .char_indices()
                    .rev()
                    .take_while(|&(_, c)| is_b64(c))
                    .last()
                    .map_or(i, |(j, _)| j);
                let end = out[i..]
                    .char_indices()
                    .find(|&(_, c)| !is_b64(c))
                    .map_or(out.len(), |(j, _)| i + j);
                out.replace_range(start..end, REDACTED);
            }
        }
        redact_schemes(&out)
    }
}

/// The base64 text of `secret` at each of the three alignments it can have inside a longer
/// base64 text, cut to the characters that depend on the secret alone (standard and URL-safe
/// alphabets).
fn base64_cores(secret: &[u8]) -> Vec<String> {
    let mut cores = Vec::new();
    for k in 0..3usize {
        let mut bytes = vec![0u8; k];
        bytes.extend_from_slice(secret);
        let start = (8 * k).div_ceil(6);
        let end = (8 * (k + secret.len())) / 6;
        if end <= start {
            continue;
        }
        for engine in [
            &base64::engine::general_purpose::STANDARD_NO_PAD,
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ] {
            let enc = engine.encode(&bytes);
            if let Some(core) = enc.get(start..end) {
                let core = core.to_string();
                if !cores.contains(&core) {
                    cores.push(core);
                }
            }
        }
    }
    cores
}

/// Replaces the credential after `Bearer` or `Basic` (any case): a token of 8 or more token
/// characters after `Bearer`; a base64 credential (with a digit, a capital or padding) after
/// `Basic`.
fn redact_schemes(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let next = ["bearer", "basic"]
            .iter()
            .filter_map(|w| lower[i..].find(w).map(|j| (i + j, w.len())))
            .min();
        let Some((at, wlen)) = next else { break };
        let word_start = at == 0 || !text.as_bytes()[at - 1].is_ascii_alphanumeric();
        let after = at + wlen;
        let gap = text[after..]
            .bytes()
            .take_while(|b| *b == b' ' || *b == b'\t')
            .count();
        let tok_start = after + gap;
        let tok_len = text[tok_start..]
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || b"-._~+/=".contains(b))
            .count();
        let token = &text[tok_start..tok_start + tok_len];
        let secret_like = if wlen == "bearer".len() {
            tok_len >= 8
        } else {
            tok_len >= 4
                && token
                    .bytes()
                    .any(|b| b.is_ascii_digit() || b.is_ascii_uppercase() || b == b'=')
        };
        if word_start && gap > 0 && secret_like {
            out.push_str(&text[i..tok_start]);
            out.push_str(REDACTED);
            i = tok_start + tok_len;
        } else {
            out.push_str(&text[i..after]);
            i = after;
        }
    }
    out.push_str(&text[i..]);
    out
}

/// `url` with any `user:password@` masked (`https://<redacted>@host/…`): for messages, `info`
/// and the log.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_string();
    };
    let rest = &url[scheme_end..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}{REDACTED}{}", &url[..scheme_end], &rest[at..]),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    fn redactor() -> Redactor {
        let mut r = Redactor::default();
        r.add_client("my-client", "s3cr3t-Value-123");
        r.add("eyJhbGciOiJIUzI1NiJ9.token-value");
        r
    }

    #[test]
    fn raw_and_base64_secrets_are_hidden_wherever_they_sit() {
        let r = redactor();
        let basic = b64("my-client:s3cr3t-Value-123");
        for text in [
            "bad secret s3cr3t-Value-123".to_string(),
            format!("you sent {basic} which is wrong"),
            "token: eyJhbGciOiJIUzI1NiJ9.token-value!".to_string(),
            // The whole header, base64-encoded, at each alignment.
            b64("Authorization: Basic ") + "x",
            b64(&format!("Authorization: Basic {basic}")),
            b64("X-Echo: Bearer eyJhbGciOiJIUzI1NiJ9.token-value"),
            b64("XX-Echo: Bearer eyJhbGciOiJIUzI1NiJ9.token-value, more"),
            b64("XXX-Echo: s3cr3t-Value-123 and more text"),
        ] {
            let out = r.redact(&text);
            assert!(!out.contains("s3cr3t"), "{out}");
            assert!(!out.contains("token-value"), "{out}");
            assert!(!out.contains(&basic), "{out}");
            for core in base64_cores(b"s3cr3t-Value-123")
                .into_iter()
                .chain(base64_cores(b"eyJhbGciOiJIUzI1NiJ9.token-value"))
            {
                assert!(!out.contains(&core), "{core} in {out}");
            }
        }
        assert_eq!(r.redact("nothing secret here"), "nothing secret here");
    }

    #[test]
    fn any_authorization_credential_is_hidden() {
        let r = Redactor::default();
        assert_eq!(
            r.redact(r#"{"message":"bad header Authorization: Bearer abc.DEF-123_xyz"}"#),
            r#"{"message":"bad header Authorization: Bearer <redacted>"}"#
        );
        assert_eq!(
            r.redact("authorization: basic ZGVtbzpkZW1v, then"),
            "authorization: basic <redacted>, then"
        );
        // Words, not credentials.
        assert_eq!(
            r.redact("basic information about bearer tokens"),
            "basic information about bearer tokens"
        );
    }

    #[test]
    fn urls_lose_their_credentials() {
        assert_eq!(
            redact_url("http://user:pa55@127.0.0.1:8080/api"),
            "http://<redacted>@127.0.0.1:8080/api"
        );
        assert_eq!(
            redact_url("https://tok@api.mypurecloud.ie"),
            "https://<redacted>@api.mypurecloud.ie"
        );
        assert_eq!(
            redact_url("https://api.mypurecloud.ie/a@b"),
            "https://api.mypurecloud.ie/a@b"
        );
        assert_eq!(redact_url("not a url"), "not a url");
    }
}
