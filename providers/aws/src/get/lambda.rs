//! Lambda, per region: every function with its function URLs and its resource-based
//! policy (who may invoke it). Code and environment variables are never asked for.

use aws_sdk_lambda::types::{FunctionConfiguration, FunctionUrlConfig};
use aws_sdk_lambda::Client;
use futures::future::join_all;

use auditgraph_model::AssetId;

use crate::all_pages;
use crate::calls::{Api, Recorder, SdkCall};

pub struct FunctionData {
    pub config: FunctionConfiguration,
    /// `None`: not read.
    pub urls: Option<Vec<FunctionUrlConfig>>,
    /// The policy's text; `Some(None)` when the function has none, `None`: not read.
    pub policy: Option<Option<String>>,
}

/// `None` when the listing failed.
pub type LambdaData = Option<Vec<FunctionData>>;

pub async fn read(rec: &Recorder, client: &Client, region: &str) -> LambdaData {
    let functions =
        rec.call(Api::new("lambda", "ListFunctions").in_region(region), all_pages!(client.list_functions()));
    let functions = functions.await?;
    let read = join_all(functions.into_iter().map(|config| async move {
        let name = config.function_name().unwrap_or_default().to_string();
        let arn = AssetId::new(config.function_arn().unwrap_or_default());
        let urls = rec.call(
            Api::new("lambda", "ListFunctionUrlConfigs").in_region(region).on(&arn),
            all_pages!(client.list_function_url_configs().function_name(&name)),
        );
        // A function nobody was granted anything on has no policy: Lambda answers
        // ResourceNotFoundException, a read of nothing.
        let policy = rec.call_optional(
            Api::new("lambda", "GetPolicy").in_region(region).on(&arn),
            &["ResourceNotFoundException"],
            client.get_policy().function_name(&name).send(),
        );
        let (urls, policy) = tokio::join!(urls, policy);
        FunctionData { config, urls, policy: policy.map(|p| p.and_then(|p| p.policy)) }
    }));
    Some(read.await)
}
