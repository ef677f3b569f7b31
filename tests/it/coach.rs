//! The core's behaviour, through `Coach::handle`, on both backends.

use std::{collections::BTreeMap, sync::Arc};

use chrono::{TimeZone, Utc};
use shiftcoach::clock::Clock;
use shiftcoach::{
    clock::VirtualClock,
    content::Kind,
    core::{
        Actor, Coach, CoachSettings, Form, Interaction, InteractionKind, Outgoing, OutgoingKind,
        Platform,
    },
    storage::Identity,
};

use crate::support::{TestDb, on_both_backends};

on_both_backends!(
    a_reply_kept_by_a_replica_without_the_database_is_stored_once,
    reflect_with_text_stores_it_and_journal_shows_it,
    reflect_without_text_opens_a_form_whose_answer_is_stored,
    a_reflection_over_the_limit_is_refused_and_nothing_is_stored,
    journal_lists_newest_first_dated_in_the_users_zone,
    journal_with_a_bad_count_explains_the_usage,
    another_user_never_sees_my_reflections,
    an_unknown_command_names_the_closest_one,
    help_lists_every_command_the_person_may_use_with_one_line_each,
    free_text_with_nothing_to_answer_gets_a_hint,
    the_reflect_button_opens_a_form_tied_to_its_item,
    framework_answers_a_situation_with_the_best_item_and_alternatives,
    template_answers_with_placeholders_and_an_example,
    a_situation_with_no_good_match_says_so_and_suggests_tags,
    model_without_a_name_does_not_repeat_until_all_are_seen,
    model_by_name_accepts_slugs_titles_and_typos,
    shift_shows_the_overview_a_number_or_identity,
    a_scenario_answer_is_kept_and_answered_with_the_debrief,
    a_delete_confirmation_works_once_and_only_while_it_is_the_latest,
    a_discord_person_has_one_journal_across_servers_and_direct_messages,
    unknown_and_malformed_button_ids_get_a_clear_answer,
    invisible_text_is_never_stored_whatever_way_it_arrives,
    arguments_read_quotes_the_same_way_in_every_command,
    a_refused_form_can_be_written_again,
    an_item_named_under_the_wrong_command_points_to_the_right_one,
);

struct Harness {
    coach: Coach,
    clock: VirtualClock,
    _db: TestDb,
}

impl Harness {
    fn new(db: TestDb) -> Self {
        let clock =
            VirtualClock::starting_at(Utc.with_ymd_and_hms(2026, 3, 28, 23, 30, 0).unwrap());
        let coach = Coach::new(
            db.storage.clone(),
            crate::support::catalog(),
            Arc::new(clock.clone()),
            CoachSettings::default(),
        );
        Self {
            coach,
            clock,
            _db: db,
        }
    }

    async fn send(&self, user: &str, kind: InteractionKind) -> Vec<Outgoing> {
        self.send_in(user, "guild-1", "chan-1", kind).await
    }

    async fn send_in(
        &self,
        user: &str,
        workspace: &str,
        channel: &str,
        kind: InteractionKind,
    ) -> Vec<Outgoing> {
        let interaction = Interaction {
            actor: Actor {
                platform: Platform::Discord,
                workspace: workspace.into(),
                user_id: user.into(),
                display_name: user.into(),
                zone: Some(chrono_tz::Europe::Berlin),
                is_admin: false,
                roles: Vec::new(),
            },
            channel: channel.into(),
            kind,
        };
        self.coach.handle(&interaction).await
    }

    async fn command(&self, user: &str, name: &str, text: &str) -> Outgoing {
        let mut out = self.send(user, InteractionKind::command(name, text)).await;
        assert_eq!(out.len(), 1, "one answer to /{name}");
        out.remove(0)
    }

    /// Answers the single input of `form` with `text`.
    async fn fill_form(&self, user: &str, form: Form, text: &str) -> Vec<Outgoing> {
        let values = BTreeMap::from([(form.inputs[0].id.clone(), text.to_owned())]);
        let kind = InteractionKind::Form {
            form_id: form.id,
            values,
        };
        self.send(user, kind).await
    }

