//! `/reflect` and `/journal`: private reflections, written and read back.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::{
    Coach, Context, CoreError, Interaction, InteractionKind,
    action::Action,
    commands::{self, CommandId},
    message::*,
};
use crate::{
    content::{Catalog, Item, Kind},
    secrets,
    storage::{NewReflection, ReflectionSource},
};

/// Longest reflection accepted, in characters. Forms ask for at most this, or less where the
/// platform's form inputs are shorter ([`Context::limits`]).
pub const MAX_REFLECTION_CHARS: usize = 4000;

/// Id of the single text input in the reflection form.
pub const REFLECT_INPUT: &str = "text";
/// Id of the answer input in the scenario form.
pub const SCENARIO_INPUT: &str = "answer";

const JOURNAL_DEFAULT: u32 = 5;
const JOURNAL_MAX: u32 = 50;

/// `/reflect` without text: the reflection form. With text, `/reflect` is an answer, taken
/// before dispatch by [`recognise`].
pub fn reflect(ctx: &Context<'_>) -> Vec<Outgoing> {
    vec![ctx.reply(reflect_form_for(ctx, None, None), true)]
}

/// Text a person wrote for keeping, recognised in an interaction before the person's record
/// is read, so that the record and the text are stored together in one statement
/// ([`Storage::record_reflection`](crate::storage::Storage::record_reflection)).
pub struct Answer {
    /// The text, trimmed and checked ([`checked_text`]).
    text: String,
    source: ReflectionSource,
    /// The content item it answers, when there is one.
    slug: Option<String>,
    /// The nudge it answers, when there is one.
    delivery: Option<i64>,
}

/// The answer `interaction` carries, if it is one: `/reflect` with text, a submitted
/// reflection or scenario form, a reply in a nudge's thread, or a direct message to the bot.
/// Every interaction of those kinds is taken here, so the dispatch never sees them.
///
/// # Errors
/// What the person must change ([`CoreError::Invalid`]: empty, too long, holding a secret) or
/// cannot answer ([`CoreError::Refused`]: a scenario no longer in the catalog, a thread that
/// is not a nudge's); [`CoreError::Unavailable`] when the thread cannot be looked up.
pub async fn recognise(
    coach: &Coach,
    interaction: &Interaction,
) -> Result<Option<Answer>, CoreError> {
    let (text, source, slug, delivery) = match &interaction.kind {
        InteractionKind::Command { name, text, .. } => {
            let Some(spec) = commands::find(name).filter(|spec| spec.id == CommandId::Reflect)
            else {
                return Ok(None);
            };
            let text = crate::text::arguments(text, spec.style);
            if crate::text::is_blank(&text) || !coach.may_use(&interaction.actor, spec.access) {
                return Ok(None);
            }
            (text, ReflectionSource::Command, None, None)
        }
        InteractionKind::Form { form_id, values } => match Action::parse(form_id) {
            Ok(Action::Reflect { slug, delivery }) => {
                let text = values.get(REFLECT_INPUT).map_or("", |text| text.trim());
                if text.is_empty() {
                    return Err(CoreError::Invalid(
                        "The reflection was empty, so nothing was saved.".into(),
                    ));
                }
                (text.to_owned(), ReflectionSource::Form, slug, delivery)
            }
            Ok(Action::Scenario { slug }) => {
                let (item, text) = scenario_answer(coach.catalog(), &slug, values)?;
                (
                    text.to_owned(),
                    ReflectionSource::Form,
                    Some(item.slug.clone()),
                    None,
                )
            }
            _ => return Ok(None),
        },
        InteractionKind::Message {
            text,
            thread: Some(thread),
            ..
        } => {
            let actor = &interaction.actor;
            let delivery = coach
                .storage()
                .delivery_for_message(actor.platform, &actor.workspace, thread)
                .await?
                .ok_or_else(|| {
                    CoreError::Refused(
                        "That thread is not one of my nudges, so I did not keep your message. Use /reflect to write a reflection.".into(),
                    )
                })?;
            (
                text.clone(),
                ReflectionSource::Reply,
                delivery.slug,
                Some(delivery.id),
            )
        }
        InteractionKind::Message {
            text,
            thread: None,
            direct: true,
        } => (text.clone(), ReflectionSource::Reply, None, None),
        InteractionKind::Message { .. } | InteractionKind::Button { .. } => return Ok(None),
    };
    let text = checked_text(&text, MAX_REFLECTION_CHARS)?.to_owned();
    Ok(Some(Answer {
        text,
        source,
        slug,
        delivery,
    }))
}

