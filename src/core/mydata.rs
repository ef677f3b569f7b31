//! `/mydata export` and `/mydata delete`: a person's own data, all of it, on request.

use serde_json::json;

use super::{
    Context, CoreError, Outgoing, RichMessage,
    action::Action,
    message::{Attachment, Button},
};
use crate::storage::ConfirmationOutcome;

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
                format!("This deletes every reflection, scenario answer and record of what you have been shown, on every channel, with your name, zone and earlier export files kept here. It cannot be undone. Export first (/mydata export) if you want a copy. These buttons work once, for {CONFIRM_MINUTES} minutes."),
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
    let counts = ctx.coach.storage().delete_user_data(ctx.user).await?;
    tracing::info!(
        reflections = counts.reflections,
        views = counts.content_views,
        "user data deleted on request"
    );
    let message = RichMessage::titled(
        "Your data is deleted",
        format!(
            "Deleted {} reflection(s) and scenario answer(s), {} record(s) of items you were shown, your name and zone, and any export files kept here. Schedules you set for a channel keep running for the channel, no longer linked to you. Nothing of yours is left.",
            counts.reflections, counts.content_views
        ),
    );
    let mut reply = ctx.reply(message, true);
    reply.erasure = true;
    Ok(vec![reply])
}

async fn export(ctx: &Context<'_>) -> Result<Vec<Outgoing>, CoreError> {
    let storage = ctx.coach.storage();
    let actor = &ctx.interaction.actor;
    let reflections = storage.all_reflections(ctx.user).await?;
    let views = storage.content_views(ctx.user).await?;
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