    async fn stored_count(&self, user: &str) -> i64 {
        let id = self
            .coach
            .storage()
            .upsert_user(
                &Identity {
                    platform: Platform::Discord,
                    scope: String::new(),
                    external_id: user.into(),
                },
                user,
                None,
                Utc::now(),
            )
            .await
            .unwrap();
        self.coach.storage().count_reflections(id).await.unwrap()
    }
}

async fn reflect_with_text_stores_it_and_journal_shows_it(db: TestDb) {
    let h = Harness::new(db);
    let saved = h
        .command("ada", "reflect", "I let the team own the triage call")
        .await;
    assert_eq!(saved.kind, OutgoingKind::Reply);
    assert!(saved.ephemeral);
    assert_eq!(saved.message.title.as_deref(), Some("Reflection saved"));
    assert!(
        !saved.message.body.contains("triage"),
        "the confirmation does not echo the text"
    );

    let journal = h.command("ada", "journal", "").await;
    assert!(journal.ephemeral);
    assert_eq!(journal.message.fields.len(), 1);
    assert_eq!(
        journal.message.fields[0].value,
        "I let the team own the triage call"
    );
}

async fn reflect_without_text_opens_a_form_whose_answer_is_stored(db: TestDb) {
    let h = Harness::new(db);
    let prompt = h.command("ada", "reflect", "   ").await;
    let form = prompt.message.form.expect("a form to fill in");
    assert_eq!(form.inputs.len(), 1);
    assert_eq!(form.inputs[0].max_chars, 4000);
    assert_eq!(h.stored_count("ada").await, 0);

    let out = h.fill_form("ada", form, "From the form").await;
    assert_eq!(out[0].message.title.as_deref(), Some("Reflection saved"));
    assert_eq!(h.stored_count("ada").await, 1);
}

async fn a_reflection_over_the_limit_is_refused_and_nothing_is_stored(db: TestDb) {
    let h = Harness::new(db);
    let exactly = "a".repeat(4000);
    let over = "é".repeat(4001);
    let refused = h.command("ada", "reflect", &over).await;
    assert_eq!(refused.kind, OutgoingKind::Error);
    assert!(
        refused.message.body.contains("4001 characters"),
        "{}",
        refused.message.body
    );
    assert!(refused.message.body.contains("4000"));
    assert_eq!(h.stored_count("ada").await, 0);

    let accepted = h.command("ada", "reflect", &exactly).await;
    assert_eq!(accepted.kind, OutgoingKind::Reply);
    assert_eq!(h.stored_count("ada").await, 1);
}

async fn journal_lists_newest_first_dated_in_the_users_zone(db: TestDb) {
    let h = Harness::new(db);
    // 23:30 UTC on 28 March is 00:30 CET on the 29th in Berlin; two hours later the clocks
    // have sprung forward to CEST.
    h.command("ada", "reflect", "before the change").await;
    h.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 29, 1, 30, 0).unwrap())
        .unwrap();
    h.command("ada", "reflect", "after the change").await;
    for i in 0..6 {
        h.command("ada", "reflect", &format!("later {i}")).await;
    }

    let journal = h.command("ada", "journal", "8").await;
    let fields = &journal.message.fields;
    assert_eq!(fields.len(), 8);
    assert_eq!(fields[0].value, "later 5");
    assert_eq!(fields[6].value, "after the change");
    assert_eq!(fields[6].name, "Sun 29 Mar 2026, 03:30 CEST");
    assert_eq!(fields[7].value, "before the change");
    assert_eq!(fields[7].name, "Sun 29 Mar 2026, 00:30 CET");
    assert!(journal.message.body.contains("Europe/Berlin"));

    let default = h.command("ada", "journal", "").await;
    assert_eq!(default.message.fields.len(), 5);
}

async fn journal_with_a_bad_count_explains_the_usage(db: TestDb) {
    let h = Harness::new(db);
    for bad in ["0", "51", "lots", "-3"] {
        let out = h.command("ada", "journal", bad).await;
        assert_eq!(out.kind, OutgoingKind::Error, "/journal {bad}");
        assert!(
            out.message.body.starts_with("Usage: /journal [n]"),
            "{}",
            out.message.body
        );
    }
}

