//! Announces: validation and ingress control on receipt, the path table
//! update, the announce table of pending rebroadcasts (RNS's retries, grace,
//! random window and local rebroadcast limit), announce rate limits, and the
//! per-interface rules for sending a rebroadcast (modes and caps).

use super::interfaces::CapDecision;
use super::paths::{self, PathEntry};
use super::{
    DropReason, Hash, InterfaceId, LOCAL_REBROADCASTS_MAX, Learnt, MAX_RATE_TIMESTAMPS, Mode, PATHFINDER_G,
    PATHFINDER_R, PATHFINDER_RW, Received, Transmission, Transport, context,
};
use crate::announce::{self, Announce, RANDOM_HASH_LEN};
use crate::packet::{self, DestinationType, HEADER_2, Header, Packet, PacketType};
use std::collections::VecDeque;

/// An announce in the announce table, waiting to be rebroadcast.
#[derive(Debug, Clone)]
pub(super) struct PendingAnnounce {
    pub(super) retransmit_at: f64,
    pub(super) retries: u8,
    pub(super) hops: u8,
    /// The announce as received.
    pub(super) packet: Vec<u8>,
    pub(super) local_rebroadcasts: u8,
    /// A path response: sent with the PATH_RESPONSE context, not passed on by others.
    pub(super) path_response: bool,
    /// The only interface to send on (path responses).
    pub(super) attached: Option<InterfaceId>,
}

/// RNS's announce rate record for one destination.
#[derive(Debug, Clone)]
pub(super) struct RateEntry {
    last: f64,
    violations: u32,
    blocked_until: f64,
    timestamps: VecDeque<f64>,
}

/// The announce a transport node rebroadcasts: HEADER_2 with its transport
/// id, the given hops, and the received announce's destination, context
/// flag and data; with the PATH_RESPONSE context when answering a path
/// request. `None` if `received` is not a packet.
pub fn rebroadcast_packet(
    received: &[u8],
    transport_id: &Hash,
    hops: u8,
    path_response: bool,
) -> Option<Vec<u8>> {
    let parsed = packet::parse(received).ok()?;
    let header = Header {
        ifac: false,
        header_type: HEADER_2,
        context_flag: parsed.header.context_flag,
        transport_type: 1,
        destination_type: DestinationType::Single,
        packet_type: PacketType::Announce,
        hops,
        transport_id: Some(*transport_id),
        destination_hash: parsed.header.destination_hash,
        context: if path_response { context::PATH_RESPONSE } else { context::NONE },
    };
    Some(packet::serialize(&header, parsed.data))
}

impl Transport {
    /// The announce checks RNS makes before queueing a packet: size,
    /// signature, and ingress control for destinations not in the path table.
    /// `Ok(None)` when the announce was held.
    pub(super) fn announce_ingress(
        &mut self,
        interface: InterfaceId,
        parsed: &Packet<'_>,
        raw: &[u8],
        hops: u8,
        now: f64,
    ) -> Result<Option<Announce>, DropReason> {
        if raw.len() > crate::MTU {
            return Err(DropReason::OversizeAnnounce);
        }
        // our own announce heard back, directly or rebroadcast (RNS only
        // handles announces of destinations that are not its own)
        if self.local_destinations.contains(&parsed.header.destination_hash) {
            return Err(DropReason::Duplicate);
        }
        let announce = announce::validate(parsed).map_err(|_| DropReason::InvalidAnnounce)?;
        let destination = parsed.header.destination_hash;
        let iface = self.interfaces.get_mut(&interface).expect("checked by the caller");
        iface.received_announce(now);
        let wanted = self.path_requests.contains_key(&destination)
            || self.discovery_requests.contains_key(&destination);
        if !self.paths.contains_key(&destination) && !wanted && iface.should_ingress_limit(now) {
            if iface.hold(destination, hops, raw) {
                self.counters.announces_held += 1;
            } else {
                self.counters.announces_hold_dropped += 1;
            }
            return Ok(None);
        }
        Ok(Some(announce))
    }

