//! The core's commands as Discord application commands, and Discord's typed options back into
//! the text the core reads.
//!
//! The commands are data in the core (`core::commands::COMMANDS`); only their Discord options
//! are described here, so a new core command needs one entry in [`options_for`].

use serenity::all::{
    CommandDataOption, CommandDataOptionValue, CommandOptionType, CreateCommand,
    CreateCommandOption, Permissions,
};

use crate::core::commands::{Access, COMMANDS, CommandId, CommandSpec};

/// Discord's limit for a command or option description.
const DESCRIPTION_MAX: usize = 100;

fn text(name: &str, description: &str, required: bool) -> CreateCommandOption {
    CreateCommandOption::new(CommandOptionType::String, name, description).required(required)
}

fn sub(name: &str, description: &str) -> CreateCommandOption {
    CreateCommandOption::new(CommandOptionType::SubCommand, name, description)
}

/// The Discord options of one core command.
fn options_for(spec: &CommandSpec) -> Vec<CreateCommandOption> {
    match spec.id {
        CommandId::Framework | CommandId::Template => {
            vec![text("situation", "The situation in your own words", true).max_length(1000)]
        }
        CommandId::Model => vec![
            text("name", "A mental model (leave empty for a new one)", false)
                .set_autocomplete(true),
        ],
        CommandId::Scenario => vec![
            text("name", "A scenario (leave empty for a random one)", false).set_autocomplete(true),
        ],
        CommandId::Shift => vec![
            text("which", "1 to 8, or identity (leave empty for all)", false)
                .set_autocomplete(true),
        ],
        CommandId::Reflect => vec![
            text(
                "text",
                "Your reflection (leave empty to open a form)",
                false,
            )
            .max_length(4000),
        ],
        CommandId::Journal => vec![
            CreateCommandOption::new(CommandOptionType::Integer, "n", "How many (1 to 50)")
                .min_int_value(1)
                .max_int_value(50),
        ],
        CommandId::Mydata => vec![
            sub("export", "Download everything stored about you as JSON"),
            sub("delete", "Delete everything stored about you"),
        ],
        CommandId::Nudges => vec![
            sub("set", "Schedule nudges in a channel")
                .add_sub_option(text(
                    "when",
                    "weekdays 09:00, daily 08:30, mon,wed,fri 17:00 or cron",
                    true,
                ))
                .add_sub_option(CreateCommandOption::new(
                    CommandOptionType::Channel,
                    "channel",
                    "Where (default: here)",
                ))
                .add_sub_option(text("zone", "IANA time zone, e.g. Europe/Berlin", false))
                .add_sub_option(text("mix", "models, reflections and/or scenarios", false)),
            sub("status", "Schedules here and their next times"),
            sub("pause", "Go quiet").add_sub_option(text(
                "until",
                "A date, e.g. 2026-12-27",
                false,
            )),
            sub("resume", "Start again after a pause"),
            sub("preview", "See the next nudge without sending it"),
            sub("now", "Send the next nudge now"),
            sub("remove", "Remove a schedule").add_sub_option(
                CreateCommandOption::new(
                    CommandOptionType::Integer,
                    "number",
                    "As listed by status",
                )
                .min_int_value(1),
            ),
            sub("skip", "No nudges on these days").add_sub_option(text(
                "days",
                "FROM..TO, e.g. 2026-12-24..2026-12-26",
                true,
            )),
        ],
        CommandId::Checkin => {
            vec![
                sub(
                    "invite",
                    "Invite a new leader to regular check-ins with you",
                )
                .add_sub_option(user("leader", "The leader", true))
                .add_sub_option(text(
                    "cadence",
                    "weekly tue 10:00 (default weekly mon 10:00), biweekly thu 16:00 or cron",
                    false,
                ))
                .add_sub_option(text(
                    "zone",
                    "IANA time zone (default: the leader's own)",
                    false,
                )),
                sub("accept", "Accept the check-in invitation waiting for you"),
                sub("decline", "Decline the check-in invitation waiting for you"),
                sub("stop", "End check-ins").add_sub_option(user(
                    "person",
                    "Whom with (if you have several)",
                    false,
                )),
                sub("status", "Your check-ins, the next one and the last answer"),
                sub("prep", "An agenda for your next one-on-one with a leader")
                    .add_sub_option(user("leader", "The leader", true)),
                sub("answer", "Answer your latest check-in"),
                sub("rate", "Rate the shifts on your latest (monthly) check-in"),
                sub("snooze", "Have your latest check-in again in a day"),
                sub("skip", "Skip your latest check-in"),
            ]
        }
        CommandId::Progress => vec![user(
            "leader",
            "A leader you manage (leave empty for your own)",
            false,
        )],
        CommandId::Decide => vec![
            text("decision", "The decision (a form asks for the rest)", false).max_length(1000),
        ],
        CommandId::Decisions => vec![
            sub("list", "Your decisions and your calibration"),
            sub("share", "Share a decision with your manager").add_sub_option(number()),
            sub("private", "Make a decision private again").add_sub_option(number()),
        ],
        CommandId::Help => Vec::new(),
    }
}