async fn another_user_never_sees_my_reflections(db: TestDb) {
    let h = Harness::new(db);
    h.command("ada", "reflect", "private to ada").await;
    let bob = h.command("bob", "journal", "").await;
    assert!(bob.message.fields.is_empty());
    assert!(bob.message.body.contains("Nothing here yet"));
}

async fn an_unknown_command_names_the_closest_one(db: TestDb) {
    let h = Harness::new(db);
    let out = h.command("ada", "jurnal", "").await;
    assert_eq!(out.kind, OutgoingKind::Error);
    assert!(out.ephemeral);
    assert_eq!(
        out.message.body,
        "There is no /jurnal command. Did you mean /journal? /help lists every command."
    );
}

async fn help_lists_every_command_the_person_may_use_with_one_line_each(db: TestDb) {
    use shiftcoach::core::commands::{Access, COMMANDS};
    let h = Harness::new(db);
    let out = h.command("ada", "help", "").await;
    let lines: Vec<&str> = out.message.body.lines().collect();
    let everyone: Vec<_> = COMMANDS
        .iter()
        .filter(|spec| spec.access == Access::Everyone)
        .collect();
    assert_eq!(lines.len(), everyone.len());
    for spec in COMMANDS {
        let listed = lines.iter().any(|line| {
            line.starts_with(&format!("- **/{} ", spec.name))
                || line.starts_with(&format!("- **/{}**", spec.name))
        });
        assert_eq!(
            listed,
            spec.access == Access::Everyone,
            "/{} in help for someone who is not an admin",
            spec.name
        );
    }
    // An admin command refused before it runs, with the reason.
    let refused = h.command("ada", "nudges", "status").await;
    assert_eq!(refused.kind, OutgoingKind::Error);
    assert!(
        refused.message.body.contains("admins"),
        "{}",
        refused.message.body
    );
}

async fn free_text_with_nothing_to_answer_gets_a_hint(db: TestDb) {
    let h = Harness::new(db);
    let out = h
        .send(
            "ada",
            InteractionKind::Message {
                text: "hello?".into(),
                thread: None,
                direct: false,
            },
        )
        .await;
    assert_eq!(out[0].kind, OutgoingKind::Error);
    assert!(out[0].message.body.contains("/reflect"));
    assert_eq!(h.stored_count("ada").await, 0);
}

async fn the_reflect_button_opens_a_form_tied_to_its_item(db: TestDb) {
    let h = Harness::new(db);
    let out = h
        .send(
            "ada",
            InteractionKind::Button {
                action: "reflect:pre-mortem".into(),
            },
        )
        .await;
    let form = out[0].message.form.clone().expect("a form");
    h.fill_form("ada", form, "I ran one").await;
    let journal = h.command("ada", "journal", "").await;
    assert!(journal.message.fields[0].name.ends_with("on Pre-mortem"));
}

async fn framework_answers_a_situation_with_the_best_item_and_alternatives(db: TestDb) {
    let h = Harness::new(db);
    let out = h
        .command(
            "ada",
            "framework",
            "a VP wants an exception to the MFA policy",
        )
        .await;
    assert_eq!(out.kind, OutgoingKind::Reply);
    let slug = out.message.slug.clone().expect("the best item's slug");
    let item = h.coach.catalog().get(&slug).unwrap();
    assert!(matches!(item.kind, Kind::Framework | Kind::Model), "{slug}");
    assert_eq!(out.message.body, item.body, "the best item in full");
    let also = out
        .message
        .fields
        .iter()
        .find(|f| f.name == "Also worth a look")
        .expect("alternatives");
    let lines: Vec<&str> = also.value.lines().collect();
    assert!((1..=2).contains(&lines.len()), "{lines:?}");
    assert!(
        lines.iter().all(|line| line.contains("): ")),
        "each with a reason: {lines:?}"
    );
    assert_eq!(out.message.buttons[0].action, format!("reflect:{slug}"));

    let usage = h.command("ada", "framework", " ").await;
    assert_eq!(usage.kind, OutgoingKind::Error);
    assert!(usage.message.body.contains("/framework the board"));
}

