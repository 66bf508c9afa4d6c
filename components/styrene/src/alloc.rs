//! The system allocator, saying so on stderr when an allocation is refused.
//!
//! A host caps the component's memory by refusing `memory.grow`. The Rust host
//! turns that refusal into its own error, but wasmtime's C API (the Python host)
//! and browsers only make `memory.grow` return -1: the guest then aborts with a
//! bare `unreachable` trap (wit-bindgen's `cabi_realloc` aborts without a word).
//! The line is how such a host tells "out of memory" from any other trap. While
//! the host is copying arguments in (inside `cabi_realloc`) a component may not
//! call out, so there the write itself traps ("cannot leave component
//! instance"), which the Python host reads the same way: this is the only
//! place the component calls out from an allocation.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;

/// What the line starts with; hosts look for it (python-host's `_loader.py`).
pub const MARKER: &[u8] = b"styrene.wasm: memory allocation of ";

struct Reporting;

#[global_allocator]
static ALLOCATOR: Reporting = Reporting;

// SAFETY: every method forwards to `System` with the caller's arguments unchanged.
unsafe impl GlobalAlloc for Reporting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if ptr.is_null() {
            report(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if ptr.is_null() {
            report(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if new.is_null() {
            report(new_size);
        }
        new
    }
}

/// One line on stderr, built without allocating (the heap is what just failed).
fn report(size: usize) {
    let mut line = [0u8; 96];
    let mut at = 0;
    let mut put = |bytes: &[u8]| {
        line[at..at + bytes.len()].copy_from_slice(bytes);
        at += bytes.len();
    };
    put(MARKER);
    let mut digits = [0u8; 20];
    let mut n = size;
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    put(&digits[i..]);
    put(b" bytes failed: the host's memory limit\n");
    // best effort: with no stderr granted the line goes nowhere
    let _ = std::io::stderr().write_all(&line[..at]);
}
