/**
 * Services as data: a worker and a third HTTP service are added by editing environment data only
 * (a fixture config, no code), and the stack grows the ECS services, target group, listener rule,
 * autoscaling and alarms for them; bad route declarations fail at synth naming both services.
 * The fixture's staging and preview also pass a real offline terraform plan.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildApp } from "../../app";
import { ephemeral, prod, staging, validateEnvironment } from "../../environments";
import type { EnvironmentConfig, ServicesConfig } from "../../environments/types";
import { EnvironmentStack } from "../../stacks/environment-stack";
import { offlineCertificateArn } from "../../stacks/edge-contract";
import { hashedPriority } from "../../lib/compute/route-plan";
import type { PlanSummary } from "../../scripts/lib/offline";
import { environmentProblems, OFFLINE, planApp, resources, synthEnv, tempApp, type SynthJson } from "../helpers";

/** The app's services plus an `api` HTTP service (declared before the catch-all) and a queue worker. */
const services: ServicesConfig = {
  backend: staging.services.backend!,
  api: {
    kind: "http",
    repository: "api",
    route: { paths: ["/api/*"] },
    healthCheckPath: "/api/healthz",
    database: "read",
    uploads: "none",
    size: { cpu: 256, memoryMiB: 512, minTasks: 1, maxTasks: 4 },
    environment: { FEATURE_FLAGS: "search" },
    secrets: { STRIPE_KEY: { arn: "arn:aws:secretsmanager:us-east-1:222222222222:secret:shipkit/stripe-AbCdEf" } },
  },
  web: staging.services.web!,
  "upload-worker": {
    kind: "worker",
    repository: "backend",
    command: ["npm", "run", "worker"],
    database: "write",
    uploads: "read-write",
    size: { cpu: 512, memoryMiB: 1024, minTasks: 1, maxTasks: 6 },
    scaling: { on: "queue-backlog", queue: "upload-events", targetMessagesPerTask: 20 },
  },
};
const grown: EnvironmentConfig = { ...staging, services };
const preview = ephemeral(42, grown);

const byName = (json: SynthJson, type: string, name: string) => resources(json, type).find((r) => r.name === name);
const ruleOf = (json: SynthJson, service: string) => resources(json, "aws_lb_listener_rule").find((r) => JSON.stringify(r.action).includes(`${service}-service_target-group`))!;
const containerEnv = (json: SynthJson, family: string) => String(resources(json, "aws_ecs_task_definition").find((t) => t.family === family)!.container_definitions);

