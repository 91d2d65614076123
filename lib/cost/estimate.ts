/**
 * The monthly cost of an environment at list prices (lib/cost/prices.ts), line by line, each with
 * the arithmetic behind it. Pure: it reads only the configuration, so the plan summary can print it
 * for every stack without a synth. A model, not a bill: usage charges (requests, bytes processed,
 * LCUs, data transfer, S3, SQS, SNS, ECR storage, cron task runs) are not in it; logs and
 * Prometheus samples are, at the volumes in `COST_ASSUMPTIONS`.
 *
 * A preview (`env.preview` set) is priced for what it adds: its own tasks and logs. It borrows its
 * base's NAT, ALB, cluster and database instance, which the base's estimate already counts.
 *
 * @example monthlyCost(prod).total  // USD per month
 * @example formatCostEstimate(monthlyCost(staging))  // a Markdown table for a PR comment
 * Tested via: test/cost/estimate.test.ts
 */
import { TIER_POLICY } from "../core/lifecycle";
import { type CostInput, type CostInventory, modelInventory, ownsPlatform } from "./inventory";
import { HOURS_PER_MONTH, PRICE_DATE, PRICE_REGION, PRICES, rdsHourly } from "./prices";

export type { CostInput, CostInventory } from "./inventory";

/** One line of an estimate. */
export interface CostLine {
  /** What is priced, e.g. "Fargate: backend". */
  readonly item: string;
  /** USD per month, rounded to cents. */
  readonly monthly: number;
  /** How the figure was computed: quantities, unit prices and assumptions. */
  readonly basis: string;
}

/** An environment's monthly cost. */
export interface CostEstimate {
  /** USD per month: the sum of the lines. */
  readonly total: number;
  /** The priced items, biggest first. */
  readonly lines: readonly CostLine[];
  /** The day the price table was checked (`PRICE_DATE`). */
  readonly priceDate: string;
}

/** Volumes the estimate assumes where the cost depends on traffic. */
export const COST_ASSUMPTIONS = {
  /** Application logs one running task writes per month, in GB. */
  appLogGbPerTaskMonth: 1,
  /** Platform logs of an environment that owns its platform (VPC flow logs, RDS, deploy markers, cron), GB per month. */
  platformLogGbMonth: 2,
  /** Prometheus series one scraped service exposes, scraped every 30 s. */
  prometheusSeriesPerService: 1000,
} as const;

/** A price for a basis: cents for whole amounts, every significant digit for unit rates ($0.04048). */
const usd = (n: number): string => `$${n < 1 && n > 0 ? n.toFixed(6).replace(/(\.\d\d\d*?)0+$/, "$1") : n.toFixed(2)}`;
const cents = (n: number): number => Math.round(n * 100) / 100;
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The Spot share of a service: its own, else the environment's. */
export const spotShare = (s: CostInput["services"][string], env: { readonly app: { readonly fargateSpotPercent: number } }): number => (s.spotPercent ?? env.app.fargateSpotPercent) / 100;

/**
 * One Fargate service's monthly cost: `minTasks` tasks around the clock (autoscaling above the
 * minimum is traffic, not modeled), at the on-demand vCPU and memory rates, with the Spot share
 * at the Spot discount.
 */
export function fargateLine(name: string, s: CostInput["services"][string], env: { readonly app: { readonly fargateSpotPercent: number } }): CostLine {
  const vcpu = s.size.cpu / 1024;
  const gb = s.size.memoryMiB / 1024;
  const spot = spotShare(s, env);
  const perTaskHour = vcpu * PRICES.fargateVcpuHour.usd + gb * PRICES.fargateGbHour.usd;
  const factor = 1 - spot * PRICES.fargateSpotDiscount.usd;
  const monthly = s.size.minTasks * perTaskHour * HOURS_PER_MONTH * factor;
  return {
    item: `Fargate: ${name}`,
    monthly: cents(monthly),
    basis: `${plural(s.size.minTasks, "task")} x (${vcpu} vCPU x ${usd(PRICES.fargateVcpuHour.usd)} + ${gb} GB x ${usd(PRICES.fargateGbHour.usd)}) x ${HOURS_PER_MONTH} h, ${Math.round(spot * 100)} % on Spot at ${Math.round(PRICES.fargateSpotDiscount.usd * 100)} % off (minimum task count; scale-out not modeled)`,
  };
}

