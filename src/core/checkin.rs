//! Manager check-ins with new leaders: `/checkin invite|accept|decline|stop|status|prep`, the
//! check-in a leader receives at the agreed cadence (two or three weekly questions, and once a
//! month the 1-to-5 self-rating of the nine shifts), its follow-ups (one reminder, a snoozed
//! re-send, the manager's digest), and the one-on-one agenda.
//!
//! Privacy: nothing is scheduled or shared before the leader accepts. Each check-in answer is
//! shared with the manager unless the leader makes it private; reflections, nudge replies and
//! scenario answers are never shown to a manager. The manager sees shared answers only while
//! the pair is active ([`super::permissions`]).

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, Utc};
use chrono_tz::Tz;

use super::{
    Context, CoreError, Destination, Outgoing, OutgoingKind,
    action::{Action, CheckinStep},
    message::{Button, Field, Form, FormInput, RichMessage},
    permissions::{Data, Viewer, may_see},
    reflect::checked_text,
    when::CronSpec,
};
use crate::{
    content::{CheckinSet, Item, Kind},
    storage::{
        ChannelAddress, Checkin, CheckinAnswer, CheckinPair, CheckinState, Identity, NewPair,
        NewSchedule, PairState, Purpose, Rating, UserId,
    },
};

/// How long an unanswered check-in waits before its reminder, unless configured.
pub const DEFAULT_REMINDER: Duration = Duration::hours(24);
/// How long "Snooze 1 day" waits.
pub const SNOOZE: Duration = Duration::days(1);
/// How long after answering the manager's digest goes out: time to make an answer private
/// first. "Send to my manager now" skips the wait.
pub const DIGEST_DELAY: Duration = Duration::hours(1);
/// Weekly questions in a check-in (one fewer in the monthly one, which also asks the ratings).
pub const QUESTIONS: usize = 3;
/// Longest answer accepted, in characters.
pub const MAX_ANSWER_CHARS: usize = 2000;
/// A shift rated this or lower ...
pub const ATTENTION_RATING: u8 = 2;
/// ... this many rated check-ins running is flagged in the digest.
pub const ATTENTION_RUN: usize = 3;
/// The cadence when the invitation names none.
pub const DEFAULT_CADENCE: &str = "weekly mon 10:00";
/// Check-ins looked back on for question rotation.
const ROTATION_WINDOW: i64 = 6;
/// How far back a one-on-one agenda looks when there was no earlier one.
const FIRST_PREP_DAYS: i64 = 30;

const USAGE: &str = "Usage: /checkin invite @leader [weekly tue 10:00 | biweekly thu 16:00 | cron] [zone], /checkin accept, /checkin decline, /checkin stop [@person], /checkin status, /checkin prep @leader.";

/// `/checkin …`.
pub async fn checkin(ctx: &Context<'_>, text: &str) -> Result<Vec<Outgoing>, CoreError> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let Some((verb, rest)) = words.split_first() else {
        return Err(CoreError::Refused(USAGE.into()));
    };
    match verb.to_lowercase().as_str() {
        "invite" => invite(ctx, rest).await,
        "accept" => answer_invitation(ctx, None, true).await,
        "decline" => answer_invitation(ctx, None, false).await,
        "stop" | "end" => stop(ctx, rest).await,
        "status" => status(ctx).await,
        "prep" => prep(ctx, rest).await,
        _ => Err(CoreError::Refused(USAGE.into())),
    }
}

/// How check-ins repeat: a cron pattern in the leader's zone, every one or two weeks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cadence {
    pub spec_pattern: String,
    pub label: String,
    pub every_weeks: u8,
}

