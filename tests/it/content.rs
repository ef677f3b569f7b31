//! The shipped catalog, its checker and the `content` / `lookup` commands.

use std::collections::HashSet;

use shiftcoach::content::{self, CheckinSet, Kind};

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
    assert_eq!(on_disk.len(), items.len());
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
        assert!(path.ends_with(".md"), "{line}");
        assert!(number.parse::<usize>().is_ok(), "{line}");
    }
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
