"""Seeds a moto server with an AWS estate that has known problems, for the AWS
provider tests and benchmark. Prints what it created as JSON on stdout.

    python tests/aws_seed.py ENDPOINT estate       # an organisation: two accounts, two regions
    python tests/aws_seed.py ENDPOINT denied       # one account and an auditor who may not read RDS
    python tests/aws_seed.py ENDPOINT bulk N       # N application stacks, for the benchmark

Planted in `estate` (the tests assert each): SSH open to the internet on a bastion
with a public address; an unencrypted Postgres database with one day of backups,
reachable from that bastion; an internet-facing load balancer with a plain HTTP
listener in front of an app instance; a bucket public by policy; a public,
unencrypted EBS snapshot; an unencrypted volume; a console user without MFA in an
admin group; a role an outside account may assume without an ExternalId; a customer
KMS key without rotation; a public, unencrypted manual RDS snapshot; GuardDuty,
AWS Config (all resource types) and Security Hub on in us-east-1 only (eu-west-1's
recorder takes one type); a secret that never rotates beside one that does; an
imported certificate 10 days from expiry beside a requested EC certificate; a Lambda
function with an unauthenticated URL that anyone may invoke beside one only S3 may; a
DynamoDB table without point-in-time recovery or deletion protection beside one with
both; an AWS Backup plan; in the staging account, RDP open to the internet.
"""

import datetime
import json
import sys

import boto3

MANAGEMENT = "123456789012"
REGIONS = ("us-east-1", "eu-west-1")
# moto accepts any key; these never reach AWS.
KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


class Account:
    def __init__(self, endpoint, keys):
        self.endpoint = endpoint
        self.keys = keys

    def client(self, service, region="us-east-1"):
        return boto3.client(service, endpoint_url=self.endpoint, region_name=region, **self.keys)


def tag(name):
    return [{"Key": "Name", "Value": name}]


def vpc_with_subnets(ec2, name, cidr, subnets, public):
    """A VPC, its subnets (name -> (cidr, az)), and for `public` ones an internet route."""
    vpc = ec2.create_vpc(CidrBlock=cidr, TagSpecifications=[{"ResourceType": "vpc", "Tags": tag(name)}])["Vpc"]["VpcId"]
    ids = {}
    for sub, (sub_cidr, az) in subnets.items():
        ids[sub] = ec2.create_subnet(
            VpcId=vpc, CidrBlock=sub_cidr, AvailabilityZone=az,
            TagSpecifications=[{"ResourceType": "subnet", "Tags": tag(sub)}],
        )["Subnet"]["SubnetId"]
    if public:
        igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
        rt = ec2.create_route_table(VpcId=vpc, TagSpecifications=[{"ResourceType": "route-table", "Tags": tag(f"{name}-public")}])
        rt = rt["RouteTable"]["RouteTableId"]
        ec2.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
        for sub in public:
            ec2.associate_route_table(RouteTableId=rt, SubnetId=ids[sub])
    return vpc, ids


def security_group(ec2, vpc, name, rules):
    """rules: (port, source) with source a CIDR or a security group id."""
    sg = ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
    perms = []
    for port, source in rules:
        perm = {"IpProtocol": "tcp", "FromPort": port, "ToPort": port}
        if source.startswith("sg-"):
            perm["UserIdGroupPairs"] = [{"GroupId": source}]
        else:
            perm["IpRanges"] = [{"CidrIp": source}]
        perms.append(perm)
    if perms:
        ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=perms)
    return sg


def instance(ec2, name, subnet, groups, public_ip=False, profile=None):
    """Groups are given on the interface, as consoles and Terraform often do."""
    args = dict(
        ImageId="ami-12345678", InstanceType="t3.micro", MinCount=1, MaxCount=1,
        NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet, "Groups": groups, "AssociatePublicIpAddress": public_ip}],
        TagSpecifications=[{"ResourceType": "instance", "Tags": tag(name)}],
    )
    if profile:
        args["IamInstanceProfile"] = {"Name": profile}
    return ec2.run_instances(**args)["Instances"][0]["InstanceId"]


