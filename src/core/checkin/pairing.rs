//! Pairing: `/checkin invite`, the leader's answer, `/checkin stop` and `/checkin status`, and
//! the cadence (weekly or every other week, in the leader's zone).

use super::*;

/// How check-ins repeat: a cron pattern in the leader's zone, every one or two weeks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cadence {
    pub spec_pattern: String,
    pub label: String,
    pub every_weeks: u8,
}

/// Reads a cadence: `weekly [day] [time]`, `biweekly [day] [time]` (Monday and 10:00 when
/// left out), or a 5-field cron expression that fires at most once a week; empty means
/// [`DEFAULT_CADENCE`]. `now` is when it is read: a cadence must fire within
/// [`crate::core::when::HORIZON_YEARS`] of it.
///
/// # Errors
/// A message for the person naming what could not be read.
pub fn parse_cadence(words: &[&str], now: DateTime<Utc>) -> Result<Cadence, String> {
    const FORMS: &str = "Say weekly tue 10:00 or biweekly thu 16:00 (one day and a time of day), or a 5-field cron expression that fires at most once a week.";
    let default: Vec<&str> = DEFAULT_CADENCE.split_whitespace().collect();
    let words = if words.is_empty() {
        default.as_slice()
    } else {
        words
    };
    let first = words[0].to_lowercase();
    let every_weeks = match first.as_str() {
        "weekly" => 1,
        "biweekly" | "fortnightly" => 2,
        _ if words.len() == 5 && first.starts_with(|c: char| c.is_ascii_digit() || c == '*') => {
            let spec = CronSpec::parse(&words.join(" ")).map_err(|err| format!("{err} {FORMS}"))?;
            let times = first_times(&spec, now, 6);
            if times.is_empty() {
                return Err(format!(
                    "\u{201c}{}\u{201d} never fires in the next {} years. {FORMS}",
                    words.join(" "),
                    crate::core::when::HORIZON_YEARS
                ));
            }
            if times
                .windows(2)
                .any(|pair| pair[1] - pair[0] < Duration::days(6))
            {
                return Err(format!(
                    "\u{201c}{}\u{201d} fires more than once a week; check-ins come at most weekly. {FORMS}",
                    words.join(" ")
                ));
            }
            return Ok(Cadence {
                spec_pattern: spec.pattern().to_owned(),
                label: spec.label().to_owned(),
                every_weeks: 1,
            });
        }
        _ => {
            return Err(format!(
                "I could not read \u{201c}{}\u{201d} as a check-in cadence. {FORMS}",
                words.join(" ")
            ));
        }
    };
    let rest = &words[1..];
    let is_time = |word: &str| word.contains(':') || word.ends_with("am") || word.ends_with("pm");
    let (day, time) = match rest {
        [] => ("mon", "10:00"),
        [one] if is_time(one) => ("mon", *one),
        [day] => (*day, "10:00"),
        [day, time] => (*day, *time),
        _ => {
            return Err(format!(
                "\u{201c}{}\u{201d} has too many parts. {FORMS}",
                words.join(" ")
            ));
        }
    };
    if day.contains([',', '-']) || ["daily", "weekdays", "weekends"].contains(&day) {
        return Err(format!("A {first} check-in is on one day. {FORMS}"));
    }
    if CronSpec::parse(&format!("{day} 10:00")).is_err() {
        return Err(format!(
            "\u{201c}{day}\u{201d} is not a day: say mon, tue, wed, thu, fri, sat or sun. {FORMS}"
        ));
    }
    let spec = CronSpec::parse(&format!("{day} {time}")).map_err(|_| {
        format!("\u{201c}{time}\u{201d} is not a time of day: write 10:00, 9am or 17:30. {FORMS}")
    })?;
    Ok(Cadence {
        spec_pattern: spec.pattern().to_owned(),
        label: format!("{first} {day} {time}"),
        every_weeks,
    })
}

/// The first `n` times `spec` fires after `now` (in UTC, which is enough to compare gaps of
/// days), within the horizon.
fn first_times(spec: &CronSpec, now: DateTime<Utc>, n: usize) -> Vec<DateTime<Utc>> {
    let mut times = Vec::new();
    let mut after = now;
    let Some(horizon) =
        now.checked_add_months(chrono::Months::new(12 * crate::core::when::HORIZON_YEARS))
    else {
        return times;
    };
    while times.len() < n {
        match spec.next_after(Tz::UTC, after).filter(|at| *at <= horizon) {
            Some(at) => {
                times.push(at);
                after = at;
            }
            None => break,
        }
    }
    times
}

