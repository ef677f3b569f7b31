//! The manager's side: the digest after each check-in with its attention flag, the
//! follow-ups the scheduler sends (reminders, snoozed check-ins, digests), and the one-on-one
//! agenda of `/checkin prep`.

use super::*;

/// Check-ins answered in a row, counting back from the latest one that is no longer open.
pub fn streak(newest_first: &[Checkin]) -> usize {
    newest_first
        .iter()
        .skip_while(|c| c.state == CheckinState::Open)
        .take_while(|c| c.state == CheckinState::Answered)
        .count()
}

/// The active pair in which `ctx`'s person manages the leader `token` mentions.
pub(crate) async fn managed_leader(
    ctx: &Context<'_>,
    token: &str,
) -> Result<(CheckinPair, String), CoreError> {
    let (leader, _) = mentioned(ctx, token).await?;
    let pair = ctx
        .coach
        .storage()
        .open_pairs(ctx.user, &ctx.interaction.actor.workspace)
        .await?
        .into_iter()
        .find(|pair| {
            pair.manager == ctx.user && pair.leader == leader && pair.state == PairState::Active
        })
        .ok_or_else(|| {
            CoreError::Refused(
                "You can see a leader's check-ins only while you are their manager and they have accepted. /checkin status shows your pairs.".into(),
            )
        })?;
    let name = name_of(ctx.coach, leader).await?;
    Ok((pair, name))
}

/// The ratings a manager may see: the shared ones given during this pair.
pub(crate) async fn shared_ratings(
    coach: &crate::core::Coach,
    pair: &CheckinPair,
) -> Result<Vec<Rating>, CoreError> {
    let checkins: Vec<i64> = coach
        .storage()
        .pair_checkins(pair.id, i64::MAX)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    Ok(coach
        .storage()
        .ratings(pair.leader)
        .await?
        .into_iter()
        .filter(|r| {
            may_see(Viewer::Manager, Data::Rating { shared: r.shared })
                && checkins.contains(&r.checkin)
        })
        .collect())
}

/// Shifts rated [`ATTENTION_RATING`] or lower on each of the last [`ATTENTION_RUN`] rated
/// check-ins (`ratings` oldest first).
pub fn needs_attention(ratings: &[Rating]) -> Vec<String> {
    let mut by_shift: BTreeMap<&str, Vec<u8>> = BTreeMap::new();
    for rating in ratings {
        by_shift
            .entry(&rating.shift)
            .or_default()
            .push(rating.rating);
    }
    by_shift
        .into_iter()
        .filter(|(_, values)| {
            values.len() >= ATTENTION_RUN
                && values[values.len() - ATTENTION_RUN..]
                    .iter()
                    .all(|rating| *rating <= ATTENTION_RATING)
        })
        .map(|(shift, _)| shift.to_owned())
        .collect()
}

/// A framework (or failing that, a model) that helps with `shift`.
fn framework_for<'a>(catalog: &'a crate::content::Catalog, shift: &str) -> Option<&'a Item> {
    catalog
        .of_kind(Kind::Framework)
        .find(|item| item.shifts.iter().any(|s| s == shift))
        .or_else(|| {
            catalog
                .of_kind(Kind::Model)
                .find(|item| item.shifts.iter().any(|s| s == shift))
        })
}

fn scenario_for<'a>(catalog: &'a crate::content::Catalog, shift: &str) -> Option<&'a Item> {
    catalog
        .of_kind(Kind::Scenario)
        .find(|item| item.shifts.iter().any(|s| s == shift))
}

pub(crate) fn trend_lines(catalog: &crate::content::Catalog, ratings: &[Rating]) -> Vec<String> {
    let mut latest = latest_two(ratings);
    // In rating order (shift 1 first), then any shift the catalog no longer has.
    let mut ordered: Vec<(String, (Option<u8>, u8))> = rated_shifts(catalog)
        .into_iter()
        .filter_map(|item| latest.remove_entry(&item.slug))
        .collect();
    ordered.extend(latest);
    ordered
        .into_iter()
        .map(|(shift, (before, now))| {
            let change = match before {
                Some(before) if before < now => format!("{before} → {now} (up {})", now - before),
                Some(before) if before > now => {
                    format!("{before} → {now} (down {})", before - now)
                }
                Some(_) => format!("{now} (steady)"),
                None => format!("{now} (first rating)"),
            };
            format!("- {}: {change}", shift_title(catalog, &shift))
        })
        .collect()
}

