/**
 * The repository's one price table: AWS list prices in us-east-1 (on demand, USD, before Savings
 * Plans, reserved instances or credits), each with its unit, a source URL and how far it was
 * checked on `PRICE_DATE`:
 *
 * - `aws-page`: read on the AWS pricing page or AWS documentation named in `source`.
 * - `secondary`: the AWS figure as quoted by a dated third-party pricing page (`source`), because
 *   the AWS page renders its rates with a region selector that the stored copy does not hold; the
 *   AWS page is named in `awsPage`.
 * - `unverified`: carried over from this repository's earlier tables (bench/preview-cost.ts,
 *   bench/observability-cost.ts, docs/database.md, all "checked 2026-11") and not found again on
 *   `PRICE_DATE`. Check these first when the table is refreshed.
 *
 * Refresh: open each `awsPage`, update `usd`, `checked` and `PRICE_DATE` together. Everything that
 * quotes a price (lib/cost/estimate.ts, `npm run bench:cost`, `npm run bench:preview-cost`,
 * `npm run bench:observability`, the plan summary) reads it from here.
 *
 * Tested via: test/cost/estimate.test.ts
 */

/** The day the table was last checked (ISO date). */
export const PRICE_DATE = "2026-11-27";

/** The region the prices are for. Other regions differ (often by 10–25 %). */
export const PRICE_REGION = "us-east-1";

/** Hours in a month, as AWS's own calculator counts them (8,760 / 12). */
export const HOURS_PER_MONTH = 730;

/** How far a price was checked on `PRICE_DATE`. */
export type PriceCheck = "aws-page" | "secondary" | "unverified";

/** One list price. */
export interface Price {
  /** USD per `unit`. */
  readonly usd: number;
  /** What one unit is, e.g. "vCPU-hour". */
  readonly unit: string;
  /** Where the figure was read (a URL). */
  readonly source: string;
  /** The AWS pricing page the figure belongs to (to re-check it). */
  readonly awsPage: string;
  /** How far it was checked on `PRICE_DATE`. */
  readonly checked: PriceCheck;
  /** Anything the figure leaves out or assumes. @default none */
  readonly note?: string;
}

const FARGATE = "https://aws.amazon.com/fargate/pricing/";
const VPC = "https://aws.amazon.com/vpc/pricing/";
const ELB = "https://aws.amazon.com/elasticloadbalancing/pricing/";
const RDS = "https://aws.amazon.com/rds/postgresql/pricing/";
const CLOUDWATCH = "https://aws.amazon.com/cloudwatch/pricing/";

