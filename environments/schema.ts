import { z } from "zod";
import type { ScheduleExpression } from "../lib/compute/scheduled-task";
import type { ResourceTransform } from "../lib/core/transform";
import { POSTGRES_ENGINE_VERSION } from "../lib/data/postgres-database";
import { servicesSchema, sloTarget } from "./service-schema";
import { regionProblem } from "../lib/core/regions";
import { RULES } from "../lib/policy/rules";
import { didYouMean } from "../lib/core/did-you-mean";
import { rdsInstanceClassProblem } from "../lib/data/rds-instance-classes";

/**
 * The shape of an environment, as zod schemas: the one place each field, its allowed values and
 * its documentation are written. types.ts derives every config type from these (`z.infer`), and
 * validate.ts adds the checks that relate fields to each other. Tested via: test/environments.test.ts
 */

/** Names a stack can have: the two long-lived environments and one preview per pull request. */
export type EnvName = "prod" | "staging" | `pr-${number}`;

/** The environment every preview borrows its platform (network, ALB, cluster, database) from. */
export const PREVIEW_BASE = "staging" as const;

/** A preview's hostname, one label below the zone so Cloudflare's Universal SSL covers it: `pr-42-staging.example.com`. */
export const previewHostname = (prNumber: number, zone: string): string => `pr-${prNumber}-${PREVIEW_BASE}.${zone}`;

/** Every preview hostname of a zone starts with `prefix` and ends with `suffix` (previewHostname). */
export const previewHostPattern = (zone: string): { readonly prefix: string; readonly suffix: string } => ({ prefix: "pr-", suffix: `-${PREVIEW_BASE}.${zone}` });

/** Ending of the preview repository names, reserved for them: a declared repository may not end in it. */
export const PREVIEW_REPOSITORY_SUFFIX = "-previews";

/**
 * The repository (name part) the preview base keeps for previews' images of `repository`: `web` →
 * `web-previews` (physical `shipkit-staging-web-previews`). Preview builds push only there, so their
 * pushes never count against the images staging runs (stacks/owned-platform.ts says why).
 */
export const previewRepository = (repository: string): string => `${repository}${PREVIEW_REPOSITORY_SUFFIX}`;

/** Environment names: prod, staging, or pr-<1..99999>. */
export const ENV_NAME = /^(prod|staging|pr-[1-9][0-9]{0,4})$/;

/** An RDS snapshot identifier (same account) or a snapshot ARN (shared from another account). */
export const RDS_SNAPSHOT = /^([a-zA-Z][a-zA-Z0-9-]{0,254}|arn:aws(-[a-z]+)?:rds:[a-z0-9-]+:[0-9]{12}:snapshot:[a-zA-Z0-9:-]{1,255})$/;

/** Lowercase hostnames (no scheme, port, trailing dot or wildcard). */
export const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** An AWS Region from the known list (lib/core/regions.ts), with a did-you-mean for typos. */
const region = z.string().superRefine((value, ctx) => {
  const problem = regionProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});
const hostname = z.string().regex(HOSTNAME, "is not a lowercase hostname; use a name like www.example.com (no scheme, port, trailing dot or wildcard)");
const fargateCpu = z.union([z.literal(256), z.literal(512), z.literal(1024), z.literal(2048), z.literal(4096)], {
  errorMap: () => ({ message: "is not a Fargate CPU value; use 256, 512, 1024, 2048 or 4096" }),
});