/** The database lines: primary (Multi-AZ doubles it), replicas, storage, backups. */
export function databaseLines(env: CostInput): CostLine[] {
  const db = env.database;
  const hourly = rdsHourly(db.instanceClass);
  const lines: CostLine[] = [];
  const priceOf = (what: string) =>
    hourly ? `${usd(hourly.usd)}/h${hourly.derived ? ` (${hourly.derived})` : ""}` : `NOT PRICED: no list price for ${db.instanceClass} in lib/cost/prices.ts RDS_POSTGRES_HOURLY (add its family's large row); ${what} counted as $0`;
  const azs = db.multiAz ? 2 : 1;
  lines.push({
    item: `RDS primary ${db.instanceClass}${db.multiAz ? " Multi-AZ" : ""}`,
    monthly: cents(hourly ? hourly.usd * azs * HOURS_PER_MONTH : 0),
    basis: `${azs === 2 ? "2 instances (primary + standby)" : "1 instance"} x ${priceOf("the instance")} x ${HOURS_PER_MONTH} h`,
  });
  if (db.readReplicas > 0)
    lines.push({
      item: `RDS read replica${db.readReplicas === 1 ? "" : "s"} ${db.instanceClass}`,
      monthly: cents(hourly ? hourly.usd * db.readReplicas * HOURS_PER_MONTH : 0),
      basis: `${plural(db.readReplicas, "replica")} (Single-AZ) x ${priceOf("each replica")} x ${HOURS_PER_MONTH} h`,
    });
  const primaryRate = db.multiAz ? PRICES.rdsGp3GbMonthMultiAz.usd : PRICES.rdsGp3GbMonthSingleAz.usd;
  lines.push({
    item: "RDS storage (gp3)",
    monthly: cents(db.allocatedStorageGiB * primaryRate + db.readReplicas * db.allocatedStorageGiB * PRICES.rdsGp3GbMonthSingleAz.usd),
    basis:
      `${db.allocatedStorageGiB} GB x ${usd(primaryRate)} (${db.multiAz ? "Multi-AZ" : "Single-AZ"})` +
      (db.readReplicas > 0 ? ` + ${db.readReplicas} x ${db.allocatedStorageGiB} GB x ${usd(PRICES.rdsGp3GbMonthSingleAz.usd)} (replicas)` : "") +
      " at the allocated size (autoscaling growth not modeled)",
  });
  const copies = db.backupPlan ? (db.backupPlan.copyToRegion ? 2 : 1) : 0;
  lines.push({
    item: "RDS backups",
    monthly: cents(copies * db.allocatedStorageGiB * PRICES.rdsBackupGbMonth.usd),
    basis:
      `automated backups (${db.backupRetentionDays} days) within the free allowance (backup storage up to the provisioned size)` +
      (db.backupPlan
        ? `; AWS Backup (${db.backupPlan.retentionDays} days${db.backupPlan.copyToRegion ? `, copied to ${db.backupPlan.copyToRegion}` : ""}): ${copies} x ${db.allocatedStorageGiB} GB x ${usd(PRICES.rdsBackupGbMonth.usd)}, one full copy per vault (incremental snapshots and copy transfer not modeled)`
        : "; no AWS Backup plan"),
  });
  return lines;
}

