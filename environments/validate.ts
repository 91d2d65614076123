import { z } from "zod";
import { bitsFor, contains, MAX_SUBNET_PREFIX, parseCidr, PRIVATE_RANGES } from "../lib/core/ipv4";
import { cronSchema } from "./cron-validate";
import { servicesSchema, type ServicesConfig } from "./service-schema";
import { planRoutes, RouteConflictError, type RoutePlacement } from "../lib/compute/route-plan";
import { FARGATE_MEMORY } from "../lib/compute/fargate-sizes";
import { SUBNET_TIERS } from "../lib/network/network";
import { POSTGRES_ENGINE_VERSION, PROTECTED_MIN_BACKUP_DAYS } from "../lib/data/postgres-database";

export { FARGATE_MEMORY, SUBNET_TIERS, POSTGRES_ENGINE_VERSION, PROTECTED_MIN_BACKUP_DAYS };
import type { EnvironmentConfig } from "./types";

/** Raised for bad environment input, before any stack is built or any output is written. */
export class EnvironmentConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid environment configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "EnvironmentConfigError";
  }
}

/** RDS instance class naming: db.<family><generation>[variant].<size>, e.g. db.t4g.medium, db.r6gd.2xlarge. */
export const RDS_INSTANCE_CLASS = /^db\.(t3|t4g|m5|m5d|m6g|m6gd|m6i|m6id|m7g|m7i|m8g|r5|r5b|r5d|r6g|r6gd|r6i|r6id|r7g|r7i|r8g|x2g)\.(micro|small|medium|large|xlarge|[0-9]{1,2}xlarge)$/;

/** An RDS snapshot identifier (same account) or a snapshot ARN (shared from another account). */
export const RDS_SNAPSHOT = /^([a-zA-Z][a-zA-Z0-9-]{0,254}|arn:aws(-[a-z]+)?:rds:[a-z0-9-]+:[0-9]{12}:snapshot:[a-zA-Z0-9:-]{1,255})$/;

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const hostname = z.string().regex(HOSTNAME, "is not a lowercase hostname; use a name like www.example.com (no scheme, port, trailing dot or wildcard)");

