//! The terminal adapter behind `shiftcoach console`.
//!
//! Each line of standard input is one interaction: `/name args` is a slash command, any other
//! line answers the most recent prompt (an open form) or goes to the core as free text.
//! A few commands belong to the console itself: `/clock` moves the virtual clock, `/press N`
//! presses a button of the last message that had some, `/cancel` closes an open form and
//! `/quit` leaves. Output is readable text, or one JSON object per message with `--json`.

use std::{
    collections::BTreeMap,
    io::Write,
    path::PathBuf,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicU64, Ordering},
    },
};

use anyhow::Context as _;
use chrono::{DateTime, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::json;
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

use crate::{
    clock::{Clock, VirtualClock},
    core::{
        Actor, Attachment, BoxFuture, Button, Coach, Destination, Form, Interaction,
        InteractionKind, Limits, Outgoing, OutgoingKind, Platform, Postman, RichMessage, SendError,
        SendKey,
    },
    markdown,
    scheduler::Scheduler,
    storage::ChannelAddress,
};

/// The console's workspace name in stored identities.
pub const WORKSPACE: &str = "local";
/// Key under which the virtual clock survives restarts, so time never runs backwards.
pub const CLOCK_STATE_KEY: &str = "console.clock";

/// Who is typing, where, and how output is shown.
#[derive(Debug, Clone)]
pub struct ConsoleOptions {
    pub user: String,
    pub channel: String,
    pub json: bool,
    /// Print a banner and a prompt (standard input is a terminal).
    pub interactive: bool,
    /// The zone `TZ` names, when it is set and names one: the typing person's own, which
    /// replaces the zone stored for them.
    pub zone: Option<Tz>,
    /// The system's zone, for a person with no zone of their own (neither `TZ` nor stored).
    pub system_zone: Option<Tz>,
    /// Where `/mydata export` files are written, one folder per person.
    pub export_dir: PathBuf,
    /// Wrap output at this many columns, between words (the terminal's width); `None` prints
    /// each paragraph on one line, for pipes and scripts.
    pub wrap: Option<usize>,
}

/// One message the scheduler sent through the console.
#[derive(Debug, Clone)]
pub struct Sent {
    pub outgoing: Outgoing,
    pub at: DateTime<Utc>,
    pub message_id: String,
}

/// Where the console's messages appear: one writer (standard output) shared by the session
/// and its postman, so a scheduled message is on screen before the scheduler records it as
/// sent. It also keeps the files messages carry, in each person's export folder.
pub struct Screen {
    out: Box<dyn Write + Send>,
    json: bool,
    wrap: Option<usize>,
    export_dir: PathBuf,
    user: String,
}

impl std::fmt::Debug for Screen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Screen")
            .field("json", &self.json)
            .field("export_dir", &self.export_dir)
            .finish_non_exhaustive()
    }
}

impl Screen {
    /// A screen writing to `out` as `options` say (JSON or text, wrapping, export folder).
    pub fn new(options: &ConsoleOptions, out: Box<dyn Write + Send>) -> Arc<Mutex<Self>> {
        Arc::new(Mutex::new(Self {
            out,
            json: options.json,
            wrap: options.wrap,
            export_dir: options.export_dir.clone(),
            user: options.user.clone(),
        }))
    }

    /// Shows one message, stamped `at`: deletes the person's export files first when the
    /// message confirms an erasure, saves an attachment and prints where, then flushes.
    fn show(&mut self, outgoing: &Outgoing, at: DateTime<Utc>) -> anyhow::Result<()> {
        let message = &outgoing.message;
        // Files belong to the person a message is addressed to, else to whoever is typing.
        let owner = match &outgoing.to {
            Destination::Person(user) => user.clone(),
            _ => self.user.clone(),
        };
        if outgoing.erasure {
            self.erase_exports(&owner)?;
        }
        // A file that cannot be written is reported, and the session goes on.
        let (saved, unsaved) = match &message.attachment {
            Some(attachment) => match self.save_attachment(&owner, attachment) {
                Ok(path) => (Some(path), None),
                Err(err) => (None, Some(format!("{err:#}"))),
            },
            None => (None, None),
        };
        if self.json {
            let mut line = to_json(outgoing, at);
            if let (Some(path), Some(attachment)) = (&saved, &message.attachment) {
                line["attachment"] =
                    json!({"filename": attachment.filename, "path": path.display().to_string()});
            }
            if let Some(problem) = &unsaved {
                line["attachment_error"] = json!(problem);
            }
            writeln!(self.out, "{line}")?;
        } else {
            let mut text = render_text(outgoing);
            if let Some(width) = self.wrap {
                text = wrap(&text, width);
            }
            if let Some(path) = &saved {
                text = text.trim_end().to_owned();
                text.push_str(&format!("\nSaved to {}\n\n", path.display()));
            }
            if let Some(problem) = &unsaved {
                text = text.trim_end().to_owned();
                text.push_str(&format!("\n! The file could not be saved: {problem}\n\n"));
            }
            write!(self.out, "{}", visible_controls(&text))?;
        }
        self.out.flush()?;
        Ok(())
    }

