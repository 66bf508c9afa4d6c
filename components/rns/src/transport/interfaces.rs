//! Interfaces as the transport sees them: their mode, bitrate and announce
//! cap (RNS's `Interface.process_announce_queue`), and ingress control
//! (`Interface.should_ingress_limit`, `hold_announce`,
//! `process_held_announces`).

use super::{AP_PATH_TIME, Hash, InterfaceId, PATHFINDER_E, ROAMING_PATH_TIME, Transmission, Transport};
use std::collections::VecDeque;

/// RNS `Reticulum.ANNOUNCE_CAP`: the share of an interface's bitrate
/// announces may use, in percent.
pub const ANNOUNCE_CAP: f64 = 2.0;
/// RNS `Reticulum.MAX_QUEUED_ANNOUNCES`, per interface.
pub const MAX_QUEUED_ANNOUNCES: usize = 4096;
/// RNS `Reticulum.QUEUED_ANNOUNCE_LIFE`: a queued announce older than this
/// (3 hours) is dropped.
pub const QUEUED_ANNOUNCE_LIFE: f64 = 60.0 * 60.0 * 3.0;
/// RNS `Interface.IC_NEW_TIME`: an interface is new for 2 hours.
pub const IC_NEW_TIME: f64 = 2.0 * 60.0 * 60.0;
/// RNS `Interface.IC_BURST_FREQ_NEW`: announces per second that start a
/// burst on a new interface.
pub const IC_BURST_FREQ_NEW: f64 = 3.0;
/// RNS `Interface.IC_BURST_FREQ`: the same for an established interface.
pub const IC_BURST_FREQ: f64 = 10.0;
/// RNS `Interface.IC_PR_BURST_FREQ_NEW`: path requests per second.
pub const IC_PR_BURST_FREQ_NEW: f64 = 3.0;
/// RNS `Interface.IC_PR_BURST_FREQ`.
pub const IC_PR_BURST_FREQ: f64 = 8.0;
/// RNS `Interface.IC_BURST_HOLD`: a burst lasts at least this long, seconds.
pub const IC_BURST_HOLD: f64 = 15.0;
/// RNS `Interface.IC_BURST_PENALTY`: held announces wait this long after a
/// burst starts, seconds.
pub const IC_BURST_PENALTY: f64 = 15.0;
/// RNS `Interface.IC_HELD_RELEASE_INTERVAL`: one held announce per this many seconds.
pub const IC_HELD_RELEASE_INTERVAL: f64 = 5.0;
/// RNS `Interface.IC_DEQUE_MIN_SAMPLE`.
const IC_DEQUE_MIN_SAMPLE: usize = 2;
/// RNS `Interface.MAX_HELD_ANNOUNCES`.
pub const MAX_HELD_ANNOUNCES: usize = 256;
/// RNS `Interface.IA_FREQ_SAMPLES` and `IP_FREQ_SAMPLES`.
const FREQ_SAMPLES: usize = 48;
/// RNS `Interface.AR_FREQ_DECAY` and `PR_FREQ_DECAY` (1 / 0.1 Hz).
const FREQ_DECAY: f64 = 10.0;
/// RNS `Interface.DEFAULT_AR_TARGET` and friends, which a transport node applies.
const DEFAULT_AR_TARGET: f64 = 3600.0;
const DEFAULT_AR_GRACE: u32 = 5;
const DEFAULT_AR_PENALTY: f64 = 0.0;

/// RNS's interface modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The default: everything passes.
    Full,
    /// A point-to-point link (treated as full by transport).
    PointToPoint,
    /// Clients come and go: paths expire in a day, announces are not sent here.
    AccessPoint,
    /// The node itself moves: paths expire in 6 hours.
    Roaming,
    /// Joins a network to another one.
    Boundary,
    /// Lets clients discover paths beyond the node.
    Gateway,
}

impl Mode {
    /// How long a path learnt on an interface in this mode lives, seconds.
    pub fn path_lifetime(self) -> f64 {
        match self {
            Mode::AccessPoint => AP_PATH_TIME,
            Mode::Roaming => ROAMING_PATH_TIME,
            _ => PATHFINDER_E,
        }
    }

    /// Whether a path request for an unknown destination heard here is
    /// searched for on other interfaces (RNS `DISCOVER_PATHS_FOR`, and boundary).
    pub(super) fn discovers_paths(self) -> bool {
        matches!(self, Mode::AccessPoint | Mode::Gateway | Mode::Roaming | Mode::Boundary)
    }
}

/// RNS's per-interface announce rate limit (`announce_rate_target`, `_grace`, `_penalty`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnnounceRate {
    /// Seconds expected between announces of one destination.
    pub target: f64,
    /// Violations tolerated.
    pub grace: u32,
    /// Extra seconds of blocking once the grace is used up.
    pub penalty: f64,
}

