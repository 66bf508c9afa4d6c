//! HDLC-like framing as RNS's TCP interfaces use it: `7E ‖ escaped ‖ 7E`,
//! where 0x7D and 0x7E are sent as 0x7D followed by the byte XOR 0x20.

use crate::HEADER_MINSIZE;

/// Frame delimiter.
pub const FLAG: u8 = 0x7E;
/// Escape byte.
pub const ESC: u8 = 0x7D;
/// XORed into an escaped byte.
pub const ESC_MASK: u8 = 0x20;

/// `packet` framed for the wire.
pub fn frame(packet: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(packet.len() + packet.len() / 16 + 2);
    frame_into(packet, &mut out);
    out
}

/// Appends `packet`, framed, to `out`.
pub fn frame_into(packet: &[u8], out: &mut Vec<u8>) {
    out.push(FLAG);
    for &byte in packet {
        if byte == FLAG || byte == ESC {
            out.extend_from_slice(&[ESC, byte ^ ESC_MASK]);
        } else {
            out.push(byte);
        }
    }
    out.push(FLAG);
}

/// What the deframer did with one delimited frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deframed {
    /// A frame within the size limits, unescaped.
    Frame(Vec<u8>),
    /// A frame dropped for its length (after unescaping), as RNS drops frames
    /// of `HEADER_MINSIZE` bytes or less, or over `HW_MTU + ifac_size`.
    BadLength(usize),
}

/// The stream deframer of RNS's `TCPClientInterface.read_loop`.
///
/// Its quirks are RNS's and are kept on purpose, so that a frame RNS accepts
/// is accepted here and one it drops is dropped:
/// * bytes before the first flag are discarded;
/// * the closing flag of a frame also opens the next one;
/// * unescaping is two passes (`7D 5E` → `7E`, then `7D 5D` → `7D`), and a
///   `7D` before any other byte stays as it is;
/// * empty frames are skipped without a word;
/// * an unterminated frame is discarded once the buffer exceeds twice the MTU.
#[derive(Debug, Clone)]
pub struct Deframer {
    buffer: Vec<u8>,
    hw_mtu: usize,
    ifac_size: usize,
}

impl Deframer {
    /// A deframer for an interface with this hardware MTU and IFAC size
    /// (0 without IFAC). RNS's TCP interfaces settle on an MTU of 16384.
    pub fn new(hw_mtu: usize, ifac_size: usize) -> Self {
        Deframer { buffer: Vec::new(), hw_mtu, ifac_size }
    }

    /// Bytes held back waiting for a closing flag.
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }

    /// Forgets a partial frame.
    pub fn reset(&mut self) {
        self.buffer.clear();
    }

    /// Feeds bytes read from the stream; `emit` is called for every frame they
    /// complete, in order.
    pub fn push(&mut self, data: &[u8], mut emit: impl FnMut(Deframed)) {
        self.buffer.extend_from_slice(data);
        let mut consumed = 0;
        loop {
            let Some(start) = find(&self.buffer[consumed..], FLAG).map(|i| consumed + i) else {
                consumed = self.buffer.len();
                break;
            };
            let Some(end) = find(&self.buffer[start + 1..], FLAG).map(|i| start + 1 + i) else {
                consumed = start;
                if self.buffer.len() - consumed > self.hw_mtu * 2 {
                    consumed = self.buffer.len();
                }
                break;
            };
            let frame = unescape(&self.buffer[start + 1..end]);
            if !frame.is_empty() {
                if frame.len() <= HEADER_MINSIZE || frame.len() > self.hw_mtu + self.ifac_size {
                    emit(Deframed::BadLength(frame.len()));
                } else {
                    emit(Deframed::Frame(frame));
                }
            }
            consumed = end;
        }
        self.buffer.drain(..consumed);
    }
}

fn find(haystack: &[u8], needle: u8) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

/// RNS's two `bytes.replace` passes over a frame body.
fn unescape(body: &[u8]) -> Vec<u8> {
    let first = replace_pair(body, FLAG ^ ESC_MASK, FLAG);
    replace_pair(&first, ESC ^ ESC_MASK, ESC)
}

/// Replaces every non-overlapping `ESC second` (scanning left to right) by `with`.
fn replace_pair(input: &[u8], second: u8, with: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i] == ESC && input.get(i + 1) == Some(&second) {
            out.push(with);
            i += 2;
        } else {
            out.push(input[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(deframer: &mut Deframer, data: &[u8]) -> Vec<Deframed> {
        let mut out = Vec::new();
        deframer.push(data, |f| out.push(f));
        out
    }

    #[test]
    fn round_trip_across_reads() {
        let packet: Vec<u8> = (0..=255u8).cycle().take(700).collect();
        let wire = frame(&packet);
        let mut deframer = Deframer::new(16384, 0);
        let mut got = Vec::new();
        for chunk in wire.chunks(7) {
            got.extend(frames(&mut deframer, chunk));
        }
        assert_eq!(got, vec![Deframed::Frame(packet)]);
        assert_eq!(deframer.buffered(), 1, "the closing flag is kept to open the next frame");
    }

    #[test]
    fn closing_flag_opens_the_next_frame() {
        let a = [1u8; 20];
        let b = [2u8; 20];
        let mut wire = vec![FLAG];
        wire.extend_from_slice(&a);
        wire.push(FLAG);
        wire.extend_from_slice(&b);
        wire.push(FLAG);
        let mut deframer = Deframer::new(500, 0);
        assert_eq!(
            frames(&mut deframer, &wire),
            vec![Deframed::Frame(a.to_vec()), Deframed::Frame(b.to_vec())]
        );
    }

    #[test]
    fn sizes_are_checked_after_unescaping() {
        let mut deframer = Deframer::new(100, 8);
        let mut wire = frame(&[0u8; 19]);
        wire.extend(frame(&[0u8; 20]));
        wire.extend(frame(&[FLAG; 108]));
        wire.extend(frame(&[0u8; 109]));
        assert_eq!(
            frames(&mut deframer, &wire),
            vec![
                Deframed::BadLength(19),
                Deframed::Frame(vec![0; 20]),
                Deframed::Frame(vec![FLAG; 108]),
                Deframed::BadLength(109)
            ]
        );
    }

    #[test]
    fn unterminated_garbage_is_bounded() {
        let mut deframer = Deframer::new(100, 0);
        assert!(frames(&mut deframer, &[0x55; 1000]).is_empty());
        assert_eq!(deframer.buffered(), 0, "no flag: everything is discarded");
        assert!(frames(&mut deframer, &[FLAG]).is_empty());
        assert!(frames(&mut deframer, &[0x55; 150]).is_empty());
        assert_eq!(deframer.buffered(), 151);
        assert!(frames(&mut deframer, &[0x55; 50]).is_empty());
        assert_eq!(deframer.buffered(), 0, "over twice the MTU: the partial frame is dropped");
    }

    #[test]
    fn unknown_escapes_pass_through() {
        assert_eq!(unescape(&[ESC, 0x41, ESC, 0x5E, ESC, 0x5D]), vec![ESC, 0x41, FLAG, ESC]);
        assert_eq!(unescape(&[ESC, ESC, 0x5E]), vec![ESC, FLAG]);
    }
}
