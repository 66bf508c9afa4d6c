//! The relay thread: the one owner of the component instance. Interface
//! threads send it the bytes they read; it hands them to the component's
//! transport node (or bridge) and queues what comes back on the ports'
//! outboxes. It ticks the transport node's timers, keeps its path table in
//! the data directory, records announced nodes in the node store and sends
//! the gateway's own announce.
//!
//! If the component traps (a bug, or memory or time running out on some
//! input), the instance has already been replaced by [`Styrene`]; the relay
//! rebuilds its engine, store and identity on the fresh one (restoring the
//! saved path table) and carries on with the next frame.

use super::config::{AnnounceConfig, Framing, GatewayMode, InterfaceConfig, Kind};
use super::engine::{Engine, PortRefused, Produced};
use super::outbox::Outbox;
use super::paths;
use super::registry::Shared;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};
use styrene_host::framing::FramingKind;
use styrene_host::gateway::{IfacSettings, PortConfig};
use styrene_host::nodes::NodeStore;
use styrene_host::rns::Identity;
use styrene_host::transport::Limits;
use styrene_host::{HostError, Runtime, Styrene};
use zeroize::Zeroizing;

/// A port as the host numbers it (stable across component restarts).
pub type HostPort = u64;

/// What interface threads and the status endpoint ask of the relay.
pub enum Event {
    /// A connection is up: give it a port.
    Up { link: usize, peer: String, outbox: Arc<Outbox>, reply: Sender<HostPort> },
    /// A connection is gone.
    Down { port: HostPort },
    /// Bytes read (a whole datagram on UDP).
    Data { port: HostPort, bytes: Vec<u8> },
    /// A serial port fell silent: forget its partial frame, as RNS does.
    Idle { port: HostPort },
    /// The node list, as JSON.
    Nodes { reply: Sender<Result<String, String>> },
    /// The path table, as JSON (a bridge has none).
    Paths { reply: Sender<Result<String, String>> },
}

/// The relay's settings.
pub struct Settings {
    /// The gateway's name.
    pub name: String,
    /// Identity and node store directory.
    pub data_dir: PathBuf,
    /// The configured interfaces.
    pub links: Vec<InterfaceConfig>,
    /// The gateway's announce.
    pub announce: AnnounceConfig,
    /// Transport node or bridge.
    pub mode: GatewayMode,
    /// Table sizes.
    pub limits: Limits,
}

/// The identity file in the data directory: RNS's 64-byte private key format.
pub const IDENTITY_FILE: &str = "identity";
/// The node store in the data directory, as styrened names it.
pub const DB_FILE: &str = "nodes.db";
/// Own announces are at least this far apart.
const MIN_ANNOUNCE_GAP: Duration = Duration::from_secs(5);
/// How often the transport node's timers run (RNS's job interval).
const TICK: Duration = Duration::from_millis(250);
/// How often the status endpoint's transport counters are refreshed.
const STATUS_EVERY: Duration = Duration::from_secs(1);
/// Bytes of one stream port's queued reads handed to the component in one call at most.
const GATHER_BYTES: usize = 64 * 1024;
/// How often a changed path table is saved (and always on shutdown).
const SAVE_PATHS_EVERY: Duration = Duration::from_secs(60);

struct Port {
    link: usize,
    outbox: Arc<Outbox>,
    component_id: u32,
    config: PortConfig,
}

struct Handles {
    engine: Engine,
    store: NodeStore,
    identity: Identity,
}

struct Relay<'r> {
    styrene: Styrene<'r>,
    handles: Handles,
    private_key: Zeroizing<Vec<u8>>,
    settings: Settings,
    ports: HashMap<HostPort, Port>,
    by_component: HashMap<u32, HostPort>,
    next_port: HostPort,
    registry: Shared,
    /// The transport node's path-table changes when it was last saved.
    saved_paths_at: u64,
}

