//! The leader's side of a check-in: composing it at the cadence, the answer form and its
//! edits, per-answer sharing, snooze and skip, and the monthly self-rating.

use super::*;

/// The monthly self-rating item of a shift.
fn rating_item<'a>(catalog: &'a crate::content::Catalog, shift: &str) -> Option<&'a Item> {
    catalog
        .of_kind(Kind::Checkin)
        .find(|item| item.set == Some(CheckinSet::Monthly) && item.shift.as_deref() == Some(shift))
}

/// Picks the weekly questions for a check-in: those asked least recently first, leaning
/// toward the shifts the leader rated lowest, rotating through the set.
pub fn pick_questions(
    catalog: &crate::content::Catalog,
    recent: &[Checkin],
    ratings: &[Rating],
    count: usize,
) -> Vec<String> {
    let latest = latest_two(ratings);
    let lowest = latest.values().map(|(_, now)| *now).min();
    let weak: Vec<&String> = latest
        .iter()
        .filter(|(_, (_, now))| Some(*now) == lowest && *now < 4)
        .map(|(shift, _)| shift)
        .collect();
    let mut scored: Vec<(usize, bool, usize, &Item)> = catalog
        .of_kind(Kind::Checkin)
        .filter(|item| item.set == Some(CheckinSet::Weekly))
        .enumerate()
        .map(|(order, item)| {
            // How recently it was asked: 0 = not in the window, higher = more recent.
            let asked = recent
                .iter()
                .position(|c| c.questions.contains(&item.slug))
                .map_or(0, |i| recent.len() - i);
            let leans = item.shifts.iter().any(|shift| weak.contains(&shift));
            (asked, !leans, order, item)
        })
        .collect();
    // The rotation starts at a different place each time, so equal scores still rotate.
    let offset = recent.len();
    let total = scored.len().max(1);
    scored.sort_by_key(|(asked, not_weak, order, _)| {
        (*asked, *not_weak, (order + total - offset % total) % total)
    });
    scored
        .into_iter()
        .take(count)
        .map(|(_, _, _, item)| item.slug.clone())
        .collect()
}

impl crate::core::Coach {
    /// The check-in for a pair's occurrence (stored once, so a retry asks the same questions),
    /// as the leader's DM; `None` when this occurrence is not a check-in (the off week of a
    /// biweekly cadence, a pair that ended).
    pub(in crate::core) async fn compose_checkin(
        &self,
        schedule: &crate::storage::Schedule,
        occurrence: DateTime<Utc>,
    ) -> Result<Option<Outgoing>, CoreError> {
        let storage = self.storage();
        let Some(pair) = storage.pair_for_schedule(schedule.id).await? else {
            return Ok(None);
        };
        if pair.state != PairState::Active {
            return Ok(None);
        }
        let zone = pair_zone(&pair, self.settings().default_zone);
        let spec = CronSpec::from_pattern(&pair.cron, &pair.label).map_err(CoreError::Refused)?;
        if !on_week(&pair, &spec, zone, occurrence) {
            return Ok(None);
        }
        let recent = storage.pair_checkins(pair.id, ROTATION_WINDOW).await?;
        let local = occurrence.with_timezone(&zone);
        // The first check-in of each month (in the leader's zone) also asks the ratings.
        let monthly = !recent.iter().any(|c| {
            c.due_at < occurrence && {
                let earlier = c.due_at.with_timezone(&zone);
                (earlier.year(), earlier.month()) == (local.year(), local.month())
            }
        });
        let ratings = storage.ratings(pair.leader).await?;
        let count = if monthly { QUESTIONS - 1 } else { QUESTIONS };
        let questions = pick_questions(self.catalog(), &recent, &ratings, count);
        let now = self.clock().now();
        let checkin = storage
            .create_checkin(
                &pair,
                occurrence,
                &questions,
                monthly,
                occurrence + self.settings().checkin_reminder,
                now,
            )
            .await?;
        let manager = name_of(self, pair.manager).await?;
        let Some(leader) = external_id(self, pair.leader).await? else {
            return Ok(None);
        };
        let title = format!("Your check-in for the week of {}", local.format("%d %b"));
        Ok(Some(
            self.checkin_message(&checkin, &leader, &manager, &title),
        ))
    }