/** Every price the estimate uses, by name. */
export const PRICES = {
  fargateVcpuHour: {
    usd: 0.04048,
    unit: "vCPU-hour (Linux/x86)",
    source: "https://raw.githubusercontent.com/api-evangelist/amazon-ecs/refs/heads/main/plans/amazon-ecs-plans-pricing.yml",
    awsPage: FARGATE,
    checked: "secondary",
    note: "quoted from the AWS ECS pricing page as $0.000011244 per vCPU-second (read 2026-09-20)",
  },
  fargateGbHour: {
    usd: 0.004445,
    unit: "GB-hour of task memory (Linux/x86)",
    source: "bench/preview-cost.ts (checked 2026-11)",
    awsPage: FARGATE,
    checked: "unverified",
  },
  fargateSpotDiscount: {
    usd: 0.7,
    unit: "share off the on-demand Fargate price (0–1)",
    source: FARGATE,
    awsPage: FARGATE,
    checked: "aws-page",
    note: 'AWS says "up to a 70% discount"; the Spot price moves, 70 % is the best case',
  },
  natGatewayHour: {
    usd: 0.045,
    unit: "NAT gateway-hour",
    source: "https://basavytix.com/blog/aws-nat-gateway-pricing",
    awsPage: VPC,
    checked: "secondary",
    note: "plus $0.045 per GB processed (usage, not modeled)",
  },
  publicIpv4Hour: {
    usd: 0.005,
    unit: "public IPv4 address-hour",
    source: "https://github.com/cmbuckley/cmbuckley.github.io/blob/main/_posts/2024-01-28-removing-aws-ec2-ipv4-addresses.md",
    awsPage: VPC,
    checked: "secondary",
    note: "charged since 2024-02-01 for every public IPv4 address, including a NAT gateway's Elastic IP and each ALB node's address",
  },
  albHour: {
    usd: 0.0225,
    unit: "Application Load Balancer-hour",
    source: "https://cloud-horizons.com/blog/alb-the-line-item-nobody-watches/",
    awsPage: ELB,
    checked: "secondary",
    note: "plus $0.008 per LCU-hour (usage, not modeled)",
  },
  rdsGp3GbMonthSingleAz: {
    usd: 0.115,
    unit: "GB-month of gp3 storage, Single-AZ",
    source: "https://www.usage.ai/blogs/aws/reserved-instances/rds/pricing-calculator/",
    awsPage: RDS,
    checked: "secondary",
  },
  rdsGp3GbMonthMultiAz: {
    usd: 0.23,
    unit: "GB-month of gp3 storage, Multi-AZ (primary + standby)",
    source: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_OnDemandDBInstances.html",
    awsPage: RDS,
    checked: "secondary",
    note: 'twice the Single-AZ rate: the RDS User Guide, "Multi-AZ DB instances", bills storage for both the primary and the standby',
  },
  rdsBackupGbMonth: {
    usd: 0.095,
    unit: "GB-month of backup storage beyond the free allowance",
    source: "https://www.usage.ai/blogs/aws/reserved-instances/rds/pricing-calculator/",
    awsPage: RDS,
    checked: "secondary",
    note: "automated backups are free up to 100 % of the provisioned storage; AWS Backup snapshots are billed at this rate",
  },
  kmsKeyMonth: {
    usd: 1,
    unit: "customer managed KMS key-month",
    source: "https://aws.amazon.com/kms/pricing/",
    awsPage: "https://aws.amazon.com/kms/pricing/",
    checked: "aws-page",
    note: "each automatic rotation adds $1/month for the first two rotations; requests beyond 20,000/month at $0.03 per 10,000",
  },
  secretMonth: {
    usd: 0.4,
    unit: "Secrets Manager secret-month",
    source: "docs/database.md (checked 2026-11)",
    awsPage: "https://aws.amazon.com/secrets-manager/pricing/",
    checked: "unverified",
    note: "plus $0.05 per 10,000 API calls",
  },
  cloudwatchAlarmMetricMonth: {
    usd: 0.1,
    unit: "standard-resolution alarm metric-month",
    source: "bench/observability-cost.ts (checked 2026-11)",
    awsPage: CLOUDWATCH,
    checked: "unverified",
    note: "a metric-math alarm pays for each metric it reads",
  },
  cloudwatchCompositeAlarmMonth: {
    usd: 0.5,
    unit: "composite alarm-month",
    source: "bench/observability-cost.ts (checked 2026-11)",
    awsPage: CLOUDWATCH,
    checked: "unverified",
  },
  cloudwatchDashboardMonth: {
    usd: 3,
    unit: "dashboard-month (beyond the account's first 3)",
    source: "https://www.factualminds.com/blog/amazon-cloudwatch-pricing-metrics-logs-alarms-dashboards/",
    awsPage: CLOUDWATCH,
    checked: "secondary",
  },
  cloudwatchLogsIngestGb: {
    usd: 0.5,
    unit: "GB of logs ingested (standard class)",
    source: "https://www.factualminds.com/blog/amazon-cloudwatch-pricing-metrics-logs-alarms-dashboards/",
    awsPage: CLOUDWATCH,
    checked: "secondary",
  },
  cloudwatchLogsStoredGbMonth: {
    usd: 0.03,
    unit: "GB-month of logs stored",
    source: "bench/observability-cost.ts, docs/observability.md (checked 2026-11)",
    awsPage: CLOUDWATCH,
    checked: "unverified",
  },
  wafWebAclMonth: {
    usd: 5,
    unit: "WAF web ACL-month",
    source: "https://c3x.dev/blog/aws-waf-cost-explained/",
    awsPage: "https://aws.amazon.com/waf/pricing/",
    checked: "secondary",
    note: "the same in every region (AWS Networking blog, \"Cost-effective ways for securing your web applications using AWS WAF\")",
  },
  wafRuleMonth: {
    usd: 1,
    unit: "WAF rule or managed rule group-month",
    source: "https://c3x.dev/blog/aws-waf-cost-explained/",
    awsPage: "https://aws.amazon.com/waf/pricing/",
    checked: "secondary",
    note: "plus $0.60 per million requests inspected (usage, not modeled); the AWS baseline managed groups carry no subscription fee",
  },
  budgetMonth: {
    usd: 0.62,
    unit: "AWS Budgets budget-month beyond the account's first 2 ($0.02 a day)",
    source: "bench/observability-cost.ts (checked 2026-11)",
    awsPage: "https://aws.amazon.com/aws-cost-management/aws-budgets/pricing/",
    checked: "unverified",
  },
  prometheusPer10MSamples: {
    usd: 0.9,
    unit: "10 million samples ingested into Amazon Managed Prometheus (first tier)",
    source: "bench/observability-cost.ts (checked 2026-11)",
    awsPage: "https://aws.amazon.com/prometheus/pricing/",
    checked: "unverified",
  },
} as const satisfies Record<string, Price>;

