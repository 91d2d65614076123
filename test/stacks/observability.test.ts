import * as fs from "node:fs";
import * as path from "node:path";
import { ephemeral, prod, staging } from "../../environments";
import { burnRateAlerts } from "../../lib/observability/slo";
import type { EnvironmentConfig, ServiceConfig } from "../../environments/types";
import { resources, synthEnv, type SynthJson } from "../helpers";

/** Names of the metric alarms a composite alarm's rule uses. */
const membersOf = (json: SynthJson) =>
  new Set(resources(json, "aws_cloudwatch_composite_alarm").flatMap((c) => [...String(c.alarm_rule).matchAll(/ALARM\("([^"]+)"\)/g)].map((m) => m[1]!)));

describe("alarms: prod and staging act, previews stay silent", () => {
  test.each([prod, staging])("$name: every alarm notifies, directly or through the composite alarm it feeds", (env) => {
    const json = synthEnv(env);
    const members = membersOf(json);
    const silent = resources(json, "aws_cloudwatch_metric_alarm").filter((a) => !(Array.isArray(a.alarm_actions) && a.alarm_actions.length) && !members.has(String(a.alarm_name)));
    expect(silent.map((a) => a.alarm_name)).toEqual([]);
    for (const c of resources(json, "aws_cloudwatch_composite_alarm")) expect((c.alarm_actions as unknown[]).length).toBeGreaterThan(0);
  });

  test("pr-42 has no alarm that notifies anyone", () => {
    const json = synthEnv(ephemeral(42));
    const acting = [...resources(json, "aws_cloudwatch_metric_alarm"), ...resources(json, "aws_cloudwatch_composite_alarm")].filter((a) => Array.isArray(a.alarm_actions) && a.alarm_actions.length);
    expect(acting.map((a) => a.alarm_name)).toEqual([]);
  });
});

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
const anchorsOf = (file: string) =>
  new Set(
    fs.readFileSync(path.resolve(__dirname, "..", "..", file), "utf8").split("\n").filter((l) => /^#{1,6} /.test(l)).map((l) => l.replace(/^#+ /, "").toLowerCase().replace(/[^a-z0-9 -]/g, "").replace(/ /g, "-")),
  );

describe("every alarm says where to read first", () => {
  test.each([prod, staging])("$name: each notifying alarm links a doc section, and every linked section exists", (env) => {
    const json = synthEnv(env);
    const members = membersOf(json);
    const notifying = [...resources(json, "aws_cloudwatch_metric_alarm"), ...resources(json, "aws_cloudwatch_composite_alarm")].filter((a) => !members.has(String(a.alarm_name)));
    const unlinked = notifying.filter((a) => !/docs\/[a-z-]+\.md#[a-z0-9-]+/.test(String(a.alarm_description ?? "")));
    expect(unlinked.map((a) => a.alarm_name)).toEqual([]);
    const links = new Set(notifying.flatMap((a) => [...String(a.alarm_description).matchAll(/(docs\/[a-z-]+\.md)#([a-z0-9-]+)/g)].map((m) => `${m[1]}#${m[2]}`)));
    for (const link of links) {
      const [file, anchor] = link.split("#") as [string, string];
      expect({ link, exists: anchorsOf(file).has(anchor) }).toEqual({ link, exists: true });
    }
  });
});

describe("SLO burn-rate alarms from data", () => {
  test("prod pages on fast burns and tickets slow ones, for availability and latency; staging only fast burns; previews none; the ALB as a whole too", () => {
    const count = (env: typeof prod) => resources(synthEnv(env), "aws_cloudwatch_composite_alarm").length;
    // 2 HTTP services x (availability + latency) x 3 policies in prod; staging: availability only, 2 fast policies.
    // ... plus the whole ALB's availability SLO (its own 5xx), with the environment's target and alerting.
    expect(count(prod)).toBe(2 * 2 * burnRateAlerts(99.9).length + burnRateAlerts(99.9).length);
    expect(count(staging)).toBe((2 + 1) * burnRateAlerts(99).filter((a) => a.severity === "page").length);
    expect(count(ephemeral(42))).toBe(0);
  });

  test("a newly declared HTTP service gets SLO alarms and dashboard widgets with no extra code", () => {
    const backend = prod.services.backend!;
    if (backend.kind !== "http") throw new Error("backend is an HTTP service");
    const api: ServiceConfig = { ...backend, route: { paths: ["/api/*"] }, healthCheckPath: "/api/healthz", metrics: undefined };
    const withApi: EnvironmentConfig = { ...prod, services: { ...prod.services, api } };
    const before = synthEnv(prod);
    const after = synthEnv(withApi);
    const composites = (json: SynthJson, service: string) => resources(json, "aws_cloudwatch_composite_alarm").filter((c) => String(c.alarm_name).startsWith(`shipkit-prod-${service}-slo-`));
    expect(composites(after, "api")).toHaveLength(composites(before, "backend").length);
    const widgets = (json: SynthJson) => (JSON.parse(String(resources(json, "aws_cloudwatch_dashboard")[0]!.dashboard_body)) as { widgets: { properties: { title?: string } }[] }).widgets;
    const titled = (json: SynthJson, service: string) => widgets(json).filter((w) => (w.properties.title ?? "").startsWith(`${service}:`) || (w.properties.title ?? "").startsWith(`${service} `));
    expect(titled(after, "api").length).toBeGreaterThan(0);
    expect(titled(after, "api").length).toBe(titled(after, "backend").length);
  });
});

describe("per-service SLOs", () => {
  test("a service's own SLO replaces the environment's: a stricter target, and no latency objective", () => {
    const web = prod.services.web!;
    if (web.kind !== "http") throw new Error("web is an HTTP service");
    const strict: EnvironmentConfig = { ...prod, services: { ...prod.services, web: { ...web, slo: { availabilityPercent: 99.95, latency: "none" } } } };
    const json = synthEnv(strict);
    const webAlarms = resources(json, "aws_cloudwatch_metric_alarm").filter((a) => String(a.alarm_name).startsWith("shipkit-prod-web-slo-"));
    expect(webAlarms.some((a) => String(a.alarm_name).includes("-slo-latency-"))).toBe(false);
    // 14.4 x (1 - 0.9995) = 0.0072 for the 1 h page, instead of 0.0144 at 99.9 %.
    expect(webAlarms.find((a) => String(a.alarm_name).endsWith("errors-page-1h-over-1h"))).toMatchObject({ threshold: 0.0072 });
    const backendAlarms = resources(json, "aws_cloudwatch_metric_alarm").filter((a) => String(a.alarm_name).startsWith("shipkit-prod-backend-slo-"));
    expect(backendAlarms.find((a) => String(a.alarm_name).endsWith("errors-page-1h-over-1h"))).toMatchObject({ threshold: 0.0144 });
    expect(backendAlarms.some((a) => String(a.alarm_name).includes("-slo-latency-"))).toBe(true);
  });
});

describe("dashboard, saved queries, deploy markers, budget, metrics", () => {
  test.each([prod, staging])("$name has one dashboard, the saved queries over every workload's logs, deploy markers, a budget", (env) => {
    const json = synthEnv(env);
    expect(resources(json, "aws_cloudwatch_dashboard")).toHaveLength(1);
    const queries = resources(json, "aws_cloudwatch_query_definition");
    expect(queries.map((q) => String(q.name).split("/")[1]).sort()).toEqual(["cron-runs", "errors-by-route", "request-trace", "security-events", "slow-requests", "user-activity"]);
    for (const q of queries) expect((q.log_group_names as string[]).length).toBeGreaterThanOrEqual(Object.keys(env.services).length + 1);
    expect(resources(json, "aws_cloudwatch_event_rule").some((r) => String(r.event_pattern).includes("ECS Deployment State Change"))).toBe(true);
    expect(resources(json, "aws_budgets_budget")).toHaveLength(1);
    expect(json.output?.dashboard_name).toBeDefined();
    // Each HTTP service shows its error-budget burn rate against the environment's target.
    const body = String(resources(json, "aws_cloudwatch_dashboard")[0]!.dashboard_body);
    const budget = Number((1 - env.observability.availabilityPercent / 100).toPrecision(12));
    for (const service of ["backend", "web"]) expect(body).toContain(`${service}: SLO burn rate, hourly`);
    // Cron outcomes: successes per job, and the failures the jobs logged.
    expect(body).toContain("Cron failures the jobs logged");
    expect(body).toContain('filter event = \\"job.failed\\"');
    expect(body).toContain(`FILL(errors, 0) / requests, 0) / ${budget}`);
  });

  test("the backend's metrics are scraped into the environment's Prometheus workspace; previews have none of it", () => {
    const json = synthEnv(prod);
    expect(resources(json, "aws_prometheus_workspace")).toHaveLength(1);
    const backend = String(resources(json, "aws_ecs_task_definition").find((t) => t.family === "shipkit-prod-backend")!.container_definitions);
    expect(backend).toContain('"name" = "metrics-collector"');
    expect(backend).toContain("localhost:9464");
    const preview = synthEnv(ephemeral(42));
    for (const type of ["aws_prometheus_workspace", "aws_cloudwatch_dashboard", "aws_budgets_budget", "aws_cloudwatch_query_definition"]) expect(resources(preview, type)).toHaveLength(0);
  });

  test("prod subscribes on-call by email and the pager webhook to both alarm topics", () => {
    const subs = resources(synthEnv(prod), "aws_sns_topic_subscription");
    expect(subs.filter((s) => s.protocol === "email").map((s) => s.endpoint)).toEqual(["oncall@example.com", "oncall@example.com"]);
    // The pager webhook: from the sensitive variable, to both topics, only when it is set.
    expect(subs.filter((s) => s.protocol === "https").map((s) => [s.endpoint, s.count])).toEqual([
      ["${var.alert_webhook_pager}", "${nonsensitive(min(length(var.alert_webhook_pager), 1))}"],
      ["${var.alert_webhook_pager}", "${nonsensitive(min(length(var.alert_webhook_pager), 1))}"],
    ]);
  });
});