/** The observability lines from an inventory: alarms, dashboards, Prometheus, budgets. */
function observabilityLines(inv: CostInventory): CostLine[] {
  const lines: CostLine[] = [];
  if (inv.alarms + inv.compositeAlarms > 0)
    lines.push({
      item: "CloudWatch alarms",
      monthly: cents(inv.alarmMetrics * PRICES.cloudwatchAlarmMetricMonth.usd + inv.compositeAlarms * PRICES.cloudwatchCompositeAlarmMonth.usd),
      basis: `${plural(inv.alarms, "alarm")} reading ${inv.alarmMetrics} metrics x ${usd(PRICES.cloudwatchAlarmMetricMonth.usd)} + ${plural(inv.compositeAlarms, "composite alarm")} x ${usd(PRICES.cloudwatchCompositeAlarmMonth.usd)}`,
    });
  if (inv.dashboards > 0)
    lines.push({
      item: "CloudWatch dashboards",
      monthly: cents(inv.dashboards * PRICES.cloudwatchDashboardMonth.usd),
      basis: `${plural(inv.dashboards, "dashboard")} x ${usd(PRICES.cloudwatchDashboardMonth.usd)} (as if the account's 3 free ones are used elsewhere)`,
    });
  if (inv.scrapedServices > 0) {
    const samples = inv.scrapedServices * COST_ASSUMPTIONS.prometheusSeriesPerService * ((HOURS_PER_MONTH * 3600) / 30);
    lines.push({
      item: "Amazon Managed Prometheus",
      monthly: cents((samples / 1e7) * PRICES.prometheusPer10MSamples.usd),
      basis: `${plural(inv.scrapedServices, "scraped service")} x ${COST_ASSUMPTIONS.prometheusSeriesPerService} series every 30 s = ${(samples / 1e6).toFixed(1)} M samples x ${usd(PRICES.prometheusPer10MSamples.usd)} per 10 M (assumed series count)`,
    });
  }
  if (inv.budgets > 0)
    lines.push({
      item: "AWS Budgets",
      monthly: cents(inv.budgets * PRICES.budgetMonth.usd),
      basis: `${plural(inv.budgets, "budget")} x ${usd(PRICES.budgetMonth.usd)} (as if the account's 2 free ones are used elsewhere)`,
    });
  return lines;
}

/** CloudWatch Logs at the assumed volumes, stored for the tier's retention. */
function logsLine(env: CostInput): CostLine {
  const tasks = Object.values(env.services).reduce((n, s) => n + s.size.minTasks, 0);
  const platform = ownsPlatform(env) ? COST_ASSUMPTIONS.platformLogGbMonth : 0;
  const gb = tasks * COST_ASSUMPTIONS.appLogGbPerTaskMonth + platform;
  const retention = TIER_POLICY[env.safetyTier].logRetentionDays;
  const stored = gb * (retention / 30);
  return {
    item: "CloudWatch Logs",
    monthly: cents(gb * PRICES.cloudwatchLogsIngestGb.usd + stored * PRICES.cloudwatchLogsStoredGbMonth.usd),
    basis: `assumed ${gb} GB/month ingested (${plural(tasks, "task")} x ${COST_ASSUMPTIONS.appLogGbPerTaskMonth} GB${platform ? ` + ${platform} GB platform logs` : ""}) x ${usd(PRICES.cloudwatchLogsIngestGb.usd)} + ${stored.toFixed(1)} GB kept ${retention} days x ${usd(PRICES.cloudwatchLogsStoredGbMonth.usd)}`,
  };
}

/**
 * The monthly cost of `env` (an environment's configuration) at the list prices of `PRICE_DATE`, line by
 * line, biggest first. `inventory` defaults to the configuration's model (`modelInventory`); pass
 * `inventoryFromSynth(json)` to price what a synthesized stack really declares.
 */