    /// Prints a line of the console's own (the banner, a closing newline).
    fn line(&mut self, text: &str) -> anyhow::Result<()> {
        writeln!(self.out, "{text}")?;
        self.out.flush()?;
        Ok(())
    }

    /// A person's folder under the export folder: `u-` and the hex of their user id, so that
    /// any two people (whatever their names' characters or case) get different folders.
    /// Ids longer than 60 bytes (whose hex would not fit a file name's 255 bytes with room to
    /// spare) are named by the SHA-256 of the id instead: `h-` and 64 hex digits.
    fn person_export_dir(&self, user: &str) -> PathBuf {
        use sha2::Digest;
        let name = if user.len() <= 60 {
            format!("u-{}", hex::encode(user.as_bytes()))
        } else {
            format!("h-{}", hex::encode(sha2::Sha256::digest(user.as_bytes())))
        };
        self.export_dir.join(name)
    }

    /// Writes an attachment into the person's export folder, private to this account, and
    /// returns its path. A file is never replaced: a taken name gets `-2`, `-3`... before its
    /// extension.
    fn save_attachment(&self, user: &str, attachment: &Attachment) -> anyhow::Result<PathBuf> {
        let dir = self.person_export_dir(user);
        crate::files::private_dir(&self.export_dir)
            .and_then(|()| crate::files::private_dir(&dir))
            .with_context(|| format!("creating {}", dir.display()))?;
        let (stem, extension) = match attachment.filename.rsplit_once('.') {
            Some((stem, extension)) => (stem, format!(".{extension}")),
            None => (attachment.filename.as_str(), String::new()),
        };
        for n in 1..=1000 {
            let name = match n {
                1 => format!("{stem}{extension}"),
                n => format!("{stem}-{n}{extension}"),
            };
            let path = dir.join(name);
            match crate::files::write_new_private(&path, &attachment.bytes) {
                Ok(()) => return Ok(path),
                Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(err) => {
                    return Err(err).with_context(|| format!("writing {}", path.display()));
                }
            }
        }
        anyhow::bail!("{} already holds 1,000 exports named {stem}", dir.display())
    }

    /// Deletes every export file kept for the person (after `/mydata delete`).
    fn erase_exports(&self, user: &str) -> anyhow::Result<()> {
        let dir = self.person_export_dir(user);
        match std::fs::remove_dir_all(&dir) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                Err(err).with_context(|| format!("deleting {}", dir.display()))
            }
            _ => Ok(()),
        }
    }
}

/// The console's [`Postman`]: it can post anywhere. A message is shown on the [`Screen`]
/// before `send` returns (so nothing counts as sent that was not shown) and kept until the
/// session reads it, to know the latest nudge and its buttons.
#[derive(Debug)]
pub struct ConsolePostman {
    clock: VirtualClock,
    screen: Arc<Mutex<Screen>>,
    sent: Mutex<Vec<Sent>>,
    count: AtomicU64,
}

impl ConsolePostman {
    pub fn new(clock: VirtualClock, screen: Arc<Mutex<Screen>>) -> Self {
        Self {
            clock,
            screen,
            sent: Mutex::new(Vec::new()),
            count: AtomicU64::new(0),
        }
    }

    /// The screen it shows messages on.
    pub fn screen(&self) -> Arc<Mutex<Screen>> {
        self.screen.clone()
    }

    /// Everything sent since the last call, in order.
    pub fn take(&self) -> Vec<Sent> {
        std::mem::take(&mut *self.sent.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl Postman for ConsolePostman {
    fn platform(&self) -> Platform {
        Platform::Console
    }

    /// The terminal takes lines of any length.
    fn limits(&self) -> Limits {
        Limits::UNLIMITED
    }

    fn check_channel<'a>(
        &'a self,
        _channel: &'a ChannelAddress,
    ) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(async { Ok(()) })
    }

    /// In the console a person is named `@name`, the name they use with `--user` or `/as`.
    fn mentioned_user(&self, token: &str) -> Option<String> {
        let name = token.strip_prefix('@')?;
        (!name.is_empty()).then(|| name.to_owned())
    }

    fn send<'a>(
        &'a self,
        _workspace: &'a str,
        message: &'a Outgoing,
        key: Option<SendKey<'a>>,
    ) -> BoxFuture<'a, Result<String, SendError>> {
        Box::pin(async move {
            let message_id = match key {
                Some(key) => key.name.to_owned(),
                None => format!("console-{}", self.count.fetch_add(1, Ordering::Relaxed)),
            };
            let at = self.clock.now();
            self.screen
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .show(message, at)
                .map_err(|err| SendError::Transient(format!("{err:#}")))?;
            self.sent
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(Sent {
                    outgoing: message.clone(),
                    at,
                    message_id: message_id.clone(),
                });
            Ok(message_id)
        })
    }
}

/// Where the console's lines come from: a pipe, or the line editor on a terminal.
trait LineSource {
    /// The next line, after showing `prompt` where there is someone to see it; `None` at the
    /// end of the input.
    async fn next_line(&mut self, prompt: String) -> std::io::Result<Option<String>>;
}