/** A price name. */
export type PriceName = keyof typeof PRICES;

/**
 * RDS for PostgreSQL, Single-AZ on demand, USD per instance-hour, by class. A family's `large` row
 * also prices its bigger sizes: within a family on-demand prices scale with the size (xlarge =
 * 2 x large, 2xlarge = 4 x, ...). Multi-AZ (one standby) bills the instance twice (RDS User Guide,
 * "Multi-AZ DB instances": compute is billed for both the primary and the standby).
 */
export const RDS_POSTGRES_HOURLY: Readonly<Record<string, Price>> = {
  "db.t4g.micro": { usd: 0.016, unit: "instance-hour", source: "https://infratally.com/articles/aws-rds-pricing-explained-2026.html", awsPage: RDS, checked: "secondary" },
  "db.t4g.small": { usd: 0.032, unit: "instance-hour", source: "https://infratally.com/articles/aws-rds-pricing-explained-2026.html", awsPage: RDS, checked: "secondary" },
  "db.t4g.medium": { usd: 0.065, unit: "instance-hour", source: "https://infratally.com/articles/aws-rds-pricing-explained-2026.html", awsPage: RDS, checked: "secondary", note: "also in bench/preview-cost.ts and docs/database.md" },
  "db.t4g.large": { usd: 0.129, unit: "instance-hour", source: "twice db.t4g.medium (the family scales by size)", awsPage: RDS, checked: "unverified" },
  "db.r6g.large": { usd: 0.225, unit: "instance-hour", source: "docs/database.md (checked 2026-11)", awsPage: RDS, checked: "unverified" },
};

/** Size multipliers within an RDS family, relative to `large`. */
const SIZE_FACTOR: Readonly<Record<string, number>> = { large: 1, xlarge: 2, "2xlarge": 4, "4xlarge": 8, "8xlarge": 16, "12xlarge": 24, "16xlarge": 32, "24xlarge": 48 };

/**
 * The Single-AZ hourly list price of an RDS for PostgreSQL instance class: from the table, or from
 * its family's `large` price times the size factor. Undefined when the family has no price here
 * (add its `large` row to `RDS_POSTGRES_HOURLY`).
 */
export function rdsHourly(instanceClass: string): { readonly usd: number; readonly price: Price; readonly derived: string | undefined } | undefined {
  const exact = RDS_POSTGRES_HOURLY[instanceClass];
  if (exact) return { usd: exact.usd, price: exact, derived: undefined };
  const m = /^(db\.[a-z0-9]+)\.([a-z0-9]+)$/.exec(instanceClass);
  const large = m ? RDS_POSTGRES_HOURLY[`${m[1]}.large`] : undefined;
  const factor = m ? SIZE_FACTOR[m[2]!] : undefined;
  if (!large || factor === undefined) return undefined;
  return { usd: large.usd * factor, price: large, derived: `${factor} x ${m![1]}.large` };
}
