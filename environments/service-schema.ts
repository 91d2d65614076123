import { z } from "zod";
import { FARGATE_MEMORY } from "../lib/compute/fargate-sizes";
import { MAX_ROUTE_VALUES, type RouteDeclaration } from "../lib/compute/route-plan";
import type { DeepReadonly } from "./deep-readonly";

/**
 * The app's services as data: the zod schema is the single source of the types (`z.infer`), so a
 * rule lives in one place. Cross-service checks (routes, queues, repositories) run in validate.ts,
 * where every message can name the environment.
 *
 * Tested via: test/stacks/workloads.test.ts, test/environments.test.ts
 */

/**
 * An SLO target in percent: below 100 (a 100 % target leaves no error budget) and above the point
 * where even the fastest page (14.4× the budget rate) would need more than 100 % errors to fire.
 */
export const sloTarget = z
  .number()
  .lt(100, "must be below 100: a 100 % target leaves no error budget to alarm on")
  .refine((t) => 14.4 * (1 - t / 100) < 1, { message: "must be above 93.06: below it the fastest burn-rate page (14.4x the budget rate) would need more than 100 % errors and could never fire" });

/** Service and repository names: kebab-case, 2–20 characters (they end up in ECS, ECR, IAM and target group names). */
export const SERVICE_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Environment variable names containers get. */
export const ENV_VAR_NAME = /^[A-Z_][A-Z0-9_]*$/;

/** Plain variables whose name says "secret": they must come from Secrets Manager or SSM instead. */
export const SECRET_LOOKING_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|PRIVATE_KEY|CREDENTIALS?)$/;

/** Variables the kit sets itself (database, uploads, app settings): a service cannot redefine them. */
export const RESERVED_ENV_VAR = /^(APP_ENV|PUBLIC_URL|REQUEST_TIMEOUT_SECONDS|DATABASE_[A-Z_]+|PG[A-Z]+|UPLOAD_[A-Z_]+|CRON_JOB|JOB_TIMEOUT_SECONDS)$/;

/**
 * A secret reference ECS resolves at task start (Amazon ECS Developer Guide, "Pass sensitive data
 * to an Amazon ECS container": `valueFrom` is a Secrets Manager secret ARN, optionally with
 * `:<json-key>::`, or an SSM Parameter Store parameter ARN). A Secrets Manager ARN must be the full
 * one, with the 6-character suffix Secrets Manager adds: the execution role is granted exactly
 * that ARN, and a partial one would not match at task start. Values never appear in config or state.
 */
export const SECRET_ARN = /^arn:aws(-[a-z]+)?:(secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@!-]+-[A-Za-z0-9]{6}|ssm:[a-z0-9-]+:[0-9]{12}:parameter\/[A-Za-z0-9/_.-]+)$/;

/** Task names the kit uses itself (migration, preview database tasks); `cron-<job>` is reserved too. */
export const RESERVED_SERVICE_NAMES: readonly string[] = ["migrate", "db-init", "db-drop", "db-tasks", "db-bootstrap", "db-adopt-public"];

/** Queues a worker can scale on, by name. `upload-events` is the upload bucket's ObjectCreated queue. */
export const NAMED_QUEUES = ["upload-events"] as const;