/// Lines from a pipe or file: no prompt is shown.
struct Piped<R>(tokio::io::Lines<R>);

impl<R: AsyncBufRead + Unpin> LineSource for Piped<R> {
    async fn next_line(&mut self, _prompt: String) -> std::io::Result<Option<String>> {
        self.0.next_line().await
    }
}

/// Lines from the line editor's thread: each prompt is sent to it, each line comes back.
struct Editor {
    ask: std::sync::mpsc::Sender<String>,
    answers: tokio::sync::mpsc::Receiver<std::io::Result<Option<String>>>,
}

impl LineSource for Editor {
    async fn next_line(&mut self, prompt: String) -> std::io::Result<Option<String>> {
        if self.ask.send(prompt).is_err() {
            return Ok(None);
        }
        self.answers.recv().await.unwrap_or(Ok(None))
    }
}

/// A form being filled in, one input per line, in order. An input that starts with a value
/// (an earlier answer, what the command already said) keeps it when its line is a lone
/// [`KEEP`].
struct OpenForm {
    form: Form,
    values: BTreeMap<String, String>,
}

/// The line that keeps an input's starting value.
pub const KEEP: &str = ".";

impl OpenForm {
    fn new(form: &Form) -> Self {
        Self {
            form: form.clone(),
            values: BTreeMap::new(),
        }
    }

    /// The first input not answered yet.
    fn next_input(&self) -> Option<&crate::core::FormInput> {
        self.form
            .inputs
            .iter()
            .find(|input| !self.values.contains_key(&input.id))
    }
}

/// The console session.
pub struct Console {
    coach: Arc<Coach>,
    scheduler: Scheduler,
    postman: Arc<ConsolePostman>,
    clock: VirtualClock,
    options: ConsoleOptions,
    screen: Arc<Mutex<Screen>>,
    open_form: Option<OpenForm>,
    buttons: Vec<Button>,
    /// The latest nudge: a plain line answers it in its thread.
    last_nudge: Option<String>,
    /// How many forms have opened: tells a command that opened a new form (closing the one
    /// that was open) from one that left it alone.
    forms_opened: u64,
    /// Each person's zone as given with `/as NAME zone`; others use the session's.
    zones: std::collections::HashMap<String, Tz>,
    /// The zone the session started with (`TZ`).
    session_zone: Option<Tz>,
}

impl Console {
    /// A session showing its messages on the postman's [`Screen`].
    pub fn new(
        coach: Arc<Coach>,
        scheduler: Scheduler,
        postman: Arc<ConsolePostman>,
        clock: VirtualClock,
        options: ConsoleOptions,
    ) -> Self {
        Self {
            session_zone: options.zone,
            coach,
            scheduler,
            screen: postman.screen(),
            postman,
            clock,
            options,
            open_form: None,
            buttons: Vec::new(),
            last_nudge: None,
            forms_opened: 0,
            zones: std::collections::HashMap::new(),
        }
    }

    /// Reads and handles lines from a pipe or file until the input ends or `/quit`.
    pub async fn run(&mut self, input: impl AsyncBufRead + Unpin) -> anyhow::Result<()> {
        self.run_with(Piped(input.lines())).await
    }

    /// Reads and handles lines typed at a terminal, with line editing and this session's
    /// history (arrow keys, Ctrl-R), until Ctrl-D or `/quit`. Ctrl-C clears the line. The
    /// history is kept in memory only: what people type is never written to a history file.
    pub async fn run_interactive(&mut self) -> anyhow::Result<()> {
        let (ask, asked) = std::sync::mpsc::channel::<String>();
        let (answer, answers) = tokio::sync::mpsc::channel::<std::io::Result<Option<String>>>(1);
        // The editor blocks on the terminal, so it runs on its own thread, one prompt at a time.
        std::thread::spawn(move || {
            let mut editor = match rustyline::DefaultEditor::new() {
                Ok(editor) => editor,
                Err(err) => {
                    let _ = answer.blocking_send(Err(std::io::Error::other(err)));
                    return;
                }
            };
            while let Ok(prompt) = asked.recv() {
                let line = loop {
                    match editor.readline(&prompt) {
                        Ok(line) => {
                            if !line.trim().is_empty() {
                                let _ = editor.add_history_entry(line.as_str());
                            }
                            break Ok(Some(line));
                        }
                        Err(rustyline::error::ReadlineError::Interrupted) => continue,
                        Err(rustyline::error::ReadlineError::Eof) => break Ok(None),
                        Err(err) => break Err(std::io::Error::other(err)),
                    }
                };
                if answer.blocking_send(line).is_err() {
                    return;
                }
            }
        });
        self.run_with(Editor { ask, answers }).await
    }

