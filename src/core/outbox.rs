//! What people send while the database is down. Thread replies, direct messages and form
//! answers are kept here, in the order they came and at most [`CAPACITY`] of them, and stored
//! with their original time once the database answers again ([`super::Coach::store_kept`]).
//! Commands and button presses are not kept: the person is asked to try again in a moment.
//!
//! The outbox lives in this process's memory: a restart while the database is down loses what
//! it holds, and the person was told their words are kept "until the database is back".

use std::{collections::VecDeque, sync::Mutex};

use chrono::{DateTime, Utc};

use super::{Interaction, InteractionKind, Platform};

/// Most interactions kept while the database is down; beyond it the person is asked to try
/// again later.
pub const CAPACITY: usize = 1000;

/// One interaction waiting for the database.
#[derive(Debug, Clone)]
pub(super) struct Kept {
    pub interaction: Interaction,
    /// The platform's id of the event, claimed again before storing so that replicas that
    /// all kept it store it once.
    pub event: Option<(Platform, String)>,
    pub received_at: DateTime<Utc>,
}

/// The kept interactions, oldest first.
#[derive(Debug, Default)]
pub struct Outbox {
    kept: Mutex<VecDeque<Kept>>,
}

impl Outbox {
    /// Whether an interaction of this kind is kept through an outage: what a person wrote
    /// (a reply, a direct message, a form), not a command to run again.
    pub fn keeps(kind: &InteractionKind) -> bool {
        matches!(
            kind,
            InteractionKind::Message { .. } | InteractionKind::Form { .. }
        )
    }

    /// Keeps `kept` at the end; `false` when the outbox is full.
    pub(super) fn keep(&self, kept: Kept) -> bool {
        let mut queue = self.lock();
        if queue.len() >= CAPACITY {
            return false;
        }
        queue.push_back(kept);
        true
    }

    /// How many interactions wait.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// The oldest waiting interaction, left in place.
    pub(super) fn oldest(&self) -> Option<Kept> {
        self.lock().front().cloned()
    }

    /// Removes the oldest waiting interaction, once it is stored (or was stored elsewhere).
    pub(super) fn remove_oldest(&self) {
        self.lock().pop_front();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Kept>> {
        self.kept
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
