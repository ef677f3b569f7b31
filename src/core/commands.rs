//! The slash commands the core understands, in one table that `/help`, the adapters'
//! registration and the "did you mean" suggestion all read.

/// Which command a [`CommandSpec`] describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandId {
    Reflect,
    Journal,
    Help,
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
}

/// Every command, in the order `/help` lists them.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        id: CommandId::Reflect,
        name: "reflect",
        args: "[text]",
        summary: "Write a private reflection; with no text, opens a form.",
    },
    CommandSpec {
        id: CommandId::Journal,
        name: "journal",
        args: "[n]",
        summary: "Show your last n reflections (default 5), newest first. Only you see them.",
    },
    CommandSpec {
        id: CommandId::Help,
        name: "help",
        args: "",
        summary: "List the commands.",
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