fn user(name: &str, description: &str, required: bool) -> CreateCommandOption {
    CreateCommandOption::new(CommandOptionType::User, name, description).required(required)
}

fn number() -> CreateCommandOption {
    CreateCommandOption::new(
        CommandOptionType::Integer,
        "number",
        "As /decisions lists it",
    )
    .min_int_value(1)
    .required(true)
}

/// Every command, ready to register. Admin commands carry Manage Server as their default
/// member permission, so Discord shows them only to server managers until a server changes
/// that in its integration settings (for people named in `SHIFTCOACH_ADMINS`); the core checks
/// access again on every use.
pub fn definitions() -> Vec<CreateCommand> {
    COMMANDS
        .iter()
        .map(|spec| {
            let description = crate::text::truncate(spec.summary, DESCRIPTION_MAX);
            let mut command = CreateCommand::new(spec.name).description(description);
            if spec.access == Access::Admins {
                command = command.default_member_permissions(Permissions::MANAGE_GUILD);
            }
            options_for(spec)
                .into_iter()
                .fold(command, CreateCommand::add_option)
        })
        .collect()
}

/// The command's arguments as the text the core reads: sub-command first, then the option
/// values in the order the core expects (`/nudges set` takes `#channel when zone mix`).
pub fn options_to_text(command: &str, options: &[CommandDataOption]) -> String {
    let mut words = Vec::new();
    for option in options {
        match &option.value {
            CommandDataOptionValue::SubCommand(inner) => {
                words.push(option.name.clone());
                let find = |name: &str| {
                    inner
                        .iter()
                        .find(|o| o.name == name)
                        .map(|o| value_text(&o.value))
                };
                let order: &[&str] = match (command, option.name.as_str()) {
                    ("nudges", "set") => &["channel", "when", "zone", "mix"],
                    ("checkin", "invite") => &["leader", "cadence", "zone"],
                    _ => &[],
                };
                if order.is_empty() {
                    words.extend(inner.iter().map(|o| value_text(&o.value)));
                } else {
                    words.extend(order.iter().filter_map(|name| find(name)));
                }
            }
            other => words.push(value_text(other)),
        }
    }
    words.retain(|word| !word.is_empty());
    words.join(" ")
}

fn value_text(value: &CommandDataOptionValue) -> String {
    match value {
        CommandDataOptionValue::String(text) => text.clone(),
        CommandDataOptionValue::Integer(n) => n.to_string(),
        CommandDataOptionValue::Number(n) => n.to_string(),
        CommandDataOptionValue::Boolean(b) => b.to_string(),
        CommandDataOptionValue::Channel(id) => format!("<#{id}>"),
        CommandDataOptionValue::User(id) => format!("<@{id}>"),
        CommandDataOptionValue::Autocomplete { value, .. } => value.clone(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_core_command_is_defined_within_discord_limits() {
        let defs = definitions();
        assert_eq!(defs.len(), COMMANDS.len());
        for def in &defs {
            let json = serde_json::to_value(def).unwrap();
            let name = json["name"].as_str().unwrap();
            assert!(
                name.len() <= 32 && name.chars().all(|c| c.is_ascii_lowercase()),
                "{name}"
            );
            assert!(json["description"].as_str().unwrap().chars().count() <= DESCRIPTION_MAX);
            let options = json["options"].as_array().cloned().unwrap_or_default();
            assert!(options.len() <= 25);
            for option in &options {
                assert!(
                    option["description"].as_str().unwrap().chars().count() <= DESCRIPTION_MAX,
                    "{option}"
                );
            }
        }
    }
}