/** AWS account, region, AZs, deploy role and state bucket an environment is planned against. */
export const awsTargetSchema = z.object({
  /** 12-digit AWS account id the environment lives in (the provider refuses any other account). */
  accountId: z.string().regex(/^[0-9]{12}$/, "is not a 12-digit AWS account id"),
  /** AWS region, e.g. `us-east-1`. */
  region,
  /** Role that CI (GitHub OIDC) assumes to plan/deploy this environment; must be in `accountId`. */
  deployRoleArn: z.string().regex(/^arn:aws(-[a-z]+)?:iam::[0-9]{12}:role\/[\w+=,.@/-]{1,64}$/, "is not an IAM role ARN; use arn:aws:iam::<account>:role/<name>"),
  /** Explicit AZ list (no AZ data source: plans must not need the network). 2 or 3 AZs. */
  availabilityZones: z.array(z.string()).min(2, "needs at least 2 AZs (ALB and multi-AZ RDS require two)").max(3, "supports at most 3 AZs"),
  /** S3 bucket that holds Terraform state (one key per stack, native lock file). */
  stateBucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "is not an S3 bucket name"),
});

/** Network settings. Previews carry staging's values and build no network of their own. */
export const networkSchema = z.object({
  /** VPC IPv4 CIDR in a private range; /20 or larger for 3 AZs. */
  cidr: z.string(),
  /**
   * NAT mode for the private (app) subnets: one gateway per AZ (HA) or one shared (cheaper). No
   * "none": Fargate tasks in private subnets pull from ECR, ship logs and read secrets through NAT.
   */
  nat: z.enum(["per-az", "single"], { errorMap: () => ({ message: 'is not a NAT mode; use "per-az" or "single" (private tasks need egress to ECR, CloudWatch Logs and Secrets Manager)' }) }),
});

/** Public hostnames: the app's and the ones that redirect to it. */
export const hostnamesSchema = z.object({
  /** The hostname users reach the app on (proxied through Cloudflare), e.g. `www.example.com`. */
  app: hostname,
  /** Hostnames that redirect to `app` (e.g. the apex); required, use `[]` for none. */
  redirects: z.array(hostname),
});

/** Cloudflare zone and plan the hostnames live in. */
export const cloudflareSchema = z.object({
  /** The Cloudflare zone (apex domain), e.g. `example.com`. */
  zone: hostname,
  /** The zone's plan; decides which rules are allowed at the edge. */
  plan: z.enum(["free", "pro", "business", "enterprise"], { errorMap: () => ({ message: 'is not a Cloudflare plan; use "free", "pro", "business" or "enterprise"' }) }),
});

/**
 * The environment's Postgres (RDS). Previews own no instance: they get a logical database
 * `pr_<n>` on staging's, so their copy of these values only names the engine version.
 */
