//! `styrene:core/framing` on top of the `styrene-rns` crate.

use crate::Component;
use crate::exports::styrene::core::framing::{
    Deframed, FramingKind, Guest, GuestDeframer, GuestIfac, Ifac, IfacError,
};
use std::cell::RefCell;
use styrene_rns::{hdlc, ifac, kiss};

impl From<ifac::IfacError> for IfacError {
    fn from(e: ifac::IfacError) -> Self {
        match e {
            ifac::IfacError::NoSecret => IfacError::NoSecret,
            ifac::IfacError::BadSize(n) => IfacError::BadSize(n as u32),
            ifac::IfacError::MissingFlag => IfacError::MissingFlag,
            ifac::IfacError::UnexpectedFlag => IfacError::UnexpectedFlag,
            ifac::IfacError::TooShort => IfacError::TooShort,
            ifac::IfacError::Invalid => IfacError::Invalid,
        }
    }
}

enum Inner {
    Hdlc(hdlc::Deframer),
    Kiss(kiss::Deframer),
}

/// The `deframer` resource.
pub struct DeframerResource(RefCell<Inner>);

impl GuestDeframer for DeframerResource {
    fn new(kind: FramingKind, hw_mtu: u32, ifac_size: u32) -> Self {
        DeframerResource(RefCell::new(match kind {
            FramingKind::Hdlc => Inner::Hdlc(hdlc::Deframer::new(hw_mtu as usize, ifac_size as usize)),
            FramingKind::Kiss => Inner::Kiss(kiss::Deframer::new(hw_mtu as usize)),
        }))
    }

    fn push(&self, data: Vec<u8>) -> Vec<Deframed> {
        let mut out = Vec::new();
        match &mut *self.0.borrow_mut() {
            Inner::Hdlc(d) => d.push(&data, |f| {
                out.push(match f {
                    hdlc::Deframed::Frame(frame) => Deframed::Frame(frame),
                    hdlc::Deframed::BadLength(n) => Deframed::BadLength(n as u32),
                })
            }),
            Inner::Kiss(d) => d.push(&data, |f| {
                out.push(match f {
                    kiss::Deframed::Frame(frame) => Deframed::Frame(frame),
                    kiss::Deframed::Ready => Deframed::Ready,
                })
            }),
        }
        out
    }

    fn reset(&self) {
        match &mut *self.0.borrow_mut() {
            Inner::Hdlc(d) => d.reset(),
            Inner::Kiss(d) => d.reset(),
        }
    }

    fn buffered(&self) -> u32 {
        match &*self.0.borrow() {
            Inner::Hdlc(d) => d.buffered() as u32,
            Inner::Kiss(d) => d.buffered() as u32,
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
        }
    }
}
