import type { SafetyTier } from "../lib/core/lifecycle";
import type { NatMode } from "../lib/network/network";
import type { CloudflarePlan } from "../lib/edge/edge-plan-limits";
import type { FargateCpu } from "../lib/compute/fargate-sizes";
import type { ContainerHealthCheck } from "../lib/compute/fargate-task";
import type { ResourceTransform } from "../lib/core/transform";

/**
 * Environment configuration as typed data. No values live here: see prod.ts, staging.ts and
 * ephemeral.ts. Environments differ only through these fields.
 */

/** Names a stack can have: the two long-lived environments and one preview per pull request. */
export type EnvName = "prod" | "staging" | `pr-${number}`;

export type { SafetyTier };

export type { NatMode };

export type { CloudflarePlan };

export type { FargateCpu };

export type { ServiceSizeConfig as ServiceSize, ServiceConfig, HttpServiceConfig, WorkerServiceConfig, ServicesConfig, ServiceOverride } from "./service-schema";
import type { ServicesConfig } from "./service-schema";

export interface AwsTarget {
  /** 12-digit AWS account id the environment lives in (the provider refuses any other account). */
  readonly accountId: string;
  /** AWS region, e.g. `us-east-1`. */
  readonly region: string;
  /** Role that CI (GitHub OIDC) assumes to plan/deploy this environment; must be in `accountId`. */
  readonly deployRoleArn: string;
  /** Explicit AZ list (no AZ data source: plans must not need the network). 2 or 3 AZs. */
  readonly availabilityZones: readonly string[];
  /** S3 bucket that holds Terraform state (one key per stack, native lock file). */
  readonly stateBucket: string;
}

export interface NetworkConfig {
  /** VPC IPv4 CIDR in a private range; /20 or larger for 3 AZs. */
  readonly cidr: string;
  /** NAT mode for the private (app) subnets. */
  readonly nat: NatMode;
}

export interface Hostnames {
  /** The hostname users reach the app on (proxied through Cloudflare), e.g. `www.example.com`. */
  readonly app: string;
  /** Hostnames that redirect to `app` (e.g. the apex); required, use `[]` for none. */
  readonly redirects: readonly string[];
}

export interface CloudflareConfig {
  /** The Cloudflare zone (apex domain), e.g. `example.com`. */
  readonly zone: string;
  /** The zone's plan. */
  readonly plan: CloudflarePlan;
}

/**
 * The environment's Postgres (RDS). Previews own no instance: they get a logical database
 * `pr_<n>` on staging's, so their copy of these values only names the engine version.
 */
export interface DatabaseConfig {
  /**
   * PostgreSQL version: a major (`"16"`, lets auto minor upgrades land without plan drift) or
   * major.minor (`"16.4"`, a pin: update it after AWS upgrades the minor, or the plan tries to
   * downgrade). The parameter group family (`postgres16`) and the psql image follow the major.
   */
  readonly engineVersion: string;
  /** RDS instance class, e.g. `db.t4g.medium`. */
  readonly instanceClass: string;
  /** Initial allocated storage in GiB (gp3, 20 or more). */
  readonly allocatedStorageGiB: number;
  /** Storage autoscaling ceiling in GiB; above `allocatedStorageGiB`. */
  readonly maxAllocatedStorageGiB: number;
  /** Read replicas in other AZs, for reporting and cron reads; need backups (>= 1 day). */
  readonly readReplicas: number;
  /** RDS automated backups (point-in-time restore window), 0–35 days; 14+ for the protected tier. */
  readonly backupRetentionDays: number;
  /** Standby in a second AZ (synchronous, automatic failover). Required for the protected tier. */
  readonly multiAz: boolean;
  /**
   * AWS Backup plan on top of RDS backups: daily snapshots kept `retentionDays`, optionally copied
   * to a vault in `copyToRegion`. Required for the protected tier.
   */
  readonly backupPlan?: { readonly retentionDays: number; readonly copyToRegion?: string };
  /**
   * Create the instance from a snapshot (identifier, or ARN of a snapshot shared from another
   * account) instead of empty. Changing it replaces the instance. Scrub personal data before a
   * prod snapshot reaches staging: docs/database.md.
   */
  readonly restoreFrom?: { readonly snapshot: string };
}

/** How the app runs and is served: timeouts, images, WAF, capacity. */
export interface AppConfig {
  /** The app server's own request timeout in seconds; connection draining derives from it (timeout + 5 s). */
  readonly requestTimeoutSeconds: number;
  /** ALB idle timeout in seconds. Raise it for long-polling or websockets (they hold a connection open). */
  readonly idleTimeoutSeconds: number;
  /** Port every HTTP service's container listens on. */
  readonly containerPort: number;
  /** Images each ECR repository keeps (older ones expire). */
  readonly ecrKeepImages: number;
  /** Share of tasks on Fargate Spot, 0–100 (prod 0: Spot can be reclaimed with 2 minutes' notice). */
  readonly fargateSpotPercent: number;
  /** AWS WAF on the ALB; `off` only for previews (they sit behind staging's ALB and WAF anyway). */
  readonly waf: "off" | { readonly authRateLimitPer5Minutes: number; readonly authPathPrefix: string };
  /**
   * The one-off migration task: `command` run in the image of `service` (a declared service),
   * with that service's CPU, memory and database access (write).
   */
  readonly migration: { readonly service: string; readonly command: readonly string[] };
  /**
   * Tool the container health check of every HTTP service uses to GET the health path on
   * 127.0.0.1; the image must contain it (and `/bin/sh`). `node` uses Node 18+'s `fetch`, for
   * slim Node images without wget or curl.
   */
  readonly containerHealthCheck: ContainerHealthCheck;
}