export const databaseSchema = z.object({
  /**
   * PostgreSQL version: a major (`"16"`, lets auto minor upgrades land without plan drift) or
   * major.minor (`"16.4"`, a pin: update it after AWS upgrades the minor, or the plan tries to
   * downgrade). The parameter group family (`postgres16`) and the psql image follow the major.
   */
  engineVersion: z.string().regex(POSTGRES_ENGINE_VERSION, 'is not a PostgreSQL engine version; use a major such as "16" (auto minor upgrades) or major.minor such as "16.4"'),
  /** RDS instance class, e.g. `db.t4g.medium`. */
  instanceClass: z.string().superRefine((value, ctx) => {
    // Exists for RDS for PostgreSQL (lib/data/rds-instance-classes.ts), with a did-you-mean.
    const problem = rdsInstanceClassProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem.replace(`${JSON.stringify(value)} `, "") });
  }),
  /** Initial allocated storage in GiB (gp3, 20 or more). */
  allocatedStorageGiB: z.number().int().min(20, "must be at least 20 GiB (gp3 minimum)").max(65536, "must be at most 65536 GiB"),
  /** Storage autoscaling ceiling in GiB; above `allocatedStorageGiB`. */
  maxAllocatedStorageGiB: z.number().int().max(65536, "must be at most 65536 GiB"),
  /** Read replicas in other AZs, for reporting and cron reads; need backups (>= 1 day). */
  readReplicas: z.number().int().min(0, "must be 0 or more").max(5, "must be at most 5; more replicas rarely help, add them deliberately"),
  /** RDS automated backups (point-in-time restore window), 0–35 days; 14+ for the protected tier. */
  backupRetentionDays: z.number().int().min(0, "must be 0–35 days (RDS limit)").max(35, "must be 0–35 days (RDS limit); keep longer history with backupPlan"),
  /** Standby in a second AZ (synchronous, automatic failover). Required for the protected tier. */
  multiAz: z.boolean(),
  /**
   * Rotation counter of the master password: raise it by one and deploy to give the instance and
   * its secret a fresh random password (docs/database.md, "Rotation"). Start at 1.
   */
  masterPasswordVersion: z.number().int("must be a whole number").min(1, "must be 1 or more; raise it by one to rotate"),
  /**
   * AWS Backup plan on top of RDS backups: daily snapshots kept `retentionDays`, optionally copied
   * to a vault in `copyToRegion`. Required for the protected tier.
   */
  backupPlan: z
    .object({
      /** Days each daily snapshot is kept (7 or more). */
      retentionDays: z.number().int().min(7, "must be at least 7 days").max(36500, "must be at most 36500 days"),
      /** Region of a second vault each snapshot is copied to. @default no copy */
      copyToRegion: region.optional(),
    })
    .optional(),
  /**
   * Create the instance from a snapshot (identifier, or ARN of a snapshot shared from another
   * account) instead of empty. Changing it replaces the instance. Scrub personal data before a
   * prod snapshot reaches staging: docs/database.md.
   */
  restoreFrom: z
    .object({
      /** Snapshot identifier or ARN. */
      snapshot: z.string().regex(RDS_SNAPSHOT, "is not an RDS snapshot identifier or ARN; use e.g. prod-scrubbed-2026-01-01 or arn:aws:rds:<region>:<account>:snapshot:<name>"),
    })
    .optional(),
});

/** How the app runs and is served: timeouts, images, WAF, capacity. */
export const appSchema = z.object({
  /** The app server's own request timeout in seconds; connection draining derives from it (timeout + 5 s). */
  requestTimeoutSeconds: z.number().int().min(1, "must be at least 1 second").max(900, "must be at most 900 s; long jobs belong in workers"),
  /** ALB idle timeout in seconds. Raise it for long-polling or websockets (they hold a connection open). */
  idleTimeoutSeconds: z.number().int().min(1, "must be at least 1 second").max(4000, "must be at most 4000 s (the ALB maximum)"),
  /** Port every HTTP service's container listens on. */
  containerPort: z.number().int().min(1024, "must be 1024 or higher (containers run unprivileged)").max(65535, "must be a TCP port"),
  /** Images each ECR repository keeps (older ones expire). */
  ecrKeepImages: z.number().int().min(5, "must keep at least 5 images so rollbacks have something to roll back to").max(1000, "must be at most 1000"),
  /** Share of tasks on Fargate Spot, 0–100 (prod 0: Spot can be reclaimed with 2 minutes' notice); services may override. */
  fargateSpotPercent: z.number().int().min(0, "must be 0–100").max(100, "must be 0–100"),
  /**
   * Tool the container health check of every HTTP service uses to GET the health path on
   * 127.0.0.1; the image must contain it (and `/bin/sh`). `node` uses Node 18+'s `fetch`, for
   * slim Node images without wget or curl.
   */
  containerHealthCheck: z.enum(["wget", "curl", "node"], { errorMap: () => ({ message: 'is not a health check tool; use "wget", "curl" or "node" (whichever the image has)' }) }),
  /** AWS WAF on the ALB; `off` only for previews (they sit behind staging's ALB and WAF anyway). */
  waf: z.union([
    z.literal("off"),
    z.object({
      /** Requests per 5 minutes per client IP allowed on the auth paths before blocking (10 or more). */
      authRateLimitPer5Minutes: z.number().int().min(10, "must be at least 10 (the WAF minimum)").max(2000000000, "is above the WAF maximum"),
      /** Path prefix of the auth endpoints, ending in `/`, e.g. `/backend/auth/`. */
      authPathPrefix: z.string().regex(/^\/[\w\-./]*\/$/, "must be a path prefix ending in /, e.g. /backend/auth/"),
    }),
  ]),
  /**
   * The one-off migration task: `command` run in the image of `service` (a declared service),
   * with that service's CPU, memory and database access (write).
   */
  migration: z.object({
    /** The declared service whose image, CPU and memory the migration uses. */
    service: z.string(),
    /** Command run in that image. */
    command: z.array(z.string().min(1)).min(1, 'must name a command, e.g. ["npm", "run", "migrate"]'),
  }),
});

