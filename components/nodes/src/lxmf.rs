//! LXMF's announce helpers (`LXMF.pn_announce_data_is_valid`,
//! `pn_name_from_app_data`, `display_name_from_app_data` in lxmf 1.2.1), as
//! styrened calls them on MessagePack app_data.
//!
//! LXMF decodes with RNS's vendored umsgpack, then applies Python's dynamic
//! rules (`int(x)`, `x == True`, `type(x) == list`, `key in dict`). The value
//! model below is what umsgpack produces, and the checks reproduce those rules,
//! so every input is classified as LXMF classifies it. Any exception LXMF or
//! styrened would swallow is a `None` here.

use crate::python;

/// A decoded value as umsgpack returns it to Python.
#[derive(Debug, Clone)]
enum Py {
    None,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Bytes(Vec<u8>),
    List(Vec<Py>),
    /// A list used as a map key, which umsgpack turns into a tuple.
    Tuple(Vec<Py>),
    Dict(Vec<(Py, Py)>),
    Ext(i8, Vec<u8>),
    /// A timestamp, as microseconds since the epoch (umsgpack builds a datetime).
    Datetime(i128),
}

/// Deeper nesting than this is refused. Python gives up at its recursion
/// limit, which depends on the caller's stack (around 300 nested arrays for
/// umsgpack); below this depth both agree.
const MAX_DEPTH: usize = 256;

/// umsgpack's `unpackb`: one object, trailing bytes ignored.
fn unpack(data: &[u8]) -> Option<Py> {
    let mut at = 0;
    read(data, &mut at, 0)
}

fn take<'a>(data: &'a [u8], at: &mut usize, n: usize) -> Option<&'a [u8]> {
    let end = at.checked_add(n).filter(|&e| e <= data.len())?;
    let bytes = &data[*at..end];
    *at = end;
    Some(bytes)
}

fn uint(data: &[u8], at: &mut usize, n: usize) -> Option<u64> {
    Some(take(data, at, n)?.iter().fold(0u64, |acc, &b| (acc << 8) | b as u64))
}

fn read(data: &[u8], at: &mut usize, depth: usize) -> Option<Py> {
    if depth > MAX_DEPTH {
        return None;
    }
    let code = take(data, at, 1)?[0];
    Some(match code {
        0x00..=0x7f => Py::Int(code as i128),
        0xe0..=0xff => Py::Int(code as i8 as i128),
        0x80..=0x8f => read_map(data, at, (code & 0x0f) as u64, depth)?,
        0x90..=0x9f => read_list(data, at, (code & 0x0f) as u64, depth)?,
        0xa0..=0xbf => read_str(data, at, (code & 0x1f) as usize)?,
        0xc0 => Py::None,
        0xc1 => return None, // ReservedCodeException
        0xc2 => Py::Bool(false),
        0xc3 => Py::Bool(true),
        0xc4..=0xc6 => {
            let n = uint(data, at, 1 << (code - 0xc4))? as usize;
            Py::Bytes(take(data, at, n)?.to_vec())
        }
        0xc7..=0xc9 => {
            let n = uint(data, at, 1 << (code - 0xc7))? as usize;
            read_ext(data, at, n)?
        }
        0xca => Py::Float(f32::from_bits(uint(data, at, 4)? as u32) as f64),
        0xcb => Py::Float(f64::from_bits(uint(data, at, 8)?)),
        0xcc..=0xcf => Py::Int(uint(data, at, 1 << (code - 0xcc))? as i128),
        0xd0 => Py::Int(uint(data, at, 1)? as u8 as i8 as i128),
        0xd1 => Py::Int(uint(data, at, 2)? as u16 as i16 as i128),
        0xd2 => Py::Int(uint(data, at, 4)? as u32 as i32 as i128),
        0xd3 => Py::Int(uint(data, at, 8)? as i64 as i128),
        0xd4..=0xd8 => read_ext(data, at, 1 << (code - 0xd4))?,
        0xd9..=0xdb => {
            let n = uint(data, at, 1 << (code - 0xd9))? as usize;
            read_str(data, at, n)?
        }
        0xdc => {
            let n = uint(data, at, 2)?;
            read_list(data, at, n, depth)?
        }
        0xdd => {
            let n = uint(data, at, 4)?;
            read_list(data, at, n, depth)?
        }
        0xde => {
            let n = uint(data, at, 2)?;
            read_map(data, at, n, depth)?
        }
        0xdf => {
            let n = uint(data, at, 4)?;
            read_map(data, at, n, depth)?
        }
    })
}