describe("adding a worker and a third HTTP service is a data change", () => {
  const json = synthEnv(grown);

  test("the fixture is a valid environment", () => {
    expect(validateEnvironment(grown)).toBe(grown);
    expect(validateEnvironment(preview)).toBe(preview);
  });

  test("four ECS services, one per declared service", () => {
    expect(resources(json, "aws_ecs_service").map((s) => s.name).sort()).toEqual(["shipkit-staging-api", "shipkit-staging-backend", "shipkit-staging-upload-worker", "shipkit-staging-web"]);
  });

  test("the HTTP service gets a target group, a listener rule with a unique derived priority, and its health path", () => {
    expect(byName(json, "aws_lb_target_group", "shipkit-staging-api-8080")).toMatchObject({ health_check: expect.objectContaining({ path: "/api/healthz" }), deregistration_delay: "30" });
    // backend and web keep their pinned priorities; api gets a stable slot from its name, so adding it moves no existing rule.
    const priorities = ["backend", "api", "web"].map((s) => ruleOf(json, s).priority);
    expect(priorities).toEqual([49000, hashedPriority("api"), 49001]);
    expect(ruleOf(synthEnv(staging), "backend").priority).toBe(49000);
    expect(ruleOf(synthEnv(staging), "web").priority).toBe(49001);
    expect(new Set(resources(json, "aws_lb_listener_rule").map((r) => r.priority)).size).toBe(3);
    expect(JSON.stringify(ruleOf(json, "api").condition)).toContain("/api/*");
  });

  test("the worker has no load balancer and scales on the upload queue's backlog per task", () => {
    const worker = byName(json, "aws_ecs_service", "shipkit-staging-upload-worker")!;
    expect(worker.load_balancer).toBeUndefined();
    expect(worker.health_check_grace_period_seconds).toBeUndefined();
    expect(resources(json, "aws_appautoscaling_target").find((t) => String(t.resource_id).includes("upload-worker"))).toMatchObject({ min_capacity: 1, max_capacity: 6 });
    const backlog = byName(json, "aws_appautoscaling_policy", "shipkit-staging-upload-worker-backlog")!;
    const spec = (backlog.target_tracking_scaling_policy_configuration as { target_value: number; customized_metric_specification: { metrics: { id: string; expression?: string; metric_stat?: { metric: { metric_name: string } } }[] } });
    expect(spec.target_value).toBe(20);
    expect(spec.customized_metric_specification.metrics.map((m) => m.metric_stat?.metric.metric_name ?? m.expression)).toEqual(["ApproximateNumberOfMessagesVisible", "RunningTaskCount", "visible / IF(running > 0, running, 1)"]);
    expect(byName(json, "aws_appautoscaling_policy", "shipkit-staging-upload-worker-requests")).toBeUndefined();
  });

  test("every service gets its alarms on the environment's topic", () => {
    const alarms = resources(json, "aws_cloudwatch_metric_alarm").map((a) => String(a.alarm_name));
    for (const s of ["api", "upload-worker"]) expect(alarms.some((a) => a.startsWith(`shipkit-staging-${s}-`))).toBe(true);
    expect(alarms).toContain("shipkit-staging-api-5xx-ratio");
    expect(alarms.filter((a) => a.startsWith("shipkit-staging-upload-worker-")).some((a) => a.includes("5xx"))).toBe(false);
  });

  test("typed connections: read access gets no primary host, secrets stay references, uploads grant only who declares them", () => {
    const api = containerEnv(json, "shipkit-staging-api");
    expect(api).toContain("DATABASE_READ_HOST");
    expect(api).not.toMatch(/"name"\s*=\s*"DATABASE_HOST"/);
    expect(api).toContain("arn:aws:secretsmanager:us-east-1:222222222222:secret:shipkit/stripe-AbCdEf");
    expect(api).not.toContain("UPLOAD_BUCKET");
    expect(containerEnv(json, "shipkit-staging-upload-worker")).toContain("UPLOAD_BUCKET");
    const grants = resources(json, "aws_iam_role_policy").map((p) => String(p.role));
    expect(grants.filter((r) => r.includes("uploads") || r.includes("upload-worker")).length).toBeGreaterThan(0);
    expect(Object.keys(json.resource!.aws_iam_role_policy!).filter((k) => k.startsWith("uploads_") && k.includes("-access")).sort()).toEqual([expect.stringContaining("uploads_backend-access"), expect.stringContaining("uploads_upload-worker-access")]);
  });

  test("a new repository is created, with its preview repository, and shared with previews", () => {
    expect(resources(json, "aws_ecr_repository").map((r) => r.name).sort()).toEqual([
      "shipkit-staging-api",
      "shipkit-staging-api-previews",
      "shipkit-staging-backend",
      "shipkit-staging-backend-previews",
      "shipkit-staging-web",
      "shipkit-staging-web-previews",
    ]);
    expect(Object.keys(json.output!)).toEqual(expect.arrayContaining(["api_repository_url", "api_repository_arn", "api_previews_repository_url", "api_previews_repository_arn"]));
  });

  test("the preview runs every service under its host, one Spot task each, alarms off", () => {
    const pr = synthEnv(preview);
    expect(resources(pr, "aws_ecs_service")).toHaveLength(4);
    for (const s of ["backend", "api", "web"]) expect(JSON.stringify(ruleOf(pr, s).condition)).toContain("pr-42-staging.example.com");
    expect(["backend", "api", "web"].map((s) => ruleOf(pr, s).priority)).toEqual([346, 347, 348]);
    expect(resources(pr, "aws_cloudwatch_metric_alarm")).toHaveLength(0);
    expect(resources(pr, "aws_appautoscaling_target")).toHaveLength(0);
  });
});

