//! Reticulum transport, as an RNS 1.5.7 transport node (`rnsd` with
//! `enable_transport = Yes`) does it: a path table learnt from announces,
//! announce rebroadcast within each interface's announce cap, ingress control,
//! path requests, and forwarding of packets, proofs and link traffic along the
//! tables.
//!
//! [`Transport`] does no I/O and reads no clock: the caller passes in each
//! packet with the interface it came from and the time (`now`, Unix seconds),
//! calls [`Transport::tick`] regularly (RNS runs its jobs every 250 ms), and
//! sends the [`Transmission`]s it gets back. Randomness (RNS's rebroadcast
//! window and path-request tags) comes from a seed the caller passes to
//! [`Transport::new`], so that a run is reproducible.
//!
//! Packets come in and go out as raw RNS packets: framing and access codes
//! are the port's business (see [`crate::relay`] for both).
//!
//! Every table is capped ([`Limits`]); when one is full the entry inserted
//! longest ago is evicted and counted.

mod announces;
mod bounded;
mod forwarding;
mod interfaces;
mod path_requests;
mod paths;
mod persist;

pub use announces::rebroadcast_packet;
pub use bounded::BoundedMap;
pub use interfaces::{AnnounceRate, InterfaceConfig, InterfaceConfigError, Mode};
pub use path_requests::{path_request_destination, path_request_packet};
pub use paths::PathEntry;
pub use persist::SnapshotError;

use crate::HASH_LEN;
use crate::announce::Announce;
use crate::packet::{self, DestinationType, PacketType};
use crate::seen::SeenHashes;
use announces::{PendingAnnounce, RateEntry};
use forwarding::{LinkEntry, ReverseEntry};
use interfaces::Interface;
use path_requests::DiscoveryRequest;
use persist::ParkedPath;
use std::collections::{BTreeMap, HashSet, VecDeque};

/// A destination, identity or transport id hash.
pub type Hash = [u8; HASH_LEN];
/// An interface's id, as [`Transport::add_interface`] returns it.
pub type InterfaceId = u32;

/// RNS `Transport.PATHFINDER_R`: rebroadcast retries.
pub const PATHFINDER_R: u8 = 1;
/// RNS `Transport.PATHFINDER_G`: seconds between retries.
pub const PATHFINDER_G: f64 = 5.0;
/// RNS `Transport.PATHFINDER_RW`: the random window before a rebroadcast, seconds.
pub const PATHFINDER_RW: f64 = 0.5;
/// RNS `Transport.PATHFINDER_E`: path lifetime on most interfaces (a week).
pub const PATHFINDER_E: f64 = 60.0 * 60.0 * 24.0 * 7.0;
/// RNS `Transport.AP_PATH_TIME`: path lifetime on access-point interfaces (a day).
pub const AP_PATH_TIME: f64 = 60.0 * 60.0 * 24.0;
/// RNS `Transport.ROAMING_PATH_TIME`: path lifetime on roaming interfaces (6 hours).
pub const ROAMING_PATH_TIME: f64 = 60.0 * 60.0 * 6.0;
/// RNS `Transport.LOCAL_REBROADCASTS_MAX`.
pub const LOCAL_REBROADCASTS_MAX: u8 = 2;
/// RNS `Transport.PATH_REQUEST_TIMEOUT`, seconds.
pub const PATH_REQUEST_TIMEOUT: f64 = 15.0;
/// RNS `Transport.PATH_REQUEST_GATE_TIMEOUT`, seconds.
pub const PATH_REQUEST_GATE_TIMEOUT: f64 = 45.0;
/// RNS `Transport.PATH_REQUEST_GRACE`: wait before answering, so that
/// directly reachable peers answer first.
pub const PATH_REQUEST_GRACE: f64 = 0.4;
/// RNS `Transport.PATH_REQUEST_RG`: extra wait on roaming interfaces.
pub const PATH_REQUEST_RG: f64 = 1.5;
/// RNS `Transport.REVERSE_TIMEOUT`: reverse-table entries live 8 minutes.
pub const REVERSE_TIMEOUT: f64 = 8.0 * 60.0;
/// RNS `Transport.LINK_TIMEOUT` (`Link.STALE_TIME × 1.25`, 720 s × 1.25).
pub const LINK_TIMEOUT: f64 = 2.0 * 360.0 * 1.25;
/// RNS `Link.ESTABLISHMENT_TIMEOUT_PER_HOP` (`Reticulum.DEFAULT_PER_HOP_TIMEOUT`).
pub const ESTABLISHMENT_TIMEOUT_PER_HOP: f64 = 6.0;
/// RNS `Transport.MAX_RATE_TIMESTAMPS`.
pub const MAX_RATE_TIMESTAMPS: usize = 16;
/// RNS `Transport.MAX_RANDOM_BLOBS`: random blobs kept per path.
pub const MAX_RANDOM_BLOBS: usize = 64;
/// RNS `Transport.max_pr_tags`: path-request tags remembered per generation.
pub const MAX_PR_TAGS: usize = 16_000;
/// RNS `Reticulum.MINIMUM_BITRATE`, bits per second.
pub const MINIMUM_BITRATE: u64 = 5;
/// RNS `Reticulum.DEFAULT_PER_HOP_TIMEOUT`, seconds.
pub const DEFAULT_PER_HOP_TIMEOUT: f64 = 6.0;

