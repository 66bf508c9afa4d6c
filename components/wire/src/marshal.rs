//! Payload values in Python's `marshal` format (version 4), for a Python host.
//!
//! A Python host turns bytes into objects and back fastest with `marshal`
//! (its C code builds and walks `dict`, `list`, `str`... directly), so this
//! module speaks the subset of the format that payload values need: `None`,
//! booleans, `int` (short and long forms), `float`, `str` (the UTF-8, ASCII,
//! short-ASCII and interned forms), `bytes`, `list`, `tuple` and `dict`, with
//! the back-references (`FLAG_REF` and `TYPE_REF`) that `marshal.dumps` writes
//! for objects it meets more than once.
//!
//! [`to_marshal`] writes a decoded payload for `marshal.loads`; it declines a
//! value that holds an extension type or a timestamp (no plain Python type
//! carries them). [`from_marshal`] reads `marshal.dumps` output into the
//! [`Node`]s that [`crate::encode_payload`] packs, and declines everything
//! msgpack-python would not pack the same way: other types, integers outside
//! msgpack's range, strings that are not strict UTF-8 (lone surrogates),
//! nesting past msgpack's limit, reference cycles. It trusts no length or
//! count: every one is checked against the bytes that remain.

use crate::envelope::decode_header;
use crate::msgpack::{Node, decode_payload};
use crate::{MAX_NESTING_DEPTH, WireError};

/// `marshal`'s type codes (CPython's `Python/marshal.c`).
mod code {
    pub const NULL: u8 = b'0';
    pub const NONE: u8 = b'N';
    pub const FALSE: u8 = b'F';
    pub const TRUE: u8 = b'T';
    pub const INT: u8 = b'i';
    pub const LONG: u8 = b'l';
    pub const BINARY_FLOAT: u8 = b'g';
    pub const STRING: u8 = b's';
    pub const INTERNED: u8 = b't';
    pub const REF: u8 = b'r';
    pub const TUPLE: u8 = b'(';
    pub const SMALL_TUPLE: u8 = b')';
    pub const LIST: u8 = b'[';
    pub const DICT: u8 = b'{';
    pub const UNICODE: u8 = b'u';
    pub const ASCII: u8 = b'a';
    pub const ASCII_INTERNED: u8 = b'A';
    pub const SHORT_ASCII: u8 = b'z';
    pub const SHORT_ASCII_INTERNED: u8 = b'Z';
    /// Set on an object's type code when later objects may refer back to it.
    pub const FLAG_REF: u8 = 0x80;
}

/// A long `int` is stored as base-2^15 digits (`PyLong_MARSHAL_SHIFT`).
const LONG_SHIFT: u32 = 15;

/// Why [`from_marshal`] declined its input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declined(pub &'static str);

// ------------------------------------------------------------------ writing

/// A `marshal` writer over a byte buffer.
#[derive(Default)]
pub struct Writer {
    /// The bytes written so far.
    pub out: Vec<u8>,
}

impl Writer {
    fn code_and_len(&mut self, code: u8, len: usize) {
        self.out.push(code);
        // lengths here are bounded by the payload size, far below 2^31
        self.out.extend_from_slice(&(len as u32).to_le_bytes());
    }

    /// `None`.
    pub fn none(&mut self) {
        self.out.push(code::NONE);
    }

    /// An `int`: the short form within 32 bits, else base-2^15 digits.
    pub fn int(&mut self, negative: bool, magnitude: u64) {
        if !negative && magnitude <= i32::MAX as u64 || negative && magnitude <= 1 << 31 {
            let v = if negative { (magnitude as i64).wrapping_neg() } else { magnitude as i64 };
            self.out.push(code::INT);
            self.out.extend_from_slice(&(v as i32).to_le_bytes());
            return;
        }
        let mut digits = Vec::with_capacity(5);
        let mut rest = magnitude;
        while rest > 0 {
            digits.push((rest & ((1 << LONG_SHIFT) - 1)) as u16);
            rest >>= LONG_SHIFT;
        }
        let count = digits.len() as i32;
        self.out.push(code::LONG);
        self.out.extend_from_slice(&(if negative { -count } else { count }).to_le_bytes());
        for d in digits {
            self.out.extend_from_slice(&d.to_le_bytes());
        }
    }

