//! Elastic Load Balancing v2, per region: load balancers with their listeners and
//! attributes (access logs, deletion protection, header handling), and target
//! groups with the health of each registered target.

use std::collections::HashMap;

use auditgraph_model::AssetId;
use aws_sdk_elasticloadbalancingv2::types::{Listener, LoadBalancer, TargetGroup, TargetHealthDescription};
use aws_sdk_elasticloadbalancingv2::Client;
use futures::future::join_all;

use crate::all_pages;
use crate::calls::{Api, Recorder, SdkCall};

#[derive(Default)]
pub struct ElbData {
    /// Each load balancer with its listeners (`None`: they could not be read).
    pub load_balancers: Option<Vec<(LoadBalancer, Option<Vec<Listener>>)>>,
    /// Each target group with its targets (`None`: they could not be read).
    pub target_groups: Option<Vec<(TargetGroup, Option<Vec<TargetHealthDescription>>)>>,
    /// Each load balancer's attributes by its ARN, key to value (absent: not read).
    pub attributes: HashMap<String, HashMap<String, String>>,
}

pub async fn read(rec: &Recorder, elb: &Client, region: &str) -> ElbData {
    let (load_balancers, target_groups) = tokio::join!(
        rec.call(
            Api::new("elasticloadbalancing", "DescribeLoadBalancers").in_region(region),
            all_pages!(elb.describe_load_balancers())
        ),
        rec.call(
            Api::new("elasticloadbalancing", "DescribeTargetGroups").in_region(region),
            all_pages!(elb.describe_target_groups())
        ),
    );
    // The ARNs, copied: the listeners' reads take the load balancers themselves.
    let arns: Vec<AssetId> =
        load_balancers.iter().flatten().filter_map(|lb| Some(AssetId::new(lb.load_balancer_arn()?))).collect();
    let listeners = async {
        let lbs = load_balancers?;
        let listeners = join_all(lbs.iter().map(|lb| async move {
            let arn = AssetId::new(lb.load_balancer_arn().unwrap_or_default());
            let api = Api::new("elasticloadbalancing", "DescribeListeners").in_region(region).on(&arn);
            rec.call(api, all_pages!(elb.describe_listeners().load_balancer_arn(arn.as_str()))).await
        }))
        .await;
        Some(lbs.into_iter().zip(listeners).collect())
    };
    let targets = async {
        let groups = target_groups?;
        let targets = join_all(groups.iter().map(|tg| async move {
            let arn = AssetId::new(tg.target_group_arn().unwrap_or_default());
            let api = Api::new("elasticloadbalancing", "DescribeTargetHealth").in_region(region).on(&arn);
            let out = rec.call(api, elb.describe_target_health().target_group_arn(arn.as_str()).send()).await?;
            Some(out.target_health_descriptions.unwrap_or_default())
        }))
        .await;
        Some(groups.into_iter().zip(targets).collect())
    };
    let attributes = join_all(arns.iter().map(|arn| async move {
        let api = Api::new("elasticloadbalancing", "DescribeLoadBalancerAttributes").in_region(region).on(arn);
        let out = rec.call(api, elb.describe_load_balancer_attributes().load_balancer_arn(arn.as_str()).send()).await?;
        let pairs = out.attributes().iter().filter_map(|a| Some((a.key()?.to_string(), a.value()?.to_string())));
        Some((arn.as_str().to_string(), pairs.collect()))
    }));
    let (load_balancers, target_groups, attributes) = tokio::join!(listeners, targets, attributes);
    let attributes = attributes.into_iter().flatten().collect();
    ElbData { load_balancers, target_groups, attributes }
}
