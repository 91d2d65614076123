/**
 * What the roles of a bootstrap stack may do (stacks/bootstrap-stack.ts). Plain data: IAM policy
 * documents built from the account's environments. Tested via: test/stacks/bootstrap.test.ts
 */
import type { EnvironmentConfig } from "../environments/types";
import { policyDocument, type PolicyDocument, type PolicyStatement } from "../lib/ci/github-oidc-role";

/** What a policy needs to know about the account it lives in. */
export interface AccountFacts {
  readonly partition: string;
  readonly accountId: string;
  readonly appName: string;
  /** ARN of the account's state bucket. */
  readonly stateBucketArn: string;
  /** The roles and the OIDC provider the bootstrap stack owns (nothing else may change them). */
  readonly bootstrapRoleArns: readonly string[];
  readonly oidcProviderArn: string;
}

/** Bucket-level writes that could make the state bucket public, unversioned, unencrypted or gone. */
const BUCKET_CONFIG_WRITES = [
  "s3:DeleteBucket",
  "s3:DeleteBucketPolicy",
  "s3:PutBucketPolicy",
  "s3:PutBucketAcl",
  "s3:PutBucketVersioning",
  "s3:PutEncryptionConfiguration",
  "s3:PutBucketPublicAccessBlock",
  "s3:PutBucketOwnershipControls",
  "s3:PutLifecycleConfiguration",
  "s3:PutBucketObjectLockConfiguration",
];

/** IAM writes: every action that creates, changes or deletes an identity, a policy or a provider. */
const IAM_WRITES = ["iam:Create*", "iam:Delete*", "iam:Put*", "iam:Update*", "iam:Attach*", "iam:Detach*", "iam:Tag*", "iam:Untag*", "iam:Add*", "iam:Remove*", "iam:SetDefaultPolicyVersion"];

/**
 * Denies every role of the account changes to what the bootstrap owns: the deploy, plan and preview
 * roles, the GitHub OIDC provider, the state bucket's settings and the bootstrap's own state. A
 * compromised CI run can then neither widen its own trust nor switch off versioning or TLS.
 */
