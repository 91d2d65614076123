import { bitsFor, contains, MAX_SUBNET_PREFIX, parseCidr, PRIVATE_RANGES } from "../lib/core/ipv4";
import { cronSchema } from "./cron-validate";
import { environmentObjectSchema, HOSTNAME, jobRepository, PREVIEW_BASE, PREVIEW_REPOSITORY_SUFFIX, previewHostname } from "./schema";
import { httpRoutes, serviceHosts, type ServicesConfig } from "./service-schema";

/** Extra (SNI) certificates an ALB takes by default: one per service hostname. */
export const MAX_LISTENER_CERTIFICATES = 25;
import { planRoutes, RouteConflictError, type RoutePlacement } from "../lib/compute/route-plan";
import { FARGATE_MEMORY } from "../lib/compute/fargate-sizes";
import { SUBNET_TIERS } from "../lib/network/network";
import { POSTGRES_ENGINE_VERSION, PROTECTED_MIN_BACKUP_DAYS } from "../lib/data/postgres-database";

import type { EnvironmentConfig } from "./types";
import { regionProblem } from "../lib/core/regions";
import { ECR_MIN_KEPT_IMAGES } from "../lib/policy/rules/ecr-lifecycle-keeps-running-images";
import { previewCapacity } from "./preview-capacity";

export { FARGATE_MEMORY, SUBNET_TIERS, POSTGRES_ENGINE_VERSION, PROTECTED_MIN_BACKUP_DAYS };
export { RDS_SNAPSHOT } from "./schema";

/** Raised for bad environment input, before any stack is built or any output is written. */
export class EnvironmentConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid environment configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "EnvironmentConfigError";
  }
}

