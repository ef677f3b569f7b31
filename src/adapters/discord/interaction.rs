//! Discord interactions as core interactions.

use std::collections::BTreeMap;

use serenity::all::{ActionRowComponent, CommandInteraction, GuildId, Interaction, Member, User};

use super::commands::options_to_text;
use crate::core::{self, Actor, InteractionKind, Platform};

/// The workspace name used for direct messages, which belong to no guild.
pub const DM_WORKSPACE: &str = "dm";

/// The core's view of a Discord interaction; `None` for autocomplete and pings, which are
/// answered differently.
pub fn to_core(interaction: &Interaction) -> Option<core::Interaction> {
    match interaction {
        Interaction::Command(command) => {
            let text = options_to_text(&command.data.name, &command.data.options);
            Some(core::Interaction {
                actor: actor(&command.user, command.member.as_deref(), command.guild_id),
                channel: command.channel_id.to_string(),
                kind: InteractionKind::Command {
                    name: command.data.name.clone(),
                    text,
                    options: BTreeMap::new(),
                },
            })
        }
        Interaction::Component(component) => Some(core::Interaction {
            actor: actor(
                &component.user,
                component.member.as_ref(),
                component.guild_id,
            ),
            channel: component.channel_id.to_string(),
            kind: InteractionKind::Button {
                action: component.data.custom_id.clone(),
            },
        }),
        Interaction::Modal(modal) => {
            let values = modal
                .data
                .components
                .iter()
                .flat_map(|row| &row.components)
                .filter_map(|component| match component {
                    ActionRowComponent::InputText(input) => Some((
                        input.custom_id.clone(),
                        input.value.clone().unwrap_or_default(),
                    )),
                    _ => None,
                })
                .collect();
            Some(core::Interaction {
                actor: actor(&modal.user, modal.member.as_ref(), modal.guild_id),
                channel: modal.channel_id.to_string(),
                kind: InteractionKind::Form {
                    form_id: modal.data.custom_id.clone(),
                    values,
                },
            })
        }
        _ => None,
    }
}

/// For an autocomplete request: the command and what was typed in the focused option.
pub fn autocomplete_request(command: &CommandInteraction) -> Option<(String, String)> {
    let focused = command.data.autocomplete()?;
    Some((command.data.name.clone(), focused.value.to_owned()))
}

/// Who acted. Admins are members with Manage Server in the channel, as Discord resolves
/// their permissions for the interaction.
fn actor(user: &User, member: Option<&Member>, guild: Option<GuildId>) -> Actor {
    let display_name = member
        .and_then(|m| m.nick.clone())
        .or_else(|| user.global_name.clone())
        .unwrap_or_else(|| user.name.clone());
    Actor {
        platform: Platform::Discord,
        workspace: guild.map_or_else(|| DM_WORKSPACE.to_owned(), |id| id.to_string()),
        user_id: user.id.to_string(),
        display_name,
        zone: None,
        is_admin: member
            .and_then(|m| m.permissions)
            .is_some_and(|permissions| permissions.manage_guild()),
        roles: member.map_or_else(Vec::new, |m| {
            m.roles.iter().map(ToString::to_string).collect()
        }),
    }
}