impl crate::core::Coach {
    /// The manager's digest for a check-in that was answered or skipped: the shared answers,
    /// rating changes, the streak and any attention flag. `None` when the pair is no longer
    /// active.
    async fn digest(
        &self,
        checkin: &Checkin,
    ) -> Result<Option<(Outgoing, CheckinPair)>, CoreError> {
        let storage = self.storage();
        let Some(pair) = (match checkin.pair {
            Some(id) => storage.pair(id).await?,
            None => None,
        }) else {
            return Ok(None);
        };
        if pair.state != PairState::Active {
            return Ok(None);
        }
        let Some(manager) = external_id(self, pair.manager).await? else {
            return Ok(None);
        };
        let leader = name_of(self, pair.leader).await?;
        let zone = self.zone_of(pair.manager).await?;
        let catalog = self.catalog();
        let week = checkin.due_at.with_timezone(&zone).format("%d %b");
        let mut message =
            RichMessage::titled(format!("Check-in digest: {leader}, week of {week}"), "");
        let recent = storage.pair_checkins(pair.id, 50).await?;
        let run = streak(&recent);
        message.body = match checkin.state {
            CheckinState::Skipped => format!("{leader} skipped this check-in. Streak: {run}."),
            _ => format!("Streak: {run} check-in(s) answered in a row."),
        };
        let answers: Vec<CheckinAnswer> = storage
            .checkin_answers(checkin.id)
            .await?
            .into_iter()
            .filter(|a| may_see(Viewer::Manager, Data::CheckinAnswer { shared: a.shared }))
            .collect();
        for answer in &answers {
            message.fields.push(Field {
                name: shift_title(catalog, &answer.slug),
                value: answer.body.clone(),
            });
        }
        if checkin.state == CheckinState::Answered && answers.is_empty() {
            message.fields.push(Field {
                name: "Answers".into(),
                value: format!("{leader} answered and kept the answers private this time."),
            });
        }
        let ratings = shared_ratings(self, &pair).await?;
        if ratings.iter().any(|r| r.checkin == checkin.id) {
            message.fields.push(Field {
                name: "Self-ratings".into(),
                value: trend_lines(catalog, &ratings).join("\n"),
            });
        }
        // The flag comes with the check-in that brought the ratings, not every week after.
        let rated_now = ratings.iter().any(|r| r.checkin == checkin.id);
        for shift in needs_attention(&ratings).into_iter().filter(|_| rated_now) {
            let framework = framework_for(catalog, &shift)
                .map(|item| {
                    format!(
                        " A framework to discuss: {} (/framework {}).",
                        item.title,
                        item.title.to_lowercase()
                    )
                })
                .unwrap_or_default();
            message.fields.push(Field {
                name: "Attention".into(),
                value: format!(
                    "{} has been rated {ATTENTION_RATING} or lower {ATTENTION_RUN} check-ins running.{framework}",
                    shift_title(catalog, &shift)
                ),
            });
        }
        Ok(Some((dm(&manager, message), pair)))
    }

    /// Sends every check-in follow-up due at `now`, each claimed once: snoozed check-ins
    /// again, the one reminder, and the managers' digests. Returns how many went out.
    pub async fn send_checkin_follow_ups(
        &self,
        now: DateTime<Utc>,
        grace: Duration,
    ) -> Result<usize, CoreError> {
        let storage = self.storage();
        let mut sent = 0;
        for checkin in storage.due_checkin_follow_ups(now).await? {
            if checkin.state != CheckinState::Open {
                if !storage.claim_digest(checkin.id, now).await? {
                    continue;
                }
                if let Some((outgoing, pair)) = self.digest(&checkin).await? {
                    // Claimed once and never tried again: always a first attempt.
                    let key = format!("digest-{}", checkin.id);
                    let platform = self.platform_of(pair.manager).await?;
                    match self
                        .send(
                            platform,
                            &pair.workspace,
                            &outgoing,
                            Some(SendKey::first(&key)),
                        )
                        .await
                    {
                        Ok(_) => sent += 1,
                        Err(err) => {
                            tracing::warn!(checkin = checkin.id, error = %err, "a check-in digest could not be sent")
                        }
                    }
                }
                continue;
            }
            let Some(pair) = (match checkin.pair {
                Some(id) => storage.pair(id).await?,
                None => None,
            }) else {
                continue;
            };
            let snoozed = checkin.snoozed_until.is_some_and(|at| at <= now);
            let (claimed, title, late) = if snoozed {
                let remind_at = now + self.settings().checkin_reminder;
                (
                    storage.claim_snoozed(checkin.id, now, remind_at).await?,
                    "Your snoozed check-in",
                    Duration::zero(),
                )
            } else {
                (
                    storage.claim_reminder(checkin.id, now).await?,
                    "Reminder: your check-in is waiting",
                    checkin.remind_at.map_or(Duration::zero(), |at| now - at),
                )
            };
            if !claimed || pair.state != PairState::Active {
                continue;
            }
            // A reminder long overdue (the service was down, the clock jumped) is dropped
            // rather than sent beside the next check-in; so is one a newer check-in replaced.
            let newest = storage.pair_checkins(pair.id, 1).await?;
            let superseded = newest.first().is_some_and(|c| c.id != checkin.id);
            if superseded || late > grace {
                continue;
            }
            let Some(leader) = external_id(self, pair.leader).await? else {
                continue;
            };
            let manager = name_of(self, pair.manager).await?;
            let outgoing = self.checkin_message(&checkin, &leader, &manager, title);
            // Claimed once and never tried again: always a first attempt.
            let key = format!(
                "{}-{}",
                if snoozed { "snoozed" } else { "reminder" },
                checkin.id
            );
            let platform = self.platform_of(pair.leader).await?;
            match self
                .send(
                    platform,
                    &pair.workspace,
                    &outgoing,
                    Some(SendKey::first(&key)),
                )
                .await
            {
                Ok(_) => sent += 1,
                Err(err) => {
                    tracing::warn!(checkin = checkin.id, error = %err, "a check-in follow-up could not be sent")
                }
            }
        }
        Ok(sent)
    }

