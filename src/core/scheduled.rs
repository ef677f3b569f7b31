//! What a schedule's occurrence says, and to whom: the scheduler claims occurrences of every
//! purpose and asks the core to compose each one.

use super::{CoreError, Destination, Outgoing};
use crate::storage::{LeasedDelivery, Purpose, Target};

impl super::Coach {
    /// The message for one claimed occurrence, addressed to the schedule's target. A channel
    /// nudge picks its item once and keeps it, so a retry sends the same one.
    ///
    /// # Errors
    /// [`CoreError::Refused`] when nothing can be composed (the item left the catalog, a
    /// purpose this build does not compose); the scheduler records the occurrence as failed.
    pub async fn compose(&self, delivery: &LeasedDelivery) -> Result<Outgoing, CoreError> {
        let schedule = &delivery.schedule;
        let mut outgoing = match schedule.purpose {
            Purpose::Nudge => {
                let slug = match &delivery.slug {
                    Some(slug) => slug.clone(),
                    None => {
                        let pick = self.pick_nudge(&schedule.channel, &schedule.mix).await?;
                        self.storage()
                            .choose_delivery_slug(delivery.id, &pick)
                            .await?
                    }
                };
                self.nudge_message(&slug, &schedule.channel.channel, Some(delivery.id))
                    .ok_or_else(|| {
                        CoreError::Refused("the content item is no longer in the catalog".into())
                    })?
            }
            other => {
                return Err(CoreError::Refused(format!(
                    "this build does not compose {} messages",
                    other.as_str()
                )));
            }
        };
        if let Target::Person(person) = schedule.target() {
            let identity = self.storage().user_identity(person).await?.ok_or_else(|| {
                CoreError::Refused("the person this schedule was for is gone".into())
            })?;
            outgoing.to = Destination::Person(identity.external_id);
        }
        Ok(outgoing)
    }
}
