//! ACM, per region: every certificate with its status, use and expiry.

use aws_sdk_acm::types::{CertificateSummary, Filters, KeyAlgorithm};
use aws_sdk_acm::Client;

use crate::all_pages;
use crate::calls::{Api, Recorder, SdkCall};

/// `None` when the listing failed.
pub type AcmData = Option<Vec<CertificateSummary>>;

pub async fn read(rec: &Recorder, client: &Client, region: &str) -> AcmData {
    // Without a key-type filter ACM lists RSA-1024 and RSA-2048 certificates only,
    // so every key type is asked for.
    let every_key_type = Filters::builder()
        .set_key_types(Some(KeyAlgorithm::values().iter().map(|k| KeyAlgorithm::from(*k)).collect()))
        .build();
    let request = client.list_certificates().includes(every_key_type);
    rec.call(Api::new("acm", "ListCertificates").in_region(region), all_pages!(request)).await
}
