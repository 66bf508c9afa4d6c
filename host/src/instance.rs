//! One sandboxed instance of the component: how a call runs (under the
//! deadline, with a trap replacing the instance), and the handles of the
//! resources the component hands out.

use crate::bindings::Styrene as Bindings;
use crate::error::HostError;
use crate::runtime::Runtime;
use crate::state::State;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use wasmtime::component::ResourceAny;
use wasmtime::{Store, Trap};

/// One instance of `styrene.wasm`. Not shared between threads: give each
/// thread its own (instantiation takes microseconds).
///
/// Each interface is reached through its own view ([`wire`](Self::wire),
/// [`nodes`](Self::nodes), ...); resources are typed handles
/// ([`NodeStore`](crate::nodes::NodeStore), ...) whose methods take the
/// instance that made them.
pub struct Styrene<'r> {
    runtime: &'r Runtime,
    /// The directory granted to the component (its node store lives there).
    dir: Option<PathBuf>,
    store: Store<State>,
    bindings: Bindings,
    /// Which instance this is, so that a handle from another one is refused.
    id: u64,
    /// Handles dropped since the last call, to release before the next one.
    dropped: Arc<Dropped>,
    /// Number of times the instance was replaced after a trap.
    pub recoveries: u64,
}

impl<'r> Styrene<'r> {
    /// A new instance with its own store and no filesystem.
    pub fn new(runtime: &'r Runtime) -> wasmtime::Result<Self> {
        Self::instantiate(runtime, None)
    }

    /// A new instance granted `dir` (read-write, as its `.`) and nothing else:
    /// where its node store lives.
    pub fn with_dir(runtime: &'r Runtime, dir: &Path) -> wasmtime::Result<Self> {
        Self::instantiate(runtime, Some(dir.to_path_buf()))
    }

    fn instantiate(runtime: &'r Runtime, dir: Option<PathBuf>) -> wasmtime::Result<Self> {
        let (store, bindings) = fresh(runtime, dir.as_deref())?;
        Ok(Self { runtime, dir, store, bindings, id: next_id(), dropped: Arc::default(), recoveries: 0 })
    }

    /// How many epoch ticks a call on this instance may run: the runtime's
    /// deadline, and for an instance with a directory also the time its node
    /// store may wait for another program's lock.
    pub fn deadline_ticks(&self) -> u64 {
        self.runtime.limits.deadline_ticks_with(self.dir.as_deref())
    }

    /// Runs one export call under the deadline; a trap replaces the instance.
    /// Resources whose handles were dropped are released first.
    pub(crate) fn call<T>(
        &mut self,
        f: impl FnOnce(&Bindings, &mut Store<State>) -> wasmtime::Result<T>,
    ) -> Result<T, HostError> {
        self.release_dropped()?;
        self.invoke(f)
    }

    /// [`call`](Self::call) on a resource this instance made.
    pub(crate) fn call_on<T>(
        &mut self,
        handle: &Handle,
        f: impl FnOnce(&Bindings, &mut Store<State>, ResourceAny) -> wasmtime::Result<T>,
    ) -> Result<T, HostError> {
        self.release_dropped()?;
        if handle.instance != self.id {
            return Err(HostError::StaleHandle(handle.name));
        }
        let resource = handle.resource;
        self.invoke(|b, s| f(b, s, resource))
    }

    /// The resource behind a handle, to pass to another call (a borrow).
    pub(crate) fn resource_of(&self, handle: &Handle) -> Result<ResourceAny, HostError> {
        if handle.instance != self.id {
            return Err(HostError::StaleHandle(handle.name));
        }
        Ok(handle.resource)
    }

    /// A typed handle for a resource the last call returned.
    pub(crate) fn adopt(&self, resource: ResourceAny, name: &'static str) -> Handle {
        Handle { resource, name, instance: self.id, dropped: self.dropped.clone() }
    }

    /// Releases the resources whose handles were dropped (their destructors
    /// run in the component, under the deadline like any call).
    pub(crate) fn release_dropped(&mut self) -> Result<(), HostError> {
        // a load first: most calls find nothing to release and write nothing
        if !self.dropped.pending.load(Ordering::Acquire)
            || !self.dropped.pending.swap(false, Ordering::Acquire)
        {
            return Ok(());
        }
        let handles =
            std::mem::take(&mut *self.dropped.handles.lock().unwrap_or_else(PoisonError::into_inner));
        // those of an instance that was replaced died with it
        for (instance, resource) in handles {
            if instance == self.id {
                self.invoke(|_, s| resource.resource_drop(s))?;
            }
        }
        Ok(())
    }

    fn invoke<T>(
        &mut self,
        f: impl FnOnce(&Bindings, &mut Store<State>) -> wasmtime::Result<T>,
    ) -> Result<T, HostError> {
        self.store.set_epoch_deadline(self.deadline_ticks());
        match f(&self.bindings, &mut self.store) {
            Ok(value) => Ok(value),
            Err(trap) => {
                let limits = self.runtime.limits;
                let error = if let Some(requested) = self.store.data().refused_growth() {
                    HostError::MemoryLimit { limit: limits.memory_bytes, requested }
                } else if trap.downcast_ref::<Trap>() == Some(&Trap::Interrupt) {
                    // epoch interruption is the only source of `Interrupt` here
                    HostError::Deadline(limits.call_deadline)
                } else {
                    HostError::Trap(format!("{trap:#}"))
                };
                let (store, bindings) = fresh(self.runtime, self.dir.as_deref())
                    .map_err(|e| HostError::Trap(format!("{error}; re-instantiation failed: {e:#}")))?;
                self.store = store;
                self.bindings = bindings;
                self.id = next_id();
                self.recoveries += 1;
                Err(error)
            }
        }
    }
}

/// A resource the component handed out, tied to the instance that made it.
/// Dropping it releases the resource before that instance's next call.
#[derive(Debug)]
pub(crate) struct Handle {
    resource: ResourceAny,
    /// The resource's WIT name, for errors.
    name: &'static str,
    instance: u64,
    dropped: Arc<Dropped>,
}

impl Handle {
    /// Releases the resource now, reporting a failure of its destructor.
    pub(crate) fn release(self, styrene: &mut Styrene<'_>) -> Result<(), HostError> {
        drop(self);
        styrene.release_dropped()
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        let mut handles = self.dropped.handles.lock().unwrap_or_else(PoisonError::into_inner);
        handles.push((self.instance, self.resource));
        self.dropped.pending.store(true, Ordering::Release);
    }
}

/// The handles dropped since an instance's last call, by the instance that
/// made them.
#[derive(Debug, Default)]
struct Dropped {
    pending: AtomicBool,
    handles: Mutex<Vec<(u64, ResourceAny)>>,
}

/// A number no other instance in this process had.
fn next_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

fn fresh(runtime: &Runtime, dir: Option<&Path>) -> wasmtime::Result<(Store<State>, Bindings)> {
    let mut store = State::store(runtime.engine(), runtime.limits, dir)?;
    let bindings = runtime.pre.instantiate(&mut store)?;
    Ok((store, bindings))
}

#[cfg(test)]
mod tests;