describe("bad service declarations fail before anything is written", () => {
  const problems = environmentProblems;

  test("a catch-all declared before a narrower route names both services and the fix", () => {
    const { web, ...rest } = services;
    // Previews evaluate services in declaration order under one host; staging (their base) is checked for them too.
    expect(problems({ ...staging, services: { web: web!, ...rest } })).toEqual([
      expect.stringMatching(/^staging\.services\.backend\.route .* service "web" is a catch-all evaluated before "backend", so "backend" would never receive traffic on host pr-1-staging\.example\.com; declare "backend" before "web" .*\(in every preview of staging/),
    ]);
  });

  test("two services claiming the same path", () => {
    const clash = { ...services, api: { ...services.api!, route: { paths: ["/backend/*"] }, healthCheckPath: "/backend/healthz" } } as ServicesConfig;
    expect(problems({ ...staging, services: clash })[0]).toMatch(/^staging\.services\.(api|backend)\.route .*services "(backend|api)" and "(backend|api)" both claim path \/backend\/\* on any host; keep the path in one of them/);
  });

  test("two services with the same explicit priority", () => {
    const clash = { ...services, api: { ...services.api!, route: { paths: ["/api/*"], priority: 49900 } }, web: { ...services.web!, route: { priority: 49900 } } } as ServicesConfig;
    expect(problems({ ...staging, services: clash })[0]).toMatch(/services "api" and "web" both have listener priority 49900; set route.priority on one of them/);
  });

  test("a preview where two host-split services land on one host: caught on staging already, and on the preview", () => {
    const split = { ...services, api: { ...services.api!, route: { hosts: ["api.example.com"] }, healthCheckPath: "/healthz" } } as ServicesConfig;
    expect(problems({ ...prod, services: split })).toEqual([]);
    expect(problems({ ...staging, services: split })).toEqual([
      expect.stringMatching(/^staging\.services\.web\.route .*services "api" and "web" both claim every path on host pr-1-staging\.example\.com.*\(in every preview of staging/),
    ]);
    expect(problems(ephemeral(7, { ...staging, services: split }))[0]).toMatch(/^pr-7\.services\.web\.route .*both claim every path on host pr-7-staging\.example\.com.*\(in pr-7, every HTTP service answers on pr-7-staging\.example\.com\)/);
  });

  test.each<[string, Partial<ServicesConfig[string]>, RegExp]>([
    ["a secret value instead of a reference", { secrets: { STRIPE_KEY: { arn: "sk_live_123" } } }, /services\.api\.secrets\.STRIPE_KEY\.arn "sk_live_123" is not a Secrets Manager secret ARN or SSM parameter ARN/],
    ["a secret-looking plain variable", { environment: { STRIPE_API_KEY: "sk_live_123" } }, /services\.api\.environment\.STRIPE_API_KEY "sk_live_123" looks like a secret; move it to secrets/],
    ["a variable the kit sets", { environment: { DATABASE_HOST: "db" } }, /services\.api\.environment\.DATABASE_HOST "db" is set by the kit/],
    ["a health path outside the routes", { healthCheckPath: "/healthz" }, /services\.api\.healthCheckPath "\/healthz" is outside the service's paths \(\/api\/\*\).*use e\.g\. \/api\/healthz/],
    ["a Fargate size that does not exist", { size: { cpu: 256, memoryMiB: 4096, minTasks: 1, maxTasks: 2 } }, /services\.api\.size\.memoryMiB 4096 is not valid with cpu 256; Fargate accepts 512–2048 MiB/],
  ])("%s", (_what, patch, message) => {
    const bad = { ...services, api: { ...services.api!, ...patch } } as ServicesConfig;
    expect(problems({ ...staging, services: bad }).join("\n")).toMatch(message);
  });

  test("a worker that scales on the upload queue without upload access, and Spot in the protected tier", () => {
    const worker = { ...services["upload-worker"]!, uploads: "none" } as ServicesConfig[string];
    expect(problems({ ...staging, services: { ...services, "upload-worker": worker } })[0]).toMatch(/services\.upload-worker\.uploads "none" is "none" but the worker scales on the upload-events queue/);
  });

  test("the migration service and cron images must be declared", () => {
    expect(problems({ ...staging, app: { ...staging.app, migration: { service: "api-v2", command: ["migrate"] } } })[0]).toMatch(/^staging\.app\.migration\.service "api-v2" is not a declared service; use one of backend, web/);
    const jobs = staging.cron.jobs.map((j, i) => (i === 0 ? { ...j, image: "worker" } : j));
    expect(problems({ ...staging, cron: { ...staging.cron, jobs } })[0]).toMatch(/cron\.jobs\[0\]\.image "worker" .*is not a repository of a declared service; use one of backend, web/);
  });
});

describe("the grown environment plans for real", () => {
  let plans: Record<string, PlanSummary> = {};
  beforeAll(async () => {
    const app = tempApp();
    new EnvironmentStack(app, { env: grown, deployment: OFFLINE });
    new EnvironmentStack(app, { env: preview, deployment: OFFLINE });
    plans = await planApp(app, ["staging", "pr-42"], [grown]);
  });
  test("a preview whose new repository staging has not created yet stops with an error naming it", async () => {
    const app = tempApp();
    new EnvironmentStack(app, { env: preview, deployment: OFFLINE });
    const early = await planApp(app, ["pr-42"], [staging]);
    expect(early["pr-42"]!.ok).toBe(false);
    expect(early["pr-42"]!.error).toMatch(/staging has not published the preview image repository outputs api_previews_repository_url that this preview's services use: preview repositories are created by staging's stack, so deploy staging first/);
  });

  test.each(["staging", "pr-42"])("%s passes terraform plan with the real AWS provider", (stack) => {
    expect(plans[stack]?.error ?? "").toBe("");
    expect(plans[stack]?.ok).toBe(true);
    expect(plans[stack]!.toAdd.aws_ecs_service).toBe(4);
  });
});

describe("a service routed by its own host", () => {
  const withApi = (hosts: string[]): EnvironmentConfig => ({
    ...prod,
    services: { api: { ...services.api!, route: { hosts }, healthCheckPath: "/healthz" }, ...prod.services } as ServicesConfig,
  });

  test("gets a host rule, a proxied DNS record, and its own certificate on the listener (the main one is not replaced)", async () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "shipkit-hosts-"));
    const prodApi = withApi(["api.example.com"]);
    // Staging's own host (hostnames belong to one environment), with a path so previews can route it.
    const stagingApi: EnvironmentConfig = { ...staging, services: { api: { ...services.api!, route: { paths: ["/api/*"], hosts: ["api-staging.example.com"] } }, ...staging.services } as ServicesConfig };
    const { app, stacks } = buildApp({ deployment: OFFLINE, outdir, environments: { prod: prodApi, staging: stagingApi } });
    app.synth();
    const read = (stack: string) => JSON.parse(fs.readFileSync(path.join(outdir, "stacks", stack, "cdk.tf.json"), "utf8")) as SynthJson;
    expect(JSON.stringify(ruleOf(read("prod"), "api").condition)).toContain('"host_header":{"values":["api.example.com"]}');
    expect(resources(read("prod-dns"), "cloudflare_dns_record").map((r) => r.name).sort()).toEqual(["api.example.com", "example.com", "www.example.com"]);
    expect(resources(read("staging-dns"), "cloudflare_dns_record").map((r) => r.name).sort()).toEqual(["api-staging.example.com", "staging.example.com"]);
    const certs = resources(read("edge-example-com"), "aws_acm_certificate");
    expect(certs.find((c) => c.domain_name === "www.example.com")!.subject_alternative_names).toEqual(["example.com"]);
    expect(certs.find((c) => c.domain_name === "api.example.com")).toBeDefined();
    // staging's wildcard already covers api-staging.example.com: no certificate of its own.
    expect(certs.map((c) => c.domain_name).sort()).toEqual(["api.example.com", "staging.example.com", "www.example.com"]);
    expect(resources(read("prod"), "aws_lb_listener_certificate")).toEqual([expect.objectContaining({ certificate_arn: offlineCertificateArn(prod.aws.accountId, prod.aws.region, "prod-api-example-com") })]);
    expect(resources(read("staging"), "aws_lb_listener_certificate")).toEqual([]);
    const { seedOfflineUpstreams, findProviderMirror, planStack, terraformEnv, writeCliConfig } = await import("../../scripts/lib/offline");
    seedOfflineUpstreams(OFFLINE.mode === "offline" ? OFFLINE.stateDir : "", stacks.map((s) => s.env));
    const plan = await planStack("prod", path.join(outdir, "stacks", "prod"), terraformEnv(writeCliConfig(findProviderMirror(process.env.SHIPKIT_PROVIDER_MIRROR), outdir), process.env), { review: "counts" });
    expect(plan.error ?? "").toBe("");
    expect(plan.toAdd.aws_lb_listener_certificate).toBe(1);
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  test.each([
    ["api.other.com", /services\.api\.route\.hosts\[0\] "api\.other\.com" is not in Cloudflare zone example\.com/],
    ["api.eu.example.com", /is more than one label below example\.com; Cloudflare's Universal SSL only covers one level, use e\.g\. api-eu\.example\.com/],
    ["example.com", /is a redirect hostname of prod: the edge redirects it to www\.example\.com before it reaches the ALB/],
  ])("%s is refused", (host, message) => {
    expect(environmentProblems(withApi([host])).join("\n")).toMatch(message);
  });
});

describe("more declarations that would fail at apply or at runtime are refused at synth", () => {
  test.each<[string, (s: ServicesConfig) => ServicesConfig, RegExp]>([
    ["a service named like a kit task", (s) => ({ migrate: s.api!, ...s }), /services\.migrate .*is a name the kit's own tasks use.*rename the service/],
    ["a cron-<job> service name", (s) => ({ "cron-report": s.api!, ...s }), /services\.cron-report .*is a name the kit's own tasks use/],
    ["a Secrets Manager ARN without its suffix", (s) => ({ ...s, api: { ...s.api!, secrets: { STRIPE_KEY: { arn: "arn:aws:secretsmanager:us-east-1:222222222222:secret:shipkit/stripe" } } } as ServicesConfig[string] }), /STRIPE_KEY\.arn .*full ARN/],
    ["a JSON key on an SSM parameter", (s) => ({ ...s, api: { ...s.api!, secrets: { TOKEN_REF: { arn: "arn:aws:ssm:us-east-1:222222222222:parameter/shipkit/token", jsonKey: "value" } } } as ServicesConfig[string] }), /secrets\.TOKEN_REF\.jsonKey "value" is set on an SSM parameter/],
    ["an empty path list", (s) => ({ ...s, api: { ...s.api!, route: { paths: [] } } as ServicesConfig[string] }), /services\.api\.route\.paths \[\] is empty; leave paths out for a catch-all/],
    ["a backlog worker that can scale to zero", (s) => ({ ...s, "upload-worker": { ...s["upload-worker"]!, size: { ...s["upload-worker"]!.size, minTasks: 0 } } as ServicesConfig[string] }), /upload-worker\.size\.minTasks 0 must be at least 1 for a worker that scales on a queue's backlog/],
  ])("%s", (_what, change, message) => {
    expect(environmentProblems({ ...staging, services: change(services) }).join("\n")).toMatch(message);
  });

  test("a hostname claimed by two environments is refused naming both; per-environment hosts pass", async () => {
    const { resolveEnvironments } = await import("../../environments");
    const { withOverrides } = await import("../../environments/service-schema");
    const shared = { ...services, api: { ...services.api!, route: { paths: ["/api/*"], hosts: ["api.example.com"] } } } as ServicesConfig;
    expect(() => resolveEnvironments(undefined, { prod: { ...prod, services: shared }, staging: { ...staging, services: shared } })).toThrow(
      /staging\.services \(route\.hosts\) "api\.example\.com" is also a hostname of prod; each hostname belongs to one environment/,
    );
    const own = withOverrides(shared, { api: { hosts: ["api-staging.example.com"] } });
    expect(() => resolveEnvironments(undefined, { prod: { ...prod, services: shared }, staging: { ...staging, services: own } })).not.toThrow();
  });

  test("more service hostnames than an ALB takes certificates (25 by default) are refused", () => {
    const hostServices = (n: number) =>
      ({ ...Object.fromEntries(Array.from({ length: n }, (_, i) => [`site-${i}`, { ...services.api!, route: { hosts: [`site-${i}.example.com`] }, healthCheckPath: "/healthz" }])), ...prod.services }) as ServicesConfig;
    expect(environmentProblems({ ...prod, services: hostServices(25) })).toEqual([]);
    expect(environmentProblems({ ...prod, services: hostServices(26) })).toEqual([
      expect.stringMatching(/^prod\.services .*route 26 service hostnames; an ALB takes 25 extra certificates by default/),
    ]);
  });

  test("previews do not inherit staging's transforms (they name staging's resources)", () => {
    const withTransform = { ...staging, transforms: [{ path: "database/primary", reason: "Performance Insights for the load test", apply: () => undefined }] };
    expect(ephemeral(42, withTransform).transforms).toBeUndefined();
  });
});
