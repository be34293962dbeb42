//! The names a control may select below an asset's attributes: every field (and
//! enum variant) of the typed values the model holds, read from their serde
//! derives, so that a misspelt nested name (`s.Actions` for `s.Action`) is refused
//! when the control loads instead of reading as absent on every asset.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use crate::kind::field_names;
use crate::{aws, gcp, policy};

/// Fields whose values are maps with keys of the data's own choosing (a policy's
/// condition operators and keys, an asset's tags): any name may be selected below them.
pub const MAP_FIELDS: &[&str] = &["Condition", "tags"];

/// Every field and variant name of the model's nested types.
pub fn nested_names() -> &'static BTreeSet<&'static str> {
    static NAMES: OnceLock<BTreeSet<&'static str>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let lists: &[&[&str]] = &[
            field_names::<aws::PasswordPolicy>(),
            field_names::<aws::Route>(),
            field_names::<aws::RouteTargetKind>(),
            field_names::<aws::NaclEntry>(),
            field_names::<aws::SgRule>(),
            field_names::<aws::SgPeer>(),
            field_names::<aws::AclGrant>(),
            field_names::<aws::PublicAccessBlock>(),
            field_names::<aws::BucketEncryption>(),
            field_names::<aws::Listener>(),
            field_names::<aws::ListenerAction>(),
            field_names::<aws::Target>(),
            field_names::<aws::InlinePolicy>(),
            field_names::<gcp::IamBinding>(),
            field_names::<gcp::FirewallMatch>(),
            field_names::<gcp::GcpNetworkInterface>(),
            field_names::<gcp::AuthorizedNetwork>(),
            field_names::<policy::PolicyDocument>(),
            field_names::<policy::Statement>(),
            field_names::<policy::Effect>(),
            &policy::PRINCIPAL_TYPES,
            // The fields of `ListenerAction::Redirect` and `::FixedResponse`.
            &["protocol", "port", "status"],
        ];
        lists.iter().flat_map(|l| l.iter().copied()).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_names_come_from_the_types() {
        let names = nested_names();
        for name in
            ["Statement", "Effect", "Action", "NotPrincipal", "AWS", "cidr", "rule_number", "members", "forward"]
        {
            assert!(names.contains(name), "{name}");
        }
        assert!(!names.contains("Actions"));
    }
}
