//! Checks that keep the repository's documents and packaging honest.

use std::path::Path;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|err| panic!("{path}: {err}"))
}

#[test]
fn every_path_the_dockerfile_copies_exists() {
    let dockerfile = read("Dockerfile");
    let mut checked = 0;
    for line in dockerfile.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.first() != Some(&"COPY") || words.iter().any(|w| w.starts_with("--from")) {
            continue;
        }
        let sources = &words[1..words.len() - 1];
        for source in sources.iter().filter(|w| !w.starts_with("--")) {
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(source);
            assert!(
                path.exists(),
                "Dockerfile copies {source}, which does not exist"
            );
            checked += 1;
        }
    }
    assert!(
        checked >= 4,
        "the Dockerfile copies the sources, prompts and migrations"
    );
}

#[test]
fn the_readme_documents_every_setting() {
    let readme = read("README.md");
    for setting in shiftcoach::config::SETTINGS {
        assert!(
            readme.contains(&format!("`{}`", setting.env)),
            "README lacks {}",
            setting.env
        );
        assert!(
            readme.contains(&format!("`{}`", setting.key)),
            "README lacks the file key {}",
            setting.key
        );
    }
    assert!(readme.contains("`RUST_LOG`"));
    assert!(readme.contains(&format!("`{}`", shiftcoach::config::CONFIG_FILE_ENV)));
}

#[test]
fn the_readme_lists_every_command() {
    let readme = read("README.md");
    for spec in shiftcoach::core::commands::COMMANDS {
        assert!(
            readme.contains(&format!("`/{}", spec.name)),
            "README lacks /{}",
            spec.name
        );
    }
}

#[test]
fn ci_runs_the_readme_test_command() {
    let readme = read("README.md");
    let ci = read(".ci/run");
    assert!(readme.contains("./scripts/test"));
    assert!(ci.contains("./scripts/test"));
}

#[test]
fn the_slack_manifest_declares_exactly_the_core_commands() {
    let manifest = read("slack-app-manifest.yaml");
    let declared: std::collections::BTreeSet<String> = manifest
        .lines()
        .filter_map(|line| line.trim().strip_prefix("- command: /"))
        .map(|name| name.trim().to_owned())
        .collect();
    let core: std::collections::BTreeSet<String> = shiftcoach::core::commands::COMMANDS
        .iter()
        .map(|spec| spec.name.to_owned())
        .collect();
    assert_eq!(
        declared, core,
        "slack-app-manifest.yaml and the core's commands differ"
    );
    for scope in [
        "commands",
        "chat:write",
        "im:write",
        "users:read",
        "files:write",
    ] {
        assert!(
            manifest.contains(&format!("- {scope}")),
            "the manifest lacks {scope}"
        );
    }
}