async fn template_answers_with_placeholders_and_an_example(db: TestDb) {
    let h = Harness::new(db);
    let out = h
        .command(
            "ada",
            "template",
            "the board will ask whether we are secure",
        )
        .await;
    let slug = out.message.slug.clone().unwrap();
    assert_eq!(h.coach.catalog().get(&slug).unwrap().kind, Kind::Template);
    let names: Vec<&str> = out.message.fields.iter().map(|f| f.name.as_str()).collect();
    assert!(
        names.contains(&"Fill in") && names.contains(&"Example"),
        "{names:?}"
    );
    assert!(
        out.message
            .fields
            .iter()
            .all(|f| f.value.chars().count() <= 1024)
    );
}

async fn a_situation_with_no_good_match_says_so_and_suggests_tags(db: TestDb) {
    let h = Harness::new(db);
    let out = h.command("ada", "template", "quantum pizza topology").await;
    assert_eq!(out.message.title.as_deref(), Some("No good match"));
    assert!(out.message.body.contains("words such as"));
    assert_eq!(out.message.slug, None);
}

async fn model_without_a_name_does_not_repeat_until_all_are_seen(db: TestDb) {
    let h = Harness::new(db);
    let total = h.coach.catalog().of_kind(Kind::Model).count();
    let mut seen = std::collections::HashSet::new();
    for _ in 0..total {
        let out = h.command("ada", "model", "").await;
        let slug = out.message.slug.clone().unwrap();
        assert!(
            seen.insert(slug.clone()),
            "{slug} repeated before all {total} were shown"
        );
    }
    let again = h.command("ada", "model", "").await;
    assert!(again.message.body.contains("You have seen all"));
    // Afterwards it rotates through them all again, even with the clock standing still (all
    // were seen at the same instant), rather than showing the same one each time.
    let mut second_round = std::collections::HashSet::from([again.message.slug.clone().unwrap()]);
    for _ in 1..total {
        let out = h.command("ada", "model", "").await;
        assert!(
            second_round.insert(out.message.slug.clone().unwrap()),
            "the second round repeated {:?}",
            out.message.slug
        );
    }
}

async fn model_by_name_accepts_slugs_titles_and_typos(db: TestDb) {
    let h = Harness::new(db);
    for name in [
        "pre-mortem",
        "Pre-mortem",
        "premortem",
        "pre mortem",
        "cynfin",
        "ooda",
    ] {
        let out = h.command("ada", "model", name).await;
        assert_eq!(
            out.kind,
            OutgoingKind::Reply,
            "/model {name}: {}",
            out.message.body
        );
    }
    let wrong_kind = h.command("ada", "model", "daci").await;
    assert_eq!(wrong_kind.kind, OutgoingKind::Error);
    assert!(
        wrong_kind.message.body.contains("framework"),
        "{}",
        wrong_kind.message.body
    );
    let unknown = h.command("ada", "model", "zzzz").await;
    assert!(unknown.message.body.contains("/model with no name"));

    let choices = h.coach.autocomplete(Platform::Discord, "model", "in");
    assert!(!choices.is_empty() && choices.len() <= 25);
    assert_eq!(choices[0].value, "inversion");
    let typo = h.coach.autocomplete(Platform::Discord, "model", "cynfin");
    assert_eq!(typo[0].value, "cynefin");
    assert_eq!(
        h.coach.autocomplete(Platform::Discord, "model", "").len(),
        25
    );
    assert!(
        h.coach
            .autocomplete(Platform::Discord, "journal", "x")
            .is_empty()
    );
    let shifts = h.coach.autocomplete(Platform::Discord, "shift", "iden");
    assert_eq!(shifts[0].value, "identity");
}

async fn shift_shows_the_overview_a_number_or_identity(db: TestDb) {
    let h = Harness::new(db);
    let overview = h.command("ada", "shift", "").await;
    assert_eq!(
        overview
            .message
            .body
            .lines()
            .filter(|l| l.contains(" \u{2192} "))
            .count(),
        9
    );
    let third = h.command("ada", "shift", "3").await;
    assert_eq!(third.message.slug.as_deref(), Some("output-to-outcomes"));
    let identity = h.command("ada", "shift", "identity").await;
    assert_eq!(identity.message.slug.as_deref(), Some("identity-shift"));
    let bad = h.command("ada", "shift", "12").await;
    assert_eq!(bad.kind, OutgoingKind::Error);
    assert!(bad.message.body.contains("1 to 8"));
}