/// An interface's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct InterfaceConfig {
    /// The interface's name: paths learnt on it are saved under this name
    /// and restored to the interface of the same name (see [`super::Transport::export_paths`]).
    pub name: String,
    /// Interface mode.
    pub mode: Mode,
    /// Bits per second (RNS's `bitrate`).
    pub bitrate: u64,
    /// Share of the bitrate announces may use, in percent (0 < cap ≤ 100).
    pub announce_cap: f64,
    /// The interface's hardware MTU, if it has one.
    pub hw_mtu: Option<usize>,
    /// Whether links may use the hardware MTU here (RNS's `AUTOCONFIGURE_MTU`
    /// or `FIXED_MTU`); if not, link MTU signalling is stripped on forwarding.
    pub link_mtu_discovery: bool,
    /// RNS's `recursive_prs`: search for unknown paths asked for here.
    pub recursive_path_requests: bool,
    /// RNS's `ingress_control`.
    pub ingress_control: bool,
    /// The announce rate limit; RNS's transport default is a 3600 s target,
    /// grace 5, no penalty.
    pub announce_rate: Option<AnnounceRate>,
}

impl InterfaceConfig {
    /// RNS's defaults for an interface in `mode` at `bitrate` bit/s.
    pub fn new(mode: Mode, bitrate: u64) -> Self {
        InterfaceConfig {
            name: String::new(),
            mode,
            bitrate,
            announce_cap: ANNOUNCE_CAP,
            hw_mtu: Some(crate::MTU),
            link_mtu_discovery: false,
            recursive_path_requests: false,
            ingress_control: true,
            announce_rate: Some(AnnounceRate {
                target: DEFAULT_AR_TARGET,
                grace: DEFAULT_AR_GRACE,
                penalty: DEFAULT_AR_PENALTY,
            }),
        }
    }

    pub(super) fn check(&self) -> Result<(), InterfaceConfigError> {
        if self.bitrate < super::MINIMUM_BITRATE {
            return Err(InterfaceConfigError::Bitrate(self.bitrate));
        }
        if !(self.announce_cap > 0.0 && self.announce_cap <= 100.0) {
            return Err(InterfaceConfigError::AnnounceCap(self.announce_cap));
        }
        Ok(())
    }
}

/// Why an interface configuration was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InterfaceConfigError {
    /// Below RNS's minimum bitrate.
    #[error("bitrate {0} bit/s is below Reticulum's minimum of 5 bit/s")]
    Bitrate(u64),
    /// Not a percentage RNS accepts.
    #[error("announce cap {0} % is outside (0, 100]")]
    AnnounceCap(f64),
}

/// An announce waiting for the interface's announce cap.
#[derive(Debug, Clone)]
struct QueuedAnnounce {
    destination: Hash,
    time: f64,
    hops: u8,
    emitted: u64,
    packet: Vec<u8>,
}

/// An announce held by ingress control, to be received again later.
#[derive(Debug, Clone)]
struct HeldAnnounce {
    destination: Hash,
    hops: u8,
    raw: Vec<u8>,
}

/// A burst detector over arrival times (RNS's ingress control).
#[derive(Debug, Default)]
struct Burst {
    arrivals: VecDeque<f64>,
    active: bool,
    activated: f64,
    sustained: f64,
    cooldown: u32,
}

impl Burst {
    fn record(&mut self, now: f64) {
        if self.arrivals.len() == FREQ_SAMPLES {
            self.arrivals.pop_front();
        }
        self.arrivals.push_back(now);
    }

    /// RNS's `incoming_announce_frequency`: arrivals per second over the
    /// samples kept, dropping the oldest once it is older than the decay.
    /// (More than the minimum sample in no time at all is infinitely fast.)
    fn frequency(&mut self, now: f64) -> f64 {
        let n = self.arrivals.len();
        if n <= IC_DEQUE_MIN_SAMPLE {
            return 0.0;
        }
        let span = now - self.arrivals[0];
        if span > FREQ_DECAY {
            self.arrivals.pop_front();
        }
        // RNS reads its clock per packet, so its samples never coincide; here
        // the frames of one read share the caller's `now`, and several
        // arrivals in no time at all are a burst, not silence
        if span <= 0.0 { f64::INFINITY } else { n as f64 / span }
    }
}

/// An interface's state.
pub(super) struct Interface {
    pub(super) config: InterfaceConfig,
    created: f64,
    announce_allowed_at: f64,
    announce_queue: Vec<QueuedAnnounce>,
    announces_in: Burst,
    path_requests_in: Burst,
    held: Vec<HeldAnnounce>,
    held_release: f64,
}