    /// A `str`; `interned` for dict keys (msgpack-python interns those too).
    pub fn str(&mut self, s: &str, interned: bool) {
        let (short, long, utf8) = if interned {
            (code::SHORT_ASCII_INTERNED, code::ASCII_INTERNED, code::INTERNED)
        } else {
            (code::SHORT_ASCII, code::ASCII, code::UNICODE)
        };
        if !s.is_ascii() {
            self.code_and_len(utf8, s.len());
        } else if s.len() < 256 {
            self.out.extend_from_slice(&[short, s.len() as u8]);
        } else {
            self.code_and_len(long, s.len());
        }
        self.out.extend_from_slice(s.as_bytes());
    }

    /// A `bytes`.
    pub fn bytes(&mut self, b: &[u8]) {
        self.code_and_len(code::STRING, b.len());
        self.out.extend_from_slice(b);
    }

    /// The header of a tuple of `len` items (the items follow).
    pub fn tuple(&mut self, len: usize) {
        if len < 256 {
            self.out.extend_from_slice(&[code::SMALL_TUPLE, len as u8]);
        } else {
            self.code_and_len(code::TUPLE, len);
        }
    }
}

/// A decoded payload as `marshal.loads` input, or `None` when it holds an
/// extension value or a timestamp.
pub fn to_marshal(nodes: &[Node]) -> Option<Vec<u8>> {
    let mut w = Writer { out: Vec::with_capacity(nodes.len() * 8 + 16) };
    // open containers: items still to come, and whether it is a dict (which
    // ends with NULL, and whose every other item is a key)
    let mut open: Vec<(u64, bool)> = Vec::new();
    for node in nodes {
        let is_key = matches!(open.last(), Some(&(left, true)) if left % 2 == 0);
        if let Some(top) = open.last_mut() {
            top.0 -= 1;
        }
        match node {
            Node::Nil => w.none(),
            Node::Bool(b) => w.out.push(if *b { code::TRUE } else { code::FALSE }),
            Node::Int(v) => w.int(*v < 0, v.unsigned_abs()),
            Node::Uint(v) => w.int(false, *v),
            Node::Float(v) => {
                w.out.push(code::BINARY_FLOAT);
                w.out.extend_from_slice(&v.to_le_bytes());
            }
            Node::Str(s) => w.str(s, is_key),
            Node::Bin(b) => w.bytes(b),
            Node::Array(n) => {
                w.code_and_len(code::LIST, *n as usize);
                open.push((*n as u64, false));
            }
            Node::Map(n) => {
                w.out.push(code::DICT);
                open.push((2 * *n as u64, true));
            }
            Node::Ext(..) | Node::Timestamp { .. } => return None,
        }
        while let Some(&(0, is_dict)) = open.last() {
            if is_dict {
                w.out.push(code::NULL);
            }
            open.pop();
        }
    }
    Some(w.out)
}

/// `StyreneEnvelope.decode` followed by `decode_payload`, in one step, as
/// `marshal.loads` input: the tuple `(version, message_type, request_id or
/// None, payload_offset, payload)`, where `payload` is the payload value's own
/// `marshal` bytes, `None` when [`to_marshal`] declines it, or the
/// `PayloadDecodeError` message as a `str`. An envelope error is returned as is.
pub fn decode_envelope_to_marshal(data: &[u8]) -> Result<Vec<u8>, WireError> {
    let header = decode_header(data)?;
    let payload = decode_payload(&data[header.payload_offset..]);
    let mut w = Writer::default();
    w.tuple(5);
    w.int(false, header.version as u64);
    w.int(false, header.message_type.value as u64);
    match header.request_id {
        Some(rid) => w.bytes(&rid),
        None => w.none(),
    }
    w.int(false, header.payload_offset as u64);
    match payload {
        Ok(nodes) => match to_marshal(&nodes) {
            Some(value) => w.bytes(&value),
            None => w.none(),
        },
        Err(e) => w.str(&e.message, false),
    }
    Ok(w.out)
}

// ------------------------------------------------------------------ reading

/// An open container while reading.
struct Open {
    /// Index of its `Array`/`Map` node, whose count a dict fills in when it closes.
    node: usize,
    /// Items still to read (lists, tuples); for dicts, the keys and values read so far.
    count: u64,
    is_dict: bool,
    /// Its back-reference slot, completed when it closes.
    slot: Option<usize>,
    /// How much deeper than itself its contents reach so far.
    height: usize,
}