async fn a_scenario_answer_is_kept_and_answered_with_the_debrief(db: TestDb) {
    let h = Harness::new(db);
    let shown = h.command("ada", "scenario", "ransomware").await;
    assert_eq!(shown.message.slug.as_deref(), Some("ransomware-2am"));
    let form = shown.message.form.clone().expect("a form to answer");
    let out = h.fill_form("ada", form, "Call the IR retainer first").await;
    let debrief = &out[0].message;
    assert!(debrief.title.as_deref().unwrap().starts_with("Debrief: "));
    let item = h.coach.catalog().get("ransomware-2am").unwrap();
    assert_eq!(&debrief.body, item.debrief.as_ref().unwrap());
    let journal = h.command("ada", "journal", "").await;
    assert_eq!(
        journal.message.fields[0].value,
        "Call the IR retainer first"
    );
    assert!(
        journal.message.fields[0]
            .name
            .ends_with("on Ransomware at 2am")
    );

    let random = h.command("ada", "scenario", "").await;
    assert!(random.message.form.is_some());

    // Platforms that open forms from a button get the bare form back.
    let pressed = h
        .send(
            "ada",
            InteractionKind::Button {
                action: "scenario:budget-cut".into(),
            },
        )
        .await;
    let bare = &pressed[0].message;
    assert!(bare.title.is_none() && bare.body.is_empty());
    assert_eq!(bare.form.as_ref().unwrap().id, "scenario:budget-cut");
}

fn press(action: &str) -> InteractionKind {
    InteractionKind::Button {
        action: action.to_owned(),
    }
}

async fn a_delete_confirmation_works_once_and_only_while_it_is_the_latest(db: TestDb) {
    let h = Harness::new(db);
    h.command("ada", "reflect", "keep this one").await;
    let journal_size = |out: &Outgoing| out.message.fields.len();

    // Keep, then Delete on the same question: the second press changes nothing.
    let ask = h.command("ada", "mydata", "delete").await;
    let (delete, keep) = (
        ask.message.buttons[0].action.clone(),
        ask.message.buttons[1].action.clone(),
    );
    let kept = h.send("ada", press(&keep)).await;
    assert_eq!(kept[0].message.title.as_deref(), Some("Nothing deleted"));
    h.command("ada", "journal", "").await;
    let late = h.send("ada", press(&delete)).await;
    assert_eq!(late[0].kind, OutgoingKind::Error);
    assert!(
        late[0].message.body.contains("expired"),
        "{}",
        late[0].message.body
    );
    assert_eq!(journal_size(&h.command("ada", "journal", "").await), 1);

    // An older question stops working once a newer one is asked.
    let first = h.command("ada", "mydata", "delete").await;
    let second = h.command("ada", "mydata", "delete").await;
    let stale = h.send("ada", press(&first.message.buttons[0].action)).await;
    assert_eq!(stale[0].kind, OutgoingKind::Error);
    assert_eq!(journal_size(&h.command("ada", "journal", "").await), 1);

    // Someone else cannot press my confirmation.
    let foreign = h
        .send("bob", press(&second.message.buttons[0].action))
        .await;
    assert_eq!(foreign[0].kind, OutgoingKind::Error);
    assert_eq!(journal_size(&h.command("ada", "journal", "").await), 1);

    // Ten minutes later the buttons have expired.
    h.clock
        .set(h.clock.now() + chrono::Duration::minutes(11))
        .unwrap();
    let expired = h
        .send("ada", press(&second.message.buttons[0].action))
        .await;
    assert_eq!(expired[0].kind, OutgoingKind::Error);
    assert_eq!(journal_size(&h.command("ada", "journal", "").await), 1);

    // The latest, answered in time and once, deletes; pressing it again does nothing more.
    let third = h.command("ada", "mydata", "delete").await;
    let done = h.send("ada", press(&third.message.buttons[0].action)).await;
    assert_eq!(
        done[0].message.title.as_deref(),
        Some("Your data is deleted")
    );
    let again = h.send("ada", press(&third.message.buttons[0].action)).await;
    assert_eq!(again[0].kind, OutgoingKind::Error);
}

