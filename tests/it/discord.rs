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

mod sending {
    use std::sync::Arc;

    use secrecy::SecretString;
    use shiftcoach::{
        adapters::discord::{http, postman::DiscordPostman},
        core::{Destination, Outgoing, OutgoingKind, Postman, RichMessage, SendError},
        storage::ChannelAddress,
    };

    use crate::fake_discord::FakeDiscord;

    async fn postman(fake: &FakeDiscord) -> DiscordPostman {
        let token = SecretString::from("fake-bot-token".to_owned());
        let client = http::build(&token, Some(&fake.base()), Some(fake.ca_pem.as_bytes()))
            .await
            .unwrap();
        DiscordPostman::new(Arc::new(client))
    }

    fn nudge(channel: &str) -> Outgoing {
        Outgoing {
            kind: OutgoingKind::Nudge,
            to: Destination::Channel(channel.into()),
            ephemeral: false,
            message: RichMessage::titled("Mental model: Pre-mortem", "Imagine it **failed**."),
        }
    }

    #[tokio::test]
    async fn a_nudge_is_posted_with_its_embed_and_a_nonce() {
        let fake = FakeDiscord::start().await;
        let postman = postman(&fake).await;
        let id = postman
            .send(
                "discord",
                "1100000000000000007",
                &nudge("1200000000000000011"),
                Some("nudge-42"),
            )
            .await
            .unwrap();
        let posts = fake.posts();
        assert_eq!(posts.len(), 1);
        assert_eq!(
            posts[0].path,
            "/api/v10/channels/1200000000000000011/messages"
        );
        assert_eq!(
            posts[0].body["embeds"][0]["title"],
            "Mental model: Pre-mortem"
        );
        assert_eq!(posts[0].body["nonce"], "nudge-42");
        assert_eq!(posts[0].body["enforce_nonce"], true);
        assert!(id.parse::<u64>().is_ok());

        // The same key again (a retry after a crash) returns the message already posted.
        let again = postman
            .send(
                "discord",
                "1100000000000000007",
                &nudge("1200000000000000011"),
                Some("nudge-42"),
            )
            .await
            .unwrap();
        assert_eq!(again, id);
    }

    #[tokio::test]
    async fn a_429_is_waited_out_and_the_nudge_delivered_once() {
        let fake = FakeDiscord::start().await;
        fake.rate_limit_next_posts(2);
        let postman = postman(&fake).await;
        postman
            .send(
                "discord",
                "1100000000000000007",
                &nudge("1200000000000000011"),
                Some("nudge-7"),
            )
            .await
            .unwrap();
        let posts = fake.posts();
        assert_eq!(posts.len(), 3, "two 429s, then the post that went through");
        let ids: std::collections::HashSet<_> =
            posts.iter().map(|p| p.body["nonce"].clone()).collect();
        assert_eq!(ids.len(), 1, "the same message each time");
    }

    #[tokio::test]
    async fn refusals_are_permanent_and_explained() {
        let fake = FakeDiscord::start().await;
        fake.forbid_channel("1200000000000000099");
        fake.block_dms_from("1000000000000000004");
        let postman = postman(&fake).await;
        let channel = ChannelAddress {
            platform: "discord".into(),
            workspace: "1100000000000000007".into(),
            channel: "1200000000000000099".into(),
        };
        let check = postman.check_channel(&channel).await.unwrap_err();
        assert!(
            matches!(check, SendError::Permanent(ref m) if m.contains("no access")),
            "{check}"
        );
        let ok = ChannelAddress {
            channel: "1200000000000000011".into(),
            ..channel
        };
        postman.check_channel(&ok).await.unwrap();

        let mut dm = nudge("x");
        dm.kind = OutgoingKind::Dm;
        dm.to = Destination::Dm("1000000000000000004".into());
        let blocked = postman
            .send("discord", "1100000000000000007", &dm, None)
            .await
            .unwrap_err();
        assert!(
            matches!(blocked, SendError::Permanent(ref m) if m.contains("direct messages")),
            "{blocked}"
        );
        assert!(
            fake.requests()
                .iter()
                .any(|r| r.path == "/api/v10/users/@me/channels")
        );
    }
}
