//! The node store: every public method of styrened's `NodeStore`.

use crate::database::{self, StoreError, has_column, table_columns};
use crate::schema::{
    CREATE_NODES, CREATE_REST, MIGRATED_COLUMNS, REQUIRED_NODE_COLUMNS, REQUIRED_PATH_COLUMNS,
};
use crate::{is_valid_hash, is_valid_hash_prefix};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, Row, params};
use std::cell::Cell;
use std::path::Path;
use styrene_nodes::{DeviceType, MeshDevice};
use styrene_wire::python_str_repr;

/// What `save_node` / `save_path` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveOutcome {
    /// The row was inserted or updated.
    Saved,
    /// Nothing was written; styrened logs this WARNING text.
    Rejected(String),
}

/// One row of the `paths` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathEntry {
    /// Destination hash (hex).
    pub destination_hash: String,
    /// Next hop (hex), `None` for a direct link.
    pub next_hop: Option<String>,
    /// Hops to the destination.
    pub hops: i64,
    /// RNS interface type.
    pub interface_type: Option<String>,
    /// Interface name.
    pub interface_name: Option<String>,
    /// Bitrate in bits per second.
    pub bitrate: Option<i64>,
    /// Unix seconds when the path expires.
    pub expires: Option<i64>,
    /// Unix seconds of the last save.
    pub updated_at: Option<i64>,
}

/// How an identity lookup ended (spec §2.6); styrened logs each outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityLookup {
    /// The identity hash of the one matching node.
    Found(String),
    /// No node matched.
    NotFound,
    /// Shorter than a hash and not a valid prefix (under 8 characters, or not hex).
    InvalidPrefix,
    /// The prefix matched this many nodes; styrened logs a WARNING and returns nothing.
    Ambiguous(usize),
}

impl IdentityLookup {
    /// What styrened's method returns.
    pub fn identity(self) -> Option<String> {
        match self {
            IdentityLookup::Found(identity) => Some(identity),
            _ => None,
        }
    }
}

/// styrened's WARNING for an ambiguous prefix; `label` is `operator_dest` or `lxmf_dest`.
pub fn ambiguous_warning(label: &str, input: &str, matches: usize) -> String {
    let shown: String = input.chars().take(16).collect();
    format!(
        "[HASH] NodeStore lookup: {label}={shown}... -> AMBIGUOUS ({matches} matches, need longer prefix)"
    )
}

/// A validated announce, as the announce handler receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeardAnnounce {
    /// Destination hash, hex.
    pub destination_hash: String,
    /// Identity hash, hex.
    pub identity_hash: String,
    /// The announce's app_data.
    pub app_data: Option<Vec<u8>>,
    /// The kind the destination's name implies.
    pub aspect_hint: Option<DeviceType>,
    /// Hops as RNS counts them on receipt.
    pub hops: i64,
    /// Interface and next hop, styrened's `discovered_via` label.
    pub discovered_via: Option<String>,
}

/// Which rows a list query reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeQuery {
    /// `get_all_nodes`.
    All,
    /// `get_styrene_nodes`.
    Styrene,
    /// `get_nodes_by_short_name`.
    ShortName(String),
    /// `get_nodes_by_short_name_prefix`.
    ShortNamePrefix(String),
}

/// The `nodes` columns a device is read from, in the order `row_to_device` reads them.
const DEVICE_COLUMNS: [&str; 17] = [
    "destination_hash",
    "identity_hash",
    "name",
    "device_type",
    "last_announce",
    "announce_count",
    "capabilities",
    "version",
    "lxmf_destination_hash",
    "short_name",
    "system_fingerprint",
    "nomadnet_destination_hash",
    "discovered_via",
    "hops",
    "ygg_address",
    "b32_address",
    "web_url",
];

/// The two columns identity lookups search.
#[derive(Clone, Copy)]
enum HashColumn {
    Destination = 0,
    Lxmf = 1,
}

