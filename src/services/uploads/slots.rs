//! How many uploads run at once: a few per user (or upload link), a fair share per company,
//! a bounded number per node. Counted twice over: running batches (a form upload, a sync)
//! and requests sending a resumable upload's bytes (tus PATCH). A user (or a script with a
//! user's session, or anyone holding a link) opening dozens of slow uploads gets a 429 with
//! a sentence; a company with many accounts cannot take the node from the others.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::db::ids::{CompanyId, UploadLinkId, UserId};
use crate::error::AppError;
use crate::services::actor::Actor;

/// What is counted, for the sentences people read.
#[derive(Debug, Clone, Copy)]
pub enum Counted {
    Batches,
    Writers,
}

impl Counted {
    fn plural(self) -> &'static str {
        match self {
            Counted::Batches => "uploads",
            Counted::Writers => "files sending",
        }
    }
}

/// The most of each kind at once.
#[derive(Debug, Clone, Copy)]
pub struct SlotLimits {
    pub per_user: usize,
    pub per_company: usize,
    pub per_node: usize,
}

#[derive(Clone)]
pub struct BatchSlots {
    inner: Arc<Mutex<Counts>>,
    limits: SlotLimits,
    counted: Counted,
}

/// Whose uploads are counted together.
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
    companies: HashMap<CompanyId, usize>,
    users: HashMap<SlotOwner, usize>,
}

/// A running upload's place; given back when dropped.
pub struct BatchSlot {
    slots: BatchSlots,
    company: CompanyId,
    user: Option<SlotOwner>,
}

fn busy(message: String, retry_after_secs: u64) -> AppError {
    AppError::TooManyRequests {
        message,
        retry_after_secs,
    }
}

/// One less in `counts`, forgetting an owner at zero.
fn release<K: std::hash::Hash + Eq>(counts: &mut HashMap<K, usize>, key: &K) {
    if let Some(n) = counts.get_mut(key) {
        *n = n.saturating_sub(1);
        if *n == 0 {
            counts.remove(key);
        }
    }
}

impl BatchSlots {
    pub fn new(limits: SlotLimits, counted: Counted) -> Self {
        Self {
            inner: Arc::default(),
            limits,
            counted,
        }
    }

    pub fn take(&self, actor: &Actor) -> Result<BatchSlot, AppError> {
        self.take_for(actor.company_id(), SlotOwner::of(actor))
    }

    fn take_for(&self, company: CompanyId, user: Option<SlotOwner>) -> Result<BatchSlot, AppError> {
        let SlotLimits {
            per_user,
            per_company,
            per_node,
        } = self.limits;
        let what = self.counted.plural();
        let mut counts = self
            .inner
            .lock()
            .map_err(|_| AppError::Unavailable("Hopper is restarting its upload limits.".into()))?;
        if counts.node >= per_node {
            return Err(busy(
                format!("Hopper has {per_node} {what} at once, its limit; please try again in a minute."),
                30,
            ));
        }
        if counts.companies.get(&company).copied().unwrap_or(0) >= per_company {
            return Err(busy(
                format!("Your company has {per_company} {what} at once, its share of this server; please try again in a minute."),
                30,
            ));
        }
        if let Some(user) = user {
            if counts.users.get(&user).copied().unwrap_or(0) >= per_user {
                return Err(busy(
                    format!("You already have {per_user} {what} at once; wait for one to finish, then send this one again."),
                    10,
                ));
            }
            *counts.users.entry(user).or_default() += 1;
        }
        *counts.companies.entry(company).or_default() += 1;
        counts.node += 1;
        Ok(BatchSlot {
            slots: self.clone(),
            company,
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
        release(&mut counts.companies, &self.company);
        if let Some(user) = self.user {
            release(&mut counts.users, &user);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slots(per_user: usize, per_company: usize, per_node: usize) -> BatchSlots {
        let limits = SlotLimits {
            per_user,
            per_company,
            per_node,
        };
        BatchSlots::new(limits, Counted::Batches)
    }

    #[test]
    fn a_user_gets_a_few_slots_and_gives_them_back() {
        let slots = slots(2, 3, 3);
        let acme = CompanyId(1);
        let (alice, bob) = (
            Some(SlotOwner::User(UserId(1))),
            Some(SlotOwner::User(UserId(2))),
        );
        let a1 = slots.take_for(acme, alice).unwrap();
        let _a2 = slots.take_for(acme, alice).unwrap();
        assert!(matches!(
            slots.take_for(acme, alice),
            Err(AppError::TooManyRequests { .. })
        ));
        let _b1 = slots.take_for(acme, bob).unwrap();
        // The node is full now, for everyone.
        let link = Some(SlotOwner::Link(UploadLinkId(3)));
        assert!(slots.take_for(CompanyId(2), link).is_err());
        drop(a1);
        assert!(slots.take_for(acme, alice).is_ok());
    }

    #[test]
    fn a_company_with_many_accounts_keeps_to_its_share() {
        let slots = slots(1, 2, 4);
        let (acme, other) = (CompanyId(1), CompanyId(2));
        let user = |n| Some(SlotOwner::User(UserId(n)));
        let _first = slots.take_for(acme, user(1)).unwrap();
        let second = slots.take_for(acme, user(2)).unwrap();
        let refused = slots.take_for(acme, user(3));
        assert!(
            matches!(&refused, Err(AppError::TooManyRequests { message, .. }) if message.contains("Your company")),
            "a third account of the same company is over its share"
        );
        assert!(slots.take_for(other, user(4)).is_ok());
        drop(second);
        assert!(slots.take_for(acme, user(3)).is_ok());
    }
}