impl Interface {
    pub(super) fn new(config: InterfaceConfig, now: f64) -> Self {
        Interface {
            config,
            created: now,
            announce_allowed_at: 0.0,
            announce_queue: Vec::new(),
            announces_in: Burst::default(),
            path_requests_in: Burst::default(),
            held: Vec::new(),
            held_release: 0.0,
        }
    }

    pub(super) fn queue_len(&self) -> usize {
        self.announce_queue.len()
    }

    pub(super) fn held_len(&self) -> usize {
        self.held.len()
    }

    fn cap(&self) -> f64 {
        self.config.announce_cap / 100.0
    }

    /// Seconds the cap asks to wait after sending `bytes`.
    fn cap_wait(&self, bytes: usize) -> f64 {
        (bytes as f64 * 8.0 / self.config.bitrate as f64) / self.cap()
    }

    fn is_new(&self, now: f64) -> bool {
        now - self.created < IC_NEW_TIME
    }

    pub(super) fn received_announce(&mut self, now: f64) {
        self.announces_in.record(now);
    }

    pub(super) fn received_path_request(&mut self, now: f64) {
        self.path_requests_in.record(now);
    }

    /// RNS's `should_ingress_limit`: whether announces for unknown
    /// destinations are held now.
    pub(super) fn should_ingress_limit(&mut self, now: f64) -> bool {
        if !self.config.ingress_control {
            return false;
        }
        let threshold = if self.is_new(now) { IC_BURST_FREQ_NEW } else { IC_BURST_FREQ };
        let frequency = self.announces_in.frequency(now);
        let burst = &mut self.announces_in;
        if burst.active {
            if frequency < threshold
                && now > burst.activated + IC_BURST_HOLD
                && now > burst.sustained + IC_BURST_HOLD
            {
                if burst.arrivals.len() >= IC_DEQUE_MIN_SAMPLE {
                    burst.active = false;
                }
            } else if frequency >= threshold {
                burst.sustained = now;
            }
            true
        } else if frequency > threshold {
            burst.active = true;
            burst.activated = now;
            burst.sustained = now;
            self.held_release = now + IC_BURST_PENALTY;
            true
        } else {
            false
        }
    }

    /// RNS's `should_ingress_limit_pr`: whether path requests heard here are
    /// in a burst (then they are answered but not searched for).
    pub(super) fn should_ingress_limit_pr(&mut self, now: f64) -> bool {
        if !self.config.ingress_control {
            return false;
        }
        let threshold = if self.is_new(now) { IC_PR_BURST_FREQ_NEW } else { IC_PR_BURST_FREQ };
        let frequency = self.path_requests_in.frequency(now);
        let burst = &mut self.path_requests_in;
        if burst.active {
            if frequency < threshold
                && now > burst.activated + IC_BURST_HOLD
                && now > burst.sustained + IC_BURST_HOLD
            {
                if burst.cooldown == 0 {
                    burst.active = false;
                } else {
                    burst.cooldown -= 1;
                }
            } else {
                burst.cooldown = 3;
                if frequency >= threshold {
                    burst.sustained = now;
                }
            }
            true
        } else if frequency > threshold {
            burst.active = true;
            burst.activated = now;
            burst.sustained = now;
            burst.cooldown = 3;
            true
        } else {
            false
        }
    }

    /// RNS's `hold_announce`: false if the announce was dropped instead.
    pub(super) fn hold(&mut self, destination: Hash, hops: u8, raw: &[u8]) -> bool {
        if hops >= crate::PATHFINDER_M - 1 {
            return false;
        }
        if let Some(held) = self.held.iter_mut().find(|h| h.destination == destination) {
            held.hops = hops;
            held.raw = raw.to_vec();
            return true;
        }
        if self.held.len() >= MAX_HELD_ANNOUNCES {
            return false;
        }
        self.held.push(HeldAnnounce { destination, hops, raw: raw.to_vec() });
        true
    }

    /// RNS's `process_held_announces`: the held announce with the fewest hops,
    /// once the penalty is over and the burst has calmed down.
    fn release_held(&mut self, now: f64) -> Option<Vec<u8>> {
        if self.held.is_empty() || now <= self.held_release {
            return None;
        }
        let threshold = if self.is_new(now) { IC_BURST_FREQ_NEW } else { IC_BURST_FREQ };
        if self.announces_in.frequency(now) >= threshold {
            return None;
        }
        // the first with the fewest hops, in the order they were held
        let mut selected = 0;
        for (i, held) in self.held.iter().enumerate() {
            if held.hops < self.held[selected].hops {
                selected = i;
            }
        }
        self.held_release = now + IC_HELD_RELEASE_INTERVAL;
        Some(self.held.remove(selected).raw)
    }
}

/// What the announce cap decided for one announce on one interface.
pub(super) enum CapDecision {
    Send,
    Queued,
    QueueFull,
}