export type { ContainerHealthCheck };

/** Where a cron job runs: the two long-lived environments by name, every preview as `preview`. */
export type CronEnvironment = "prod" | "staging" | "preview";

/**
 * An EventBridge Scheduler expression: `cron(min hour day-of-month month day-of-week year)` (six
 * fields, exactly one day field `?`) or `rate(<n> minute(s)|hour(s)|day(s))` (singular for 1).
 */
export type ScheduleExpression = `cron(${string})` | `rate(${string})`;

/** One scheduled job: runs the app image with `command` on Fargate. See README "Cron". */
export interface CronJob {
  /** Kebab-case, 3–24 characters; part of every resource name (`<app>-<env>-cron-<name>`). */
  readonly name: string;
  /** When it runs, e.g. `cron(15 3 * * ? *)` (03:15 daily) or `rate(15 minutes)`. */
  readonly schedule: ScheduleExpression;
  /** IANA time zone the cron fields are read in (DST-aware), e.g. `Europe/Berlin`. @default "UTC" */
  readonly timezone?: string;
  /** Command run in the image (wrapped by `timeout`, see timeoutSeconds). */
  readonly command: readonly string[];
  /** Repository (of a declared service) whose image the job runs. @default "backend" */
  readonly image?: string;
  /** Fargate CPU units. @default 256 */
  readonly cpu?: FargateCpu;
  /** Memory in MiB, a pair Fargate accepts for `cpu`. @default 512 */
  readonly memoryMiB?: number;
  /** Longest a run may take (1–86400 s); then it is stopped and exits non-zero, which pages. */
  readonly timeoutSeconds: number;
  /** `read` connects to the read replica only; `write` gets the primary. Replica by default (decision 4). */
  readonly database: "read" | "write";
  /** Environments the job is scheduled in. Previews run it only when this lists `preview`. */
  readonly environments: readonly CronEnvironment[];
  /**
   * Scheduler retries when starting the task fails (throttling, no capacity); not retries of a
   * job that ran and failed. @default { maximumAttempts: 3, maximumEventAgeSeconds: the interval, 60–3600 }
   */
  readonly retries?: { readonly maximumAttempts: number; readonly maximumEventAgeSeconds: number };
}

/** Scheduled jobs of one environment. */
export interface CronConfig {
  /**
   * `on` disables every schedule of the environment (and the heartbeat alarms' actions): flip it
   * before a deploy that needs maintenance mode, deploy, flip it back (docs/runbook.md).
   */
  readonly maintenance: "off" | "on";
  /** Every job; each one's `environments` decides where it is scheduled. */
  readonly jobs: readonly CronJob[];
}

/** Everything that distinguishes one environment from another. */
export interface EnvironmentConfig {
  /** Environment name (`prod`, `staging` or `pr-<n>`); part of every physical name and stack id. */
  readonly name: EnvName;
  /** Short lowercase app name; prefixes every physical name. */
  readonly appName: string;
  /** AWS account, region, AZs, deploy role and state bucket the environment is planned against. */
  readonly aws: AwsTarget;
  /** Network settings. Previews carry staging's values and build no network of their own. */
  readonly network: NetworkConfig;
  /** Public hostnames: the app's and the ones that redirect to it. */
  readonly hostnames: Hostnames;
  /** Cloudflare zone and plan the hostnames live in. */
  readonly cloudflare: CloudflareConfig;
  /** Lifecycle policy of the environment (see SafetyTier): protection, retention, force-destroy. */
  readonly safetyTier: SafetyTier;
  /**
   * The services this environment runs: the app's declaration (environments/services.ts) with
   * this environment's overrides (`withOverrides`). Key order = route evaluation order.
   */
  readonly services: ServicesConfig;
  /** Postgres settings (see DatabaseConfig). */
  readonly database: DatabaseConfig;
  /** How the app runs and is served: timeouts, health checks, images, Spot share, WAF. */
  readonly app: AppConfig;
  /** Scheduled jobs and the maintenance switch. */
  readonly cron: CronConfig;
  /**
   * The escape hatch: changes to any resource the kit creates, by construct path, through the
   * resource's typed setters (`transform(DbInstance, "database/primary", "why", (db) => ...)` from
   * lib/core/transform.ts). Guardrails still check the result. Review every use. @default none
   */
  readonly transforms?: readonly ResourceTransform[];
  /** Set only for previews: the pull request and the environment whose shared resources it uses. */
  readonly preview?: { readonly prNumber: number; readonly base: "staging" };
}