/// Runs the relay until `shutdown` is set or every sender is gone.
pub fn run(
    runtime: &Runtime,
    settings: Settings,
    registry: Shared,
    events: Receiver<Event>,
    shutdown: &AtomicBool,
) -> Result<(), String> {
    let mut styrene = Styrene::with_dir(runtime, &settings.data_dir).map_err(|e| format!("{e:#}"))?;
    let private_key = load_or_create_identity(&mut styrene, &settings.data_dir)?;
    let handles = open(&mut styrene, &private_key, &settings)?;
    let mut relay = Relay {
        styrene,
        handles,
        private_key,
        settings,
        ports: HashMap::new(),
        by_component: HashMap::new(),
        next_port: 1,
        registry,
        saved_paths_at: 0,
    };
    relay.publish_identity()?;
    let interval = Duration::from_secs(relay.settings.announce.interval_secs);
    let mut next_announce = Instant::now() + Duration::from_secs(2);
    let mut last_announce: Option<Instant> = None;
    let mut next_tick = Instant::now() + TICK;
    let mut next_status = Instant::now();
    let mut next_save = Instant::now() + SAVE_PATHS_EVERY;
    // an event taken from the channel while gathering a port's bytes, handled next
    let mut held: Option<Event> = None;
    while !shutdown.load(Ordering::Relaxed) {
        let wait = next_announce.min(next_tick).saturating_duration_since(Instant::now()).min(TICK);
        let event = match held.take() {
            Some(event) => Ok(event),
            None => events.recv_timeout(wait),
        };
        match event {
            Ok(Event::Up { link, peer, outbox, reply }) => {
                let port = relay.port_up(link, &peer, outbox);
                let _ = reply.send(port);
                // a new neighbour learns of the gateway soon, not in half an hour
                next_announce = next_announce.min(Instant::now() + Duration::from_secs(1));
            }
            Ok(Event::Down { port }) => relay.port_down(port),
            Ok(Event::Data { port, mut bytes }) => {
                // Under load a stream port's reads queue up one small packet
                // each (RNS writes every packet on its own); one component
                // call for all of them costs far less than one per read.
                if relay.is_stream(port) {
                    while bytes.len() < GATHER_BYTES {
                        match events.try_recv() {
                            Ok(Event::Data { port: next, bytes: more }) if next == port => {
                                bytes.extend_from_slice(&more);
                            }
                            Ok(other) => {
                                held = Some(other);
                                break;
                            }
                            Err(_) => break,
                        }
                    }
                }
                relay.receive(port, bytes);
            }
            Ok(Event::Idle { port }) => relay.idle(port),
            Ok(Event::Nodes { reply }) => {
                let _ = reply.send(relay.nodes_json());
            }
            Ok(Event::Paths { reply }) => {
                let _ = reply.send(relay.paths_json());
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        let now = Instant::now();
        if now >= next_tick {
            relay.tick();
            next_tick = now + TICK;
        }
        if now >= next_status {
            relay.publish_transport_status();
            next_status = now + STATUS_EVERY;
        }
        if now >= next_save {
            relay.save_paths(false);
            next_save = now + SAVE_PATHS_EVERY;
        }
        if now >= next_announce {
            if last_announce.is_some_and(|t| now < t + MIN_ANNOUNCE_GAP) {
                next_announce = last_announce.unwrap() + MIN_ANNOUNCE_GAP;
            } else {
                if !relay.ports.is_empty() {
                    relay.announce();
                    last_announce = Some(now);
                }
                next_announce =
                    if interval.is_zero() { now + Duration::from_secs(365 * 86400) } else { now + interval };
            }
        }
    }
    relay.close();
    Ok(())
}

/// Reads the identity file, or makes an identity and writes it with mode 0600.
fn load_or_create_identity(
    styrene: &mut Styrene<'_>,
    dir: &std::path::Path,
) -> Result<Zeroizing<Vec<u8>>, String> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let path = dir.join(IDENTITY_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => {
            let mode = std::fs::metadata(&path).map(|m| m.permissions().mode() & 0o777).unwrap_or(0);
            if mode & 0o077 != 0 {
                tracing::warn!(path = %path.display(), mode = format!("{mode:o}"), "identity file is readable by others; chmod 600 it");
            }
            return Ok(Zeroizing::new(bytes));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    }
    let identity = Identity::generate(styrene).map_err(|e| format!("cannot create an identity: {e}"))?;
    let key = Zeroizing::new(identity.private_key(styrene).map_err(|e| e.to_string())?);
    identity.release(styrene).map_err(|e| e.to_string())?;
    let temp = dir.join(".identity.new");
    let _ = std::fs::remove_file(&temp);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temp)
        .map_err(|e| format!("cannot write {}: {e}", temp.display()))?;
    std::io::Write::write_all(&mut file, &key).and_then(|()| file.sync_all()).map_err(|e| e.to_string())?;
    std::fs::rename(&temp, &path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    tracing::info!(path = %path.display(), "created the gateway identity");
    Ok(key)
}

/// The engine, the node store and the identity on a (fresh) instance; a
/// transport node gets the saved path table back.
fn open(styrene: &mut Styrene<'_>, private_key: &[u8], settings: &Settings) -> Result<Handles, String> {
    let store = NodeStore::open(styrene, DB_FILE).map_err(|e| match e {
        styrene_host::Error::Component(e) => {
            format!("cannot open {}: {e}", settings.data_dir.join(DB_FILE).display())
        }
        styrene_host::Error::Host(e) => e.to_string(),
    })?;
    let identity = Identity::from_private_key(styrene, private_key).map_err(|e| match e {
        styrene_host::Error::Component(e) => {
            format!("{} is not an RNS identity: {e}", settings.data_dir.join(IDENTITY_FILE).display())
        }
        styrene_host::Error::Host(e) => e.to_string(),
    })?;
    let engine =
        Engine::new(styrene, settings.mode, &identity, settings.limits).map_err(|e| e.to_string())?;
    if let Some(node) = engine.transport() {
        paths::restore(styrene, node, &settings.data_dir);
    }
    Ok(Handles { engine, store, identity })
}

/// The WIT port settings of an interface.
fn port_config(link: &InterfaceConfig, peer: &str) -> PortConfig {
    PortConfig {
        name: if peer.is_empty() { link.name.clone() } else { format!("{}/{peer}", link.name) },
        framing: match (link.kind, link.framing()) {
            (Kind::Udp, _) => FramingKind::Datagram,
            (_, Framing::Hdlc) => FramingKind::Hdlc,
            (_, Framing::Kiss) => FramingKind::Kiss,
        },
        hw_mtu: link.hw_mtu(),
        ifac: link.ifac().map(|(network_name, passphrase, size)| IfacSettings {
            network_name,
            passphrase,
            size,
        }),
    }
}

impl Relay<'_> {
    fn count_call(&self, n: u64) {
        self.registry.lock().expect("registry").component_calls += n;
    }

    /// After a trap: the instance is fresh, so every handle is rebuilt and
    /// every port added again.
    fn recover(&mut self, error: &HostError) {
        tracing::error!(error = %error, "the component trapped; continuing on a fresh instance");
        self.registry.lock().expect("registry").recoveries += 1;
        match open(&mut self.styrene, &self.private_key, &self.settings) {
            Ok(handles) => self.handles = handles,
            Err(e) => {
                tracing::error!(error = %e, "cannot reopen after a trap");
                return;
            }
        }
        self.by_component.clear();
        for (&host_port, port) in &mut self.ports {
            let link = &self.settings.links[port.link];
            match self.handles.engine.add_port(&mut self.styrene, &port.config, link) {
                Ok(id) => {
                    port.component_id = id;
                    self.by_component.insert(id, host_port);
                }
                Err(PortRefused::Settings(e)) => {
                    tracing::error!(port = %port.config.name, error = %e, "cannot re-add port");
                }
                Err(PortRefused::Host(e)) => {
                    tracing::error!(port = %port.config.name, error = %e, "cannot re-add port");
                }
            }
        }
    }

    fn publish_identity(&mut self) -> Result<(), String> {
        let identity = &self.handles.identity;
        let (app, aspects) = (&self.settings.announce.app_name, &self.settings.announce.aspects);
        let hash = identity.hash(&mut self.styrene).map_err(|e| e.to_string())?;
        let destination =
            identity.destination_hash(&mut self.styrene, app, aspects).map_err(|e| e.to_string())?;
        let mut registry = self.registry.lock().expect("registry");
        registry.identity_hash = hex::encode(&hash);
        registry.destination_hash = hex::encode(&destination);
        tracing::info!(identity = %registry.identity_hash, destination = %registry.destination_hash,
            name = %format!("{app}.{}", aspects.join(".")), "gateway destination");
        Ok(())
    }

    fn port_up(&mut self, link: usize, peer: &str, outbox: Arc<Outbox>) -> HostPort {
        let config = port_config(&self.settings.links[link], peer);
        let host_port = self.next_port;
        self.next_port += 1;
        let settings = &self.settings.links[link];
        let mut added = self.handles.engine.add_port(&mut self.styrene, &config, settings);
        if let Err(PortRefused::Host(e)) = &added {
            // one more try on the fresh instance; a second trap means the port cannot be served
            self.recover(e);
            let settings = &self.settings.links[link];
            added = self.handles.engine.add_port(&mut self.styrene, &config, settings);
        }
        let component_id = match added {
            Ok(id) => id,
            Err(PortRefused::Settings(e)) => {
                // the config check makes this unreachable for valid settings
                tracing::error!(port = %config.name, error = %e, "port refused");
                outbox.close();
                return host_port;
            }
            Err(PortRefused::Host(e)) => {
                tracing::error!(port = %config.name, error = %e, "port cannot be added");
                outbox.close();
                return host_port;
            }
        };
        self.count_call(1);
        tracing::info!(port = %config.name, "port up");
        {
            let mut registry = self.registry.lock().expect("registry");
            registry.links[link].outboxes.push((config.name.clone(), outbox.clone()));
        }
        self.by_component.insert(component_id, host_port);
        self.ports.insert(host_port, Port { link, outbox, component_id, config });
        host_port
    }

    fn port_down(&mut self, host_port: HostPort) {
        let Some(port) = self.ports.remove(&host_port) else { return };
        self.by_component.remove(&port.component_id);
        if let Err(e) = self.handles.engine.remove_port(&mut self.styrene, port.component_id) {
            self.recover(&e);
        }
        port.outbox.close();
        self.registry.lock().expect("registry").links[port.link].retire(&port.outbox);
        tracing::info!(port = %port.config.name, "port down");
    }

    /// Whether a port carries a byte stream (TCP, serial), whose reads may be joined.
    fn is_stream(&self, host_port: HostPort) -> bool {
        self.ports.get(&host_port).is_some_and(|p| self.settings.links[p.link].kind != Kind::Udp)
    }

    fn idle(&mut self, host_port: HostPort) {
        let Some(port) = self.ports.get(&host_port) else { return };
        let id = port.component_id;
        if let Err(e) = self.handles.engine.reset_port(&mut self.styrene, id) {
            self.recover(&e);
        }
    }

    fn receive(&mut self, host_port: HostPort, bytes: Vec<u8>) {
        let Some(port) = self.ports.get(&host_port) else { return };
        let (id, link) = (port.component_id, port.link);
        let len = bytes.len() as u64;
        let outcome = match self.handles.engine.receive(&mut self.styrene, id, &bytes) {
            Ok(outcome) => outcome,
            Err(e) => {
                tracing::warn!(port = %port.config.name, bytes = len, "input made the component trap; dropped");
                self.recover(&e);
                let mut registry = self.registry.lock().expect("registry");
                *registry.links[link].counters.dropped.entry("trap".into()).or_default() += 1;
                return;
            }
        };
        {
            let mut registry = self.registry.lock().expect("registry");
            registry.component_calls += 1;
            registry.relayed += u64::from(outcome.relayed);
            let counters = &mut registry.links[link].counters;
            counters.rx_bytes += len;
            counters.rx_frames += u64::from(outcome.relayed);
            counters.announces += outcome.heard.len() as u64;
        }
        self.apply(outcome);
    }

    fn apply(&mut self, outcome: Produced) {
        // frames in order, handed to each port's outbox in one go
        let mut by_port: Vec<(u32, Vec<Vec<u8>>)> = Vec::new();
        for (port, data) in outcome.transmit {
            match by_port.iter_mut().find(|(p, _)| *p == port) {
                Some((_, frames)) => frames.push(data),
                None => by_port.push((port, vec![data])),
            }
        }
        for (port, frames) in by_port {
            if let Some(port) = self.by_component.get(&port).and_then(|p| self.ports.get(p)) {
                port.outbox.push_all(frames);
            }
        }
        if !outcome.dropped.is_empty() {
            let mut registry = self.registry.lock().expect("registry");
            for (port, label, detail) in &outcome.dropped {
                let Some(port) = self.by_component.get(port).and_then(|p| self.ports.get(p)) else {
                    continue;
                };
                *registry.links[port.link].counters.dropped.entry((*label).into()).or_default() += 1;
                tracing::debug!(port = %port.config.name, reason = label, detail = %detail, "frame dropped");
            }
        }
        for heard in outcome.heard {
            match self.handles.store.record_announce(&mut self.styrene, &heard) {
                Ok(device) => {
                    self.registry.lock().expect("registry").nodes_recorded += 1;
                    tracing::info!(destination = %device.destination_hash, identity = %device.identity_hash,
                        name = %device.name, kind = ?device.device_type, hops = ?device.hops,
                        via = ?device.discovered_via, count = device.announce_count, "node heard");
                }
                Err(styrene_host::Error::Component(e)) => {
                    tracing::warn!(destination = %heard.destination_hash, error = %e, "cannot record node");
                }
                Err(styrene_host::Error::Host(e)) => self.recover(&e),
            }
        }
    }

    fn announce(&mut self) {
        let announce = &self.settings.announce;
        let app_data = announce.app_data.clone().unwrap_or_else(|| {
            format!("styrene:{}:{}:gateway", self.settings.name, env!("CARGO_PKG_VERSION"))
        });
        let made = self.handles.identity.announce(
            &mut self.styrene,
            &announce.app_name,
            &announce.aspects,
            Some(app_data.as_bytes()),
        );
        let packet = match made {
            Ok(packet) => packet,
            Err(styrene_host::Error::Component(e)) => {
                return tracing::error!(error = %e, "cannot make the announce");
            }
            Err(styrene_host::Error::Host(e)) => return self.recover(&e),
        };
        match self.handles.engine.announce(&mut self.styrene, &packet) {
            Ok(outcome) => {
                self.count_call(2);
                self.registry.lock().expect("registry").announces_sent += 1;
                tracing::info!(ports = outcome.transmit.len(), "announced");
                self.apply(outcome);
            }
            Err(e) => self.recover(&e),
        }
    }

    /// Every node, newest announce first, as JSON objects with styrened's field names.
    fn nodes_json(&mut self) -> Result<String, String> {
        let listed = self
            .styrene
            .nodes()
            .device_types()
            .map_err(styrene_host::Error::Host)
            .and_then(|types| Ok((types, self.handles.store.get_all_nodes(&mut self.styrene)?)));
        let (types, nodes) = match listed {
            Ok(listed) => listed,
            Err(styrene_host::Error::Component(e)) => return Err(e.to_string()),
            Err(styrene_host::Error::Host(e)) => {
                self.recover(&e);
                return Err(e.to_string());
            }
        };
        let value_of = |t| types.iter().find(|i| i.device_type == t).map_or("unknown", |i| i.value.as_str());
        let nodes: Vec<serde_json::Value> = nodes
            .iter()
            .map(|d| {
                serde_json::json!({
                    "destination_hash": d.destination_hash,
                    "identity_hash": d.identity_hash,
                    "name": d.name,
                    "device_type": value_of(d.device_type),
                    "last_announce": d.last_announce,
                    "announce_count": d.announce_count,
                    "capabilities": d.capabilities,
                    "version": d.version,
                    "lxmf_destination_hash": d.lxmf_destination_hash,
                    "short_name": d.short_name,
                    "system_fingerprint": d.system_fingerprint,
                    "nomadnet_destination_hash": d.nomadnet_destination_hash,
                    "discovered_via": d.discovered_via,
                    "hops": d.hops,
                })
            })
            .collect();
        Ok(serde_json::to_string(&nodes).expect("JSON"))
    }

    /// Runs the transport node's timers and sends what they produce.
    fn tick(&mut self) {
        match self.handles.engine.tick(&mut self.styrene) {
            Ok(produced) => {
                if !produced.transmit.is_empty() {
                    self.count_call(1);
                }
                self.apply(produced);
            }
            Err(e) => self.recover(&e),
        }
    }

    /// Refreshes the transport counters and announce queues on the status endpoint.
    fn publish_transport_status(&mut self) {
        let Some(node) = self.handles.engine.transport() else { return };
        let read = node.counters(&mut self.styrene).and_then(|c| Ok((c, node.ports(&mut self.styrene)?)));
        let (counters, port_states) = match read {
            Ok(read) => read,
            Err(e) => return self.recover(&e),
        };
        let mut registry = self.registry.lock().expect("registry");
        for link in &mut registry.links {
            link.announce_queue = 0;
            link.held_announces = 0;
        }
        for state in port_states {
            if let Some(port) = self.by_component.get(&state.port).and_then(|p| self.ports.get(p)) {
                let link = &mut registry.links[port.link];
                link.announce_queue += u64::from(state.queued_announces);
                link.held_announces += u64::from(state.held_announces);
            }
        }
        registry.transport = Some(counters);
    }

    /// Saves the path table if it changed since the last save (or always, on shutdown).
    fn save_paths(&mut self, always: bool) {
        let Some(node) = self.handles.engine.transport() else { return };
        let changes = match node.counters(&mut self.styrene) {
            Ok(c) => c.paths_learnt + c.paths_expired + c.paths_restored,
            Err(e) => return self.recover(&e),
        };
        if !always && changes == self.saved_paths_at {
            return;
        }
        match node.export_paths(&mut self.styrene) {
            Ok(snapshot) => match paths::save(&self.settings.data_dir, &snapshot) {
                Ok(()) => self.saved_paths_at = changes,
                Err(e) => tracing::error!(error = %e, "cannot save the path table"),
            },
            Err(e) => self.recover(&e),
        }
    }

    /// The path table as JSON objects, fewest hops first, with port names.
    fn paths_json(&mut self) -> Result<String, String> {
        let Some(node) = self.handles.engine.transport() else {
            return Err("a bridge keeps no path table (mode = \"bridge\")".into());
        };
        let table = match node.paths(&mut self.styrene) {
            Ok(table) => table,
            Err(e) => {
                self.recover(&e);
                return Err(e.to_string());
            }
        };
        let name_of = |port: u32| {
            self.by_component.get(&port).and_then(|p| self.ports.get(p)).map(|p| p.config.name.clone())
        };
        Ok(paths::to_json(&table, name_of))
    }

    /// Saves the path table and closes the node store.
    fn close(mut self) {
        self.save_paths(true);
        for (_, port) in self.ports.drain() {
            port.outbox.close();
        }
        if let Err(e) = self.handles.store.release(&mut self.styrene) {
            tracing::error!(error = %e, "closing the node store failed");
        }
        if let Err(e) = self.handles.engine.release(&mut self.styrene) {
            tracing::error!(error = %e, "releasing the transport node failed");
        }
        tracing::info!("relay stopped");
    }
}
