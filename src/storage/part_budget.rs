//! Part buffers: a node-wide budget of `max_part_buffers` buffers of one part each, and a
//! pool that hands the same buffers out again. A fresh 8 MiB buffer is a fresh mapping
//! (main sets glibc's mmap threshold so freed parts go back to the system), and faulting
//! in and zeroing its pages cost about 0.8 CPU-seconds per GiB received; a pooled buffer
//! costs nothing. A buffer goes back to the pool before its permit is released, and one
//! is allocated only when the pool is empty, so buffers in use plus pooled never exceed
//! the budget: memory stays bounded by part size × budget. Buffers unused for a while are
//! freed by [`PartBudget::trim_idle`].

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

type Idle = Arc<Mutex<Vec<(Vec<u8>, Instant)>>>;

/// Part buffers in flight on this node.
#[derive(Clone)]
pub struct PartBudget {
    permits: Arc<Semaphore>,
    part_size: usize,
    idle: Idle,
}

/// A part buffer and the permit that pays for it (`None` only if the semaphore were
/// closed, which nothing does). Dropped, it goes back to the pool.
pub struct PartBuffer {
    pub data: Vec<u8>,
    /// Held, never read: the slot is taken for as long as the buffer is out of the pool.
    _permit: Option<OwnedSemaphorePermit>,
    idle: Idle,
}

impl PartBudget {
    pub fn new(buffers: usize, part_size: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(buffers)),
            part_size,
            idle: Arc::default(),
        }
    }

    pub fn part_size(&self) -> usize {
        self.part_size
    }

    /// Waits up to `wait` for a free buffer slot; a pooled buffer is reused, and a new
    /// one allocated only once the slot is ours. `None`: the node is saturated.
    pub async fn buffer_within(&self, wait: Duration) -> Option<PartBuffer> {
        let permit = tokio::time::timeout(wait, self.permits.clone().acquire_owned())
            .await
            .ok()?
            .ok()?;
        let pooled = self
            .idle
            .lock()
            .ok()
            .and_then(|mut idle| idle.pop())
            .map(|(data, _)| data);
        Some(PartBuffer {
            data: pooled.unwrap_or_else(|| Vec::with_capacity(self.part_size)),
            _permit: Some(permit),
            idle: self.idle.clone(),
        })
    }

    /// Frees the pooled buffers nobody took for `unused_for` (after a burst of uploads).
    pub fn trim_idle(&self, unused_for: Duration) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.retain(|(_, since)| since.elapsed() < unused_for);
        }
    }

    /// Buffers waiting in the pool.
    #[cfg(test)]
    fn pooled(&self) -> usize {
        self.idle.lock().map_or(0, |idle| idle.len())
    }
}

fn give_back(idle: &Idle, mut data: Vec<u8>) {
    if data.capacity() == 0 {
        return;
    }
    data.clear();
    if let Ok(mut idle) = idle.lock() {
        idle.push((data, Instant::now()));
    }
}

impl Drop for PartBuffer {
    // Fields drop after this body: the buffer is back in the pool before the permit is
    // released, so a waiter that gets the permit finds it there.
    fn drop(&mut self) {
        give_back(&self.idle, std::mem::take(&mut self.data));
    }
}

/// A part on its way to S3: the SDK holds it as `Bytes` (and clones it for retries), so
/// the buffer and its permit come back only when the last clone is dropped.
struct InFlight(PartBuffer);

impl AsRef<[u8]> for InFlight {
    fn as_ref(&self) -> &[u8] {
        &self.0.data
    }
}

impl PartBuffer {
    /// The buffer as a request body; it returns to the pool when the body is dropped.
    pub fn into_bytes(self) -> Bytes {
        Bytes::from_owner(InFlight(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn buffers_come_back_to_the_pool_and_stay_within_the_budget() {
        let budget = PartBudget::new(2, 1024);
        let mut first = budget.buffer_within(Duration::ZERO).await.expect("first");
        first.data.extend_from_slice(b"part one");
        let second = budget.buffer_within(Duration::ZERO).await.expect("second");
        assert!(
            budget.buffer_within(Duration::ZERO).await.is_none(),
            "a third buffer is over the budget"
        );
        let address = first.data.as_ptr();
        let body = first.into_bytes();
        let retry = body.clone();
        drop(body);
        assert_eq!(
            budget.pooled(),
            0,
            "a clone of the body still holds the buffer"
        );
        assert_eq!(&retry[..], b"part one");
        drop(retry);
        assert_eq!(budget.pooled(), 1);
        let again = budget.buffer_within(Duration::ZERO).await.expect("reused");
        assert_eq!(again.data.as_ptr(), address, "the same allocation, reused");
        assert!(again.data.is_empty(), "handed out empty");
        drop((again, second));
        assert_eq!(budget.pooled(), 2);
        budget.trim_idle(Duration::ZERO);
        assert_eq!(budget.pooled(), 0);
    }
}