    /// The session loop, reading each line from `input`.
    async fn run_with(&mut self, mut input: impl LineSource) -> anyhow::Result<()> {
        // The person typing is in the zone TZ names; without one, they keep the zone stored
        // for them (given with /as in an earlier run) before the system's.
        if self.session_zone.is_none() {
            let user = self.options.user.clone();
            self.options.zone = self.zone_of(&user).await?;
        }
        if self.options.interactive {
            self.print_banner()?;
        }
        // A plain line answers the latest nudge, even one posted by an earlier run.
        let channel = ChannelAddress {
            platform: Platform::Console,
            workspace: WORKSPACE.to_owned(),
            channel: self.options.channel.clone(),
        };
        self.last_nudge = self.coach.storage().latest_nudge_message(&channel).await?;
        // Anything that fell due since the last run goes out first (or is skipped).
        self.run_scheduler(self.clock.now()).await?;
        loop {
            let prompt = self.prompt();
            let Some(line) = input
                .next_line(prompt)
                .await
                .context("reading standard input")?
            else {
                break;
            };
            if !self.handle_line(&line).await? {
                break;
            }
        }
        if self.options.interactive {
            self.screen().line("")?;
        }
        Ok(())
    }

    /// Handles one line; returns `false` when the user asked to leave.
    pub async fn handle_line(&mut self, line: &str) -> anyhow::Result<bool> {
        let line = line.trim();
        if line.is_empty() {
            // A blank line is no answer: an open form says so and stays open.
            if let Some(open) = &self.open_form {
                let problem = format!(
                    "A blank line is no answer to \u{201c}{}\u{201d}: type your answer, or /cancel.",
                    open.form.title
                );
                self.emit_local(OutgoingKind::Error, None, &problem)?;
            }
            return Ok(true);
        }
        self.share_clock().await?;
        let Some(command) = line.strip_prefix('/') else {
            self.handle_text(line).await?;
            self.run_scheduler(self.clock.now()).await?;
            return Ok(true);
        };
        let (name, args) = command
            .split_once(char::is_whitespace)
            .map(|(name, args)| (name, args.trim()))
            .unwrap_or((command, ""));
        // A command (the core's or the console's own) does not close an open form: the next
        // plain line still answers it, and the person is reminded. If the command opens a new
        // form, the earlier one is closed, and said so.
        let before = (
            self.open_form.as_ref().map(|open| open.form.title.clone()),
            self.forms_opened,
        );
        // The console's own commands read their arguments like the core's: quotes group.
        let own_args = crate::text::arguments(args, crate::text::ArgStyle::Words);
        match name {
            "quit" | "exit" => return Ok(false),
            "clock" => self.handle_clock(&own_args).await?,
            "press" => self.handle_press(&own_args).await?,
            "as" => self.handle_as(&own_args).await?,
            "cancel" => {
                let closed = self.open_form.take().is_some();
                let text = if closed {
                    "Form closed; nothing was sent."
                } else {
                    "No form is open."
                };
                self.emit_local(OutgoingKind::Reply, None, text)?;
            }
            _ => {
                let kind = InteractionKind::command(name, args);
                self.send(kind).await?;
                self.run_scheduler(self.clock.now()).await?;
                if name == "help" {
                    self.emit_local(
                        OutgoingKind::Reply,
                        Some("Console extras"),
                        "/clock shows the virtual time; /clock +90m, /clock +3d or /clock 2026-12-24T09:00Z moves it forward. /press N presses button N. /cancel closes a form. /as NAME [zone] types as someone else (a manager and a leader, say). /quit leaves.",
                    )?;
                }
            }
        }
        if let (Some(title), opened) = before {
            if self.open_form.is_some() {
                let text = if self.forms_opened != opened {
                    format!(
                        "The earlier form \u{201c}{title}\u{201d} was closed without sending it."
                    )
                } else {
                    format!(
                        "Still open: \u{201c}{title}\u{201d}. Type your answer on the next line, or /cancel."
                    )
                };
                self.emit_local(OutgoingKind::Reply, None, &text)?;
            }
        }
        Ok(true)
    }

    async fn handle_text(&mut self, text: &str) -> anyhow::Result<()> {
        let Some(mut open) = self.open_form.take() else {
            let kind = InteractionKind::Message {
                text: text.to_owned(),
                thread: self.last_nudge.clone(),
                direct: false,
            };
            self.send(kind).await?;
            return Ok(());
        };
        if let Some(next) = open.next_input() {
            let value = match &next.value {
                Some(start) if text == KEEP => start.clone(),
                None if text == KEEP => {
                    let label = next.label.clone();
                    self.open_form = Some(open);
                    let problem =
                        format!("{label} has no text to keep: type an answer, or /cancel.");
                    return self.emit_local(OutgoingKind::Error, None, &problem);
                }
                _ => text.to_owned(),
            };
            let id = next.id.clone();
            open.values.insert(id, value);
        }
        if open.next_input().is_some() {
            self.open_form = Some(open);
            return Ok(());
        }
        let form = open.form.clone();
        let typed = open.values.clone();
        let kind = InteractionKind::Form {
            form_id: open.form.id,
            values: open.values,
        };
        let answer = self.send(kind).await?;
        // What was written could not be kept (a secret, too long, empty, out of range): the
        // coach offers to write it again, and the form stays open with what was typed as each
        // input's starting text. Any other refusal (the form has expired) closes it.
        let again = answer.iter().any(|o| {
            o.kind == OutgoingKind::Error
                && o.message
                    .buttons
                    .iter()
                    .any(|b| b.action == form.id && b.label == crate::core::WRITE_AGAIN)
        });
        if again && self.open_form.is_none() {
            let mut form = form.clone();
            // With one input, that input is what was refused: keeping it would only send it
            // again, so it is not offered.
            if form.inputs.len() > 1 {
                for input in &mut form.inputs {
                    if let Some(typed) = typed.get(&input.id) {
                        input.value = Some(typed.clone());
                    }
                }
            }
            let text = match form.inputs.as_slice() {
                [_] => format!(
                    "\u{201c}{}\u{201d} is still open: type your answer again on the next line, or /cancel.",
                    form.title
                ),
                _ => format!(
                    "\u{201c}{}\u{201d} is still open: answer each input again, one line each, from the first (a lone {KEEP} keeps what you typed), or /cancel.",
                    form.title
                ),
            };
            self.open_form = Some(OpenForm::new(&form));
            self.emit_local(OutgoingKind::Reply, None, &text)?;
        }
        Ok(())
    }