impl HashColumn {
    fn name(self) -> &'static str {
        match self {
            HashColumn::Destination => "destination_hash",
            HashColumn::Lxmf => "lxmf_destination_hash",
        }
    }
}

/// styrened's node store on one SQLite connection.
pub struct NodeStore {
    conn: Connection,
    /// `SELECT <DEVICE_COLUMNS> FROM nodes`, with `NULL` for a column an old
    /// table lacks (styrened reads missing columns as None).
    select_devices: String,
    /// Per `HashColumn`: whether every stored value is text without an
    /// uppercase ASCII letter (unknown until the first prefix lookup). While
    /// it holds, styrened's case-insensitive `LIKE 'prefix%'` matches exactly
    /// the rows in one index range, so a prefix lookup need not scan the table.
    /// Known for one `PRAGMA data_version`: a write by another program makes
    /// it unknown again (this connection's own saves keep it up to date).
    lowercase_only: [Cell<Option<(i64, bool)>>; 2],
}

impl NodeStore {
    /// Opens (creating if absent) a `nodes.db`, checks it, and brings its
    /// schema to styrened's shape exactly as styrened's `init_db` would.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::prepare(database::open_file(path)?)
    }

    /// A store in memory (tests, and hosts without a filesystem).
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::prepare(Connection::open_in_memory()?)
    }

    /// A store in memory that starts as a copy of a database image: the bytes
    /// of a `nodes.db` file, e.g. one a browser page was given. It is checked
    /// and brought to styrened's schema exactly as `open` checks a file: bytes
    /// that are not SQLite, a damaged image or a foreign `nodes` table are
    /// refused. An empty image is a new, empty store. Changes stay in memory;
    /// `export_image` returns the result.
    ///
    /// An image of a database in WAL mode holds only what was checkpointed
    /// into the main file (its `-wal` file is not part of it); it is opened
    /// in rollback-journal mode, as SQLite's in-memory databases cannot use a log.
    pub fn open_image(image: &[u8]) -> Result<Self, StoreError> {
        Self::prepare(database::open_image(image)?)
    }

    /// The whole database as one image, the bytes a `nodes.db` file with the
    /// same content would hold, in rollback-journal mode (styrened's): a store
    /// opened with `open_image` or `open`, exported, opens anywhere SQLite does.
    pub fn export_image(&self) -> Result<Vec<u8>, StoreError> {
        database::export_image(&self.conn)
    }

    fn prepare(conn: Connection) -> Result<Self, StoreError> {
        database::check_sound(&conn)?;
        check_shape(&conn)?;
        conn.execute(CREATE_NODES, [])?;
        for (column, kind) in MIGRATED_COLUMNS {
            if !has_column(&conn, "nodes", column)? {
                conn.execute(&format!("ALTER TABLE nodes ADD COLUMN {column} {kind}"), [])?;
            }
        }
        for statement in CREATE_REST {
            conn.execute(statement, [])?;
        }
        let present = table_columns(&conn, "nodes")?;
        let columns: Vec<&str> =
            DEVICE_COLUMNS.iter().map(|c| if present.iter().any(|p| p == c) { *c } else { "NULL" }).collect();
        let select_devices = format!("SELECT {} FROM nodes", columns.join(", "));
        Ok(Self { conn, select_devices, lowercase_only: [Cell::new(None), Cell::new(None)] })
    }

    /// `save_node(device)`: upsert with styrened's rules (spec §2.5).
    pub fn save_node(&self, d: &MeshDevice) -> Result<SaveOutcome, StoreError> {
        if !is_valid_hash(Some(&d.destination_hash)) {
            return Ok(SaveOutcome::Rejected(format!(
                "Invalid destination_hash rejected: {}",
                python_str_repr(&d.destination_hash)
            )));
        }
        if !is_valid_hash(Some(&d.identity_hash)) {
            return Ok(SaveOutcome::Rejected(format!(
                "Invalid identity_hash rejected: {}",
                python_str_repr(&d.identity_hash)
            )));
        }
        let capabilities = d.capabilities.as_ref().filter(|c| !c.is_empty()).map(|c| c.join(","));
        self.conn
            .prepare_cached(
                "INSERT INTO nodes (
                    destination_hash, identity_hash, name, device_type, last_announce, announce_count,
                    capabilities, version, lxmf_destination_hash, short_name, system_fingerprint,
                    discovered_via, hops, nomadnet_destination_hash, ygg_address, b32_address, web_url,
                    updated_at
                ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, strftime('%s', 'now'))
                ON CONFLICT(destination_hash) DO UPDATE SET
                    identity_hash = excluded.identity_hash,
                    name = excluded.name,
                    device_type = excluded.device_type,
                    last_announce = excluded.last_announce,
                    announce_count = nodes.announce_count + 1,
                    capabilities = excluded.capabilities,
                    version = excluded.version,
                    lxmf_destination_hash = excluded.lxmf_destination_hash,
                    short_name = excluded.short_name,
                    system_fingerprint = excluded.system_fingerprint,
                    discovered_via = COALESCE(excluded.discovered_via, nodes.discovered_via),
                    hops = excluded.hops,
                    nomadnet_destination_hash = COALESCE(excluded.nomadnet_destination_hash, nodes.nomadnet_destination_hash),
                    ygg_address = COALESCE(excluded.ygg_address, nodes.ygg_address),
                    b32_address = COALESCE(excluded.b32_address, nodes.b32_address),
                    web_url = COALESCE(excluded.web_url, nodes.web_url),
                    updated_at = strftime('%s', 'now')",
            )?
            .execute(params![
                &d.destination_hash,
                d.identity_hash,
                d.name,
                d.device_type.value(),
                d.last_announce,
                d.announce_count,
                capabilities,
                d.version,
                d.lxmf_destination_hash,
                d.short_name,
                d.system_fingerprint,
                d.discovered_via,
                d.hops,
                d.nomadnet_destination_hash,
                d.ygg_address,
                d.b32_address,
                d.web_url,
            ])?;
        self.note_stored(HashColumn::Destination, Some(&d.destination_hash));
        self.note_stored(HashColumn::Lxmf, d.lxmf_destination_hash.as_deref());
        Ok(SaveOutcome::Saved)
    }

    /// Keeps `lowercase_only` true to the table after a value was stored.
    fn note_stored(&self, column: HashColumn, value: Option<&str>) {
        let cell = &self.lowercase_only[column as usize];
        if let Some((version, true)) = cell.get()
            && value.is_some_and(|v| v.bytes().any(|b| b.is_ascii_uppercase()))
        {
            cell.set(Some((version, false)));
        }
    }

    fn one(&self, filter: &str, arg: &str) -> Result<Option<MeshDevice>, StoreError> {
        let sql = format!("{} WHERE {filter}", self.select_devices);
        Ok(self.conn.prepare_cached(&sql)?.query_row([arg], row_to_device).optional()?)
    }

    /// What styrened's announce handler (`StyreneAnnounceHandler.received_announce`)
    /// does with a validated announce: builds the device with the aspect hint,
    /// hops and discovered_via; if it is an LXMF peer whose identity also runs
    /// a Styrene node, upgrades it and carries the node's version,
    /// capabilities and short name over; saves it. Returns the stored device.
    pub fn record_announce(&self, heard: &HeardAnnounce, now: i64) -> Result<MeshDevice, StoreError> {
        let mut device = styrene_nodes::create_mesh_device(
            &heard.destination_hash,
            &heard.identity_hash,
            heard.app_data.as_deref(),
            1,
            heard.aspect_hint,
            now,
        );
        device.hops = Some(heard.hops);
        device.discovered_via = heard.discovered_via.clone();
        if device.device_type == DeviceType::LxmfPeer {
            let styrene_node: Option<(Option<String>, Option<String>, Option<String>)> = self
                .conn
                .prepare_cached(
                    "SELECT version, capabilities, short_name FROM nodes
                     WHERE identity_hash = ? AND device_type = ? AND destination_hash != ? LIMIT 1",
                )?
                .query_row(
                    params![heard.identity_hash, DeviceType::StyreneNode.value(), heard.destination_hash],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .optional()?;
            if let Some((version, capabilities, short_name)) = styrene_node {
                device.device_type = DeviceType::StyreneNode;
                device.version = version.filter(|v| !v.is_empty()).or(device.version);
                device.capabilities = capabilities
                    .filter(|c| !c.is_empty())
                    .map(|c| c.split(',').map(String::from).collect())
                    .or(device.capabilities);
                device.short_name = short_name.filter(|v| !v.is_empty()).or(device.short_name);
            }
        }
        if let SaveOutcome::Rejected(reason) = self.save_node(&device)? {
            return Err(StoreError::Sqlite(reason));
        }
        Ok(self.get_node_by_destination(&heard.destination_hash)?.unwrap_or(device))
    }

    /// `get_node_by_destination`: exact, case-sensitive.
    pub fn get_node_by_destination(&self, destination_hash: &str) -> Result<Option<MeshDevice>, StoreError> {
        self.one("destination_hash = ?", destination_hash)
    }

    /// `get_node_by_identity`: the first row SQLite finds.
    pub fn get_node_by_identity(&self, identity_hash: &str) -> Result<Option<MeshDevice>, StoreError> {
        self.one("identity_hash = ?", identity_hash)
    }

    /// `get_node_by_lxmf_destination`: exact.
    pub fn get_node_by_lxmf_destination(&self, lxmf: &str) -> Result<Option<MeshDevice>, StoreError> {
        self.one("lxmf_destination_hash = ?", lxmf)
    }

    /// `get_identity_for_destination` (spec §2.6).
    pub fn get_identity_for_destination(&self, hash: &str) -> Result<IdentityLookup, StoreError> {
        self.identity_lookup(HashColumn::Destination, hash)
    }

    /// `get_identity_for_lxmf_destination` (spec §2.6).
    pub fn get_identity_for_lxmf_destination(&self, hash: &str) -> Result<IdentityLookup, StoreError> {
        self.identity_lookup(HashColumn::Lxmf, hash)
    }

    /// Exact match for a full hash; for a shorter valid prefix (8+ hex), a
    /// `LIKE prefix%` match that counts only when it is unambiguous.
    fn identity_lookup(&self, column: HashColumn, hash: &str) -> Result<IdentityLookup, StoreError> {
        let name = column.name();
        if is_valid_hash(Some(hash))
            && let Some(identity) = self
                .conn
                .prepare_cached(&format!("SELECT identity_hash FROM nodes WHERE {name} = ?"))?
                .query_row([hash], |r| r.get::<_, Option<String>>(0))
                .optional()?
        {
            return Ok(identity.map_or(IdentityLookup::NotFound, IdentityLookup::Found));
        }
        if hash.chars().count() >= 32 {
            return Ok(IdentityLookup::NotFound);
        }
        if !is_valid_hash_prefix(Some(hash)) {
            return Ok(IdentityLookup::InvalidPrefix);
        }
        // one read transaction: what `is_lowercase_only` learns holds for the rows read
        let read = self.conn.unchecked_transaction()?;
        let rows: Vec<Option<String>> = if self.is_lowercase_only(column)? {
            // the rows LIKE matches are those starting with the lowercased prefix:
            // the index range [prefix, prefix with its last character plus one)
            let low = hash.to_ascii_lowercase();
            let mut high = low.clone().into_bytes();
            *high.last_mut().expect("a prefix has 8+ characters") += 1;
            let high = String::from_utf8(high).expect("hex plus one is ASCII");
            let sql = format!("SELECT identity_hash FROM nodes WHERE {name} >= ? AND {name} < ?");
            let mut stmt = self.conn.prepare_cached(&sql)?;
            stmt.query_map([low, high], |r| r.get(0))?.collect::<Result<_, _>>()?
        } else {
            let mut stmt =
                self.conn.prepare_cached(&format!("SELECT identity_hash FROM nodes WHERE {name} LIKE ?"))?;
            stmt.query_map([format!("{hash}%")], |r| r.get(0))?.collect::<Result<_, _>>()?
        };
        read.commit()?;
        Ok(match rows.as_slice() {
            [] => IdentityLookup::NotFound,
            [only] => only.clone().map_or(IdentityLookup::NotFound, IdentityLookup::Found),
            _ => IdentityLookup::Ambiguous(rows.len()),
        })
    }

    fn is_lowercase_only(&self, column: HashColumn) -> Result<bool, StoreError> {
        let cell = &self.lowercase_only[column as usize];
        let version: i64 = self.conn.prepare_cached("PRAGMA data_version")?.query_row([], |r| r.get(0))?;
        if let Some((known_at, known)) = cell.get()
            && known_at == version
        {
            return Ok(known);
        }
        let name = column.name();
        let sql = format!(
            "SELECT NOT EXISTS (SELECT 1 FROM nodes WHERE {name} IS NOT NULL \
             AND (typeof({name}) != 'text' OR {name} != lower({name})))"
        );
        let known = self.conn.query_row(&sql, [], |r| r.get(0))?;
        cell.set(Some((version, known)));
        Ok(known)
    }

    /// The rows of a list query, in styrened's order.
    pub fn nodes(&self, query: &NodeQuery) -> Result<Vec<MeshDevice>, StoreError> {
        let select = &self.select_devices;
        let (sql, arg) = match query {
            NodeQuery::All => (format!("{select} ORDER BY last_announce DESC"), None),
            NodeQuery::Styrene => {
                (format!("{select} WHERE device_type = 'styrene' ORDER BY last_announce DESC"), None)
            }
            NodeQuery::ShortName(name) => {
                (format!("{select} WHERE LOWER(short_name) = LOWER(?)"), Some(name))
            }
            NodeQuery::ShortNamePrefix(prefix) => {
                (format!("{select} WHERE LOWER(short_name) LIKE LOWER(? || '%')"), Some(prefix))
            }
        };
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = match arg {
            Some(arg) => stmt.query_map([arg], row_to_device)?.collect::<Result<_, _>>()?,
            None => stmt.query_map([], row_to_device)?.collect::<Result<_, _>>()?,
        };
        Ok(rows)
    }

    /// `get_all_nodes`: newest announce first.
    pub fn get_all_nodes(&self) -> Result<Vec<MeshDevice>, StoreError> {
        self.nodes(&NodeQuery::All)
    }

    /// `get_styrene_nodes`: `device_type = 'styrene'` (legacy `styrene_node` rows are not included).
    pub fn get_styrene_nodes(&self) -> Result<Vec<MeshDevice>, StoreError> {
        self.nodes(&NodeQuery::Styrene)
    }

    /// `get_nodes_by_short_name`: case-insensitive equality.
    pub fn get_nodes_by_short_name(&self, short_name: &str) -> Result<Vec<MeshDevice>, StoreError> {
        self.nodes(&NodeQuery::ShortName(short_name.to_owned()))
    }

    /// `get_nodes_by_short_name_prefix`: `LIKE prefix%` (`%` and `_` in the prefix are wildcards, as in styrened).
    pub fn get_nodes_by_short_name_prefix(&self, prefix: &str) -> Result<Vec<MeshDevice>, StoreError> {
        self.nodes(&NodeQuery::ShortNamePrefix(prefix.to_owned()))
    }

    /// `delete_node`: whether a row went.
    pub fn delete_node(&self, destination_hash: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .prepare_cached("DELETE FROM nodes WHERE destination_hash = ?")?
            .execute([destination_hash])?
            > 0)
    }

    /// `prune_old_nodes(max_age_seconds)` at `now`: rows with a NULL announce time stay.
    pub fn prune_old_nodes(&self, max_age_seconds: i64, now: i64) -> Result<usize, StoreError> {
        let cutoff = now - max_age_seconds;
        Ok(self.conn.prepare_cached("DELETE FROM nodes WHERE last_announce < ?")?.execute([cutoff])?)
    }

    /// `clear_all_nodes`: rows deleted.
    pub fn clear_all_nodes(&self) -> Result<usize, StoreError> {
        Ok(self.conn.execute("DELETE FROM nodes", [])?)
    }

    /// `save_path(...)`: upsert replacing every column.
    #[allow(clippy::too_many_arguments)]
    pub fn save_path(
        &self,
        destination_hash: &str,
        next_hop: Option<&str>,
        hops: i64,
        interface_type: Option<&str>,
        interface_name: Option<&str>,
        bitrate: Option<i64>,
        expires: Option<i64>,
    ) -> Result<SaveOutcome, StoreError> {
        if !is_valid_hash(Some(destination_hash)) {
            let shown = python_str_repr(destination_hash);
            return Ok(SaveOutcome::Rejected(format!("Invalid path destination_hash rejected: {shown}")));
        }
        if let Some(hop) = next_hop
            && !is_valid_hash(Some(hop))
        {
            return Ok(SaveOutcome::Rejected(format!(
                "Invalid path next_hop rejected: {}",
                python_str_repr(hop)
            )));
        }
        self.conn
            .prepare_cached(
                "INSERT INTO paths (
                    destination_hash, next_hop, hops, interface_type, interface_name, bitrate, expires, updated_at
                ) VALUES (?, ?, ?, ?, ?, ?, ?, strftime('%s', 'now'))
                ON CONFLICT(destination_hash) DO UPDATE SET
                    next_hop = excluded.next_hop,
                    hops = excluded.hops,
                    interface_type = excluded.interface_type,
                    interface_name = excluded.interface_name,
                    bitrate = excluded.bitrate,
                    expires = excluded.expires,
                    updated_at = strftime('%s', 'now')",
            )?
            .execute(params![destination_hash, next_hop, hops, interface_type, interface_name, bitrate, expires])?;
        Ok(SaveOutcome::Saved)
    }

    /// `get_all_paths`: fewest hops first.
    pub fn get_all_paths(&self) -> Result<Vec<PathEntry>, StoreError> {
        let mut stmt = self.conn.prepare_cached("SELECT * FROM paths ORDER BY hops ASC")?;
        let rows = stmt.query_map([], row_to_path)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// `get_path`.
    pub fn get_path(&self, destination_hash: &str) -> Result<Option<PathEntry>, StoreError> {
        let mut stmt = self.conn.prepare_cached("SELECT * FROM paths WHERE destination_hash = ?")?;
        Ok(stmt.query_row([destination_hash], row_to_path).optional()?)
    }

    /// `prune_expired_paths` at `now`.
    pub fn prune_expired_paths(&self, now: i64) -> Result<usize, StoreError> {
        Ok(self
            .conn
            .prepare_cached("DELETE FROM paths WHERE expires IS NOT NULL AND expires < ?")?
            .execute([now])?)
    }

    /// `clear_all_paths`: rows deleted.
    pub fn clear_all_paths(&self) -> Result<usize, StoreError> {
        Ok(self.conn.execute("DELETE FROM paths", [])?)
    }

    /// `PRAGMA integrity_check` is `ok`.
    pub fn integrity_ok(&self) -> Result<bool, StoreError> {
        let result: String = self.conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        Ok(result == "ok")
    }
}