const name = (what: string) => z.string().regex(SERVICE_NAME, `is not a ${what} name; use kebab-case such as "api" or "report-worker"`).min(2).max(20, "must be at most 20 characters (it ends up in ECS, ECR and IAM names)");
const path = z.string().regex(/^\/[\w\-./*]*$/, 'is not a path; use e.g. "/healthz" or "/api/*"');

/** CPU, memory and task counts of one service. */
export const serviceSizeSchema = z
  .object({
    /** Fargate CPU units of each task. */
    cpu: z.union([z.literal(256), z.literal(512), z.literal(1024), z.literal(2048), z.literal(4096)], {
      errorMap: () => ({ message: "is not a Fargate CPU value; use 256, 512, 1024, 2048 or 4096" }),
    }),
    /** Memory of each task in MiB; a pair Fargate accepts for `cpu`. */
    memoryMiB: z.number().int(),
    /** Lower bound for autoscaling and the initial task count. */
    minTasks: z.number().int().min(0, "must be 0 or more"),
    /** Upper bound for autoscaling (equal to minTasks: no autoscaling). */
    maxTasks: z.number().int().min(1, "must be at least 1").max(100, "must be at most 100; raise the service quota deliberately"),
  })
  .superRefine((s, ctx) => {
    const list = FARGATE_MEMORY[s.cpu];
    if (list && !list.includes(s.memoryMiB))
      ctx.addIssue({ code: "custom", path: ["memoryMiB"], message: `is not valid with cpu ${s.cpu}; Fargate accepts ${list[0]}–${list[list.length - 1]} MiB (${list.join(", ")})` });
    if (s.minTasks > s.maxTasks) ctx.addIssue({ code: "custom", path: ["minTasks"], message: `is above maxTasks (${s.maxTasks}); lower minTasks or raise maxTasks` });
  });

const secretRef = z.object({
  /** Secrets Manager secret ARN or SSM parameter ARN (never the value). */
  arn: z.string().regex(SECRET_ARN, "is not a Secrets Manager secret ARN or SSM parameter ARN; reference the secret by its full ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>-AbCdEf, with the suffix Secrets Manager adds, or arn:aws:ssm:<region>:<account>:parameter/<name>), never its value"),
  /** Key inside a JSON secret. @default the whole value */
  jsonKey: z.string().regex(/^[A-Za-z0-9_.-]+$/, "is not a JSON key").optional(),
});

const common = {
  /** ECR repository (name part) the image comes from; services may share one. */
  repository: name("repository"),
  /** Command override. @default the image's CMD */
  command: z.array(z.string().min(1, "has an empty argument")).min(1, "is empty; leave it out to run the image's CMD").optional(),
  /** CPU, memory and task counts; environments override what differs. */
  size: serviceSizeSchema,
  /** Share of tasks on Fargate Spot (0–100). @default the environment's app.fargateSpotPercent */
  spotPercent: z.number().int().min(0, "must be 0–100").max(100, "must be 0–100").optional(),
  /** `write` = the primary (and the reader), `read` = the reader only, `none` = no database settings at all. */
  database: z.enum(["none", "read", "write"], { errorMap: () => ({ message: 'is not a database access; use "none", "read" (the replica) or "write" (the primary)' }) }),
  /** `read-write`: the service may sign upload forms and downloads and consume the upload-events queue. */
  uploads: z.enum(["none", "read-write"], { errorMap: () => ({ message: 'is not an upload access; use "none" or "read-write"' }) }),
  /** Plain, non-secret environment variables. @default {} */
  environment: z.record(z.string()).optional(),
  /** Secrets by variable name, as Secrets Manager / SSM references only. @default {} */
  secrets: z.record(secretRef).optional(),
  /**
   * A Prometheus endpoint the service serves inside its task: a collector sidecar scrapes it and
   * remote-writes to the environment's Amazon Managed Prometheus workspace (previews: not scraped).
   * @default none (not scraped)
   */
  metrics: z
    .object({
      /** Port of the metrics endpoint (may differ from the HTTP port). */
      port: z
        .number()
        .int()
        .min(1, "must be a TCP port 1–65535")
        .max(65535, "must be a TCP port 1–65535")
        // The collector sidecar serves its own telemetry on 8888 in the same network namespace.
        .refine((p) => p !== 8888, { message: "is the collector sidecar's own telemetry port (8888); serve metrics on another port, e.g. 9464" }),
      /** Path of the endpoint. @default "/metrics" */
      path: z.string().regex(/^\/[A-Za-z0-9/_.-]*$/, 'is not a URL path; use e.g. "/metrics"').optional(),
    })
    .optional(),
};

/** An HTTP service behind the shared ALB. */
export const httpServiceSchema = z.object({
  /** Takes ALB traffic on the environment's HTTPS listener. */
  kind: z.literal("http"),
  ...common,
  /**
   * What the service answers. Declaration order is evaluation order: narrower routes first, a
   * catch-all last.
   */
  route: z.object({
    /** Path patterns, e.g. `["/backend/*"]` (the prefix is kept end to end). @default every path */
    paths: z.array(path).min(1, "is empty; leave paths out for a catch-all, or list at least one pattern").optional(),
    /** Host headers, e.g. `["api.example.com"]` (previews replace them with the preview's host). @default any host */
    hosts: z.array(z.string().regex(/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "is not a lowercase hostname (no wildcard: each host gets its own DNS record and certificate)")).optional(),
    /** Explicit listener priority, 49000–50000 (owning environment only). @default derived from the declaration order */
    priority: z.number().int().optional(),
  }),
  /** Target group (and container) health check path, e.g. `/backend/healthz`. */
  healthCheckPath: path,
  /**
   * This service's SLO where it differs from the environment's (`observability`): e.g. a checkout
   * held to 99.95 %, or an admin tool with no latency objective (`latency: "none"`).
   * @default the environment's availabilityPercent and latency
   */
  slo: z
    .object({
      /** Percent of requests answered without a 5xx over 30 days. @default the environment's */
      availabilityPercent: sloTarget.optional(),
      /** Latency objective, or "none" for no latency alarms. @default the environment's */
      latency: z
        .union([
          z.literal("none"),
          z.object({
            /** The threshold in milliseconds. */
            thresholdMs: z.number().int().positive("must be a positive number of milliseconds"),
            /** Share of requests that must be faster, e.g. 99. */
            percent: sloTarget,
          }),
        ])
        .optional(),
    })
    .optional(),
});

/** A worker: no load balancer, scales on CPU or on a queue's backlog. */
export const workerServiceSchema = z.object({
  /** Runs without a load balancer. */
  kind: z.literal("worker"),
  ...common,
  /** What autoscaling tracks. @default { on: "cpu" } */
  scaling: z
    .discriminatedUnion("on", [
      z.object({
        /** Average CPU. */
        on: z.literal("cpu"),
        /** Target average CPU percent. @default 60 */
        targetPercent: z.number().int().min(10, "must be 10–90").max(90, "must be 10–90").optional(),
      }),
      z.object({
        /** Visible messages per running task of a named queue. */
        on: z.literal("queue-backlog"),
        /** The queue, by name. */
        queue: z.enum(NAMED_QUEUES, { errorMap: () => ({ message: `is not a queue the platform has; use ${NAMED_QUEUES.map((q) => `"${q}"`).join(" or ")}` }) }),
        /** Messages one task may have waiting (its throughput x the delay you accept). */
        targetMessagesPerTask: z.number().int().min(1, "must be at least 1"),
      }),
    ])
    .optional(),
});

/** One service: an HTTP service or a worker. */
export const serviceSchema = z.discriminatedUnion("kind", [httpServiceSchema, workerServiceSchema]).superRefine((s, ctx) => {
  for (const [key, value] of Object.entries(s.environment ?? {})) {
    if (!ENV_VAR_NAME.test(key)) ctx.addIssue({ code: "custom", path: ["environment", key], message: "is not an environment variable name; use UPPER_SNAKE_CASE" });
    else if (RESERVED_ENV_VAR.test(key)) ctx.addIssue({ code: "custom", path: ["environment", key], message: "is set by the kit (database, uploads or app settings); remove it or pick another name" });
    else if (SECRET_LOOKING_NAME.test(key)) ctx.addIssue({ code: "custom", path: ["environment", key], message: "looks like a secret; move it to secrets as a Secrets Manager or SSM reference (plain variables are stored in the task definition and Terraform state)" });
    if (typeof value !== "string") ctx.addIssue({ code: "custom", path: ["environment", key], message: "must be a string" });
  }
  for (const [key, ref] of Object.entries(s.secrets ?? {})) {
    if (ref.jsonKey !== undefined && ref.arn.includes(":ssm:")) ctx.addIssue({ code: "custom", path: ["secrets", key, "jsonKey"], message: "is set on an SSM parameter; only Secrets Manager secrets have JSON keys, remove it" });
    if (!ENV_VAR_NAME.test(key)) ctx.addIssue({ code: "custom", path: ["secrets", key], message: "is not an environment variable name; use UPPER_SNAKE_CASE" });
    else if (RESERVED_ENV_VAR.test(key)) ctx.addIssue({ code: "custom", path: ["secrets", key], message: "is set by the kit (database, uploads or app settings); pick another name" });
    if (s.environment && key in s.environment) ctx.addIssue({ code: "custom", path: ["secrets", key], message: "is also a plain variable; keep it only in secrets" });
  }
  if (s.kind === "http") {
    // Previews replace the hosts with their own one, so a rule carries paths + max(hosts, 1) values.
    const values = (s.route.paths?.length ?? 0) + Math.max(s.route.hosts?.length ?? 0, 1);
    if (values > MAX_ROUTE_VALUES)
      ctx.addIssue({ code: "custom", path: ["route"], message: `has ${s.route.paths?.length ?? 0} paths and ${s.route.hosts?.length ?? 0} hosts (a preview's rule adds its host); an ALB rule takes 5 condition values and the origin-verify header needs 2, so use at most ${MAX_ROUTE_VALUES - 1} paths with one host, e.g. one wildcard "/api/*"` });
    const mounted = s.route.paths?.map((p) => p.replace(/\*$/, ""));
    if (mounted?.length && !mounted.some((prefix) => s.healthCheckPath.startsWith(prefix)))
      ctx.addIssue({ code: "custom", path: ["healthCheckPath"], message: `is outside the service's paths (${s.route.paths!.join(", ")}); the prefix is kept end to end, so the app answers under it: use e.g. ${mounted[0]!.replace(/\/$/, "")}/healthz` });
  }
  if (s.kind === "worker" && s.scaling?.on === "queue-backlog" && s.size.minTasks < 1)
    ctx.addIssue({ code: "custom", path: ["size", "minTasks"], message: "must be at least 1 for a worker that scales on a queue's backlog: with no task running, the backlog-per-task metric has no data and the worker never scales out" });
  if (s.kind === "worker" && s.scaling?.on === "queue-backlog" && s.scaling.queue === "upload-events" && s.uploads === "none")
    ctx.addIssue({ code: "custom", path: ["uploads"], message: 'is "none" but the worker scales on the upload-events queue it could not read; set uploads: "read-write"' });
});

/** One service, as declared and as resolved for an environment. */
export type ServiceConfig = DeepReadonly<z.infer<typeof serviceSchema>>;
/** An HTTP service. */
export type HttpServiceConfig = DeepReadonly<z.infer<typeof httpServiceSchema>>;
/** A worker. */
export type WorkerServiceConfig = DeepReadonly<z.infer<typeof workerServiceSchema>>;
/** Size of one service. */
export type ServiceSizeConfig = DeepReadonly<z.infer<typeof serviceSizeSchema>>;
/** Services by name; object key order is the declaration (and route evaluation) order. */
export type ServicesConfig = Readonly<Record<string, ServiceConfig>>;

/** The services map of an environment: names checked, each service validated. */
export const servicesSchema = z
  .record(serviceSchema)
  .superRefine((services, ctx) => {
    const names = Object.keys(services);
    if (names.length === 0) ctx.addIssue({ code: "custom", path: [], message: "declares no service; declare at least one HTTP service" });
    for (const n of names) {
      if (!SERVICE_NAME.test(n) || n.length < 2 || n.length > 20) ctx.addIssue({ code: "custom", path: [n], message: `(service "${n}") is not a service name; use kebab-case, 2–20 characters, such as "api"` });
      else if (RESERVED_SERVICE_NAMES.includes(n) || n.startsWith("cron-"))
        ctx.addIssue({ code: "custom", path: [n], message: `(service "${n}") is a name the kit's own tasks use (migrate, db-init, db-drop, db-tasks, cron-<job>): its task family, log group and IAM roles would clash at apply; rename the service` });
    }
    if (!Object.values(services).some((s) => s.kind === "http")) ctx.addIssue({ code: "custom", path: [], message: "has no HTTP service; the ALB needs at least one (its listener default answers 403)" });
  });

/**
 * Hostnames the environment's HTTP services are routed by (`route.hosts`), beyond the app hostname:
 * each gets a proxied DNS record (the env's DNS stack) and is covered by its ALB certificate (the
 * edge stack). Previews answer every service on their own hostname, so they have none.
 */
export function serviceHosts(env: { readonly services: ServicesConfig; readonly hostnames: { readonly app: string }; readonly preview?: unknown }): string[] {
  if (env.preview) return [];
  return [...new Set(Object.values(env.services).flatMap((s) => (s.kind === "http" ? (s.route.hosts ?? []) : [])))].filter((h) => h !== env.hostnames.app);
}

/**
 * The HTTP services' routes as a listener sees them, in declaration order: each service's own
 * hosts, or, for a preview, every service under the preview's one hostname (`hostOverride`).
 */
export function httpRoutes(services: ServicesConfig, hostOverride?: string): RouteDeclaration[] {
  return Object.entries(services).flatMap(([service, s]) =>
    s.kind === "http" ? [{ service, pathPatterns: s.route.paths, hosts: hostOverride ? [hostOverride] : s.route.hosts, priority: s.route.priority }] : [],
  );
}

/** What an environment may change of a declared service. */
export interface ServiceOverride {
  /** Size fields that differ. @default the declaration's size */
  readonly size?: Partial<ServiceSizeConfig>;
  /** Spot share of this service (0–100). @default the declaration's, else the environment's app.fargateSpotPercent */
  readonly spotPercent?: number;
  /** Extra or changed plain variables (merged over the declaration's). @default the declaration's */
  readonly environment?: Readonly<Record<string, string>>;
  /** Extra or changed secret references (merged over the declaration's). @default the declaration's */
  readonly secrets?: ServiceConfig["secrets"];
  /**
   * This environment's host headers for an HTTP service routed by host (hostnames belong to one
   * environment: prod's `api.example.com`, staging's `api-staging.example.com`).
   * @default the declaration's route.hosts
   */
  readonly hosts?: readonly string[];
}

/**
 * The services of one environment: the app's declaration with this environment's overrides
 * merged in (size fields, Spot share, variables, secrets). Naming a service the app does not
 * declare is a type error, and at run time an error naming the service.
 */
export function withOverrides<S extends ServicesConfig>(declared: S, overrides: { readonly [K in keyof S]?: ServiceOverride } = {}): S {
  for (const key of Object.keys(overrides))
    if (!(key in declared)) throw new Error(`services override names "${key}", which the app does not declare; declared: ${Object.keys(declared).join(", ")}`);
  return Object.fromEntries(
    Object.entries(declared).map(([key, s]) => {
      const o = overrides[key as keyof S];
      if (!o) return [key, s];
      if (o.hosts && s.kind !== "http") throw new Error(`services override gives "${key}" hosts, but it is a ${s.kind}; only HTTP services are routed by host`);
      return [
        key,
        {
          ...s,
          ...(o.hosts && s.kind === "http" ? { route: { ...s.route, hosts: [...o.hosts] } } : {}),
          size: { ...s.size, ...o.size },
          ...(o.spotPercent !== undefined ? { spotPercent: o.spotPercent } : {}),
          ...(o.environment ? { environment: { ...s.environment, ...o.environment } } : {}),
          ...(o.secrets ? { secrets: { ...s.secrets, ...o.secrets } } : {}),
        },
      ];
    }),
  ) as S;
}
