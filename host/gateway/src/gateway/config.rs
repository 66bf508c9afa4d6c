//! `gateway.toml`: what the gateway listens on, connects to, and announces.
//! Every interface setting is named as in an RNS config where RNS has one.

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The gateway's name: in logs, and the default announce app_data.
    #[serde(default = "default_name")]
    pub name: String,
    /// Where the identity, `nodes.db` and the saved path table live.
    pub data_dir: PathBuf,
    /// `transport` (the default): a Reticulum transport node, as `rnsd` with
    /// `enable_transport = Yes`. `bridge`: every valid frame is relayed to
    /// every other interface unchanged.
    #[serde(default)]
    pub mode: GatewayMode,
    /// The gateway's own announce.
    #[serde(default)]
    pub announce: AnnounceConfig,
    /// The local status endpoint.
    #[serde(default)]
    pub status: StatusConfig,
    /// Memory and queue bounds.
    #[serde(default)]
    pub limits: LimitsConfig,
    /// The interfaces, bridged to each other.
    #[serde(rename = "interface", default)]
    pub interfaces: Vec<InterfaceConfig>,
}

/// What the gateway does with the packets it hears.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GatewayMode {
    /// Routes as a Reticulum transport node.
    #[default]
    Transport,
    /// Relays every valid frame to every other interface.
    Bridge,
}

/// An interface's mode, as RNS spells it in `mode` (or `interface_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InterfaceMode {
    /// Everything passes.
    #[default]
    Full,
    /// A point-to-point link.
    #[serde(alias = "pointtopoint", alias = "ptp")]
    PointToPoint,
    /// Clients come and go: paths expire in a day, announces are not sent here.
    #[serde(alias = "accesspoint", alias = "ap")]
    AccessPoint,
    /// The gateway itself moves.
    Roaming,
    /// Joins this network to another.
    Boundary,
    /// Lets clients discover paths beyond the gateway.
    #[serde(alias = "gw")]
    Gateway,
}

/// The gateway's announce.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AnnounceConfig {
    /// Seconds between announces (0: only when an interface comes up).
    pub interval_secs: u64,
    /// RNS app name of the gateway's destination.
    pub app_name: String,
    /// Its aspects.
    pub aspects: Vec<String>,
    /// app_data as text; default `styrene:<name>:<version>:gateway`, which
    /// styrened lists as a Styrene node.
    pub app_data: Option<String>,
}

impl Default for AnnounceConfig {
    fn default() -> Self {
        AnnounceConfig {
            interval_secs: 1800,
            app_name: "styrene".into(),
            aspects: vec!["gateway".into()],
            app_data: None,
        }
    }
}

/// The status endpoint.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StatusConfig {
    /// Address to serve on; keep it on localhost.
    pub listen: Option<SocketAddr>,
    /// A directory served at `/diag/` (the browser diagnostics page).
    pub diag_dir: Option<PathBuf>,
}

impl Default for StatusConfig {
    fn default() -> Self {
        StatusConfig { listen: Some(SocketAddr::from(([127, 0, 0, 1], 4280))), diag_dir: None }
    }
}

/// Bounds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Bytes queued per outgoing port before the oldest frames are dropped.
    pub queue_bytes: usize,
    /// Packet hashes remembered (twice this at most) to drop duplicates.
    pub remembered_packets: u32,
    /// The component's memory cap in MiB.
    pub memory_mib: usize,
    /// Longest a component call may run, in milliseconds.
    pub call_deadline_ms: u64,
    /// Clients a TCP server interface accepts at once.
    pub max_clients: usize,
    /// Paths the transport node keeps (the oldest learnt goes first).
    pub paths: u32,
    /// Links routed through at once.
    pub links: u32,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            queue_bytes: 256 * 1024,
            remembered_packets: 32 * 1024,
            memory_mib: 48,
            call_deadline_ms: 1000,
            max_clients: 32,
            paths: 16_384,
            links: 4_096,
        }
    }
}

/// What kind of interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Connects out, like RNS's `TCPClientInterface`; reconnects.
    TcpClient,
    /// Accepts clients, like RNS's `TCPServerInterface`; each client is a port.
    TcpServer,
    /// Datagrams, like RNS's `UDPInterface`.
    Udp,
    /// A serial port to a KISS TNC or RNode in KISS mode, like RNS's `KISSInterface`.
    Serial,
}

/// Framing on a stream interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Framing {
    /// RNS's TCP default.
    Hdlc,
    /// KISS (serial default; TCP with RNS's `kiss_framing = yes`).
    Kiss,
}