    /// A check-in as the leader sees it: the questions, and buttons to answer, rate (monthly),
    /// snooze or skip.
    pub(super) fn checkin_message(
        &self,
        checkin: &Checkin,
        leader: &str,
        manager: &str,
        title: &str,
    ) -> Outgoing {
        let catalog = self.catalog();
        let mut message = RichMessage::titled(
            title,
            format!(
                "A few questions from your check-ins with {manager}. Answers are shared with {manager} unless you make one private after answering; you can edit them until the next check-in."
            ),
        );
        for (i, slug) in checkin.questions.iter().enumerate() {
            if let Some(item) = catalog.get(slug) {
                message.fields.push(Field {
                    name: format!("{}. {}", i + 1, item.title),
                    value: item.body.clone(),
                });
            }
        }
        if checkin.monthly {
            message.fields.push(Field {
                name: "Monthly self-rating".into(),
                value: "Once a month: how you rate yourself from 1 to 5 on each of the nine shifts. It feeds /progress and the trend your manager sees if you share it.".into(),
            });
        }
        let step = |step: CheckinStep, label: &str| Button {
            action: Action::Checkin {
                checkin: checkin.id,
                step,
            }
            .to_string(),
            label: label.into(),
        };
        message.buttons = vec![step(CheckinStep::Answer, "Answer")];
        if checkin.monthly {
            message
                .buttons
                .push(step(CheckinStep::Rate, "Rate my shifts"));
        }
        message
            .buttons
            .push(step(CheckinStep::Snooze, "Snooze 1 day"));
        message
            .buttons
            .push(step(CheckinStep::Skip, "Skip this one"));
        dm(leader, message)
    }
}

/// A check-in the acting leader may still change: theirs, and not followed by a newer one.
async fn own_checkin(
    ctx: &Context<'_>,
    id: i64,
) -> Result<(Checkin, Option<CheckinPair>), CoreError> {
    let storage = ctx.coach.storage();
    let checkin = storage
        .checkin(id)
        .await?
        .filter(|c| c.leader == ctx.user)
        .ok_or_else(|| {
            CoreError::Refused(
                "That check-in is not yours, or no longer exists. /checkin status shows your check-ins.".into(),
            )
        })?;
    let pair = match checkin.pair {
        Some(pair) => storage.pair(pair).await?,
        None => None,
    };
    if let Some(pair) = &pair {
        let latest = storage.pair_checkins(pair.id, 1).await?;
        if latest.first().is_some_and(|newest| newest.id != checkin.id) {
            return Err(CoreError::Refused(
                "A newer check-in has come since, so this one is closed. Answer the latest one instead.".into(),
            ));
        }
    }
    Ok((checkin, pair))
}

/// A press on a check-in's button, or the answer form's submission (`values`).
pub async fn step(
    ctx: &Context<'_>,
    id: i64,
    step: CheckinStep,
    values: Option<&BTreeMap<String, String>>,
) -> Result<Vec<Outgoing>, CoreError> {
    let (checkin, pair) = own_checkin(ctx, id).await?;
    let storage = ctx.coach.storage();
    let manager = match &pair {
        Some(pair) => name_of(ctx.coach, pair.manager).await?,
        None => "your manager".into(),
    };
    match (step, values) {
        (CheckinStep::Answer, Some(values)) => submit(ctx, &checkin, &manager, values).await,
        (CheckinStep::Answer, None) => answer_form(ctx, &checkin).await,
        (CheckinStep::Snooze, _) => {
            let until = ctx.now + SNOOZE;
            if !storage.snooze_checkin(checkin.id, until).await? {
                return Err(CoreError::Refused(
                    "That check-in is already answered or skipped, so there is nothing to snooze."
                        .into(),
                ));
            }
            ctx.coach.schedules_changed().notify_one();
            let when = until.with_timezone(&ctx.zone).format("%a %d %b, %H:%M");
            Ok(vec![ctx.reply(
                RichMessage::titled("Snoozed", format!("I will send it again on {when}.")),
                true,
            )])
        }
        (CheckinStep::Skip, _) => {
            if !storage.skip_checkin(checkin.id, ctx.now).await? {
                return Err(CoreError::Refused(
                    "That check-in is already answered or skipped.".into(),
                ));
            }
            ctx.coach.schedules_changed().notify_one();
            Ok(vec![ctx.reply(
                RichMessage::titled(
                    "Skipped",
                    format!("This check-in is skipped; {manager} will see that it was, and nothing else. The next one comes as planned."),
                ),
                true,
            )])
        }
        (CheckinStep::Rate, _) => next_rating(ctx, &checkin).await,
        (CheckinStep::ShareRatings(shared), _) => {
            storage.set_ratings_shared(checkin.id, shared).await?;
            summary(ctx, &checkin, &manager).await
        }
        (CheckinStep::SendDigest, _) => {
            let sent = storage.digest_now(checkin.id, ctx.now).await?;
            ctx.coach.schedules_changed().notify_one();
            let text = if sent {
                format!("Your shared answers go to {manager} now.")
            } else {
                format!("{manager} already has this check-in's digest.")
            };
            Ok(vec![ctx.reply(RichMessage::titled("Digest", text), true)])
        }
    }
}