/// Reads a cadence: `weekly [day] [time]`, `biweekly [day] [time]` (Monday and 10:00 when
/// left out), or a 5-field cron expression; empty means [`DEFAULT_CADENCE`].
///
/// # Errors
/// A message for the person naming what could not be read.
pub fn parse_cadence(words: &[&str]) -> Result<Cadence, String> {
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
        _ => {
            let spec = CronSpec::parse(&words.join(" ")).map_err(|err| {
                format!("{err} For check-ins, say weekly tue 10:00 or biweekly thu 16:00.")
            })?;
            if !spec.pattern().contains(' ') || words.len() != 5 {
                return Err(
                    "Say the cadence as weekly tue 10:00, biweekly thu 16:00, or a 5-field cron expression.".into(),
                );
            }
            return Ok(Cadence {
                spec_pattern: spec.pattern().to_owned(),
                label: spec.label().to_owned(),
                every_weeks: 1,
            });
        }
    };
    let rest = &words[1..];
    let (day, time) = match rest {
        [] => ("mon", "10:00"),
        [one] if one.contains(':') || one.ends_with("am") || one.ends_with("pm") => ("mon", *one),
        [day] => (*day, "10:00"),
        [day, time] => (*day, *time),
        _ => {
            return Err(format!(
                "\u{201c}{}\u{201d} has too many parts: say {first} tue 10:00.",
                words.join(" ")
            ));
        }
    };
    if day.contains([',', '-']) || ["daily", "weekdays", "weekends"].contains(&day) {
        return Err(format!(
            "A {first} check-in is on one day: say {first} tue 10:00."
        ));
    }
    let spec = CronSpec::parse(&format!("{day} {time}"))?;
    Ok(Cadence {
        spec_pattern: spec.pattern().to_owned(),
        label: format!("{first} {day} {time}"),
        every_weeks,
    })
}

/// The person a mention names, as a user id: verified mentions (Discord, Slack) are taken as
/// members and recorded if new; a console name must belong to someone who used the coach.
async fn mentioned(ctx: &Context<'_>, token: &str) -> Result<(UserId, String), CoreError> {
    let actor = &ctx.interaction.actor;
    let external = ctx
        .coach
        .router()
        .mentioned_user(actor.platform, token)
        .ok_or_else(|| {
            CoreError::Refused(format!(
                "\u{201c}{token}\u{201d} is not a mention. Name the person with @, as your chat suggests it."
            ))
        })?;
    let identity = Identity::new(actor.platform, &actor.workspace, &external);
    let storage = ctx.coach.storage();
    let user = match storage.find_user(&identity).await? {
        Some(user) => user,
        None if actor.platform.mentions_are_verified() => {
            storage.user_for(&identity, ctx.now).await?
        }
        None => {
            return Err(CoreError::Refused(format!(
                "No one called {external} has used the coach here. They need to say hello first (in the console: /as {external})."
            )));
        }
    };
    Ok((user, external))
}

/// How to show a person in a message: their name as last seen.
async fn name_of(ctx: &super::Coach, user: UserId) -> Result<String, CoreError> {
    Ok(ctx
        .storage()
        .display_name(user)
        .await?
        .unwrap_or_else(|| "someone".into()))
}

fn dm(to: &str, message: RichMessage) -> Outgoing {
    Outgoing::new(
        OutgoingKind::Dm,
        Destination::Person(to.to_owned()),
        true,
        message,
    )
}

async fn external_id(coach: &super::Coach, user: UserId) -> Result<Option<String>, CoreError> {
    Ok(coach
        .storage()
        .user_identity(user)
        .await?
        .map(|identity| identity.external_id))
}