    async fn platform_of(&self, user: UserId) -> Result<crate::storage::Platform, CoreError> {
        self.storage()
            .user_identity(user)
            .await?
            .map(|identity| identity.platform)
            .ok_or_else(|| CoreError::Refused("that person is gone".into()))
    }
}

/// `/checkin prep @leader`: an agenda for the manager's next one-on-one, from what the leader
/// shared since the last one.
pub(super) async fn prep(ctx: &Context<'_>, words: &[&str]) -> Result<Vec<Outgoing>, CoreError> {
    let [who] = words else {
        return Err(CoreError::Refused(
            "Say whose one-on-one: /checkin prep @leader.".into(),
        ));
    };
    let (pair, leader) = managed_leader(ctx, who).await?;
    let storage = ctx.coach.storage();
    let before = storage.record_prep(pair.id, ctx.now).await?;
    let since = before.unwrap_or(ctx.now - Duration::days(FIRST_PREP_DAYS));
    let catalog = ctx.coach.catalog();
    let mut message = RichMessage::titled(
        format!("One-on-one agenda: {leader}"),
        format!(
            "What {leader} shared since {}. Ask about it in their words; do not quote it to others.",
            since.with_timezone(&ctx.zone).format("%a %d %b %Y")
        ),
    );
    let checkins = storage.pair_checkins(pair.id, 100).await?;
    let mut shared_lines = Vec::new();
    for checkin in checkins
        .iter()
        .rev()
        .filter(|c| c.due_at >= since || c.answered_at.is_some_and(|at| at >= since))
    {
        for answer in storage.checkin_answers(checkin.id).await? {
            if may_see(
                Viewer::Manager,
                Data::CheckinAnswer {
                    shared: answer.shared,
                },
            ) {
                shared_lines.push(format!(
                    "- {} ({}): {}",
                    shift_title(catalog, &answer.slug),
                    checkin.due_at.with_timezone(&ctx.zone).format("%d %b"),
                    answer.body
                ));
            }
        }
        if checkin.state == CheckinState::Skipped {
            shared_lines.push(format!(
                "- Skipped the check-in of {}.",
                checkin.due_at.with_timezone(&ctx.zone).format("%d %b")
            ));
        }
    }
    message.fields.push(Field {
        name: "What they shared".into(),
        value: if shared_lines.is_empty() {
            "Nothing shared since then. Ask how the last weeks went.".into()
        } else {
            shared_lines.join("\n")
        },
    });
    let ratings = shared_ratings(ctx.coach, &pair).await?;
    if !ratings.is_empty() {
        message.fields.push(Field {
            name: "Self-rating trend".into(),
            value: trend_lines(catalog, &ratings).join("\n"),
        });
    }
    let decisions: Vec<String> = storage
        .decisions(pair.leader)
        .await?
        .into_iter()
        .filter(|d| {
            may_see(Viewer::Manager, Data::Decision { shared: d.shared })
                && d.workspace == pair.workspace
        })
        .take(5)
        .map(|d| {
            let outcome = d
                .outcome
                .map(|o| format!(" Outcome: {}.", o.as_str()))
                .unwrap_or_default();
            format!("- {} ({} % sure).{outcome}", d.decision, d.confidence)
        })
        .collect();
    if !decisions.is_empty() {
        message.fields.push(Field {
            name: "Decisions they shared".into(),
            value: decisions.join("\n"),
        });
    }
    // The weakest shift: the lowest latest rating, else the shift the latest answers lean on.
    let weakest = latest_two(&ratings)
        .into_iter()
        .min_by_key(|(_, (_, now))| *now)
        .map(|(shift, _)| shift)
        .or_else(|| {
            checkins
                .iter()
                .flat_map(|c| c.questions.iter())
                .filter_map(|slug| catalog.get(slug))
                .flat_map(|item| item.shifts.first())
                .next()
                .cloned()
        });
    if let Some(shift) = weakest {
        let mut lines = vec![format!("Focus: {}.", shift_title(catalog, &shift))];
        if let Some(item) = framework_for(catalog, &shift) {
            lines.push(format!(
                "- Framework to discuss: {}. {}",
                item.title, item.summary
            ));
        }
        if let Some(item) = scenario_for(catalog, &shift) {
            lines.push(format!(
                "- Practice scenario to work through together: {} (/scenario {}).",
                item.title, item.slug
            ));
        }
        message.fields.push(Field {
            name: "Where to grow".into(),
            value: lines.join("\n"),
        });
    }
    Ok(vec![ctx.reply(message, true)])
}
