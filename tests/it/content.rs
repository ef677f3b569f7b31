//! The shipped catalog, its checker and the `content` / `lookup` commands.

use std::{
    collections::HashSet,
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
    time::{Duration, Instant},
};

use shiftcoach::content::{self, Catalog, CheckinSet, Item, Kind, Problem, SourceFile, Sources};

use crate::console::{shiftcoach, stderr, stdout};
use crate::support::catalog;

const SHIFTS: [&str; 9] = [
    "solving-to-defining",
    "depth-to-breadth",
    "output-to-outcomes",
    "tools-to-tradeoffs",
    "execution-to-influence",
    "certainty-to-ambiguity",
    "contribution-to-system-design",
    "skill-to-judgment",
    "identity-shift",
];

const MODELS: [&str; 30] = [
    "ooda-loop",
    "cynefin",
    "two-way-doors",
    "pre-mortem",
    "inversion",
    "second-order-thinking",
    "first-principles",
    "circle-of-control",
    "eisenhower-matrix",
    "pareto-principle",
    "swiss-cheese-model",
    "assume-breach",
    "goodharts-law",
    "availability-bias",
    "map-is-not-the-territory",
    "chestertons-fence",
    "hanlons-razor",
    "systems-over-heroes",
    "probabilistic-thinking",
    "opportunity-cost",
    "sunk-cost",
    "theory-of-constraints",
    "regret-minimization",
    "force-field-analysis",
    "circle-of-competence",
    "law-of-the-instrument",
    "margin-of-safety",
    "conways-law",
    "disagree-and-commit",
    "player-to-coach",
];

const FRAMEWORKS: [&str; 16] = [
    "risk-treatment-options",
    "risk-acceptance",
    "fair-quantification",
    "decision-matrix",
    "daci",
    "raci",
    "ten-ten-ten",
    "build-vs-buy",
    "rice-prioritization",
    "escalation-criteria",
    "risk-appetite",
    "leading-lagging-indicators",
    "nist-csf",
    "cyber-defense-matrix",
    "stakeholder-map",
    "grow-coaching",
];

const TEMPLATES: [&str; 16] = [
    "board-update",
    "are-we-secure",
    "incident-exec-update",
    "incident-exec-summary",
    "risk-acceptance-memo",
    "exception-response",
    "say-no-with-options",
    "budget-business-case",
    "decision-proposal",
    "vendor-breach-notice",
    "post-incident-review",
    "one-on-one-agenda",
    "weekly-5-15",
    "stakeholder-intro",
    "delegation-handoff",
    "escalation-message",
];

const SCENARIOS: [&str; 10] = [
    "ransomware-2am",
    "board-are-we-secure",
    "launch-vs-critical-finding",
    "vendor-breach",
    "audit-disagreement",
    "burned-out-engineer",
    "budget-cut",
    "exec-wants-exception",
    "first-90-days",
    "pulled-into-the-weeds",
];

fn assert_has(kind: Kind, slugs: &[&str], at_least: usize) {
    let catalog = catalog();
    let present: HashSet<&str> = catalog
        .of_kind(kind)
        .map(|item| item.slug.as_str())
        .collect();
    for slug in slugs {
        assert!(
            present.contains(slug),
            "the catalog lacks the {kind} {slug}"
        );
    }
    assert!(
        present.len() >= at_least,
        "{} {kind}s, want {at_least}+",
        present.len()
    );
}

#[test]
fn the_shipped_catalog_passes_the_checker() {
    let (items, problems) = content::check_sources(&content::embedded_sources());
    assert!(
        problems.is_empty(),
        "{}",
        problems
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(items.len() >= 170);
    // The folder on disk is the same catalog the binary embeds.
    let on_disk = content::read_dir_sources(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/prompts"
    )))
    .unwrap();
    assert!(on_disk.problems.is_empty(), "{:?}", on_disk.problems);
    assert_eq!(on_disk.files.len(), items.len());
}