const envSchema = z
  .object({
    name: z.string().regex(/^(prod|staging|pr-[1-9][0-9]{0,4})$/, "is not an environment name; use prod, staging or pr-<n>"),
    appName: z.string().regex(/^[a-z][a-z0-9-]{1,14}[a-z0-9]$/, "must be 3–16 lowercase letters, digits or dashes, starting with a letter (it prefixes every resource name)"),
    aws: z.object({
      accountId: z.string().regex(/^[0-9]{12}$/, "is not a 12-digit AWS account id"),
      region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-[0-9]$/, "is not an AWS region; use a region code like us-east-1"),
      deployRoleArn: z.string().regex(/^arn:aws(-[a-z]+)?:iam::[0-9]{12}:role\/[\w+=,.@/-]{1,64}$/, "is not an IAM role ARN; use arn:aws:iam::<account>:role/<name>"),
      availabilityZones: z.array(z.string()).min(2, "needs at least 2 AZs (ALB and multi-AZ RDS require two)").max(3, "supports at most 3 AZs"),
      stateBucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "is not an S3 bucket name"),
    }),
    network: z.object({
      cidr: z.string(),
      // No "none": Fargate tasks in private subnets pull from ECR, ship logs and read secrets through NAT.
      nat: z.enum(["per-az", "single"], { errorMap: () => ({ message: 'is not a NAT mode; use "per-az" or "single" (private tasks need egress to ECR, CloudWatch Logs and Secrets Manager)' }) }),
    }),
    hostnames: z.object({ app: hostname, redirects: z.array(hostname) }),
    cloudflare: z.object({
      zone: hostname,
      plan: z.enum(["free", "pro", "business", "enterprise"], { errorMap: () => ({ message: 'is not a Cloudflare plan; use "free", "pro", "business" or "enterprise"' }) }),
    }),
    safetyTier: z.enum(["protected", "standard", "ephemeral"], { errorMap: () => ({ message: 'is not a safety tier; use "protected", "standard" or "ephemeral"' }) }),
    services: servicesSchema,
    database: z.object({
      engineVersion: z.string().regex(POSTGRES_ENGINE_VERSION, 'is not a PostgreSQL engine version; use a major such as "16" (auto minor upgrades) or major.minor such as "16.4"'),
      instanceClass: z.string().regex(RDS_INSTANCE_CLASS, "is not an RDS instance class; use db.<family>.<size> such as db.t4g.medium or db.r6g.large"),
      allocatedStorageGiB: z.number().int().min(20, "must be at least 20 GiB (gp3 minimum)").max(65536, "must be at most 65536 GiB"),
      maxAllocatedStorageGiB: z.number().int().max(65536, "must be at most 65536 GiB"),
      readReplicas: z.number().int().min(0, "must be 0 or more").max(5, "must be at most 5; more replicas rarely help, add them deliberately"),
      backupRetentionDays: z.number().int().min(0, "must be 0–35 days (RDS limit)").max(35, "must be 0–35 days (RDS limit); keep longer history with backupPlan"),
      multiAz: z.boolean(),
      backupPlan: z
        .object({
          retentionDays: z.number().int().min(7, "must be at least 7 days").max(36500, "must be at most 36500 days"),
          copyToRegion: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-[0-9]$/, "is not an AWS region; use a region code like us-west-2").optional(),
        })
        .optional(),
      restoreFrom: z
        .object({ snapshot: z.string().regex(RDS_SNAPSHOT, "is not an RDS snapshot identifier or ARN; use e.g. prod-scrubbed-2026-01-01 or arn:aws:rds:<region>:<account>:snapshot:<name>") })
        .optional(),
    }),
    app: z.object({
      requestTimeoutSeconds: z.number().int().min(1, "must be at least 1 second").max(900, "must be at most 900 s; long jobs belong in workers"),
      idleTimeoutSeconds: z.number().int().min(1, "must be at least 1 second").max(4000, "must be at most 4000 s (the ALB maximum)"),
      containerPort: z.number().int().min(1024, "must be 1024 or higher (containers run unprivileged)").max(65535, "must be a TCP port"),
      ecrKeepImages: z.number().int().min(5, "must keep at least 5 images so rollbacks have something to roll back to").max(1000, "must be at most 1000"),
      fargateSpotPercent: z.number().int().min(0, "must be 0–100").max(100, "must be 0–100"),
      containerHealthCheck: z.enum(["wget", "curl", "node"], { errorMap: () => ({ message: 'is not a health check tool; use "wget", "curl" or "node" (whichever the image has)' }) }),
      waf: z.union([
        z.literal("off"),
        z.object({
          authRateLimitPer5Minutes: z.number().int().min(10, "must be at least 10 (the WAF minimum)").max(2000000000, "is above the WAF maximum"),
          authPathPrefix: z.string().regex(/^\/[\w\-./]*\/$/, "must be a path prefix ending in /, e.g. /backend/auth/"),
        }),
      ]),
      migration: z.object({
        service: z.string(),
        command: z.array(z.string().min(1)).min(1, "must name a command, e.g. [\"npm\", \"run\", \"migrate\"]"),
      }),
    }),
    cron: cronSchema(FARGATE_MEMORY),
    transforms: z
      .array(z.object({ path: z.string().min(1, "is empty; name a construct path such as database/primary"), reason: z.string().min(10, "must say why the default is wrong here (10 characters or more)"), apply: z.function() }))
      .optional(),
    preview: z.object({ prNumber: z.number().int().min(1).max(99999), base: z.literal("staging") }).optional(),
  })
  .superRefine((e, ctx) => {
    const azs = e.aws.availabilityZones;
    azs.forEach((az, i) => {
      if (!new RegExp(`^${e.aws.region}[a-z]$`).test(az))
        ctx.addIssue({ code: "custom", path: ["aws", "availabilityZones", i], message: `is not an AZ of region ${e.aws.region}; use ${e.aws.region}a, ${e.aws.region}b, ...` });
    });
    if (new Set(azs).size !== azs.length) ctx.addIssue({ code: "custom", path: ["aws", "availabilityZones"], message: "lists an AZ twice; list each AZ once" });
    const roleAccount = /::([0-9]{12}):/.exec(e.aws.deployRoleArn)?.[1];
    if (roleAccount && roleAccount !== e.aws.accountId)
      ctx.addIssue({ code: "custom", path: ["aws", "deployRoleArn"], message: `is in account ${roleAccount}, not ${e.aws.accountId}; use the deploy role of this environment's own account` });

    const cidr = parseCidr(e.network.cidr);
    const newBits = bitsFor(Math.max(azs.length, 1) * SUBNET_TIERS);
    if (!cidr) {
      ctx.addIssue({ code: "custom", path: ["network", "cidr"], message: "is not an IPv4 CIDR with a clean network address; use e.g. 10.20.0.0/16" });
    } else if (!PRIVATE_RANGES.some((r) => contains(r, cidr))) {
      ctx.addIssue({ code: "custom", path: ["network", "cidr"], message: "is not in a private range; use 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16" });
    } else if (cidr.prefix < 16) {
      ctx.addIssue({ code: "custom", path: ["network", "cidr"], message: "is larger than AWS allows for a VPC; use /16 to /20" });
    } else if (cidr.prefix + newBits > MAX_SUBNET_PREFIX) {
      ctx.addIssue({ code: "custom", path: ["network", "cidr"], message: `is too small for ${azs.length} AZs x ${SUBNET_TIERS} subnet tiers; use /${MAX_SUBNET_PREFIX - newBits} or larger` });
    }
    if (e.safetyTier === "protected" && e.network.nat !== "per-az")
      ctx.addIssue({ code: "custom", path: ["network", "nat"], message: 'must be "per-az" for the protected tier (one NAT per AZ survives an AZ outage)' });

    const inZone = (h: string) => h === e.cloudflare.zone || h.endsWith(`.${e.cloudflare.zone}`);
    [e.hostnames.app, ...e.hostnames.redirects].forEach((h, i) => {
      if (HOSTNAME.test(h) && !inZone(h))
        ctx.addIssue({ code: "custom", path: i === 0 ? ["hostnames", "app"] : ["hostnames", "redirects", i - 1], message: `is not in Cloudflare zone ${e.cloudflare.zone}; use a name under ${e.cloudflare.zone}` });
    });
    const isPreview = /^pr-/.test(e.name);
    if (isPreview !== (e.preview !== undefined))
      ctx.addIssue({ code: "custom", path: ["preview"], message: "must be set exactly for pr-<n> environments; build previews with ephemeral(pr)" });
    if (isPreview) {
      if (e.safetyTier !== "ephemeral") ctx.addIssue({ code: "custom", path: ["safetyTier"], message: 'must be "ephemeral" for previews (they must always tear down)' });
      const label = e.hostnames.app.slice(0, -(e.cloudflare.zone.length + 1));
      if (label.includes("."))
        ctx.addIssue({ code: "custom", path: ["hostnames", "app"], message: `is more than one label below ${e.cloudflare.zone}; Cloudflare's Universal SSL only covers one level, use ${e.name}-staging.${e.cloudflare.zone}` });
    }
    if (e.app.idleTimeoutSeconds <= e.app.requestTimeoutSeconds)
      ctx.addIssue({ code: "custom", path: ["app", "idleTimeoutSeconds"], message: `must exceed requestTimeoutSeconds (${e.app.requestTimeoutSeconds}) or the ALB cuts requests the app would still answer; raise it` });
    if (e.safetyTier === "protected" && e.app.waf === "off")
      ctx.addIssue({ code: "custom", path: ["app", "waf"], message: "must be on for the protected tier; set authRateLimitPer5Minutes and authPathPrefix" });
    if (e.safetyTier === "protected" && e.app.fargateSpotPercent > 0)
      ctx.addIssue({ code: "custom", path: ["app", "fargateSpotPercent"], message: "must be 0 for the protected tier (Spot tasks can be reclaimed at 2 minutes' notice)" });
    const db = e.database;
    if (db.maxAllocatedStorageGiB <= db.allocatedStorageGiB)
      ctx.addIssue({ code: "custom", path: ["database", "maxAllocatedStorageGiB"], message: `must be above allocatedStorageGiB (${db.allocatedStorageGiB}) for storage autoscaling; raise it` });
    if (db.readReplicas > 0 && db.backupRetentionDays < 1)
      ctx.addIssue({ code: "custom", path: ["database", "readReplicas"], message: "needs backupRetentionDays >= 1 (RDS read replicas require automated backups); raise backupRetentionDays or set readReplicas 0" });
    if (e.safetyTier === "protected") {
      if (db.backupRetentionDays < PROTECTED_MIN_BACKUP_DAYS)
        ctx.addIssue({ code: "custom", path: ["database", "backupRetentionDays"], message: `must be at least ${PROTECTED_MIN_BACKUP_DAYS} days for the protected tier (point-in-time restore window); raise it` });
      if (!db.multiAz) ctx.addIssue({ code: "custom", path: ["database", "multiAz"], message: "must be true for the protected tier (a standby survives an AZ outage)" });
      if (!db.backupPlan) ctx.addIssue({ code: "custom", path: ["database", "backupPlan"], message: "must be set for the protected tier (daily AWS Backup snapshots beyond RDS's window); set { retentionDays: 35 }" });
    }
    if (db.backupPlan?.copyToRegion === e.aws.region)
      ctx.addIssue({ code: "custom", path: ["database", "backupPlan", "copyToRegion"], message: `is the environment's own region; copy to another region (e.g. us-west-2) or leave it unset` });
    if (isPreview) {
      const why = "previews own no database instance (they get pr_<n> on staging's); build previews with ephemeral(pr)";
      if (db.multiAz) ctx.addIssue({ code: "custom", path: ["database", "multiAz"], message: `must be false for a preview: ${why}` });
      if (db.readReplicas > 0) ctx.addIssue({ code: "custom", path: ["database", "readReplicas"], message: `must be 0 for a preview: ${why}` });
      if (db.backupPlan) ctx.addIssue({ code: "custom", path: ["database", "backupPlan"], message: `must be unset for a preview: ${why}` });
      if (db.restoreFrom) ctx.addIssue({ code: "custom", path: ["database", "restoreFrom"], message: `must be unset for a preview: ${why}` });
    }
    const services = e.services as ServicesConfig;
    const serviceNames = Object.keys(services);
    const repositories = new Set(Object.values(services).map((s) => s.repository));
    if (!(e.app.migration.service in services))
      ctx.addIssue({ code: "custom", path: ["app", "migration", "service"], message: `is not a declared service; use one of ${serviceNames.join(", ")} (the migration runs in its image)` });
    e.cron.jobs.forEach((job, i) => {
      const image = job.image ?? "backend";
      if (!repositories.has(image))
        ctx.addIssue({ code: "custom", path: ["cron", "jobs", i, "image"], message: `${job.name}: is not a repository of a declared service; use one of ${[...repositories].join(", ")}` });
    });
    for (const [name, s] of Object.entries(services)) {
      if (e.safetyTier === "protected" && (s.spotPercent ?? 0) > 0)
        ctx.addIssue({ code: "custom", path: ["services", name, "spotPercent"], message: "must be 0 for the protected tier (Spot tasks can be reclaimed at 2 minutes' notice)" });
    }
    for (const problem of routeProblems(e.name, services, e.preview ? { kind: "preview", prNumber: e.preview.prNumber } : { kind: "owner" }, e.hostnames.app))
      ctx.addIssue({ code: "custom", path: ["services", problem.service, "route"], message: problem.message });
    if (e.name === "prod" && e.safetyTier !== "protected")
      ctx.addIssue({ code: "custom", path: ["safetyTier"], message: 'must be "protected" for prod' });
  });

