//! What the status endpoint reports, shared by the interface threads (link
//! state, reconnects) and the relay thread (frame counters).

use super::config::{GatewayMode, Kind};
use super::outbox::Outbox;
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Counters of one configured interface, over all its connections.
#[derive(Debug, Default, Clone)]
pub struct Counters {
    /// Bytes read.
    pub rx_bytes: u64,
    /// Packets heard and relayed onwards.
    pub rx_frames: u64,
    /// Frames not relayed, by reason (the gateway WIT's `drop-reason` names).
    pub dropped: BTreeMap<String, u64>,
    /// Valid announces heard.
    pub announces: u64,
    /// Times a connection was lost or could not be made.
    pub reconnects: u64,
}

/// One configured interface.
pub struct Link {
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: Kind,
    /// `connecting`, `connected`, `listening`, `open`, `waiting`…
    pub state: String,
    /// Counters.
    pub counters: Counters,
    /// Queues of its live ports (one per TCP client on a server).
    pub outboxes: Vec<(String, Arc<Outbox>)>,
    /// Frames dropped from queues of ports that are gone.
    pub past_queue_drops: u64,
    /// Frames and bytes written by ports that are gone.
    pub past_sent: (u64, u64),
    /// Announce rebroadcasts waiting for this interface's announce cap.
    pub announce_queue: u64,
    /// Announces held by this interface's ingress control.
    pub held_announces: u64,
}

/// Everything the status endpoint shows, behind one lock.
pub struct Registry {
    /// The configured interfaces, in config order.
    pub links: Vec<Link>,
    /// Packets relayed.
    pub relayed: u64,
    /// Nodes recorded from announces.
    pub nodes_recorded: u64,
    /// Own announces sent.
    pub announces_sent: u64,
    /// Component calls made.
    pub component_calls: u64,
    /// Times the component trapped and was replaced.
    pub recoveries: u64,
    /// The gateway's identity hash, hex.
    pub identity_hash: String,
    /// Its announced destination, hex.
    pub destination_hash: String,
    /// When it started.
    pub started: Instant,
    /// Transport node or bridge.
    pub mode: GatewayMode,
    /// The transport node's counters, refreshed every second.
    pub transport: Option<styrene_host::transport::Counters>,
}

/// The shared registry.
pub type Shared = Arc<Mutex<Registry>>;

impl Registry {
    /// An empty registry for these interfaces.
    pub fn new(links: &[(String, Kind)], mode: GatewayMode) -> Shared {
        Arc::new(Mutex::new(Registry {
            links: links
                .iter()
                .map(|(name, kind)| Link {
                    name: name.clone(),
                    kind: *kind,
                    state: "starting".into(),
                    counters: Counters::default(),
                    outboxes: Vec::new(),
                    past_queue_drops: 0,
                    past_sent: (0, 0),
                    announce_queue: 0,
                    held_announces: 0,
                })
                .collect(),
            relayed: 0,
            nodes_recorded: 0,
            announces_sent: 0,
            component_calls: 0,
            recoveries: 0,
            identity_hash: String::new(),
            destination_hash: String::new(),
            started: Instant::now(),
            mode,
            transport: None,
        }))
    }
}

impl Link {
    /// Frames dropped from this interface's queues, gone ports included.
    pub fn queue_drops(&self) -> u64 {
        self.past_queue_drops
            + self.outboxes.iter().map(|(_, o)| o.dropped.load(Ordering::Relaxed)).sum::<u64>()
    }

    /// Frames and bytes written, gone ports included.
    pub fn sent(&self) -> (u64, u64) {
        self.outboxes.iter().fold(self.past_sent, |(f, b), (_, o)| {
            (f + o.sent_frames.load(Ordering::Relaxed), b + o.sent_bytes.load(Ordering::Relaxed))
        })
    }

    /// Forgets a port's queue, keeping its counts.
    pub fn retire(&mut self, outbox: &Arc<Outbox>) {
        if let Some(at) = self.outboxes.iter().position(|(_, o)| Arc::ptr_eq(o, outbox)) {
            let (_, o) = self.outboxes.remove(at);
            self.past_queue_drops += o.dropped.load(Ordering::Relaxed);
            self.past_sent.0 += o.sent_frames.load(Ordering::Relaxed);
            self.past_sent.1 += o.sent_bytes.load(Ordering::Relaxed);
        }
    }
}