async fn a_discord_person_has_one_journal_across_servers_and_direct_messages(db: TestDb) {
    let h = Harness::new(db);
    h.send_in(
        "ada",
        "guild-1",
        "chan-1",
        InteractionKind::command("reflect", "from the first server"),
    )
    .await;
    h.send_in(
        "ada",
        "guild-2",
        "chan-9",
        InteractionKind::command("reflect", "from the second server"),
    )
    .await;
    let dm = h
        .send_in(
            "ada",
            "dm",
            "dm-chan",
            InteractionKind::Message {
                text: "written to the bot directly".into(),
                thread: None,
                direct: true,
            },
        )
        .await;
    assert_eq!(dm[0].kind, OutgoingKind::Reply, "{:?}", dm[0].message.body);
    let journal = h
        .send_in(
            "ada",
            "guild-2",
            "chan-9",
            InteractionKind::command("journal", ""),
        )
        .await;
    let values: Vec<&str> = journal[0]
        .message
        .fields
        .iter()
        .map(|f| f.value.as_str())
        .collect();
    assert_eq!(
        values,
        [
            "written to the bot directly",
            "from the second server",
            "from the first server"
        ]
    );
    // A secret sent in a DM is refused like anywhere else.
    let secret = h
        .send_in(
            "ada",
            "dm",
            "dm-chan",
            InteractionKind::Message {
                text: "key AKIAZ3Q7HXKD2LMN4PQR".into(),
                thread: None,
                direct: true,
            },
        )
        .await;
    assert_eq!(secret[0].kind, OutgoingKind::Error);
}

async fn unknown_and_malformed_button_ids_get_a_clear_answer(db: TestDb) {
    let h = Harness::new(db);
    for id in [
        "mydata:delete:confirm",
        "nonsense",
        "confirm:abc:yes",
        "reflect:a b",
    ] {
        let out = h.send("ada", press(id)).await;
        assert_eq!(out[0].kind, OutgoingKind::Error, "{id}");
        assert!(out[0].message.body.contains("expired"), "{id}");
    }
}

async fn invisible_text_is_never_stored_whatever_way_it_arrives(db: TestDb) {
    let h = Harness::new(db);
    let blanks = [
        "\u{200B}",
        " \u{200B}\u{200D} ",
        "\u{FEFF}",
        "\u{2060}\u{00A0}",
        "\u{3164}",
        "\u{2800}",
    ];
    for blank in blanks {
        let out = h.command("ada", "reflect", blank).await;
        // An argument of invisible characters alone opens the form, like /reflect alone.
        assert!(
            out.message.form.is_some() || out.kind == OutgoingKind::Error,
            "{blank:?}"
        );
        let form = h.command("ada", "reflect", "").await.message.form.unwrap();
        let answer = h.fill_form("ada", form, blank).await;
        assert_eq!(answer[0].kind, OutgoingKind::Error, "{blank:?}");
        let dm = h
            .send(
                "ada",
                InteractionKind::Message {
                    text: blank.into(),
                    thread: None,
                    direct: true,
                },
            )
            .await;
        assert_eq!(dm[0].kind, OutgoingKind::Error, "{blank:?}");
    }
    let scenario = h.command("ada", "scenario", "ransomware-2am").await;
    let answer = h
        .fill_form("ada", scenario.message.form.unwrap(), "\u{200B}\u{200B}")
        .await;
    assert_eq!(answer[0].kind, OutgoingKind::Error);
    assert_eq!(h.stored_count("ada").await, 0, "nothing blank was stored");
    // Invisible characters around real words are trimmed; inside, they are kept.
    h.command("ada", "reflect", "\u{200B}ok 👩\u{200D}💻\u{FEFF}")
        .await;
    let journal = h.command("ada", "journal", "").await;
    assert_eq!(journal.message.fields[0].value, "ok 👩\u{200D}💻");
}

