//! Per-port outgoing queues with bounded memory: when a slow link falls
//! behind, the oldest frames are dropped (and counted), never the process.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// A port's queue of frames waiting to be written.
pub struct Outbox {
    queue: Mutex<Queue>,
    ready: Condvar,
    capacity: usize,
    /// Frames dropped because the queue was full.
    pub dropped: AtomicU64,
    /// Frames written.
    pub sent_frames: AtomicU64,
    /// Bytes written.
    pub sent_bytes: AtomicU64,
}

struct Queue {
    frames: VecDeque<Vec<u8>>,
    bytes: usize,
    closed: bool,
}

impl Outbox {
    /// A queue holding at most `capacity` bytes.
    pub fn new(capacity: usize) -> Self {
        Outbox {
            queue: Mutex::new(Queue { frames: VecDeque::new(), bytes: 0, closed: false }),
            ready: Condvar::new(),
            capacity,
            dropped: AtomicU64::new(0),
            sent_frames: AtomicU64::new(0),
            sent_bytes: AtomicU64::new(0),
        }
    }

    /// Queues frames in order, dropping the oldest ones while a frame does
    /// not fit, under one lock, and wakes the writer once (a wake per frame
    /// costs a system call per frame under load).
    pub fn push_all(&self, frames: impl IntoIterator<Item = Vec<u8>>) {
        let mut q = self.queue.lock().expect("outbox lock");
        if q.closed {
            return;
        }
        for frame in frames {
            if frame.len() > self.capacity {
                self.dropped.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            while q.bytes + frame.len() > self.capacity {
                let Some(old) = q.frames.pop_front() else { break };
                q.bytes -= old.len();
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
            q.bytes += frame.len();
            q.frames.push_back(frame);
        }
        drop(q);
        self.ready.notify_one();
    }

    /// Waits up to `timeout` for frames and takes all of them; `None` once closed.
    pub fn take(&self, timeout: Duration) -> Option<Vec<Vec<u8>>> {
        let q = self.queue.lock().expect("outbox lock");
        let (mut q, _) = self
            .ready
            .wait_timeout_while(q, timeout, |q| q.frames.is_empty() && !q.closed)
            .expect("outbox lock");
        if q.closed {
            return None;
        }
        q.bytes = 0;
        Some(q.frames.drain(..).collect())
    }

    /// Counts frames as written.
    pub fn sent(&self, frames: usize, bytes: usize) {
        self.sent_frames.fetch_add(frames as u64, Ordering::Relaxed);
        self.sent_bytes.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    /// Bytes waiting.
    pub fn queued_bytes(&self) -> usize {
        self.queue.lock().expect("outbox lock").bytes
    }

    /// Stops the writer; later pushes are discarded.
    pub fn close(&self) {
        let mut q = self.queue.lock().expect("outbox lock");
        q.closed = true;
        q.frames.clear();
        q.bytes = 0;
        drop(q);
        self.ready.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oldest_frames_go_first_and_are_counted() {
        let outbox = Outbox::new(10);
        for n in 0..5u8 {
            outbox.push_all([vec![n; 4]]);
        }
        assert_eq!(outbox.dropped.load(Ordering::Relaxed), 3);
        assert_eq!(outbox.take(Duration::ZERO).unwrap(), vec![vec![3; 4], vec![4; 4]]);
        outbox.push_all([vec![0; 11]]);
        assert_eq!(outbox.dropped.load(Ordering::Relaxed), 4, "a frame larger than the queue is dropped");
        outbox.close();
        assert_eq!(outbox.take(Duration::from_secs(1)), None);
    }
}
