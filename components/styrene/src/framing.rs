//! `styrene:core/framing` on top of the `styrene-rns` crate.

use crate::Component;
use crate::exports::styrene::core::framing::{
    Deframed, Error as IfacError, ErrorCode, FramingKind, Guest, GuestDeframer, GuestIfac, Ifac,
};
use std::cell::RefCell;
use styrene_rns::{hdlc, ifac, kiss};

impl From<ifac::IfacError> for IfacError {
    fn from(e: ifac::IfacError) -> Self {
        IfacError { code: code(&e), message: e.to_string() }
    }
}

/// The WIT code of an access-code error (the gateway's drop reasons use it too).
pub(crate) fn code(e: &ifac::IfacError) -> ErrorCode {
    match e {
        ifac::IfacError::NoSecret => ErrorCode::NoSecret,
        ifac::IfacError::BadSize(_) => ErrorCode::BadSize,
        ifac::IfacError::MissingFlag => ErrorCode::MissingFlag,
        ifac::IfacError::UnexpectedFlag => ErrorCode::UnexpectedFlag,
        ifac::IfacError::TooShort => ErrorCode::TooShort,
        ifac::IfacError::Invalid => ErrorCode::Invalid,
    }
}

enum Inner {
    Hdlc(hdlc::Deframer),
    Kiss(kiss::Deframer),
    /// Datagrams arrive whole: nothing to unescape or keep.
    Datagram,
}

/// The `deframer` resource.
pub struct DeframerResource(RefCell<Inner>);

impl GuestDeframer for DeframerResource {
    fn new(kind: FramingKind, hw_mtu: u32, ifac_size: u32) -> Self {
        DeframerResource(RefCell::new(match kind {
            FramingKind::Hdlc => Inner::Hdlc(hdlc::Deframer::new(hw_mtu as usize, ifac_size as usize)),
            FramingKind::Kiss => Inner::Kiss(kiss::Deframer::new(hw_mtu as usize)),
            FramingKind::Datagram => Inner::Datagram,
        }))
    }

    fn push(&self, data: Vec<u8>) -> Vec<Deframed> {
        let mut out = Vec::new();
        match &mut *self.0.borrow_mut() {
            Inner::Hdlc(d) => d.push(&data, |f| {
                out.push(match f {
                    hdlc::Deframed::Frame(frame) => Deframed::Frame(frame),
                    hdlc::Deframed::BadLength(n) => Deframed::BadLength(n as u32),
                });
            }),
            Inner::Kiss(d) => d.push(&data, |f| {
                out.push(match f {
                    kiss::Deframed::Frame(frame) => Deframed::Frame(frame),
                    kiss::Deframed::Ready => Deframed::Ready,
                });
            }),
            Inner::Datagram if data.is_empty() => {}
            Inner::Datagram => out.push(Deframed::Frame(data)),
        }
        out
    }

    fn reset(&self) {
        match &mut *self.0.borrow_mut() {
            Inner::Hdlc(d) => d.reset(),
            Inner::Kiss(d) => d.reset(),
            Inner::Datagram => {}
        }
    }

    fn buffered(&self) -> u32 {
        match &*self.0.borrow() {
            Inner::Hdlc(d) => d.buffered() as u32,
            Inner::Kiss(d) => d.buffered() as u32,
            Inner::Datagram => 0,
        }
    }
}

/// The `ifac` resource.
pub struct IfacResource(ifac::Ifac);

impl GuestIfac for IfacResource {
    fn create(
        network_name: Option<String>,
        passphrase: Option<String>,
        size: u32,
    ) -> Result<Ifac, IfacError> {
        Ok(Ifac::new(IfacResource(ifac::Ifac::new(
            network_name.as_deref(),
            passphrase.as_deref(),
            size as usize,
        )?)))
    }
    fn key(&self) -> Vec<u8> {
        self.0.key().to_vec()
    }
    fn size(&self) -> u32 {
        self.0.size() as u32
    }
    fn wrap(&self, packet: Vec<u8>) -> Vec<u8> {
        self.0.wrap(&packet)
    }
    fn unwrap(&self, frame: Vec<u8>) -> Result<Vec<u8>, IfacError> {
        Ok(self.0.unwrap(&frame)?)
    }
}

impl Guest for Component {
    type Deframer = DeframerResource;
    type Ifac = IfacResource;

    fn frame(kind: FramingKind, packet: Vec<u8>) -> Vec<u8> {
        match kind {
            FramingKind::Hdlc => hdlc::frame(&packet),
            FramingKind::Kiss => kiss::frame(&packet),
            FramingKind::Datagram => packet,
        }
    }
}

/// Inside wasmtime: the exported deframers and access codes against what RNS produced.
#[cfg(test)]
mod tests {
    use super::*;
    use styrene_vectors::{hex, rns_section, to_hex};

    #[test]
    fn hdlc_streams_deframe_as_in_rns() {
        for case in rns_section("hdlc_streams") {
            let deframer = DeframerResource::new(
                FramingKind::Hdlc,
                case["hw_mtu"].as_u64().unwrap() as u32,
                case["ifac_size"].as_u64().unwrap() as u32,
            );
            let mut got = Vec::new();
            for chunk in case["chunks"].as_array().unwrap() {
                for d in deframer.push(hex(chunk.as_str().unwrap())) {
                    got.push(match d {
                        Deframed::Frame(f) => serde_json::json!(["frame", to_hex(&f)]),
                        Deframed::BadLength(n) => serde_json::json!(["invalid", n]),
                        Deframed::Ready => serde_json::json!(["ready"]),
                    });
                }
            }
            assert_eq!(serde_json::Value::from(got), case["frames"]);
        }
    }

    #[test]
    fn ifac_keys_and_frames_match_rns() {
        for case in rns_section("ifac") {
            let size = case["ifac_size"].as_u64().unwrap() as u32;
            let ifac = IfacResource(
                ifac::Ifac::new(case["network_name"].as_str(), case["passphrase"].as_str(), size as usize)
                    .unwrap(),
            );
            assert_eq!(to_hex(&ifac.key()), case["key"]);
            for frame in case["frames"].as_array().unwrap() {
                let packet = hex(frame["packet"].as_str().unwrap());
                assert_eq!(to_hex(&ifac.wrap(packet.clone())), frame["frame"]);
                assert_eq!(
                    ifac.unwrap(hex(frame["tampered"].as_str().unwrap())).is_ok(),
                    frame["tampered_accepted"] == true
                );
            }
        }
        assert!(matches!(
            IfacResource::create(None, None, 16),
            Err(IfacError { code: ErrorCode::NoSecret, .. })
        ));
    }
}