#[test]
fn the_shipped_catalog_meets_every_minimum() {
    assert_has(Kind::Shift, &SHIFTS, 9);
    assert_has(Kind::Model, &MODELS, 30);
    assert_has(Kind::Framework, &FRAMEWORKS, 16);
    assert_has(Kind::Template, &TEMPLATES, 16);
    assert_has(Kind::Scenario, &SCENARIOS, 10);

    let catalog = catalog();
    for shift in SHIFTS {
        let reflections = catalog
            .of_kind(Kind::Reflection)
            .filter(|item| item.shift.as_deref() == Some(shift))
            .count();
        assert!(reflections >= 6, "{reflections} reflections for {shift}");
    }
    let weekly = catalog
        .of_kind(Kind::Checkin)
        .filter(|item| item.set == Some(CheckinSet::Weekly))
        .count();
    assert!(weekly >= 12, "{weekly} weekly check-in questions");
    for shift in SHIFTS {
        let monthly: Vec<_> = catalog
            .of_kind(Kind::Checkin)
            .filter(|item| {
                item.set == Some(CheckinSet::Monthly) && item.shift.as_deref() == Some(shift)
            })
            .collect();
        assert_eq!(monthly.len(), 1, "one monthly self-rating for {shift}");
        assert_eq!(
            monthly[0].scale.keys().copied().collect::<Vec<_>>(),
            [1, 3, 5]
        );
    }
    for template in catalog.of_kind(Kind::Template) {
        assert!(
            !template.placeholders.is_empty() && template.example.is_some(),
            "{}",
            template.slug
        );
    }
    for scenario in catalog.of_kind(Kind::Scenario) {
        assert!(
            scenario.question.is_some() && scenario.debrief.is_some(),
            "{}",
            scenario.slug
        );
    }
}

fn write(dir: &std::path::Path, relative: &str, text: &str) {
    let path = dir.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A small catalog folder with one problem of each kind the checker knows.
fn broken_catalog() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    write(p, "README.md", "documentation is not an item\n");
    write(
        p,
        "shifts/identity-shift.md",
        "+++\nslug = \"identity-shift\"\nkind = \"shift\"\ntitle = \"Identity\"\nsummary = \"s\"\ntags = [\"identity\"]\nfrom = \"a\"\nto = \"b\"\nquestion = \"q\"\n+++\nBody.\n",
    );
    write(
        p,
        "models/good.md",
        "+++\nslug = \"good\"\nkind = \"model\"\ntitle = \"Good\"\nsummary = \"s\"\ntags = [\"x\"]\nquestion = \"q\"\n+++\nBody.\n",
    );
    write(
        p,
        "models/copy.md",
        "+++\nslug = \"good\"\nkind = \"model\"\ntitle = \"Copy\"\nsummary = \"s\"\ntags = [\"x\"]\nquestion = \"q\"\nrelated = [\"missing-item\"]\nshifts = [\"good\"]\n+++\nBody.\n",
    );
    write(
        p,
        "models/no-title.md",
        "+++\nslug = \"no-title\"\nkind = \"model\"\nsummary = \"s\"\ntags = [\"x\"]\nquestion = \"q\"\n+++\nBody.\n",
    );
    write(
        p,
        "templates/t.md",
        "+++\nslug = \"t\"\nkind = \"template\"\ntitle = \"T\"\nsummary = \"s\"\ntags = [\"x\"]\nexample = \"filled\"\n\n[placeholders]\nname = \"who\"\n+++\nHi {name}, see {Bad Name}.\n",
    );
    let slug = "a".repeat(65);
    write(
        p,
        &format!("models/{slug}.md"),
        &format!(
            "+++\nslug = \"{slug}\"\nkind = \"model\"\ntitle = \"S\"\nsummary = \"s\"\ntags = [\"x\"]\nquestion = \"q\"\n+++\nBody.\n"
        ),
    );
    let long = "word ".repeat(700);
    write(
        p,
        "models/long.md",
        &format!(
            "+++\nslug = \"long\"\nkind = \"model\"\ntitle = \"Long\"\nsummary = \"s\"\ntags = [\"x\"]\nquestion = \"q\"\n+++\n{long}\n"
        ),
    );
    dir
}

