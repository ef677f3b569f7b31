//! Request signatures in Slack's HTTP mode: every request Slack sends carries
//! `X-Slack-Request-Timestamp` and `X-Slack-Signature: v0=<hex>`, the HMAC-SHA256 of
//! `v0:{timestamp}:{raw body}` keyed with the app's signing secret (Slack: "Verifying requests
//! from Slack"). A request is accepted only when the signature matches (compared in constant
//! time, by slack-morphism's verifier) and the timestamp is within five minutes of now, either
//! way, by an injectable clock. Anything else is refused before the body is read as data.

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use slack_morphism::{
    prelude::SlackSigningSecret,
    signature_verifier::{SlackEventSignatureVerifier, SlackEventSignatureVerifierError},
};

/// Header holding the request's Unix time in seconds (Slack).
pub const TIMESTAMP_HEADER: &str = "x-slack-request-timestamp";
/// Header holding `v0=` and the hex HMAC-SHA256 signature (Slack).
pub const SIGNATURE_HEADER: &str = "x-slack-signature";
/// How far a request's timestamp may be from now, before or after, in seconds (Slack
/// recommends refusing requests older than five minutes, against replays).
pub const MAX_SKEW_SECONDS: i64 = 5 * 60;

/// Why a request was refused. Every case is answered 401 and nothing is processed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the request has no {0} header")]
    Missing(&'static str),
    #[error("the request's timestamp is not a number of seconds")]
    BadTimestamp,
    #[error("the request is {0} s away from now, more than the {MAX_SKEW_SECONDS} s allowed")]
    Stale(i64),
    #[error("the signature does not match the body")]
    Mismatch,
}

/// Checks Slack request signatures with the app's signing secret.
#[derive(Clone)]
pub struct SignatureCheck {
    verifier: SlackEventSignatureVerifier,
}

// The signing secret never reaches debug output.
impl std::fmt::Debug for SignatureCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SignatureCheck(***)")
    }
}

impl SignatureCheck {
    /// A check keyed with `secret` (`SLACK_SIGNING_SECRET`).
    pub fn new(secret: &SecretString) -> Self {
        let secret = SlackSigningSecret(secret.expose_secret().to_owned());
        Self {
            verifier: SlackEventSignatureVerifier::new(&secret),
        }
    }

    /// Accepts the request when `signature` signs `timestamp` and the raw `body`, and the
    /// timestamp is within [`MAX_SKEW_SECONDS`] of `now`.
    ///
    /// # Errors
    /// [`SignatureError`] saying which check failed; the body was not trusted.
    pub fn verify(
        &self,
        timestamp: Option<&str>,
        signature: Option<&str>,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<(), SignatureError> {
        let timestamp = timestamp.ok_or(SignatureError::Missing(TIMESTAMP_HEADER))?;
        let signature = signature.ok_or(SignatureError::Missing(SIGNATURE_HEADER))?;
        let seconds: i64 = timestamp
            .trim()
            .parse()
            .map_err(|_| SignatureError::BadTimestamp)?;
        // The signature is computed over the exact bytes; a body that is not UTF-8 cannot
        // have come from Slack, whose bodies are form-encoded or JSON.
        let body = std::str::from_utf8(body).map_err(|_| SignatureError::Mismatch)?;
        // slack-morphism compares the signature in constant time, then checks the age against
        // the system clock; the age is checked here instead, against the injected clock.
        match self.verifier.verify(signature, body, timestamp) {
            Ok(()) | Err(SlackEventSignatureVerifierError::IncorrectOrExpiredTimestampError(_)) => {
            }
            Err(_) => return Err(SignatureError::Mismatch),
        }
        let skew = (now.timestamp() - seconds).abs();
        if skew > MAX_SKEW_SECONDS {
            return Err(SignatureError::Stale(skew));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// Slack's published example ("Verifying requests from Slack").
    const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
    const TIMESTAMP: &str = "1531420618";
    const BODY: &str = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const SIGNATURE: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    fn at(seconds: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(seconds, 0).unwrap()
    }

    fn check() -> SignatureCheck {
        SignatureCheck::new(&SecretString::from(SECRET))
    }

    #[test]
    fn slacks_published_example_is_accepted() {
        let now = at(1_531_420_618);
        assert_eq!(
            check().verify(Some(TIMESTAMP), Some(SIGNATURE), BODY.as_bytes(), now),
            Ok(())
        );
        // Up to five minutes either way.
        for skew in [-300, 300] {
            assert_eq!(
                check().verify(
                    Some(TIMESTAMP),
                    Some(SIGNATURE),
                    BODY.as_bytes(),
                    at(1_531_420_618 + skew)
                ),
                Ok(())
            );
        }
    }

    #[test]
    fn tampered_stale_future_and_unsigned_requests_are_refused() {
        let now = at(1_531_420_618);
        let tampered = BODY.replace("text=", "text=delete");
        assert_eq!(
            check().verify(Some(TIMESTAMP), Some(SIGNATURE), tampered.as_bytes(), now),
            Err(SignatureError::Mismatch)
        );
        let other_secret = SignatureCheck::new(&SecretString::from("another-secret"));
        assert_eq!(
            other_secret.verify(Some(TIMESTAMP), Some(SIGNATURE), BODY.as_bytes(), now),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            check().verify(
                Some(TIMESTAMP),
                Some(SIGNATURE),
                BODY.as_bytes(),
                at(1_531_420_618 + 301)
            ),
            Err(SignatureError::Stale(301))
        );
        assert_eq!(
            check().verify(
                Some(TIMESTAMP),
                Some(SIGNATURE),
                BODY.as_bytes(),
                at(1_531_420_618 - 301)
            ),
            Err(SignatureError::Stale(301))
        );
        // The signature binds the timestamp: another timestamp does not match.
        assert_eq!(
            check().verify(Some("1531420619"), Some(SIGNATURE), BODY.as_bytes(), now),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            check().verify(None, Some(SIGNATURE), BODY.as_bytes(), now),
            Err(SignatureError::Missing(TIMESTAMP_HEADER))
        );
        assert_eq!(
            check().verify(Some(TIMESTAMP), None, BODY.as_bytes(), now),
            Err(SignatureError::Missing(SIGNATURE_HEADER))
        );
        assert_eq!(
            check().verify(Some("soon"), Some(SIGNATURE), BODY.as_bytes(), now),
            Err(SignatureError::BadTimestamp)
        );
        assert_eq!(
            check().verify(Some(TIMESTAMP), Some("v0=00"), BODY.as_bytes(), now),
            Err(SignatureError::Mismatch)
        );
        assert!(!format!("{:?}", check()).contains(SECRET));
    }
}