async fn arguments_read_quotes_the_same_way_in_every_command(db: TestDb) {
    let h = Harness::new(db);
    for (command, quoted, plain) in [
        ("shift", "\"3\"", "3"),
        ("shift", "\u{201C}identity\u{201D}", "identity"),
        ("model", "'pre-mortem'", "pre-mortem"),
        ("model", "\"pre mortem\"", "pre mortem"),
        ("scenario", "\"ransomware-2am\"", "ransomware-2am"),
        (
            "framework",
            "\"the board wants a number for our ransomware risk\"",
            "the board wants a number for our ransomware risk",
        ),
    ] {
        let a = h.command("ada", command, quoted).await;
        let b = h.command("ada", command, plain).await;
        assert_eq!(
            a.kind,
            OutgoingKind::Reply,
            "/{command} {quoted}: {}",
            a.message.body
        );
        assert_eq!(a.message.slug, b.message.slug, "/{command} {quoted}");
    }
    h.command("ada", "reflect", "one").await;
    h.command("ada", "reflect", "two").await;
    let journal = h.command("ada", "journal", "\"1\"").await;
    assert_eq!(
        journal.kind,
        OutgoingKind::Reply,
        "{}",
        journal.message.body
    );
    assert_eq!(journal.message.fields.len(), 1);
    // A reflection keeps its quotes: they are the person's words.
    h.command("ada", "reflect", "\"quoted\" words").await;
    let journal = h.command("ada", "journal", "1").await;
    assert_eq!(journal.message.fields[0].value, "\"quoted\" words");
}

async fn a_refused_form_can_be_written_again(db: TestDb) {
    let h = Harness::new(db);
    let form = h.command("ada", "reflect", "").await.message.form.unwrap();
    let long = "word ".repeat(1000);
    for refused_text in ["\u{200B}", long.as_str()] {
        let refused = h.fill_form("ada", form.clone(), refused_text).await;
        assert_eq!(refused[0].kind, OutgoingKind::Error);
        // The refusal offers the same form again, and pressing it opens it.
        let again = &refused[0].message.buttons;
        assert_eq!(again.len(), 1, "{:?}", refused[0].message);
        assert_eq!(again[0].action, form.id);
        let reopened = h.send("ada", press(&again[0].action)).await;
        assert_eq!(
            reopened[0].message.form.as_ref().map(|f| &f.id),
            Some(&form.id)
        );
    }
    assert_eq!(h.stored_count("ada").await, 0);
}

async fn an_item_named_under_the_wrong_command_points_to_the_right_one(db: TestDb) {
    let h = Harness::new(db);
    for (command, text, pointer) in [
        (
            "framework",
            "incident-exec-update",
            "/template incident-exec-update",
        ),
        (
            "framework",
            "Board update: security on one page",
            "/template board-update",
        ),
        ("template", "ooda-loop", "/model ooda-loop"),
        ("model", "shift-3", "/shift 3"),
        ("scenario", "shift two", "/shift 2"),
        ("model", "daci", "/framework daci"),
    ] {
        let out = h.command("ada", command, text).await;
        assert_eq!(out.kind, OutgoingKind::Error, "/{command} {text}");
        assert!(
            out.message.body.contains(pointer),
            "/{command} {text}: {}",
            out.message.body
        );
    }
    let unknown = h.command("ada", "shift", "xyzzy").await;
    assert!(
        unknown.message.body.contains("lists them all"),
        "{}",
        unknown.message.body
    );
}