#[test]
fn content_check_reports_every_problem_with_path_and_line() {
    let dir = broken_catalog();
    let output = shiftcoach(&["content", "check", dir.path().to_str().unwrap()], &[], "");
    assert_eq!(output.status.code(), Some(1));
    let out = stdout(&output);
    let lines: Vec<&str> = out.lines().collect();
    let expect = [
        ("models/good.md:2:", "already used by"),
        (
            "models/copy.md:8:",
            "related item \"missing-item\" does not exist",
        ),
        ("models/copy.md:9:", "\"good\" is a model, not a shift"),
        ("models/no-title.md:1:", "`title` is missing"),
        ("models/long.md:9:", "the body is 3499 characters"),
        ("templates/t.md:12:", "malformed placeholder"),
        ("aaaaa.md:2:", "`slug` is 65 characters"),
    ];
    for (location, message) in expect {
        assert!(
            lines
                .iter()
                .any(|line| line.contains(location) && line.contains(message)),
            "no `{location} ... {message}` in:\n{out}"
        );
    }
    for line in &lines {
        let mut parts = line.splitn(3, ':');
        let (path, number) = (parts.next().unwrap(), parts.next().unwrap());
        if path.ends_with(".md") {
            assert!(number.parse::<usize>().is_ok(), "{line}");
        } else {
            // Problems about a folder have no line: `path: message`.
            assert!(number.starts_with(' '), "{line}");
        }
    }
    // The broken catalog has no framework, scenario, reflection or check-in at all.
    assert!(
        lines
            .iter()
            .any(|line| line.ends_with("frameworks: no framework items: the coach needs at least one framework in `frameworks/`")),
        "{out}"
    );
    assert!(stderr(&output).contains("problem(s)"));
}

#[test]
fn content_check_passes_the_shipped_folder() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/prompts");
    let output = shiftcoach(&["content", "check", dir], &[], "");
    assert!(output.status.success(), "{}", stdout(&output));
    assert!(stdout(&output).contains("no problems"));
}

#[test]
fn the_coach_refuses_to_start_on_an_invalid_catalog() {
    let dir = broken_catalog();
    let data = tempfile::tempdir().unwrap();
    let output = shiftcoach(
        &["console"],
        &[
            ("SHIFTCOACH_PROMPTS_DIR", dir.path().to_str().unwrap()),
            ("SHIFTCOACH_DATA_DIR", data.path().to_str().unwrap()),
        ],
        "/help\n",
    );
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("the coaching catalog has"), "{message}");
    assert!(message.contains("models/copy.md:2:"), "{message}");
    assert!(stdout(&output).is_empty(), "nothing was answered");
}

#[test]
fn content_list_filters_by_kind_and_prints_json() {
    let output = shiftcoach(
        &["content", "list", "--kind", "template", "--json"],
        &[],
        "",
    );
    assert!(output.status.success());
    let rows: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let rows = rows.as_array().unwrap();
    assert!(rows.len() >= 16);
    for row in rows {
        assert_eq!(row["kind"], "template");
        assert!(row["slug"].is_string() && row["title"].is_string() && row["tags"].is_array());
    }
    let text = shiftcoach(&["content", "list", "--kind", "shift"], &[], "");
    assert_eq!(stdout(&text).lines().count(), 9);
    let bad = shiftcoach(&["content", "list", "--kind", "poem"], &[], "");
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("unknown kind"));
}

#[test]
fn lookup_prints_ranked_json_best_first() {
    let output = shiftcoach(
        &[
            "lookup",
            "--json",
            "--limit",
            "4",
            "the board will ask if we are secure",
        ],
        &[],
        "",
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let rows: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 4);
    let scores: Vec<f64> = rows
        .iter()
        .map(|row| row["score"].as_f64().unwrap())
        .collect();
    assert!(
        scores.windows(2).all(|pair| pair[0] >= pair[1]),
        "{scores:?}"
    );
    for row in rows {
        for key in ["slug", "kind", "title", "score"] {
            assert!(row.get(key).is_some(), "{key} in {row}");
        }
    }
    let kinds = shiftcoach(
        &[
            "lookup",
            "--json",
            "--kind",
            "template",
            "say no to a launch",
        ],
        &[],
        "",
    );
    let rows: serde_json::Value = serde_json::from_str(&stdout(&kinds)).unwrap();
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .all(|row| row["kind"] == "template")
    );
    let bad = shiftcoach(&["lookup", "--kind", "poem", "anything"], &[], "");
    assert_eq!(bad.status.code(), Some(2));
}