function keepBootstrapIntact(a: AccountFacts): PolicyStatement[] {
  return [
    { Sid: "KeepBootstrapIdentities", Effect: "Deny", Action: IAM_WRITES, Resource: [...a.bootstrapRoleArns, a.oidcProviderArn] },
    { Sid: "KeepStateBucketSettings", Effect: "Deny", Action: BUCKET_CONFIG_WRITES, Resource: a.stateBucketArn },
    { Sid: "KeepBootstrapState", Effect: "Deny", Action: ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"], Resource: `${a.stateBucketArn}/bootstrap-*` },
  ];
}

/**
 * A long-lived environment's deploy role (staging, prod). Honest about it: admin of its own account,
 * because the environment stack creates VPCs, IAM roles, KMS keys, RDS, ECS, WAF, budgets... and a
 * hand-kept action list drifts with every construct. What scopes it: the trust (only the GitHub
 * subject of that environment, see GithubOidcRole), the account (an identity policy reaches other
 * accounts only where their resource policies allow it), and the denies: the bootstrap's own
 * resources, and (`otherStateBuckets`) writes to other environments' state (staging never writes
 * prod's; prod's bucket grants other accounts nothing, so staging's roles cannot read it either).
 */
export function deployPolicy(a: AccountFacts, otherStateBuckets: readonly string[]): PolicyDocument {
  return policyDocument([
    { Sid: "AdministerOwnAccount", Effect: "Allow", Action: "*", Resource: "*" },
    ...keepBootstrapIntact(a),
    ...(otherStateBuckets.length
      ? [{ Sid: "NeverWriteOtherState", Effect: "Deny" as const, Action: ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion", ...BUCKET_CONFIG_WRITES], Resource: otherStateBuckets.flatMap((b) => [`arn:${a.partition}:s3:::${b}`, `arn:${a.partition}:s3:::${b}/*`]) }]
      : []),
  ]);
}

/** Data reads a plan never needs: object contents, secrets, parameters, messages, log events, images. */
const DATA_READS = [
  "s3:GetObject",
  "s3:GetObjectVersion",
  "secretsmanager:GetSecretValue",
  "ssm:GetParameter",
  "ssm:GetParameters",
  "ssm:GetParametersByPath",
  "kms:Decrypt",
  "sqs:ReceiveMessage",
  "logs:GetLogEvents",
  "logs:FilterLogEvents",
  "logs:StartQuery",
  "logs:GetQueryResults",
  "dynamodb:GetItem",
  "dynamodb:BatchGetItem",
  "dynamodb:Query",
  "dynamodb:Scan",
  "ecr:GetDownloadUrlForLayer",
  "ecr:BatchGetImage",
  "rds:DownloadDBLogFilePortion",
];

/**
 * What an `aws_acm_certificate` data source calls (terraform-provider-aws 5.100: list the account's
 * certificates, describe the candidates, read their tags). Environment stacks find their
 * certificate with one, so a plan role needs them. AWS's ReadOnlyAccess covers them today
 * (`acm:Describe*`, `acm:List*`); the plan policy allows them itself so a narrower managed policy
 * later cannot break every plan.
 */
export const ACM_CERTIFICATE_READS = ["acm:ListCertificates", "acm:DescribeCertificate", "acm:GetCertificate", "acm:ListTagsForCertificate"] as const;

/**
 * The read-only role a pull request's plan of a long-lived, unprotected environment uses
 * (`<deploy role>-plan`, trusting `pull_request` runs; staging only: environments/bootstrap.ts
 * `hasPlanRole`): AWS's ReadOnlyAccess (attached separately) for the refresh, ACM certificate
 * reads (the data source), the state objects of its own bucket, and writes of lock files only
 * (`use_lockfile` writes `<key>.tflock` during a plan). Denied: every data read outside the state
 * bucket (object contents, secret values, parameters, messages, log events, image layers) and every
 * write besides lock files. It still reads its environment's state, which holds that environment's
 * origin-verify secret inside listener rules (staging's, shared with previews): docs/ci.md says
 * who can open a PR that assumes it.
 */
export function planPolicy(a: AccountFacts, planRoleArn: string): PolicyDocument {
  return policyDocument([
    { Sid: "ReadState", Effect: "Allow", Action: ["s3:GetObject", "s3:ListBucket"], Resource: [a.stateBucketArn, `${a.stateBucketArn}/*`] },
    { Sid: "ReadCertificates", Effect: "Allow", Action: [...ACM_CERTIFICATE_READS], Resource: "*" },
    { Sid: "WriteLockFilesOnly", Effect: "Allow", Action: ["s3:PutObject", "s3:DeleteObject"], Resource: `${a.stateBucketArn}/*.tflock` },
    // The provider assumes the same role again (stacks/deployment.ts); the trust allows it, this too.
    { Sid: "AssumeItself", Effect: "Allow", Action: "sts:AssumeRole", Resource: planRoleArn },
    { Sid: "NoDataReads", Effect: "Deny", Action: DATA_READS, NotResource: `${a.stateBucketArn}/*` },
    { Sid: "NoWritesButLocks", Effect: "Deny", Action: ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"], NotResource: `${a.stateBucketArn}/*.tflock` },
    ...keepBootstrapIntact(a),
  ]);
}

/** What the preview role's policy needs besides the account. */
export interface PreviewFacts {
  /** The preview base (staging): its state key may be read, its shared resources not changed. */
  readonly base: EnvironmentConfig;
  /** The protected environment (prod): its account, state bucket and names are denied outright. */
  readonly forbidden: readonly EnvironmentConfig[];
  /** The preview role's own ARN. */
  readonly roleArn: string;
}

/**
 * The preview role (staging's account, `pull_request` runs only). Allowed: the services a preview
 * stack uses (the synthesized `pr-<n>` stack's resource types; test/stacks/bootstrap.test.ts checks
 * the mapping), IAM only on `<app>-pr-*` roles, S3 only on `<app>-pr-*` buckets, images only in the
 * base's `-previews` repositories, and state only under `pr-*` keys plus a read of the base's key.
 * Denied explicitly, whatever else allows it: the forbidden environments' accounts, state buckets and
 * `<app>-<env>-*` names; any state key but `pr-*` (and the base's, read-only); changing the base's
 * load balancer, cluster and services; the bootstrap's own resources.
 *
 * Not covered (said in docs/ci.md): a preview role can write inline policies on `<app>-pr-*` roles,
 * so a PR's code can give itself any permission in staging's account (never in prod's: different
 * account, and the denies here). A permissions boundary on the task roles would close that; the
 * preview stacks do not set one yet.
 */
export function previewPolicy(a: AccountFacts, p: PreviewFacts): PolicyDocument {
  const { partition, accountId, appName, stateBucketArn } = a;
  const base = p.base.name;
  const prRoles = `arn:${partition}:iam::${accountId}:role/${appName}-pr-*`;
  const prBuckets = `arn:${partition}:s3:::${appName}-pr-*`;
  const baseKey = `${stateBucketArn}/${base}/terraform.tfstate`;
  const prKeys = `${stateBucketArn}/pr-*`;
  const forbiddenArns = p.forbidden.flatMap((e) => [
    ...(e.aws.accountId !== accountId ? [`arn:${partition}:*:*:${e.aws.accountId}:*`] : []),
    `arn:${partition}:s3:::${e.aws.stateBucket}`,
    `arn:${partition}:s3:::${e.aws.stateBucket}/*`,
    `arn:${partition}:*:*:*:*${e.appName}-${e.name}-*`,
    `arn:${partition}:s3:::${e.appName}-${e.name}-*`,
    e.aws.deployRoleArn,
  ]);
  return policyDocument([
    {
      Sid: "PreviewServices",
      Effect: "Allow",
      Action: ["ecs:*", "elasticloadbalancing:*", "logs:*", "sqs:*", "events:*", "scheduler:*", "cloudwatch:*", "application-autoscaling:*", "ec2:Describe*", "ec2:CreateSecurityGroup", "ec2:DeleteSecurityGroup", "ec2:AuthorizeSecurityGroup*", "ec2:RevokeSecurityGroup*", "ec2:ModifySecurityGroupRules", "ec2:CreateTags", "ec2:DeleteTags", "ecr:GetAuthorizationToken", "kms:DescribeKey", "iam:GetRole", "iam:ListRoles"],
      Resource: "*",
    },
    { Sid: "PreviewRoles", Effect: "Allow", Action: ["iam:*"], Resource: prRoles },
    { Sid: "PassPreviewRoles", Effect: "Allow", Action: "iam:PassRole", Resource: prRoles, Condition: { StringEquals: { "iam:PassedToService": ["ecs-tasks.amazonaws.com", "scheduler.amazonaws.com", "events.amazonaws.com"] } } },
    { Sid: "PreviewBuckets", Effect: "Allow", Action: "s3:*", Resource: [prBuckets, `${prBuckets}/*`] },
    {
      Sid: "PushPreviewImages",
      Effect: "Allow",
      Action: ["ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:DescribeImages", "ecr:DescribeRepositories", "ecr:ListImages", "ecr:BatchDeleteImage"],
      Resource: `arn:${partition}:ecr:*:${accountId}:repository/${appName}-${base}-*-previews`,
    },
    { Sid: "ListState", Effect: "Allow", Action: "s3:ListBucket", Resource: stateBucketArn },
    { Sid: "PreviewState", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: prKeys },
    { Sid: "ReadBaseState", Effect: "Allow", Action: "s3:GetObject", Resource: baseKey },
    // The provider assumes the deploy role (this one) again: stacks/deployment.ts.
    { Sid: "AssumeItself", Effect: "Allow", Action: "sts:AssumeRole", Resource: p.roleArn },
    { Sid: "NeverProd", Effect: "Deny", Action: "*", Resource: forbiddenArns },
    { Sid: "StateWritesOnlyPr", Effect: "Deny", Action: ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"], NotResource: [prKeys, prBuckets, `${prBuckets}/*`] },
    { Sid: "StateReadsOnlyPrAndBase", Effect: "Deny", Action: ["s3:GetObject", "s3:GetObjectVersion"], NotResource: [prKeys, baseKey, `${prBuckets}/*`] },
    {
      Sid: "KeepBaseShared",
      Effect: "Deny",
      Action: ["elasticloadbalancing:DeleteLoadBalancer", "elasticloadbalancing:ModifyLoadBalancerAttributes", "elasticloadbalancing:DeleteListener", "elasticloadbalancing:ModifyListener", "elasticloadbalancing:SetSecurityGroups", "elasticloadbalancing:SetSubnets", "ecs:DeleteCluster", "ecs:UpdateCluster", "ecs:PutClusterCapacityProviders"],
      Resource: "*",
    },
    { Sid: "KeepBaseServices", Effect: "Deny", Action: ["ecs:UpdateService", "ecs:DeleteService", "ecs:CreateService"], Resource: `arn:${partition}:ecs:*:${accountId}:service/*/${appName}-${base}-*` },
    ...keepBootstrapIntact(a),
  ]);
}

/**
 * IAM prefixes of the services the preview role allows (PreviewServices, PreviewRoles, PreviewBuckets).
 * The test maps every resource type of a synthesized preview stack onto these.
 */
export const PREVIEW_SERVICE_PREFIXES = ["ecs", "elasticloadbalancing", "logs", "sqs", "events", "scheduler", "cloudwatch", "application-autoscaling", "ec2", "iam", "s3"] as const;