    /// `/as NAME [zone]`: from now on lines are typed by NAME (in their zone, when given).
    /// A form left open belongs to the person who opened it and is closed; buttons stay, and
    /// the coach refuses a press on someone else's.
    /// The zone `name` types in: one given with `/as` earlier in this run, else the one stored
    /// for them (from an earlier run), else the session's (`TZ`, else the system's).
    async fn zone_of(&self, name: &str) -> anyhow::Result<Option<Tz>> {
        if let Some(zone) = self.zones.get(name) {
            return Ok(Some(*zone));
        }
        let storage = self.coach.storage();
        let identity = crate::storage::Identity::new(Platform::Console, WORKSPACE, name);
        let stored = match storage.find_user(&identity).await? {
            Some(user) => storage
                .user_zone(user)
                .await?
                .and_then(|zone| crate::zone::parse_zone(&zone).ok()),
            None => None,
        };
        Ok(stored.or(self.session_zone).or(self.options.system_zone))
    }

    async fn handle_as(&mut self, args: &str) -> anyhow::Result<()> {
        let words: Vec<&str> = args.split_whitespace().collect();
        let (name, zone) = match words.as_slice() {
            [name] => (*name, None),
            [name, zone] => match crate::zone::parse_zone(zone) {
                Ok(zone) => (*name, Some(zone)),
                Err(problem) => return self.emit_local(OutgoingKind::Error, None, &problem),
            },
            _ => {
                return self.emit_local(
                    OutgoingKind::Error,
                    None,
                    "Usage: /as NAME [zone], e.g. /as bob or /as bob Europe/Berlin: the next lines are typed by bob.",
                );
            }
        };
        let name = name.trim_start_matches('@');
        let valid = !name.is_empty()
            && name.chars().count() <= 64
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !valid {
            return self.emit_local(
                OutgoingKind::Error,
                None,
                "A console name is one word of letters, digits, -, _ or . (at most 64).",
            );
        }
        if let Some(open) = self.open_form.take() {
            let text = format!(
                "The form \u{201c}{}\u{201d} of {} was closed without sending it.",
                open.form.title, self.options.user
            );
            self.emit_local(OutgoingKind::Reply, None, &text)?;
        }
        if let Some(zone) = zone {
            self.zones.insert(name.to_owned(), zone);
        }
        self.options.user = name.to_owned();
        self.options.zone = self.zone_of(name).await?;
        self.screen().user = name.to_owned();
        let text = format!(
            "Now typing as {name}{}.",
            self.options
                .zone
                .map(|zone| format!(", in {}", zone.name()))
                .unwrap_or_default()
        );
        self.emit_local(OutgoingKind::Reply, None, &text)
    }