/// The shipped catalog folder in this checkout.
fn shipped_folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("prompts")
}

/// A copy of the shipped catalog folder to break on purpose.
fn copy_of_shipped() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut pending = vec![shipped_folder()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            let target = dir
                .path()
                .join(path.strip_prefix(shipped_folder()).unwrap());
            if path.is_dir() {
                std::fs::create_dir_all(&target).unwrap();
                pending.push(path);
            } else {
                std::fs::copy(&path, &target).unwrap();
            }
        }
    }
    dir
}

/// Runs the binary on `args` with a clean environment plus `env`. A hang fails the test (the
/// process is killed after a generous 20 seconds) rather than blocking the suite; this is a
/// guard against never returning, not a measure of speed.
fn shiftcoach_or_hang(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_shiftcoach"))
        .args(args)
        .env_clear()
        .env("TZ", "Europe/Berlin")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let give_up = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > give_up {
            child.kill().unwrap();
            let output = child.wait_with_output().unwrap();
            panic!(
                "shiftcoach {args:?} did not return: it hangs\n{}",
                stdout(&output)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}

#[cfg(unix)]
#[test]
fn a_fifo_in_the_catalog_is_refused_without_hanging_check_or_start_up() {
    let dir = copy_of_shipped();
    mkfifo(&dir.path().join("models/pipe.md"));
    mkfifo(&dir.path().join("pipe.md"));
    let folder = dir.path().to_str().unwrap();

    let output = shiftcoach_or_hang(&["content", "check", folder], &[]);
    assert_eq!(output.status.code(), Some(1));
    let out = stdout(&output);
    for name in ["models/pipe.md", "pipe.md"] {
        let expected = format!(
            "{}: is a named pipe (FIFO), not a regular file",
            dir.path().join(name).display()
        );
        assert!(out.contains(&expected), "no `{expected}` in:\n{out}");
    }

    let data = tempfile::tempdir().unwrap();
    let started = shiftcoach_or_hang(
        &["console"],
        &[
            ("SHIFTCOACH_PROMPTS_DIR", folder),
            ("SHIFTCOACH_DATA_DIR", data.path().to_str().unwrap()),
        ],
    );
    assert_eq!(started.status.code(), Some(2));
    assert!(
        stderr(&started).contains("models/pipe.md: is a named pipe"),
        "{}",
        stderr(&started)
    );
}

/// The problems `check_sources` finds for one path, as displayed.
fn problems_at(problems: &[Problem], path: &Path) -> Vec<String> {
    problems
        .iter()
        .filter(|problem| problem.path == path)
        .map(Problem::to_string)
        .collect()
}

fn read_and_check(dir: &Path) -> Vec<Problem> {
    content::check_sources(&content::read_dir_sources(dir).unwrap()).1
}

#[test]
fn a_file_too_large_or_not_text_is_refused_with_the_reason() {
    let dir = copy_of_shipped();
    let p = dir.path();
    let inversion = std::fs::read_to_string(p.join("models/inversion.md")).unwrap();
    let padding = "x".repeat(content::MAX_FILE_BYTES as usize);
    std::fs::write(p.join("models/huge.md"), format!("{inversion}{padding}")).unwrap();
    std::fs::write(
        p.join("models/latin1.md"),
        b"+++\ntitle = \"Caf\xe9\"\n+++\n",
    )
    .unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(p.join("models/inversion.md"), p.join("models/link.md")).unwrap();

    let problems = read_and_check(p);
    let huge = problems_at(&problems, &p.join("models/huge.md"));
    assert_eq!(
        huge,
        [format!(
            "{}: is larger than 262144 bytes (256 KiB), the most an item file may have",
            p.join("models/huge.md").display()
        )]
    );
    let latin1 = problems_at(&problems, &p.join("models/latin1.md"));
    assert_eq!(latin1.len(), 1, "{latin1:?}");
    assert!(
        latin1[0].ends_with("is not UTF-8 text (the first invalid byte is at offset 16)"),
        "{latin1:?}"
    );
    #[cfg(unix)]
    {
        let link = problems_at(&problems, &p.join("models/link.md"));
        assert_eq!(link.len(), 1, "{link:?}");
        assert!(link[0].contains("is a symbolic link, not a regular file"));
    }
    let expected = if cfg!(unix) { 3 } else { 2 };
    assert_eq!(problems.len(), expected, "{problems:#?}");
}

#[test]
fn anything_the_loader_would_skip_is_reported() {
    let dir = copy_of_shipped();
    let p = dir.path();
    let item = std::fs::read_to_string(p.join("models/inversion.md")).unwrap();
    write(p, "inversion-draft.md", &item);
    write(p, "notes/ideas.md", &item);
    write(p, "models/ooda-loop.txt", "notes\n");
    write(p, "models/Inversion.MD", &item);
    write(p, "models/old/inversion.md", &item);

    let problems = read_and_check(p);
    let expect = [
        (
            "inversion-draft.md",
            "an item outside every kind folder is not read",
        ),
        (
            "notes",
            "`notes/` is not a kind folder, so nothing in it would be read",
        ),
        (
            "models/ooda-loop.txt",
            "only `.md` item files belong in `models/`",
        ),
        (
            "models/Inversion.MD",
            "only `.md` item files belong in `models/`",
        ),
        ("models/old", "folders inside `models/` are not read"),
    ];
    for (path, message) in expect {
        let found = problems_at(&problems, &p.join(path));
        assert!(
            found.len() == 1 && found[0].contains(message),
            "{path}: {found:?}"
        );
    }
    // The catalog's own README.md stays documentation, not a problem.
    assert_eq!(problems.len(), expect.len(), "{problems:#?}");
}

#[test]
fn an_empty_catalog_or_one_missing_a_kind_has_a_problem() {
    let empty = tempfile::tempdir().unwrap();
    let output = shiftcoach_or_hang(&["content", "check", empty.path().to_str().unwrap()], &[]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stdout(&output),
        format!(
            "{}: the catalog has no items; the coach needs at least one of each kind\n",
            empty.path().display()
        )
    );

    let dir = copy_of_shipped();
    std::fs::remove_dir_all(dir.path().join("checkins")).unwrap();
    std::fs::create_dir(dir.path().join("checkins")).unwrap();
    let problems = read_and_check(dir.path());
    assert_eq!(
        problems.iter().map(Problem::to_string).collect::<Vec<_>>(),
        [format!(
            "{}: no checkin items: the coach needs at least one checkin in `checkins/`",
            dir.path().join("checkins").display()
        )]
    );
}

/// Every text of an item, named, in a fixed order; and the line of each setting.
fn texts(item: &Item) -> Vec<(String, String)> {
    let mut texts = vec![
        ("title".to_owned(), item.title.clone()),
        ("summary".to_owned(), item.summary.clone()),
        ("body".to_owned(), item.body.clone()),
    ];
    let optional = [
        ("question", &item.question),
        ("from", &item.from),
        ("to", &item.to),
        ("example", &item.example),
        ("debrief", &item.debrief),
        ("shift", &item.shift),
    ];
    for (name, text) in optional {
        if let Some(text) = text {
            texts.push((name.to_owned(), text.clone()));
        }
    }
    let lists = [
        ("tags", &item.tags),
        ("situations", &item.situations),
        ("shifts", &item.shifts),
        ("related", &item.related),
    ];
    for (name, entries) in lists {
        for (i, entry) in entries.iter().enumerate() {
            texts.push((format!("{name}[{i}]"), entry.clone()));
        }
    }
    for (name, text) in &item.placeholders {
        texts.push((format!("placeholders.{name}"), text.clone()));
    }
    for (rating, text) in &item.scale {
        texts.push((format!("scale.{rating}"), text.clone()));
    }
    texts
}

#[test]
fn crlf_lone_cr_and_a_byte_order_mark_leave_no_carriage_return_in_any_text() {
    let dir = copy_of_shipped();
    let sources = content::read_dir_sources(dir.path()).unwrap();
    for (i, source) in sources.files.iter().enumerate() {
        let converted = match i % 3 {
            0 => source.text.replace('\n', "\r\n"),
            1 => source.text.replace('\n', "\r"),
            _ => format!("\u{feff}{}", source.text.replace('\n', "\r\n")),
        };
        std::fs::write(&source.path, converted).unwrap();
    }
    let loaded = Catalog::load_dir(dir.path()).unwrap();
    let shipped = catalog();
    assert_eq!(loaded.items().len(), shipped.items().len());
    for item in loaded.items() {
        let texts = texts(item);
        for (name, text) in &texts {
            assert!(!text.contains('\r'), "{} {name}: {text:?}", item.slug);
        }
        let original = shipped.get(&item.slug).unwrap();
        assert_eq!(texts, self::texts(original), "{}", item.slug);
        assert_eq!(item.lines, original.lines, "{}", item.slug);
    }
}

/// Checks files given as `(path under prompts/, text)`, without touching the disk.
fn check_texts(files: &[(&str, &str)]) -> Vec<Problem> {
    let sources = Sources {
        root: PathBuf::from("prompts"),
        files: files
            .iter()
            .map(|(path, text)| SourceFile {
                path: Path::new("prompts").join(path),
                text: (*text).to_owned(),
            })
            .collect(),
        problems: Vec::new(),
    };
    content::check_sources(&sources).1
}

#[test]
fn a_blank_setting_is_reported_empty_at_its_line_not_missing() {
    let model = "+++\nslug = \"blank\"\nkind = \"model\"\ntitle = \"\"\nsummary = \"  \"\ntags = []\nrelated = [\"\"]\nquestion = \"\"\"\n\"\"\"\n+++\nBody.\n";
    let template = "+++\nslug = \"blank-template\"\nkind = \"template\"\ntitle = \"T\"\nsummary = \"s\"\ntags = [\"x\"]\nexample = \" \"\n\n[placeholders]\nname = \"\"\n+++\nHi {name}.\n";
    let checkin = "+++\nslug = \"blank-checkin\"\nkind = \"checkin\"\ntitle = \"C\"\nsummary = \"s\"\ntags = [\"x\"]\nset = \"monthly\"\nshift = \" \"\n\n[scale]\n1 = \"low\"\n3 = \"\"\n5 = \"high\"\n+++\nHow is it going?\n";
    let shift = "+++\nslug = \"blank-shift\"\nkind = \"shift\"\ntitle = \"S\"\nsummary = \"s\"\ntags = [\"x\"]\nnumber = 1\nfrom = \"\"\nto = \"b\"\nquestion = \"q\"\n+++\nBody.\n";
    let control = "+++\nslug = \"control\"\nkind = \"model\"\ntitle = \"Bad\\rtitle\"\nsummary = \"s\"\ntags = [\"x\"]\nquestion = \"q\"\n+++\nBody.\n";
    let problems = check_texts(&[
        ("models/blank.md", model),
        ("templates/blank-template.md", template),
        ("checkins/blank-checkin.md", checkin),
        ("shifts/blank-shift.md", shift),
        ("models/control.md", control),
    ]);
    let expect = [
        "prompts/models/blank.md:4: `title` is empty",
        "prompts/models/blank.md:5: `summary` is empty",
        "prompts/models/blank.md:6: `tags` is empty",
        "prompts/models/blank.md:7: `related` has an empty entry",
        "prompts/models/blank.md:8: `question` is empty",
        "prompts/templates/blank-template.md:7: `example` is empty",
        "prompts/templates/blank-template.md:10: `name` in [placeholders] is empty",
        "prompts/checkins/blank-checkin.md:8: `shift` is empty",
        "prompts/checkins/blank-checkin.md:12: `3` in [scale] is empty",
        "prompts/shifts/blank-shift.md:8: `from` is empty",
        "prompts/models/control.md:4: `title` contains the control character U+000D",
    ];
    let shown: Vec<String> = problems
        .iter()
        .filter(|problem| problem.line > 0)
        .map(Problem::to_string)
        .collect();
    for expected in expect {
        assert!(
            shown.iter().any(|line| line.starts_with(expected)),
            "no `{expected}` in:\n{}",
            shown.join("\n")
        );
    }
    // Each blank setting is one problem, at its own line: nothing is also called missing.
    assert_eq!(shown.len(), expect.len(), "{}", shown.join("\n"));
}

/// How many words in a row the catalog may share with the source essay before it counts as
/// copied rather than written in our own words.
const RUN: usize = 8;

/// The source essay's runs of [`RUN`] words, hashed (see [`write_source_shingles`]). The essay
/// itself is not ours, so only these hashes are kept in the repository.
const SOURCE_SHINGLES: &str = "tests/data/source-shingles.txt";

/// Lower-case words: the longest runs of letters and digits, so punctuation, Markdown marks and
/// line breaks never hide a repeated run.
fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_owned)
        .collect()
}

