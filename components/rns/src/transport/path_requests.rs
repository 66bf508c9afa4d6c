//! Path requests: packets to the PLAIN destination `rnstransport.path.request`
//! carrying `destination ‖ [requesting transport id] ‖ tag`. A transport node
//! answers from its path table after RNS's grace, searches other interfaces
//! for unknown destinations when the interface mode asks for it, and
//! de-duplicates requests by destination and tag.

use super::announces::PendingAnnounce;
use super::{
    DropReason, Hash, InterfaceId, Mode, PATH_REQUEST_GRACE, PATH_REQUEST_RG, PATH_REQUEST_TIMEOUT,
    PATHFINDER_R, Transmission, Transport,
};
use crate::packet::{self, DestinationType, HEADER_1, Header, PacketType};
use crate::{HASH_LEN, truncated_hash};

/// A path request searched for on behalf of the interfaces that asked.
#[derive(Debug, Clone)]
pub(super) struct DiscoveryRequest {
    pub(super) timeout: f64,
    pub(super) requesting_interfaces: Vec<InterfaceId>,
    /// Whether we sent requests on other interfaces (else requests were only
    /// batched while one was in flight).
    engaged: bool,
}

/// The hash of the PLAIN destination `rnstransport.path.request` (a PLAIN
/// destination's hash is the truncated hash of its name hash alone).
pub fn path_request_destination() -> Hash {
    truncated_hash(&crate::identity::name_hash("rnstransport.path.request"))
}

/// A path request for `destination`, as RNS's `Transport.request_path` makes
/// it: DATA to the path-request destination, HEADER_1, broadcast, hops 0,
/// carrying the destination, the requesting transport id (transport nodes
/// include theirs) and the tag.
pub fn path_request_packet(destination: &Hash, transport_id: Option<&Hash>, tag: &[u8]) -> Vec<u8> {
    let header = Header {
        ifac: false,
        header_type: HEADER_1,
        context_flag: false,
        transport_type: 0,
        destination_type: DestinationType::Plain,
        packet_type: PacketType::Data,
        hops: 0,
        transport_id: None,
        destination_hash: path_request_destination(),
        context: super::context::NONE,
    };
    let transport_id = transport_id.map_or(&[][..], |t| &t[..]);
    packet::serialize(&header, &[&destination[..], transport_id, tag].concat())
}

/// A path request's destination, requesting transport id and tag.
type RequestParts<'a> = (Hash, Option<Hash>, Option<&'a [u8]>);

/// The parts of a path request's data: destination, requesting transport id,
/// and tag (at most 16 bytes, as RNS truncates it).
fn parse(data: &[u8]) -> Option<RequestParts<'_>> {
    let destination: Hash = data.get(..HASH_LEN)?.try_into().expect("sized");
    let (requestor, tag) = if data.len() > 2 * HASH_LEN {
        (Some(data[HASH_LEN..2 * HASH_LEN].try_into().expect("sized")), Some(&data[2 * HASH_LEN..]))
    } else if data.len() > HASH_LEN {
        (None, Some(&data[HASH_LEN..]))
    } else {
        (None, None)
    };
    Some((destination, requestor, tag.map(|t| &t[..t.len().min(HASH_LEN)])))
}

impl Transport {
    /// RNS's early path-request handling: tag de-duplication, ingress
    /// control, and batching of requests for a destination already in flight.
    /// `Ok(Some(ingress_limited))` lets the request through.
    pub(super) fn path_request_ingress(
        &mut self,
        interface: InterfaceId,
        data: &[u8],
        now: f64,
    ) -> Result<Option<bool>, DropReason> {
        let (destination, _, tag) = parse(data).ok_or(DropReason::Malformed)?;
        let tag = tag.ok_or(DropReason::TaglessPathRequest)?;
        let unique = [&destination[..], tag].concat();
        if self.pr_tags.contains(&unique) || self.pr_tags_previous.contains(&unique) {
            return Err(DropReason::DuplicatePathRequest);
        }
        self.pr_tags.insert(unique);
        self.counters.path_requests_received += 1;
        let iface = self.interfaces.get_mut(&interface).expect("checked by the caller");
        iface.received_path_request(now);
        let limited = iface.should_ingress_limit_pr(now);
        if !self.inflight_path_requests.contains_key(&destination) {
            self.inflight_path_requests.insert(destination, now);
            return Ok(Some(limited));
        }
        if !limited {
            match self.discovery_requests.get_mut(&destination) {
                Some(request) => {
                    if !request.requesting_interfaces.contains(&interface) {
                        request.requesting_interfaces.push(interface);
                    }
                }
                None => {
                    let timeout = now + PATH_REQUEST_TIMEOUT.max(self.medium_path_timeout());
                    let request =
                        DiscoveryRequest { timeout, requesting_interfaces: vec![interface], engaged: false };
                    self.discovery_requests.insert(destination, request);
                }
            }
        }
        Ok(None)
    }