    async fn handle_press(&mut self, args: &str) -> anyhow::Result<()> {
        let pressed = args
            .parse::<usize>()
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| self.buttons.get(i))
            .cloned();
        match pressed {
            Some(button) => {
                self.send(InteractionKind::Button {
                    action: button.action,
                })
                .await?;
                Ok(())
            }
            None if self.buttons.is_empty() => self.emit_local(
                OutgoingKind::Error,
                None,
                "There is no button to press yet.",
            ),
            None => {
                let text = format!(
                    "Usage: /press N, where N is a button number from 1 to {}.",
                    self.buttons.len()
                );
                self.emit_local(OutgoingKind::Error, None, &text)
            }
        }
    }

    async fn handle_clock(&mut self, args: &str) -> anyhow::Result<()> {
        if !args.is_empty() {
            let target = match parse_clock_target(args, self.clock.now(), self.zone()) {
                Ok(target) => target,
                Err(problem) => return self.emit_local(OutgoingKind::Error, None, &problem),
            };
            if let Err(err) = self.advance_to(target).await {
                let text = match err.downcast_ref::<crate::clock::ClockWentBack>() {
                    Some(_) => format!("{err}. Give a later time."),
                    None => format!("{err}."),
                };
                // Errors read lower-case inside other messages; shown alone, as a sentence.
                let mut chars = text.chars();
                let text: String = chars
                    .next()
                    .map(|first| first.to_uppercase().chain(chars).collect())
                    .unwrap_or_default();
                return self.emit_local(OutgoingKind::Error, None, &text);
            }
        }
        let now = self.clock.now();
        let local = now.with_timezone(&self.zone());
        let text = format!(
            "{} ({})",
            local.format("%a %d %b %Y, %H:%M %Z"),
            now.to_rfc3339_opts(SecondsFormat::Secs, true)
        );
        self.emit_local(OutgoingKind::Reply, Some("Clock"), &text)
    }

    /// Moves the virtual clock to `target`, sending whatever falls due on the way in order,
    /// and remembers the time across restarts.
    async fn advance_to(&mut self, target: DateTime<Utc>) -> anyhow::Result<()> {
        if target < self.clock.now() {
            return Err(crate::clock::ClockWentBack {
                now: self.clock.now(),
            }
            .into());
        }
        self.run_scheduler(target).await?;
        self.share_clock().await
    }

    /// Keeps the clock shared with other consoles on the same data folder: stores this
    /// console's time if it is later, or catches up with a later one another console stored.
    /// Time never runs backwards for either.
    async fn share_clock(&mut self) -> anyhow::Result<()> {
        let now = self.clock.now();
        let shared = self
            .coach
            .storage()
            .advance_state_time(CLOCK_STATE_KEY, now)
            .await?;
        if shared > now {
            self.clock.set(shared)?;
        }
        Ok(())
    }

    /// Runs the scheduler up to `target` and prints what it sent.
    async fn run_scheduler(&mut self, target: DateTime<Utc>) -> anyhow::Result<()> {
        self.scheduler.advance(&self.clock, target).await?;
        // The postman has shown each message already; the session notes what it offers.
        for sent in self.postman.take() {
            if sent.outgoing.kind == OutgoingKind::Nudge {
                self.last_nudge = Some(sent.message_id.clone());
            }
            self.note(&sent.outgoing);
        }
        Ok(())
    }

    /// Sends one interaction to the core, delivers the answer and returns it.
    async fn send(&mut self, kind: InteractionKind) -> anyhow::Result<Vec<Outgoing>> {
        let interaction = Interaction {
            actor: Actor {
                platform: Platform::Console,
                workspace: WORKSPACE.to_owned(),
                user_id: self.options.user.clone(),
                display_name: self.options.user.clone(),
                zone: self.options.zone,
                is_admin: true,
                roles: Vec::new(),
            },
            channel: self.options.channel.clone(),
            kind,
        };
        let answer = self.coach.handle(&interaction).await;
        self.deliver(&answer).await?;
        Ok(answer)
    }

    /// The console's side of the core's delivery contract: every message printed in order
    /// (a message to a person shows as a DM), every attachment written to the export folder
    /// with its path printed, and the core told after each one.
    pub async fn deliver(&mut self, answer: &[Outgoing]) -> anyhow::Result<()> {
        for outgoing in answer {
            self.emit(outgoing)?;
            self.coach.delivered(outgoing).await;
        }
        Ok(())
    }

    fn zone(&self) -> Tz {
        self.options.zone.unwrap_or(Tz::UTC)
    }

    /// Shows a message the console itself produced.
    fn emit_local(
        &mut self,
        kind: OutgoingKind,
        title: Option<&str>,
        text: &str,
    ) -> anyhow::Result<()> {
        let outgoing = Outgoing::new(
            kind,
            Destination::Channel(self.options.channel.clone()),
            true,
            RichMessage {
                title: title.map(str::to_owned),
                body: text.to_owned(),
                ..RichMessage::default()
            },
        );
        self.emit(&outgoing)
    }

    /// Shows a message now and notes the buttons and form it offers.
    fn emit(&mut self, outgoing: &Outgoing) -> anyhow::Result<()> {
        let now = self.clock.now();
        self.screen().show(outgoing, now)?;
        self.note(outgoing);
        Ok(())
    }

    /// Remembers the buttons a message offers (for `/press`) and opens the form it carries.
    fn note(&mut self, outgoing: &Outgoing) {
        let message = &outgoing.message;
        if !message.buttons.is_empty() {
            self.buttons = message.buttons.clone();
        }
        if let Some(form) = &message.form {
            self.open_form = Some(OpenForm::new(form));
            self.forms_opened += 1;
        }
    }

    fn screen(&self) -> std::sync::MutexGuard<'_, Screen> {
        self.screen.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn print_banner(&mut self) -> anyhow::Result<()> {
        let banner = format!(
            "shiftcoach console: you are @{} in #{}. Type /help for commands, /quit or Ctrl-D to leave.",
            self.options.user, self.options.channel
        );
        self.screen().line(&banner)
    }

    /// What the next line answers, as a prompt.
    fn prompt(&self) -> String {
        match &self.open_form {
            Some(open) => format!(
                "{}> ",
                open.next_input().map_or("", |input| input.label.as_str())
            ),
            None => format!("{} #{}> ", self.options.user, self.options.channel),
        }
    }
}