/// An existing `nodes` or `paths` table must have the columns this store reads by name.
fn check_shape(conn: &Connection) -> Result<(), StoreError> {
    for (table, required) in [("nodes", &REQUIRED_NODE_COLUMNS), ("paths", &REQUIRED_PATH_COLUMNS)] {
        let columns = table_columns(conn, table)?;
        if columns.is_empty() {
            continue; // absent: it will be created
        }
        if let Some(missing) = required.iter().find(|c| !columns.iter().any(|have| have == *c)) {
            return Err(StoreError::ForeignSchema(format!("table {table} has no column {missing}")));
        }
    }
    Ok(())
}

/// A column read the way Python would see it, or `None` if the column is absent.
fn column<'r>(row: &'r Row<'_>, name: &str) -> Option<ValueRef<'r>> {
    row.as_ref().column_index(name).ok().and_then(|i| row.get_ref(i).ok())
}

fn text(value: Option<ValueRef<'_>>) -> Option<String> {
    match value? {
        ValueRef::Text(s) | ValueRef::Blob(s) => Some(String::from_utf8_lossy(s).into_owned()),
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(f) => Some(f.to_string()),
        ValueRef::Null => None,
    }
}

fn integer(value: Option<ValueRef<'_>>) -> Option<i64> {
    match value? {
        ValueRef::Integer(i) => Some(i),
        ValueRef::Real(f) => Some(f as i64),
        ValueRef::Text(s) => std::str::from_utf8(s).ok()?.trim().parse().ok(),
        _ => None,
    }
}

