//! Ports as RNS interfaces see bytes: framing (HDLC, KISS or one packet per
//! datagram), the interface access code, and the size limits. Shared by the
//! bridging [`crate::relay`] and the transport [`crate::node`].

use crate::ifac::{self, Ifac, IfacError};
use crate::{hdlc, kiss};
use std::collections::BTreeMap;

/// How a port delimits packets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// RNS's TCP interfaces.
    Hdlc,
    /// RNS's KISS and serial TNC interfaces, or TCP with `kiss_framing`.
    Kiss,
    /// One packet per datagram (RNS's UDP interface).
    Datagram,
}

/// Settings of one port.
pub struct PortConfig {
    /// Framing on the wire.
    pub framing: Framing,
    /// RNS's hardware MTU for this kind of interface.
    pub hw_mtu: usize,
    /// The port's access code, if it has one.
    pub ifac: Option<Ifac>,
}

/// Why a frame was refused at a port.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortError {
    /// The frame's length is outside what the interface accepts.
    #[error("frame of {0} bytes is outside the interface's size limits")]
    BadLength(usize),
    /// The access code check failed.
    #[error(transparent)]
    Ifac(#[from] IfacError),
    /// The packet is larger than the outgoing interface's MTU.
    #[error("packet of {0} bytes exceeds the outgoing interface's MTU")]
    TooLarge(usize),
}

enum Deframer {
    Hdlc(hdlc::Deframer),
    Kiss(kiss::Deframer),
    Datagram,
}

struct Port {
    config: PortConfig,
    deframer: Deframer,
}

/// Ports by id (the caller chooses the ids).
#[derive(Default)]
pub struct Ports(BTreeMap<u32, Port>);

impl Ports {
    /// Adds (or replaces) port `id`.
    pub fn insert(&mut self, id: u32, config: PortConfig) {
        let ifac_size = config.ifac.as_ref().map_or(0, Ifac::size);
        let deframer = match config.framing {
            Framing::Hdlc => Deframer::Hdlc(hdlc::Deframer::new(config.hw_mtu, ifac_size)),
            Framing::Kiss => Deframer::Kiss(kiss::Deframer::new(config.hw_mtu)),
            Framing::Datagram => Deframer::Datagram,
        };
        self.0.insert(id, Port { config, deframer });
    }

    /// Removes a port; false if there was none.
    pub fn remove(&mut self, id: u32) -> bool {
        self.0.remove(&id).is_some()
    }

    /// Whether port `id` exists.
    pub fn contains(&self, id: u32) -> bool {
        self.0.contains_key(&id)
    }

    /// Forgets a port's partial frame (RNS's inter-byte timeout on serial links).
    pub fn reset(&mut self, id: u32) {
        if let Some(port) = self.0.get_mut(&id) {
            match &mut port.deframer {
                Deframer::Hdlc(d) => d.reset(),
                Deframer::Kiss(d) => d.reset(),
                Deframer::Datagram => {}
            }
        }
    }

    /// Bytes held in a port's deframer.
    pub fn buffered(&self, id: u32) -> usize {
        match self.0.get(&id).map(|p| &p.deframer) {
            Some(Deframer::Hdlc(d)) => d.buffered(),
            Some(Deframer::Kiss(d)) => d.buffered(),
            _ => 0,
        }
    }

    /// The ports and their settings, by id.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &PortConfig)> {
        self.0.iter().map(|(&id, port)| (id, &port.config))
    }

    /// The packets in bytes read on port `id` (a whole datagram on datagram
    /// ports), each with its access code checked and removed; nothing for an
    /// unknown port.
    pub fn deframe(&mut self, id: u32, data: &[u8]) -> Vec<Result<Vec<u8>, PortError>> {
        let mut frames = Vec::new();
        let Some(port) = self.0.get_mut(&id) else { return frames };
        match &mut port.deframer {
            Deframer::Hdlc(d) => d.push(data, |f| match f {
                hdlc::Deframed::Frame(frame) => frames.push(Ok(frame)),
                hdlc::Deframed::BadLength(n) => frames.push(Err(PortError::BadLength(n))),
            }),
            Deframer::Kiss(d) => d.push(data, |f| {
                if let kiss::Deframed::Frame(frame) = f
                    && !frame.is_empty()
                {
                    frames.push(Ok(frame));
                }
            }),
            Deframer::Datagram => {
                if !data.is_empty() {
                    frames.push(Ok(data.to_vec()));
                }
            }
        }
        let config = &port.config;
        frames.into_iter().map(|frame| frame.and_then(|f| unwrap_frame(config, f))).collect()
    }

    /// `raw` framed for port `id`, with its access code; `None` for an unknown port.
    pub fn frame(&self, id: u32, raw: &[u8]) -> Option<Result<Vec<u8>, PortError>> {
        self.0.get(&id).map(|port| frame_for(&port.config, raw))
    }
}

/// A deframed frame's packet: the access code checked and removed, the size checked.
fn unwrap_frame(config: &PortConfig, frame: Vec<u8>) -> Result<Vec<u8>, PortError> {
    if frame.len() <= 2 {
        return Err(PortError::Ifac(IfacError::TooShort));
    }
    let raw = match &config.ifac {
        Some(ifac) => ifac.unwrap(&frame)?,
        None => {
            ifac::check_open(&frame)?;
            frame
        }
    };
    let ifac_size = config.ifac.as_ref().map_or(0, Ifac::size);
    if raw.len() > config.hw_mtu + ifac_size {
        return Err(PortError::BadLength(raw.len()));
    }
    Ok(raw)
}

/// `raw` as it goes on the wire of a port with `config`.
pub fn frame_for(config: &PortConfig, raw: &[u8]) -> Result<Vec<u8>, PortError> {
    if raw.len() > config.hw_mtu {
        return Err(PortError::TooLarge(raw.len()));
    }
    Ok(match &config.ifac {
        Some(ifac) => encode(config.framing, &ifac.wrap(raw)),
        None => encode(config.framing, raw),
    })
}

/// `packet` as it goes on the wire with `framing`.
pub fn encode(framing: Framing, packet: &[u8]) -> Vec<u8> {
    match framing {
        Framing::Hdlc => hdlc::frame(packet),
        Framing::Kiss => kiss::frame(packet),
        Framing::Datagram => packet.to_vec(),
    }
}