/// Reads a `/clock` argument: `+90m`, `+3d`, `+1w 2h`, or an absolute time. An absolute time
/// with `Z` or an offset is taken as given; without one it is read in `zone`.
pub fn parse_clock_target(
    arg: &str,
    now: DateTime<Utc>,
    zone: Tz,
) -> Result<DateTime<Utc>, String> {
    const USAGE: &str =
        "Usage: /clock, /clock +90m, /clock +3d or /clock 2026-12-24T09:00Z (forward only).";
    if let Some(span) = arg.strip_prefix('+') {
        // Years and months are calendar ones, in the person's zone (humantime would read a
        // year as 365.25 days and land six hours off); the rest is an exact span.
        let mut months: u32 = 0;
        let mut exact = Vec::new();
        // "1 year" and "1year" alike: a bare number joins the unit after it.
        let mut parts: Vec<String> = Vec::new();
        for token in span.split_whitespace() {
            match parts.last_mut() {
                Some(last) if last.chars().all(|c| c.is_ascii_digit()) => last.push_str(token),
                _ => parts.push(token.to_owned()),
            }
        }
        for part in &parts {
            let part = part.as_str();
            let split = part
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(part.len());
            let (number, unit) = part.split_at(split);
            let count = number.parse::<u32>().ok();
            match (count, unit) {
                (Some(n), "y" | "year" | "years") => {
                    months = months.saturating_add(n.saturating_mul(12))
                }
                (Some(n), "M" | "month" | "months") => months = months.saturating_add(n),
                _ => exact.push(part),
            }
        }
        let mut target = now.with_timezone(&zone);
        if months > 0 {
            target = target
                .checked_add_months(chrono::Months::new(months))
                .ok_or_else(|| USAGE.to_owned())?;
        }
        if !exact.is_empty() {
            let span = humantime::parse_duration(&exact.join(" ")).map_err(|_| USAGE.to_owned())?;
            let span = chrono::Duration::from_std(span).map_err(|_| USAGE.to_owned())?;
            target = target
                .checked_add_signed(span)
                .ok_or_else(|| USAGE.to_owned())?;
        } else if months == 0 {
            return Err(USAGE.to_owned());
        }
        return Ok(target.with_timezone(&Utc));
    }
    if let Ok(time) = DateTime::parse_from_rfc3339(arg) {
        return Ok(time.with_timezone(&Utc));
    }
    if let Ok(time) = DateTime::parse_from_str(arg, "%Y-%m-%dT%H:%M%#z") {
        return Ok(time.with_timezone(&Utc));
    }
    if let Some(naive) = arg.strip_suffix('Z') {
        if let Ok(naive) = NaiveDateTime::parse_from_str(naive, "%Y-%m-%dT%H:%M") {
            return Ok(naive.and_utc());
        }
    }
    for format in ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(arg, format) {
            return zone
                .from_local_datetime(&naive)
                .earliest()
                .map(|time| time.with_timezone(&Utc))
                .ok_or_else(|| {
                    format!(
                        "{arg} does not exist in {} (the clocks skip it).",
                        zone.name()
                    )
                });
        }
    }
    Err(USAGE.to_owned())
}

/// How a destination is written in console output and JSON.
fn destination_label(to: &Destination) -> String {
    match to {
        Destination::Channel(channel) => format!("#{channel}"),
        Destination::Thread { channel, thread } => format!("#{channel}/thread/{thread}"),
        Destination::Person(user) => format!("@{user}"),
    }
}

fn to_json(outgoing: &Outgoing, at: DateTime<Utc>) -> serde_json::Value {
    let message = &outgoing.message;
    json!({
        "kind": outgoing.kind,
        "to": destination_label(&outgoing.to),
        "ephemeral": outgoing.ephemeral,
        "title": message.title,
        "text": markdown::to_plain(&message.body),
        "markdown": message.body,
        "slug": message.slug,
        "at": at.to_rfc3339_opts(SecondsFormat::Secs, true),
        "fields": message.fields.iter().map(|f| json!({"name": f.name, "value": f.value})).collect::<Vec<_>>(),
        "buttons": message.buttons.iter().enumerate().map(|(i, b)| json!({"number": i + 1, "action": b.action, "label": b.label})).collect::<Vec<_>>(),
        "form": message.form.as_ref().map(|form| json!({
            "id": form.id,
            "title": form.title,
            "inputs": form.inputs.iter().map(|input| json!({"id": input.id, "label": input.label, "max_chars": input.max_chars, "value": input.value})).collect::<Vec<_>>(),
        })),
    })
}

