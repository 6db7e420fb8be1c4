//! Text folded for searching as people type it: lower case, accents off (`Gómez` → `gomez`,
//! `Müller` → `muller`, `Straße` → `strasse`). A table of the Latin letters with diacritics
//! (Latin-1 and Latin Extended-A, which cover the names of Western and Central Europe) is
//! enough here; other scripts are only lower-cased.

/// `s` lower-cased with the accents of Latin letters taken off.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    fold_into(&mut out, s);
    out
}

/// Appends `s`, folded, to `out`.
pub fn fold_into(out: &mut String, s: &str) {
    if s.is_ascii() {
        // The common case: no table, no allocation beyond `out`.
        out.extend(s.bytes().map(|b| char::from(b.to_ascii_lowercase())));
        return;
    }
    for c in s.chars() {
        match base(c) {
            Some(b) => out.push_str(b),
            None => out.extend(c.to_lowercase()),
        }
    }
}

/// The unaccented lower-case letters of a Latin letter with a diacritic (or a ligature).
fn base(c: char) -> Option<&'static str> {
    Some(match c {
        'À'..='Å' | 'à'..='å' | 'Ā'..='ą' => "a",
        'Æ' | 'æ' => "ae",
        'Ç' | 'ç' | 'Ć'..='č' => "c",
        'È'..='Ë' | 'è'..='ë' | 'Ē'..='ě' => "e",
        'Ì'..='Ï' | 'ì'..='ï' | 'Ĩ'..='ı' => "i",
        'Ð' | 'ð' | 'Ď'..='đ' => "d",
        'Ñ' | 'ñ' | 'Ń'..='ŉ' => "n",
        'Ò'..='Ö' | 'Ø' | 'ò'..='ö' | 'ø' | 'Ō'..='ő' => "o",
        'Ù'..='Ü' | 'ù'..='ü' | 'Ũ'..='ų' => "u",
        'Ý' | 'ý' | 'ÿ' | 'Ŷ'..='Ÿ' => "y",
        'Þ' | 'þ' => "th",
        'ß' => "ss",
        'Ĝ'..='ģ' => "g",
        'Ĥ'..='ħ' => "h",
        'Ĳ' | 'ĳ' => "ij",
        'Ĵ' | 'ĵ' => "j",
        'Ķ'..='ĸ' => "k",
        'Ĺ'..='ł' => "l",
        'Ŋ' | 'ŋ' => "ng",
        'Œ' | 'œ' => "oe",
        'Ŕ'..='ř' => "r",
        'Ś'..='š' => "s",
        'Ţ'..='ŧ' => "t",
        'Ŵ' | 'ŵ' => "w",
        'Ź'..='ž' => "z",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_and_case_go() {
        assert_eq!(fold("Gómez"), "gomez");
        assert_eq!(fold("MÜLLER"), "muller");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(
            fold("Łódź Škoda Ørsted Æsir Œuvre"),
            "lodz skoda orsted aesir oeuvre"
        );
        assert_eq!(fold("François Éloïse Ñandú"), "francois eloise nandu");
        assert_eq!(fold("plain ASCII 42"), "plain ascii 42");
        // Other scripts are lower-cased only; nothing is lost.
        assert_eq!(fold("ΣΊΣΥΦΟΣ 東京"), "σίσυφοσ 東京");
    }

    #[test]
    fn every_letter_of_the_table_folds_to_ascii() {
        for c in ('\u{c0}'..='\u{17f}').filter(|c| c.is_alphabetic() && *c != '×' && *c != '÷') {
            let f = fold(&c.to_string());
            if base(c).is_some() {
                assert!(f.is_ascii(), "{c} -> {f}");
            }
        }
        // The letters of Latin-1 and Extended-A the table leaves out: only ſ (long s).
        let missing: Vec<char> = ('\u{c0}'..='\u{17f}')
            .filter(|c| c.is_alphabetic() && base(*c).is_none())
            .collect();
        assert_eq!(missing, ['ſ'], "{missing:?}");
    }
}