async fn invite(ctx: &Context<'_>, words: &[&str]) -> Result<Vec<Outgoing>, CoreError> {
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
    let cadence = parse_cadence(cadence_words).map_err(CoreError::Refused)?;
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
        return Err(CoreError::Refused(format!(
            "That invitation was already answered or withdrawn ({}). /checkin status shows where things stand.",
            pair.state.as_str()
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

async fn stop(ctx: &Context<'_>, words: &[&str]) -> Result<Vec<Outgoing>, CoreError> {
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
    let mut answer = vec![ctx.reply(
        RichMessage::titled(
            "Check-ins ended",
            format!("Your check-ins with {other_name} have ended: nothing more is scheduled, and what was shared is no longer shown to the manager. The leader's own answers stay theirs (/mydata)."),
        ),
        true,
    )];
    if let Some(external) = external_id(ctx.coach, other).await? {
        answer.push(dm(
            &external,
            RichMessage::titled(
                "Check-ins ended",
                format!("{me} ended your check-ins. Nothing more is scheduled."),
            ),
        ));
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
fn on_week(pair: &CheckinPair, spec: &CronSpec, zone: Tz, at: DateTime<Utc>) -> bool {
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

fn pair_zone(pair: &CheckinPair, fallback: Tz) -> Tz {
    pair.zone
        .as_deref()
        .and_then(|name| crate::zone::parse_zone(name).ok())
        .unwrap_or(fallback)
}

async fn status(ctx: &Context<'_>) -> Result<Vec<Outgoing>, CoreError> {
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
                    "{}. Next check-in: {next}. Last answer: {last}. Streak: {}.",
                    pair.label,
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

/// Check-ins answered in a row, counting back from the latest one that is no longer open.
pub fn streak(newest_first: &[Checkin]) -> usize {
    newest_first
        .iter()
        .skip_while(|c| c.state == CheckinState::Open)
        .take_while(|c| c.state == CheckinState::Answered)
        .count()
}

/// The nine shifts in rating order (by number, the identity shift last), from the catalog.
pub fn rated_shifts(catalog: &crate::content::Catalog) -> Vec<&Item> {
    let mut shifts: Vec<&Item> = catalog.of_kind(Kind::Shift).collect();
    shifts.sort_by_key(|item| (item.number.unwrap_or(u8::MAX), item.slug.clone()));
    shifts
}

/// The monthly self-rating item of a shift.
fn rating_item<'a>(catalog: &'a crate::content::Catalog, shift: &str) -> Option<&'a Item> {
    catalog
        .of_kind(Kind::Checkin)
        .find(|item| item.set == Some(CheckinSet::Monthly) && item.shift.as_deref() == Some(shift))
}

/// The latest rating of each shift, and the one before it, among `ratings` (oldest first).
fn latest_two(ratings: &[Rating]) -> BTreeMap<String, (Option<u8>, u8)> {
    let mut out: BTreeMap<String, (Option<u8>, u8)> = BTreeMap::new();
    for rating in ratings {
        out.entry(rating.shift.clone())
            .and_modify(|(before, now)| {
                *before = Some(*now);
                *now = rating.rating;
            })
            .or_insert((None, rating.rating));
    }
    out
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

impl super::Coach {
    /// The check-in for a pair's occurrence (stored once, so a retry asks the same questions),
    /// as the leader's DM; `None` when this occurrence is not a check-in (the off week of a
    /// biweekly cadence, a pair that ended).
    pub(super) async fn compose_checkin(
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
    fn checkin_message(
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
            CoreError::Refused(why) => CoreError::Refused(format!("{title}: {why}")),
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
            at.with_timezone(&ctx.zone).format("%H:%M")
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

fn shift_title(catalog: &crate::content::Catalog, slug: &str) -> String {
    catalog
        .get(slug)
        .map_or_else(|| slug.to_owned(), |item| item.title.clone())
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

/// The active pair in which `ctx`'s person manages the leader `token` mentions.
pub(super) async fn managed_leader(
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
pub(super) async fn shared_ratings(
    coach: &super::Coach,
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

pub(super) fn trend_lines(catalog: &crate::content::Catalog, ratings: &[Rating]) -> Vec<String> {
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

impl super::Coach {
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
        for shift in needs_attention(&ratings) {
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
                    let key = format!("digest-{}", checkin.id);
                    let platform = self.platform_of(pair.manager).await?;
                    match self
                        .send(platform, &pair.workspace, &outgoing, Some(&key))
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
            let key = format!(
                "{}-{}",
                if snoozed { "snoozed" } else { "reminder" },
                checkin.id
            );
            let platform = self.platform_of(pair.leader).await?;
            match self
                .send(platform, &pair.workspace, &outgoing, Some(&key))
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
async fn prep(ctx: &Context<'_>, words: &[&str]) -> Result<Vec<Outgoing>, CoreError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cadences_read_weekly_biweekly_and_cron() {
        let weekly = parse_cadence(&["weekly", "tue", "10:00"]).unwrap();
        assert_eq!(
            (weekly.spec_pattern.as_str(), weekly.every_weeks),
            ("0 10 * * 2", 1)
        );
        let biweekly = parse_cadence(&["biweekly", "thu", "16:00"]).unwrap();
        assert_eq!(
            (biweekly.spec_pattern.as_str(), biweekly.every_weeks),
            ("0 16 * * 4", 2)
        );
        assert_eq!(parse_cadence(&[]).unwrap().spec_pattern, "0 10 * * 1");
        assert_eq!(
            parse_cadence(&["weekly"]).unwrap().spec_pattern,
            "0 10 * * 1"
        );
        assert_eq!(
            parse_cadence(&["weekly", "9am"]).unwrap().spec_pattern,
            "0 9 * * 1"
        );
        let cron = parse_cadence(&["30", "8", "*", "*", "5"]).unwrap();
        assert_eq!(
            (cron.spec_pattern.as_str(), cron.every_weeks),
            ("30 8 * * 5", 1)
        );
        for bad in [
            vec!["weekly", "someday", "10:00"],
            vec!["weekly", "tue", "25:00"],
            vec!["weekly", "mon,tue", "10:00"],
            vec!["weekly", "daily", "10:00"],
            vec!["monthly"],
            vec!["0", "9", "*"],
            vec!["weekly", "tue", "10:00", "extra"],
        ] {
            assert!(parse_cadence(&bad).is_err(), "{bad:?}");
        }
    }

    fn checkin_asking(id: i64, questions: &[String]) -> Checkin {
        Checkin {
            id,
            pair: Some(1),
            leader: UserId(1),
            due_at: Utc::now(),
            questions: questions.to_vec(),
            monthly: false,
            state: CheckinState::Answered,
            remind_at: None,
            reminded_at: None,
            snoozed_until: None,
            answered_at: None,
            digest_due_at: None,
            digest_sent_at: None,
        }
    }

    #[test]
    fn questions_rotate_and_lean_toward_the_lowest_rated_shift() {
        let catalog = crate::content::Catalog::embedded().unwrap();
        let weekly = catalog
            .of_kind(Kind::Checkin)
            .filter(|item| item.set == Some(CheckinSet::Weekly))
            .count();
        // Newest first, as the pair's check-ins are read: nothing repeats within the window.
        let mut recent: Vec<Checkin> = Vec::new();
        let mut asked = Vec::new();
        for id in 0..(weekly / QUESTIONS) as i64 {
            let picked = pick_questions(&catalog, &recent, &[], QUESTIONS);
            assert_eq!(picked.len(), QUESTIONS);
            for slug in &picked {
                assert!(!asked.contains(slug), "{slug} repeated within the rotation");
            }
            asked.extend(picked.clone());
            recent.insert(0, checkin_asking(id, &picked));
            recent.truncate(ROTATION_WINDOW as usize);
            if asked.len() >= ROTATION_WINDOW as usize * QUESTIONS {
                break;
            }
        }
        // With one shift rated lowest, the first question is about it.
        let weak = "execution-to-influence";
        let ratings: Vec<Rating> = rated_shifts(&catalog)
            .iter()
            .map(|shift| rating(1, &shift.slug, if shift.slug == weak { 1 } else { 4 }))
            .collect();
        let picked = pick_questions(&catalog, &[], &ratings, QUESTIONS);
        let first = catalog.get(&picked[0]).unwrap();
        assert!(first.shifts.iter().any(|s| s == weak), "{picked:?}");
    }

    fn rating(checkin: i64, shift: &str, value: u8) -> Rating {
        Rating {
            checkin,
            shift: shift.into(),
            rating: value,
            shared: true,
            rated_at: Utc::now(),
        }
    }

    #[test]
    fn attention_needs_three_low_ratings_running() {
        let low = [
            rating(1, "a", 2),
            rating(1, "b", 1),
            rating(2, "a", 1),
            rating(2, "b", 3),
            rating(3, "a", 2),
            rating(3, "b", 2),
        ];
        assert_eq!(needs_attention(&low), ["a"]);
        assert!(needs_attention(&low[..4]).is_empty(), "two is not a run");
        let recovered = [&low[..], &[rating(4, "a", 3)]].concat();
        assert!(needs_attention(&recovered).is_empty());
    }
}
