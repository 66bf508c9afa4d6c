//! `styrene-gateway nodes ...`: styrened's node store, through the component.

use std::path::PathBuf;
use styrene_host::nodes::{DeviceType, MeshDevice, NodeStore};
use styrene_host::{Runtime, Styrene};

/// The file styrened keeps in its data directory.
const DB_FILE: &str = "nodes.db";
/// styrened's default for `prune_old_nodes`.
const DEFAULT_MAX_AGE: i64 = 30 * 86400;

/// A parsed `nodes` command.
pub enum Command {
    List { db: PathBuf },
    Show { db: PathBuf, hash: String },
    Prune { db: PathBuf, max_age: i64 },
}

/// `nodes list|show|prune` with `--db DIR` (and `--max-age SECS` for prune).
pub fn parse(args: &[String]) -> Option<Command> {
    let mut db = None;
    let mut max_age = DEFAULT_MAX_AGE;
    let mut positional = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--db" => db = Some(PathBuf::from(it.next()?)),
            "--max-age" => max_age = it.next()?.parse().ok()?,
            _ => positional.push(arg.as_str()),
        }
    }
    let db = db?;
    match positional.as_slice() {
        ["list"] => Some(Command::List { db }),
        ["show", hash] => Some(Command::Show { db, hash: (*hash).to_owned() }),
        ["prune"] => Some(Command::Prune { db, max_age }),
        _ => None,
    }
}

/// Runs a command on DIR/nodes.db, granting the component that directory only.
pub fn run(
    runtime: Result<Runtime, Box<dyn std::error::Error>>,
    command: Command,
) -> Result<(), Box<dyn std::error::Error>> {
    let runtime = runtime?;
    let db = match &command {
        Command::List { db } | Command::Show { db, .. } | Command::Prune { db, .. } => db.clone(),
    };
    if !db.is_dir() {
        return Err(format!("{} is not a directory", db.display()).into());
    }
    // the file is shared as SQLite shares it: a running gateway or styrened may
    // hold it for a moment, and the store waits for them as their SQLite would
    let mut styrene = Styrene::with_dir(&runtime, &db)?;
    let store = NodeStore::open(&mut styrene, DB_FILE)?;
    let result = execute(&mut styrene, &store, &command);
    store.release(&mut styrene)?;
    result
}

fn execute(
    styrene: &mut Styrene<'_>,
    store: &NodeStore,
    command: &Command,
) -> Result<(), Box<dyn std::error::Error>> {
    // styrened's value for each device type, from the component's own table
    let types = styrene.nodes().device_types()?;
    let type_value =
        |t: DeviceType| types.iter().find(|i| i.device_type == t).map_or("?", |i| i.value.as_str());
    match command {
        Command::List { .. } => {
            let nodes = store.get_all_nodes(styrene)?;
            println!(
                "{:32}  {:16}  {:24}  {:>12}  {:>5}",
                "destination", "type", "name", "last announce", "seen"
            );
            for node in &nodes {
                println!(
                    "{:32}  {:16}  {:24}  {:>12}  {:>5}",
                    node.destination_hash,
                    type_value(node.device_type),
                    node.name.chars().take(24).collect::<String>(),
                    node.last_announce,
                    node.announce_count
                );
            }
            println!("{} nodes", nodes.len());
        }
        Command::Show { hash, .. } => {
            let found = store.get_node_by_destination(styrene, hash)?;
            let node = found.ok_or_else(|| format!("no node {hash}"))?;
            print_node(&node, type_value(node.device_type));
        }
        Command::Prune { max_age, .. } => {
            let pruned = store.prune_old_nodes(styrene, *max_age)?;
            println!("pruned {pruned} nodes not heard for {max_age} s");
        }
    }
    Ok(())
}

fn print_node(d: &MeshDevice, device_type: &str) {
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    println!("destination_hash:          {}", d.destination_hash);
    println!("identity_hash:             {}", d.identity_hash);
    println!("name:                      {}", d.name);
    println!("device_type:               {device_type}");
    println!("last_announce:             {}", d.last_announce);
    println!("announce_count:            {}", d.announce_count);
    println!("capabilities:              {}", d.capabilities.as_ref().map_or("-".into(), |c| c.join(",")));
    println!("version:                   {}", opt(&d.version));
    println!("lxmf_destination_hash:     {}", opt(&d.lxmf_destination_hash));
    println!("short_name:                {}", opt(&d.short_name));
    println!("system_fingerprint:        {}", opt(&d.system_fingerprint));
    println!("nomadnet_destination_hash: {}", opt(&d.nomadnet_destination_hash));
    println!("discovered_via:            {}", opt(&d.discovered_via));
    println!("hops:                      {}", d.hops.map_or("-".into(), |h| h.to_string()));
    println!("ygg_address:               {}", opt(&d.ygg_address));
    println!("b32_address:               {}", opt(&d.b32_address));
    println!("web_url:                   {}", opt(&d.web_url));
}
