//! `/mydata export` and `/mydata delete`: a person's own data, all of it, on request.

use serde_json::json;

use super::{
    Context, CoreError, Outgoing, RichMessage,
    action::Action,
    message::{Attachment, Button},
};
use super::{Destination, OutgoingKind};
use crate::storage::{ConfirmationOutcome, PairState};

/// The purpose of the confirmation `/mydata delete` asks for.
const DELETE_PURPOSE: &str = "mydata-delete";
/// How long the confirmation buttons of `/mydata delete` work, in minutes.
const CONFIRM_MINUTES: i64 = 10;

/// `/mydata export|delete`.
pub async fn mydata(ctx: &Context<'_>, text: &str) -> Result<Vec<Outgoing>, CoreError> {
    match text.trim().to_lowercase().as_str() {
        "export" => export(ctx).await,
        "delete" => {
            let expires = ctx.now + chrono::Duration::minutes(CONFIRM_MINUTES);
            let confirmation = ctx
                .coach
                .storage()
                .open_confirmation(ctx.user, DELETE_PURPOSE, ctx.now, expires)
                .await?;
            let mut message = RichMessage::titled(
                "Delete all your data?",
                format!("This deletes every reflection, scenario answer, check-in answer, self-rating and decision, your check-in pairs (as manager or leader), and the record of what you have been shown, on every channel, with your name, zone and earlier export files kept here. It cannot be undone. Export first (/mydata export) if you want a copy. These buttons work once, for {CONFIRM_MINUTES} minutes."),
            );
            let choice = |accept: bool, label: &str| Button {
                action: Action::Confirm { confirmation, accept }.to_string(),
                label: label.into(),
            };
            message.buttons = vec![choice(true, "Delete everything"), choice(false, "Keep my data")];
            Ok(vec![ctx.reply(message, true)])
        }
        _ => Err(CoreError::Refused(
            "Usage: /mydata export (a JSON file with everything stored about you) or /mydata delete (asks to confirm, then deletes it all).".into(),
        )),
    }
}

/// A press on a confirmation button. Only the first press on the person's latest, unexpired
/// confirmation counts; any other press changes nothing and says so.
pub async fn confirm(
    ctx: &Context<'_>,
    confirmation: i64,
    accept: bool,
) -> Result<Vec<Outgoing>, CoreError> {
    let outcome = ctx
        .coach
        .storage()
        .settle_confirmation(confirmation, ctx.user, DELETE_PURPOSE, accept, ctx.now)
        .await?;
    if outcome == ConfirmationOutcome::Stale {
        return Err(CoreError::Refused(
            "That confirmation has expired: it was already answered, replaced by a newer one, or is too old. Nothing was deleted. Run /mydata delete again if you still want to.".into(),
        ));
    }
    if !accept {
        let message = RichMessage::titled("Nothing deleted", "Your data is as it was.");
        return Ok(vec![ctx.reply(message, true)]);
    }
    // Whoever this person checks in with is told the pair ended (it goes with the data).
    let storage = ctx.coach.storage();
    let mut partners = Vec::new();
    for pair in storage.all_pairs(ctx.user).await? {
        if matches!(pair.state, PairState::Pending | PairState::Active) {
            let other = if pair.manager == ctx.user {
                pair.leader
            } else {
                pair.manager
            };
            if let Some(identity) = storage.user_identity(other).await? {
                partners.push(identity.external_id);
            }
        }
    }
    let counts = storage.delete_user_data(ctx.user).await?;
    tracing::info!(
        reflections = counts.reflections,
        views = counts.content_views,
        "user data deleted on request"
    );
    let message = RichMessage::titled(
        "Your data is deleted",
        format!(
            "Deleted {} reflection(s) and scenario answer(s), {} record(s) of items you were shown, your check-ins, ratings, decisions and check-in pairs (a manager no longer sees anything you shared), your name and zone, and any export files kept here. Schedules you set for a channel keep running for the channel, no longer linked to you. Nothing of yours is left.",
            counts.reflections, counts.content_views
        ),
    );
    let mut reply = ctx.reply(message, true);
    reply.erasure = true;
    let name = &ctx.interaction.actor.display_name;
    let mut answer = vec![reply];
    answer.extend(partners.into_iter().map(|partner| {
        Outgoing::new(
            OutgoingKind::Dm,
            Destination::Person(partner),
            true,
            RichMessage::titled(
                "Check-ins ended",
                format!("{name} deleted their data, which ended your check-ins with them. Nothing more is scheduled, and what they wrote is gone; what you wrote yourself stays yours."),
            ),
        )
    }));
    Ok(answer)
}