pub(super) async fn invite(ctx: &Context<'_>, words: &[&str]) -> Result<Vec<Outgoing>, CoreError> {
    let Some((who, rest)) = words.split_first() else {
        return Err(CoreError::Refused(
            "Say whom to invite: /checkin invite @leader [weekly tue 10:00] [zone].".into(),
        ));
    };
    let (leader, leader_external) = mentioned(ctx, who).await?;
    if leader == ctx.user {
        return Err(CoreError::Refused(
            "You cannot invite yourself: check-ins pair a manager with someone else. /reflect and /decide are yours alone.".into(),
        ));
    }
    let (zone, cadence_words) = match rest.split_last() {
        Some((last, before)) if crate::zone::looks_like_zone(last) => {
            let zone = crate::zone::parse_zone(last).map_err(CoreError::Refused)?;
            (Some(zone), before)
        }
        _ => (None, rest),
    };
    let cadence = parse_cadence(cadence_words, ctx.now).map_err(CoreError::Refused)?;
    let workspace = &ctx.interaction.actor.workspace;
    let storage = ctx.coach.storage();
    for pair in storage.open_pairs(leader, workspace).await? {
        let leader_name = name_of(ctx.coach, leader).await?;
        let why = match (pair.manager == ctx.user, pair.state) {
            (true, PairState::Pending) => format!(
                "You already invited {leader_name}; the invitation waits for their answer. /checkin status shows it."
            ),
            (true, _) => format!(
                "You and {leader_name} are already paired. /checkin status shows the next check-in."
            ),
            (false, _) if pair.leader == leader => format!(
                "{leader_name} already has a manager for check-ins here (or an invitation waiting). A leader has one manager per workspace."
            ),
            (false, _) if pair.leader == ctx.user => format!(
                "{leader_name} is your manager for check-ins here (or has invited you), so you cannot be theirs as well."
            ),
            (false, _) => continue,
        };
        return Err(CoreError::Refused(why));
    }
    let pair = storage
        .create_pair(&NewPair {
            workspace,
            manager: ctx.user,
            leader,
            cron: &cadence.spec_pattern,
            label: &cadence.label,
            every_weeks: cadence.every_weeks,
            zone: zone.map(|zone| zone.name()),
            now: ctx.now,
        })
        .await?
        .ok_or_else(|| {
            CoreError::Refused(
                "That leader already has a manager for check-ins here, or an invitation waiting."
                    .into(),
            )
        })?;
    tracing::info!(pair = pair.id, "check-in invitation stored");
    let manager_name = &ctx.interaction.actor.display_name;
    let zone_words = match zone {
        Some(zone) => zone.name().to_owned(),
        None => "your own time zone".to_owned(),
    };
    let mut invitation = RichMessage::titled(
        "Check-in invitation",
        format!(
            "{manager_name} would like regular check-ins with you as you grow into leadership: {}, in {zone_words}.\n\nEach check-in asks two or three short questions, and once a month how you rate yourself on the nine shifts. For every answer you choose whether {manager_name} sees it (shared is the default) or only you do. Your reflections and journal stay yours alone.\n\nNothing is scheduled or shared unless you accept. Either of you can end it at any time with /checkin stop.",
            cadence.label
        ),
    );
    invitation.buttons = vec![
        Button {
            action: Action::Invitation {
                pair: pair.id,
                accept: true,
            }
            .to_string(),
            label: "Accept".into(),
        },
        Button {
            action: Action::Invitation {
                pair: pair.id,
                accept: false,
            }
            .to_string(),
            label: "Decline".into(),
        },
    ];
    invitation.fields.push(Field {
        name: "Or type".into(),
        value: "/checkin accept or /checkin decline".into(),
    });
    let leader_name = name_of(ctx.coach, leader).await?;
    let mut answer = vec![ctx.reply(
        RichMessage::titled(
            "Invitation sent",
            format!(
                "I asked {leader_name} to check in with you {}. Nothing is scheduled until they accept; I will tell you their answer.",
                cadence.label
            ),
        ),
        true,
    )];
    answer.push(dm(&leader_external, invitation));
    Ok(answer)
}