def seed_management(acct, out):
    iam = acct.client("iam")
    ec2 = acct.client("ec2")
    vpc, subnets = vpc_with_subnets(ec2, "prod", "10.0.0.0/16", {
        "prod-public-a": ("10.0.1.0/24", "us-east-1a"),
        "prod-public-b": ("10.0.4.0/24", "us-east-1b"),
        "prod-private-a": ("10.0.2.0/24", "us-east-1a"),
        "prod-private-b": ("10.0.3.0/24", "us-east-1b"),
    }, public=["prod-public-a", "prod-public-b"])
    web = security_group(ec2, vpc, "prod-bastion", [(22, "0.0.0.0/0")])
    lb_sg = security_group(ec2, vpc, "prod-alb", [(80, "0.0.0.0/0")])
    app_sg = security_group(ec2, vpc, "prod-app", [(8080, lb_sg)])
    db_sg = security_group(ec2, vpc, "prod-db", [(5432, web), (5432, app_sg)])

    iam.create_role(RoleName="prod-app", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    iam.create_instance_profile(InstanceProfileName="prod-app")
    iam.add_role_to_instance_profile(InstanceProfileName="prod-app", RoleName="prod-app")
    bastion = instance(ec2, "prod-bastion", subnets["prod-public-a"], [web], public_ip=True)
    app = instance(ec2, "prod-app", subnets["prod-private-a"], [app_sg], profile="prod-app")
    out["instances"] = {"prod-bastion": bastion, "prod-app": app}

    elb = acct.client("elbv2")
    lb = elb.create_load_balancer(Name="prod-web", Subnets=[subnets["prod-public-a"], subnets["prod-public-b"]],
                                  SecurityGroups=[lb_sg], Scheme="internet-facing", Type="application")
    lb_arn = lb["LoadBalancers"][0]["LoadBalancerArn"]
    elb.modify_load_balancer_attributes(LoadBalancerArn=lb_arn, Attributes=[
        {"Key": "access_logs.s3.enabled", "Value": "true"},
        {"Key": "access_logs.s3.bucket", "Value": "northwind-audit-logs"},
        {"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "false"}])
    tg = elb.create_target_group(Name="prod-app", Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="instance")
    tg_arn = tg["TargetGroups"][0]["TargetGroupArn"]
    elb.register_targets(TargetGroupArn=tg_arn, Targets=[{"Id": app, "Port": 8080}])
    elb.create_listener(LoadBalancerArn=lb_arn, Protocol="HTTP", Port=80,
                        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg_arn}])
    out["load_balancer"] = lb_arn

    rds = acct.client("rds")
    rds.create_db_subnet_group(DBSubnetGroupName="prod-db", DBSubnetGroupDescription="prod",
                               SubnetIds=[subnets["prod-private-a"], subnets["prod-private-b"]])
    rds.create_db_instance(DBInstanceIdentifier="prod-customers", Engine="postgres", DBInstanceClass="db.t3.micro",
                           AllocatedStorage=20, MasterUsername="app", MasterUserPassword="not-a-secret-1",
                           DBSubnetGroupName="prod-db", VpcSecurityGroupIds=[db_sg], StorageEncrypted=False,
                           BackupRetentionPeriod=1, PubliclyAccessible=False, Port=5432,
                           DeletionProtection=False, AutoMinorVersionUpgrade=False)

    warehouses_and_caches(acct, out, vpc, subnets, web, app_sg)

    volume = ec2.create_volume(Size=10, AvailabilityZone="us-east-1a", Encrypted=False,
                               TagSpecifications=[{"ResourceType": "volume", "Tags": tag("prod-app-data")}])["VolumeId"]
    ec2.attach_volume(VolumeId=volume, InstanceId=app, Device="/dev/sdf")
    snapshot = ec2.create_snapshot(VolumeId=volume, Description="prod-app-data")["SnapshotId"]
    ec2.modify_snapshot_attribute(SnapshotId=snapshot, Attribute="createVolumePermission",
                                  OperationType="add", GroupNames=["all"])
    out["volume"], out["snapshot"] = volume, snapshot

    s3 = acct.client("s3")
    s3.create_bucket(Bucket="northwind-public-assets")
    s3.put_bucket_policy(Bucket="northwind-public-assets", Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                       "Resource": "arn:aws:s3:::northwind-public-assets/*"}]}))
    # The trail's bucket keeps every log file under Object Lock.
    s3.create_bucket(Bucket="northwind-audit-logs", ObjectLockEnabledForBucket=True)
    # The prod VPC's traffic is logged; the staging VPC's is not.
    logged = ec2.create_flow_logs(ResourceIds=[vpc], ResourceType="VPC", TrafficType="ALL", LogDestinationType="s3",
                                  LogDestination="arn:aws:s3:::northwind-audit-logs")
    assert not logged["Unsuccessful"], logged["Unsuccessful"]
    s3.put_bucket_encryption(Bucket="northwind-audit-logs", ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]})
    s3.put_public_access_block(Bucket="northwind-audit-logs", PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    s3.put_bucket_versioning(Bucket="northwind-audit-logs", VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_tagging(Bucket="northwind-audit-logs", Tagging={"TagSet": [{"Key": "data", "Value": "audit"}]})

    # Any AWS account may upload: an ACL grant to AuthenticatedUsers, besides the owner's own.
    s3.create_bucket(Bucket="northwind-partner-inbox")
    owner = s3.get_bucket_acl(Bucket="northwind-partner-inbox")["Owner"]
    s3.put_bucket_acl(Bucket="northwind-partner-inbox", AccessControlPolicy={"Owner": owner, "Grants": [
        {"Grantee": {"Type": "CanonicalUser", "ID": owner["ID"]}, "Permission": "FULL_CONTROL"},
        {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"},
         "Permission": "WRITE"}]})

    iam.create_group(GroupName="Admins")
    iam.attach_group_policy(GroupName="Admins", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    iam.create_user(UserName="alice")
    iam.create_login_profile(UserName="alice", Password="not-a-secret-2")
    iam.add_user_to_group(GroupName="Admins", UserName="alice")
    iam.create_user(UserName="ci-deploy")
    iam.create_access_key(UserName="ci-deploy")
    # The deployer role's own policy allows all of S3; its permissions boundary only
    # reading. ci-deploy may assume it. (moto bounds roles, not users.)
    all_s3 = iam.create_policy(PolicyName="all-of-s3", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))["Policy"]["Arn"]
    read_only = iam.create_policy(PolicyName="s3-read-boundary", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "*"}]}))["Policy"]["Arn"]
    ci_arn = iam.get_user(UserName="ci-deploy")["User"]["Arn"]
    iam.create_role(RoleName="deployer", PermissionsBoundary=read_only, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": ci_arn}, "Action": "sts:AssumeRole"}]}))
    iam.attach_role_policy(RoleName="deployer", PolicyArn=all_s3)
    out["boundary"] = read_only
    # report-runner's policy once allowed everything (v1); its default (v2) reads S3
    # and lets it choose the default version: it can make v1 the default again.
    runner_policy = iam.create_policy(PolicyName="report-runner", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))["Policy"]["Arn"]
    iam.create_policy_version(PolicyArn=runner_policy, SetAsDefault=True, PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
                      {"Effect": "Allow", "Action": "iam:SetDefaultPolicyVersion", "Resource": runner_policy}]}))
    iam.create_user(UserName="report-runner")
    iam.attach_user_policy(UserName="report-runner", PolicyArn=runner_policy)
    iam.create_role(RoleName="vendor-audit", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
                       "Action": "sts:AssumeRole"}]}))
    iam.update_account_password_policy(MinimumPasswordLength=8, PasswordReusePrevention=5)

    kms = acct.client("kms")
    key = kms.create_key(Description="prod-data")["KeyMetadata"]["Arn"]
    kms.create_alias(AliasName="alias/prod-data", TargetKeyId=key)
    out["key_without_rotation"] = key
    # An asymmetric signing key cannot rotate automatically: outside the rotation control.
    signing = kms.create_key(Description="prod-signing", KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")
    kms.create_alias(AliasName="alias/prod-signing", TargetKeyId=signing["KeyMetadata"]["Arn"])
    out["signing_key"] = signing["KeyMetadata"]["Arn"]
    # Its policy lets any AWS account verify signatures with it: a public key policy.
    kms.put_key_policy(KeyId=signing["KeyMetadata"]["KeyId"], PolicyName="default", Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Sid": "Owner", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{signing['KeyMetadata']['AWSAccountId']}:root"},
             "Action": "kms:*", "Resource": "*"},
            {"Sid": "AnyoneVerifies", "Effect": "Allow", "Principal": "*", "Action": ["kms:Verify", "kms:DescribeKey"],
             "Resource": "*"}]}))

    trail = acct.client("cloudtrail")
    trail.create_trail(Name="org-audit", S3BucketName="northwind-audit-logs", IsMultiRegionTrail=True,
                       EnableLogFileValidation=True)
    trail.start_logging(Name="org-audit")
    # Object writes in every bucket; no reads.
    trail.put_event_selectors(TrailName="org-audit", EventSelectors=[
        {"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True,
         "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}]}])

    snapshot = rds.create_db_snapshot(DBSnapshotIdentifier="prod-customers-before-upgrade",
                                      DBInstanceIdentifier="prod-customers")["DBSnapshot"]
    rds.modify_db_snapshot_attribute(DBSnapshotIdentifier="prod-customers-before-upgrade", AttributeName="restore",
                                     ValuesToAdd=["all"])
    out["rds_snapshot"] = snapshot["DBSnapshotArn"]
    detective_services(acct, out)
    secrets_and_certificates(acct, out)
    serverless_and_backups(acct, out)

    # New volumes are encrypted by default in us-east-1, not in eu-west-1.
    acct.client("ec2").enable_ebs_encryption_by_default()

    # The second region: a private worker with an encrypted volume and a rotating key.
    ec2_eu = acct.client("ec2", "eu-west-1")
    vpc_eu, subnets_eu = vpc_with_subnets(ec2_eu, "prod-eu", "10.1.0.0/16",
                                          {"prod-eu-private": ("10.1.1.0/24", "eu-west-1a")}, public=[])
    worker_sg = security_group(ec2_eu, vpc_eu, "prod-eu-worker", [])
    out["instances"]["prod-eu-worker"] = instance(ec2_eu, "prod-eu-worker", subnets_eu["prod-eu-private"], [worker_sg])
    kms_eu = acct.client("kms", "eu-west-1")
    key_eu = kms_eu.create_key(Description="prod-eu")["KeyMetadata"]["Arn"]
    kms_eu.enable_key_rotation(KeyId=key_eu)
    ec2_eu.create_volume(Size=10, AvailabilityZone="eu-west-1a", Encrypted=True, KmsKeyId=key_eu)
    out["key_with_rotation"] = key_eu


def detective_services(acct, out):
    """GuardDuty, Config and Security Hub watch us-east-1; in eu-west-1 no detector,
    no hub, and a recorder that records instances only."""
    acct.client("guardduty").create_detector(Enable=True)
    acct.client("securityhub").enable_security_hub()
    for region, group in (("us-east-1", {"allSupported": True, "includeGlobalResourceTypes": True}),
                          ("eu-west-1", {"allSupported": False, "resourceTypes": ["AWS::EC2::Instance"]})):
        config = acct.client("config", region)
        config.put_configuration_recorder(ConfigurationRecorder={
            "name": "default", "roleARN": f"arn:aws:iam::{MANAGEMENT}:role/config", "recordingGroup": group})
        config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "northwind-audit-logs"})
        config.start_configuration_recorder(ConfigurationRecorderName="default")


def secrets_and_certificates(acct, out):
    secrets = acct.client("secretsmanager")
    out["secret_without_rotation"] = secrets.create_secret(Name="prod/db-master", SecretString="not-a-secret-4")["ARN"]
    rotating = secrets.create_secret(Name="prod/api-token", SecretString="not-a-secret-5")["ARN"]
    secrets.rotate_secret(SecretId=rotating, RotationRules={"AutomaticallyAfterDays": 30})
    out["secret_with_rotation"] = rotating

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "legacy.northwind.example")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=355))
            .not_valid_after(now + datetime.timedelta(days=10)).sign(key, hashes.SHA256()))
    acm = acct.client("acm")
    out["expiring_certificate"] = acm.import_certificate(
        Certificate=cert.public_bytes(serialization.Encoding.PEM),
        PrivateKey=key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                     serialization.NoEncryption()))["CertificateArn"]
    out["ec_certificate"] = acm.request_certificate(DomainName="app.northwind.example",
                                                    KeyAlgorithm="EC_prime256v1")["CertificateArn"]


