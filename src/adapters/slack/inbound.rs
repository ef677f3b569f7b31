//! What Slack sends, as the core's interactions: slash commands, button presses
//! (`block_actions`), form submissions (`view_submission`) and message events (replies in a
//! nudge's thread, messages in the bot's DM). Pure translation over slack-morphism's typed
//! payloads, the same for Socket Mode and HTTP mode; how to answer each one travels beside
//! it as a [`ReplyTo`].
//!
//! Message ids. A Slack message is named by its channel and `ts` (Slack: `ts` is unique per
//! channel), so shiftcoach writes a Slack message id as `{channel}/{ts}` ([`message_id`]): the
//! id a nudge is stored under, and the `thread` a reply in its thread carries.

use std::collections::BTreeMap;

use chrono_tz::Tz;
use slack_morphism::prelude::{
    SlackCommandEvent, SlackInteractionEvent, SlackMessageEvent, SlackStatefulView, SlackView,
};

use crate::core::{Actor, Interaction, InteractionKind, Platform};

/// What the adapter knows about the person acting, from `users.info` (cached): their name,
/// their own zone (`tz`) and whether they administer the workspace (`is_admin` or
/// `is_owner`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Person {
    pub name: Option<String>,
    pub zone: Option<Tz>,
    pub is_admin: bool,
}

/// How to answer an inbound event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplyTo {
    /// The channel it happened in.
    pub channel: String,
    /// The person, for `chat.postEphemeral` and DMs.
    pub user: String,
    /// Slack's `response_url` (slash commands and buttons): answers the person, ephemerally
    /// by default, for 30 minutes and at most 5 times (Slack).
    pub response_url: Option<String>,
    /// Slack's `trigger_id`: opens a modal with `views.open` within 3 seconds, once (Slack).
    pub trigger_id: Option<String>,
    /// The thread to answer in, for messages in a thread.
    pub thread_ts: Option<String>,
}

/// An event the core should handle, and how to answer it.
#[derive(Debug, Clone)]
pub struct Inbound {
    pub interaction: Interaction,
    pub reply_to: ReplyTo,
}

/// The id shiftcoach gives the Slack message `ts` in `channel`.
pub fn message_id(channel: &str, ts: &str) -> String {
    format!("{channel}/{ts}")
}

fn actor(team: &str, user: &str, person: &Person) -> Actor {
    Actor {
        platform: Platform::Slack,
        workspace: team.to_owned(),
        user_id: user.to_owned(),
        display_name: person.name.clone().unwrap_or_else(|| user.to_owned()),
        zone: person.zone,
        is_admin: person.is_admin,
        roles: Vec::new(),
    }
}

/// A slash command (`/reflect some text`): the command's name without its slash, and its
/// text.
pub fn command(event: &SlackCommandEvent, person: &Person) -> Inbound {
    let name = event.command.0.trim_start_matches('/').to_owned();
    let text = event.text.clone().unwrap_or_default();
    let channel = event.channel_id.0.clone();
    Inbound {
        interaction: Interaction {
            actor: actor(&event.team_id.0, &event.user_id.0, person),
            channel: channel.clone(),
            kind: InteractionKind::command(&name, &text),
        },
        reply_to: ReplyTo {
            channel,
            user: event.user_id.0.clone(),
            response_url: Some(event.response_url.0.to_string()),
            trigger_id: Some(event.trigger_id.0.clone()),
            thread_ts: None,
        },
    }
}

