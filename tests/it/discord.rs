//! The Discord adapter's translation of Discord payloads. The fixtures follow Discord's
//! documented interaction payloads (type 2 command, 3 component, 4 autocomplete, 5 modal).

use serenity::all::Interaction;
use shiftcoach::{
    adapters::discord::interaction::{autocomplete_request, to_core},
    core::{InteractionKind, Platform},
};

fn fixture(name: &str) -> Interaction {
    let path = format!(
        "{}/tests/fixtures/discord/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("{path} does not deserialize: {err}"))
}

#[test]
fn a_nudges_set_command_becomes_core_text_in_order_with_admin_rights() {
    let interaction = to_core(&fixture("command_nudges_set")).unwrap();
    assert_eq!(interaction.actor.platform, Platform::Discord);
    assert_eq!(interaction.actor.workspace, "1100000000000000007");
    assert_eq!(interaction.actor.user_id, "1000000000000000003");
    assert_eq!(interaction.actor.display_name, "Ada L.");
    assert!(
        interaction.actor.is_admin,
        "Manage Server is in the member's permissions"
    );
    assert_eq!(interaction.actor.roles, ["1400000000000000001"]);
    assert_eq!(interaction.channel, "1200000000000000011");
    let InteractionKind::Command { name, text, .. } = interaction.kind else {
        panic!("a command");
    };
    assert_eq!(name, "nudges");
    assert_eq!(
        text,
        "set <#1200000000000000042> weekdays 09:00 Europe/Berlin"
    );
}

#[test]
fn an_autocomplete_request_names_the_command_and_the_typed_text() {
    let Interaction::Autocomplete(command) = fixture("autocomplete_model") else {
        panic!("an autocomplete interaction");
    };
    assert_eq!(
        autocomplete_request(&command),
        Some(("model".into(), "pre".into()))
    );
    assert!(to_core(&Interaction::Autocomplete(command)).is_none());
}

#[test]
fn a_button_press_and_a_modal_submission_reach_the_core() {
    let button = to_core(&fixture("component_button")).unwrap();
    assert!(!button.actor.is_admin);
    assert_eq!(
        button.actor.display_name, "Bobby",
        "the server nickname wins"
    );
    assert!(
        matches!(button.kind, InteractionKind::Button { ref action } if action == "reflect:pre-mortem:42")
    );

    let modal = to_core(&fixture("modal_submit")).unwrap();
    let InteractionKind::Form { form_id, values } = modal.kind else {
        panic!("a form");
    };
    assert_eq!(form_id, "reflect:pre-mortem:42");
    assert_eq!(values["text"], "We ran a pre-mortem on the MFA rollout.");
}