export function monthlyCost(env: CostInput, inventory: CostInventory = modelInventory(env)): CostEstimate {
  const lines: CostLine[] = Object.entries(env.services).map(([name, s]) => fargateLine(name, s, env));
  if (!ownsPlatform(env)) {
    lines.push({
      item: `Shared platform of ${env.preview!.base}`,
      monthly: 0,
      basis: `borrowed: ${env.preview!.base}'s NAT, ALB (+${Object.values(env.services).filter((s) => s.kind === "http").length} target groups and listener rules, no hourly charge), WAF, cluster and RDS instance (a logical database pr_${env.preview!.prNumber}); priced in ${env.preview!.base}'s estimate`,
    });
    lines.push(logsLine(env));
  } else {
    const inv = inventory;
    const azs = env.aws.availabilityZones.length;
    lines.push({
      item: `NAT gateways (${env.network.nat})`,
      monthly: cents(inv.natGateways * PRICES.natGatewayHour.usd * HOURS_PER_MONTH),
      basis: `${plural(inv.natGateways, "gateway")} x ${usd(PRICES.natGatewayHour.usd)}/h x ${HOURS_PER_MONTH} h (data processed at $0.045/GB not modeled)`,
    });
    const addresses = inv.natGateways + inv.loadBalancers * azs;
    lines.push({
      item: "Public IPv4 addresses",
      monthly: cents(addresses * PRICES.publicIpv4Hour.usd * HOURS_PER_MONTH),
      basis: `${addresses} addresses (${inv.natGateways} NAT Elastic IP${inv.natGateways === 1 ? "" : "s"} + ${inv.loadBalancers * azs} ALB node${inv.loadBalancers * azs === 1 ? "" : "s"}, one per AZ) x ${usd(PRICES.publicIpv4Hour.usd)}/h x ${HOURS_PER_MONTH} h`,
    });
    lines.push({
      item: "Application Load Balancer",
      monthly: cents(inv.loadBalancers * PRICES.albHour.usd * HOURS_PER_MONTH),
      basis: `${plural(inv.loadBalancers, "ALB")} x ${usd(PRICES.albHour.usd)}/h x ${HOURS_PER_MONTH} h (LCUs at $0.008/LCU-hour not modeled)`,
    });
    lines.push(...databaseLines(env));
    if (inv.webAcls > 0)
      lines.push({
        item: "AWS WAF",
        monthly: cents(inv.webAcls * PRICES.wafWebAclMonth.usd + inv.wafRules * PRICES.wafRuleMonth.usd),
        basis: `${plural(inv.webAcls, "web ACL")} x ${usd(PRICES.wafWebAclMonth.usd)} + ${plural(inv.wafRules, "rule")} x ${usd(PRICES.wafRuleMonth.usd)} (requests at $0.60 per million not modeled)`,
      });
    lines.push({
      item: "KMS keys",
      monthly: cents(inv.kmsKeys * PRICES.kmsKeyMonth.usd),
      basis: `${plural(inv.kmsKeys, "customer managed key")} (alarm topic) x ${usd(PRICES.kmsKeyMonth.usd)} (rotations add $1 each for the first two)`,
    });
    lines.push({
      item: "Secrets Manager",
      monthly: cents(inv.secrets * PRICES.secretMonth.usd),
      basis: `${plural(inv.secrets, "secret")} (database master password) x ${usd(PRICES.secretMonth.usd)} (secrets the services reference by ARN are not the kit's)`,
    });
    lines.push(...observabilityLines(inv));
    lines.push(logsLine(env));
  }
  const sorted = lines.filter((l) => l.monthly > 0 || !ownsPlatform(env) || l.item.startsWith("RDS")).sort((a, b) => b.monthly - a.monthly);
  return { total: cents(sorted.reduce((n, l) => n + l.monthly, 0)), lines: sorted, priceDate: PRICE_DATE };
}

/** An estimate as a Markdown table (item, $/month, basis) with its total and price date. */
export function formatCostEstimate(estimate: CostEstimate, title = "Monthly cost estimate"): string {
  return [
    `**${title}: $${estimate.total.toFixed(2)}/month** (${PRICE_REGION} list prices checked ${estimate.priceDate}; usage charges not included; lib/cost/prices.ts)`,
    "",
    "| item | $/month | basis |",
    "|---|---:|---|",
    ...estimate.lines.map((l) => `| ${l.item} | ${l.monthly.toFixed(2)} | ${l.basis.replace(/\|/g, "\\|")} |`),
  ].join("\n");
}
