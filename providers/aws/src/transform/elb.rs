//! Load balancers (with listeners) and target groups (with targets) to model assets.

use std::collections::{BTreeMap, HashMap};

use auditgraph_model::aws::{self, ListenerAction, Target};
use auditgraph_model::{AssetId, Attributes};
use aws_sdk_elasticloadbalancingv2::types::{Action, ActionTypeEnum};

use super::Out;
use crate::arn::ec2_arn;
use crate::get::elb::ElbData;

pub fn transform(out: &mut Out, d: &ElbData, region: &str) {
    let account = out.account.clone();
    let ec2 = |kind: &str, id: &str| AssetId::new(ec2_arn(region, &account, kind, id));
    // `ip` targets name an address: the target is the interface that holds it.
    let interfaces: HashMap<String, AssetId> = out
        .assets
        .iter()
        .filter(|a| a.region.as_deref() == Some(region))
        .filter_map(|a| match &a.attributes {
            Attributes::AwsNetworkInterface(eni) => {
                Some(eni.private_ips.iter().map(|ip| (ip.to_string(), a.id.clone())))
            }
            _ => None,
        })
        .flatten()
        .collect();
    let r = Some(region);

    for (lb, listeners) in d.load_balancers.iter().flatten() {
        let (Some(arn), Some(vpc)) = (lb.load_balancer_arn(), lb.vpc_id()) else { continue };
        let attribute = |key: &str| d.attributes.get(arn).and_then(|a| a.get(key)).map(|v| v == "true");
        let listeners = listeners.iter().flatten().filter_map(|l| {
            Some(aws::Listener {
                port: u16::try_from(l.port()?).ok()?,
                protocol: l.protocol()?.as_str().to_string(),
                ssl_policy: l.ssl_policy().map(str::to_string),
                default_action: listener_action(l.default_actions())?,
            })
        });
        let attrs = aws::LoadBalancer {
            lb_type: lb.r#type().map(|t| t.as_str().to_string()).unwrap_or_else(|| "application".into()),
            internet_facing: lb.scheme().is_some_and(|s| s.as_str() == "internet-facing"),
            dns_name: lb.dns_name().map(str::to_string),
            vpc: ec2("vpc", vpc),
            subnets: lb.availability_zones().iter().filter_map(|z| Some(ec2("subnet", z.subnet_id()?))).collect(),
            security_groups: lb.security_groups().iter().map(|g| ec2("security-group", g)).collect(),
            listeners: listeners.collect(),
            access_logs: attribute("access_logs.s3.enabled"),
            deletion_protection: attribute("deletion_protection.enabled"),
            drops_invalid_headers: attribute("routing.http.drop_invalid_header_fields.enabled"),
        };
        let name = lb.load_balancer_name().unwrap_or(arn).to_string();
        out.add(AssetId::new(arn), name, r, BTreeMap::new(), Attributes::AwsLoadBalancer(attrs));
    }

    for (tg, targets) in d.target_groups.iter().flatten() {
        let (Some(arn), Some(vpc)) = (tg.target_group_arn(), tg.vpc_id()) else { continue };
        let target_type = tg.target_type().map(|t| t.as_str().to_string()).unwrap_or_else(|| "instance".into());
        let default_port = tg.port().and_then(|p| u16::try_from(p).ok()).unwrap_or(0);
        let targets = targets.iter().flatten().filter_map(|t| {
            let desc = t.target()?;
            let raw = desc.id()?;
            let id = match target_type.as_str() {
                "instance" => ec2("instance", raw),
                "ip" => interfaces.get(raw).cloned().unwrap_or_else(|| AssetId::new(raw)),
                _ => AssetId::new(raw),
            };
            let port = desc.port().and_then(|p| u16::try_from(p).ok()).unwrap_or(default_port);
            let health = t.target_health().and_then(|h| h.state()).map(|s| s.as_str().to_string());
            Some(Target { id, port, health })
        });
        let targets = targets.collect();
        let attrs = aws::TargetGroup {
            protocol: tg.protocol().map(|p| p.as_str().to_string()).unwrap_or_default(),
            port: default_port,
            vpc: ec2("vpc", vpc),
            target_type,
            targets,
        };
        let name = tg.target_group_name().unwrap_or(arn).to_string();
        out.add(AssetId::new(arn), name, r, BTreeMap::new(), Attributes::AwsTargetGroup(attrs));
    }
}

/// The action a listener takes by default (the last in order, as AWS applies them).
fn listener_action(actions: &[Action]) -> Option<ListenerAction> {
    let action = actions.iter().max_by_key(|a| a.order().unwrap_or(0))?;
    match action.r#type()? {
        ActionTypeEnum::Forward => {
            let mut groups: Vec<AssetId> = action.target_group_arn().map(AssetId::new).into_iter().collect();
            if let Some(config) = action.forward_config() {
                groups.extend(config.target_groups().iter().filter_map(|g| g.target_group_arn().map(AssetId::new)));
            }
            groups.sort();
            groups.dedup();
            Some(ListenerAction::Forward(groups))
        }
        ActionTypeEnum::Redirect => {
            let redirect = action.redirect_config()?;
            Some(ListenerAction::Redirect {
                protocol: redirect.protocol().unwrap_or("#{protocol}").to_string(),
                port: redirect.port().and_then(|p| p.parse().ok()),
            })
        }
        ActionTypeEnum::FixedResponse => {
            let status = action.fixed_response_config()?.status_code()?.parse().ok()?;
            Some(ListenerAction::FixedResponse { status })
        }
        _ => None,
    }
}
