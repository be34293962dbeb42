//! auditgraph's AWS provider: reads accounts × regions read-only through the
//! official SDKs into one inventory per account. `session` finds credentials,
//! accounts and regions; `get` makes the calls (all of them Describe, List or Get);
//! `transform` maps what they return to the model; `calls` runs each call within
//! the shared budget (`auditgraph-crawl`) and turns every failure into a coverage
//! gap so the crawl goes on.

pub mod arn;
pub mod calls;
pub mod get;
pub mod session;
pub mod transform;

use auditgraph_model::{CoverageStatus, Inventory, Provider, ProviderError};
use futures::future::join_all;

use calls::{Api, Budget, Recorder, RequestCounter};
use get::{AccountData, RegionData};
use session::AccountSession;

pub use session::Connection;

/// What to crawl and how.
#[derive(Clone, Debug)]
pub struct AwsOptions {
    pub connection: Connection,
    /// Regions to read; empty: every region enabled for each account.
    pub regions: Vec<String>,
    /// Assume this role in every account of the organisation (or of `accounts`).
    pub org_role: Option<String>,
    /// With `org_role`: only these accounts.
    pub accounts: Vec<String>,
    pub external_id: Option<String>,
    /// API calls in flight at once, over all accounts and regions.
    pub concurrency: usize,
}

pub struct AwsProvider {
    pub options: AwsOptions,
}

/// What a crawl returned, and how many requests it took.
pub struct Crawl {
    pub inventories: Vec<Inventory>,
    pub requests: usize,
}

impl AwsProvider {
    /// Reads every account and region; an account that cannot be reached becomes an
    /// inventory holding only its coverage gap.
    pub async fn crawl(&self) -> Result<Crawl, ProviderError> {
        let o = &self.options;
        let budget = Budget::new("aws", "accounts", Some("regions"), o.concurrency);
        let base = session::base_config(&o.connection).await;
        let caller = session::caller(&base, &budget)
            .await
            .map_err(|e| ProviderError::Other(format!("aws: sts GetCallerIdentity (no usable credentials?): {e}")))?;
        // Without the organisation's list the scan still reads the caller's own
        // account, and says that the others were not listed.
        let mut org_gap = None;
        let accounts = match &o.org_role {
            None if !o.accounts.is_empty() => {
                return Err(ProviderError::Other("aws: --accounts needs --org-role, the role to assume in each".into()))
            }
            None => vec![caller.account.clone()],
            Some(_) if !o.accounts.is_empty() => o.accounts.clone(),
            Some(_) => match session::organization_accounts(&base, &budget).await {
                Ok(accounts) if !accounts.is_empty() => accounts,
                Ok(_) => {
                    org_gap = Some((CoverageStatus::Failed, "the organisation listed no active accounts".into()));
                    vec![caller.account.clone()]
                }
                Err(gap) => {
                    org_gap = Some(gap);
                    vec![caller.account.clone()]
                }
            },
        };
        budget.add_scopes(accounts.len());
        let collected_at = chrono::Utc::now();
        let mut inventories = join_all(accounts.iter().map(|account| {
            let (base, budget, caller, org_gap) = (&base, &budget, &caller, &org_gap);
            async move {
                let rec = Recorder::new(budget.clone());
                if let (Some((status, detail)), true) = (org_gap, *account == caller.account) {
                    rec.record(Api::new("organizations", "ListAccounts"), *status, Some(detail.clone()));
                }
                let inventory = self.account(base, rec, caller, account, collected_at).await;
                budget.scope_done();
                inventory
            }
        }))
        .await;
        budget.finish();
        inventories.sort_by(|a, b| a.scope.cmp(&b.scope));
        Ok(Crawl { inventories, requests: budget.requests() })
    }