/** One scheduled job: runs an app image with `command` on Fargate. See README "Cron". */
export const cronJobSchema = z.object({
  /** Kebab-case, 3–24 characters; part of every resource name (`<app>-<env>-cron-<name>`). */
  name: z.string(),
  /**
   * When it runs: `cron(min hour day-of-month month day-of-week year)` (six fields, exactly one
   * day field `?`) or `rate(<n> minute(s)|hour(s)|day(s))`, e.g. `cron(15 3 * * ? *)` or `rate(15 minutes)`.
   */
  schedule: z.custom<ScheduleExpression>((v) => typeof v === "string", "must be a cron(...) or rate(...) expression"),
  /** IANA time zone the cron fields are read in (DST-aware), e.g. `Europe/Berlin`. @default "UTC" */
  timezone: z.string().optional(),
  /** Command run in the image (wrapped by `timeout`, see timeoutSeconds). */
  command: z.array(z.string().min(1, "has an empty argument")).min(1, 'must name a command, e.g. ["npm", "run", "report"]'),
  /** Repository (of a declared service) whose image the job runs. @default "backend" */
  image: z.string().optional(),
  /** Fargate CPU units. @default 256 */
  cpu: fargateCpu.optional(),
  /** Memory in MiB, a pair Fargate accepts for `cpu`. @default 512 */
  memoryMiB: z.number().int().optional(),
  /** Longest a run may take (1–86400 s); then it is stopped and exits non-zero, which pages. */
  timeoutSeconds: z.number(),
  /** `read` connects to the read replica only; `write` gets the primary. */
  database: z.enum(["read", "write"], { errorMap: () => ({ message: 'is not a database access; use "read" (the replica) or "write" (the primary)' }) }),
  /** Environments the job is scheduled in (`prod`, `staging`, every preview as `preview`). */
  environments: z
    .array(z.enum(["prod", "staging", "preview"], { errorMap: () => ({ message: 'is not a cron environment; use "prod", "staging" or "preview"' }) }))
    .min(1, 'lists no environment; use e.g. ["prod", "staging"], or remove the job'),
  /**
   * Scheduler retries when starting the task fails (throttling, no capacity); not retries of a
   * job that ran and failed. @default { maximumAttempts: 3, maximumEventAgeSeconds: the interval, 60–3600 }
   */
  retries: z
    .object({
      /** Start attempts after the first, 0–185. */
      maximumAttempts: z.number().int().min(0, "must be 0–185 (EventBridge Scheduler limit)").max(185, "must be 0–185 (EventBridge Scheduler limit)"),
      /** How long a failed start is retried, 60–86400 s. */
      maximumEventAgeSeconds: z.number().int().min(60, "must be 60–86400 s (EventBridge Scheduler limit)").max(86400, "must be 60–86400 s (EventBridge Scheduler limit)"),
    })
    .optional(),
});

/** The repository whose image a cron job runs: its `image`, or the backend's. */
export const jobRepository = (job: { readonly image?: string }): string => job.image ?? "backend";

/** Scheduled jobs of one environment (cross-job checks: cron-validate.ts). */
/**
 * Observability of the environment: SLOs of its HTTP services (burn-rate alarms), who hears about
 * alerts, and the monthly cost budget (docs/observability.md).
 */