async fn answer_form(ctx: &Context<'_>, checkin: &Checkin) -> Result<Vec<Outgoing>, CoreError> {
    let earlier: BTreeMap<String, String> = ctx
        .coach
        .storage()
        .checkin_answers(checkin.id)
        .await?
        .into_iter()
        .map(|answer| (answer.slug, answer.body))
        .collect();
    let catalog = ctx.coach.catalog();
    let max = MAX_ANSWER_CHARS.min(ctx.limits().form_input_chars);
    let inputs = checkin
        .questions
        .iter()
        .filter_map(|slug| catalog.get(slug))
        .map(|item| FormInput {
            id: item.slug.clone(),
            label: item.title.clone(),
            placeholder: Some(crate::text::truncate(&item.body, 100)),
            multiline: true,
            max_chars: max,
            value: earlier.get(&item.slug).cloned(),
        })
        .collect();
    let message = RichMessage {
        form: Some(Form {
            id: Action::Checkin {
                checkin: checkin.id,
                step: CheckinStep::Answer,
            }
            .to_string(),
            title: "Check-in".into(),
            inputs,
        }),
        ..RichMessage::default()
    };
    Ok(vec![ctx.reply(message, true)])
}

async fn submit(
    ctx: &Context<'_>,
    checkin: &Checkin,
    manager: &str,
    values: &BTreeMap<String, String>,
) -> Result<Vec<Outgoing>, CoreError> {
    let catalog = ctx.coach.catalog();
    let mut answers = Vec::new();
    for slug in &checkin.questions {
        let title = catalog.get(slug).map_or(slug.as_str(), |item| &item.title);
        let text = values.get(slug).map(String::as_str).unwrap_or_default();
        let text = checked_text(text, MAX_ANSWER_CHARS).map_err(|err| match err {
            CoreError::Invalid(why) => CoreError::Invalid(format!("{title}: {why}")),
            other => other,
        })?;
        answers.push((slug.clone(), text.to_owned()));
    }
    ctx.coach
        .storage()
        .save_answers(checkin.id, &answers, ctx.now + DIGEST_DELAY, ctx.now)
        .await?;
    ctx.coach.schedules_changed().notify_one();
    tracing::info!(
        checkin = checkin.id,
        answers = answers.len(),
        "check-in answered"
    );
    summary(ctx, checkin, manager).await
}

/// What the leader answered and who sees it, with the buttons to change that.
async fn summary(
    ctx: &Context<'_>,
    checkin: &Checkin,
    manager: &str,
) -> Result<Vec<Outgoing>, CoreError> {
    let storage = ctx.coach.storage();
    let checkin = storage
        .checkin(checkin.id)
        .await?
        .unwrap_or_else(|| checkin.clone());
    let answers = storage.checkin_answers(checkin.id).await?;
    let ratings: Vec<Rating> = storage
        .ratings(ctx.user)
        .await?
        .into_iter()
        .filter(|r| r.checkin == checkin.id)
        .collect();
    let catalog = ctx.coach.catalog();
    let digest = match (checkin.digest_sent_at, checkin.digest_due_at) {
        (Some(_), _) => format!(
            "{manager} already has this check-in's digest; what you change now shows in later agendas, not in that digest."
        ),
        (None, Some(at)) => format!(
            "Shared answers go to {manager} at {} unless you send them now.",
            at.with_timezone(&ctx.zone).format("%H:%M %Z")
        ),
        (None, None) => String::new(),
    };
    let mut message = RichMessage::titled("Check-in saved", digest);
    let mut buttons = Vec::new();
    for (i, answer) in answers.iter().enumerate() {
        let title = catalog
            .get(&answer.slug)
            .map_or(answer.slug.as_str(), |item| &item.title);
        let who = if answer.shared {
            format!("shared with {manager}")
        } else {
            "private".into()
        };
        message.fields.push(Field {
            name: format!("{}. {title} ({who})", i + 1),
            value: answer.body.clone(),
        });
        buttons.push(Button {
            action: Action::ShareAnswer {
                checkin: checkin.id,
                answer: answer.id,
                shared: !answer.shared,
            }
            .to_string(),
            label: if answer.shared {
                format!("Make {} private", i + 1)
            } else {
                format!("Share {}", i + 1)
            },
        });
    }
    let step = |step: CheckinStep, label: &str| Button {
        action: Action::Checkin {
            checkin: checkin.id,
            step,
        }
        .to_string(),
        label: label.into(),
    };
    if !ratings.is_empty() {
        let shared = ratings.iter().all(|r| r.shared);
        message.fields.push(Field {
            name: format!(
                "Self-ratings ({})",
                if shared {
                    format!("shared with {manager}")
                } else {
                    "private".into()
                }
            ),
            value: ratings
                .iter()
                .map(|r| format!("{}: {}", shift_title(catalog, &r.shift), r.rating))
                .collect::<Vec<_>>()
                .join("\n"),
        });
        buttons.push(step(
            CheckinStep::ShareRatings(!shared),
            if shared {
                "Make ratings private"
            } else {
                "Share ratings"
            },
        ));
    }
    if checkin.monthly && ratings.len() < rated_shifts(catalog).len() {
        buttons.push(step(CheckinStep::Rate, "Rate my shifts"));
    }
    if !answers.is_empty() {
        buttons.push(step(CheckinStep::Answer, "Edit answers"));
    }
    if checkin.digest_due_at.is_some() && checkin.digest_sent_at.is_none() {
        buttons.push(step(CheckinStep::SendDigest, "Send to my manager now"));
    }
    message.buttons = buttons;
    Ok(vec![ctx.reply(message, true)])
}

