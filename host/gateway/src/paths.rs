//! `styrene-gateway paths`: a running gateway's path table, as `rnpath -t`
//! prints RNS's, read from its status endpoint.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// The status endpoint's default address (gateway.toml's `[status] listen`).
pub const DEFAULT_STATUS: &str = "127.0.0.1:4280";

/// Parses `paths [--status ADDR]`.
pub fn parse(args: &[String]) -> Option<SocketAddr> {
    match args {
        [] => DEFAULT_STATUS.parse().ok(),
        [flag, addr] if flag == "--status" => addr.parse().ok(),
        _ => None,
    }
}

/// Prints the table.
pub fn run(status: SocketAddr) -> Result<(), Box<dyn std::error::Error>> {
    let body = get(status, "/paths")?;
    let rows: Vec<serde_json::Value> = serde_json::from_str(&body)?;
    for row in &rows {
        let hops = row["hops"].as_u64().unwrap_or(0);
        println!(
            "{} is {hops} hop{} away via {} on {} expires {}",
            row["destination"].as_str().unwrap_or("?"),
            if hops == 1 { "" } else { "s" },
            row["next_hop"].as_str().unwrap_or("?"),
            row["interface"].as_str().unwrap_or("(interface gone)"),
            timestamp_str(row["expires"].as_f64().unwrap_or(0.0)),
        );
    }
    println!("{} path{} known", rows.len(), if rows.len() == 1 { "" } else { "s" });
    Ok(())
}

/// One GET on the status endpoint (plain HTTP/1.0 on localhost); the body on 200.
fn get(addr: SocketAddr, path: &str) -> Result<String, Box<dyn std::error::Error>> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .map_err(|e| format!("no gateway status endpoint at {addr}: {e}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n")?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let (head, body) = response.split_once("\r\n\r\n").ok_or("not an HTTP response")?;
    let status = head.split_whitespace().nth(1).unwrap_or("");
    if status != "200" {
        return Err(format!("{addr}{path}: {status} {}", body.trim()).into());
    }
    Ok(body.to_owned())
}

/// UTC `YYYY-MM-DD HH:MM:SS`, as RNS's `timestamp_str` prints local time.
fn timestamp_str(unix: f64) -> String {
    let secs = unix.max(0.0) as i64;
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // days since 1970-01-01 to a civil date (Howard Hinnant's algorithm)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}", rest / 3600, rest % 3600 / 60, rest % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_read_as_utc_dates() {
        assert_eq!(timestamp_str(0.0), "1970-01-01 00:00:00");
        assert_eq!(timestamp_str(1_764_000_000.0), "2025-11-24 16:00:00");
        assert_eq!(timestamp_str(951_782_400.0), "2000-02-29 00:00:00");
    }

    #[test]
    fn the_status_address_defaults_to_the_configs() {
        assert_eq!(parse(&[]), DEFAULT_STATUS.parse().ok());
        assert_eq!(parse(&["--status".into(), "127.0.0.1:9".into()]), "127.0.0.1:9".parse().ok());
        assert_eq!(parse(&["--status".into()]), None);
    }
}