/// How often RNS's job loop looks at the announce table, seconds.
const ANNOUNCES_CHECK_INTERVAL: f64 = 1.0;
/// How often RNS culls its tables, seconds.
const TABLES_CULL_INTERVAL: f64 = 5.0;
/// How often RNS runs its per-interface jobs (ingress control), seconds.
const INTERFACE_JOBS_INTERVAL: f64 = 5.0;

/// Packet contexts (RNS `Packet.*`) the transport looks at.
pub mod context {
    /// No context.
    pub const NONE: u8 = 0x00;
    /// Part of a resource.
    pub const RESOURCE: u8 = 0x01;
    /// A resource part request.
    pub const RESOURCE_REQ: u8 = 0x03;
    /// A resource proof.
    pub const RESOURCE_PRF: u8 = 0x05;
    /// A cache request.
    pub const CACHE_REQUEST: u8 = 0x08;
    /// An announce answering a path request.
    pub const PATH_RESPONSE: u8 = 0x0B;
    /// Link channel data.
    pub const CHANNEL: u8 = 0x0E;
    /// A link keepalive.
    pub const KEEPALIVE: u8 = 0xFA;
    /// A link request proof.
    pub const LRPROOF: u8 = 0xFF;
}

/// Table sizes. RNS bounds none of them but the packet hash list; these
/// defaults keep 10,000 paths and their links well inside a small board.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Paths.
    pub paths: usize,
    /// Announces waiting for rebroadcast.
    pub announces: usize,
    /// Announce-rate records (one per destination).
    pub announce_rates: usize,
    /// Reverse-table entries (packets waiting for their proof).
    pub reverse: usize,
    /// Link-table entries.
    pub links: usize,
    /// Path requests made or forwarded, and discovery requests waiting.
    pub path_requests: usize,
    /// Packet hashes per generation of the duplicate filter (RNS: 500,000).
    pub packet_hashes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            paths: 65_536,
            announces: 16_384,
            announce_rates: 65_536,
            reverse: 65_536,
            links: 16_384,
            path_requests: 4_096,
            packet_hashes: 131_072,
        }
    }
}

/// A packet to send: the raw RNS packet and the interface to send it on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmission {
    /// Where.
    pub interface: InterfaceId,
    /// What (a raw packet, before framing and access codes).
    pub packet: Vec<u8>,
}