/// 64-bit FNV-1a of the words joined by single spaces: small, and the same on every platform
/// and Rust version, unlike the standard library's hasher.
fn shingle_hash(words: &[String]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, word) in words.iter().enumerate() {
        if i > 0 {
            hash = (hash ^ u64::from(b' ')).wrapping_mul(0x0100_0000_01b3);
        }
        for byte in word.bytes() {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

fn shingles(text: &str) -> Vec<u64> {
    words(text).windows(RUN).map(shingle_hash).collect()
}

/// The runs of `text` of [`RUN`] words or more whose every [`RUN`]-word window is in `source`,
/// joined where they overlap.
fn shared_runs(source: &HashSet<u64>, text: &str) -> Vec<String> {
    let words = words(text);
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for (start, window) in words.windows(RUN).enumerate() {
        if !source.contains(&shingle_hash(window)) {
            continue;
        }
        match runs.last_mut() {
            Some((_, end)) if *end >= start => *end = start + RUN,
            _ => runs.push((start, start + RUN)),
        }
    }
    runs.into_iter()
        .map(|(start, end)| words[start..end].join(" "))
        .collect()
}

fn source_shingles() -> HashSet<u64> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(SOURCE_SHINGLES);
    std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| u64::from_str_radix(line.trim(), 16).unwrap())
        .collect()
}

