//! `styrene:core/info`: what the component is.

use crate::{HostError, Styrene};

/// The calls of `info`.
pub struct Info<'a, 'r>(&'a mut Styrene<'r>);

impl<'r> Styrene<'r> {
    /// `styrene:core/info`.
    pub fn info(&mut self) -> Info<'_, 'r> {
        Info(self)
    }
}

impl Info<'_, '_> {
    /// `version`: the component's crate version, e.g. `0.1.0`.
    pub fn version(&mut self) -> Result<String, HostError> {
        self.0.call(|b, s| b.styrene_core_info().call_version(s))
    }

    /// `world-name`: the WIT world it implements.
    pub fn world_name(&mut self) -> Result<String, HostError> {
        self.0.call(|b, s| b.styrene_core_info().call_world_name(s))
    }
}