/**
 * The HTTP services' routes as the listener will see them (a preview's under its own host), checked
 * by planRoutes: duplicate paths or hosts, unreachable routes, explicit priorities.
 */
export function routeProblems(envName: string, services: ServicesConfig, placement: RoutePlacement, previewHost: string): { service: string; message: string }[] {
  const routes = Object.entries(services).flatMap(([service, s]) =>
    s.kind === "http" ? [{ service, pathPatterns: s.route.paths, hosts: placement.kind === "preview" ? [previewHost] : s.route.hosts, priority: s.route.priority }] : [],
  );
  try {
    planRoutes(routes, placement);
    return [];
  } catch (err) {
    if (err instanceof RouteConflictError) return [{ service: err.service, message: `${err.message}${placement.kind === "preview" ? ` (in ${envName}, every HTTP service answers on ${previewHost})` : ""}` }];
    throw err;
  }
}

function valueAt(input: unknown, path: readonly (string | number)[]): unknown {
  return path.reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<string | number, unknown>)[k] : undefined), input);
}

/**
 * Validates one environment. Every problem is reported at once, each as
 * `<env>.<field> <value> <problem and fix>`.
 */
export function validateEnvironment(input: EnvironmentConfig): EnvironmentConfig {
  const result = envSchema.safeParse(input);
  if (result.success) return input;
  const envName = typeof input?.name === "string" && input.name ? input.name : "<unnamed>";
  const problems = result.error.issues.map((issue) => {
    const field = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("").replace(/^\./, "");
    const value = valueAt(input, issue.path);
    const shown = value === undefined ? "(missing)" : JSON.stringify(value);
    return `${envName}.${field} ${shown} ${issue.message}`;
  });
  throw new EnvironmentConfigError(problems);
}
