//! A cycle's life: `pending → in_progress → completed | incomplete`, and back from
//! `incomplete` to `in_progress`. Anything else is refused with a sentence. Closing is
//! apart from the status (`cycles.closed_at`): `completed` says everything required is
//! in, and the cycle still takes optional items until an admin closes it.

crate::text_enum! {
    pub enum CycleStatus {
        Pending = "pending", "Pending";
        InProgress = "in_progress", "In progress";
        Completed = "completed", "Completed";
        Incomplete = "incomplete", "Incomplete";
    }
}

impl CycleStatus {
    /// Uploads are accepted in these statuses (until an admin closes the cycle): a
    /// completed cycle still takes optional items and new files; an incomplete one, past
    /// its due date, takes nothing.
    pub fn takes_uploads(self) -> bool {
        matches!(
            self,
            CycleStatus::Pending | CycleStatus::InProgress | CycleStatus::Completed
        )
    }

    /// The statuses a cycle in this status may move to.
    pub fn next(self) -> &'static [CycleStatus] {
        match self {
            CycleStatus::Pending => &[CycleStatus::InProgress],
            CycleStatus::InProgress => &[CycleStatus::Completed, CycleStatus::Incomplete],
            CycleStatus::Incomplete => &[CycleStatus::InProgress],
            CycleStatus::Completed => &[],
        }
    }

    pub fn check_move(self, to: CycleStatus) -> Result<(), String> {
        if self.next().contains(&to) {
            return Ok(());
        }
        let allowed: Vec<&str> = self.next().iter().map(|s| s.label()).collect();
        Err(if allowed.is_empty() {
            format!(
                "A {} cycle cannot become {}.",
                self.label().to_lowercase(),
                to.label().to_lowercase()
            )
        } else {
            format!(
                "A {} cycle cannot become {}; it can become: {}.",
                self.label().to_lowercase(),
                to.label().to_lowercase(),
                allowed.join(", ").to_lowercase()
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::CycleStatus::{self, *};

    #[test]
    fn only_the_designed_moves_are_allowed() {
        let allowed = [
            (Pending, InProgress),
            (InProgress, Completed),
            (InProgress, Incomplete),
            (Incomplete, InProgress),
        ];
        for &from in CycleStatus::ALL {
            for &to in CycleStatus::ALL {
                assert_eq!(
                    from.check_move(to).is_ok(),
                    allowed.contains(&(from, to)),
                    "{from:?} -> {to:?}"
                );
            }
        }
    }
}