async fn export(ctx: &Context<'_>) -> Result<Vec<Outgoing>, CoreError> {
    let storage = ctx.coach.storage();
    let actor = &ctx.interaction.actor;
    let reflections = storage.all_reflections(ctx.user).await?;
    let views = storage.content_views(ctx.user).await?;
    let pairs = storage.all_pairs(ctx.user).await?;
    let mut pairs_json = Vec::new();
    for pair in &pairs {
        let other = if pair.manager == ctx.user {
            pair.leader
        } else {
            pair.manager
        };
        pairs_json.push(json!({
            "id": pair.id,
            "workspace": pair.workspace,
            "role": if pair.manager == ctx.user { "manager" } else { "leader" },
            "with": storage.display_name(other).await?,
            "state": pair.state.as_str(),
            "cadence": pair.label,
            "zone": pair.zone,
            "invited_at": pair.created_at.to_rfc3339(),
            "decided_at": pair.decided_at.map(|at| at.to_rfc3339()),
        }));
    }
    let ratings = storage.ratings(ctx.user).await?;
    let mut checkins_json = Vec::new();
    for checkin in storage.leader_checkins(ctx.user).await? {
        let answers = storage.checkin_answers(checkin.id).await?;
        checkins_json.push(json!({
            "id": checkin.id,
            "pair": checkin.pair,
            "due_at": checkin.due_at.to_rfc3339(),
            "state": checkin.state.as_str(),
            "questions": checkin.questions,
            "answers": answers.iter().map(|a| json!({
                "question": a.slug,
                "text": a.body,
                "shared_with_manager": a.shared,
                "answered_at": a.answered_at.to_rfc3339(),
                "updated_at": a.updated_at.to_rfc3339(),
            })).collect::<Vec<_>>(),
            "ratings": ratings.iter().filter(|r| r.checkin == checkin.id).map(|r| json!({
                "shift": r.shift,
                "rating": r.rating,
                "shared_with_manager": r.shared,
                "rated_at": r.rated_at.to_rfc3339(),
            })).collect::<Vec<_>>(),
        }));
    }
    let decisions = storage.decisions(ctx.user).await?;
    let document = json!({
        "exported_at": ctx.now.to_rfc3339(),
        "user": {
            "platform": actor.platform.as_str(),
            "workspace": actor.workspace,
            "id": actor.user_id,
            "display_name": actor.display_name,
            "zone": ctx.zone.name(),
        },
        "reflections": reflections.iter().map(|r| json!({
            "id": r.id,
            "created_at": r.created_at.to_rfc3339(),
            "channel": r.channel,
            "source": r.source.as_str(),
            "slug": r.slug,
            "delivery": r.delivery,
            "text": r.body,
        })).collect::<Vec<_>>(),
        "checkin_pairs": pairs_json,
        "checkins": checkins_json,
        "decisions": decisions.iter().map(|d| json!({
            "id": d.id,
            "workspace": d.workspace,
            "decision": d.decision,
            "options": d.options,
            "expected": d.expected,
            "confidence_percent": d.confidence,
            "review_at": d.review_at.to_rfc3339(),
            "outcome": d.outcome.map(|o| o.as_str()),
            "learned": d.learned,
            "reviewed_at": d.reviewed_at.map(|at| at.to_rfc3339()),
            "shared_with_manager": d.shared,
            "created_at": d.created_at.to_rfc3339(),
        })).collect::<Vec<_>>(),
        "content_views": views.iter().map(|(slug, first, last, times)| json!({
            "slug": slug,
            "first_seen": first.to_rfc3339(),
            "last_seen": last.to_rfc3339(),
            "times": times,
        })).collect::<Vec<_>>(),
    });
    let bytes =
        serde_json::to_vec_pretty(&document).map_err(|err| CoreError::Internal(err.into()))?;
    let mut message = RichMessage::titled(
        "Your data",
        format!(
            "Everything stored about you, as JSON: {} reflection(s) and {} item(s) you were shown.",
            reflections.len(),
            views.len()
        ),
    );
    message.attachment = Some(Attachment {
        filename: format!("shiftcoach-data-{}.json", ctx.now.format("%Y%m%dT%H%M%SZ")),
        media_type: "application/json",
        bytes,
    });
    Ok(vec![ctx.reply(message, true)])
}