/// The leader's answer to an invitation, by button (`pair`) or by `/checkin accept|decline`
/// (their one pending invitation in this workspace).
pub async fn answer_invitation(
    ctx: &Context<'_>,
    pair: Option<i64>,
    accept: bool,
) -> Result<Vec<Outgoing>, CoreError> {
    let storage = ctx.coach.storage();
    let pending = match pair {
        Some(id) => storage.pair(id).await?,
        None => storage
            .open_pairs(ctx.user, &ctx.interaction.actor.workspace)
            .await?
            .into_iter()
            .find(|pair| pair.leader == ctx.user && pair.state == PairState::Pending),
    };
    let Some(pair) = pending.filter(|pair| pair.leader == ctx.user) else {
        return Err(CoreError::Refused(
            "There is no check-in invitation waiting for you. /checkin status shows your check-ins."
                .into(),
        ));
    };
    if pair.state != PairState::Pending {
        let what = match pair.state {
            PairState::Active => "was already accepted",
            PairState::Declined => "was already declined",
            _ => "was withdrawn",
        };
        return Err(CoreError::Refused(format!(
            "That invitation {what}. /checkin status shows where things stand."
        )));
    }
    let manager_name = name_of(ctx.coach, pair.manager).await?;
    let leader_name = &ctx.interaction.actor.display_name;
    let manager_external = external_id(ctx.coach, pair.manager).await?;
    if !accept {
        if !storage.decline_pair(pair.id, ctx.user, ctx.now).await? {
            return Err(CoreError::Refused(
                "That invitation was already answered.".into(),
            ));
        }
        let mut answer = vec![ctx.reply(
            RichMessage::titled(
                "Invitation declined",
                format!("Nothing was scheduled, and {manager_name} sees nothing of yours."),
            ),
            true,
        )];
        if let Some(manager) = manager_external {
            answer.push(dm(
                &manager,
                RichMessage::titled(
                    "Check-in invitation declined",
                    format!("{leader_name} declined check-ins for now."),
                ),
            ));
        }
        return Ok(answer);
    }
    let zone = match pair.zone.as_deref() {
        Some(name) => crate::zone::parse_zone(name).map_err(CoreError::Refused)?,
        None => ctx.zone,
    };
    let spec = CronSpec::from_pattern(&pair.cron, &pair.label).map_err(CoreError::Refused)?;
    let first = spec
        .first_within_horizon(zone, ctx.now)
        .map_err(CoreError::Refused)?;
    let actor = &ctx.interaction.actor;
    let address = ChannelAddress {
        platform: actor.platform,
        workspace: actor.workspace.clone(),
        channel: String::new(),
    };
    let accepted = storage
        .accept_pair(
            pair.id,
            ctx.user,
            zone.name(),
            &NewSchedule {
                purpose: Purpose::Checkin,
                channel: &address,
                person: Some(ctx.user),
                cron: &pair.cron,
                label: &pair.label,
                zone: zone.name(),
                mix: "",
                created_by: pair.manager,
                next_due: Some(first),
                now: ctx.now,
            },
        )
        .await?
        .ok_or_else(|| CoreError::Refused("That invitation was already answered.".into()))?;
    ctx.coach.schedules_changed().notify_one();
    tracing::info!(pair = accepted.id, "check-in invitation accepted");
    let when = first.with_timezone(&zone).format("%a %d %b %Y, %H:%M %Z");
    let mut answer = vec![ctx.reply(
        RichMessage::titled(
            "Check-ins start",
            format!(
                "You and {manager_name} check in {}. The first check-in comes on {when}. Each answer is shared with {manager_name} unless you make it private; /checkin stop ends it.",
                pair.label
            ),
        ),
        true,
    )];
    if let Some(manager) = manager_external {
        answer.push(dm(
            &manager,
            RichMessage::titled(
                "Check-in invitation accepted",
                format!(
                    "{leader_name} accepted check-ins {}. The first is on {when}; you get a digest of what they share after each one.",
                    pair.label
                ),
            ),
        ));
    }
    Ok(answer)
}

pub(super) async fn stop(ctx: &Context<'_>, words: &[&str]) -> Result<Vec<Outgoing>, CoreError> {
    let storage = ctx.coach.storage();
    let pairs = storage
        .open_pairs(ctx.user, &ctx.interaction.actor.workspace)
        .await?;
    let chosen = match words {
        [] => match pairs.as_slice() {
            [] => {
                return Err(CoreError::Refused(
                    "You have no check-ins to stop. /checkin status shows them.".into(),
                ));
            }
            [one] => one.clone(),
            _ => {
                return Err(CoreError::Refused(
                    "You have several check-in pairs: say which, /checkin stop @person.".into(),
                ));
            }
        },
        [who] => {
            let (other, _) = mentioned(ctx, who).await?;
            pairs
                .iter()
                .find(|pair| pair.manager == other || pair.leader == other)
                .cloned()
                .ok_or_else(|| {
                    CoreError::Refused(
                        "You have no check-ins with them. /checkin status shows yours.".into(),
                    )
                })?
        }
        _ => return Err(CoreError::Refused(USAGE.into())),
    };
    if !storage.end_pair(chosen.id, ctx.now).await? {
        return Err(CoreError::Refused(
            "Those check-ins had already ended.".into(),
        ));
    }
    ctx.coach.schedules_changed().notify_one();
    let other = if chosen.manager == ctx.user {
        chosen.leader
    } else {
        chosen.manager
    };
    let other_name = name_of(ctx.coach, other).await?;
    let me = &ctx.interaction.actor.display_name;
    let (mine, theirs) = if chosen.state == PairState::Pending {
        (
            (
                "Invitation withdrawn",
                format!(
                    "The check-in invitation between you and {other_name} is withdrawn; nothing was scheduled or shared."
                ),
            ),
            (
                "Invitation withdrawn",
                format!("{me} withdrew the check-in invitation."),
            ),
        )
    } else {
        (
            (
                "Check-ins ended",
                format!(
                    "Your check-ins with {other_name} have ended: nothing more is scheduled, and what was shared is no longer shown to the manager. The leader's own answers stay theirs (/mydata)."
                ),
            ),
            (
                "Check-ins ended",
                format!("{me} ended your check-ins. Nothing more is scheduled."),
            ),
        )
    };
    let mut answer = vec![ctx.reply(RichMessage::titled(mine.0, mine.1), true)];
    if let Some(external) = external_id(ctx.coach, other).await? {
        answer.push(dm(&external, RichMessage::titled(theirs.0, theirs.1)));
    }
    Ok(answer)
}

