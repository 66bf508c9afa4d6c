//! UTF-8 validation that reports failures with CPython's exact
//! `UnicodeDecodeError` text, because msgpack-python surfaces it verbatim.

fn is_continuation(b: u8) -> bool {
    b & 0xC0 == 0x80
}

/// Why a byte sequence failed, and the span CPython blames.
struct Failure {
    start: usize,
    end: usize,
    reason: &'static str,
}

/// Checks `bytes` and returns CPython's message on failure.
pub fn validate(bytes: &[u8]) -> Result<&str, String> {
    match core::str::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => {
            let f = describe(bytes, e.valid_up_to());
            let what = if f.end - f.start == 1 {
                format!("byte 0x{:02x} in position {}", bytes[f.start], f.start)
            } else {
                format!("bytes in position {}-{}", f.start, f.end - 1)
            };
            Err(format!("'utf-8' codec can't decode {what}: {}", f.reason))
        }
    }
}

/// Classifies the first bad sequence the way CPython's decoder does.
fn describe(bytes: &[u8], at: usize) -> Failure {
    let s = &bytes[at..];
    let lead = s[0];
    let invalid = |n: usize| Failure { start: at, end: at + n, reason: "invalid continuation byte" };
    let truncated = Failure { start: at, end: bytes.len(), reason: "unexpected end of data" };
    let bad_start = Failure { start: at, end: at + 1, reason: "invalid start byte" };
    // the second byte's allowed range depends on the lead byte
    let second_ok = |b: u8| match lead {
        0xE0 => (0xA0..=0xBF).contains(&b),
        0xED => (0x80..=0x9F).contains(&b),
        0xF0 => (0x90..=0xBF).contains(&b),
        0xF4 => (0x80..=0x8F).contains(&b),
        _ => is_continuation(b),
    };
    let width = match lead {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return bad_start,
    };
    for i in 1..width {
        let Some(&b) = s.get(i) else { return truncated };
        let ok = if i == 1 { second_ok(b) } else { is_continuation(b) };
        if !ok {
            return invalid(i);
        }
    }
    // from_utf8 only stops at a real error, so this is unreachable in practice
    bad_start
}

#[cfg(test)]
mod tests {
    use super::validate;

    #[test]
    fn cpython_messages() {
        assert_eq!(
            validate(b"\xff").unwrap_err(),
            "'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"
        );
        assert_eq!(
            validate(b"a\xc3(").unwrap_err(),
            "'utf-8' codec can't decode byte 0xc3 in position 1: invalid continuation byte"
        );
        assert_eq!(
            validate(b"\xe2\x82").unwrap_err(),
            "'utf-8' codec can't decode bytes in position 0-1: unexpected end of data"
        );
        assert_eq!(
            validate(b"\xe2\x82(").unwrap_err(),
            "'utf-8' codec can't decode bytes in position 0-1: invalid continuation byte"
        );
        assert_eq!(validate("héllo".as_bytes()), Ok("héllo"));
    }
}
