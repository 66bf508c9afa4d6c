//! The few Python string rules the parser depends on, reproduced exactly.

/// Python's `str.isspace()` for one character: Unicode White_Space plus the
/// four information separators U+001C..U+001F.
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `str.strip()` with no argument.
pub fn strip(s: &str) -> &str {
    s.trim_matches(is_space)
}

/// Python's `s[:n]` on a `str`: the first `n` code points.
pub fn truncate_chars(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((at, _)) => &s[..at],
        None => s,
    }
}

/// Python's `len(s)` on a `str`: code points.
pub fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// Python's `int(text)` for `str`/`bytes`: surrounding whitespace, an
/// optional sign, ASCII digits with single underscores between them.
/// (Python also accepts non-ASCII decimal digits in `str`; LXMF never sends
/// them, and they are refused here.)
pub fn parses_as_int(text: &str) -> bool {
    let body = strip(text);
    let digits = body.strip_prefix(['+', '-']).unwrap_or(body);
    !digits.is_empty()
        && !digits.starts_with('_')
        && !digits.ends_with('_')
        && !digits.contains("__")
        && digits.chars().all(|c| c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_matches_python() {
        assert_eq!(strip("\u{1c} a b\u{3000}\n"), "a b");
        assert_eq!(truncate_chars("héllo", 2), "hé");
        assert!(parses_as_int(" -1_000 "));
        assert!(
            !parses_as_int("1__0") && !parses_as_int("_1") && !parses_as_int("") && !parses_as_int("0x1")
        );
    }
}