#[test]
fn no_catalog_text_repeats_eight_words_of_the_source_essay() {
    let source = source_shingles();
    // An empty or truncated list would pass anything: the essay has hundreds of words.
    assert!(source.len() > 500, "{} shingles", source.len());
    let mut copied = Vec::new();
    for item in catalog().items() {
        for (field, text) in texts(item) {
            for run in shared_runs(&source, &text) {
                copied.push(format!("{} ({field}): \"{run}\"", item.path.display()));
            }
        }
    }
    let readme = shipped_folder().join("README.md");
    for run in shared_runs(&source, &std::fs::read_to_string(&readme).unwrap()) {
        copied.push(format!("{}: \"{run}\"", readme.display()));
    }
    assert!(
        copied.is_empty(),
        "{} passage(s) repeat {RUN} or more words of the source essay; say it in our own words:\n{}",
        copied.len(),
        copied.join("\n")
    );
}

#[test]
fn the_own_words_check_finds_a_copied_run_whatever_its_case_and_punctuation() {
    let source: HashSet<u64> = shingles(
        "A leader who patches every server alone will never see the whole estate clearly.",
    )
    .into_iter()
    .collect();
    let copied = "In short: **every server alone** will never see the WHOLE estate, clearly!";
    assert_eq!(
        shared_runs(&source, copied),
        ["every server alone will never see the whole estate clearly"]
    );
    // Seven words in a row ("every server alone will never see the") are not a copy.
    let seven = "Patching every server alone will never see the estate in full.";
    assert!(shared_runs(&source, seven).is_empty());
}

