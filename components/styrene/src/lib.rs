//! The `styrene` component: the `styrene:core` world implemented on the plain
//! domain crates. Every function here only converts between WIT types and the
//! domain types; the logic lives (and is tested) in the domain crates.

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

    fn noop() {}

    fn echo(data: Vec<u8>) -> Vec<u8> {
        data
    }
}

export!(Component);