/// Wraps `text` to `width` columns between words (never inside one: a longer word or link
/// keeps its own line), continuing list items and indented lines under their first word.
fn wrap(text: &str, width: usize) -> String {
    text.split('\n')
        .map(|line| {
            let bare = line.trim_start();
            let mut indent = line.len() - bare.len();
            for bullet in ["- ", "* ", "! ", "> "] {
                if bare.starts_with(bullet) {
                    indent += bullet.len();
                }
            }
            if let Some((number, _)) = bare.split_once(". ") {
                if !number.is_empty() && number.chars().all(|c| c.is_ascii_digit()) {
                    indent += number.len() + 2;
                }
            }
            let hanging = " ".repeat(indent.min(width / 2));
            let options = textwrap::Options::new(width.max(20))
                .break_words(false)
                .subsequent_indent(&hanging);
            textwrap::fill(line, options)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Renders a message as readable terminal text.
/// `text` with every control character but newline and tab written out as its escape
/// (`\u{1b}`): what people wrote is shown as typed and can never drive the terminal (colours,
/// the cursor, the window title).
fn visible_controls(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn render_text(outgoing: &Outgoing) -> String {
    let message = &outgoing.message;
    let mut lines = Vec::new();
    let mut heading = Vec::new();
    match outgoing.kind {
        OutgoingKind::Nudge => {
            heading.push(format!("Nudge in {}", destination_label(&outgoing.to)))
        }
        OutgoingKind::Dm => heading.push(format!("DM to {}", destination_label(&outgoing.to))),
        OutgoingKind::Reply | OutgoingKind::Error => {}
    }
    heading.extend(message.title.clone());
    if !heading.is_empty() {
        let private = match (&outgoing.to, outgoing.ephemeral) {
            (Destination::Person(person), _) => format!("  (only {person} can see this)"),
            (_, true) => "  (only you can see this)".to_owned(),
            (_, false) => String::new(),
        };
        lines.push(format!("== {} =={private}", heading.join(": ")));
    }
    let body = markdown::to_plain(&message.body);
    if !body.is_empty() {
        let marker = if outgoing.kind == OutgoingKind::Error {
            "! "
        } else {
            ""
        };
        lines.push(format!("{marker}{body}"));
    }
    for field in &message.fields {
        lines.push(format!("* {}", field.name));
        for value_line in markdown::to_plain(&field.value).lines() {
            lines.push(format!("    {value_line}"));
        }
    }
    if !message.buttons.is_empty() {
        let buttons: Vec<String> = message
            .buttons
            .iter()
            .enumerate()
            .map(|(i, button)| format!("[{}] {}", i + 1, button.label))
            .collect();
        lines.push(format!(
            "{}   (press one with /press N)",
            buttons.join("  ")
        ));
    }
    if let Some(form) = &message.form {
        let how = match form.inputs.as_slice() {
            [_] => "type it on the next line".to_owned(),
            inputs => {
                let labels: Vec<&str> = inputs.iter().map(|input| input.label.as_str()).collect();
                format!("answer each on its own line: {}", labels.join(", then "))
            }
        };
        lines.push(format!("> {}: {how}, or /cancel.", form.title));
        for input in &form.inputs {
            if let Some(value) = &input.value {
                lines.push(format!(
                    "    {}, now: {}  (a lone {KEEP} keeps it)",
                    input.label,
                    markdown::to_plain(value)
                ));
            }
        }
    }
    lines.push(String::new());
    lines.join("\n") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn control_characters_are_shown_not_obeyed() {
        assert_eq!(
            super::visible_controls("hello\u{7}\u{1b}[31mred\u{9b}2J\nnext\tline"),
            "hello\\u{7}\\u{1b}[31mred\\u{9b}2J\nnext\tline"
        );
        assert_eq!(
            super::visible_controls("plain – text ✅"),
            "plain – text ✅"
        );
    }

    #[test]
    fn clock_targets_accept_spans_and_absolute_times() {
        let now = Utc.with_ymd_and_hms(2026, 11, 26, 20, 0, 0).unwrap();
        let berlin = chrono_tz::Europe::Berlin;
        assert_eq!(
            parse_clock_target("+90m", now, berlin).unwrap(),
            now + chrono::Duration::minutes(90)
        );
        assert_eq!(
            parse_clock_target("+3d", now, berlin).unwrap(),
            now + chrono::Duration::days(3)
        );
        assert_eq!(
            parse_clock_target("2026-12-24T09:00Z", now, berlin).unwrap(),
            Utc.with_ymd_and_hms(2026, 12, 24, 9, 0, 0).unwrap()
        );
        assert_eq!(
            parse_clock_target("2026-12-24 09:00", now, berlin).unwrap(),
            Utc.with_ymd_and_hms(2026, 12, 24, 8, 0, 0).unwrap()
        );
        // Years and months are calendar ones, in the zone.
        assert_eq!(
            parse_clock_target("+1y", now, berlin).unwrap(),
            Utc.with_ymd_and_hms(2027, 11, 26, 20, 0, 0).unwrap()
        );
        assert_eq!(
            parse_clock_target("+1month 2h", now, berlin).unwrap(),
            Utc.with_ymd_and_hms(2026, 12, 26, 22, 0, 0).unwrap()
        );
        assert_eq!(
            parse_clock_target("+1 year", now, berlin),
            parse_clock_target("+1y", now, berlin)
        );
        assert!(parse_clock_target("+", now, berlin).is_err());
        assert!(parse_clock_target("tomorrow", now, berlin).is_err());
        assert!(parse_clock_target("+soon", now, berlin).is_err());
    }
}