    /// RNS's announce handling in `Transport._inbound`, for an announce that
    /// passed [`Transport::announce_ingress`].
    pub(super) fn handle_announce(
        &mut self,
        received: &Received<'_>,
        announce: &Announce,
        out: &mut Vec<Transmission>,
    ) {
        let Received { interface, raw, hops, now, .. } = *received;
        let header = &received.packet.header;
        let destination = header.destination_hash;
        let received_from = match header.transport_id {
            Some(transport_id) => {
                self.note_rebroadcast_heard(&destination, hops, now);
                transport_id
            }
            None => destination,
        };
        let blob = announce.random_hash;
        if !paths::replaces(self.paths.get(&destination), hops, &blob, now) {
            return self.drop(DropReason::AnnounceNotNewer);
        }

        let is_path_response = header.context == context::PATH_RESPONSE;
        let rate_blocked = !is_path_response && self.rate_blocked(interface, &destination, now);
        let mode = self.interfaces[&interface].config.mode;
        let mut random_blobs =
            self.paths.get(&destination).map(|p| p.random_blobs.clone()).unwrap_or_default();
        PathEntry::remember_blob(&mut random_blobs, blob);

        if !is_path_response {
            if rate_blocked {
                self.counters.announces_rate_blocked += 1;
            } else {
                let window = self.random.unit() * PATHFINDER_RW;
                self.announces.insert(
                    destination,
                    PendingAnnounce {
                        retransmit_at: now + window,
                        retries: 0,
                        hops,
                        packet: raw.to_vec(),
                        local_rebroadcasts: 0,
                        path_response: false,
                        attached: None,
                    },
                );
            }
        }

        // path requests we searched for on others' behalf are answered at once
        if let Some(request) = self.discovery_requests.remove(&destination) {
            for requester in request.requesting_interfaces {
                if let Some(response) = rebroadcast_packet(raw, &self.transport_id, hops, true) {
                    self.send_announce(&destination, hops, response, Some(requester), now, out);
                }
            }
        }

        self.paths.insert(
            destination,
            PathEntry {
                timestamp: now,
                next_hop: received_from,
                hops,
                expires: now + mode.path_lifetime(),
                random_blobs,
                interface,
                announce: raw.to_vec(),
            },
        );
        self.counters.paths_learnt += 1;
        self.inflight_path_requests.remove(&destination);
        self.learnt = Some(Learnt { announce: announce.clone(), hops, received_from });
    }

    /// Another node's rebroadcast of an announce we are about to rebroadcast
    /// (RNS counts it as a local rebroadcast), or of ours one hop further on
    /// (then the announce has been passed on and needs no more retries).
    fn note_rebroadcast_heard(&mut self, destination: &Hash, hops: u8, now: f64) {
        let Some(pending) = self.announces.get_mut(destination) else { return };
        let mut done = false;
        if hops - 1 == pending.hops {
            pending.local_rebroadcasts += 1;
            done |= pending.retries > 0 && pending.local_rebroadcasts >= LOCAL_REBROADCASTS_MAX;
        }
        if hops - 1 == pending.hops + 1 && pending.retries > 0 && now < pending.retransmit_at {
            done = true;
        }
        if done {
            self.announces.remove(destination);
        }
    }

    /// RNS's announce rate check: whether this announce's rebroadcast is
    /// withheld because the destination announces too often.
    fn rate_blocked(&mut self, interface: InterfaceId, destination: &Hash, now: f64) -> bool {
        let Some(rate) = self.interfaces[&interface].config.announce_rate else { return false };
        let Some(entry) = self.announce_rates.get_mut(destination) else {
            let timestamps = VecDeque::from([now]);
            self.announce_rates
                .insert(*destination, RateEntry { last: now, violations: 0, blocked_until: 0.0, timestamps });
            return false;
        };
        entry.timestamps.push_back(now);
        while entry.timestamps.len() > MAX_RATE_TIMESTAMPS {
            entry.timestamps.pop_front();
        }
        if now <= entry.blocked_until {
            return true;
        }
        if now - entry.last < rate.target {
            entry.violations += 1;
        } else {
            entry.violations = entry.violations.saturating_sub(1);
        }
        if entry.violations > rate.grace {
            entry.blocked_until = entry.last + rate.target + rate.penalty;
            true
        } else {
            entry.last = now;
            false
        }
    }