def seed_staging(acct, out):
    ec2 = acct.client("ec2")
    vpc, subnets = vpc_with_subnets(ec2, "staging", "10.2.0.0/16", {"staging-public": ("10.2.1.0/24", "us-east-1a")},
                                    public=["staging-public"])
    rdp = security_group(ec2, vpc, "staging-rdp", [(3389, "0.0.0.0/0")])
    out["instances"]["staging-windows"] = instance(ec2, "staging-windows", subnets["staging-public"], [rdp], public_ip=True)
    s3 = acct.client("s3")
    s3.create_bucket(Bucket="northwind-staging-data")
    s3.put_bucket_encryption(Bucket="northwind-staging-data", ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    iam = acct.client("iam")
    iam.create_user(UserName="staging-ci")
    iam.put_user_policy(UserName="staging-ci", PolicyName="all-of-s3", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))


def assume(endpoint, account, role):
    sts = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1", **KEYS)
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{role}", RoleSessionName="seed")["Credentials"]
    return {"aws_access_key_id": creds["AccessKeyId"], "aws_secret_access_key": creds["SecretAccessKey"],
            "aws_session_token": creds["SessionToken"]}


def warehouses_and_caches(acct, out, vpc, subnets, web, app_sg):
    """A public, unencrypted Redshift cluster without audit logs and a private,
    encrypted one that logs; a Redis OSS replication group with both encryptions and a
    Memcached cluster without TLS."""
    ec2 = acct.client("ec2")
    redshift = acct.client("redshift")
    redshift.create_cluster_subnet_group(ClusterSubnetGroupName="prod-warehouse", Description="prod",
                                         SubnetIds=[subnets["prod-private-a"], subnets["prod-private-b"]])
    warehouse_sg = security_group(ec2, vpc, "prod-warehouse", [(5439, app_sg)])
    bi_sg = security_group(ec2, vpc, "prod-bi-open", [(5439, "0.0.0.0/0")])
    for name, public, sg in (("prod-warehouse", False, warehouse_sg), ("prod-bi", True, bi_sg)):
        redshift.create_cluster(ClusterIdentifier=name, NodeType="dc2.large", ClusterType="single-node",
                                MasterUsername="admin", MasterUserPassword="Not-a-secret-1",
                                ClusterSubnetGroupName="prod-warehouse", VpcSecurityGroupIds=[sg],
                                PubliclyAccessible=public, Encrypted=not public)
    redshift.enable_logging(ClusterIdentifier="prod-warehouse", LogDestinationType="cloudwatch",
                            LogExports=["connectionlog", "userlog"])
    cache = acct.client("elasticache")
    cache.create_cache_subnet_group(CacheSubnetGroupName="prod-cache", CacheSubnetGroupDescription="prod",
                                    SubnetIds=[subnets["prod-private-a"], subnets["prod-private-b"]])
    cache_sg = security_group(ec2, vpc, "prod-cache", [(6379, app_sg), (11211, web)])
    cache.create_replication_group(ReplicationGroupId="prod-sessions", ReplicationGroupDescription="sessions",
                                   Engine="redis", CacheNodeType="cache.t3.micro", NumCacheClusters=1,
                                   CacheSubnetGroupName="prod-cache", SecurityGroupIds=[cache_sg],
                                   AtRestEncryptionEnabled=True, TransitEncryptionEnabled=True,
                                   SnapshotRetentionLimit=7)
    cache.create_cache_cluster(CacheClusterId="prod-pages", Engine="memcached", CacheNodeType="cache.t3.micro",
                               NumCacheNodes=1, CacheSubnetGroupName="prod-cache", SecurityGroupIds=[cache_sg],
                               TransitEncryptionEnabled=False)


