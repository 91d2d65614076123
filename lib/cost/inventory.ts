/**
 * What an environment's stack creates that has a monthly price, counted two ways:
 * `modelInventory` from the configuration alone (pure and instant: what `monthlyCost` uses, so
 * the plan summary needs no synth), and `inventoryFromSynth` from a synthesized `cdk.tf.json`
 * (what the stack really declares). test/cost/estimate.test.ts holds the two together on the real
 * environments: when a construct adds an alarm or a key, that test names the count to update here.
 *
 * Tested via: test/cost/estimate.test.ts
 */
import type { SafetyTier } from "../core/lifecycle";

/** A latency objective, or `"none"` for none. */
type Latency = "none" | { readonly thresholdMs: number; readonly percent: number };

/**
 * The parts of an environment's configuration the cost model reads. The app's environment type
 * (environments/types.ts) satisfies it; the library takes this narrow shape so it never imports
 * the app.
 */
export interface CostInput {
  /** `prod`, `staging` or `pr-<n>`. */
  readonly name: string;
  /** Decides log retention. */
  readonly safetyTier: SafetyTier;
  /** The AZs (one NAT gateway and one ALB node address each, per mode). */
  readonly aws: { readonly availabilityZones: readonly string[] };
  /** NAT mode: one gateway per AZ, or one shared. */
  readonly network: { readonly nat: "per-az" | "single" };
  /** Spot share and WAF. */
  readonly app: { readonly fargateSpotPercent: number; readonly waf: "off" | object };
  /** The services, each with its size and Spot share. */
  readonly services: Readonly<
    Record<
      string,
      {
        readonly kind: "http" | "worker";
        readonly size: { readonly cpu: number; readonly memoryMiB: number; readonly minTasks: number };
        readonly spotPercent?: number;
        readonly metrics?: object;
        readonly slo?: { readonly latency?: Latency };
      }
    >
  >;
  /** The database the environment owns (previews own none). */
  readonly database: {
    readonly instanceClass: string;
    readonly allocatedStorageGiB: number;
    readonly readReplicas: number;
    readonly backupRetentionDays: number;
    readonly multiAz: boolean;
    readonly backupPlan?: { readonly retentionDays: number; readonly copyToRegion?: string };
  };
  /** Alerting mode, latency SLO and budget. */
  readonly observability: { readonly alerting: "page" | "notify" | "off"; readonly latency?: { readonly thresholdMs: number; readonly percent: number }; readonly budgetUsd?: number };
  /** Scheduled jobs and where each runs. */
  readonly cron: { readonly jobs: readonly { readonly name: string; readonly environments: readonly string[] }[] };
  /** Set for previews: they borrow the base's platform. @default not a preview */
  readonly preview?: { readonly prNumber: number; readonly base: string };
}

/** Priced things a stack declares. */
export interface CostInventory {
  /** NAT gateways (each with an Elastic IP). */
  readonly natGateways: number;
  /** Application Load Balancers. */
  readonly loadBalancers: number;
  /** RDS instances: the primary and its read replicas. */
  readonly dbInstances: number;
  /** Customer managed KMS keys. */
  readonly kmsKeys: number;
  /** Secrets Manager secrets the stack creates. */
  readonly secrets: number;
  /** WAF web ACLs. */
  readonly webAcls: number;
  /** Rules (and managed rule groups) across the web ACLs. */
  readonly wafRules: number;
  /** Metric alarms. */
  readonly alarms: number;
  /** Metrics the alarms read (a metric-math alarm counts each metric it reads). */
  readonly alarmMetrics: number;
  /** Composite alarms. */
  readonly compositeAlarms: number;
  /** CloudWatch dashboards. */
  readonly dashboards: number;
  /** AWS Budgets budgets. */
  readonly budgets: number;
  /** Services a metrics collector scrapes into Amazon Managed Prometheus. */
  readonly scrapedServices: number;
}

/** Rules of the kit's web ACL (lib/compute/web-acl.ts): the auth rate limit and two AWS managed groups. */
export const WAF_RULES_PER_ACL = 3;

/** Service alarms (lib/observability/service-alarms.ts): HTTP 5xx ratio (2 metrics), p95, unhealthy targets, tasks below desired (2). */
const SERVICE_ALARMS = { http: { alarms: 4, metrics: 6 }, worker: { alarms: 1, metrics: 2 } } as const;
/** Database alarms (lib/observability/database-alarms.ts): 7 on the primary, 5 per replica, one metric each. */
const DB_ALARMS = { primary: 7, replica: 5 } as const;

/** Whether the environment owns its platform (prod, staging) or borrows it (a preview). */
export const ownsPlatform = (env: Pick<CostInput, "preview">): boolean => env.preview === undefined;

/** The cron jobs scheduled in `env` (previews run those that list `preview`). */
export const scheduledJobs = (env: Pick<CostInput, "name" | "cron" | "preview">): readonly { readonly name: string }[] =>
  env.cron.jobs.filter((j) => j.environments.includes(env.preview ? "preview" : env.name));