/// The next shift to rate on a monthly check-in, with buttons 1 to 5; the summary once all
/// are rated.
async fn next_rating(ctx: &Context<'_>, checkin: &Checkin) -> Result<Vec<Outgoing>, CoreError> {
    if !checkin.monthly {
        return Err(CoreError::Refused(
            "This check-in does not ask for ratings; the first check-in of each month does.".into(),
        ));
    }
    let catalog = ctx.coach.catalog();
    let done: Vec<String> = ctx
        .coach
        .storage()
        .ratings(ctx.user)
        .await?
        .into_iter()
        .filter(|r| r.checkin == checkin.id)
        .map(|r| r.shift)
        .collect();
    let shifts = rated_shifts(catalog);
    let Some((index, shift)) = shifts
        .iter()
        .enumerate()
        .find(|(_, shift)| !done.contains(&shift.slug))
    else {
        let manager = match checkin.pair {
            Some(pair) => match ctx.coach.storage().pair(pair).await? {
                Some(pair) => name_of(ctx.coach, pair.manager).await?,
                None => "your manager".into(),
            },
            None => "your manager".into(),
        };
        return summary(ctx, checkin, &manager).await;
    };
    let mut body = rating_item(catalog, &shift.slug)
        .map(|item| item.body.clone())
        .unwrap_or_else(|| format!("How would you rate yourself this month on {}?", shift.title));
    if let Some(item) = rating_item(catalog, &shift.slug) {
        for (score, words) in &item.scale {
            body.push_str(&format!("\n- **{score}**: {words}"));
        }
    }
    let mut message = RichMessage::titled(
        format!("Rate {} of {}: {}", index + 1, shifts.len(), shift.title),
        body,
    );
    message.buttons = (1..=5)
        .map(|rating| Button {
            action: Action::Rate {
                checkin: checkin.id,
                shift: u8::try_from(index).unwrap_or(u8::MAX),
                rating,
            }
            .to_string(),
            label: rating.to_string(),
        })
        .collect();
    Ok(vec![ctx.reply(message, true)])
}

/// A rating button: kept, then the next shift.
pub async fn rate(
    ctx: &Context<'_>,
    id: i64,
    shift: u8,
    rating: u8,
) -> Result<Vec<Outgoing>, CoreError> {
    let (checkin, _) = own_checkin(ctx, id).await?;
    if !checkin.monthly {
        return Err(CoreError::Refused(
            "This check-in does not ask for ratings.".into(),
        ));
    }
    let shifts = rated_shifts(ctx.coach.catalog());
    let item = shifts.get(usize::from(shift)).ok_or_else(|| {
        CoreError::Refused(
            "That rating button is from an older catalog; press Rate my shifts again.".into(),
        )
    })?;
    ctx.coach
        .storage()
        .save_rating(&checkin, &item.slug, rating, ctx.now)
        .await?;
    next_rating(ctx, &checkin).await
}

/// A press on an answer's share button.
pub async fn share_answer(
    ctx: &Context<'_>,
    id: i64,
    answer: i64,
    shared: bool,
) -> Result<Vec<Outgoing>, CoreError> {
    let storage = ctx.coach.storage();
    let checkin = storage
        .checkin(id)
        .await?
        .filter(|c| c.leader == ctx.user)
        .ok_or_else(|| CoreError::Refused("That answer is not yours.".into()))?;
    if !storage
        .set_answer_shared(checkin.id, answer, shared)
        .await?
    {
        return Err(CoreError::Refused("That answer no longer exists.".into()));
    }
    let manager = match checkin.pair {
        Some(pair) => match storage.pair(pair).await? {
            Some(pair) => name_of(ctx.coach, pair.manager).await?,
            None => "your manager".into(),
        },
        None => "your manager".into(),
    };
    summary(ctx, &checkin, &manager).await
}