/// `_row_to_device` (spec §2.7), quirks included, from a row of `DEVICE_COLUMNS`.
fn row_to_device(row: &Row<'_>) -> rusqlite::Result<MeshDevice> {
    let at = |i: usize| row.get_ref(i).ok();
    let destination_hash = text(at(0)).unwrap_or_default();
    let device_type = match at(3) {
        Some(ValueRef::Text(b"styrene_node")) => DeviceType::StyreneNode,
        value => match text(value).as_deref() {
            None | Some("") => DeviceType::Unknown,
            Some(value) => DeviceType::from_value(value).unwrap_or(DeviceType::Unknown),
        },
    };
    let name = text(at(2))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| format!("device-{}", destination_hash.chars().take(8).collect::<String>()));
    Ok(MeshDevice {
        identity_hash: text(at(1)).unwrap_or_default(),
        name,
        device_type,
        // `row or 0` / `row or 1`: NULL and 0 read back as the default
        last_announce: integer(at(4)).unwrap_or(0),
        announce_count: integer(at(5)).filter(|&c| c != 0).unwrap_or(1),
        app_data_raw: None,
        capabilities: text(at(6))
            .filter(|c| !c.is_empty())
            .map(|c| c.split(',').map(str::to_owned).collect()),
        version: text(at(7)),
        lxmf_destination_hash: text(at(8)),
        short_name: text(at(9)),
        system_fingerprint: text(at(10)),
        nomadnet_destination_hash: text(at(11)),
        discovered_via: text(at(12)),
        hops: integer(at(13)),
        ygg_address: text(at(14)),
        b32_address: text(at(15)),
        web_url: text(at(16)),
        destination_hash,
    })
}

fn row_to_path(row: &Row<'_>) -> rusqlite::Result<PathEntry> {
    Ok(PathEntry {
        destination_hash: text(column(row, "destination_hash")).unwrap_or_default(),
        next_hop: text(column(row, "next_hop")),
        hops: integer(column(row, "hops")).unwrap_or(0),
        interface_type: text(column(row, "interface_type")),
        interface_name: text(column(row, "interface_name")),
        bitrate: integer(column(row, "bitrate")),
        expires: integer(column(row, "expires")),
        updated_at: integer(column(row, "updated_at")),
    })
}