/// Writes [`SOURCE_SHINGLES`] from the source essay named by `SHIFTCOACH_SOURCE_ESSAY`. Run it
/// when the essay changes:
///
/// ```sh
/// SHIFTCOACH_SOURCE_ESSAY=/path/to/CURRICULUM.md cargo test --test it -- --ignored write_source_shingles
/// ```
#[test]
#[ignore = "writes tests/data/source-shingles.txt from an essay outside the repository"]
fn write_source_shingles() {
    let essay = std::env::var("SHIFTCOACH_SOURCE_ESSAY")
        .expect("set SHIFTCOACH_SOURCE_ESSAY to the source essay's path");
    let text = std::fs::read_to_string(&essay).unwrap();
    let mut hashes = shingles(&text);
    hashes.sort_unstable();
    hashes.dedup();
    let mut out = format!(
        "# FNV-1a 64-bit hashes of every run of {RUN} lower-case words in the source essay the\n\
         # curriculum restates; no text of the essay is kept. Regenerate with the ignored test\n\
         # `write_source_shingles` in tests/it/content.rs.\n"
    );
    for hash in hashes {
        out.push_str(&format!("{hash:016x}\n"));
    }
    std::fs::write(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(SOURCE_SHINGLES),
        out,
    )
    .unwrap();
}

