//! What a call can fail with: the instance failing under it ([`HostError`]),
//! or the component refusing it with one of its interface's error codes
//! ([`ComponentError`]). Each interface module names its own
//! [`Error`] (for example [`wire::Error`](crate::wire::Error)).

use std::fmt;
use std::time::Duration;

/// How an instance failed under a call. After any of these but
/// [`StaleHandle`](Self::StaleHandle) the broken instance was dropped and a
/// fresh one serves the next call; resources made on the old one are gone.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The call needed more linear memory than [`Limits::memory_bytes`](crate::Limits::memory_bytes). The
    /// instance was replaced; the next call runs on a fresh one.
    #[error(
        "memory limit of {limit} bytes exceeded (the call asked for {requested} bytes); the instance was replaced"
    )]
    MemoryLimit {
        /// The cap, in bytes.
        limit: usize,
        /// The memory size the refused `memory.grow` asked for.
        requested: usize,
    },
    /// The call ran longer than [`Limits::call_deadline`](crate::Limits::call_deadline) and was interrupted.
    /// The instance was replaced; the next call runs on a fresh one.
    #[error("deadline of {} ms exceeded: the call was interrupted and the instance replaced", .0.as_millis())]
    Deadline(Duration),
    /// The component trapped for another reason (a bug in it). The instance
    /// was replaced; the next call runs on a fresh one.
    #[error("component trapped: {0}")]
    Trap(String),
    /// A resource (named by its WIT name, e.g. `node-store`) was used on an
    /// instance that did not make it: its own was replaced after a trap, or
    /// it belongs to another [`Styrene`](crate::Styrene). Nothing was called.
    #[error(
        "this {0} belongs to an instance that was replaced after a trap, or to another instance; make a new one"
    )]
    StaleHandle(&'static str),
}

/// A case of a WIT enum, by the name the WIT gives it.
pub trait CaseName: Copy {
    /// The WIT name, e.g. `unknown-message-type`.
    fn case_name(self) -> &'static str;
}

/// An interface's `error` record: the stable kind of a refusal and the
/// component's words for it (styrened's exact text where styrened has one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentError<C> {
    /// Which case this is.
    pub code: C,
    /// What went wrong, in words; empty where the code says it all.
    pub message: String,
}

impl<C: CaseName> fmt::Display for ComponentError<C> {
    /// `code: message`, e.g. `payload-decode: Failed to decode payload: ...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code.case_name())?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        Ok(())
    }
}

impl<C: CaseName + fmt::Debug> std::error::Error for ComponentError<C> {}

/// What a call on an interface whose error codes are `C` can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error<C: CaseName + fmt::Debug> {
    /// The component refused the input; the instance is fine.
    #[error(transparent)]
    Component(#[from] ComponentError<C>),
    /// The instance failed under the call (see [`HostError`]).
    #[error(transparent)]
    Host(#[from] HostError),
}

impl<C: CaseName + fmt::Debug> Error<C> {
    /// The component's error code, if the component refused the call.
    pub fn code(&self) -> Option<C> {
        match self {
            Self::Component(e) => Some(e.code),
            Self::Host(_) => None,
        }
    }
}

/// A call's two layers of failure as one: the instance's, then the component's.
pub(crate) fn flatten<T, E, C>(result: Result<Result<T, E>, HostError>) -> Result<T, Error<C>>
where
    E: Into<ComponentError<C>>,
    C: CaseName + fmt::Debug,
{
    result?.map_err(|e| Error::Component(e.into()))
}

/// Ties an interface's `error` record to [`ComponentError`]: [`CaseName`]
/// for its `error-code` enum, one WIT name per case (the match is exhaustive,
/// so a case added to the WIT fails the build here), and the conversion.
macro_rules! error_codes {
    ($record:ty => $code:ty { $($case:ident => $name:literal),* $(,)? }) => {
        impl $crate::error::CaseName for $code {
            fn case_name(self) -> &'static str {
                match self {
                    $(Self::$case => $name,)*
                }
            }
        }

        impl From<$record> for $crate::error::ComponentError<$code> {
            fn from(e: $record) -> Self {
                Self { code: e.code, message: e.message }
            }
        }
    };
}
pub(crate) use error_codes;