/// One interface.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InterfaceConfig {
    /// A name for logs, status and the node store's `discovered_via`.
    pub name: String,
    /// What kind.
    #[serde(rename = "type")]
    pub kind: Kind,
    /// `tcp_client`: where to connect (`host:port`).
    pub target: Option<String>,
    /// `tcp_server`, `udp`: where to listen.
    pub listen: Option<SocketAddr>,
    /// `udp`: where to send (a broadcast address works).
    pub forward: Option<SocketAddr>,
    /// `serial`: the device, e.g. `/dev/ttyUSB0`.
    pub device: Option<PathBuf>,
    /// `serial`: baud rate.
    #[serde(default = "default_baud")]
    pub baud: u32,
    /// Stream framing (default: HDLC on TCP, KISS on serial).
    pub framing: Option<Framing>,
    /// RNS hardware MTU (default: RNS's for the kind).
    pub hw_mtu: Option<u32>,
    /// IFAC network name.
    pub network_name: Option<String>,
    /// IFAC passphrase.
    pub passphrase: Option<String>,
    /// IFAC size in bits, as in RNS (default: 128 on TCP and UDP, 64 on serial).
    pub ifac_size: Option<u32>,
    /// Interface mode (transport only; RNS's `mode`).
    #[serde(default, alias = "interface_mode")]
    pub mode: InterfaceMode,
    /// Bits per second, for the announce cap (default: RNS's guess for TCP
    /// and UDP, 10 Mbit/s; the baud rate on serial).
    pub bitrate: Option<u64>,
    /// Share of the bitrate announce rebroadcasts may use, percent (RNS's default 2).
    #[serde(default = "default_announce_cap")]
    pub announce_cap: f64,
    /// Hold bursts of announces for unknown destinations on a new interface (RNS's default on).
    #[serde(default = "default_true")]
    pub ingress_control: bool,
    /// First reconnect delay in milliseconds (doubles up to `reconnect_max_ms`).
    #[serde(default = "default_reconnect_min")]
    pub reconnect_min_ms: u64,
    /// Longest reconnect delay in milliseconds.
    #[serde(default = "default_reconnect_max")]
    pub reconnect_max_ms: u64,
}

fn default_name() -> String {
    "styrene-gateway".into()
}
fn default_announce_cap() -> f64 {
    2.0
}

fn default_true() -> bool {
    true
}

fn default_baud() -> u32 {
    115_200
}
fn default_reconnect_min() -> u64 {
    1000
}
fn default_reconnect_max() -> u64 {
    30_000
}

impl InterfaceConfig {
    /// The framing used on the wire.
    pub fn framing(&self) -> Framing {
        self.framing.unwrap_or(if self.kind == Kind::Serial { Framing::Kiss } else { Framing::Hdlc })
    }

    /// RNS's hardware MTU for this interface: TCP settles on 16384 (its
    /// bitrate guess), UDP 1064, KISS and serial 564.
    pub fn hw_mtu(&self) -> u32 {
        self.hw_mtu.unwrap_or(match self.kind {
            Kind::TcpClient | Kind::TcpServer => 16384,
            Kind::Udp => 1064,
            Kind::Serial => 564,
        })
    }

    /// IFAC size in bytes, if IFAC is on. RNS ignores the literal strings
    /// `""` and `"None"` for name and passphrase, and sizes under 8 bits.
    pub fn ifac(&self) -> Option<(Option<String>, Option<String>, u32)> {
        let set = |v: &Option<String>| v.clone().filter(|s| !s.is_empty() && s != "None");
        let (name, pass) = (set(&self.network_name), set(&self.passphrase));
        if name.is_none() && pass.is_none() {
            return None;
        }
        let default_bytes = if matches!(self.kind, Kind::Serial) { 8 } else { 16 };
        let bytes = self.ifac_size.filter(|&bits| bits >= 8).map_or(default_bytes, |bits| bits / 8);
        Some((name, pass, bytes))
    }

    /// Bits per second: configured, or RNS's for the kind (its TCP and UDP
    /// interfaces assume 10 Mbit/s; a serial port runs at its baud rate).
    pub fn bitrate(&self) -> u64 {
        self.bitrate.unwrap_or(match self.kind {
            Kind::TcpClient | Kind::TcpServer | Kind::Udp => 10_000_000,
            Kind::Serial => u64::from(self.baud),
        })
    }

    /// Reconnect delays.
    pub fn backoff(&self) -> (Duration, Duration) {
        let min = Duration::from_millis(self.reconnect_min_ms.max(10));
        (min, Duration::from_millis(self.reconnect_max_ms).max(min))
    }
}

impl Config {
    /// Reads and checks a config file.
    pub fn load(path: &std::path::Path) -> Result<Config, String> {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let config: Config = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        config.check()?;
        Ok(config)
    }