/** The latency objective of an HTTP service: its own, else the environment's; `undefined` for none. */
function latencyOf(s: CostInput["services"][string], env: CostInput): object | undefined {
  const own = s.slo?.latency;
  return own === "none" ? undefined : (own ?? env.observability.latency);
}

/**
 * The inventory of `env`'s stack from its configuration, following what the constructs create:
 * NAT per mode and AZ, one ALB, the primary + replicas, the alarm topic's KMS key, the master
 * password secret, one web ACL, and the observability stacks/observability.ts and
 * stacks/workloads.ts wire (SLO burn-rate alarms: page = 1 h, 6 h and 3 d windows, notify = 1 h and
 * 6 h, each window a long and a short alarm under one composite). A preview owns none of these.
 */
export function modelInventory(env: CostInput): CostInventory {
  if (!ownsPlatform(env))
    return { natGateways: 0, loadBalancers: 0, dbInstances: 0, kmsKeys: 0, secrets: 0, webAcls: 0, wafRules: 0, alarms: 0, alarmMetrics: 0, compositeAlarms: 0, dashboards: 0, budgets: 0, scrapedServices: 0 };
  const services = Object.values(env.services);
  const http = services.filter((s) => s.kind === "http");
  let alarms = 1; // the alarm topic's undelivered-alerts alarm
  let metrics = 1;
  let composites = 0;
  for (const s of services) {
    alarms += SERVICE_ALARMS[s.kind].alarms;
    metrics += SERVICE_ALARMS[s.kind].metrics;
  }
  if (env.observability.alerting !== "off") {
    const windows = env.observability.alerting === "page" ? 3 : 2;
    // Availability: the whole ALB and every HTTP service, 3 metrics per alarm; latency: 1 metric.
    const availability = 1 + http.length;
    const latency = http.filter((s) => latencyOf(s, env) !== undefined).length;
    alarms += 2 * windows * (availability + latency);
    metrics += 2 * windows * (3 * availability + latency);
    composites += windows * (availability + latency);
  }
  const db = DB_ALARMS.primary + DB_ALARMS.replica * env.database.readReplicas;
  alarms += db;
  metrics += db;
  if (env.database.backupPlan) {
    alarms += 1; // backup job heartbeat
    metrics += 1;
  }
  const jobs = scheduledJobs(env).length;
  const cron = jobs + (jobs > 0 ? 1 : 0); // a heartbeat per job, the scheduler dead-letter queue
  alarms += cron;
  metrics += cron;
  alarms += 2; // uploads: dead-letter queue, oldest event
  metrics += 2;
  const waf = env.app.waf === "off" ? 0 : 1;
  return {
    natGateways: env.network.nat === "per-az" ? env.aws.availabilityZones.length : 1,
    loadBalancers: 1,
    dbInstances: 1 + env.database.readReplicas,
    kmsKeys: 1,
    secrets: 1,
    webAcls: waf,
    wafRules: waf * WAF_RULES_PER_ACL,
    alarms,
    alarmMetrics: metrics,
    compositeAlarms: composites,
    dashboards: 1,
    budgets: env.observability.budgetUsd === undefined ? 0 : 1,
    scrapedServices: services.filter((s) => s.metrics !== undefined).length,
  };
}

/** The resources of a synthesized stack (`cdk.tf.json`), by type and id. */
export interface SynthesizedStack {
  /** Resources by type, then by id. @default none */
  readonly resource?: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, unknown>>>>>>;
}

/** The inventory a synthesized stack really declares. */
export function inventoryFromSynth(json: SynthesizedStack): CostInventory {
  const r = (type: string) => Object.values(json.resource?.[type] ?? {});
  const alarms = r("aws_cloudwatch_metric_alarm");
  const acls = r("aws_wafv2_web_acl");
  const rulesOf = (acl: Readonly<Record<string, unknown>>): number =>
    typeof acl.rule_json === "string" ? (JSON.parse(acl.rule_json) as unknown[]).length : Array.isArray(acl.rule) ? acl.rule.length : 0;
  return {
    natGateways: r("aws_nat_gateway").length,
    loadBalancers: r("aws_lb").length,
    dbInstances: r("aws_db_instance").length,
    kmsKeys: r("aws_kms_key").length,
    secrets: r("aws_secretsmanager_secret").length,
    webAcls: acls.length,
    wafRules: acls.reduce((n, a) => n + rulesOf(a), 0),
    alarms: alarms.length,
    alarmMetrics: alarms.reduce((n, a) => n + (Array.isArray(a.metric_query) ? (a.metric_query as { metric?: unknown }[]).filter((q) => q.metric).length : 1), 0),
    compositeAlarms: r("aws_cloudwatch_composite_alarm").length,
    dashboards: r("aws_cloudwatch_dashboard").length,
    budgets: r("aws_budgets_budget").length,
    scrapedServices: r("aws_ecs_task_definition").filter((t) => String(t.container_definitions).includes('"metrics-collector"')).length,
  };
}