/// When the pair's next check-in really comes: the schedule's next occurrence, stepping over
/// the off weeks of a biweekly cadence.
fn next_checkin(
    pair: &CheckinPair,
    next_due: Option<DateTime<Utc>>,
    zone: Tz,
) -> Option<DateTime<Utc>> {
    let spec = CronSpec::from_pattern(&pair.cron, &pair.label).ok()?;
    let mut at = next_due?;
    for _ in 0..3 {
        if on_week(pair, &spec, zone, at) {
            return Some(at);
        }
        at = spec.next_after(zone, at)?;
    }
    None
}

/// Whether an occurrence at `at` is a check-in week: every week for a weekly cadence, every
/// other week (counted from the first occurrence after acceptance) for a biweekly one.
pub(super) fn on_week(pair: &CheckinPair, spec: &CronSpec, zone: Tz, at: DateTime<Utc>) -> bool {
    if pair.every_weeks <= 1 {
        return true;
    }
    let Some(anchor) = pair
        .decided_at
        .and_then(|decided| spec.next_after(zone, decided))
    else {
        return true;
    };
    let weeks = (at - anchor).num_days().div_euclid(7);
    weeks.rem_euclid(i64::from(pair.every_weeks)) == 0
}

pub(super) async fn status(ctx: &Context<'_>) -> Result<Vec<Outgoing>, CoreError> {
    let storage = ctx.coach.storage();
    let pairs = storage
        .open_pairs(ctx.user, &ctx.interaction.actor.workspace)
        .await?;
    if pairs.is_empty() {
        return Ok(vec![ctx.reply(
            RichMessage::titled(
                "Check-ins",
                "You have no check-ins. A manager starts them with /checkin invite @leader.",
            ),
            true,
        )]);
    }
    let mut message = RichMessage::titled("Check-ins", "");
    for pair in &pairs {
        let (role, other) = if pair.manager == ctx.user {
            ("You manage", pair.leader)
        } else {
            ("Your manager is", pair.manager)
        };
        let other_name = name_of(ctx.coach, other).await?;
        let zone = pair_zone(pair, ctx.zone);
        let value = match pair.state {
            PairState::Pending => format!(
                "Invited on {}, waiting for the leader's answer. Cadence: {}.",
                pair.created_at
                    .with_timezone(&ctx.zone)
                    .format("%a %d %b %Y"),
                pair.label
            ),
            _ => {
                let schedule = match pair.schedule {
                    Some(id) => storage.schedule(id).await?,
                    None => None,
                };
                let next = next_checkin(pair, schedule.and_then(|s| s.next_due), zone)
                    .map(|at| {
                        at.with_timezone(&zone)
                            .format("%a %d %b %Y, %H:%M %Z")
                            .to_string()
                    })
                    .unwrap_or_else(|| "none scheduled".into());
                let recent = storage.pair_checkins(pair.id, 50).await?;
                let last = recent
                    .iter()
                    .filter_map(|c| c.answered_at)
                    .max()
                    .map(|at| {
                        at.with_timezone(&ctx.zone)
                            .format("%a %d %b %Y")
                            .to_string()
                    })
                    .unwrap_or_else(|| "none yet".into());
                format!(
                    "{} in {}. Next check-in: {next}. Last answer: {last}. Streak: {}.",
                    pair.label,
                    zone.name(),
                    streak(&recent)
                )
            }
        };
        message.fields.push(Field {
            name: format!("{role} {other_name}"),
            value,
        });
    }
    Ok(vec![ctx.reply(message, true)])
}