/// Why a received packet went no further.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DropReason {
    /// The interface is not (or no longer) known.
    UnknownInterface,
    /// Not a packet RNS would unpack (or the access-code flag is set).
    Malformed,
    /// In transport for another transport node.
    OtherTransport,
    /// A PLAIN or GROUP packet that has travelled more than one hop.
    TransportedPlainOrGroup,
    /// An announce for a PLAIN, GROUP or LINK destination.
    InvalidAnnounceType,
    /// Seen before.
    Duplicate,
    /// An announce larger than RNS's MTU.
    OversizeAnnounce,
    /// An announce whose signature or destination does not check out.
    InvalidAnnounce,
    /// A path request without a tag.
    TaglessPathRequest,
    /// A path request already seen (same destination and tag).
    DuplicatePathRequest,
    /// Addressed to us in transport, but no path is known.
    NoPath,
    /// Link traffic before the link was proven, or with unexpected hops.
    LinkMismatch,
    /// A link request proof that does not verify or arrives wrongly.
    InvalidLinkProof,
    /// A link request whose MTU signalling cannot be honoured.
    BadLinkRequest,
    /// A proof for a packet not in the reverse table, or from the wrong side.
    UnmatchedProof,
    /// An announce that does not change the path table (older, longer or known).
    AnnounceNotNewer,
    /// Nothing here for a transport node (not addressed to it).
    NotForUs,
}

impl std::fmt::Display for DropReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DropReason::UnknownInterface => "the interface is not known",
            DropReason::Malformed => "not a packet Reticulum would unpack",
            DropReason::OtherTransport => "in transport for another transport node",
            DropReason::TransportedPlainOrGroup => "a plain or group packet beyond one hop",
            DropReason::InvalidAnnounceType => "an announce for a plain, group or link destination",
            DropReason::Duplicate => "a packet seen before",
            DropReason::OversizeAnnounce => "an announce larger than Reticulum's MTU",
            DropReason::InvalidAnnounce => "an announce whose signature or destination does not check out",
            DropReason::TaglessPathRequest => "a path request without a tag",
            DropReason::DuplicatePathRequest => "a path request seen before",
            DropReason::NoPath => "in transport to a destination without a known path",
            DropReason::LinkMismatch => "link traffic that does not fit the link table",
            DropReason::InvalidLinkProof => "a link proof that does not verify",
            DropReason::BadLinkRequest => "a link request whose MTU signalling cannot be honoured",
            DropReason::UnmatchedProof => "a proof for no packet forwarded here",
            DropReason::AnnounceNotNewer => "an announce that does not change the path table",
            DropReason::NotForUs => "not addressed to this transport node",
        })
    }
}

/// What the transport has done, counted since it was made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counters {
    /// Packets received.
    pub received: u64,
    /// Packets dropped, by reason.
    pub dropped: BTreeMap<DropReason, u64>,
    /// Paths learnt or replaced.
    pub paths_learnt: u64,
    /// Paths restored from a snapshot.
    pub paths_restored: u64,
    /// Paths removed by expiry or because their interface went away.
    pub paths_expired: u64,
    /// Announce rebroadcasts sent (each counted once per interface).
    pub announces_sent: u64,
    /// Announce rebroadcasts queued by an interface's announce cap.
    pub announces_queued: u64,
    /// Queued announces dropped (queue full, or too old when released).
    pub announces_queue_dropped: u64,
    /// Rebroadcasts refused by an interface's mode.
    pub announces_blocked_by_mode: u64,
    /// Rebroadcasts withheld by announce rate limits.
    pub announces_rate_blocked: u64,
    /// Announces held by ingress control.
    pub announces_held: u64,
    /// Held announces released for processing.
    pub announces_released: u64,
    /// Announces dropped by ingress control (hold table full, or hop limit).
    pub announces_hold_dropped: u64,
    /// Path requests received.
    pub path_requests_received: u64,
    /// Path requests answered from the path table.
    pub path_requests_answered: u64,
    /// Path requests sent on behalf of others (recursive discovery).
    pub path_requests_forwarded: u64,
    /// Path requests sent by [`Transport::request_path`].
    pub path_requests_sent: u64,
    /// Packets forwarded along the path table.
    pub packets_forwarded: u64,
    /// Proofs returned along the reverse table.
    pub proofs_returned: u64,
    /// Link requests forwarded.
    pub link_requests_forwarded: u64,
    /// Link request proofs forwarded.
    pub link_proofs_forwarded: u64,
    /// Link packets forwarded.
    pub link_packets_forwarded: u64,
    /// The node's own announces sent (each counted once per interface).
    pub local_announces_sent: u64,
}