const envSchema = environmentObjectSchema
  .extend({ cron: cronSchema })
  .superRefine((e, ctx) => {
    const azs = e.aws.availabilityZones;
    // With a region that is not one, aws.region's own message says so; AZ hints built on it would mislead.
    const knownRegion = regionProblem(e.aws.region) === undefined;
    azs.forEach((az, i) => {
      if (knownRegion && !new RegExp(`^${e.aws.region}[a-z]$`).test(az))
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
    for (const [name, svc] of Object.entries(e.services))
      if (svc.metrics && svc.metrics.port === e.app.containerPort)
        ctx.addIssue({ code: "custom", path: ["services", name, "metrics", "port"], message: `is the app's own port (app.containerPort ${e.app.containerPort}); the metrics endpoint must be a separate port, e.g. 9464` });
    e.hostnames.redirects.forEach((h, i) => {
      if (h === e.hostnames.app)
        ctx.addIssue({ code: "custom", path: ["hostnames", "redirects", i], message: `is the app hostname itself: the edge would answer every request to it with a redirect to the same URL (a loop); remove it from redirects` });
      else if (e.hostnames.redirects.indexOf(h) !== i)
        ctx.addIssue({ code: "custom", path: ["hostnames", "redirects", i], message: `is listed twice; list each redirect hostname once (the edge would create its DNS record twice)` });
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
      const image = jobRepository(job);
      if (!repositories.has(image))
        ctx.addIssue({ code: "custom", path: ["cron", "jobs", i, "image"], message: `${job.name}: is not a repository of a declared service; use one of ${[...repositories].join(", ")}` });
    });
    for (const [name, s] of Object.entries(services)) {
      if (e.safetyTier === "protected" && (s.spotPercent ?? 0) > 0)
        ctx.addIssue({ code: "custom", path: ["services", name, "spotPercent"], message: "must be 0 for the protected tier (Spot tasks can be reclaimed at 2 minutes' notice)" });
    }
    if (!isPreview)
      for (const [name, s] of Object.entries(services)) {
        if (s.kind !== "http") continue;
        (s.route.hosts ?? []).forEach((h, i) => {
          const at = ["services", name, "route", "hosts", i];
          const label = h === e.cloudflare.zone ? "" : h.endsWith(`.${e.cloudflare.zone}`) ? h.slice(0, -(e.cloudflare.zone.length + 1)) : undefined;
          if (label === undefined) ctx.addIssue({ code: "custom", path: at, message: `is not in Cloudflare zone ${e.cloudflare.zone}; use a name under ${e.cloudflare.zone} (the DNS stack creates its record there)` });
          else if (label.includes(".")) ctx.addIssue({ code: "custom", path: at, message: `is more than one label below ${e.cloudflare.zone}; Cloudflare's Universal SSL only covers one level, use e.g. ${label.replace(/\./g, "-")}.${e.cloudflare.zone}` });
          if (e.hostnames.redirects.includes(h)) ctx.addIssue({ code: "custom", path: at, message: `is a redirect hostname of ${e.name}: the edge redirects it to ${e.hostnames.app} before it reaches the ALB; route by path on ${e.hostnames.app} or use another host` });
        });
      }
    // Elastic Load Balancing User Guide, "Quotas for your Application Load Balancers": "Certificates
    // per Application Load Balancer (excluding default certificates): 25". Each service host gets its
    // own listener certificate; a 26th is refused at apply (plan does not check quotas).
    const hosts = serviceHosts({ ...e, services });
    if (hosts.length > MAX_LISTENER_CERTIFICATES)
      ctx.addIssue({ code: "custom", path: ["services"], message: `route ${hosts.length} service hostnames; an ALB takes ${MAX_LISTENER_CERTIFICATES} extra certificates by default (one per host): route some by path, or raise the quota first and this limit with it` });
    const placements: [RoutePlacement, string, string][] = e.preview
      ? [[{ kind: "preview", prNumber: e.preview.prNumber }, e.hostnames.app, `in ${e.name}, every HTTP service answers on ${e.hostnames.app}`]]
      : [[{ kind: "owner" }, e.hostnames.app, ""]];
    // Staging is every preview's base: check its services as a preview will route them too, so a
    // declaration that breaks previews fails on the pull request that introduces it.
    if (e.name === PREVIEW_BASE)
      placements.push([{ kind: "preview", prNumber: 1 }, previewHostname(1, e.cloudflare.zone), `in every preview of ${PREVIEW_BASE}, where all HTTP services answer on one host, ${previewHostname(0, e.cloudflare.zone).replace("pr-0", "pr-<n>")}, in declaration order`]);
    const reported = new Set<string>();
    for (const [placement, host, context] of placements)
      for (const problem of routeProblems(services, placement, host, context)) {
        if (reported.has(problem.service)) continue;
        reported.add(problem.service);
        ctx.addIssue({ code: "custom", path: ["services", problem.service, "route"], message: problem.message });
      }
    // Preview repositories are named <repository>-previews (stacks/shared-state.ts); a declared one
    // with that ending would collide with the preview repository of another.
    for (const [name, s] of Object.entries(services))
      if (s.repository.endsWith(PREVIEW_REPOSITORY_SUFFIX))
        ctx.addIssue({ code: "custom", path: ["services", name, "repository"], message: `ends in "${PREVIEW_REPOSITORY_SUFFIX}", which names the preview repositories the preview base (${PREVIEW_BASE}) keeps per repository; rename it, e.g. "${s.repository.slice(0, -PREVIEW_REPOSITORY_SUFFIX.length)}-images"` });
    if (e.previews !== undefined && e.name !== PREVIEW_BASE && !isPreview)
      ctx.addIssue({ code: "custom", path: ["previews"], message: `is set on ${e.name}, but previews borrow ${PREVIEW_BASE}'s ALB; set it in environments/${PREVIEW_BASE}.ts and remove it here` });
    if (e.name === PREVIEW_BASE) {
      const cap = previewCapacity(e as EnvironmentConfig);
      if (cap.binding !== "none" && cap.limit < 1)
        ctx.addIssue({ code: "custom", path: ["services"], message: `leave no room for a single preview on ${e.name}'s ALB (${cap.reason}); route fewer HTTP services${cap.binding === "listener rules" ? " or raise the rules quota and set previews.albRulesQuota" : ""}` });
      else if (e.previews?.maxOpen !== undefined && e.previews.maxOpen > cap.limit)
        ctx.addIssue({
          code: "custom",
          path: ["previews", "maxOpen"],
          message: `is above the ${cap.limit} previews ${e.name}'s ALB fits (${cap.reason}); set it to ${cap.limit} or less, or leave it out for ${cap.limit}${cap.binding === "listener rules" ? ", or raise the rules quota through Service Quotas and set previews.albRulesQuota" : ""}`,
        });
      if (e.previews?.ecrKeepImages !== undefined) {
        const least = Math.max(ECR_MIN_KEPT_IMAGES, cap.maxOpen);
        if (e.previews.ecrKeepImages < least)
          ctx.addIssue({ code: "custom", path: ["previews", "ecrKeepImages"], message: `keeps fewer images than ${cap.maxOpen > ECR_MIN_KEPT_IMAGES ? `the ${cap.maxOpen} previews that may be open (one running image each)` : `${ECR_MIN_KEPT_IMAGES} (guardrail ecr-lifecycle-keeps-running-images)`}; raise it to ${least} or more, or leave it out for ${previewCapacity({ ...(e as EnvironmentConfig), previews: { ...e.previews, ecrKeepImages: undefined } }).ecrKeepImages}` });
      }
    }
    if (e.name === "prod" && e.safetyTier !== "protected")
      ctx.addIssue({ code: "custom", path: ["safetyTier"], message: 'must be "protected" for prod' });
  });

/**
 * The HTTP services' routes as the listener will see them (a preview's under its own host), checked
 * by planRoutes: duplicate paths or hosts, unreachable routes, explicit priorities.
 */
export function routeProblems(services: ServicesConfig, placement: RoutePlacement, previewHost: string, context: string): { service: string; message: string }[] {
  try {
    planRoutes(httpRoutes(services, placement.kind === "preview" ? previewHost : undefined), placement);
    return [];
  } catch (err) {
    if (err instanceof RouteConflictError) return [{ service: err.service, message: `${err.message}${context ? ` (${context})` : ""}` }];
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
