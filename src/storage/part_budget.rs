//! Part buffers: a node-wide budget of `max_part_buffers` buffers of one part each, and a
//! pool that hands the same buffers out again. A fresh 8 MiB buffer is a fresh mapping
//! (main sets glibc's mmap threshold so freed parts go back to the system), and faulting
//! in and zeroing its pages cost about 0.8 CPU-seconds per GiB received; a pooled buffer
//! costs nothing. A buffer goes back to the pool before its permit is released, and one
//! is allocated only when the pool is empty, so buffers in use plus pooled never exceed
//! the budget: memory stays bounded by part size × budget. Buffers unused for a while are
//! freed by [`PartBudget::trim_idle`].
//!
//! Fair shares: each buffer also counts against its tenant's share (a company's), so one
//! company's uploads, however many accounts send them, never hold more than
//! `per_tenant` of the node's buffers; the others always find theirs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

type Idle = Arc<Mutex<Vec<(Vec<u8>, Instant)>>>;

/// Whose share a buffer counts against: a company's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tenant(pub i32);

/// Part buffers in flight on this node.
#[derive(Clone)]
pub struct PartBudget {
    permits: Arc<Semaphore>,
    part_size: usize,
    idle: Idle,
    /// Each tenant's share of the permits. Entries stay once made: one small semaphore
    /// per company that ever uploaded to this node since it started.
    shares: Arc<Mutex<HashMap<Tenant, Arc<Semaphore>>>>,
    per_tenant: usize,
}

/// A part buffer and the permits that pay for it (the node's and its tenant's). Dropped,
/// it goes back to the pool.
pub struct PartBuffer {
    pub data: Vec<u8>,
    /// Held, never read: the slots are taken for as long as the buffer is out of the pool.
    _permits: Option<(OwnedSemaphorePermit, OwnedSemaphorePermit)>,
    idle: Idle,
}

impl PartBudget {
    /// `per_tenant`: the most buffers one tenant holds at once (at least one).
    pub fn new(buffers: usize, part_size: usize, per_tenant: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(buffers)),
            part_size,
            idle: Arc::default(),
            shares: Arc::default(),
            per_tenant: per_tenant.clamp(1, buffers.max(1)),
        }
    }

    fn share_of(&self, tenant: Tenant) -> Option<Arc<Semaphore>> {
        let mut shares = self.shares.lock().ok()?;
        let share = shares
            .entry(tenant)
            .or_insert_with(|| Arc::new(Semaphore::new(self.per_tenant)));
        Some(share.clone())
    }

    pub fn part_size(&self) -> usize {
        self.part_size
    }

    /// Buffer slots no upload holds at the moment.
    pub fn free(&self) -> usize {
        self.permits.available_permits()
    }

    /// Waits up to `wait` for a free buffer slot within `tenant`'s share; a pooled buffer
    /// is reused, and a new one allocated only once the slot is ours. `None`: the node, or
    /// the tenant's share of it, is saturated.
    pub async fn buffer_within(&self, wait: Duration, tenant: Tenant) -> Option<PartBuffer> {
        let deadline = tokio::time::Instant::now() + wait;
        // The tenant's share first: a tenant at its share never queues for the node's
        // permits ahead of the others.
        let share = self.share_of(tenant)?;
        let own = tokio::time::timeout_at(deadline, share.acquire_owned())
            .await
            .ok()?
            .ok()?;
        let node = tokio::time::timeout_at(deadline, self.permits.clone().acquire_owned())
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
            _permits: Some((node, own)),
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
    /// No bytes, outside the budget (it holds no memory): the last "part" of an empty
    /// file.
    pub fn empty() -> Self {
        PartBuffer {
            data: Vec::new(),
            _permits: None,
            idle: Idle::default(),
        }
    }

    /// The buffer as a request body; it returns to the pool when the body is dropped.
    pub fn into_bytes(self) -> Bytes {
        Bytes::from_owner(InFlight(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: Tenant = Tenant(1);

    #[tokio::test]
    async fn a_tenant_holds_no_more_than_its_share_and_the_others_find_theirs() {
        let budget = PartBudget::new(4, 1024, 2);
        let (greedy, other) = (Tenant(1), Tenant(2));
        let _a = budget
            .buffer_within(Duration::ZERO, greedy)
            .await
            .expect("a");
        let b = budget
            .buffer_within(Duration::ZERO, greedy)
            .await
            .expect("b");
        assert!(
            budget.buffer_within(Duration::ZERO, greedy).await.is_none(),
            "a third buffer is over the tenant's share"
        );
        let _c = budget
            .buffer_within(Duration::ZERO, other)
            .await
            .expect("c");
        let _d = budget
            .buffer_within(Duration::ZERO, other)
            .await
            .expect("d");
        drop(b);
        assert!(budget.buffer_within(Duration::ZERO, greedy).await.is_some());
    }

    #[tokio::test]
    async fn buffers_come_back_to_the_pool_and_stay_within_the_budget() {
        let budget = PartBudget::new(2, 1024, 2);
        let mut first = budget
            .buffer_within(Duration::ZERO, ME)
            .await
            .expect("first");
        first.data.extend_from_slice(b"part one");
        let second = budget
            .buffer_within(Duration::ZERO, ME)
            .await
            .expect("second");
        assert!(
            budget.buffer_within(Duration::ZERO, ME).await.is_none(),
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
        let again = budget
            .buffer_within(Duration::ZERO, ME)
            .await
            .expect("reused");
        assert_eq!(again.data.as_ptr(), address, "the same allocation, reused");
        assert!(again.data.is_empty(), "handed out empty");
        drop((again, second));
        assert_eq!(budget.pooled(), 2);
        budget.trim_idle(Duration::ZERO);
        assert_eq!(budget.pooled(), 0);
    }
}
