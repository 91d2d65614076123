/**
 * `npm run bench:observability`: what each environment's observability consists of, counted from
 * the synthesized stacks (alarms, alarm metrics, composite alarms, dashboards and widgets, saved
 * queries, budgets, Prometheus workspaces), and the modeled monthly cost of it at us-east-1 list
 * prices. A model, not a bill: log ingestion and Prometheus samples depend on traffic (assumptions
 * printed). Deterministic: one run is enough (BENCH_RUNS does not apply).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildApp } from "../app";
import { PRICES } from "../lib/cost/prices";

/** us-east-1 list prices (USD per month) from the repository's one dated table, lib/cost/prices.ts. */
const PRICE = {
  /** Per metric an alarm evaluates (a metric-math alarm pays for each metric it reads). */
  alarmMetric: PRICES.cloudwatchAlarmMetricMonth.usd,
  composite: PRICES.cloudwatchCompositeAlarmMonth.usd,
  /** Per dashboard beyond the account's first 3. */
  dashboard: PRICES.cloudwatchDashboardMonth.usd,
  /** Per budget beyond the account's first 2: $0.02 a day. */
  budget: PRICES.budgetMonth.usd,
  /** Amazon Managed Prometheus: per 10 M samples ingested (first tier). */
  per10MSamples: PRICES.prometheusPer10MSamples.usd,
} as const;

/** Assumed scrape of one service: 1,000 series every 30 s. */
const SERIES = 1000;
const SAMPLES_PER_MONTH = SERIES * (30 * 24 * 3600) / 30;

type Json = { resource?: Record<string, Record<string, Record<string, unknown>>> };

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "shipkit-obs-"));
const { app, stacks } = buildApp({ prNumber: 42, deployment: { mode: "offline", stateDir: path.join(outdir, "state") }, outdir });
app.synth();
console.log("environment | alarms (metrics) | composites | dashboards (widgets) | saved queries | budgets | Prometheus workspaces | modeled $/month");
console.log("---|---|---|---|---|---|---|---");
for (const s of stacks.filter((x) => x.provider === "aws")) {
  const json = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", s.name, "cdk.tf.json"), "utf8")) as Json;
  const r = (type: string) => Object.values(json.resource?.[type] ?? {});
  const alarms = r("aws_cloudwatch_metric_alarm");
  const metrics = alarms.reduce((n, a) => n + (Array.isArray(a.metric_query) ? (a.metric_query as { metric?: unknown }[]).filter((q) => q.metric).length : 1), 0);
  const composites = r("aws_cloudwatch_composite_alarm").length;
  const dashboards = r("aws_cloudwatch_dashboard");
  const widgets = dashboards.reduce((n, d) => n + (JSON.parse(String(d.dashboard_body)) as { widgets: unknown[] }).widgets.length, 0);
  const queries = r("aws_cloudwatch_query_definition").length;
  const budgets = r("aws_budgets_budget").length;
  const workspaces = r("aws_prometheus_workspace").length;
  const scraped = r("aws_ecs_task_definition").filter((t) => String(t.container_definitions).includes('"metrics-collector"')).length;
  // Dashboards and budgets are priced as if the account's free ones were used elsewhere (the upper bound).
  const cost = metrics * PRICE.alarmMetric + composites * PRICE.composite + dashboards.length * PRICE.dashboard + budgets * PRICE.budget + scraped * (SAMPLES_PER_MONTH / 1e7) * PRICE.per10MSamples;
  console.log(`${s.name} | ${alarms.length} (${metrics}) | ${composites} | ${dashboards.length} (${widgets}) | ${queries} | ${budgets} | ${workspaces} (${scraped} service scraped) | $${cost.toFixed(2)}`);
}
console.log(`\nAssumptions: ${SERIES} series per scraped service every 30 s (${(SAMPLES_PER_MONTH / 1e6).toFixed(1)} M samples/month); dashboards and budgets beyond the free ones; log ingestion ($0.50/GB) not included (traffic-dependent).`);
fs.rmSync(outdir, { recursive: true, force: true });