    /// RNS's `Transport.path_request` on a transport node.
    pub(super) fn handle_path_request(
        &mut self,
        interface: InterfaceId,
        data: &[u8],
        ingress_limited: bool,
        now: f64,
        out: &mut Vec<Transmission>,
    ) {
        let Some((destination, requestor, Some(tag))) = parse(data) else { return };
        let config = &self.interfaces[&interface].config;
        let mode = config.mode;
        let should_search = config.recursive_path_requests || mode.discovers_paths();

        if let Some(path) = self.paths.get(&destination) {
            let roaming_loop = mode == Mode::Roaming && path.interface == interface;
            if !roaming_loop && requestor != Some(path.next_hop) {
                let grace = PATH_REQUEST_GRACE + if mode == Mode::Roaming { PATH_REQUEST_RG } else { 0.0 };
                let response = PendingAnnounce {
                    retransmit_at: now + grace,
                    retries: PATHFINDER_R,
                    hops: path.hops,
                    packet: path.announce.clone(),
                    local_rebroadcasts: 0,
                    path_response: true,
                    attached: Some(interface),
                };
                // an announce about to be rebroadcast waits until the response is out
                if let Some(pending) = self.announces.remove(&destination) {
                    self.held_for_path_response.insert(destination, pending);
                }
                self.announces.insert(destination, response);
                self.counters.path_requests_answered += 1;
            }
            self.inflight_path_requests.remove(&destination);
        } else if should_search {
            let existing = self.discovery_requests.get(&destination);
            if existing.is_some_and(|r| r.engaged) || ingress_limited {
                return;
            }
            let mut requesting = existing.map(|r| r.requesting_interfaces.clone()).unwrap_or_default();
            if !requesting.contains(&interface) {
                requesting.push(interface);
            }
            let timeout = now + PATH_REQUEST_TIMEOUT.max(self.medium_path_timeout());
            self.discovery_requests.insert(
                destination,
                DiscoveryRequest { timeout, requesting_interfaces: requesting, engaged: true },
            );
            let targets: Vec<InterfaceId> = self
                .interfaces
                .iter()
                .filter(|(id, i)| {
                    **id != interface && (mode != Mode::Boundary || i.config.mode.is_boundary_search())
                })
                .map(|(id, _)| *id)
                .collect();
            let tag = tag.to_vec();
            for target in targets {
                if self.send_path_request(&destination, target, &tag, true, now, out) {
                    self.counters.path_requests_forwarded += 1;
                }
            }
        }
    }

    /// Asks every interface for a path to `destination` (RNS's
    /// `Transport.request_path`, as `rnpath` uses it), with a fresh random tag.
    pub fn request_path(&mut self, destination: &Hash, now: f64) -> Vec<Transmission> {
        let mut tag = [0u8; HASH_LEN];
        self.random.fill(&mut tag);
        let mut out = Vec::new();
        let targets: Vec<InterfaceId> = self.interfaces.keys().copied().collect();
        for target in targets {
            if self.send_path_request(destination, target, &tag, false, now, &mut out) {
                self.counters.path_requests_sent += 1;
            }
        }
        out
    }

    /// Sends a path request on one interface; a recursive one only if the
    /// interface's announce cap allows, and it then counts against the cap.
    fn send_path_request(
        &mut self,
        destination: &Hash,
        interface: InterfaceId,
        tag: &[u8],
        recursive: bool,
        now: f64,
        out: &mut Vec<Transmission>,
    ) -> bool {
        let packet = path_request_packet(destination, Some(&self.transport_id), tag);
        let data_len = packet.len() - crate::HEADER_MINSIZE;
        let Some(iface) = self.interfaces.get_mut(&interface) else { return false };
        if recursive && !iface.cap_path_request(data_len, now) {
            return false;
        }
        self.path_requests.insert(*destination, now);
        self.filter.insert(packet::packet_hash(&packet));
        self.transmit(interface, packet, out);
        true
    }
}

impl Mode {
    /// RNS `Interface.BOUNDARY_SEARCH_MODES`: where a boundary interface's
    /// requests are searched for.
    fn is_boundary_search(self) -> bool {
        matches!(self, Mode::Boundary | Mode::Gateway)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_data_is_split_as_rns_does() {
        let long = [[1u8; 16], [2; 16], [3; 16], [4; 16]].concat();
        let (d, r, t) = parse(&long).unwrap();
        assert_eq!((d, r, t), ([1; 16], Some([2; 16]), Some(&[3u8; 16][..])), "tags are cut to 16 bytes");
        let short = [[1u8; 16], [5; 16]].concat();
        let (_, r, t) = parse(&short).unwrap();
        assert_eq!((r, t), (None, Some(&[5u8; 16][..])), "32 bytes: destination and tag, no transport id");
        assert_eq!(parse(&[1u8; 16]).unwrap().2, None, "no tag");
        assert!(parse(&[1u8; 15]).is_none());
    }
}
