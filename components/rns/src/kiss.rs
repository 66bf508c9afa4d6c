//! KISS framing as RNS's KISS interfaces (and TCP with `kiss_framing`) use it:
//! `C0 00 ‖ escaped ‖ C0`, where 0xDB is sent as `DB DD` and 0xC0 as `DB DC`.

/// Frame end.
pub const FEND: u8 = 0xC0;
/// Frame escape.
pub const FESC: u8 = 0xDB;
/// Escaped frame end.
pub const TFEND: u8 = 0xDC;
/// Escaped frame escape.
pub const TFESC: u8 = 0xDD;
/// The data command on port 0.
pub const CMD_DATA: u8 = 0x00;
/// A TNC's "ready for more" flow-control report.
pub const CMD_READY: u8 = 0x0F;
/// RNS's marker for "no command byte read yet".
const CMD_UNKNOWN: u8 = 0xFE;

/// `packet` framed for the wire as a data frame.
pub fn frame(packet: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(packet.len() + packet.len() / 16 + 3);
    frame_into(packet, &mut out);
    out
}

/// Appends `packet`, framed as a data frame, to `out`.
pub fn frame_into(packet: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(&[FEND, CMD_DATA]);
    for &byte in packet {
        match byte {
            FESC => out.extend_from_slice(&[FESC, TFESC]),
            FEND => out.extend_from_slice(&[FESC, TFEND]),
            _ => out.push(byte),
        }
    }
    out.push(FEND);
}

/// What the deframer saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deframed {
    /// A data frame, unescaped (possibly empty, possibly cut at the MTU, as in RNS).
    Frame(Vec<u8>),
    /// A TNC's ready report (flow control).
    Ready,
}

/// The state machine of RNS's `KISSInterface.readLoop` (and the TCP
/// interface's KISS mode).
///
/// RNS's quirks are kept on purpose:
/// * the command byte loses its port nibble (`& 0x0F`);
/// * after FESC, a byte other than TFEND or TFESC passes through unchanged;
/// * bytes past the hardware MTU are dropped and the frame is still delivered;
/// * the escape state survives the end of a frame;
/// * frames of other commands are read and ignored.
///
/// RNS discards a partial frame after 100 ms without bytes on a serial port;
/// the host owns time and calls [`Deframer::reset`] for that.
#[derive(Debug, Clone)]
pub struct Deframer {
    buffer: Vec<u8>,
    in_frame: bool,
    escape: bool,
    command: u8,
    hw_mtu: usize,
}

impl Deframer {
    /// A deframer for an interface with this hardware MTU (564 for RNS's KISS
    /// and serial interfaces, 508 for an RNode).
    pub fn new(hw_mtu: usize) -> Self {
        Deframer { buffer: Vec::new(), in_frame: false, escape: false, command: CMD_UNKNOWN, hw_mtu }
    }

    /// Bytes of the frame being read.
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }

    /// Forgets a partial frame, as RNS does after an inter-byte timeout.
    pub fn reset(&mut self) {
        self.buffer.clear();
        self.in_frame = false;
        self.escape = false;
        self.command = CMD_UNKNOWN;
    }

    /// Feeds bytes read from the port; `emit` is called for every data frame
    /// they complete and every ready report, in order.
    pub fn push(&mut self, data: &[u8], mut emit: impl FnMut(Deframed)) {
        for &byte in data {
            if self.in_frame && byte == FEND && self.command == CMD_DATA {
                self.in_frame = false;
                emit(Deframed::Frame(std::mem::take(&mut self.buffer)));
            } else if byte == FEND {
                self.in_frame = true;
                self.command = CMD_UNKNOWN;
                self.buffer.clear();
            } else if self.in_frame && self.buffer.len() < self.hw_mtu {
                if self.buffer.is_empty() && self.command == CMD_UNKNOWN {
                    self.command = byte & 0x0F;
                } else if self.command == CMD_DATA {
                    if byte == FESC {
                        self.escape = true;
                    } else {
                        let byte = match (self.escape, byte) {
                            (true, TFEND) => FEND,
                            (true, TFESC) => FESC,
                            _ => byte,
                        };
                        self.escape = false;
                        self.buffer.push(byte);
                    }
                } else if self.command == CMD_READY {
                    emit(Deframed::Ready);
                }
            }
        }
    }
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
    fn round_trip_byte_by_byte() {
        let packet: Vec<u8> = (0..=255u8).cycle().take(500).collect();
        let mut deframer = Deframer::new(564);
        let mut got = Vec::new();
        for &b in &frame(&packet) {
            got.extend(frames(&mut deframer, &[b]));
        }
        assert_eq!(got, vec![Deframed::Frame(packet)]);
    }

    #[test]
    fn port_nibble_and_other_commands() {
        let mut deframer = Deframer::new(564);
        assert_eq!(frames(&mut deframer, &[FEND, 0x10, 0x41, FEND]), vec![Deframed::Frame(vec![0x41])]);
        assert_eq!(frames(&mut deframer, &[FEND, 0x01, 0x41, FEND]), vec![]);
        assert_eq!(frames(&mut deframer, &[FEND, 0x0F, 0x01, FEND]), vec![Deframed::Ready]);
        assert_eq!(frames(&mut deframer, &[FEND, 0x00, FEND]), vec![Deframed::Frame(vec![])]);
    }

    #[test]
    fn long_frames_are_cut_at_the_mtu() {
        let mut deframer = Deframer::new(10);
        assert_eq!(frames(&mut deframer, &frame(&[7; 30])), vec![Deframed::Frame(vec![7; 10])]);
    }

    #[test]
    fn unknown_escape_passes_through() {
        let mut deframer = Deframer::new(564);
        assert_eq!(frames(&mut deframer, &[FEND, 0x00, FESC, 0x41, FEND]), vec![Deframed::Frame(vec![0x41])]);
    }
}
