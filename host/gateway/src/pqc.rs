//! `styrene-gateway pqc-peer`: the component's PQC session service as a peer
//! on stdin/stdout, one command per line, one answer line each (bytes in hex).
//! It is how another implementation (a Python host, a test) shakes hands with
//! the Rust host without a radio in between.
//!
//! ```text
//! initiate PEER               -> send PEER TYPE PAYLOAD
//! recv SOURCE TYPE PAYLOAD    -> send PEER TYPE PAYLOAD | ok | refused REASON
//! encrypt PEER PLAINTEXT      -> data CIPHERTEXT | error REASON
//! decrypt PEER CIPHERTEXT     -> data PLAINTEXT | error REASON
//! tier PEER                   -> tier rns-only | pqc-hybrid | pqc-degraded
//! ```

use std::io::{BufRead, Write};
use styrene_host::pqc::{Outgoing, SecurityTier, SessionService};
use styrene_host::{Runtime, Styrene};

/// Serves the line protocol until stdin closes.
pub fn serve(runtime: Result<Runtime, Box<dyn std::error::Error>>) -> Result<(), Box<dyn std::error::Error>> {
    let runtime = runtime?;
    let mut styrene = Styrene::new(&runtime)?;
    let service = SessionService::new(&mut styrene, 24)?;
    let stdout = std::io::stdout();
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        let answer = answer(&mut styrene, &service, &line).unwrap_or_else(|e| format!("error {e}"));
        let mut out = stdout.lock();
        writeln!(out, "{answer}")?;
        out.flush()?;
    }
    service.release(&mut styrene)?;
    Ok(())
}

fn send(o: Outgoing) -> String {
    format!("send {} {} {}", o.peer, o.message_type, hex::encode(o.payload))
}

fn answer(
    styrene: &mut Styrene<'_>,
    service: &SessionService,
    line: &str,
) -> Result<String, Box<dyn std::error::Error>> {
    let words: Vec<&str> = line.split_whitespace().collect();
    Ok(match words.as_slice() {
        ["initiate", peer] => send(service.initiate(styrene, peer)?),
        ["recv", source, message_type, payload] => {
            let (message_type, payload) = (message_type.parse::<u8>()?, hex::decode(payload)?);
            match service.handle(styrene, source, message_type, &payload) {
                Ok(Some(reply)) => send(reply),
                Ok(None) => "ok".to_owned(),
                Err(styrene_host::Error::Component(e)) => format!("refused {e}"),
                Err(styrene_host::Error::Host(e)) => return Err(e.into()),
            }
        }
        ["encrypt", peer, plaintext] => {
            let plaintext = hex::decode(plaintext)?;
            format!("data {}", hex::encode(service.encrypt(styrene, peer, &plaintext)?))
        }
        ["decrypt", peer, data] => {
            let data = hex::decode(data)?;
            format!("data {}", hex::encode(service.decrypt(styrene, peer, &data)?))
        }
        ["tier", peer] => {
            let tier = match service.security_tier(styrene, peer)? {
                SecurityTier::RnsOnly => "rns-only",
                SecurityTier::PqcHybrid => "pqc-hybrid",
                SecurityTier::PqcDegraded => "pqc-degraded",
            };
            format!("tier {tier}")
        }
        _ => return Err(format!("unknown command: {line}").into()),
    })
}