/// An announce that changed the path table: what a node store records.
#[derive(Debug, Clone)]
pub struct Learnt {
    /// The validated announce.
    pub announce: Announce,
    /// Hops as counted on receipt.
    pub hops: u8,
    /// The next hop: the transport node that rebroadcast it, or the destination itself.
    pub received_from: Hash,
}

/// What became of one received packet.
#[derive(Debug, Clone, Default)]
pub struct Receipt {
    /// What to send in consequence.
    pub transmit: Vec<Transmission>,
    /// Why the packet went no further, if it did not.
    pub dropped: Option<DropReason>,
    /// The announce it carried, if it changed the path table.
    pub learnt: Option<Learnt>,
}

/// A packet that passed the filter, as the handlers see it.
pub(super) struct Received<'a> {
    /// Where it came in.
    interface: InterfaceId,
    /// The packet as received.
    packet: packet::Packet<'a>,
    raw: &'a [u8],
    /// Hops counted on receipt (the header's plus one).
    hops: u8,
    /// The packet hash.
    hash: [u8; 32],
    now: f64,
}

/// SplitMix64: a small, seedable generator for RNS's random choices.
struct Random(u64);

impl Random {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1), like RNS's `RNS.rand()`.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn fill(&mut self, out: &mut [u8]) {
        for chunk in out.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

/// A Reticulum transport node.
pub struct Transport {
    transport_id: Hash,
    path_request_hash: Hash,
    interfaces: BTreeMap<InterfaceId, Interface>,
    next_interface: InterfaceId,
    paths: BoundedMap<Hash, PathEntry>,
    announces: BoundedMap<Hash, PendingAnnounce>,
    /// Announces set aside while a path response for their destination goes out.
    held_for_path_response: BoundedMap<Hash, PendingAnnounce>,
    announce_rates: BoundedMap<Hash, RateEntry>,
    reverse: BoundedMap<Hash, ReverseEntry>,
    links: BoundedMap<Hash, LinkEntry>,
    /// Destinations we asked a path for, and when.
    path_requests: BoundedMap<Hash, f64>,
    /// Path requests being answered or searched for, and since when.
    inflight_path_requests: BoundedMap<Hash, f64>,
    discovery_requests: BoundedMap<Hash, DiscoveryRequest>,
    pr_tags: HashSet<Vec<u8>>,
    pr_tags_previous: HashSet<Vec<u8>>,
    filter: SeenHashes,
    random: Random,
    limits: Limits,
    /// Destinations this node announces itself.
    local_destinations: HashSet<Hash>,
    /// Restored paths waiting for their interface to come up.
    parked: VecDeque<ParkedPath>,
    /// The current packet's fate, for [`Transport::receive_packet`].
    judged: Option<DropReason>,
    learnt: Option<Learnt>,
    announces_checked: f64,
    tables_culled: f64,
    interface_jobs_run: f64,
    counters: Counters,
}

