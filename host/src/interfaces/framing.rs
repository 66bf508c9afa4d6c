//! `styrene:core/framing`: how RNS puts packets on a byte stream (the
//! [`Deframer`] resource) and the access codes of its interfaces (the
//! [`Ifac`] resource).

use crate::bindings::exports::styrene::core::framing::{Error as WitError, Guest, GuestDeframer, GuestIfac};
use crate::error::{error_codes, flatten};
use crate::instance::Handle;
use crate::state::State;
use crate::{HostError, Styrene};
use wasmtime::Store;
use wasmtime::component::ResourceAny;

pub use crate::bindings::exports::styrene::core::framing::{Deframed, ErrorCode, FramingKind};

error_codes!(WitError => ErrorCode {
    NoSecret => "no-secret",
    BadSize => "bad-size",
    MissingFlag => "missing-flag",
    UnexpectedFlag => "unexpected-flag",
    TooShort => "too-short",
    Invalid => "invalid",
});

/// What a `framing` call can fail with: a [`ComponentError`](crate::ComponentError), or the instance's [`HostError`].
pub type Error = crate::Error<ErrorCode>;

/// The functions of `framing`.
pub struct Framing<'a, 'r>(&'a mut Styrene<'r>);

impl<'r> Styrene<'r> {
    /// `styrene:core/framing`.
    pub fn framing(&mut self) -> Framing<'_, 'r> {
        Framing(self)
    }
}

impl Framing<'_, '_> {
    fn call<T>(
        &mut self,
        f: impl FnOnce(&Guest, &mut Store<State>) -> wasmtime::Result<T>,
    ) -> Result<T, HostError> {
        self.0.call(|b, s| f(b.styrene_core_framing(), s))
    }

    /// `frame`: `packet` framed for the wire.
    pub fn frame(&mut self, kind: FramingKind, packet: &[u8]) -> Result<Vec<u8>, HostError> {
        self.call(|f, s| f.call_frame(s, kind, packet))
    }
}

/// A `deframer`: feed it bytes as they are read, get whole frames.
#[derive(Debug)]
pub struct Deframer(Handle);

impl Deframer {
    fn call<T>(
        &self,
        styrene: &mut Styrene<'_>,
        f: impl FnOnce(&GuestDeframer<'_>, &mut Store<State>, ResourceAny) -> wasmtime::Result<T>,
    ) -> Result<T, HostError> {
        styrene.call_on(&self.0, |b, s, r| f(&b.styrene_core_framing().deframer(), s, r))
    }

    /// A deframer for an interface with this hardware MTU and access-code
    /// size in bytes (0 without one).
    pub fn new(
        styrene: &mut Styrene<'_>,
        kind: FramingKind,
        hw_mtu: u32,
        ifac_size: u32,
    ) -> Result<Self, HostError> {
        let deframer = styrene
            .call(|b, s| b.styrene_core_framing().deframer().call_constructor(s, kind, hw_mtu, ifac_size))?;
        Ok(Self(styrene.adopt(deframer, "deframer")))
    }

    /// Releases the deframer now, reporting a failure.
    pub fn release(self, styrene: &mut Styrene<'_>) -> Result<(), HostError> {
        self.0.release(styrene)
    }

    /// `push`: feeds bytes; returns what they completed, in order.
    pub fn push(&self, styrene: &mut Styrene<'_>, data: &[u8]) -> Result<Vec<Deframed>, HostError> {
        self.call(styrene, |d, s, r| d.call_push(s, r, data))
    }

    /// `reset`: forgets a partial frame.
    pub fn reset(&self, styrene: &mut Styrene<'_>) -> Result<(), HostError> {
        self.call(styrene, |d, s, r| d.call_reset(s, r))
    }

    /// `buffered`: bytes held back for an unfinished frame.
    pub fn buffered(&self, styrene: &mut Styrene<'_>) -> Result<u32, HostError> {
        self.call(styrene, |d, s, r| d.call_buffered(s, r))
    }
}

/// An `ifac`: the access code of one interface.
#[derive(Debug)]
pub struct Ifac(Handle);

impl Ifac {
    fn call<T>(
        &self,
        styrene: &mut Styrene<'_>,
        f: impl FnOnce(&GuestIfac<'_>, &mut Store<State>, ResourceAny) -> wasmtime::Result<T>,
    ) -> Result<T, HostError> {
        styrene.call_on(&self.0, |b, s, r| f(&b.styrene_core_framing().ifac(), s, r))
    }

    /// `create`: derives the key as RNS does from the network name and
    /// passphrase (either may be absent, not both), with `size` bytes of code per packet.
    pub fn create(
        styrene: &mut Styrene<'_>,
        network_name: Option<&str>,
        passphrase: Option<&str>,
        size: u32,
    ) -> Result<Self, Error> {
        let ifac =
            flatten(styrene.call(|b, s| {
                b.styrene_core_framing().ifac().call_create(s, network_name, passphrase, size)
            }))?;
        Ok(Self(styrene.adopt(ifac, "ifac")))
    }

    /// Releases the access code now, reporting a failure.
    pub fn release(self, styrene: &mut Styrene<'_>) -> Result<(), HostError> {
        self.0.release(styrene)
    }

    /// `key`: the derived 64-byte key.
    pub fn key(&self, styrene: &mut Styrene<'_>) -> Result<Vec<u8>, HostError> {
        self.call(styrene, |i, s, r| i.call_key(s, r))
    }

    /// `size`: bytes of code per packet.
    pub fn size(&self, styrene: &mut Styrene<'_>) -> Result<u32, HostError> {
        self.call(styrene, |i, s, r| i.call_size(s, r))
    }

    /// `wrap`: the frame RNS sends for `packet` on this interface.
    pub fn wrap(&self, styrene: &mut Styrene<'_>, packet: &[u8]) -> Result<Vec<u8>, HostError> {
        self.call(styrene, |i, s, r| i.call_wrap(s, r, packet))
    }

    /// `unwrap`: the packet inside `frame`, if its code is valid.
    pub fn unwrap(&self, styrene: &mut Styrene<'_>, frame: &[u8]) -> Result<Vec<u8>, Error> {
        flatten(self.call(styrene, |i, s, r| i.call_unwrap(s, r, frame)))
    }
}
