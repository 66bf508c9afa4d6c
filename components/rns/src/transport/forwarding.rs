//! Forwarding: packets in transport addressed to this node go on along the
//! path table; the reverse table brings their proofs back; the link table
//! carries link requests, link request proofs and link traffic.

use super::interfaces::Interface;
use super::{
    DropReason, ESTABLISHMENT_TIMEOUT_PER_HOP, Hash, InterfaceId, LINK_TIMEOUT, Received, Transmission,
    Transport,
};
use crate::identity::{PUBLIC_KEY_LEN, PublicIdentity, SIGNATURE_LEN};
use crate::packet::{HEADER_1, PacketType};
use crate::{HASH_LEN, truncated_hash};
use std::collections::BTreeMap;

/// RNS `Link.ECPUBSIZE`: a link request's two public keys.
const LINK_KEYS_LEN: usize = 64;
/// RNS `Link.LINK_MTU_SIZE`: the MTU signalling bytes after the keys.
const LINK_MTU_SIZE: usize = 3;
/// RNS `Link.MTU_BYTEMASK`.
const MTU_BYTEMASK: u32 = 0x1F_FFFF;
/// RNS `Link.ENABLED_MODES`: AES-256-CBC only.
const LINK_MODE_AES256_CBC: u8 = 0x01;

/// Where to send a packet's proof back.
#[derive(Debug, Clone)]
pub(super) struct ReverseEntry {
    pub(super) received_on: InterfaceId,
    pub(super) sent_on: InterfaceId,
    pub(super) timestamp: f64,
}

/// A link passing through this node.
#[derive(Debug, Clone)]
pub(super) struct LinkEntry {
    timestamp: f64,
    /// Towards the destination.
    next_hop_interface: InterfaceId,
    remaining_hops: u8,
    /// Towards the initiator.
    received_on: InterfaceId,
    taken_hops: u8,
    destination: Hash,
    /// The destination's public keys, to check the link request proof.
    destination_key: [u8; PUBLIC_KEY_LEN],
    validated: bool,
    proof_timeout: f64,
}

impl LinkEntry {
    /// Whether the entry survives a cull at `now` (RNS: a proven link lives
    /// `LINK_TIMEOUT` past its last packet, an unproven one until its proof
    /// timeout, and neither outlives its interfaces).
    pub(super) fn is_live(&self, now: f64, interfaces: &BTreeMap<InterfaceId, Interface>) -> bool {
        if self.validated {
            now <= self.timestamp + LINK_TIMEOUT
                && interfaces.contains_key(&self.next_hop_interface)
                && interfaces.contains_key(&self.received_on)
        } else {
            now <= self.proof_timeout
        }
    }
}

/// RNS's link id: the truncated hash of the request's hashable part without
/// the MTU signalling bytes.
pub fn link_id(raw: &[u8], data_len: usize) -> Hash {
    let header_2 = raw[0] & 0x40 != 0;
    let skip = if header_2 { 2 + HASH_LEN } else { 2 };
    let extra = data_len.saturating_sub(LINK_KEYS_LEN);
    let mut hashable = Vec::with_capacity(raw.len());
    hashable.push(raw[0] & 0x0F);
    hashable.extend_from_slice(&raw[skip..raw.len() - extra]);
    truncated_hash(&hashable)
}

/// RNS `Link.signalling_bytes`: 21 bits of MTU under 3 bits of mode; `None`
/// for a mode RNS has not enabled.
fn signalling_bytes(mtu: u32, mode: u8) -> Option<[u8; LINK_MTU_SIZE]> {
    if mode != LINK_MODE_AES256_CBC {
        return None;
    }
    let value = (mtu & MTU_BYTEMASK) | (u32::from((mode << 5) & 0xE0) << 16);
    let bytes = value.to_be_bytes();
    Some([bytes[1], bytes[2], bytes[3]])
}

/// The MTU in signalling bytes.
fn signalled_mtu(bytes: &[u8]) -> u32 {
    ((u32::from(bytes[0]) << 16) | (u32::from(bytes[1]) << 8) | u32::from(bytes[2])) & MTU_BYTEMASK
}

/// `raw` with a new hops byte.
fn with_hops(raw: &[u8], hops: u8) -> Vec<u8> {
    let mut out = raw.to_vec();
    out[1] = hops;
    out
}

