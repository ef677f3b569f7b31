//! The slash commands the core understands, in one table that `/help`, the adapters'
//! registration and the "did you mean" suggestion all read.

pub use crate::text::ArgStyle;

/// Which command a [`CommandSpec`] describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandId {
    Framework,
    Template,
    Model,
    Shift,
    Scenario,
    Reflect,
    Journal,
    Nudges,
    Checkin,
    Progress,
    Decide,
    Decisions,
    Mydata,
    Help,
}

/// Who may use a command. Checked once by the core before dispatch; adapters may also tell
/// their platform (Discord registers admin commands with a default member permission).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Everyone,
    /// Workspace admins as the platform reports them, and the people and roles named in
    /// `SHIFTCOACH_ADMINS`.
    Admins,
}

/// One slash command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandSpec {
    pub id: CommandId,
    pub name: &'static str,
    /// Arguments as shown in help, e.g. `[text]`.
    pub args: &'static str,
    /// One line saying what it does.
    pub summary: &'static str,
    /// Whether the argument is a name the adapters should autocomplete.
    pub completes_names: bool,
    /// Who may use it.
    pub access: Access,
    /// How its text is read: as words (quotes group and are removed) or as free text.
    pub style: ArgStyle,
}

/// Every command, in the order `/help` lists them.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        id: CommandId::Framework,
        name: "framework",
        args: "<situation>",
        summary: "Decision frameworks and mental models for a situation in your own words.",
        completes_names: false,
        access: Access::Everyone,
        style: ArgStyle::FreeText,
    },
    CommandSpec {
        id: CommandId::Template,
        name: "template",
        args: "<situation>",
        summary: "A fill-in communication template for a situation in your own words.",
        completes_names: false,
        access: Access::Everyone,
        style: ArgStyle::FreeText,
    },
    CommandSpec {
        id: CommandId::Model,
        name: "model",
        args: "[name]",
        summary: "A mental model: the one you name, or one you have not seen yet.",
        completes_names: true,
        access: Access::Everyone,
        style: ArgStyle::Words,
    },
    CommandSpec {
        id: CommandId::Shift,
        name: "shift",
        args: "[1-8|identity]",
        summary: "The shifts from engineer to leader: all of them, or one in full.",
        completes_names: true,
        access: Access::Everyone,
        style: ArgStyle::Words,
    },
    CommandSpec {
        id: CommandId::Scenario,
        name: "scenario",
        args: "[name]",
        summary: "A practice scenario (random without a name); answer it to get the debrief.",
        completes_names: true,
        access: Access::Everyone,
        style: ArgStyle::Words,
    },
    CommandSpec {
        id: CommandId::Reflect,
        name: "reflect",
        args: "[text]",
        summary: "Write a private reflection; with no text, opens a form.",
        completes_names: false,
        access: Access::Everyone,
        style: ArgStyle::Verbatim,
    },
    CommandSpec {
        id: CommandId::Journal,
        name: "journal",
        args: "[n]",
        summary: "Show your last n reflections (default 5), newest first. Only you see them.",
        completes_names: false,
        access: Access::Everyone,
        style: ArgStyle::Words,
    },
    CommandSpec {
        id: CommandId::Nudges,
        name: "nudges",
        args: "set|status|pause|resume|preview|now|remove|skip ...",
        summary: "Admins: schedule daily nudges in a channel, e.g. /nudges set here weekdays 09:00 Europe/Berlin.",
        completes_names: false,
        access: Access::Admins,
        style: ArgStyle::Words,
    },
    CommandSpec {
        id: CommandId::Checkin,
        name: "checkin",
        args: "invite @leader [weekly tue 10:00] [zone]|accept|decline|stop|status|prep @leader|answer|rate|snooze|skip",
        summary: "Regular check-ins between a manager and a new leader: invite, answer, stop, see where they stand, prepare a one-on-one.",
        completes_names: false,
        access: Access::Everyone,
        style: ArgStyle::Words,
    },
    CommandSpec {
        id: CommandId::Progress,
        name: "progress",
        args: "[@leader]",
        summary: "A chart of your monthly self-ratings of the nine shifts (or, for a manager, a leader's shared ones).",
        completes_names: false,
        access: Access::Everyone,
        style: ArgStyle::Words,
    },
    CommandSpec {
        id: CommandId::Decide,
        name: "decide",
        args: "[decision]",
        summary: "Record a decision with what you expect and how sure you are; I ask how it went on its review date.",
        completes_names: false,
        access: Access::Everyone,
        style: ArgStyle::Verbatim,
    },
    CommandSpec {
        id: CommandId::Decisions,
        name: "decisions",
        args: "[review N|share N|private N]",
        summary: "Your decisions and how well your confidence matched what happened.",
        completes_names: false,
        access: Access::Everyone,
        style: ArgStyle::Words,
    },
    CommandSpec {
        id: CommandId::Mydata,
        name: "mydata",
        args: "export|delete",
        summary: "Download everything stored about you as JSON, or delete all of it.",
        completes_names: false,
        access: Access::Everyone,
        style: ArgStyle::Words,
    },
    CommandSpec {
        id: CommandId::Help,
        name: "help",
        args: "",
        summary: "List the commands.",
        completes_names: false,
        access: Access::Everyone,
        style: ArgStyle::Words,
    },
];

/// Finds a command by exact name (case-insensitive).
pub fn find(name: &str) -> Option<&'static CommandSpec> {
    COMMANDS
        .iter()
        .find(|spec| spec.name.eq_ignore_ascii_case(name))
}

/// The known command closest to a mistyped `name`, if any is plausibly meant.
pub fn closest(name: &str) -> Option<&'static CommandSpec> {
    let name = name.to_ascii_lowercase();
    COMMANDS
        .iter()
        .map(|spec| {
            let score = if spec.name.starts_with(&name) || name.starts_with(spec.name) {
                1.0
            } else {
                strsim::jaro_winkler(spec.name, &name)
            };
            (score, spec)
        })
        .filter(|(score, _)| *score >= 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, spec)| spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_and_prefixes_suggest_the_intended_command() {
        assert_eq!(closest("jornal").map(|c| c.name), Some("journal"));
        assert_eq!(closest("reflekt").map(|c| c.name), Some("reflect"));
        assert_eq!(closest("ref").map(|c| c.name), Some("reflect"));
        assert_eq!(closest("zzzzzz"), None);
    }
}