impl Answer {
    /// The reflection to store, written at `now` in `channel`.
    pub fn reflection<'a>(
        &'a self,
        channel: &'a str,
        now: DateTime<Utc>,
        event: Option<&'a str>,
    ) -> NewReflection<'a> {
        NewReflection {
            channel,
            source: self.source,
            slug: self.slug.as_deref(),
            delivery: self.delivery,
            body: &self.text,
            created_at: now,
            event,
        }
    }
}

/// The answer to an [`Answer`] once stored, `total` being how many reflections the person
/// now has. An answer to a practice scenario, however it arrives, is answered with the
/// debrief.
pub fn answered(ctx: &Context<'_>, answer: &Answer, total: i64) -> Vec<Outgoing> {
    tracing::info!(
        source = answer.source.as_str(),
        chars = answer.text.chars().count(),
        "reflection stored"
    );
    let item = answer
        .slug
        .as_deref()
        .and_then(|slug| ctx.coach.catalog().get(slug));
    if let Some(scenario) = item.filter(|item| item.kind == Kind::Scenario) {
        return vec![ctx.reply(debrief(ctx, scenario), true)];
    }
    let filed = match item {
        Some(item) => format!(" next to \u{201c}{}\u{201d}", item.title),
        None => String::new(),
    };
    let message = RichMessage::titled(
        "Reflection saved",
        format!(
            "Kept privately in your journal{filed} ({total} so far). Read them back with **/journal**."
        ),
    );
    vec![ctx.reply(message, true)]
}

/// The scenario named in a form or button.
pub(super) fn scenario_in<'a>(catalog: &'a Catalog, slug: &str) -> Result<&'a Item, CoreError> {
    catalog
        .get(slug)
        .filter(|item| item.kind == Kind::Scenario)
        .ok_or_else(|| {
            CoreError::Refused(
                "That scenario is no longer in the catalog; try /scenario for another.".into(),
            )
        })
}

/// The scenario a submitted answer form is about, and the answer's text.
///
/// # Errors
/// [`CoreError::Refused`] when the scenario left the catalog; [`CoreError::Invalid`] when the
/// answer is blank.
fn scenario_answer<'a>(
    catalog: &'a Catalog,
    slug: &str,
    values: &'a BTreeMap<String, String>,
) -> Result<(&'a Item, &'a str), CoreError> {
    let item = scenario_in(catalog, slug)?;
    let answer = values
        .get(SCENARIO_INPUT)
        .map(|text| text.trim())
        .unwrap_or("");
    if crate::text::is_blank(answer) {
        return Err(CoreError::Invalid(
            "The answer was empty, so there is no debrief yet: write what you would do.".into(),
        ));
    }
    Ok((item, answer))
}

/// The debrief of a practice scenario, shown once the person has answered it.
fn debrief(ctx: &Context<'_>, item: &Item) -> RichMessage {
    let catalog = ctx.coach.catalog();
    let mut message = RichMessage::titled(
        format!("Debrief: {}", item.title),
        item.debrief.clone().unwrap_or_default(),
    );
    message.slug = Some(item.slug.clone());
    if let Some(related) = catalog.related_line(item) {
        message.fields.push(Field {
            name: "Worth reading next".into(),
            value: related,
        });
    }
    message.fields.push(Field {
        name: "Your answer".into(),
        value: "Saved privately in your journal next to this scenario (/journal).".into(),
    });
    message
}