def serverless_and_backups(acct, out):
    import io
    import zipfile
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as z:
        z.writestr("handler.py", "def handler(event, context):\n    return {}\n")
    role = acct.client("iam").create_role(RoleName="lambda-exec", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    lam = acct.client("lambda")
    functions = {}
    for name in ("public-webhook", "s3-thumbnailer"):
        functions[name] = lam.create_function(FunctionName=name, Runtime="python3.12", Role=role,
                                              Handler="handler.handler", Code={"ZipFile": code.getvalue()})["FunctionArn"]
    lam.create_function_url_config(FunctionName="public-webhook", AuthType="NONE")
    # AWS writes `FunctionUrlAuthType` as a condition; moto as a field of the statement,
    # which no policy has (tests/EMULATOR-NOTES.md): the public grant is a plain invoke.
    lam.add_permission(FunctionName="public-webhook", StatementId="public-invoke", Action="lambda:InvokeFunction",
                       Principal="*")
    lam.add_permission(FunctionName="s3-thumbnailer", StatementId="s3-invoke", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com", SourceAccount=MANAGEMENT,
                       SourceArn="arn:aws:s3:::northwind-audit-logs")
    out["functions"] = functions

    ddb = acct.client("dynamodb")
    tables = {}
    for name, protected in (("orders", True), ("scratch", False)):
        tables[name] = ddb.create_table(
            TableName=name, BillingMode="PAY_PER_REQUEST", DeletionProtectionEnabled=protected,
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            Tags=[{"Key": "backup", "Value": "daily"}] if protected else [])["TableDescription"]["TableArn"]
    ddb.update_continuous_backups(TableName="orders",
                                  PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    out["tables"] = tables

    plan = acct.client("backup").create_backup_plan(BackupPlan={"BackupPlanName": "daily", "Rules": [{
        "RuleName": "daily-35d", "TargetBackupVaultName": "Default", "ScheduleExpression": "cron(0 3 * * ? *)",
        "Lifecycle": {"DeleteAfterDays": 35}}]})
    out["backup_plan"] = plan["BackupPlanArn"]


def estate(endpoint):
    management = Account(endpoint, KEYS)
    orgs = management.client("organizations")
    orgs.create_organization(FeatureSet="ALL")
    created = orgs.create_account(Email="staging@example.com", AccountName="staging")
    staging_id = created["CreateAccountStatus"]["AccountId"]
    # A service control policy on the staging account: nothing may write to S3 there.
    scp = orgs.create_policy(Name="no-s3-writes", Type="SERVICE_CONTROL_POLICY", Description="staging", Content=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*"}]}))
    orgs.attach_policy(PolicyId=scp["Policy"]["PolicySummary"]["Id"], TargetId=staging_id)
    out = {"management": MANAGEMENT, "staging": staging_id}
    seed_management(management, out)
    # moto creates OrganizationAccountAccessRole in new accounts, as AWS does.
    staging = Account(endpoint, assume(endpoint, staging_id, "OrganizationAccountAccessRole"))
    seed_staging(staging, out)
    return out


def denied(endpoint):
    """Runs against a server started with INITIAL_NO_AUTH_ACTION_COUNT=3: the first
    three calls make an administrator, whose keys create the rest."""
    anonymous = Account(endpoint, KEYS)
    iam = anonymous.client("iam")
    iam.create_user(UserName="seed-admin")
    iam.put_user_policy(UserName="seed-admin", PolicyName="all", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="seed-admin")["AccessKey"]
    admin = Account(endpoint, {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]})
    out = {"management": MANAGEMENT}
    ec2 = admin.client("ec2")
    vpc, subnets = vpc_with_subnets(ec2, "app", "10.0.0.0/16",
                                    {"app-a": ("10.0.1.0/24", "us-east-1a"), "app-b": ("10.0.2.0/24", "us-east-1b")},
                                    public=[])
    db_sg = security_group(ec2, vpc, "db", [(5432, "10.0.0.0/16")])
    rds = admin.client("rds")
    rds.create_db_subnet_group(DBSubnetGroupName="db", DBSubnetGroupDescription="db",
                               SubnetIds=list(subnets.values()))
    rds.create_db_instance(DBInstanceIdentifier="orders", Engine="postgres", DBInstanceClass="db.t3.micro",
                           AllocatedStorage=20, MasterUsername="app", MasterUserPassword="not-a-secret-3",
                           DBSubnetGroupName="db", VpcSecurityGroupIds=[db_sg], StorageEncrypted=False)
    admin_iam = admin.client("iam")
    admin_iam.create_user(UserName="auditor")
    admin_iam.put_user_policy(UserName="auditor", PolicyName="read-but-not-rds", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["*:Describe*", "*:List*", "*:Get*", "iam:GenerateCredentialReport"],
             "Resource": "*"},
            {"Effect": "Deny", "Action": "rds:Describe*", "Resource": "*"}]}))
    auditor = admin_iam.create_access_key(UserName="auditor")["AccessKey"]
    out["auditor"] = {"access_key_id": auditor["AccessKeyId"], "secret_access_key": auditor["SecretAccessKey"]}
    return out