    async fn account(
        &self,
        base: &aws_config::SdkConfig,
        rec: Recorder,
        caller: &session::Caller,
        account: &str,
        collected_at: chrono::DateTime<chrono::Utc>,
    ) -> Inventory {
        let o = &self.options;
        let budget = rec.budget().clone();
        let config = match &o.org_role {
            Some(role) if account != caller.account => {
                match session::assume(base, account, role, o.external_id.as_deref(), &budget).await {
                    Ok(assumed) => Some(assumed),
                    Err(e) => {
                        let detail = format!("assuming role {role}: {e}");
                        rec.record(Api::new("sts", "AssumeRole"), CoverageStatus::AccessDenied, Some(detail));
                        None
                    }
                }
            }
            _ => Some((base.clone(), caller.clone())),
        };
        let Some((config, read_as)) = config else {
            return empty_inventory(account, rec, collected_at);
        };
        let session = AccountSession {
            account_id: account.to_string(),
            config,
            endpoint_url: o.connection.endpoint_url.clone(),
            budget: budget.clone(),
        };

        let regions = if o.regions.is_empty() {
            match session::enabled_regions(&session).await {
                Ok(regions) => regions,
                Err(e) => {
                    rec.record(Api::new("ec2", "DescribeRegions"), CoverageStatus::Failed, Some(e));
                    return empty_inventory(account, rec, collected_at);
                }
            }
        } else {
            o.regions.clone()
        };
        budget.add_parts(regions.len());
        let iam_client = client!(aws_sdk_iam, &session.global(), session.counter());
        // The scan's own credentials may list the organisation's policies (they must be
        // the management account's): asked for every account, denied when they are not.
        let own_org = client!(aws_sdk_organizations, &session.global(), session.counter());
        let management_org = client!(aws_sdk_organizations, base, RequestCounter(budget.clone()));
        let (iam, s3, regions, organization) = tokio::join!(
            get::iam::read(&rec, &iam_client, account),
            get::s3::read(&rec, &session),
            join_all(regions.iter().map(|r| region(&rec, &session, r))),
            get::organizations::read(&rec, &own_org, &management_org, account),
        );
        let data =
            AccountData { account_id: account.to_string(), read_as: read_as.arn, iam, s3, regions, organization };
        transform::inventory(&data, rec.into_records(), collected_at)
    }
}

/// Reads one region of one account; its services run at the same time.
async fn region(rec: &Recorder, session: &AccountSession, region: &str) -> RegionData {
    let config = session.in_region(region);
    let ec2 = client!(aws_sdk_ec2, &config, session.counter());
    let elb = client!(aws_sdk_elasticloadbalancingv2, &config, session.counter());
    let rds = client!(aws_sdk_rds, &config, session.counter());
    let kms = client!(aws_sdk_kms, &config, session.counter());
    let cloudtrail = client!(aws_sdk_cloudtrail, &config, session.counter());
    let secretsmanager = client!(aws_sdk_secretsmanager, &config, session.counter());
    let acm = client!(aws_sdk_acm, &config, session.counter());
    let lambda = client!(aws_sdk_lambda, &config, session.counter());
    let dynamodb = client!(aws_sdk_dynamodb, &config, session.counter());
    let backup = client!(aws_sdk_backup, &config, session.counter());
    let redshift = client!(aws_sdk_redshift, &config, session.counter());
    let elasticache = client!(aws_sdk_elasticache, &config, session.counter());
    let detective = get::monitoring::Clients {
        guardduty: client!(aws_sdk_guardduty, &config, session.counter()),
        config: client!(aws_sdk_config, &config, session.counter()),
        securityhub: client!(aws_sdk_securityhub, &config, session.counter()),
    };
    let account = arn::account(&session.account_id);
    let (
        ec2,
        elb,
        rds,
        kms,
        trails,
        monitoring,
        secrets,
        certificates,
        functions,
        tables,
        backup,
        redshift,
        elasticache,
    ) = tokio::join!(
        get::ec2::read(rec, &ec2, region, &account),
        get::elb::read(rec, &elb, region),
        get::rds::read(rec, &rds, region),
        get::kms::read(rec, &kms, region),
        get::cloudtrail::read(rec, &cloudtrail, region),
        get::monitoring::read(rec, &detective, region, &account),
        get::secrets::read(rec, &secretsmanager, region),
        get::acm::read(rec, &acm, region),
        get::lambda::read(rec, &lambda, region),
        get::dynamodb::read(rec, &dynamodb, region, &session.account_id),
        get::backup::read(rec, &backup, region),
        get::redshift::read(rec, &redshift, region, &session.account_id),
        get::elasticache::read(rec, &elasticache, region),
    );
    session.budget.part_done();
    RegionData {
        region: region.to_string(),
        ec2,
        elb,
        rds,
        kms,
        trails,
        monitoring,
        secrets,
        certificates,
        functions,
        tables,
        backup,
        redshift,
        elasticache,
    }
}

fn empty_inventory(account: &str, rec: Recorder, collected_at: chrono::DateTime<chrono::Utc>) -> Inventory {
    Inventory {
        cloud: auditgraph_model::Cloud::Aws,
        scope: account.to_string(),
        collected_at,
        // Nobody read it: the account could not be reached.
        collected_by: None,
        assets: Vec::new(),
        relations: Vec::new(),
        coverage: rec.into_records(),
    }
}

impl Provider for AwsProvider {
    fn name(&self) -> String {
        "aws".into()
    }

    fn collect(&self) -> Result<Vec<Inventory>, ProviderError> {
        let started = std::time::Instant::now();
        let crawl = auditgraph_crawl::block_on("aws", self.crawl())?;
        let summary =
            auditgraph_crawl::summary_line("aws", "accounts", &crawl.inventories, started.elapsed(), crawl.requests);
        eprintln!("{summary}");
        Ok(crawl.inventories)
    }
}