/// Every type that can carry a person's words prints their size in debug output, never the
/// words: such values end up in logs and panic messages.
#[test]
fn debug_output_never_shows_a_persons_words() {
    use shiftcoach::core::{Field, RichMessage};
    use shiftcoach::storage::{
        CheckinAnswer, Decision, NewReflection, PendingNotice, Reflection, ReflectionSource, UserId,
    };
    const WORDS: &str = "the audit found our backups untested";
    let at = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
    let message = RichMessage {
        title: Some("Your journal".into()),
        body: WORDS.into(),
        fields: vec![Field {
            name: "Shared answer".into(),
            value: WORDS.into(),
        }],
        ..RichMessage::default()
    };
    let outgoing = Outgoing::new(
        OutgoingKind::Reply,
        shiftcoach::core::Destination::Channel("channel-1".into()),
        true,
        message.clone(),
    );
    let printed = [
        format!("{message:?}"),
        format!("{outgoing:?}"),
        format!(
            "{:?}",
            shiftcoach::adapters::slack::render::render(&message)
        ),
        format!(
            "{:?}",
            PendingNotice {
                id: 1,
                title: "A digest".into(),
                body: WORDS.into(),
            }
        ),
        format!(
            "{:?}",
            Reflection {
                id: 1,
                author: UserId(1),
                channel: "channel-1".into(),
                source: ReflectionSource::Command,
                slug: None,
                delivery: None,
                body: WORDS.into(),
                created_at: at,
            }
        ),
        format!(
            "{:?}",
            NewReflection {
                channel: "channel-1",
                source: ReflectionSource::Command,
                slug: None,
                delivery: None,
                body: WORDS,
                created_at: at,
                event: None,
            }
        ),
        format!(
            "{:?}",
            CheckinAnswer {
                id: 1,
                checkin: 1,
                slug: "q".into(),
                body: WORDS.into(),
                shared: true,
                answered_at: at,
                updated_at: at,
            }
        ),
        format!(
            "{:?}",
            Decision {
                id: 1,
                author: UserId(1),
                workspace: "w".into(),
                decision: WORDS.into(),
                options: WORDS.into(),
                expected: WORDS.into(),
                confidence: 70,
                review_at: at,
                review_sent_at: None,
                outcome: None,
                learned: Some(WORDS.into()),
                reviewed_at: None,
                shared: false,
                created_at: at,
            }
        ),
        format!(
            "{:?}",
            InteractionKind::Message {
                text: WORDS.into(),
                thread: None,
                direct: true,
            }
        ),
    ];
    for debug in printed {
        assert!(!debug.contains("backups"), "a person's words in {debug}");
    }
}

/// Two replicas receive the same direct message. One cannot reach the database at that moment
/// (a partial outage: its pool timed out) and keeps the message for later; the other stores it.
/// When the first stores what it kept, the message is found stored and not stored again; so
/// is a later redelivery of the event.
async fn a_reply_kept_by_a_replica_without_the_database_is_stored_once(db: TestDb) {
    use shiftcoach::core::Claim;
    let kept_here = Harness::new(db);
    let stored_there = Coach::new(
        kept_here.coach.storage().clone(),
        crate::support::catalog(),
        Arc::new(kept_here.clock.clone()),
        CoachSettings::default(),
    );
    let message = Interaction {
        actor: Actor {
            platform: Platform::Discord,
            workspace: "dm".into(),
            user_id: "ada".into(),
            display_name: "ada".into(),
            zone: Some(chrono_tz::Europe::Berlin),
            is_admin: false,
            roles: Vec::new(),
        },
        channel: "dm-chan".into(),
        kind: InteractionKind::Message {
            text: "kept by one replica, stored by another".into(),
            thread: None,
            direct: true,
        },
    };
    let event = "message:1800000000000000001";
    let now = kept_here.clock.now();
    let told = kept_here
        .coach
        .handle_claimed(&message, event, Claim::DatabaseDown, now)
        .await;
    assert!(
        told[0].message.body.contains("I kept what you wrote"),
        "{told:?}"
    );
    assert_eq!(kept_here.coach.kept(), 1);
    let answered = stored_there.handle_event(&message, event).await.unwrap();
    assert_eq!(
        answered[0].message.title.as_deref(),
        Some("Reflection saved")
    );

    // Its outage over, the first stores what it kept: found stored already.
    kept_here.coach.store_kept().await;
    assert_eq!(kept_here.coach.kept(), 0);
    // The platform sends the event again later, to the replica that kept it.
    let again = kept_here
        .coach
        .handle_claimed(&message, event, Claim::First, kept_here.clock.now())
        .await;
    assert_eq!(again[0].message.title.as_deref(), Some("Reflection saved"));
    let journal = kept_here
        .send_in(
            "ada",
            "dm",
            "dm-chan",
            InteractionKind::command("journal", ""),
        )
        .await;
    assert_eq!(journal[0].message.fields.len(), 1, "stored once");
}