def bulk(endpoint, stacks):
    """`stacks` copies of a small application (subnet, groups, two instances, a
    volume, a bucket, a user) across two regions of one account."""
    acct = Account(endpoint, KEYS)
    for region in REGIONS:
        ec2 = acct.client("ec2", region)
        vpc, _ = vpc_with_subnets(ec2, f"bench-{region}", "10.0.0.0/16", {}, public=[])
        for i in range(stacks // len(REGIONS)):
            subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i % 250}.0/24")["Subnet"]["SubnetId"] if i < 250 \
                else subnet
            lb_sg = security_group(ec2, vpc, f"web-{i}", [(443, "0.0.0.0/0")])
            app_sg = security_group(ec2, vpc, f"app-{i}", [(8080, lb_sg)])
            ec2.run_instances(ImageId="ami-12345678", InstanceType="t3.micro", MinCount=2, MaxCount=2,
                              SubnetId=subnet, SecurityGroupIds=[app_sg])
            ec2.create_volume(Size=8, AvailabilityZone=f"{region}a")
    s3 = acct.client("s3")
    iam = acct.client("iam")
    for i in range(stacks):
        s3.create_bucket(Bucket=f"bench-bucket-{i}")
        iam.create_user(UserName=f"bench-user-{i}")
    return {"management": MANAGEMENT, "stacks": stacks}


if __name__ == "__main__":
    endpoint, mode = sys.argv[1], sys.argv[2]
    if mode == "estate":
        result = estate(endpoint)
    elif mode == "denied":
        result = denied(endpoint)
    else:
        result = bulk(endpoint, int(sys.argv[3]))
    print(json.dumps(result))