/// A button press or a form submission; `None` for interactions shiftcoach does not offer
/// (shortcuts, menus, a closed modal) and payloads without a person.
pub fn interaction(event: &SlackInteractionEvent, person: &Person) -> Option<Inbound> {
    match event {
        SlackInteractionEvent::BlockActions(event) => {
            let user = event.user.as_ref()?.id.0.clone();
            // The button's value is the core's action; its action_id may carry a `#n` suffix
            // that keeps ids unique within a block (see `render`).
            let pressed = event.actions.as_ref()?.first()?;
            let action = pressed
                .value
                .clone()
                .unwrap_or_else(|| pressed.action_id.0.clone());
            let channel = event
                .channel
                .as_ref()
                .map(|channel| channel.id.0.clone())
                .unwrap_or_default();
            Some(Inbound {
                interaction: Interaction {
                    actor: actor(&event.team.id.0, &user, person),
                    channel: channel.clone(),
                    kind: InteractionKind::Button { action },
                },
                reply_to: ReplyTo {
                    channel,
                    user,
                    response_url: event.response_url.as_ref().map(|url| url.0.to_string()),
                    trigger_id: Some(event.trigger_id.0.clone()),
                    thread_ts: None,
                },
            })
        }
        SlackInteractionEvent::ViewSubmission(event) => {
            let (form_id, channel) = form_of(&event.view)?;
            let user = event.user.id.0.clone();
            Some(Inbound {
                interaction: Interaction {
                    actor: actor(&event.team.id.0, &user, person),
                    channel: channel.clone(),
                    kind: InteractionKind::Form {
                        form_id,
                        values: form_values(&event.view),
                    },
                },
                reply_to: ReplyTo {
                    channel,
                    user,
                    ..ReplyTo::default()
                },
            })
        }
        _ => None,
    }
}

/// A modal's form id (its `callback_id`) and the channel it was opened from (kept in its
/// `private_metadata` when the adapter opened it).
fn form_of(view: &SlackStatefulView) -> Option<(String, String)> {
    match &view.view {
        SlackView::Modal(modal) => Some((
            modal.callback_id.as_ref()?.0.clone(),
            modal.private_metadata.clone().unwrap_or_default(),
        )),
        SlackView::Home(_) => None,
    }
}

