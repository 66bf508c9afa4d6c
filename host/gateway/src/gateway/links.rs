//! The interface threads: they own sockets and serial ports, read bytes into
//! the relay's channel, and write what the relay queues on their outboxes.
//! Connections that break are made again with a doubling delay.

use super::config::{InterfaceConfig, Kind};
use super::core::{Event, HostPort};
use super::outbox::Outbox;
use super::registry::Shared;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream, ToSocketAddrs, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, SyncSender};
use std::time::Duration;

/// How often blocked reads look at the shutdown flag.
const POLL: Duration = Duration::from_millis(250);
/// RNS's connect timeout.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// RNS's serial inter-byte timeout: a partial frame older than this is dropped.
const SERIAL_IDLE: Duration = Duration::from_millis(100);
/// Largest single read handed to the relay.
const READ_BUFFER: usize = 64 * 1024;

/// A read that only timed out or was interrupted: nothing wrong, read again.
fn waiting(e: &std::io::Error) -> bool {
    matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted)
}

/// What every interface thread shares.
#[derive(Clone)]
pub struct Context {
    /// The relay's channel.
    pub events: SyncSender<Event>,
    /// Status counters.
    pub registry: Shared,
    /// Set on SIGTERM.
    pub shutdown: Arc<AtomicBool>,
    /// Outbox capacity per port.
    pub queue_bytes: usize,
    /// TCP clients accepted at once per server.
    pub max_clients: usize,
}

impl Context {
    fn stopping(&self) -> bool {
        self.shutdown.load(Ordering::Relaxed)
    }

    fn set_state(&self, link: usize, state: &str) {
        self.registry.lock().expect("registry").links[link].state = state.to_owned();
    }

    fn count_reconnect(&self, link: usize) {
        self.registry.lock().expect("registry").links[link].counters.reconnects += 1;
    }

    /// Asks the relay for a port.
    fn register(&self, link: usize, peer: &str, outbox: &Arc<Outbox>) -> Option<HostPort> {
        let (reply, answer) = mpsc::channel();
        self.events.send(Event::Up { link, peer: peer.to_owned(), outbox: outbox.clone(), reply }).ok()?;
        answer.recv().ok()
    }

    /// Sleeps, waking early on shutdown; false if shutting down.
    fn pause(&self, duration: Duration) -> bool {
        let mut left = duration;
        while !left.is_zero() && !self.stopping() {
            let step = left.min(POLL);
            std::thread::sleep(step);
            left -= step;
        }
        !self.stopping()
    }
}

/// Runs one configured interface until shutdown.
pub fn run(ctx: Context, link: usize, config: InterfaceConfig) {
    match config.kind {
        Kind::TcpClient => tcp_client(&ctx, link, &config),
        Kind::TcpServer => tcp_server(&ctx, link, &config),
        Kind::Udp => udp(&ctx, link, &config),
        Kind::Serial => serial(&ctx, link, &config),
    }
    ctx.set_state(link, "stopped");
}

/// Runs `session` until shutdown. It returns `Ok` with a reason when a
/// connection it made has ended (the next try comes after the shortest
/// delay), `Err` when it could not connect (each failure doubles the delay).
fn with_reconnect(
    ctx: &Context,
    link: usize,
    config: &InterfaceConfig,
    mut session: impl FnMut() -> Result<String, String>,
) {
    let (min, max) = config.backoff();
    let mut delay = min;
    while !ctx.stopping() {
        let reason = match session() {
            Ok(ended) => {
                delay = min;
                ended
            }
            Err(failed) => failed,
        };
        if ctx.stopping() {
            break;
        }
        tracing::warn!(interface = %config.name, reason = %reason, retry_in_ms = delay.as_millis() as u64, "interface down");
        ctx.count_reconnect(link);
        ctx.set_state(link, "waiting");
        if !ctx.pause(delay) {
            break;
        }
        delay = (delay * 2).min(max);
    }
}

fn tcp_client(ctx: &Context, link: usize, config: &InterfaceConfig) {
    let target = config.target.clone().expect("checked");
    with_reconnect(ctx, link, config, || {
        ctx.set_state(link, "connecting");
        let addrs: Vec<_> = target.to_socket_addrs().map_err(|e| format!("{target}: {e}"))?.collect();
        let mut last = format!("{target}: no address");
        for addr in addrs {
            match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
                Ok(stream) => {
                    tune_tcp(&stream);
                    ctx.set_state(link, "connected");
                    tracing::info!(interface = %config.name, peer = %addr, "connected");
                    serve_stream(ctx, link, String::new(), stream);
                    return Ok(format!("{addr}: connection closed"));
                }
                Err(e) => last = format!("{addr}: {e}"),
            }
        }
        Err(last)
    });
}