#[test]
fn a_folder_with_too_many_entries_or_bytes_is_read_only_up_to_the_limit() {
    let crowded = tempfile::tempdir().unwrap();
    std::fs::create_dir(crowded.path().join("models")).unwrap();
    for i in 0..=content::MAX_ENTRIES {
        std::fs::write(crowded.path().join(format!("models/m{i}.md")), "x").unwrap();
    }
    let sources = content::read_dir_sources(crowded.path()).unwrap();
    // The `models` folder is one entry; the files fill the rest of the allowance.
    assert_eq!(sources.files.len(), content::MAX_ENTRIES - 1);
    let shown: Vec<String> = sources.problems.iter().map(Problem::to_string).collect();
    assert_eq!(
        shown,
        [format!(
            "{}: the catalog has more than {} files and folders; the rest were not read",
            crowded.path().join("models").display(),
            content::MAX_ENTRIES
        )]
    );

    let heavy = tempfile::tempdir().unwrap();
    std::fs::create_dir(heavy.path().join("models")).unwrap();
    let file = "x".repeat(content::MAX_FILE_BYTES as usize);
    let fit = (content::MAX_TOTAL_BYTES / content::MAX_FILE_BYTES) as usize;
    for i in 0..fit + 2 {
        std::fs::write(heavy.path().join(format!("models/m{i:03}.md")), &file).unwrap();
    }
    let sources = content::read_dir_sources(heavy.path()).unwrap();
    assert_eq!(sources.files.len(), fit);
    let read: usize = sources.files.iter().map(|file| file.text.len()).sum();
    assert!(read as u64 <= content::MAX_TOTAL_BYTES);
    assert_eq!(sources.problems.len(), 1, "{:?}", sources.problems);
    assert!(
        sources.problems[0]
            .message
            .contains("this file and the rest were not read"),
        "{:?}",
        sources.problems
    );
}

/// `lookup` with no situation, or a kind it does not rank, is a usage error (exit 2) that
/// names what it accepts.
#[test]
fn lookup_refuses_an_empty_situation_and_kinds_it_does_not_rank() {
    let empty = shiftcoach(&["lookup", "  "], &[], "");
    assert_eq!(empty.status.code(), Some(2));
    assert!(
        stderr(&empty).contains("describe the situation"),
        "{}",
        stderr(&empty)
    );
    let kind = shiftcoach(&["lookup", "--kind", "reflection", "a hard week"], &[], "");
    assert_eq!(kind.status.code(), Some(2));
    let said = stderr(&kind);
    assert!(
        said.contains("unknown kind") && said.contains("or any"),
        "{said}"
    );
}