impl Interface {
    /// RNS's cap check in `Transport.outbound`: send now if nothing is queued
    /// and the cap allows it, else queue (newest emission per destination).
    pub(super) fn cap_announce(
        &mut self,
        destination: Hash,
        hops: u8,
        emitted: u64,
        packet: &[u8],
        now: f64,
    ) -> CapDecision {
        if self.announce_queue.is_empty() && now > self.announce_allowed_at {
            self.announce_allowed_at = now + self.cap_wait(packet.len());
            return CapDecision::Send;
        }
        if self.announce_queue.len() >= MAX_QUEUED_ANNOUNCES {
            return CapDecision::QueueFull;
        }
        if let Some(queued) = self.announce_queue.iter_mut().find(|q| q.destination == destination) {
            if emitted > queued.emitted {
                *queued = QueuedAnnounce { destination, time: now, hops, emitted, packet: packet.to_vec() };
            }
            return CapDecision::Queued;
        }
        self.announce_queue.push(QueuedAnnounce {
            destination,
            time: now,
            hops,
            emitted,
            packet: packet.to_vec(),
        });
        CapDecision::Queued
    }

    /// RNS's `process_announce_queue`, run whenever the cap has opened since
    /// the last call: RNS's timer fires the moment the cap opens, so each
    /// release happens at that moment (not at `now`) and the next wait counts
    /// from there; a fast interface then drains as quickly as RNS's does
    /// however coarse the caller's ticks. Each release drops stale entries,
    /// then sends the earliest queued of those with fewest hops. Returns the
    /// packets to send and how many stale entries were dropped.
    fn release_queued(&mut self, now: f64) -> (Vec<Vec<u8>>, usize) {
        let (mut released, mut stale) = (Vec::new(), 0);
        while !self.announce_queue.is_empty() && now >= self.announce_allowed_at {
            let at = self.announce_allowed_at;
            let before = self.announce_queue.len();
            self.announce_queue.retain(|q| at <= q.time + QUEUED_ANNOUNCE_LIFE);
            stale += before - self.announce_queue.len();
            let Some(min_hops) = self.announce_queue.iter().map(|q| q.hops).min() else { break };
            let mut selected: Option<usize> = None;
            for (i, q) in self.announce_queue.iter().enumerate() {
                if q.hops == min_hops && selected.is_none_or(|s| q.time < self.announce_queue[s].time) {
                    selected = Some(i);
                }
            }
            let queued = self.announce_queue.remove(selected.expect("a queued announce has the fewest hops"));
            self.announce_allowed_at = at + self.cap_wait(queued.packet.len());
            released.push(queued.packet);
        }
        (released, stale)
    }

    /// RNS's check before a recursive path request: nothing queued and the
    /// cap open; the request then takes its share of the cap.
    pub(super) fn cap_path_request(&mut self, data_len: usize, now: f64) -> bool {
        if !self.announce_queue.is_empty() || now < self.announce_allowed_at {
            return false;
        }
        self.announce_allowed_at = now + self.cap_wait(data_len + crate::HEADER_MINSIZE);
        true
    }
}

impl Transport {
    /// Per-interface jobs: ingress control bookkeeping and the release of
    /// one held announce per interface.
    pub(super) fn run_interface_jobs(&mut self, now: f64, out: &mut Vec<Transmission>) {
        let mut released: Vec<(InterfaceId, Vec<u8>)> = Vec::new();
        for (&id, interface) in &mut self.interfaces {
            interface.should_ingress_limit(now);
            interface.should_ingress_limit_pr(now);
            if let Some(raw) = interface.release_held(now) {
                released.push((id, raw));
            }
        }
        for (id, raw) in released {
            self.counters.announces_released += 1;
            self.inbound(id, &raw, now, out);
        }
    }

    /// Sends the queued announces the caps have allowed since the last call.
    pub(super) fn release_announce_queues(&mut self, now: f64, out: &mut Vec<Transmission>) {
        let mut sent = Vec::new();
        for (&id, interface) in &mut self.interfaces {
            let (packets, stale) = interface.release_queued(now);
            self.counters.announces_queue_dropped += stale as u64;
            sent.extend(packets.into_iter().map(|packet| (id, packet)));
        }
        for (id, packet) in sent {
            self.counters.announces_sent += 1;
            self.transmit(id, packet, out);
        }
    }

    /// RNS's `Transport.medium_path_timeout`: a round trip of an MTU on the
    /// slowest interface.
    pub(super) fn medium_path_timeout(&self) -> f64 {
        match self.interfaces.values().map(|i| i.config.bitrate).min() {
            None => 0.0,
            Some(lowest) => {
                2.0 * (crate::MTU as f64 * 8.0 / lowest.max(super::MINIMUM_BITRATE) as f64)
                    + super::DEFAULT_PER_HOP_TIMEOUT
            }
        }
    }
}