export const observabilitySchema = z.object({
  /**
   * `page`: every SLO burn-rate alarm acts (fast burns and slow ones); `notify`: only the fast burns
   * act (a staging regression worth a look, not a ticket queue); `off`: no SLO alarms (previews).
   */
  alerting: z.enum(["page", "notify", "off"], { errorMap: () => ({ message: 'is not an alerting mode; use "page", "notify" or "off"' }) }),
  /** Email addresses subscribed to the alarm topics (AWS mails each a confirmation first). */
  emails: z.array(z.string().email("is not an email address; use e.g. oncall@example.com")),
  /**
   * HTTPS endpoints (a pager, a chat tool) by name: each is the Terraform variable
   * `alert_webhook_<name>` (sensitive; its URL carries a key), set from the deploying environment
   * as `TF_VAR_alert_webhook_<name>`; left empty, it subscribes nothing. @default none
   */
  webhooks: z.array(z.string().regex(/^[a-z][a-z0-9_]{0,30}$/, "is not a webhook name; use lowercase letters, digits and _ (it names the variable alert_webhook_<name>)")).optional(),
  /** Availability SLO of every HTTP service: percent of requests answered without a 5xx over 30 days, e.g. 99.9. */
  availabilityPercent: sloTarget,
  /** Latency SLO of every HTTP service: `percent` of requests answered within `thresholdMs`. @default none */
  latency: z
    .object({
      /** The threshold in milliseconds. */
      thresholdMs: z.number().int().positive("must be a positive number of milliseconds"),
      /** Share of requests that must be faster, e.g. 99. */
      percent: sloTarget,
    })
    .optional(),
  /** Monthly cost budget in USD, with alerts at 80 % and 100 % (and a 100 % forecast). @default none */
  budgetUsd: z.number().positive("must be a positive amount in USD").optional(),
});

export const cronObjectSchema = z.object({
  /**
   * `on` disables every schedule of the environment (and the heartbeat alarms' actions): flip it
   * before a deploy that needs maintenance mode, deploy, flip it back (docs/runbook.md).
   */
  maintenance: z.enum(["off", "on"], { errorMap: () => ({ message: 'is not a maintenance switch; use "off" or "on"' }) }),
  /** Every job; each one's `environments` decides where it is scheduled. */
  jobs: z.array(cronJobSchema),
});