/// The text typed into each input of a submitted modal, by the input's id (its `block_id`;
/// Slack: `view.state.values[block_id][action_id].value`). Empty inputs are left out.
pub fn form_values(view: &SlackStatefulView) -> BTreeMap<String, String> {
    view.state_params
        .state
        .as_ref()
        .map(|state| {
            state
                .values
                .iter()
                .filter_map(|(block, actions)| {
                    let value = actions.values().find_map(|input| input.value.clone())?;
                    Some((block.0.clone(), value))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A message event: a reply in a thread (`thread_ts` set, not the thread's first message) or
/// a message in the bot's DM (`channel_type` `im`). `None` for everything else: messages
/// from bots (the coach's own included), edits, deletions and other subtypes, and chat in
/// channels outside threads.
pub fn message(team: &str, event: &SlackMessageEvent, person: &Person) -> Option<Inbound> {
    if event.subtype.is_some() || event.sender.bot_id.is_some() {
        return None;
    }
    let user = event.sender.user.as_ref()?.0.clone();
    let channel = event.origin.channel.as_ref()?.0.clone();
    let text = event.content.as_ref()?.text.clone()?;
    let direct = event
        .origin
        .channel_type
        .as_ref()
        .is_some_and(|kind| kind.0 == "im");
    let thread_ts = event
        .origin
        .thread_ts
        .as_ref()
        .map(|ts| ts.0.clone())
        .filter(|thread| *thread != event.origin.ts.0);
    if thread_ts.is_none() && !direct {
        return None;
    }
    Some(Inbound {
        interaction: Interaction {
            actor: actor(team, &user, person),
            channel: channel.clone(),
            kind: InteractionKind::Message {
                text,
                thread: thread_ts.as_ref().map(|ts| message_id(&channel, ts)),
                direct,
            },
        },
        reply_to: ReplyTo {
            channel,
            user,
            thread_ts,
            ..ReplyTo::default()
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ada() -> Person {
        Person {
            name: Some("Ada".into()),
            zone: Some(chrono_tz::Europe::Berlin),
            is_admin: true,
        }
    }

    #[test]
    fn a_slash_command_keeps_its_text_and_how_to_answer() {
        let event: SlackCommandEvent = serde_json::from_value(json!({
            "team_id": "T1", "team_domain": "acme", "channel_id": "C1", "channel_name": "sec",
            "user_id": "U1", "command": "/reflect", "text": "The audit went well",
            "response_url": "https://hooks.slack.com/commands/T1/1/abc", "trigger_id": "1.2.3"
        }))
        .unwrap();
        let inbound = command(&event, &ada());
        let interaction = &inbound.interaction;
        assert_eq!(interaction.actor.platform, Platform::Slack);
        assert_eq!(interaction.actor.workspace, "T1");
        assert_eq!(interaction.actor.display_name, "Ada");
        assert!(interaction.actor.is_admin);
        assert_eq!(interaction.actor.identity().scope, "T1");
        assert!(matches!(
            &interaction.kind,
            InteractionKind::Command { name, text, .. } if name == "reflect" && text == "The audit went well"
        ));
        assert_eq!(inbound.reply_to.trigger_id.as_deref(), Some("1.2.3"));
        assert_eq!(
            inbound.reply_to.response_url.as_deref(),
            Some("https://hooks.slack.com/commands/T1/1/abc")
        );
    }

    #[test]
    fn a_button_and_a_modal_submission_become_a_press_and_a_form() {
        let press: SlackInteractionEvent = serde_json::from_value(json!({
            "type": "block_actions",
            "team": { "id": "T1" }, "user": { "id": "U1" }, "api_app_id": "A1",
            "container": { "type": "message", "message_ts": "1700000000.000100", "channel_id": "C1" },
            "trigger_id": "9.8.7", "channel": { "id": "C1" },
            "response_url": "https://hooks.slack.com/actions/T1/1/xyz",
            "actions": [{ "type": "button", "action_id": "reflect:pre-mortem:12#2", "block_id": "b1", "value": "reflect:pre-mortem:12" }]
        }))
        .unwrap();
        let inbound = interaction(&press, &Person::default()).unwrap();
        assert!(matches!(
            &inbound.interaction.kind,
            InteractionKind::Button { action } if action == "reflect:pre-mortem:12"
        ));
        assert_eq!(inbound.interaction.channel, "C1");
        assert_eq!(inbound.reply_to.trigger_id.as_deref(), Some("9.8.7"));

        let submit: SlackInteractionEvent = serde_json::from_value(json!({
            "type": "view_submission",
            "team": { "id": "T1" }, "user": { "id": "U1" },
            "view": {
                "id": "V1", "team_id": "T1", "type": "modal", "hash": "1700000002.abcd",
                "title": { "type": "plain_text", "text": "Reflect" },
                "blocks": [], "callback_id": "reflect:pre-mortem:12", "private_metadata": "C1",
                "state": { "values": {
                    "text": { "text": { "type": "plain_text_input", "value": "We should have asked" } },
                    "empty": { "empty": { "type": "plain_text_input" } }
                } }
            }
        }))
        .unwrap();
        let inbound = interaction(&submit, &Person::default()).unwrap();
        let InteractionKind::Form { form_id, values } = &inbound.interaction.kind else {
            panic!("a form");
        };
        assert_eq!(form_id, "reflect:pre-mortem:12");
        assert_eq!(values.len(), 1);
        assert_eq!(values["text"], "We should have asked");
        assert_eq!(inbound.interaction.channel, "C1");
    }

    fn message_event(extra: serde_json::Value) -> SlackMessageEvent {
        let mut event = json!({
            "type": "message", "channel": "C1", "user": "U1", "text": "a reply",
            "ts": "1700000001.000200"
        });
        event
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        serde_json::from_value(event).unwrap()
    }

    #[test]
    fn thread_replies_and_direct_messages_come_in_and_nothing_else_does() {
        let reply = message_event(json!({ "thread_ts": "1700000000.000100" }));
        let inbound = message("T1", &reply, &Person::default()).unwrap();
        assert!(matches!(
            &inbound.interaction.kind,
            InteractionKind::Message { thread: Some(thread), direct: false, .. }
                if thread == "C1/1700000000.000100"
        ));
        assert_eq!(
            inbound.reply_to.thread_ts.as_deref(),
            Some("1700000000.000100")
        );

        let dm = message_event(json!({ "channel": "D1", "channel_type": "im" }));
        let inbound = message("T1", &dm, &Person::default()).unwrap();
        assert!(matches!(
            &inbound.interaction.kind,
            InteractionKind::Message {
                thread: None,
                direct: true,
                ..
            }
        ));

        for ignored in [
            json!({}),
            json!({ "thread_ts": "1700000001.000200" }),
            json!({ "thread_ts": "1700000000.000100", "bot_id": "B1" }),
            json!({ "thread_ts": "1700000000.000100", "subtype": "message_changed" }),
        ] {
            assert!(
                message("T1", &message_event(ignored.clone()), &Person::default()).is_none(),
                "{ignored}"
            );
        }
    }
}