impl Transport {
    /// RNS's handling of a packet in transport addressed to this node: on to
    /// the next hop (the destination itself on the last hop, as HEADER_1),
    /// recording a link-table entry for link requests and a reverse-table
    /// entry for everything else.
    pub(super) fn forward(&mut self, received: &Received<'_>, out: &mut Vec<Transmission>) {
        let Received { interface, raw, hops, hash, now, .. } = *received;
        let parsed = &received.packet;
        let header = &parsed.header;
        let Some(path) = self.paths.get(&header.destination_hash) else {
            return self.drop(DropReason::NoPath);
        };
        let after_transport_id = &raw[2 + HASH_LEN..];
        let mut packet = match path.hops {
            0 => with_hops(raw, hops),
            1 => {
                // RNS rebuilds the flags as HEADER_1, broadcast, keeping only the low nibble
                let mut p = vec![(HEADER_1 << 6) | (raw[0] & 0x0F), hops];
                p.extend_from_slice(after_transport_id);
                p
            }
            _ => {
                let mut p = vec![raw[0], hops];
                p.extend_from_slice(&path.next_hop);
                p.extend_from_slice(after_transport_id);
                p
            }
        };
        let (next_hop_interface, remaining_hops) = (path.interface, path.hops);
        let Some(outbound) = self.interfaces.get(&next_hop_interface) else {
            return self.drop(DropReason::NoPath);
        };

        if header.packet_type == PacketType::LinkRequest {
            let proof_timeout = now
                + extra_link_proof_timeout(outbound.config.bitrate)
                + ESTABLISHMENT_TIMEOUT_PER_HOP * f64::from(remaining_hops.max(1));
            if parsed.data.len() == LINK_KEYS_LEN + LINK_MTU_SIZE {
                let signalled = &parsed.data[LINK_KEYS_LEN..];
                let path_mtu = signalled_mtu(signalled);
                let mode = (signalled[0] & 0xE0) >> 5;
                let previous_mtu = self.interfaces[&interface].config.hw_mtu;
                match (outbound.config.hw_mtu, outbound.config.link_mtu_discovery) {
                    (Some(next_mtu), true) if path_mtu != 0 => {
                        let next_mtu = next_mtu as u32;
                        let previous = previous_mtu.map(|m| m as u32);
                        if next_mtu < path_mtu || previous.is_some_and(|p| p < path_mtu) {
                            // RNS takes the smaller of both hardware MTUs
                            let Some(clamped) =
                                previous.map(|p| p.min(next_mtu)).and_then(|mtu| signalling_bytes(mtu, mode))
                            else {
                                return self.drop(DropReason::BadLinkRequest);
                            };
                            let at = packet.len() - LINK_MTU_SIZE;
                            packet[at..].copy_from_slice(&clamped);
                        }
                    }
                    (_, _) if path_mtu != 0 => {
                        packet.truncate(packet.len() - LINK_MTU_SIZE);
                    }
                    _ => {}
                }
            }
            let Some(destination_key) = self.path_key(&header.destination_hash) else {
                return self.drop(DropReason::NoPath);
            };
            let entry = LinkEntry {
                timestamp: now,
                next_hop_interface,
                remaining_hops,
                received_on: interface,
                taken_hops: hops,
                destination: header.destination_hash,
                destination_key,
                validated: false,
                proof_timeout,
            };
            self.links.insert(link_id(raw, parsed.data.len()), entry);
            self.counters.link_requests_forwarded += 1;
        } else {
            let truncated: Hash = hash[..HASH_LEN].try_into().expect("sized");
            self.reverse.insert(
                truncated,
                ReverseEntry { received_on: interface, sent_on: next_hop_interface, timestamp: now },
            );
            self.counters.packets_forwarded += 1;
        }
        self.transmit(next_hop_interface, packet, out);
        if let Some(path) = self.paths.get_mut(&header.destination_hash) {
            path.timestamp = now;
        }
    }

    /// The public keys in the announce a path was learnt from.
    fn path_key(&self, destination: &Hash) -> Option<[u8; PUBLIC_KEY_LEN]> {
        let announce = &self.paths.get(destination)?.announce;
        let parsed = crate::packet::parse(announce).ok()?;
        parsed.data.get(..PUBLIC_KEY_LEN)?.try_into().ok()
    }

    /// RNS's link transport: a packet for a link in the link table goes to
    /// the other side, if its hops are what that side should show.
    pub(super) fn forward_link_packet(&mut self, received: &Received<'_>, out: &mut Vec<Transmission>) {
        let Received { interface, raw, hops, hash, now, .. } = *received;
        let link_id = received.packet.header.destination_hash;
        let entry = self.links.get(&link_id).expect("checked by the caller");
        if !entry.validated {
            return self.drop(DropReason::LinkMismatch);
        }
        let outbound = if entry.next_hop_interface == entry.received_on {
            (hops == entry.remaining_hops || hops == entry.taken_hops).then_some(entry.next_hop_interface)
        } else if interface == entry.next_hop_interface {
            (hops == entry.remaining_hops).then_some(entry.received_on)
        } else if interface == entry.received_on {
            (hops == entry.taken_hops).then_some(entry.next_hop_interface)
        } else {
            None
        };
        let Some(outbound) = outbound else {
            return self.drop(DropReason::LinkMismatch);
        };
        self.filter.insert(hash);
        self.transmit(outbound, with_hops(raw, hops), out);
        self.counters.link_packets_forwarded += 1;
        if let Some(entry) = self.links.get_mut(&link_id) {
            entry.timestamp = now;
        }
    }