/** Everything that distinguishes one environment from another (cross-field checks: validate.ts). */
export const environmentObjectSchema = z.object({
  /** Environment name (`prod`, `staging` or `pr-<n>`); part of every physical name and stack id. */
  name: z.custom<EnvName>((v) => typeof v === "string" && ENV_NAME.test(v), "is not an environment name; use prod, staging or pr-<n>"),
  /** Short lowercase app name; prefixes every physical name. */
  appName: z.string().regex(/^[a-z][a-z0-9-]{1,14}[a-z0-9]$/, "must be 3–16 lowercase letters, digits or dashes, starting with a letter (it prefixes every resource name)"),
  /** AWS account, region, AZs, deploy role and state bucket the environment is planned against. */
  aws: awsTargetSchema,
  /** Network settings. Previews carry staging's values and build no network of their own. */
  network: networkSchema,
  /** Public hostnames: the app's and the ones that redirect to it. */
  hostnames: hostnamesSchema,
  /** Cloudflare zone and plan the hostnames live in. */
  cloudflare: cloudflareSchema,
  /** Lifecycle policy of the environment (lib/core/lifecycle.ts SafetyTier): protection, retention, force-destroy. */
  safetyTier: z.enum(["protected", "standard", "ephemeral"], { errorMap: () => ({ message: 'is not a safety tier; use "protected", "standard" or "ephemeral"' }) }),
  /**
   * The services this environment runs: the app's declaration (environments/services.ts) with
   * this environment's overrides (`withOverrides`). Key order = route evaluation order.
   */
  services: servicesSchema,
  /** Postgres settings. */
  database: databaseSchema,
  /** How the app runs and is served: timeouts, images, Spot share, WAF, migration. */
  app: appSchema,
  /** Scheduled jobs and the maintenance switch. */
  cron: cronObjectSchema,
  /** SLOs, alert routing and the cost budget. */
  observability: observabilitySchema,
  /**
   * The escape hatch: changes to any resource the kit creates, by construct path, through the
   * resource's typed setters (`transform(DbInstance, "database/primary", "why", (db) => ...)` from
   * lib/core/transform.ts). Guardrails still check the result. Review every use. @default none
   */
  transforms: z
    .array(
      z.object({
        /** Construct path below the stack. */
        path: z.string().min(1, "is empty; name a construct path such as database/primary"),
        /** Why the default is wrong here. */
        reason: z.string().min(10, "must say why the default is wrong here (10 characters or more)"),
        /** The change. */
        apply: z.custom<ResourceTransform["apply"]>((v) => typeof v === "function", "must be a function"),
      }),
    )
    .optional(),
  /**
   * Guardrail rules switched off for one resource each (lib/policy/rules/; docs/guardrails.md):
   * the rule id, the construct path below the stack, and why. Every suppression is printed in the
   * plan summary. Fix the cause instead where you can. @default none
   */
  guardrailSuppressions: z
    .array(
      z.object({
        /** Rule id, e.g. `open-ingress`. */
        rule: z.string().superRefine((id, ctx) => {
          const ids = RULES.map((r) => r.id);
          if (!ids.includes(id)) ctx.addIssue({ code: "custom", message: `is not a guardrail rule.${didYouMean(id, ids)} Rules: docs/guardrails.md` });
        }),
        /** Construct path below the stack, e.g. `load-balancer/security-group`. */
        path: z.string().min(1, "is empty; name a construct path such as load-balancer/security-group"),
        /** Why this resource may break the rule; printed in every plan summary. */
        reason: z.string().min(20, "must say why this resource may break the rule (20 characters or more): reviewers read it in the plan summary"),
      }),
    )
    .optional(),
  /**
   * How many previews may be open at once on this environment's ALB, and what their images keep.
   * Set only on the preview base (staging); previews carry their base's copy. @default the limits
   * previewCapacity (environments/preview-capacity.ts) derives from the ALB quotas
   */
  previews: z
    .object({
      /**
       * Most previews open at once. Each preview adds one listener rule and one target group per
       * HTTP service to the base's ALB. @default what the ALB quotas allow: 100 target groups per ALB
       * (not adjustable) and `albRulesQuota` rules, minus the base's own (49 with two HTTP services)
       */
      maxOpen: z.number().int("must be a whole number").min(1, "must be at least 1 (0 previews: leave previews out of the workflows instead)").optional(),
      /**
       * The account's "Rules per Application Load Balancer" quota, when it was raised through
       * Service Quotas (the target-group quota of 100 still applies). @default 100 (the AWS default)
       */
      albRulesQuota: z.number().int("must be a whole number").min(100, "must be at least 100 (the AWS default); leave it out unless the quota was raised").optional(),
      /**
       * Images each preview repository (`<app>-<base>-<repository>-previews`) keeps, newest first:
       * at least one per open preview, plus headroom for pushes while a quiet preview keeps running
       * its image. @default 10 x maxOpen
       */
      ecrKeepImages: z.number().int("must be a whole number").max(10000, "must be at most 10000 (ECR allows 100,000 images per repository; this bound keeps preview storage small)").optional(),
    })
    .optional(),
  /** Set only for previews: the pull request and the environment whose shared resources it uses. */
  preview: z
    .object({
      /** The pull request number, 1–99999. */
      prNumber: z.number().int().min(1).max(99999),
      /** The environment whose network, ALB, cluster and database the preview borrows. */
      base: z.literal(PREVIEW_BASE),
    })
    .optional(),
});