/// What a back-reference slot holds: the node range of a complete object
/// and its nesting height, or `None` while it is still open.
type Slot = Option<(usize, usize, usize)>;

/// Reads `marshal.dumps(value)` (version 3 or 4) into the nodes that
/// [`crate::encode_payload`] packs as `msgpack.packb(value, use_bin_type=True)`
/// would, or declines.
pub fn from_marshal(data: &[u8]) -> Result<Vec<Node>, Declined> {
    // each object is at least one byte and each back-reference five, so a value
    // that shares containers can expand; past this it is left to the host's own path
    let max_nodes = data.len().saturating_mul(2).max(16);
    let mut r = Reader { data, pos: 0 };
    let mut nodes: Vec<Node> = Vec::new();
    let mut slots: Vec<Slot> = Vec::new();
    let mut open: Vec<Open> = Vec::new();
    loop {
        let depth = open.len();
        if let Some(top) = open.last_mut() {
            if top.is_dict {
                // NULL ends a dict where a key would start
                if top.count % 2 == 0 && r.peek()? == code::NULL {
                    r.pos += 1;
                    let entries = u32::try_from(top.count / 2).map_err(|_| Declined("a dict too large"))?;
                    nodes[top.node] = Node::Map(entries);
                    close(&mut open, &mut slots, nodes.len());
                    if open.is_empty() {
                        return finish(&r, nodes);
                    }
                    continue;
                }
                top.count += 1;
            } else if top.count == 0 {
                close(&mut open, &mut slots, nodes.len());
                if open.is_empty() {
                    return finish(&r, nodes);
                }
                continue;
            } else {
                top.count -= 1;
            }
        }
        if depth > MAX_NESTING_DEPTH {
            return Err(Declined("nested deeper than msgpack packs"));
        }
        let start = nodes.len();
        let raw = r.byte()?;
        let (kind, flagged) = (raw & !code::FLAG_REF, raw & code::FLAG_REF != 0);
        let slot = flagged.then(|| {
            slots.push(None);
            slots.len() - 1
        });
        let container = match kind {
            code::NONE | code::TRUE | code::FALSE if flagged => {
                return Err(Declined("a flagged singleton"));
            }
            code::NONE => Some(Node::Nil),
            code::TRUE => Some(Node::Bool(true)),
            code::FALSE => Some(Node::Bool(false)),
            code::INT => Some(Node::Int(i32::from_le_bytes(r.array()?) as i64)),
            code::LONG => Some(r.long()?),
            code::BINARY_FLOAT => Some(Node::Float(f64::from_le_bytes(r.array()?))),
            code::STRING => {
                let len = r.len32()?;
                Some(Node::Bin(r.take(len)?.to_vec()))
            }
            code::UNICODE | code::INTERNED => {
                let len = r.len32()?;
                let text = std::str::from_utf8(r.take(len)?).map_err(|_| Declined("not strict UTF-8"))?;
                Some(Node::Str(text.to_owned()))
            }
            code::ASCII | code::ASCII_INTERNED | code::SHORT_ASCII | code::SHORT_ASCII_INTERNED => {
                let short = matches!(kind, code::SHORT_ASCII | code::SHORT_ASCII_INTERNED);
                let len = if short { r.byte()? as usize } else { r.len32()? };
                let text = r.take(len)?;
                if !text.is_ascii() {
                    return Err(Declined("an ASCII string with a byte above 127"));
                }
                Some(Node::Str(String::from_utf8(text.to_vec()).map_err(|_| Declined("not ASCII"))?))
            }
            code::REF => {
                if flagged {
                    return Err(Declined("a flagged back-reference"));
                }
                let index = u32::from_le_bytes(r.array()?) as usize;
                let Some(&Some((from, to, height))) = slots.get(index) else {
                    return Err(Declined("a back-reference to an unknown or open object"));
                };
                if depth + height > MAX_NESTING_DEPTH {
                    return Err(Declined("nested deeper than msgpack packs"));
                }
                if nodes.len() + (to - from) > max_nodes {
                    return Err(Declined("shared containers expand too far"));
                }
                nodes.extend_from_within(from..to);
                grow(&mut open, height);
                None
            }
            code::TUPLE | code::SMALL_TUPLE | code::LIST => {
                let len = if kind == code::SMALL_TUPLE { r.byte()? as usize } else { r.len32()? };
                // every item takes at least one byte
                if len > r.remaining() {
                    return Err(Declined("more items than bytes"));
                }
                open.push(Open { node: start, count: len as u64, is_dict: false, slot, height: 0 });
                Some(Node::Array(len as u32))
            }
            code::DICT => {
                open.push(Open { node: start, count: 0, is_dict: true, slot, height: 0 });
                Some(Node::Map(0))
            }
            _ => return Err(Declined("a type msgpack does not pack as a plain value")),
        };
        if let Some(node) = container {
            let opened = matches!(node, Node::Array(_) | Node::Map(_));
            nodes.push(node);
            if !opened {
                if let Some(slot) = slot {
                    slots[slot] = Some((start, start + 1, 0));
                }
                grow(&mut open, 0);
            }
        }
        if nodes.len() > max_nodes {
            return Err(Declined("shared containers expand too far"));
        }
        if open.is_empty() {
            return finish(&r, nodes);
        }
    }
}

