//! The transport node's path table on disk and on the status endpoint. The
//! component makes and reads the snapshot; the gateway only keeps it in the
//! data directory, written whole to a new file and renamed over the old
//! one, so a crash leaves the previous table and never half of one.

use serde_json::json;
use std::io::Write;
use std::path::Path;
use styrene_host::Styrene;
use styrene_host::transport::{self, TransportNode};

/// The path table in the data directory (RNS calls its own `destination_table`).
pub const PATHS_FILE: &str = "path_table";

/// Restores the saved path table, if there is one; a damaged file is
/// reported, set aside as `path_table.damaged`, and the node starts empty.
pub fn restore(styrene: &mut Styrene<'_>, node: &TransportNode, dir: &Path) {
    let path = dir.join(PATHS_FILE);
    let snapshot = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
        Err(e) => return tracing::error!(path = %path.display(), error = %e, "cannot read the path table"),
    };
    match node.import_paths(styrene, &snapshot) {
        Ok(read) => tracing::info!(paths = read, "path table restored"),
        Err(styrene_host::Error::Component(e)) => {
            tracing::error!(path = %path.display(), error = %e, "the saved path table is unreadable; starting without it");
            let _ = std::fs::rename(&path, dir.join(format!("{PATHS_FILE}.damaged")));
        }
        Err(styrene_host::Error::Host(e)) => tracing::error!(error = %e, "restoring the path table failed"),
    }
}

/// Writes `snapshot` as the saved path table.
pub fn save(dir: &Path, snapshot: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let temp = dir.join(format!(".{PATHS_FILE}.new"));
    let mut file =
        std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&temp)?;
    file.write_all(snapshot)?;
    file.sync_all()?;
    std::fs::rename(&temp, dir.join(PATHS_FILE))?;
    // the rename is durable once the directory is
    std::fs::File::open(dir)?.sync_all()
}

/// The path table as JSON objects, fewest hops first (then by destination),
/// with the name of the port each path goes out on.
pub fn to_json(table: &[transport::Path], port_name: impl Fn(u32) -> Option<String>) -> String {
    let mut rows: Vec<&transport::Path> = table.iter().collect();
    rows.sort_by(|a, b| a.hops.cmp(&b.hops).then_with(|| a.destination.cmp(&b.destination)));
    let rows: Vec<serde_json::Value> = rows
        .into_iter()
        .map(|p| {
            json!({
                "destination": hex::encode(&p.destination),
                "next_hop": hex::encode(&p.next_hop),
                "hops": p.hops,
                "interface": port_name(p.port),
                "timestamp": p.timestamp,
                "expires": p.expires,
            })
        })
        .collect();
    serde_json::to_string(&rows).expect("JSON")
}