fn tcp_server(ctx: &Context, link: usize, config: &InterfaceConfig) {
    let listen = config.listen.expect("checked");
    let listener = match TcpListener::bind(listen).and_then(|l| l.set_nonblocking(true).map(|()| l)) {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(interface = %config.name, %listen, error = %e, "cannot listen");
            ctx.set_state(link, "failed");
            return;
        }
    };
    ctx.set_state(link, "listening");
    tracing::info!(interface = %config.name, %listen, "listening");
    let clients = Arc::new(AtomicUsize::new(0));
    std::thread::scope(|scope| {
        while !ctx.stopping() {
            match listener.accept() {
                Ok((stream, peer)) => {
                    if clients.load(Ordering::Relaxed) >= ctx.max_clients {
                        tracing::warn!(interface = %config.name, %peer, "too many clients; refused");
                        continue;
                    }
                    let _ = stream.set_nonblocking(false);
                    tune_tcp(&stream);
                    clients.fetch_add(1, Ordering::Relaxed);
                    let clients = clients.clone();
                    scope.spawn(move || {
                        serve_stream(ctx, link, peer.to_string(), stream);
                        clients.fetch_sub(1, Ordering::Relaxed);
                    });
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => std::thread::sleep(Duration::from_millis(50)),
                Err(e) => {
                    tracing::warn!(interface = %config.name, error = %e, "accept failed");
                    std::thread::sleep(POLL);
                }
            }
        }
    });
}

