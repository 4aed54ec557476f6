//! The queue in front of a driver's callback thread.
//!
//! Many senders (libmesos' threads, the driver handles) and one receiver (the callback
//! thread), unbounded, first in first out. It is shaped for bursts of callbacks (an offer
//! storm, thousands of reconciliation answers):
//!
//! * a sender takes an uncontended lock, appends, and makes a system call only when the
//!   receiver is actually asleep;
//! * the receiver takes everything queued in one step and works through it without the lock;
//! * before sleeping, the receiver polls for a short while, yielding the processor, so that
//!   an event that follows a few microseconds after the previous one does not cost a sleep
//!   and a wake-up on both threads.
//!
//! The channel closes for the receiver once every sender is gone and the queue is empty; a
//! send fails once the receiver is gone.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// How long the receiver keeps polling an empty queue before it sleeps.
const POLL_BEFORE_SLEEP: Duration = Duration::from_micros(50);

/// Polls that only spin (no system call) before the receiver starts yielding.
const SPINS: u32 = 64;

struct State<T> {
    items: VecDeque<T>,
    senders: usize,
    receiver: bool,
    /// The receiver waits on `ready` (set by it, cleared by the sender that wakes it).
    sleeping: bool,
}

struct Shared<T> {
    state: Mutex<State<T>>,
    ready: Condvar,
    /// `state.items.len()`, readable without the lock while the receiver polls.
    len: AtomicUsize,
}

impl<T> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // Nothing runs user code under this lock; a poisoned lock still holds a valid queue.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Creates a queue: its first sender and its receiver.
pub(crate) fn queue<T>() -> (Tx<T>, Rx<T>) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            items: VecDeque::new(),
            senders: 1,
            receiver: true,
            sleeping: false,
        }),
        ready: Condvar::new(),
        len: AtomicUsize::new(0),
    });
    (Tx(shared.clone()), Rx(shared))
}

/// A sending end; cloning it adds a sender.
pub(crate) struct Tx<T>(Arc<Shared<T>>);

impl<T> Tx<T> {
    /// Appends `item`; gives it back when the receiver is gone.
    pub(crate) fn send(&self, item: T) -> Result<(), T> {
        let wake = {
            let mut state = self.0.lock();
            if !state.receiver {
                return Err(item);
            }
            state.items.push_back(item);
            self.0.len.store(state.items.len(), Ordering::Release);
            std::mem::replace(&mut state.sleeping, false)
        };
        if wake {
            self.0.ready.notify_one();
        }
        Ok(())
    }
}

impl<T> Clone for Tx<T> {
    fn clone(&self) -> Self {
        self.0.lock().senders += 1;
        Tx(self.0.clone())
    }
}

impl<T> Drop for Tx<T> {
    fn drop(&mut self) {
        let wake = {
            let mut state = self.0.lock();
            state.senders -= 1;
            state.senders == 0 && std::mem::replace(&mut state.sleeping, false)
        };
        if wake {
            self.0.ready.notify_one();
        }
    }
}

/// The receiving end.
pub(crate) struct Rx<T>(Arc<Shared<T>>);

impl<T> Rx<T> {
    /// Moves everything queued into `batch` (which must be empty), waiting for at least one
    /// item. `false` once the queue is empty and every sender is gone.
    pub(crate) fn recv_batch(&self, batch: &mut VecDeque<T>) -> bool {
        debug_assert!(batch.is_empty());
        self.poll_briefly();
        let mut state = self.0.lock();
        loop {
            if !state.items.is_empty() {
                // The queue keeps the (empty) buffer of the previous batch, so neither side
                // allocates once both have grown to the burst size.
                std::mem::swap(&mut state.items, batch);
                self.0.len.store(0, Ordering::Release);
                return true;
            }
            if state.senders == 0 {
                return false;
            }
            state.sleeping = true;
            state = self
                .0
                .ready
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Returns as soon as something is queued, or after [`POLL_BEFORE_SLEEP`].
    fn poll_briefly(&self) {
        let mut started: Option<Instant> = None;
        for i in 0.. {
            if self.0.len.load(Ordering::Acquire) > 0 {
                return;
            }
            if i < SPINS {
                std::hint::spin_loop();
                continue;
            }
            let start = *started.get_or_insert_with(Instant::now);
            if start.elapsed() >= POLL_BEFORE_SLEEP {
                return;
            }
            std::thread::yield_now();
        }
    }
}

impl<T> Drop for Rx<T> {
    fn drop(&mut self) {
        let items = {
            let mut state = self.0.lock();
            state.receiver = false;
            self.0.len.store(0, Ordering::Release);
            std::mem::take(&mut state.items)
        };
        // Dropped outside the lock: an item's destructor may send on this queue.
        drop(items);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_arrive_in_order_from_many_senders_and_the_end_is_seen() {
        let (tx, rx) = queue::<(usize, u32)>();
        let senders: Vec<_> = (0..4)
            .map(|s| {
                let tx = tx.clone();
                std::thread::spawn(move || {
                    for i in 0..10_000 {
                        tx.send((s, i)).unwrap();
                    }
                })
            })
            .collect();
        drop(tx);
        let mut next = [0u32; 4];
        let mut batch = VecDeque::new();
        let mut batches = 0;
        while rx.recv_batch(&mut batch) {
            batches += 1;
            for (s, i) in batch.drain(..) {
                assert_eq!(i, next[s], "sender {s} out of order");
                next[s] += 1;
            }
        }
        for s in senders {
            s.join().unwrap();
        }
        assert_eq!(next, [10_000; 4]);
        assert!(batches >= 1);
    }

    #[test]
    fn a_sleeping_receiver_is_woken_by_a_send_and_by_the_last_sender_leaving() {
        let (tx, rx) = queue::<u8>();
        let receiver = std::thread::spawn(move || {
            let mut got = Vec::new();
            let mut batch = VecDeque::new();
            while rx.recv_batch(&mut batch) {
                got.extend(batch.drain(..));
            }
            got
        });
        // Long enough for the receiver to stop polling and sleep.
        std::thread::sleep(Duration::from_millis(20));
        tx.send(1).unwrap();
        std::thread::sleep(Duration::from_millis(20));
        tx.send(2).unwrap();
        std::thread::sleep(Duration::from_millis(20));
        drop(tx);
        assert_eq!(receiver.join().unwrap(), vec![1, 2]);
    }

    #[test]
    fn sending_after_the_receiver_is_gone_gives_the_item_back() {
        let (tx, rx) = queue::<String>();
        tx.send("queued".into()).unwrap();
        drop(rx);
        assert_eq!(tx.send("late".into()), Err("late".to_string()));
    }
}