/// Closes the innermost container, completing its back-reference slot.
fn close(open: &mut Vec<Open>, slots: &mut [Slot], end: usize) {
    let done = open.pop().expect("a container is open");
    if let Some(slot) = done.slot {
        slots[slot] = Some((done.node, end, done.height));
    }
    grow(open, done.height);
}

/// A complete child of this height was added to the innermost container.
fn grow(open: &mut [Open], child_height: usize) {
    if let Some(parent) = open.last_mut() {
        parent.height = parent.height.max(child_height + 1);
    }
}

fn finish(r: &Reader<'_>, nodes: Vec<Node>) -> Result<Vec<Node>, Declined> {
    if r.pos != r.data.len() {
        return Err(Declined("bytes after the value"));
    }
    Ok(nodes)
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], Declined> {
        if n > self.remaining() {
            return Err(Declined("truncated"));
        }
        let bytes = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(bytes)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], Declined> {
        Ok(self.take(N)?.try_into().expect("N bytes"))
    }

    fn byte(&mut self) -> Result<u8, Declined> {
        Ok(self.take(1)?[0])
    }

    fn peek(&self) -> Result<u8, Declined> {
        self.data.get(self.pos).copied().ok_or(Declined("truncated"))
    }

    /// A 32-bit length, which may not be negative nor exceed what remains.
    fn len32(&mut self) -> Result<usize, Declined> {
        let len = i32::from_le_bytes(self.array()?);
        usize::try_from(len).ok().filter(|&n| n <= self.remaining()).ok_or(Declined("a length past the end"))
    }

    /// A long `int`, as msgpack's `Int` or `Uint`.
    fn long(&mut self) -> Result<Node, Declined> {
        let count = i32::from_le_bytes(self.array()?);
        let digits = count.unsigned_abs() as usize;
        // 2^64 needs five base-2^15 digits; more cannot be in msgpack's range
        if digits > 5 {
            return Err(Declined("an integer outside msgpack's range"));
        }
        let mut magnitude: u128 = 0;
        for i in 0..digits {
            let d = u16::from_le_bytes(self.array()?);
            if d >> LONG_SHIFT != 0 || (i == digits - 1 && d == 0) {
                return Err(Declined("a malformed long integer"));
            }
            magnitude |= (d as u128) << (LONG_SHIFT as usize * i);
        }
        if count >= 0 {
            match u64::try_from(magnitude) {
                Ok(v) => Ok(i64::try_from(v).map(Node::Int).unwrap_or(Node::Uint(v))),
                Err(_) => Err(Declined("an integer outside msgpack's range")),
            }
        } else if magnitude <= 1 << 63 {
            Ok(Node::Int((magnitude as i64).wrapping_neg()))
        } else {
            Err(Declined("an integer outside msgpack's range"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declined(data: &[u8]) -> &'static str {
        from_marshal(data).unwrap_err().0
    }

    #[test]
    fn writes_each_form() {
        let nodes = vec![
            Node::Map(2),
            Node::Str("k".into()),
            Node::Array(4),
            Node::Int(-(1 << 31)),
            Node::Int(1 << 31),
            Node::Uint(u64::MAX),
            Node::Str("é".into()),
            Node::Bin(vec![1]),
            Node::Float(0.5),
        ];
        let out = to_marshal(&nodes).unwrap();
        let want: Vec<u8> = [
            &b"{Z\x01k[\x04\x00\x00\x00"[..],
            b"i\x00\x00\x00\x80",
            b"l\x03\x00\x00\x00\x00\x00\x00\x00\x02\x00",
            b"l\x05\x00\x00\x00\xff\x7f\xff\x7f\xff\x7f\xff\x7f\x0f\x00",
            b"u\x02\x00\x00\x00\xc3\xa9",
            b"s\x01\x00\x00\x00\x01",
            b"g\x00\x00\x00\x00\x00\x00\xe0\x3f",
            b"0",
        ]
        .concat();
        assert_eq!(out, want);
        assert_eq!(from_marshal(&out).unwrap(), nodes);
        assert_eq!(to_marshal(&[Node::Array(1), Node::Ext(1, vec![])]), None);
    }

    #[test]
    fn declines_what_it_cannot_vouch_for() {
        assert_eq!(declined(b""), "truncated");
        assert_eq!(declined(b"NN"), "bytes after the value");
        assert_eq!(declined(b"[\x02\x00\x00\x00N"), "a length past the end");
        assert_eq!(declined(b")\x02N"), "more items than bytes");
        assert_eq!(declined(b"s\xff\xff\xff\xff"), "a length past the end");
        assert_eq!(declined(b"z\x01\x80"), "an ASCII string with a byte above 127");
        assert_eq!(declined(b"u\x03\x00\x00\x00\xed\xa0\x80"), "not strict UTF-8");
        assert_eq!(declined(b"l\x01\x00\x00\x00\x00\x80"), "a malformed long integer");
        assert_eq!(declined(b"l\x01\x00\x00\x00\x00\x00"), "a malformed long integer");
        assert_eq!(declined(b"{N"), "truncated");
        assert_eq!(declined(b"{Z\x01k0"), "a type msgpack does not pack as a plain value");
        assert_eq!(
            declined(b"\xdb\x01\x00\x00\x00r\x00\x00\x00\x00"),
            "a back-reference to an unknown or open object"
        );
        assert_eq!(
            declined(b"[\x01\x00\x00\x00r\x00\x00\x00\x00"),
            "a back-reference to an unknown or open object"
        );
        assert_eq!(declined(b"\xce"), "a flagged singleton");
        assert_eq!(declined(b"<\x00\x00\x00\x00"), "a type msgpack does not pack as a plain value");
    }

    #[test]
    fn back_references_copy_and_count_depth() {
        // [x, x, x] where x = "ab" is flagged at its first appearance
        let data = b"[\x03\x00\x00\x00\xfa\x02abr\x00\x00\x00\x00r\x00\x00\x00\x00";
        assert_eq!(
            from_marshal(data).unwrap(),
            [vec![Node::Array(3)], vec![Node::Str("ab".into()); 3]].concat()
        );
        // a flagged 1024-deep list, then [that] at depth 1: 1025 deep
        let mut deep = vec![b'['; 1];
        deep.extend_from_slice(&2u32.to_le_bytes());
        deep.push(0xdb);
        deep.extend_from_slice(&1u32.to_le_bytes());
        for _ in 0..1022 {
            deep.extend_from_slice(b"[\x01\x00\x00\x00");
        }
        deep.push(b'N');
        let mut ok = deep.clone();
        ok.extend_from_slice(b"r\x00\x00\x00\x00");
        assert!(from_marshal(&ok).is_ok());
        deep.extend_from_slice(b"[\x01\x00\x00\x00r\x00\x00\x00\x00");
        assert_eq!(declined(&deep), "nested deeper than msgpack packs");
    }

    #[test]
    fn the_combined_decode_says_where_the_payload_went() {
        let mut data = b"styrene.io:\x01\x20".to_vec();
        data.extend_from_slice(b"\x81\xa4text\xa2hi");
        let out = decode_envelope_to_marshal(&data).unwrap();
        let value = to_marshal(&decode_payload(&data[13..]).unwrap()).unwrap();
        let mut want = b")\x05i\x01\x00\x00\x00i\x20\x00\x00\x00Ni\x0d\x00\x00\x00s".to_vec();
        want.extend_from_slice(&(value.len() as u32).to_le_bytes());
        want.extend_from_slice(&value);
        assert_eq!(out, want);
        data.push(0xc1);
        let out = decode_envelope_to_marshal(&data).unwrap();
        assert!(out.ends_with(b"z\x38Failed to decode payload: unpack(b) received extra data."));
        assert_eq!(
            decode_envelope_to_marshal(b"styrene.io:").unwrap_err().code,
            crate::ErrorCode::MessageTooShort
        );
    }
}