/// RNS's TCP options on Linux: no Nagle delay, keepalive probes after 5 s
/// every 2 s, 12 of them, and a 24 s timeout for unacknowledged data.
fn tune_tcp(stream: &TcpStream) {
    use std::os::fd::AsRawFd;
    let _ = stream.set_nodelay(true);
    let fd = stream.as_raw_fd();
    let set = |level: libc::c_int, name: libc::c_int, value: libc::c_int| {
        // SAFETY: fd is an open socket owned by `stream`; the option value is a c_int on the stack.
        unsafe {
            libc::setsockopt(
                fd,
                level,
                name,
                (&raw const value).cast(),
                size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
    };
    set(libc::SOL_SOCKET, libc::SO_KEEPALIVE, 1);
    set(libc::IPPROTO_TCP, libc::TCP_KEEPIDLE, 5);
    set(libc::IPPROTO_TCP, libc::TCP_KEEPINTVL, 2);
    set(libc::IPPROTO_TCP, libc::TCP_KEEPCNT, 12);
    set(libc::IPPROTO_TCP, libc::TCP_USER_TIMEOUT, 24_000);
}

/// One TCP connection as a port, until it closes.
fn serve_stream(ctx: &Context, link: usize, peer: String, mut stream: TcpStream) {
    let outbox = Arc::new(Outbox::new(ctx.queue_bytes));
    let Some(port) = ctx.register(link, &peer, &outbox) else { return };
    let Ok(writer_stream) = stream.try_clone() else { return };
    let writer = {
        let outbox = outbox.clone();
        std::thread::spawn(move || write_loop(writer_stream, &outbox))
    };
    let _ = stream.set_read_timeout(Some(POLL));
    let mut buffer = vec![0u8; READ_BUFFER];
    while !ctx.stopping() {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => {
                if ctx.events.send(Event::Data { port, bytes: buffer[..n].to_vec() }).is_err() {
                    break;
                }
            }
            Err(e) if waiting(&e) => {}
            Err(e) => {
                tracing::debug!(error = %e, "read failed");
                break;
            }
        }
    }
    let _ = ctx.events.send(Event::Down { port });
    outbox.close();
    let _ = stream.shutdown(Shutdown::Both);
    let _ = writer.join();
}

/// Writes queued frames in batches until the outbox closes or a write fails.
fn write_loop(mut sink: impl Write + TryShutdown, outbox: &Outbox) {
    while let Some(frames) = outbox.take(POLL) {
        if frames.is_empty() {
            continue;
        }
        let batch: Vec<u8> = frames.concat();
        if let Err(e) = sink.write_all(&batch).and_then(|()| sink.flush()) {
            tracing::debug!(error = %e, "write failed");
            sink.try_shutdown();
            return;
        }
        outbox.sent(frames.len(), batch.len());
    }
}

/// Ends the read side when writing failed, so the connection is dropped as a whole.
trait TryShutdown {
    fn try_shutdown(&mut self);
}

impl TryShutdown for TcpStream {
    fn try_shutdown(&mut self) {
        let _ = self.shutdown(Shutdown::Both);
    }
}

impl TryShutdown for serialport::TTYPort {
    fn try_shutdown(&mut self) {}
}

fn udp(ctx: &Context, link: usize, config: &InterfaceConfig) {
    let (listen, forward) = (config.listen.expect("checked"), config.forward.expect("checked"));
    with_reconnect(ctx, link, config, || {
        let socket = UdpSocket::bind(listen).map_err(|e| format!("{listen}: {e}"))?;
        let _ = socket.set_broadcast(true);
        let _ = socket.set_read_timeout(Some(POLL));
        let outbox = Arc::new(Outbox::new(ctx.queue_bytes));
        let port = ctx.register(link, "", &outbox).ok_or("relay stopped")?;
        ctx.set_state(link, "open");
        tracing::info!(interface = %config.name, %listen, %forward, "UDP open");
        let sender = socket.try_clone().map_err(|e| e.to_string())?;
        let writer = {
            let outbox = outbox.clone();
            std::thread::spawn(move || {
                while let Some(frames) = outbox.take(POLL) {
                    for frame in &frames {
                        match sender.send_to(frame, forward) {
                            Ok(n) => outbox.sent(1, n),
                            Err(e) => tracing::debug!(error = %e, "UDP send failed"),
                        }
                    }
                }
            })
        };
        let mut buffer = vec![0u8; READ_BUFFER];
        let mut result = Ok(format!("{listen}: closed"));
        while !ctx.stopping() {
            match socket.recv_from(&mut buffer) {
                Ok((n, _)) => {
                    if ctx.events.send(Event::Data { port, bytes: buffer[..n].to_vec() }).is_err() {
                        break;
                    }
                }
                Err(e) if waiting(&e) => {}
                Err(e) => {
                    result = Err(e.to_string());
                    break;
                }
            }
        }
        let _ = ctx.events.send(Event::Down { port });
        outbox.close();
        let _ = writer.join();
        result
    });
}

fn serial(ctx: &Context, link: usize, config: &InterfaceConfig) {
    let device = config.device.clone().expect("checked");
    with_reconnect(ctx, link, config, || {
        ctx.set_state(link, "opening");
        let path = device.to_string_lossy().into_owned();
        let mut port = serialport::new(&path, config.baud)
            .timeout(SERIAL_IDLE)
            .open_native()
            .map_err(|e| format!("{path}: {e}"))?;
        let writer_port = port.try_clone_native().map_err(|e| format!("{path}: {e}"))?;
        let outbox = Arc::new(Outbox::new(ctx.queue_bytes));
        let host_port = ctx.register(link, "", &outbox).ok_or("relay stopped")?;
        ctx.set_state(link, "open");
        tracing::info!(interface = %config.name, device = %path, baud = config.baud, "serial port open");
        let writer = {
            let outbox = outbox.clone();
            std::thread::spawn(move || write_loop(writer_port, &outbox))
        };
        let mut buffer = vec![0u8; 4096];
        let mut partial = false;
        let mut result = Ok(format!("{path}: closed"));
        while !ctx.stopping() {
            match port.read(&mut buffer) {
                Ok(0) => {}
                Ok(n) => {
                    partial = true;
                    if ctx.events.send(Event::Data { port: host_port, bytes: buffer[..n].to_vec() }).is_err()
                    {
                        break;
                    }
                }
                Err(e) if waiting(&e) => {
                    if std::mem::take(&mut partial)
                        && ctx.events.send(Event::Idle { port: host_port }).is_err()
                    {
                        break;
                    }
                }
                Err(e) => {
                    result = Ok(format!("{path}: {e}"));
                    break;
                }
            }
        }
        let _ = ctx.events.send(Event::Down { port: host_port });
        outbox.close();
        let _ = writer.join();
        result
    });
}
