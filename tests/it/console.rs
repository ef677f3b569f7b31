//! The real `shiftcoach` binary, driven through standard input as a user would.

use std::{
    io::Write,
    path::Path,
    process::{Command, Output, Stdio},
};

use serde_json::Value;

use crate::support::fresh_postgres_database;

const BIN: &str = env!("CARGO_BIN_EXE_shiftcoach");

/// Runs `shiftcoach <args>` with a clean environment plus `env`, feeding `stdin`.
pub fn shiftcoach(args: &[&str], env: &[(&str, &str)], stdin: &str) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .env_clear()
        .env("TZ", "Europe/Berlin")
        .env("USER", "ada")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the shiftcoach binary starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

fn json_lines(output: &Output) -> Vec<Value> {
    stdout(output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

fn data_dir_env(dir: &Path) -> (&'static str, String) {
    ("SHIFTCOACH_DATA_DIR", dir.display().to_string())
}

fn reflection_survives_a_restart(env: &[(&str, &str)]) {
    let first = shiftcoach(
        &["console"],
        env,
        "/reflect The audit went well\n/journal\n",
    );
    assert!(first.status.success(), "{}", stderr(&first));
    let text = stdout(&first);
    assert!(text.contains("Reflection saved"), "{text}");
    assert!(text.contains("The audit went well"), "{text}");

    let second = shiftcoach(&["console"], env, "/journal\n");
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(
        stdout(&second).contains("The audit went well"),
        "{}",
        stdout(&second)
    );
}

#[test]
fn a_piped_reflection_survives_a_restart_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (key, value) = data_dir_env(dir.path());
    reflection_survives_a_restart(&[(key, &value)]);
    assert!(dir.path().join("shiftcoach.db").exists());
}

#[tokio::test]
async fn a_piped_reflection_survives_a_restart_on_postgres() {
    let url = fresh_postgres_database().await;
    let dir = tempfile::tempdir().unwrap();
    let (key, value) = data_dir_env(dir.path());
    reflection_survives_a_restart(&[(key, &value), ("DATABASE_URL", &url)]);
    assert!(
        !dir.path().join("shiftcoach.db").exists(),
        "PostgreSQL was used, not the embedded default"
    );
}

#[test]
fn json_output_has_one_object_per_message_with_the_documented_keys() {
    let dir = tempfile::tempdir().unwrap();
    let (key, value) = data_dir_env(dir.path());
    let output = shiftcoach(
        &[
            "console",
            "--json",
            "--user",
            "@sam",
            "--channel",
            "#sec-leads",
        ],
        &[(key, &value)],
        "/reflect\nWritten in the form\n/journal 1\n/nope\n",
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let lines = json_lines(&output);
    assert_eq!(lines.len(), 4, "{lines:#?}");
    for line in &lines {
        for key in ["kind", "to", "ephemeral", "title", "text", "slug", "at"] {
            assert!(line.get(key).is_some(), "{key} missing in {line}");
        }
        chrono::DateTime::parse_from_rfc3339(line["at"].as_str().unwrap()).unwrap();
        assert_eq!(line["to"], "#sec-leads");
    }
    assert_eq!(lines[0]["kind"], "reply");
    assert_eq!(lines[0]["form"]["inputs"][0]["id"], "text");
    assert_eq!(lines[1]["title"], "Reflection saved");
    assert_eq!(lines[2]["fields"][0]["value"], "Written in the form");
    assert_eq!(lines[3]["kind"], "error");
    assert_eq!(lines[3]["ephemeral"], true);
}

#[test]
fn the_virtual_clock_moves_forward_only_and_persists() {
    let dir = tempfile::tempdir().unwrap();
    let (key, value) = data_dir_env(dir.path());
    let env = [(key, value.as_str())];
    let output = shiftcoach(
        &["console", "--json"],
        &env,
        "/clock 2031-12-24T09:00Z\n/clock +90m\n/clock +3d\n/clock 2030-01-01T00:00Z\n/clock soon\n/reflect at the virtual time\n/journal\n",
    );
    let lines = json_lines(&output);
    assert_eq!(lines[0]["at"], "2031-12-24T09:00:00Z");
    assert_eq!(lines[1]["at"], "2031-12-24T10:30:00Z");
    assert_eq!(lines[2]["at"], "2031-12-27T10:30:00Z");
    assert_eq!(lines[3]["kind"], "error");
    assert!(
        lines[3]["text"]
            .as_str()
            .unwrap()
            .contains("only moves forward")
    );
    assert_eq!(lines[4]["kind"], "error");
    assert!(
        lines[4]["text"]
            .as_str()
            .unwrap()
            .starts_with("Usage: /clock")
    );
    assert_eq!(lines[6]["fields"][0]["name"], "Sat 27 Dec 2031, 11:30 CET");

    let restarted = shiftcoach(&["console", "--json"], &env, "/clock\n");
    assert_eq!(json_lines(&restarted)[0]["at"], "2031-12-27T10:30:00Z");
}

#[test]
fn reflection_text_never_reaches_the_logs() {
    let dir = tempfile::tempdir().unwrap();
    let (key, value) = data_dir_env(dir.path());
    let secret = "my-very-private-words";
    let output = shiftcoach(
        &["console"],
        &[(key, &value), ("RUST_LOG", "trace")],
        // Every place a person types: a reflection, a form, a stray line, a mistyped command
        // and its words, arguments to lookups, schedules, zones, data commands and buttons.
        &[
            format!("/reflect {secret}"),
            "/reflect".into(),
            format!("{secret} again"),
            "/journal".into(),
            format!("{secret} stray"),
            format!("/zqx{secret} {secret}"),
            format!("/framework {secret}"),
            format!("/template {secret}"),
            format!("/shift \"{secret}\""),
            format!("/scenario {secret}"),
            format!("/model {secret}"),
            format!("/nudges set daily 09:00 {secret}"),
            format!("/nudges {secret}"),
            format!("/mydata {secret}"),
            format!("/press {secret}"),
            format!("/clock {secret}"),
            format!("/journal {secret}"),
        ]
        .join("\n"),
    );
    assert!(output.status.success());
    let logs = stderr(&output);
    assert!(
        logs.contains("reflection stored"),
        "trace logging was on: {logs}"
    );
    assert!(!logs.contains(secret), "user text leaked into the logs");
}

#[test]
fn run_without_a_platform_exits_2_with_one_line_of_advice() {
    let dir = tempfile::tempdir().unwrap();
    let (key, value) = data_dir_env(dir.path());
    let output = shiftcoach(&["run"], &[(key, &value)], "");
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert_eq!(message.trim_end().lines().count(), 1, "{message}");
    for name in [
        "DISCORD_TOKEN",
        "SLACK_BOT_TOKEN",
        "SLACK_APP_TOKEN",
        "shiftcoach console",
    ] {
        assert!(message.contains(name), "{name} in {message}");
    }
}

#[test]
fn a_bad_setting_exits_2_naming_it() {
    let output = shiftcoach(
        &["console"],
        &[
            ("SHIFTCOACH_LOG_FORMAT", "yaml"),
            ("SHIFTCOACH_DATA_DIR", "/nonexistent"),
        ],
        "",
    );
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert_eq!(message.trim_end().lines().count(), 1, "{message}");
    assert!(message.contains("SHIFTCOACH_LOG_FORMAT"), "{message}");
    assert!(message.contains("`text` or `json`"), "{message}");
}

#[test]
fn an_unreachable_database_is_retried_then_reported_without_the_password() {
    // Port 9 on loopback has no PostgreSQL; the retry window is kept short. The password is
    // tried in every place a URL can carry one, and with every command that connects.
    for (url, command) in [
        ("postgres://coach:hunter2@127.0.0.1:9/coach", "console"),
        (
            "postgres://coach@127.0.0.1:9/coach?password=hunter2",
            "migrate",
        ),
        (
            "postgres://coach@127.0.0.1:9/coach?sslmode=disable&sslpassword=hunter2",
            "console",
        ),
    ] {
        let output = shiftcoach(
            &[command],
            &[
                ("DATABASE_URL", url),
                ("SHIFTCOACH_DB_CONNECT_TIMEOUT", "2s"),
                ("RUST_LOG", "debug"),
            ],
            "/journal\n",
        );
        assert_eq!(output.status.code(), Some(1));
        let message = stderr(&output);
        assert!(message.contains("cannot reach the database"), "{message}");
        assert!(message.contains("127.0.0.1:9"), "{message}");
        assert!(
            message.contains("retrying"),
            "retries are logged: {message}"
        );
        assert!(!message.contains("hunter2"), "{message}");
        assert!(!stdout(&output).contains("hunter2"));
    }
}

#[tokio::test]
async fn migrate_reports_what_it_applied_then_that_nothing_is_left() {
    let url = fresh_postgres_database().await;
    let env = [("DATABASE_URL", url.as_str())];
    let first = shiftcoach(&["migrate"], &env, "");
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        stdout(&first).contains("applied 1 init"),
        "{}",
        stdout(&first)
    );
    let second = shiftcoach(&["migrate"], &env, "");
    assert!(stdout(&second).contains("already up to date"));
}

/// Replicas started together on a fresh database all migrate it: the migrations run under
/// the database's lock, so none of them fails with "duplicate key value violates unique
/// constraint" on the migrations table (as 2 of 3 tries did before the lock).
#[tokio::test]
async fn replicas_starting_together_all_migrate_a_fresh_database() {
    for _ in 0..3 {
        let url = fresh_postgres_database().await;
        let children: Vec<std::process::Child> = (0..4)
            .map(|_| {
                Command::new(BIN)
                    .arg("migrate")
                    .env_clear()
                    .env("DATABASE_URL", &url)
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let outputs: Vec<Output> = children
            .into_iter()
            .map(|child| child.wait_with_output().unwrap())
            .collect();
        for output in &outputs {
            assert!(output.status.success(), "{}", stderr(output));
        }
        // Exactly one of them applied the migrations; the others found nothing left.
        let appliers = outputs
            .iter()
            .filter(|o| stdout(o).contains("applied 1 init"))
            .count();
        assert_eq!(appliers, 1);
    }
}

#[test]
fn every_subcommand_has_help() {
    for args in [
        vec!["--help"],
        vec!["console", "--help"],
        vec!["run", "--help"],
        vec!["migrate", "--help"],
    ] {
        let output = shiftcoach(&args, &[], "");
        assert!(output.status.success(), "{args:?}");
        assert!(stdout(&output).contains("Usage: shiftcoach"), "{args:?}");
    }
}

fn a_week_of_nudges_prints_in_order(env: &[(&str, &str)]) {
    // Wednesday 26 March 2031; Europe moves to summer time on Sunday the 30th.
    let output = shiftcoach(
        &["console", "--json"],
        env,
        // A week passes an hour at a time: a jump of the clock is a gap like downtime, and
        // only the latest missed nudge within the grace window would go out.
        &format!(
            "/clock 2031-03-26T06:00Z\n/nudges set here weekdays 09:00 Europe/Berlin\n{}",
            "/clock +1h\n".repeat(7 * 24)
        ),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let lines = json_lines(&output);
    let nudges: Vec<&Value> = lines
        .iter()
        .filter(|line| line["kind"] == "nudge")
        .collect();
    let at: Vec<&str> = nudges.iter().map(|n| n["at"].as_str().unwrap()).collect();
    assert_eq!(
        at,
        [
            "2031-03-26T08:00:00Z",
            "2031-03-27T08:00:00Z",
            "2031-03-28T08:00:00Z",
            "2031-03-31T07:00:00Z",
            "2031-04-01T07:00:00Z",
        ]
    );
    for nudge in &nudges {
        assert!(nudge["slug"].is_string(), "{nudge}");
        assert_eq!(nudge["to"], "#general");
        assert_eq!(nudge["ephemeral"], false);
    }
    let slugs: std::collections::HashSet<&str> =
        nudges.iter().map(|n| n["slug"].as_str().unwrap()).collect();
    assert_eq!(slugs.len(), 5, "no repeats");
    // The nudges come between the two clock lines, in time order.
    let kinds: Vec<&str> = lines.iter().map(|l| l["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.last(), Some(&"reply"), "the clock line comes last");

    // A restart does not send them again.
    let again = shiftcoach(&["console", "--json"], env, "/clock +30m\n");
    let again = json_lines(&again);
    assert!(
        again.iter().all(|line| line["kind"] != "nudge"),
        "{again:?}"
    );
}

/// Runs `check` with the environment of a fresh data folder on the embedded SQLite.
fn on_sqlite(check: impl FnOnce(&[(&str, &str)])) {
    let dir = tempfile::tempdir().unwrap();
    let (key, value) = data_dir_env(dir.path());
    check(&[(key, &value)]);
}

/// Runs `check` with the environment of a fresh data folder and a fresh PostgreSQL database.
async fn on_postgres(check: impl FnOnce(&[(&str, &str)])) {
    let url = fresh_postgres_database().await;
    let dir = tempfile::tempdir().unwrap();
    let (key, value) = data_dir_env(dir.path());
    check(&[(key, &value), ("DATABASE_URL", &url)]);
}

#[test]
fn a_week_of_nudges_prints_in_order_on_sqlite() {
    on_sqlite(a_week_of_nudges_prints_in_order);
}

#[tokio::test]
async fn a_week_of_nudges_prints_in_order_on_postgres() {
    on_postgres(a_week_of_nudges_prints_in_order).await;
}

#[test]
fn a_plain_line_after_a_nudge_is_kept_as_a_reply_and_mydata_exports_it() {
    let dir = tempfile::tempdir().unwrap();
    let (key, value) = data_dir_env(dir.path());
    let output = shiftcoach(
        &["console", "--json"],
        &[(key, &value)],
        "/clock 2031-05-05T06:00Z\n/nudges set here daily 09:00 UTC\n/clock +4h\nThis one landed\n/mydata export\n",
    );
    let lines = json_lines(&output);
    let nudge = lines
        .iter()
        .find(|l| l["kind"] == "nudge")
        .expect("a nudge");
    let saved = lines
        .iter()
        .find(|l| l["title"] == "Reflection saved")
        .expect("the reply was kept");
    assert_eq!(saved["ephemeral"], true);
    let export = lines
        .iter()
        .find(|l| l["title"] == "Your data")
        .expect("an export");
    let path = export["attachment"]["path"].as_str().unwrap();
    let document: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(document["reflections"][0]["text"], "This one landed");
    assert_eq!(document["reflections"][0]["slug"], nudge["slug"]);
    assert_eq!(document["reflections"][0]["source"], "reply");
}

/// Runs the console under `umask 022` (the usual default, which leaves new files readable by
/// every account) as `user`, in `dir`.
fn console_with_umask_022(dir: &Path, user: &str, stdin: &str) -> Output {
    let mut child = Command::new("sh")
        .args(["-c", "umask 022 && exec \"$0\" console --user \"$1\""])
        .arg(BIN)
        .arg(user)
        .env_clear()
        .env("TZ", "Europe/Berlin")
        .env("SHIFTCOACH_DATA_DIR", dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// The paths after "Saved to " in console output.
fn saved_paths(output: &Output) -> Vec<std::path::PathBuf> {
    stdout(output)
        .lines()
        .filter_map(|line| line.strip_prefix("Saved to "))
        .map(std::path::PathBuf::from)
        .collect()
}

#[cfg(unix)]
#[test]
fn files_are_private_exports_never_collide_and_delete_removes_them() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("data");

    // Names whose characters a naive file name would flatten to the same thing, exporting
    // twice in the same second.
    let people = ["名前", "日本", "Ada", "ada", "a/b", "a_b"];
    let mut all = Vec::new();
    for person in people {
        let output = console_with_umask_022(
            &dir,
            person,
            &format!("/reflect words of {person}\n/mydata export\n/mydata export\n"),
        );
        assert!(output.status.success(), "{}", stderr(&output));
        let paths = saved_paths(&output);
        assert_eq!(paths.len(), 2, "{}", stdout(&output));
        for path in &paths {
            let export: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
            assert_eq!(
                export["user"]["id"],
                person,
                "{} holds someone else",
                path.display()
            );
            assert_eq!(mode(path), 0o600, "{}", path.display());
            assert_eq!(mode(path.parent().unwrap()), 0o700);
        }
        all.extend(paths);
    }
    let distinct: std::collections::BTreeSet<_> = all.iter().collect();
    assert_eq!(
        distinct.len(),
        all.len(),
        "every export has its own file: {all:?}"
    );
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("exports")), 0o700);
    assert_eq!(mode(&dir.join("shiftcoach.db")), 0o600);

    // A folder and database left 0755/0644 by an older version are narrowed at start.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(
        dir.join("shiftcoach.db"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();

    // Deleting 名前's data removes their exports and leaves everyone else's.
    let deleted = console_with_umask_022(&dir, "名前", "/mydata delete\n/press 1\n");
    assert!(
        stdout(&deleted).contains("Your data is deleted"),
        "{}",
        stdout(&deleted)
    );
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("shiftcoach.db")), 0o600);
    for path in &all {
        let theirs = path.parent() == all[0].parent();
        assert_eq!(path.exists(), !theirs, "{}", path.display());
    }
    let db = std::fs::read(dir.join("shiftcoach.db")).unwrap();
    for needle in ["words of 名前", "名前"] {
        assert!(
            !db.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "{needle} is still in the database file"
        );
    }
}

/// The zone stored for the console user `ada`, read straight from the database.
async fn stored_zone(url: &shiftcoach::config::DatabaseUrl) -> Option<String> {
    use shiftcoach::storage::{ConnectOptions, Identity, Platform, Storage};
    let storage = Storage::connect(url, ConnectOptions::default())
        .await
        .unwrap();
    let identity = Identity::new(Platform::Console, "local", "ada");
    let user = storage
        .upsert_user(&identity, "ada", None, chrono::Utc::now())
        .await
        .unwrap();
    let zone = storage.user_zone(user).await.unwrap();
    storage.close().await;
    zone
}

async fn a_bad_tz_is_reported_and_the_stored_zone_kept(
    env: &[(&str, &str)],
    url: &shiftcoach::config::DatabaseUrl,
) {
    let with_tz = |tz: &'static str| {
        let mut env = env.to_vec();
        env.push(("TZ", tz));
        shiftcoach(&["console"], &env, "/help\n")
    };
    let first = with_tz("Asia/Tokyo");
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(!stderr(&first).contains("warning"), "{}", stderr(&first));
    assert_eq!(stored_zone(url).await.as_deref(), Some("Asia/Tokyo"));
    for bad in ["Nowhere/Special", "EST", "CET-1CEST,M3.5.0,M10.5.0/3"] {
        let output = with_tz(bad);
        assert!(output.status.success(), "{}", stderr(&output));
        let warning = stderr(&output);
        assert!(
            warning.contains(&format!("warning: TZ={bad} is not used")),
            "{warning}"
        );
        assert_eq!(
            stored_zone(url).await.as_deref(),
            Some("Asia/Tokyo"),
            "TZ={bad} must not replace the stored zone"
        );
    }
    // Any case, and the `:` form, give the canonical name.
    with_tz(":asia/kolkata");
    assert_eq!(stored_zone(url).await.as_deref(), Some("Asia/Kolkata"));
}

#[tokio::test]
async fn a_bad_tz_is_reported_and_the_stored_zone_kept_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (key, value) = data_dir_env(dir.path());
    let url = shiftcoach::config::DatabaseUrl::sqlite_in(dir.path());
    a_bad_tz_is_reported_and_the_stored_zone_kept(&[(key, &value)], &url).await;
}

#[tokio::test]
async fn a_bad_tz_is_reported_and_the_stored_zone_kept_on_postgres() {
    let url = fresh_postgres_database().await;
    let dir = tempfile::tempdir().unwrap();
    let (key, value) = data_dir_env(dir.path());
    let parsed = shiftcoach::config::DatabaseUrl::parse(&url).unwrap();
    a_bad_tz_is_reported_and_the_stored_zone_kept(
        &[(key, &value), ("DATABASE_URL", &url)],
        &parsed,
    )
    .await;
}

/// The titles (or, for untitled errors and notes, the first words) of every message printed.
fn titles(output: &Output) -> Vec<String> {
    json_lines(output)
        .iter()
        .map(|line| match line["title"].as_str() {
            Some(title) => title.to_owned(),
            None => line["text"].as_str().unwrap_or_default().to_owned(),
        })
        .collect()
}

/// Every answer belongs to what it answers: a command typed while a form is open leaves the
/// form open, a refused answer leaves it open too, a reply to a scenario nudge gets the
/// debrief, and a new run answers the nudge an earlier run posted.
fn answers_belong_to_what_they_answer(env: &[(&str, &str)]) {
    let first = shiftcoach(
        &["console", "--json"],
        env,
        "/nudges set daily 08:30 Europe/Berlin scenarios\n/nudges now\n\
         /scenario budget-cut\n/journal\nI would cut tooling first\n\
         /reflect\n\u{200B}\nmy notes, second try\n",
    );
    assert!(first.status.success(), "{}", stderr(&first));
    let lines = json_lines(&first);
    let shown = titles(&first);
    // The scenario's form stayed open through /journal and got the answer and its debrief.
    let debrief = shown
        .iter()
        .position(|t| t.starts_with("Debrief: The CFO wants"))
        .unwrap_or_else(|| panic!("no budget-cut debrief: {shown:?}"));
    assert!(
        shown[..debrief].iter().any(|t| t.starts_with("Still open")),
        "{shown:?}"
    );
    // A blank answer is refused and the form stays open; the next line is kept.
    let refused = lines
        .iter()
        .position(|l| {
            l["kind"] == "error" && l["text"].as_str().unwrap().contains("nothing to save")
        })
        .unwrap_or_else(|| panic!("blank text refused: {shown:?}"));
    assert!(
        shown[refused + 1..]
            .iter()
            .any(|t| t.contains("is still open"))
    );
    assert!(
        shown.last().unwrap().starts_with("Reflection saved"),
        "{shown:?}"
    );

    // A new run: a plain line answers the scenario nudge the first run posted.
    let second = shiftcoach(
        &["console", "--json"],
        env,
        "I would talk to them this week\n/journal\n",
    );
    assert!(second.status.success(), "{}", stderr(&second));
    let shown = titles(&second);
    assert!(shown[0].starts_with("Debrief: "), "{shown:?}");
    let journal = &json_lines(&second)[1];
    let fields = journal["fields"].as_array().unwrap();
    assert_eq!(fields.len(), 3, "{journal}");
    assert_eq!(fields[0]["value"], "I would talk to them this week");
    assert_eq!(fields[1]["value"], "my notes, second try");
    assert_eq!(fields[2]["value"], "I would cut tooling first");
    assert!(
        fields[2]["name"]
            .as_str()
            .unwrap()
            .ends_with("on The CFO wants 20% off the security budget"),
        "{journal}"
    );
}

#[test]
fn answers_belong_to_what_they_answer_on_sqlite() {
    on_sqlite(answers_belong_to_what_they_answer);
}

#[tokio::test]
async fn answers_belong_to_what_they_answer_on_postgres() {
    on_postgres(answers_belong_to_what_they_answer).await;
}

#[test]
fn the_consoles_own_commands_read_quotes_and_leave_a_form_open() {
    let dir = tempfile::tempdir().unwrap();
    let (key, value) = data_dir_env(dir.path());
    // A user id too long for a file name still gets its export.
    let long_user = "x".repeat(200);
    let output = shiftcoach(
        &["console", "--json", "--user", &long_user],
        &[(key, &value)],
        "/clock 2031-01-01T09:00Z\n/reflect\n/clock \"+1d\"\n/press \"1\"\nkept in the form\n\
         /mydata export\n/journal\n",
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let lines = json_lines(&output);
    let shown = titles(&output);
    let clock = lines
        .iter()
        .filter(|l| l["title"] == "Clock")
        .map(|l| l["text"].as_str().unwrap())
        .collect::<Vec<_>>();
    assert!(clock[1].contains("2031-01-02T09:00"), "{clock:?}");
    assert_eq!(
        shown.iter().filter(|t| t.starts_with("Still open")).count(),
        2,
        "{shown:?}"
    );
    let export = lines.iter().find(|l| l["title"] == "Your data").unwrap();
    let path = export["attachment"]["path"].as_str().unwrap();
    assert!(std::path::Path::new(path).exists(), "{export}");
    let journal = lines.last().unwrap();
    assert_eq!(journal["fields"][0]["value"], "kept in the form");
}

/// The check-in story of issue 11 in one console run: a manager invites a leader, the leader
/// accepts, two months of weekly check-ins are answered (one answer private each time, the
/// ratings monthly), the manager gets digests with only what was shared and a one-on-one
/// agenda, `/progress` writes a PNG, and a decision comes back for review into the calibration.
fn two_months_of_checkins(env: &[(&str, &str)]) {
    // Monday 4 January 2027, 10:30 in Berlin: after this week's 10:00 slot.
    let mut script = String::from(
        "/clock 2027-01-04T09:30Z\n/as mia\n/help\n/as lee\n/help\n/as mia\n/checkin invite @lee weekly mon 10:00\n/as lee\n/checkin accept\n",
    );
    for week in 1..=8 {
        // A week later, half an hour after the check-in went out.
        script.push_str("/clock +7d\n/press 1\n");
        // The first check-in of a month asks two questions (and the ratings), the others three.
        // 11 January, 1 February and 1 March are the first of their months.
        let monthly = [1, 4, 8].contains(&week);
        script.push_str(&format!(
            "Shared answer of week {week}\nSECRET-PRIVATE-{week}\n"
        ));
        if !monthly {
            script.push_str(&format!("Third answer of week {week}\n"));
        }
        // Make the second answer private: buttons are Make 1 private, Make 2 private, ...
        script.push_str("/press 2\n");
        if monthly {
            // Then: Make 1 private, Share 2, Rate my shifts, ...
            script.push_str("/press 3\n");
            let rating = if week == 1 { "2" } else { "4" };
            script.push_str(&format!("/press {rating}\n").repeat(9));
        }
    }
    script.push_str("/clock +2h\n/as mia\n/checkin prep @lee\n/progress @lee\n/checkin status\n");
    script.push_str(
        "/as lee\n/decide Hire a second analyst\n.\nMSSP, or hire two\nPages answered within 15 minutes\n80\n30\n/clock +31d\n/press 2\nHandover notes were the hard part\n/decisions\n",
    );
    let output = shiftcoach(&["console", "--json"], env, &script);
    assert!(output.status.success(), "{}", stderr(&output));
    let lines = json_lines(&output);
    let errors: Vec<&Value> = lines.iter().filter(|l| l["kind"] == "error").collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let text = |line: &Value| line.to_string();
    let checkins: Vec<&Value> = lines
        .iter()
        .filter(|l| {
            l["to"] == "@lee"
                && l["title"]
                    .as_str()
                    .is_some_and(|t| t.starts_with("Your check-in"))
        })
        .collect();
    assert_eq!(checkins.len(), 8, "one a week");
    let digests: Vec<&Value> = lines
        .iter()
        .filter(|l| l["to"] == "@mia" && l["title"].as_str().is_some_and(|t| t.contains("digest")))
        .collect();
    assert_eq!(digests.len(), 8, "one per answered check-in");
    for (week, digest) in digests.iter().enumerate() {
        let digest = text(digest);
        assert!(
            digest.contains(&format!("Shared answer of week {}", week + 1)),
            "{digest}"
        );
        assert!(!digest.contains("SECRET-PRIVATE"), "{digest}");
    }
    assert!(
        text(digests[3]).contains("2 → 4 (up 2)"),
        "{}",
        text(digests[3])
    );
    let agenda = lines
        .iter()
        .find(|l| l["title"] == "One-on-one agenda: lee")
        .expect("an agenda");
    assert!(text(agenda).contains("Shared answer of week 8"));
    assert!(!text(agenda).contains("SECRET-PRIVATE"));
    let chart = lines
        .iter()
        .find(|l| l["title"] == "Progress: lee")
        .expect("a chart");
    let path = chart["attachment"]["path"]
        .as_str()
        .expect("written to a file");
    let png = std::fs::read(path).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let review = lines
        .iter()
        .find(|l| l["to"] == "@lee" && l["title"] == "Decision review")
        .expect("the review");
    assert!(text(review).contains("80 % sure"));
    let decisions = lines
        .iter()
        .rev()
        .find(|l| l["title"] == "Your decisions")
        .unwrap();
    assert!(
        text(decisions).contains("Brier score 0.090"),
        "{}",
        text(decisions)
    );
}

#[test]
fn two_months_of_checkins_on_sqlite() {
    on_sqlite(two_months_of_checkins);
}

#[tokio::test]
async fn two_months_of_checkins_on_postgres() {
    on_postgres(two_months_of_checkins).await;
}

/// A form refused for what was typed stays open with the typed text as each input's starting
/// value: the person answers every input again, from the first, and a lone `.` keeps it. A
/// lone `.` where there is nothing to keep is refused, not stored.
#[test]
fn a_refused_form_opens_again_with_what_was_typed() {
    on_sqlite(|env| {
        let output = shiftcoach(
            &["console", "--json"],
            env,
            "/decide Hire a second analyst\n.\nMSSP, or hire two\nPages answered within 15 minutes\n100\n30\n.\n.\n.\n80\n.\n/decisions\n",
        );
        assert!(output.status.success(), "{}", stderr(&output));
        let lines = json_lines(&output);
        let texts: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        assert!(texts.iter().any(|t| t.contains("50 to 99")), "{texts:#?}");
        assert!(
            texts.iter().any(|t| t.contains("Decision recorded")),
            "{texts:#?}"
        );
        let listed = lines
            .iter()
            .rev()
            .find(|l| l["title"] == "Your decisions")
            .unwrap();
        let field = &listed["fields"][0];
        assert!(
            field["name"]
                .as_str()
                .unwrap()
                .contains("Hire a second analyst (80 %)"),
            "{field}"
        );
        assert!(
            field["value"]
                .as_str()
                .unwrap()
                .contains("Expected: Pages answered within 15 minutes"),
            "{field}"
        );

        let dot = shiftcoach(&["console", "--json"], env, "/reflect\n.\n/journal\n");
        let lines = json_lines(&dot);
        assert!(
            lines
                .iter()
                .any(|l| l["kind"] == "error" && l.to_string().contains("no text to keep")),
            "{lines:#?}"
        );
    });
}

/// `/as NAME` without a zone takes the zone given to NAME in an earlier run (stored with
/// them), not the console's own.
#[test]
fn as_remembers_each_persons_zone_across_runs() {
    on_sqlite(|env| {
        let first = shiftcoach(&["console"], env, "/as mia America/New_York\n/help\n");
        assert!(first.status.success(), "{}", stderr(&first));
        let second = shiftcoach(&["console"], env, "/as mia\n/as lee\n");
        let text = stdout(&second);
        assert!(
            text.contains("Now typing as mia, in America/New_York."),
            "{text}"
        );
        // Someone never given a zone has the console's (TZ=Europe/Berlin in these tests).
        assert!(
            text.contains("Now typing as lee, in Europe/Berlin."),
            "{text}"
        );
    });
}

/// At the terminal, what people wrote is shown as typed: control characters come out as their
/// escapes and never reach the terminal. A blank line is no answer to an open form, which says
/// so and stays open; after a refused single answer, nothing is offered to keep.
#[test]
fn control_characters_are_shown_escaped_and_a_blank_answer_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (key, value) = data_dir_env(dir.path());
    let output = shiftcoach(
        &["console"],
        &[(key, &value)],
        "/reflect hello\u{7}\u{1b}[31mred\n/journal 1\n/reflect\n\nmy password is Xy7#kq92!a\nA clean answer\n",
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text:?}"
    );
    assert!(text.contains("hello\\u{7}\\u{1b}[31mred"), "{text}");
    assert!(text.contains("A blank line is no answer"), "{text}");
    assert!(!text.contains("keeps what you typed"), "{text}");
    assert!(
        text.trim_end().ends_with("Read them back with /journal."),
        "{text}"
    );
}

/// A zone given with `/as` stays the person's in later runs, whether they are picked with
/// `/as NAME` or with `--user NAME`: without `TZ`, the system's zone does not replace it.
#[test]
fn a_stored_zone_is_kept_when_the_run_starts_as_that_person() {
    let dir = tempfile::tempdir().unwrap();
    let (key, value) = data_dir_env(dir.path());
    // TZ empty: not set.
    let env = [(key, value.as_str()), ("TZ", "")];
    let first = shiftcoach(&["console"], &env, "/as sam Asia/Tokyo\n/reflect y\n");
    assert!(first.status.success(), "{}", stderr(&first));
    for (args, input) in [
        (&["console", "--user", "sam"][..], "/journal\n"),
        (&["console"][..], "/as sam\n/journal\n"),
    ] {
        let run = shiftcoach(args, &env, input);
        assert!(
            stdout(&run).contains("in Asia/Tokyo time"),
            "{args:?}: {}",
            stdout(&run)
        );
    }
}
