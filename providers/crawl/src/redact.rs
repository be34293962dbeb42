//! Secrets kept out of everything a crawl writes or prints. An endpoint's error
//! text is copied into coverage details, and some endpoints echo the request back
//! (a proxy that quotes the `X-Amz-Security-Token` header, say): so every detail
//! and every provider error passes through `redact`, which removes the credential
//! values the providers registered and anything shaped like a credential.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::{PoisonError, RwLock};

static SECRETS: RwLock<BTreeSet<String>> = RwLock::new(BTreeSet::new());

/// What a redacted value is replaced with.
pub const REDACTED: &str = "[redacted]";

/// Remembers a credential value (a secret key, a session or bearer token) so that
/// `redact` removes it wherever it appears. Values too short to be secrets are
/// ignored, so that no ordinary word is ever redacted.
pub fn register_secret(value: &str) {
    if value.len() >= 12 {
        SECRETS.write().unwrap_or_else(PoisonError::into_inner).insert(value.to_string());
    }
}

/// Names after which a value is a credential, whatever it is.
const CREDENTIAL_NAMES: [&str; 10] = [
    "x-amz-security-token",
    "x-amz-signature",
    "x-amz-credential",
    "signature=",
    "credential=",
    "authorization",
    "bearer ",
    "access_token",
    "secretaccesskey",
    "sessiontoken",
];

/// The text with every registered secret, every value after a credential's name
/// and every AWS access key id replaced by `[redacted]`.
pub fn redact(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    for secret in SECRETS.read().unwrap_or_else(PoisonError::into_inner).iter() {
        if out.contains(secret.as_str()) {
            out = Cow::Owned(out.replace(secret.as_str(), REDACTED));
        }
    }
    let lower = out.to_ascii_lowercase();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for name in CREDENTIAL_NAMES {
        for (at, _) in lower.match_indices(name) {
            let start = at + name.len();
            let value_start = start + out[start..].find(|c: char| !is_separator(c)).unwrap_or(out.len() - start);
            let value_end = value_start + out[value_start..].find(ends_value).unwrap_or(out.len() - value_start);
            if value_end > value_start {
                spans.push((value_start, value_end));
            }
        }
    }
    spans.extend(access_key_ids(&out));
    if spans.is_empty() {
        return out;
    }
    spans.sort();
    let mut redacted = String::with_capacity(out.len());
    let mut at = 0;
    for (start, end) in spans {
        if start >= at {
            redacted.push_str(&out[at..start]);
            redacted.push_str(REDACTED);
            at = end;
        } else if end > at {
            at = end;
        }
    }
    redacted.push_str(&out[at..]);
    Cow::Owned(redacted)
}

/// What may stand between a credential's name and its value (`: `, `="`, ...).
fn is_separator(c: char) -> bool {
    matches!(c, ':' | '=' | ' ' | '"' | '\'' | '\t')
}

fn ends_value(c: char) -> bool {
    c.is_whitespace() || matches!(c, '&' | '"' | '\'' | ',' | ';' | '<' | '>' | ')' | ']' | '}')
}

/// AWS access key ids: `AKIA` or `ASIA` and 16 upper-case letters or digits.
fn access_key_ids(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    for prefix in ["AKIA", "ASIA"] {
        for (at, _) in text.match_indices(prefix) {
            let end = at + 20;
            let id_like = end <= bytes.len()
                && bytes[at + 4..end].iter().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
                && bytes.get(end).is_none_or(|b| !b.is_ascii_alphanumeric());
            let starts_word = at == 0 || !bytes[at - 1].is_ascii_alphanumeric();
            if id_like && starts_word {
                found.push((at, end));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_secrets_and_credential_shapes_are_removed() {
        register_secret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        let echoed = "AccessDenied: request had X-Amz-Security-Token: FwoGZXIvYXdzEJr//token+value and \
                      Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261201/eu-west-1/s3, \
                      secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY, url ?X-Amz-Signature=abc123&x=1";
        let clean = redact(echoed);
        for secret in ["FwoGZXIvYXdzEJr", "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI", "abc123"] {
            assert!(!clean.contains(secret), "{secret} left in: {clean}");
        }
        assert!(clean.starts_with("AccessDenied: request had X-Amz-Security-Token: [redacted] and"), "{clean}");
        assert!(clean.ends_with("&x=1"), "{clean}");
        assert!(matches!(redact("User: arn:aws:iam::1:user/x is not authorized"), Cow::Borrowed(_)));
        assert_eq!(redact("key ASIA1234567890ABCDEF."), "key [redacted].");
        assert_eq!(redact("AKIAshort and MASIA1234567890ABCDEF"), "AKIAshort and MASIA1234567890ABCDEF");
        register_secret("short");
        assert_eq!(redact("a short word"), "a short word");
    }
}