    /// Refuses settings the gateway cannot run with, naming the interface.
    pub fn check(&self) -> Result<(), String> {
        if self.interfaces.is_empty() {
            return Err("no [[interface]] configured".into());
        }
        let mut names = std::collections::HashSet::new();
        for i in &self.interfaces {
            if !names.insert(i.name.as_str()) {
                return Err(format!("interface name {:?} is used twice", i.name));
            }
            let missing = |what: &str| Err(format!("interface {:?} ({:?}) needs `{what}`", i.name, i.kind));
            match i.kind {
                Kind::TcpClient if i.target.is_none() => return missing("target"),
                Kind::TcpServer if i.listen.is_none() => return missing("listen"),
                Kind::Udp if i.listen.is_none() || i.forward.is_none() => {
                    return missing("listen and forward");
                }
                Kind::Serial if i.device.is_none() => return missing("device"),
                _ => {}
            }
            if i.hw_mtu() < 500 {
                return Err(format!("interface {:?}: hw_mtu must be at least RNS's MTU of 500", i.name));
            }
            if i.bitrate() < 5 {
                return Err(format!(
                    "interface {:?}: bitrate must be at least Reticulum's minimum of 5 bit/s",
                    i.name
                ));
            }
            if !(i.announce_cap > 0.0 && i.announce_cap <= 100.0) {
                return Err(format!(
                    "interface {:?}: announce_cap is a percentage above 0 and at most 100",
                    i.name
                ));
            }
            if let Some((_, _, bytes)) = i.ifac()
                && !(1..=64).contains(&bytes)
            {
                return Err(format!("interface {:?}: ifac_size must be 8 to 512 bits", i.name));
            }
        }
        for part in std::iter::once(&self.announce.app_name).chain(&self.announce.aspects) {
            if part.contains('.') || part.is_empty() {
                return Err(format!("announce name part {part:?}: RNS names can't be empty or contain dots"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_config_is_valid() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../packaging/gateway.example.toml");
        let config = Config::load(&path).unwrap();
        let kinds: Vec<Kind> = config.interfaces.iter().map(|i| i.kind).collect();
        assert_eq!(kinds, [Kind::Serial, Kind::TcpClient, Kind::TcpServer]);
        assert_eq!(config.interfaces[0].framing(), Framing::Kiss);
        assert_eq!(config.interfaces[0].hw_mtu(), 564);
        assert_eq!(config.interfaces[1].hw_mtu(), 16384);
        assert_eq!(config.mode, GatewayMode::Transport);
        assert_eq!((config.interfaces[0].bitrate(), config.interfaces[1].bitrate()), (3125, 10_000_000));
        assert_eq!(config.interfaces[2].mode, InterfaceMode::Gateway);
    }

    #[test]
    fn transport_settings_are_read_as_rns_names_them() {
        let parse = |text: &str| {
            toml::from_str::<Config>(text).map_err(|e| e.to_string()).and_then(|c| c.check().map(|()| c))
        };
        let serial = "[[interface]]\nname = \"r\"\ntype = \"serial\"\ndevice = \"/dev/x\"\nbaud = 9600\n";
        let config = parse(&format!("data_dir = \"/tmp/x\"\n{serial}interface_mode = \"ap\"\n")).unwrap();
        assert_eq!(config.mode, GatewayMode::Transport, "a transport node unless told otherwise");
        assert_eq!(config.interfaces[0].mode, InterfaceMode::AccessPoint);
        assert_eq!(config.interfaces[0].bitrate(), 9600, "a serial port's bitrate defaults to its baud rate");
        assert_eq!((config.interfaces[0].announce_cap, config.interfaces[0].ingress_control), (2.0, true));
        let bridge = parse(&format!("data_dir = \"/tmp/x\"\nmode = \"bridge\"\n{serial}")).unwrap();
        assert_eq!(bridge.mode, GatewayMode::Bridge);
        let capped = parse(&format!("data_dir = \"/tmp/x\"\n{serial}announce_cap = 0\n")).unwrap_err();
        assert!(capped.contains("announce_cap"), "{capped}");
        let slow = parse(&format!("data_dir = \"/tmp/x\"\n{serial}bitrate = 2\n")).unwrap_err();
        assert!(slow.contains("bitrate"), "{slow}");
        let mode = parse(&format!("data_dir = \"/tmp/x\"\n{serial}mode = \"mesh\"\n")).unwrap_err();
        assert!(mode.contains("unknown variant"), "{mode}");
    }

    #[test]
    fn bad_configs_say_what_is_wrong() {
        let parse = |text: &str| {
            toml::from_str::<Config>(text).map_err(|e| e.to_string()).and_then(|c| c.check().map(|()| c))
        };
        let base = "data_dir = \"/tmp/x\"\n";
        assert!(parse(base).unwrap_err().contains("no [[interface]]"));
        let missing = format!("{base}[[interface]]\nname = \"a\"\ntype = \"tcp_client\"\n");
        assert!(parse(&missing).unwrap_err().contains("needs `target`"));
        let typo = format!("{base}[[interface]]\nname = \"a\"\ntype = \"tcp_client\"\ntargte = \"x:1\"\n");
        assert!(parse(&typo).unwrap_err().contains("unknown field"));
        let ifac = format!(
            "{base}[[interface]]\nname = \"a\"\ntype = \"serial\"\ndevice = \"/dev/x\"\nnetwork_name = \"n\"\nifac_size = 4\n"
        );
        let config = parse(&ifac).unwrap();
        assert_eq!(
            config.interfaces[0].ifac(),
            Some((Some("n".into()), None, 8)),
            "RNS ignores sizes under 8 bits"
        );
        let none = format!(
            "{base}[[interface]]\nname = \"a\"\ntype = \"serial\"\ndevice = \"/dev/x\"\npassphrase = \"None\"\n"
        );
        assert_eq!(parse(&none).unwrap().interfaces[0].ifac(), None, "RNS ignores the literal None");
    }
}