/// The reflection form, optionally tied to a content item and the nudge it came with; its
/// input takes as much as both the coach and the platform allow.
pub fn reflect_form_for(
    ctx: &Context<'_>,
    slug: Option<&str>,
    delivery: Option<i64>,
) -> RichMessage {
    let id = Action::Reflect {
        slug: slug.map(str::to_owned),
        delivery: delivery.filter(|_| slug.is_some()),
    }
    .to_string();
    let item = slug.and_then(|slug| ctx.coach.catalog().get(slug));
    // The form repeats what it answers: the item's question, or the general prompt.
    let (title, question) = match item {
        Some(item) if item.kind == Kind::Scenario => (
            format!("Your answer: {}", item.title),
            item.question
                .clone()
                .unwrap_or_else(|| "What would you do?".into()),
        ),
        Some(item) => (
            format!("Reflect: {}", item.title),
            item.question.clone().unwrap_or_else(|| {
                format!(
                    "Where did {} show up in your week, and what did you do?",
                    item.title
                )
            }),
        ),
        None => (
            "Write a reflection".into(),
            "What happened, what did you decide, and what would you do differently?".into(),
        ),
    };
    RichMessage {
        title: Some(title.clone()),
        body: format!("**{question}**\n\nOnly you will see your answer."),
        form: Some(Form {
            id,
            title,
            inputs: vec![FormInput {
                id: REFLECT_INPUT.into(),
                label: "Your answer".into(),
                placeholder: Some(question),
                multiline: true,
                max_chars: MAX_REFLECTION_CHARS.min(ctx.limits().form_input_chars),
                value: None,
            }],
        }),
        slug: item.map(|item| item.slug.clone()),
        ..RichMessage::default()
    }
}

/// `text` trimmed, if it may be stored: not blank, at most `max` characters, and holding no
/// secret. Every piece of text a person writes for keeping passes here.
///
/// # Errors
/// [`CoreError::Invalid`] saying what is wrong; nothing is stored.
pub(super) fn checked_text(text: &str, max: usize) -> Result<&str, CoreError> {
    let text = crate::text::trim(text);
    if text.is_empty() {
        return Err(CoreError::Invalid(
            "There was nothing to save: the text was empty, or only spaces and invisible characters. Write a few words and send it again.".into(),
        ));
    }
    let chars = text.chars().count();
    if chars > max {
        return Err(CoreError::Invalid(format!(
            "That text is {chars} characters; the limit is {max}. Nothing was saved: shorten it or split it in two."
        )));
    }
    let findings = secrets::scan(text);
    if !findings.is_empty() {
        let kinds: Vec<&str> = findings.iter().map(|f| f.kind.describe()).collect();
        // A refusal is an ordinary outcome for the person, not a fault for the operator.
        tracing::info!(kinds = ?kinds, "refused to store text that looks like it holds a secret");
        return Err(CoreError::Invalid(secrets::refusal(&findings)));
    }
    Ok(text)
}

/// `/journal [n]`.
pub async fn journal(ctx: &Context<'_>, arg: &str) -> Result<Vec<Outgoing>, CoreError> {
    let arg = arg.trim();
    let limit = if arg.is_empty() {
        JOURNAL_DEFAULT
    } else {
        arg.parse::<u32>()
            .ok()
            .filter(|n| (1..=JOURNAL_MAX).contains(n))
            .ok_or_else(|| {
                CoreError::Refused(format!(
                    "Usage: /journal [n], where n is a number from 1 to {JOURNAL_MAX}, for example /journal 10."
                ))
            })?
    };
    let reflections = ctx
        .coach
        .storage()
        .recent_reflections(ctx.user, limit)
        .await?;
    if reflections.is_empty() {
        let message = RichMessage::titled(
            "Your journal",
            "Nothing here yet. Write your first reflection with **/reflect** followed by your text.",
        );
        return Ok(vec![ctx.reply(message, true)]);
    }
    let fields = reflections
        .iter()
        .map(|reflection| {
            let local = reflection.created_at.with_timezone(&ctx.zone);
            let mut name = local.format("%a %d %b %Y, %H:%M %Z").to_string();
            if let Some(slug) = &reflection.slug {
                // People know items by title; a slug shows only if the item left the catalog.
                let title = ctx
                    .coach
                    .catalog()
                    .get(slug)
                    .map_or(slug.as_str(), |item| item.title.as_str());
                name.push_str(&format!(" · on {title}"));
            }
            Field {
                name,
                value: reflection.body.clone(),
            }
        })
        .collect();
    let shown = match reflections.len() {
        1 => "Your most recent reflection".to_owned(),
        n => format!("Your {n} most recent reflections, newest first"),
    };
    let message = RichMessage {
        title: Some("Your journal".into()),
        body: format!(
            "{shown}, in {} time. Only you can see this.",
            ctx.zone.name()
        ),
        fields,
        ..RichMessage::default()
    };
    Ok(vec![ctx.reply(message, true)])
}