impl Transport {
    /// A transport node whose transport id is `transport_id` (the truncated
    /// hash of the node's identity), drawing its random choices from `seed`.
    pub fn new(transport_id: Hash, seed: u64, limits: Limits) -> Self {
        Transport {
            transport_id,
            path_request_hash: path_request_destination(),
            interfaces: BTreeMap::new(),
            next_interface: 0,
            paths: BoundedMap::new(limits.paths),
            announces: BoundedMap::new(limits.announces),
            held_for_path_response: BoundedMap::new(limits.announces),
            announce_rates: BoundedMap::new(limits.announce_rates),
            reverse: BoundedMap::new(limits.reverse),
            links: BoundedMap::new(limits.links),
            path_requests: BoundedMap::new(limits.path_requests),
            inflight_path_requests: BoundedMap::new(limits.path_requests),
            discovery_requests: BoundedMap::new(limits.path_requests),
            pr_tags: HashSet::new(),
            pr_tags_previous: HashSet::new(),
            filter: SeenHashes::new(limits.packet_hashes),
            random: Random(seed),
            limits,
            local_destinations: HashSet::new(),
            parked: VecDeque::new(),
            judged: None,
            learnt: None,
            announces_checked: 0.0,
            tables_culled: 0.0,
            interface_jobs_run: 0.0,
            counters: Counters::default(),
        }
    }

    /// This node's transport id.
    pub fn transport_id(&self) -> &Hash {
        &self.transport_id
    }

    /// Adds an interface, created at `now` (ingress control treats it as new
    /// for RNS's `IC_NEW_TIME`), and returns its id. Restored paths waiting
    /// for an interface of its name are attached to it.
    pub fn add_interface(
        &mut self,
        config: InterfaceConfig,
        now: f64,
    ) -> Result<InterfaceId, InterfaceConfigError> {
        config.check()?;
        let id = self.next_interface;
        self.next_interface += 1;
        self.interfaces.insert(id, Interface::new(config, now));
        self.attach_parked();
        Ok(id)
    }

    /// Removes an interface; reverse and link entries through it go at the
    /// next cull, as in RNS. Its paths leave the table at once (nothing can
    /// be sent through it) but are kept aside under its name, like restored
    /// paths: an interface of the same name coming back (a reconnecting TCP
    /// client, a serial port plugged in again, the gateway restarted) gets
    /// them back. False if there was no such interface.
    pub fn remove_interface(&mut self, id: InterfaceId) -> bool {
        let Some(interface) = self.interfaces.remove(&id) else { return false };
        self.park_paths_of(id, &interface.config.name);
        true
    }

    /// The path table.
    pub fn paths(&self) -> impl Iterator<Item = (&Hash, &PathEntry)> {
        self.paths.iter()
    }

    /// Paths known.
    pub fn path_count(&self) -> usize {
        self.paths.len()
    }

    /// The path to one destination.
    pub fn path(&self, destination: &Hash) -> Option<&PathEntry> {
        self.paths.get(destination)
    }

    /// Counters since the transport was made.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Entries evicted from full tables: paths, announces, reverse entries, links.
    pub fn evictions(&self) -> [u64; 4] {
        [self.paths.evicted(), self.announces.evicted(), self.reverse.evicted(), self.links.evicted()]
    }

    /// Sizes of the link and reverse tables.
    pub fn table_sizes(&self) -> (usize, usize) {
        (self.links.len(), self.reverse.len())
    }

