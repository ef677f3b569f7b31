//! Who may see what of a person's data: one table, read by every feature that shows someone
//! else's data (the manager's digest, one-on-one agenda and progress chart) and tested as a
//! matrix through the core's public API.
//!
//! | data                         | owner | manager | admin | member |
//! |------------------------------|-------|---------|-------|--------|
//! | reflection                   | yes   | no      | no    | no     |
//! | nudge reply                  | yes   | no      | no    | no     |
//! | scenario answer              | yes   | no      | no    | no     |
//! | check-in answer, shared      | yes   | yes     | no    | no     |
//! | check-in answer, private     | yes   | no      | no    | no     |
//! | self-rating, shared          | yes   | yes     | no    | no     |
//! | self-rating, private         | yes   | no      | no    | no     |
//! | decision, shared             | yes   | yes     | no    | no     |
//! | decision, private            | yes   | no      | no    | no     |
//!
//! "Manager" means the manager of an *active* check-in pair with the owner in the workspace the
//! data belongs to: before the leader accepts, and once either side ends the pair, the manager
//! is a member like any other. Workspace admins manage channels' nudges; they see no one's
//! words.

/// Who is looking, relative to the data's owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// The person the data belongs to.
    Owner,
    /// The owner's manager in an active check-in pair.
    Manager,
    /// A workspace admin (who is not the owner's manager).
    Admin,
    /// Anyone else.
    Member,
}

/// A kind of personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Data {
    Reflection,
    NudgeReply,
    ScenarioAnswer,
    CheckinAnswer { shared: bool },
    Rating { shared: bool },
    Decision { shared: bool },
}

impl Data {
    /// Every kind, for tests and documentation.
    pub const ALL: [Self; 9] = [
        Self::Reflection,
        Self::NudgeReply,
        Self::ScenarioAnswer,
        Self::CheckinAnswer { shared: true },
        Self::CheckinAnswer { shared: false },
        Self::Rating { shared: true },
        Self::Rating { shared: false },
        Self::Decision { shared: true },
        Self::Decision { shared: false },
    ];
}

/// Whether `viewer` may see data of kind `data`: the table above.
pub fn may_see(viewer: Viewer, data: Data) -> bool {
    match viewer {
        Viewer::Owner => true,
        Viewer::Manager => matches!(
            data,
            Data::CheckinAnswer { shared: true }
                | Data::Rating { shared: true }
                | Data::Decision { shared: true }
        ),
        Viewer::Admin | Viewer::Member => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_owner_sees_private_data_and_managers_see_only_what_was_shared() {
        for data in Data::ALL {
            assert!(may_see(Viewer::Owner, data), "{data:?}");
            assert!(!may_see(Viewer::Admin, data), "{data:?}");
            assert!(!may_see(Viewer::Member, data), "{data:?}");
        }
        let manager: Vec<Data> = Data::ALL
            .into_iter()
            .filter(|data| may_see(Viewer::Manager, *data))
            .collect();
        assert_eq!(
            manager,
            [
                Data::CheckinAnswer { shared: true },
                Data::Rating { shared: true },
                Data::Decision { shared: true }
            ]
        );
    }
}
