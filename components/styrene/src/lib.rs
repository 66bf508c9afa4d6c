//! The `styrene` component: the `styrene:core` world implemented on the plain
//! domain crates. Every function here only converts between WIT types and the
//! domain types; the logic lives (and is tested) in the domain crates.

mod alloc;
mod attachments;
mod file_locks;
mod framing;
mod gateway;
mod messages;
mod nodes;
mod pqc;
mod rns;
mod shortcuts;
mod transport;
mod wire;

wit_bindgen::generate!({
    world: "styrene",
    path: "../../wit",
});

/// The world the component implements, as hosts report it.
pub const WORLD: &str = "styrene:core/styrene@0.1.0";

struct Component;

impl exports::styrene::core::info::Guest for Component {
    fn version() -> String {
        env!("CARGO_PKG_VERSION").to_string()
    }

    fn world_name() -> String {
        WORLD.to_string()
    }
}

export!(Component);

/// The component's own tests: they run inside wasmtime
/// (`cargo test --target wasm32-wasip2 -p styrene`) and check the exported
/// functions, compiled to wasm, against the golden vectors.
#[cfg(test)]
mod tests {
    use crate::Component;
    use crate::exports::styrene::core::info::Guest as Info;
    use crate::exports::styrene::core::shortcuts::Guest as Shortcuts;
    use crate::exports::styrene::core::wire::{ErrorCode, Guest as Wire, ValueNode};
    use styrene_vectors::{runs, section, to_hex};

    #[test]
    fn runs_inside_wasm() {
        const { assert!(cfg!(target_family = "wasm"), "run with --target wasm32-wasip2") };
        assert_eq!(Component::world_name(), "styrene:core/styrene@0.1.0");
        assert_eq!(<Component as Shortcuts>::echo(vec![1, 2, 3]), vec![1, 2, 3]);
    }

    #[test]
    fn envelope_vectors() {
        for case in section("envelope_decode") {
            let data = runs(&case["input"]);
            match Component::decode_envelope(data.clone()) {
                Ok(env) => {
                    assert_eq!(env.payload.len() as u64, case["ok"]["payload_length"].as_u64().unwrap());
                    assert_eq!(Component::encode_envelope(env), data);
                }
                Err(e) => assert_eq!(e.message, case["error"]["message"].as_str().unwrap()),
            }
        }
    }

    #[test]
    fn payload_vectors() {
        for case in section("payload_decode") {
            match Component::decode_payload(runs(&case["input"])) {
                Ok(nodes) => {
                    let bytes = Component::encode_payload(nodes).expect("a decoded value re-encodes");
                    let again = Component::decode_payload(bytes).expect("and decodes again");
                    assert_eq!(again.len(), case["ok"].as_array().unwrap().len(), "{}", case["name"]);
                }
                Err(e) => {
                    assert_eq!(e.code, ErrorCode::PayloadDecode);
                    assert_eq!(e.message, case["error"]["message"].as_str().unwrap(), "{}", case["name"]);
                }
            }
        }
    }

    #[test]
    fn create_vectors_with_fixed_ids() {
        let rid = Some((0..16).collect::<Vec<u8>>());
        let cases = [
            ("create_chat", Component::create_chat("hi".into(), rid.clone())),
            ("create_pong", Component::create_pong(None)),
            ("create_error", Component::create_error(1, "bad".into(), rid.clone())),
            ("create_exec", Component::create_exec("uptime".into(), vec!["-p".into()], rid.clone())),
        ];
        for (function, made) in cases {
            let env = made.unwrap();
            let encoded = to_hex(&Component::encode_envelope(env));
            let found = section("create")
                .iter()
                .any(|c| c["function"] == function && c["encoded"] == encoded.as_str());
            assert!(found, "{function} {encoded} matches a golden vector");
        }
    }

    #[test]
    fn marshal_shortcuts_agree_with_the_typed_functions() {
        for case in section("marshal") {
            let dumped = runs(&case["marshal"]);
            let packed = Component::encode_payload_marshal(dumped.clone());
            // bytes are declined: marshal writes every buffer object as bytes
            let holds_bytes = styrene_wire::marshal::from_marshal(&dumped)
                .is_ok_and(|nodes| nodes.iter().any(|n| matches!(n, styrene_wire::Node::Bin(_))));
            match (packed, case.get("msgpack")) {
                (Some(got), Some(want)) => assert_eq!(got, runs(want), "{}", case["name"]),
                (None, want) => assert!(want.is_none() || holds_bytes, "{}", case["name"]),
                (Some(_), None) => panic!("{} packed a value styrened refuses", case["name"]),
            }
        }
        for case in section("payload_decode") {
            let data = runs(&case["input"]);
            match (Component::decode_payload_marshal(data.clone()), Component::decode_payload(data)) {
                (Ok(marshal), Ok(nodes)) => {
                    let plain =
                        !nodes.iter().any(|n| matches!(n, ValueNode::Ext(_) | ValueNode::Timestamp(_)));
                    assert_eq!(marshal.is_some(), plain, "{}", case["name"]);
                }
                (Err(a), Err(b)) => assert_eq!((a.code, a.message), (b.code, b.message)),
                _ => panic!("{}: the two decoders disagree", case["name"]),
            }
        }
    }

    #[test]
    fn random_request_ids_come_from_wasi_random() {
        let a = Component::generate_request_id();
        assert_eq!(a.len(), 16);
        assert_ne!(a, Component::generate_request_id());
    }
}