    /// The interfaces, by id.
    pub fn interface_ids(&self) -> impl Iterator<Item = InterfaceId> + '_ {
        self.interfaces.keys().copied()
    }

    /// Announces waiting in an interface's announce queue.
    pub fn queued_announces(&self, interface: InterfaceId) -> usize {
        self.interfaces.get(&interface).map_or(0, Interface::queue_len)
    }

    /// Announces held by an interface's ingress control.
    pub fn held_announces(&self, interface: InterfaceId) -> usize {
        self.interfaces.get(&interface).map_or(0, Interface::held_len)
    }

    /// Paths restored from a snapshot whose interface is not up yet.
    pub fn parked_paths(&self) -> usize {
        self.parked.len()
    }

    fn drop(&mut self, reason: DropReason) {
        *self.counters.dropped.entry(reason).or_default() += 1;
        self.judged = Some(reason);
    }

    /// Handles a raw packet received on `interface` at `now`, and returns what
    /// to send in consequence.
    pub fn receive(&mut self, interface: InterfaceId, raw: &[u8], now: f64) -> Vec<Transmission> {
        self.receive_packet(interface, raw, now).transmit
    }

    /// [`Transport::receive`], also saying whether the packet was dropped and
    /// which announce, if any, changed the path table.
    pub fn receive_packet(&mut self, interface: InterfaceId, raw: &[u8], now: f64) -> Receipt {
        let mut transmit = Vec::new();
        self.judged = None;
        self.learnt = None;
        self.inbound(interface, raw, now, &mut transmit);
        Receipt { transmit, dropped: self.judged.take(), learnt: self.learnt.take() }
    }

    /// Sends an announce made by this node (hops 0) on every interface, as
    /// RNS sends an instance-local announce: not on access points, and not
    /// held back by announce caps.
    pub fn announce_local(&mut self, packet: &[u8]) -> Vec<Transmission> {
        let targets: Vec<InterfaceId> = self
            .interfaces
            .iter()
            .filter(|(_, interface)| interface.config.mode != Mode::AccessPoint)
            .map(|(&id, _)| id)
            .collect();
        let mut out = Vec::with_capacity(targets.len());
        if let Ok(parsed) = packet::parse(packet) {
            self.local_destinations.insert(parsed.header.destination_hash);
        }
        if !targets.is_empty() {
            // our own announce coming back is a duplicate, not news
            self.filter.insert(packet::packet_hash(packet));
        }
        for id in targets {
            self.counters.local_announces_sent += 1;
            self.transmit(id, packet.to_vec(), &mut out);
        }
        out
    }

    fn inbound(&mut self, interface: InterfaceId, raw: &[u8], now: f64, out: &mut Vec<Transmission>) {
        if !self.interfaces.contains_key(&interface) {
            return self.drop(DropReason::UnknownInterface);
        }
        self.counters.received += 1;
        // the access code is the port's; a flag still set means a bad frame
        if raw.len() <= 2 || raw[0] & 0x80 != 0 {
            return self.drop(DropReason::Malformed);
        }
        let Ok(parsed) = packet::parse(raw) else {
            return self.drop(DropReason::Malformed);
        };
        let hash = packet::packet_hash(raw);
        if let Err(reason) = self.packet_filter(&parsed.header, &hash) {
            return self.drop(reason);
        }
        let header = &parsed.header;
        let hops = header.hops + 1;
        let mut ingress_limited_pr = false;
        let mut announce = None;

        if header.packet_type == PacketType::Announce {
            match self.announce_ingress(interface, &parsed, raw, hops, now) {
                Ok(Some(valid)) => announce = Some(valid),
                Ok(None) => return,
                Err(reason) => return self.drop(reason),
            }
        } else if header.destination_hash == self.path_request_hash {
            match self.path_request_ingress(interface, parsed.data, now) {
                Ok(Some(limited)) => ingress_limited_pr = limited,
                Ok(None) => return,
                Err(reason) => return self.drop(reason),
            }
        }

        // Link traffic and link request proofs are remembered only once it is
        // clear they are ours to pass on.
        let is_lrproof = header.packet_type == PacketType::Proof && header.context == context::LRPROOF;
        if !self.links.contains_key(&header.destination_hash) && !is_lrproof {
            self.filter.insert(hash);
        }

        let header = parsed.header.clone();
        let received = Received { interface, packet: parsed, raw, hops, hash, now };
        if header.transport_id.is_some() && header.packet_type != PacketType::Announce {
            self.forward(&received, out);
        }
        if !matches!(header.packet_type, PacketType::Announce | PacketType::LinkRequest)
            && header.context != context::LRPROOF
            && self.links.contains_key(&header.destination_hash)
        {
            return self.forward_link_packet(&received, out);
        }

        match header.packet_type {
            PacketType::Announce => {
                let announce = announce.expect("announces are validated on ingress");
                self.handle_announce(&received, &announce, out);
            }
            PacketType::Data
                if header.destination_hash == self.path_request_hash
                    && header.destination_type == DestinationType::Plain =>
            {
                self.handle_path_request(interface, received.packet.data, ingress_limited_pr, now, out);
            }
            PacketType::Proof if header.context == context::LRPROOF => {
                self.forward_link_proof(&received, out);
            }
            PacketType::Proof if header.context != context::RESOURCE_PRF => self.return_proof(&received, out),
            _ if header.transport_id.is_none() => self.drop(DropReason::NotForUs),
            _ => {}
        }
    }

    /// RNS's `Transport.packet_filter` for a transport node.
    fn packet_filter(&self, header: &packet::Header, hash: &[u8; 32]) -> Result<(), DropReason> {
        if let Some(transport_id) = header.transport_id
            && header.packet_type != PacketType::Announce
            && transport_id != self.transport_id
        {
            return Err(DropReason::OtherTransport);
        }
        if matches!(
            header.context,
            context::KEEPALIVE
                | context::RESOURCE_REQ
                | context::RESOURCE_PRF
                | context::RESOURCE
                | context::CACHE_REQUEST
                | context::CHANNEL
        ) {
            return Ok(());
        }
        if matches!(header.destination_type, DestinationType::Plain | DestinationType::Group) {
            return match header.packet_type {
                PacketType::Announce => Err(DropReason::InvalidAnnounceType),
                _ if header.hops > 1 => Err(DropReason::TransportedPlainOrGroup),
                _ => Ok(()),
            };
        }
        if !self.filter.contains(hash) {
            return Ok(());
        }
        match (header.packet_type, header.destination_type) {
            (PacketType::Announce, DestinationType::Single) => Ok(()),
            (PacketType::Announce, _) => Err(DropReason::InvalidAnnounceType),
            _ => Err(DropReason::Duplicate),
        }
    }

    /// Runs the transport's timers: announce rebroadcasts and retries,
    /// announce queues, ingress control, and table culling.
    pub fn tick(&mut self, now: f64) -> Vec<Transmission> {
        let mut out = Vec::new();
        if now > self.announces_checked + ANNOUNCES_CHECK_INTERVAL {
            self.retransmit_announces(now, &mut out);
            self.announces_checked = now;
        }
        if self.pr_tags.len() > MAX_PR_TAGS {
            self.pr_tags_previous = std::mem::take(&mut self.pr_tags);
        }
        if now > self.tables_culled + TABLES_CULL_INTERVAL {
            self.cull(now);
            self.tables_culled = now;
        }
        if now > self.interface_jobs_run + INTERFACE_JOBS_INTERVAL {
            self.run_interface_jobs(now, &mut out);
            self.interface_jobs_run = now;
        }
        self.release_announce_queues(now, &mut out);
        out
    }

    fn cull(&mut self, now: f64) {
        let interfaces = &self.interfaces;
        self.reverse.retain(|_, entry| {
            now <= entry.timestamp + REVERSE_TIMEOUT
                && interfaces.contains_key(&entry.received_on)
                && interfaces.contains_key(&entry.sent_on)
        });
        self.links.retain(|_, entry| entry.is_live(now, interfaces));
        let before = self.paths.len();
        self.paths.retain(|_, entry| match interfaces.get(&entry.interface) {
            Some(interface) => now <= entry.timestamp + interface.config.mode.path_lifetime(),
            None => false,
        });
        self.counters.paths_expired += (before - self.paths.len()) as u64;
        // paths kept aside for an interface that has not come back expire too
        self.parked.retain(|parked| now <= parked.expires());
        self.path_requests.retain(|_, at| now <= *at + PATH_REQUEST_GATE_TIMEOUT);
        self.inflight_path_requests.retain(|_, at| now <= *at + PATH_REQUEST_GATE_TIMEOUT);
        self.discovery_requests.retain(|_, request| now <= request.timeout);
    }

    /// Queues `packet` for sending on `interface`.
    fn transmit(&mut self, interface: InterfaceId, packet: Vec<u8>, out: &mut Vec<Transmission>) {
        out.push(Transmission { interface, packet });
    }
}
