//! Lambda functions to model assets: their role, network placement, function URLs
//! and resource-based policy.

use auditgraph_model::policy::PolicyDocument;
use auditgraph_model::{aws, AssetId, Attributes};

use super::Out;
use crate::arn::ec2_arn;
use crate::get::lambda::LambdaData;

pub fn transform(out: &mut Out, functions: &LambdaData, region: &str) {
    let account = out.account.clone();
    for f in functions.iter().flatten() {
        let c = &f.config;
        let (Some(arn), Some(name)) = (c.function_arn(), c.function_name()) else { continue };
        let id = AssetId::new(arn);
        let vpc = c.vpc_config();
        let ec2 = |kind: &str, ids: &[String]| -> Vec<AssetId> {
            ids.iter().map(|i| AssetId::new(ec2_arn(region, &account, kind, i))).collect()
        };
        let policy = match &f.policy {
            Some(Some(text)) => out.policy(&id, ("lambda", "GetPolicy", Some(region)), text),
            Some(None) => Some(PolicyDocument::default()),
            None => None,
        };
        let urls = f.urls.as_ref().map(|urls| {
            urls.iter()
                .map(|u| aws::FunctionUrl {
                    url: u.function_url().to_string(),
                    auth_type: u.auth_type().as_str().to_string(),
                })
                .collect()
        });
        let attrs = aws::LambdaFunction {
            runtime: c.runtime().map(|r| r.as_str().to_string()),
            role: c.role().map(AssetId::new),
            subnets: vpc.map(|v| ec2("subnet", v.subnet_ids())).unwrap_or_default(),
            security_groups: vpc.map(|v| ec2("security-group", v.security_group_ids())).unwrap_or_default(),
            function_urls: urls,
            policy,
        };
        out.add(id, name.to_string(), Some(region), Default::default(), Attributes::AwsLambdaFunction(attrs));
    }
}