fn read_str(data: &[u8], at: &mut usize, n: usize) -> Option<Py> {
    // invalid UTF-8 raises InvalidStringException
    Some(Py::Str(std::str::from_utf8(take(data, at, n)?).ok()?.to_owned()))
}

fn read_list(data: &[u8], at: &mut usize, n: u64, depth: usize) -> Option<Py> {
    // every item needs at least one byte: a longer count is a truncated input
    if n > (data.len() - *at) as u64 {
        return None;
    }
    let items = (0..n).map(|_| read(data, at, depth + 1)).collect::<Option<Vec<_>>>()?;
    Some(Py::List(items))
}

fn read_map(data: &[u8], at: &mut usize, n: u64, depth: usize) -> Option<Py> {
    if n > (data.len() - *at) as u64 {
        return None;
    }
    let mut entries: Vec<(Py, Py)> = Vec::new();
    for _ in 0..n {
        let key = read(data, at, depth + 1)?;
        let key = match key {
            // a list key becomes a tuple, and umsgpack skips its duplicate check
            Py::List(items) => Py::Tuple(items.into_iter().map(to_tuple).collect()),
            Py::Dict(_) => return None, // UnhashableKeyException
            other => {
                if entries.iter().any(|(k, _)| py_eq(k, &other)) {
                    return None; // DuplicateKeyException
                }
                other
            }
        };
        if !hashable(&key) {
            return None; // TypeError on `d[k] = v`
        }
        let value = read(data, at, depth + 1)?;
        match entries.iter_mut().find(|(k, _)| py_eq(k, &key)) {
            Some(entry) => entry.1 = value,
            None => entries.push((key, value)),
        }
    }
    Some(Py::Dict(entries))
}

fn to_tuple(value: Py) -> Py {
    match value {
        Py::List(items) => Py::Tuple(items.into_iter().map(to_tuple).collect()),
        other => other,
    }
}

fn hashable(value: &Py) -> bool {
    match value {
        Py::List(_) | Py::Dict(_) => false,
        Py::Tuple(items) => items.iter().all(hashable),
        _ => true,
    }
}

fn read_ext(data: &[u8], at: &mut usize, n: usize) -> Option<Py> {
    let code = take(data, at, 1)?[0] as i8;
    let body = take(data, at, n)?;
    if code != -1 {
        return Some(Py::Ext(code, body.to_vec()));
    }
    let be = |b: &[u8]| b.iter().fold(0u128, |acc, &x| (acc << 8) | x as u128);
    let (seconds, nanos): (i128, i128) = match n {
        4 => (be(body) as i128, 0),
        8 => {
            let v = be(body);
            ((v & 0x3_ffff_ffff) as i128, (v >> 34) as i128)
        }
        12 => (i64::from_be_bytes(body[4..].try_into().ok()?) as i128, be(&body[..4]) as i128),
        _ => return None, // UnsupportedTimestampException
    };
    let micros = seconds * 1_000_000 + nanos / 1000;
    // datetime covers years 1..=9999; beyond that Python raises OverflowError
    const MIN: i128 = -62_135_596_800 * 1_000_000;
    const MAX: i128 = 253_402_300_800 * 1_000_000 - 1;
    (MIN..=MAX).contains(&micros).then_some(Py::Datetime(micros))
}

/// Python's `==` between two decoded values.
fn py_eq(a: &Py, b: &Py) -> bool {
    match (number(a), number(b)) {
        (Some(x), Some(y)) => return numbers_equal(x, y),
        (Some(_), None) | (None, Some(_)) => return false,
        (None, None) => {}
    }
    match (a, b) {
        (Py::None, Py::None) => true,
        (Py::Str(x), Py::Str(y)) => x == y,
        (Py::Bytes(x), Py::Bytes(y)) => x == y,
        (Py::Ext(c, x), Py::Ext(d, y)) => c == d && x == y,
        (Py::Datetime(x), Py::Datetime(y)) => x == y,
        (Py::Tuple(x), Py::Tuple(y)) | (Py::List(x), Py::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| py_eq(p, q))
        }
        (Py::Dict(x), Py::Dict(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.iter().any(|(k2, v2)| py_eq(k, k2) && py_eq(v, v2)))
        }
        _ => false,
    }
}

/// bool, int and float as one numeric view: an exact integer or a float.
fn number(value: &Py) -> Option<Result<i128, f64>> {
    match value {
        Py::Bool(b) => Some(Ok(*b as i128)),
        Py::Int(i) => Some(Ok(*i)),
        Py::Float(f) => Some(Err(*f)),
        _ => None,
    }
}

