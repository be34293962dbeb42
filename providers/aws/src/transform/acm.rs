//! ACM certificates to model assets: whether each is used, and when it expires.

use auditgraph_model::{aws, AssetId, Attributes};

use super::{time, Out};
use crate::get::acm::AcmData;

pub fn transform(out: &mut Out, certificates: &AcmData, region: &str) {
    for c in certificates.iter().flatten() {
        let Some(arn) = c.certificate_arn() else { continue };
        let domain = c.domain_name().unwrap_or_default().to_string();
        let attrs = aws::AcmCertificate {
            domain: domain.clone(),
            status: c.status().map(|s| s.as_str().to_string()).unwrap_or_default(),
            certificate_type: c.r#type().map(|t| t.as_str().to_string()).unwrap_or_default(),
            in_use: c.in_use().unwrap_or(false),
            not_after: c.not_after().and_then(time),
            renewal_eligibility: c.renewal_eligibility().map(|r| r.as_str().to_string()),
        };
        out.add(AssetId::new(arn), domain, Some(region), Default::default(), Attributes::AwsAcmCertificate(attrs));
    }
}