    /// RNS's announce-table job: rebroadcasts due, retries, completion.
    pub(super) fn retransmit_announces(&mut self, now: f64, out: &mut Vec<Transmission>) {
        let mut outgoing: Vec<(u8, Hash, Vec<u8>, Option<InterfaceId>)> = Vec::new();
        let mut completed = Vec::new();
        for destination in self.announces.sorted_keys() {
            let Some(pending) = self.announces.get_mut(&destination) else { continue };
            // (RNS compares the retries, not the local rebroadcasts, with the limit here)
            if pending.retries >= LOCAL_REBROADCASTS_MAX || pending.retries > PATHFINDER_R {
                completed.push(destination);
                continue;
            }
            if now <= pending.retransmit_at {
                continue;
            }
            pending.retransmit_at = now + PATHFINDER_G + PATHFINDER_RW;
            pending.retries += 1;
            let (hops, attached, path_response) = (pending.hops, pending.attached, pending.path_response);
            match rebroadcast_packet(&pending.packet, &self.transport_id, hops, path_response) {
                Some(packet) => outgoing.push((hops, destination, packet, attached)),
                None => completed.push(destination),
            }
            if let Some(held) = self.held_for_path_response.remove(&destination) {
                self.announces.insert(destination, held);
            }
        }
        for destination in completed {
            self.announces.remove(&destination);
        }
        // RNS sends the round's announces fewest hops first
        outgoing.sort_by_key(|(hops, ..)| *hops);
        for (hops, destination, packet, attached) in outgoing {
            self.send_announce(&destination, hops, packet, attached, now, out);
        }
    }

    /// RNS's `Transport.outbound` for a rebroadcast announce: on the attached
    /// interface only, or on every interface its mode and cap allow.
    pub(super) fn send_announce(
        &mut self,
        destination: &Hash,
        hops: u8,
        packet: Vec<u8>,
        attached: Option<InterfaceId>,
        now: f64,
        out: &mut Vec<Transmission>,
    ) {
        if let Some(interface) = attached {
            if self.interfaces.contains_key(&interface) {
                self.filter.insert(packet::packet_hash(&packet));
                self.counters.announces_sent += 1;
                self.transmit(interface, packet, out);
            }
            return;
        }
        let Some(from_mode) = self
            .paths
            .get(destination)
            .and_then(|p| self.interfaces.get(&p.interface))
            .map(|i| i.config.mode)
        else {
            self.counters.announces_blocked_by_mode += 1;
            return;
        };
        let emitted = packet::parse(&packet)
            .ok()
            .and_then(|p| {
                p.data.get(64 + 10..64 + 10 + RANDOM_HASH_LEN).map(|b| b.try_into().expect("sized"))
            })
            .map_or(0, |b: [u8; RANDOM_HASH_LEN]| paths::emission(&b));
        let mut targets = Vec::new();
        for (&id, interface) in &mut self.interfaces {
            let allowed = match interface.config.mode {
                Mode::AccessPoint => false,
                Mode::Roaming => !matches!(from_mode, Mode::Roaming | Mode::Boundary),
                Mode::Boundary => from_mode != Mode::Roaming,
                Mode::Full | Mode::PointToPoint | Mode::Gateway => {
                    if hops == 0 {
                        true
                    } else {
                        match interface.cap_announce(*destination, hops, emitted, &packet, now) {
                            CapDecision::Send => true,
                            CapDecision::Queued => {
                                self.counters.announces_queued += 1;
                                continue;
                            }
                            CapDecision::QueueFull => {
                                self.counters.announces_queue_dropped += 1;
                                continue;
                            }
                        }
                    }
                }
            };
            if allowed {
                targets.push(id);
            } else {
                self.counters.announces_blocked_by_mode += 1;
            }
        }
        if !targets.is_empty() {
            self.filter.insert(packet::packet_hash(&packet));
        }
        for id in targets {
            self.counters.announces_sent += 1;
            self.transmit(id, packet.clone(), out);
        }
    }
}