    /// RNS's handling of a link request proof in transport: checked against
    /// the destination's key, then passed back towards the initiator. A proof
    /// arriving with other hops than the path's re-balances the path.
    pub(super) fn forward_link_proof(&mut self, received: &Received<'_>, out: &mut Vec<Transmission>) {
        let Received { interface, raw, hops, .. } = *received;
        let parsed = &received.packet;
        let link_id = parsed.header.destination_hash;
        let Some(entry) = self.links.get(&link_id) else {
            return self.drop(DropReason::NotForUs);
        };
        if interface != entry.next_hop_interface {
            return self.drop(DropReason::InvalidLinkProof);
        }
        let valid = proof_is_valid(&link_id, &entry.destination_key, parsed.data);
        if hops != entry.remaining_hops {
            if !valid || entry.validated {
                return self.drop(DropReason::InvalidLinkProof);
            }
            let destination = entry.destination;
            if let Some(entry) = self.links.get_mut(&link_id) {
                entry.remaining_hops = hops;
            }
            if let Some(path) = self.paths.get_mut(&destination) {
                path.hops = hops;
            }
        }
        if !valid {
            return self.drop(DropReason::InvalidLinkProof);
        }
        let entry = self.links.get_mut(&link_id).expect("present");
        entry.validated = true;
        let back = entry.received_on;
        self.transmit(back, with_hops(raw, hops), out);
        self.counters.link_proofs_forwarded += 1;
    }

    /// RNS's proof transport: a proof for a packet in the reverse table goes
    /// back where the packet came from, if it arrives from where it went.
    pub(super) fn return_proof(&mut self, received: &Received<'_>, out: &mut Vec<Transmission>) {
        let Received { interface, raw, hops, .. } = *received;
        let Some(entry) = self.reverse.remove(&received.packet.header.destination_hash) else {
            return self.drop(DropReason::UnmatchedProof);
        };
        if interface != entry.sent_on {
            return self.drop(DropReason::UnmatchedProof);
        }
        self.transmit(entry.received_on, with_hops(raw, hops), out);
        self.counters.proofs_returned += 1;
    }
}

/// RNS `Transport.extra_link_proof_timeout`: an MTU's airtime at the bitrate.
fn extra_link_proof_timeout(bitrate: u64) -> f64 {
    (8.0 / bitrate as f64) * crate::MTU as f64
}

/// Whether a link request proof (`signature ‖ X25519 key ‖ [signalling]`) is
/// signed by the destination over `link id ‖ X25519 key ‖ its Ed25519 key ‖
/// [signalling]`.
fn proof_is_valid(link_id: &Hash, destination_key: &[u8; PUBLIC_KEY_LEN], data: &[u8]) -> bool {
    let half = LINK_KEYS_LEN / 2;
    let signalling = match data.len() {
        n if n == SIGNATURE_LEN + half => &[][..],
        n if n == SIGNATURE_LEN + half + LINK_MTU_SIZE => {
            let bytes = &data[SIGNATURE_LEN + half..];
            // RNS re-encodes the signalling, which fails for modes it has not enabled
            if signalling_bytes(signalled_mtu(bytes), bytes[0] >> 5).is_none() {
                return false;
            }
            bytes
        }
        _ => return false,
    };
    let Ok(identity) = PublicIdentity::from_bytes(destination_key) else { return false };
    let peer_key = &data[SIGNATURE_LEN..SIGNATURE_LEN + half];
    let signed = [&link_id[..], peer_key, &destination_key[half..], signalling].concat();
    identity.verify(&signed, &data[..SIGNATURE_LEN])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signalling_round_trips_for_the_enabled_mode_only() {
        let bytes = signalling_bytes(500, LINK_MODE_AES256_CBC).unwrap();
        assert_eq!(bytes, [0x20, 0x01, 0xF4]);
        assert_eq!(signalled_mtu(&bytes), 500);
        assert_eq!(signalling_bytes(500, 0), None);
        assert_eq!(signalled_mtu(&[0xFF, 0xFF, 0xFF]), MTU_BYTEMASK);
    }
}
