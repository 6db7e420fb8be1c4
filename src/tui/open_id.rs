//! Reading a conversation id out of what the user pasted: the id itself, with spaces or line
//! breaks in it, or a whole URL of the Genesys Cloud UI that holds one.

/// The first conversation id (a UUID: 8-4-4-4-12 hex digits, or 32 hex digits without dashes)
/// in `text`, lower-cased; `None` when there is none.
pub fn extract_id(text: &str) -> Option<String> {
    // Spaces and line breaks (a terminal wraps long pastes) are not part of any id.
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let b = compact.as_bytes();
    let hex = |c: u8| c.is_ascii_hexdigit();
    for start in 0..b.len() {
        // An id starts at a boundary, not inside a longer run of hex digits.
        if start > 0 && hex(b[start - 1]) {
            continue;
        }
        let dashed = b.len() >= start + 36
            && b[start..start + 36].iter().enumerate().all(|(i, &c)| {
                if matches!(i, 8 | 13 | 18 | 23) {
                    c == b'-'
                } else {
                    hex(c)
                }
            })
            && b.get(start + 36).is_none_or(|&c| !hex(c));
        if dashed {
            return Some(compact[start..start + 36].to_ascii_lowercase());
        }
        let plain = b.len() >= start + 32
            && b[start..start + 32].iter().all(|&c| hex(c))
            && b.get(start + 32).is_none_or(|&c| !hex(c));
        if plain {
            let s = compact[start..start + 32].to_ascii_lowercase();
            return Some(format!(
                "{}-{}-{}-{}-{}",
                &s[..8],
                &s[8..12],
                &s[12..16],
                &s[16..20],
                &s[20..]
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "3b6e4622-105e-4916-b343-cfc18db433a8";

    #[test]
    fn a_bare_id_with_or_without_spaces() {
        assert_eq!(extract_id(ID).as_deref(), Some(ID));
        assert_eq!(extract_id(&format!("  {ID}\n")).as_deref(), Some(ID));
        assert_eq!(
            extract_id("3b6e4622-105e-4916- b343-cfc18db433a8").as_deref(),
            Some(ID)
        );
        assert_eq!(
            extract_id("3B6E4622-105E-4916-B343-CFC18DB433A8").as_deref(),
            Some(ID)
        );
        assert_eq!(
            extract_id("3b6e4622105e4916b343cfc18db433a8").as_deref(),
            Some(ID)
        );
    }

    #[test]
    fn an_id_inside_a_url() {
        let url = format!(
            "https://apps.mypurecloud.ie/directory/#/engage/admin/interactions/{ID}/details?tab=1"
        );
        assert_eq!(extract_id(&url).as_deref(), Some(ID));
    }

    #[test]
    fn no_id_is_none() {
        for s in [
            "",
            "hello",
            "3b6e4622-105e-4916-b343",
            "3b6e4622-105e-4916-b343-cfc18db433a8f",
            "zzzzzzzz-105e-4916-b343-cfc18db433a8",
        ] {
            assert_eq!(extract_id(s), None, "{s}");
        }
    }
}
