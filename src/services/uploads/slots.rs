//! How many upload batches run at once: a few per user (or upload link), a bounded number
//! per node. A user (or a script with a user's session, or anyone holding a link) opening
//! dozens of slow uploads gets a 429 with a sentence, and cannot take every part buffer
//! from the others.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::db::ids::{UploadLinkId, UserId};
use crate::error::AppError;
use crate::services::actor::Actor;

#[derive(Clone)]
pub struct BatchSlots {
    inner: Arc<Mutex<Counts>>,
    per_user: usize,
    per_node: usize,
}

/// Whose batches are counted together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SlotOwner {
    User(UserId),
    Link(UploadLinkId),
}

impl SlotOwner {
    pub fn of(actor: &Actor) -> Option<SlotOwner> {
        actor
            .user_id()
            .map(SlotOwner::User)
            .or_else(|| actor.link_visitor().map(|v| SlotOwner::Link(v.link)))
    }
}

#[derive(Default)]
struct Counts {
    node: usize,
    users: HashMap<SlotOwner, usize>,
}

/// A running batch's place; given back when dropped.
pub struct BatchSlot {
    slots: BatchSlots,
    user: Option<SlotOwner>,
}

impl BatchSlots {
    pub fn new(per_user: usize, per_node: usize) -> Self {
        Self {
            inner: Arc::default(),
            per_user,
            per_node,
        }
    }

    pub fn take(&self, user: Option<SlotOwner>) -> Result<BatchSlot, AppError> {
        let mut counts = self
            .inner
            .lock()
            .map_err(|_| AppError::Unavailable("Hopper is restarting its upload limits.".into()))?;
        if counts.node >= self.per_node {
            return Err(AppError::TooManyRequests {
                message: format!(
                    "Hopper is receiving {} uploads at once, its limit; please try again in a minute.",
                    self.per_node
                ),
                retry_after_secs: 30,
            });
        }
        if let Some(user) = user {
            let mine = counts.users.entry(user).or_default();
            if *mine >= self.per_user {
                return Err(AppError::TooManyRequests {
                    message: format!(
                        "You already have {} uploads running; wait for one to finish, then send this one again.",
                        self.per_user
                    ),
                    retry_after_secs: 10,
                });
            }
            *mine += 1;
        }
        counts.node += 1;
        Ok(BatchSlot {
            slots: self.clone(),
            user,
        })
    }
}

impl Drop for BatchSlot {
    fn drop(&mut self) {
        let Ok(mut counts) = self.slots.inner.lock() else {
            return;
        };
        counts.node = counts.node.saturating_sub(1);
        if let Some(user) = self.user {
            if let Some(mine) = counts.users.get_mut(&user) {
                *mine = mine.saturating_sub(1);
                if *mine == 0 {
                    counts.users.remove(&user);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_gets_a_few_slots_and_gives_them_back() {
        let slots = BatchSlots::new(2, 3);
        let (alice, bob) = (
            Some(SlotOwner::User(UserId(1))),
            Some(SlotOwner::User(UserId(2))),
        );
        let a1 = slots.take(alice).unwrap();
        let _a2 = slots.take(alice).unwrap();
        assert!(matches!(
            slots.take(alice),
            Err(AppError::TooManyRequests { .. })
        ));
        let _b1 = slots.take(bob).unwrap();
        // The node is full now, for everyone.
        assert!(slots.take(Some(SlotOwner::Link(UploadLinkId(3)))).is_err());
        drop(a1);
        assert!(slots.take(alice).is_ok());
    }
}