/// Python compares int and float exactly (and NaN equals nothing).
fn numbers_equal(a: Result<i128, f64>, b: Result<i128, f64>) -> bool {
    match (a, b) {
        (Ok(x), Ok(y)) => x == y,
        (Err(x), Err(y)) => x == y,
        (Ok(i), Err(f)) | (Err(f), Ok(i)) => f.is_finite() && f.fract() == 0.0 && f as i128 == i,
    }
}

/// Python's `int(x)` succeeding.
fn int_convertible(value: &Py) -> bool {
    match value {
        Py::Bool(_) | Py::Int(_) => true,
        Py::Float(f) => f.is_finite(),
        Py::Str(s) => python::parses_as_int(s),
        Py::Bytes(b) => b.is_ascii() && python::parses_as_int(std::str::from_utf8(b).unwrap_or("")),
        _ => false,
    }
}

/// Python's `len(x)`.
fn py_len(value: &Py) -> Option<usize> {
    match value {
        Py::List(v) | Py::Tuple(v) => Some(v.len()),
        Py::Dict(v) => Some(v.len()),
        Py::Str(s) => Some(python::char_len(s)),
        Py::Bytes(b) => Some(b.len()),
        _ => None,
    }
}

/// Python's `x[i]` for a small non-negative index.
fn py_index(value: &Py, i: usize) -> Option<Py> {
    match value {
        Py::List(v) | Py::Tuple(v) => v.get(i).cloned(),
        Py::Dict(entries) => {
            let key = Py::Int(i as i128);
            entries.iter().find(|(k, _)| py_eq(k, &key)).map(|(_, v)| v.clone())
        }
        Py::Str(s) => s.chars().nth(i).map(|c| Py::Str(c.to_string())),
        Py::Bytes(b) => b.get(i).map(|&x| Py::Int(x as i128)),
        _ => None,
    }
}

/// `LXMF.pn_announce_data_is_valid(app_data)`.
fn pn_valid(data: &Py) -> bool {
    let check = || -> Option<bool> {
        if py_len(data)? < 7 {
            return Some(false);
        }
        let is_bool_like = |v: &Py| py_eq(v, &Py::Bool(true)) || py_eq(v, &Py::Bool(false));
        let costs = py_index(data, 5)?;
        Some(
            int_convertible(&py_index(data, 1)?)
                && is_bool_like(&py_index(data, 2)?)
                && int_convertible(&py_index(data, 3)?)
                && int_convertible(&py_index(data, 4)?)
                && matches!(costs, Py::List(_))
                && (0..3).all(|i| py_index(&costs, i).is_some_and(|c| int_convertible(&c)))
                && matches!(py_index(data, 6)?, Py::Dict(_)),
        )
    };
    check().unwrap_or(false)
}

/// What LXMF makes of MessagePack app_data, in styrened's order of asking.
pub enum Lxmf {
    /// A valid propagation-node announce, with its name if it carries one.
    PropagationNode(Option<String>),
    /// A delivery announce's display name (non-empty).
    DisplayName(String),
}

/// LXMF's test for its MessagePack announce format: a fixarray or array16 first byte.
pub fn is_msgpack_array(app_data: &[u8]) -> bool {
    app_data.first().is_some_and(|&b| b & 0xF0 == 0x90 || b == 0xDC)
}

/// styrened's `_try_lxmf_parse`, minus the formatting: what LXMF finds in app_data.
pub fn classify(app_data: &[u8]) -> Option<Lxmf> {
    if app_data.is_empty() {
        return None;
    }
    let data = unpack(app_data);
    if data.as_ref().is_some_and(pn_valid) {
        let data = data.expect("checked above");
        let name = match py_index(&data, 6) {
            Some(Py::Dict(meta)) => {
                meta.iter().find(|(k, _)| py_eq(k, &Py::Int(1))).and_then(|(_, v)| match v {
                    Py::Bytes(b) => String::from_utf8(b.clone()).ok(),
                    _ => None,
                })
            }
            _ => None,
        };
        return Some(Lxmf::PropagationNode(name));
    }
    if !is_msgpack_array(app_data) {
        // LXMF's "original" format: the whole app_data is the name, as is
        let name = std::str::from_utf8(app_data).ok()?;
        return (!name.is_empty()).then(|| Lxmf::DisplayName(name.to_owned()));
    }
    let Py::List(items) = data? else { return None };
    let Some(Py::Bytes(raw)) = items.into_iter().next() else { return None };
    let text = String::from_utf8(raw).ok()?.replace('\0', "");
    let name = python::strip(&text);
    (!name.is_empty()).then(|| Lxmf::DisplayName(name.to_owned()))
}
