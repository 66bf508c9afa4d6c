//! `styrene:core/rns`: Reticulum (RNS 1.5.7) packets, announces and
//! identities (the [`Identity`] resource).

use crate::bindings::exports::styrene::core::rns::{Error as WitError, Guest, GuestIdentity};
use crate::error::{error_codes, flatten};
use crate::instance::Handle;
use crate::state::State;
use crate::{HostError, Styrene};
use wasmtime::Store;
use wasmtime::component::ResourceAny;

pub use crate::bindings::exports::styrene::core::rns::{
    Announce, DestinationType, ErrorCode, Packet, PacketHeader, PacketType,
};

error_codes!(WitError => ErrorCode {
    PacketTruncated => "packet-truncated",
    EmptyData => "empty-data",
    HopLimit => "hop-limit",
    NotAnnounce => "not-announce",
    NotSingle => "not-single",
    AnnounceTruncated => "announce-truncated",
    BadKey => "bad-key",
    BadSignature => "bad-signature",
    DestinationMismatch => "destination-mismatch",
    KeyLength => "key-length",
    BadPoint => "bad-point",
    BadName => "bad-name",
    NoRandomness => "no-randomness",
});

/// What an `rns` call can fail with: a [`ComponentError`](crate::ComponentError),
/// or the instance's [`HostError`].
pub type Error = crate::Error<ErrorCode>;

/// The functions of `rns`.
pub struct Rns<'a, 'r>(&'a mut Styrene<'r>);

impl<'r> Styrene<'r> {
    /// `styrene:core/rns`.
    pub fn rns(&mut self) -> Rns<'_, 'r> {
        Rns(self)
    }
}

impl Rns<'_, '_> {
    fn call<T>(
        &mut self,
        f: impl FnOnce(&Guest, &mut Store<State>) -> wasmtime::Result<T>,
    ) -> Result<T, HostError> {
        self.0.call(|b, s| f(b.styrene_core_rns(), s))
    }

    /// `parse-packet`, as RNS's `Packet.unpack`.
    pub fn parse_packet(&mut self, raw: &[u8]) -> Result<Packet, Error> {
        flatten(self.call(|r, s| r.call_parse_packet(s, raw)))
    }

    /// `serialize-packet`: a header and data (header type follows `transport_id`).
    pub fn serialize_packet(&mut self, header: &PacketHeader, data: &[u8]) -> Result<Vec<u8>, HostError> {
        self.call(|r, s| r.call_serialize_packet(s, header, data))
    }

    /// `validate-announce`, as RNS's `Identity.validate_announce`.
    pub fn validate_announce(&mut self, raw: &[u8]) -> Result<Announce, Error> {
        flatten(self.call(|r, s| r.call_validate_announce(s, raw)))
    }

    /// `verify`: whether `signature` is the Ed25519 signature of `message` by
    /// the holder of `public_key`.
    pub fn verify(&mut self, public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<bool, Error> {
        flatten(self.call(|r, s| r.call_verify(s, public_key, message, signature)))
    }
}

/// An RNS `identity`: an X25519 and an Ed25519 key pair, kept in the
/// component unless asked for.
#[derive(Debug)]
pub struct Identity(Handle);

impl Identity {
    fn make(
        styrene: &mut Styrene<'_>,
        f: impl FnOnce(&GuestIdentity<'_>, &mut Store<State>) -> wasmtime::Result<Result<ResourceAny, WitError>>,
    ) -> Result<Self, Error> {
        let identity = flatten(styrene.call(|b, s| f(&b.styrene_core_rns().identity(), s)))?;
        Ok(Self(styrene.adopt(identity, "identity")))
    }

    fn call<T>(
        &self,
        styrene: &mut Styrene<'_>,
        f: impl FnOnce(&GuestIdentity<'_>, &mut Store<State>, ResourceAny) -> wasmtime::Result<T>,
    ) -> Result<T, HostError> {
        styrene.call_on(&self.0, |b, s, r| f(&b.styrene_core_rns().identity(), s, r))
    }

    /// The handle, to lend the identity to another resource's call.
    pub(crate) fn handle(&self) -> &Handle {
        &self.0
    }

    /// `generate`: a fresh identity from `wasi:random`.
    pub fn generate(styrene: &mut Styrene<'_>) -> Result<Self, Error> {
        Self::make(styrene, |i, s| i.call_generate(s))
    }

    /// `from-private-key`: from RNS's 64-byte private key (an identity file's contents).
    pub fn from_private_key(styrene: &mut Styrene<'_>, private_key: &[u8]) -> Result<Self, Error> {
        Self::make(styrene, |i, s| i.call_from_private_key(s, private_key))
    }

    /// Releases the identity now, reporting a failure.
    pub fn release(self, styrene: &mut Styrene<'_>) -> Result<(), HostError> {
        self.0.release(styrene)
    }

    /// `private-key`: RNS's 64-byte private key, for storing the identity.
    pub fn private_key(&self, styrene: &mut Styrene<'_>) -> Result<Vec<u8>, HostError> {
        self.call(styrene, |i, s, r| i.call_private_key(s, r))
    }

    /// `public-key`: X25519 then Ed25519 (64 bytes).
    pub fn public_key(&self, styrene: &mut Styrene<'_>) -> Result<Vec<u8>, HostError> {
        self.call(styrene, |i, s, r| i.call_public_key(s, r))
    }

    /// `hash`: the identity hash (16 bytes).
    pub fn hash(&self, styrene: &mut Styrene<'_>) -> Result<Vec<u8>, HostError> {
        self.call(styrene, |i, s, r| i.call_hash(s, r))
    }

    /// `sign`: an Ed25519 signature (64 bytes).
    pub fn sign(&self, styrene: &mut Styrene<'_>, message: &[u8]) -> Result<Vec<u8>, HostError> {
        self.call(styrene, |i, s, r| i.call_sign(s, r, message))
    }

    /// `destination-hash`: this identity's destination `app_name.aspect…` (16 bytes).
    pub fn destination_hash(
        &self,
        styrene: &mut Styrene<'_>,
        app_name: &str,
        aspects: &[String],
    ) -> Result<Vec<u8>, Error> {
        flatten(self.call(styrene, |i, s, r| i.call_destination_hash(s, r, app_name, aspects)))
    }

    /// `announce`: an announce packet for that destination, as RNS's
    /// `Destination.announce` makes it, stamped with the wall clock.
    pub fn announce(
        &self,
        styrene: &mut Styrene<'_>,
        app_name: &str,
        aspects: &[String],
        app_data: Option<&[u8]>,
    ) -> Result<Vec<u8>, Error> {
        flatten(self.call(styrene, |i, s, r| i.call_announce(s, r, app_name, aspects, app_data)))
    }
}
