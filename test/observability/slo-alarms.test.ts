import * as path from "node:path";
import { type App, Aspects, LocalBackend, TerraformStack, Testing } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { OFFLINE_AWS_SETTINGS } from "../../stacks/deployment";
import { Guardrails } from "../../lib/policy/guardrails";
import { Names } from "../../lib/core/naming";
import { SloAlarms, type SloAlarmsProps } from "../../lib/observability/slo-alarms";
import { planApp, resources, synthStrict, tempApp, type SynthJson } from "../helpers";

const PAGE = "arn:aws:sns:us-east-1:111111111111:shop-prod-page";
const TICKET = "arn:aws:sns:us-east-1:111111111111:shop-prod-ticket";
const LB = "app/shop-prod/50dc6c495c0c9188";
const TG = "targetgroup/shop-prod-checkout/73e2d6bc24d8a067";
const RUNBOOK = "docs/runbook.md#checkout-slo";

const base: SloAlarmsProps = {
  names: new Names("shop", "prod"),
  service: "checkout",
  loadBalancerArnSuffix: LB,
  targetGroupArnSuffix: TG,
  availability: { targetPercent: 99.9 },
  actions: { page: [PAGE], ticket: [TICKET] },
  runbook: RUNBOOK,
};

const synth = (extra: Partial<SloAlarmsProps> = {}): SynthJson =>
  JSON.parse(Testing.synthScope((s) => new SloAlarms(s, "checkout-slo", { ...base, ...extra }))) as SynthJson;

interface Metric { metric_name: string; namespace: string; dimensions: Record<string, string>; period: number; stat: string }
interface Query { id: string; expression?: string; return_data?: boolean; metric?: Metric }
interface Alarm {
  alarm_name: string; alarm_description: string; alarm_actions?: string[]; ok_actions?: string[]; threshold: number;
  evaluation_periods: number; datapoints_to_alarm: number; treat_missing_data: string; metric_query: Query[];
}
interface Composite { alarm_name: string; alarm_rule: string; alarm_description: string; alarm_actions: string[]; ok_actions: string[]; depends_on: string[] }

const members = (json: SynthJson) => resources(json, "aws_cloudwatch_metric_alarm") as unknown as Alarm[];
const composites = (json: SynthJson) => resources(json, "aws_cloudwatch_composite_alarm") as unknown as Composite[];
const member = (json: SynthJson, name: string): Alarm => {
  const found = members(json).find((a) => a.alarm_name === name);
  expect(found).toBeDefined();
  return found!;
};
const composite = (json: SynthJson, name: string): Composite => {
  const found = composites(json).find((a) => a.alarm_name === name);
  expect(found).toBeDefined();
  return found!;
};

/** The three alerts of a 99.9 % SLO: composite name suffix, member window tags, period, evaluation periods, threshold, actions. */
const ALERTS = [
  { alert: "page-1h", long: "1h", short: "5m", longPeriod: 3600, longPeriods: 1, shortPeriod: 300, threshold: 0.0144, actions: [PAGE] },
  { alert: "page-6h", long: "6h", short: "30m", longPeriod: 21600, longPeriods: 1, shortPeriod: 1800, threshold: 0.006, actions: [PAGE] },
  { alert: "ticket-3d", long: "3d", short: "6h", longPeriod: 86400, longPeriods: 3, shortPeriod: 21600, threshold: 0.001, actions: [TICKET] },
] as const;

describe("SloAlarms", () => {
  test("availability only: three composites over six member alarms", () => {
    const json = synth();
    expect(composites(json).map((c) => c.alarm_name).sort()).toEqual(ALERTS.map((a) => `shop-prod-checkout-slo-errors-${a.alert}`).sort());
    expect(members(json)).toHaveLength(6);
  });

  test.each(ALERTS)("$alert: ALARM(long) AND ALARM(short), members created first, $actions.0 notified", (a) => {
    const json = synth();
    const name = `shop-prod-checkout-slo-errors-${a.alert}`;
    const c = composite(json, name);
    expect(c.alarm_rule).toBe(`ALARM("${name}-over-${a.long}") AND ALARM("${name}-over-${a.short}")`);
    expect(c.alarm_actions).toEqual(a.actions);
    expect(c.ok_actions).toEqual(a.actions);
    expect(c.depends_on).toEqual([expect.stringMatching(/^aws_cloudwatch_metric_alarm\..*long/), expect.stringMatching(/^aws_cloudwatch_metric_alarm\..*short/)]);
    // Both members exist under exactly the names the rule uses.
    const long = member(json, `${name}-over-${a.long}`);
    const short = member(json, `${name}-over-${a.short}`);
    expect(long.threshold).toBe(a.threshold);
    expect(short.threshold).toBe(a.threshold);
    expect(long.metric_query.filter((q) => q.metric).every((q) => q.metric!.period === a.longPeriod)).toBe(true);
    expect(short.metric_query.filter((q) => q.metric).every((q) => q.metric!.period === a.shortPeriod)).toBe(true);
    expect(long).toMatchObject({ evaluation_periods: a.longPeriods, datapoints_to_alarm: a.longPeriods });
    expect(short).toMatchObject({ evaluation_periods: 1, datapoints_to_alarm: 1 });
  });

  test("member alarms have no actions; only composites notify", () => {
    const json = synth({ latency: { targetPercent: 99, thresholdMs: 300 } });
    for (const m of members(json)) {
      expect(m.alarm_actions).toBeUndefined();
      expect(m.ok_actions).toBeUndefined();
      expect(m.treat_missing_data).toBe("notBreaching");
    }
    const pages = composites(json).filter((c) => c.alarm_actions.includes(PAGE));
    const tickets = composites(json).filter((c) => c.alarm_actions.includes(TICKET));
    expect(pages.map((c) => c.alarm_name.replace(/^.*-slo-/, "")).sort()).toEqual(["errors-page-1h", "errors-page-6h", "latency-page-1h", "latency-page-6h"]);
    expect(tickets.map((c) => c.alarm_name.replace(/^.*-slo-/, "")).sort()).toEqual(["errors-ticket-3d", "latency-ticket-3d"]);
  });

  test("error ratio: the target group's 5xx and connection errors over its requests, filled so no traffic is no error; only the expression returns data", () => {
    const m = member(synth(), "shop-prod-checkout-slo-errors-page-1h-over-5m");
    const dims = { LoadBalancer: LB, TargetGroup: TG };
    expect(m.metric_query).toEqual([
      expect.objectContaining({ id: "ratio", expression: "(FILL(errors, 0) + FILL(unreachable, 0)) / FILL(requests, 1)", return_data: true }),
      { id: "errors", metric: { namespace: "AWS/ApplicationELB", metric_name: "HTTPCode_Target_5XX_Count", dimensions: dims, period: 300, stat: "Sum" } },
      { id: "unreachable", metric: { namespace: "AWS/ApplicationELB", metric_name: "TargetConnectionErrorCount", dimensions: dims, period: 300, stat: "Sum" } },
      { id: "requests", metric: { namespace: "AWS/ApplicationELB", metric_name: "RequestCount", dimensions: dims, period: 300, stat: "Sum" } },
    ]);
  });

  test("without a target group: the whole ALB, where the 5xx it generates itself count too (and are not in RequestCount)", () => {
    const m = member(synth({ targetGroupArnSuffix: undefined, service: "alb" }), "shop-prod-alb-slo-errors-page-1h-over-5m");
    const dims = { LoadBalancer: LB };
    expect(m.metric_query).toEqual([
      expect.objectContaining({ id: "ratio", expression: "(FILL(errors, 0) + FILL(elb, 0)) / (FILL(requests, 0) + FILL(elb, 0) + 0.000001)", return_data: true }),
      { id: "errors", metric: { namespace: "AWS/ApplicationELB", metric_name: "HTTPCode_Target_5XX_Count", dimensions: dims, period: 300, stat: "Sum" } },
      { id: "elb", metric: { namespace: "AWS/ApplicationELB", metric_name: "HTTPCode_ELB_5XX_Count", dimensions: dims, period: 300, stat: "Sum" } },
      { id: "requests", metric: { namespace: "AWS/ApplicationELB", metric_name: "RequestCount", dimensions: dims, period: 300, stat: "Sum" } },
    ]);
  });

  test("latency: percentile rank of TargetResponseTime at the threshold (seconds), slow share = 1 - PR/100", () => {
    const json = synth({ latency: { targetPercent: 99, thresholdMs: 300 } });
    expect(members(json)).toHaveLength(12);
    const m = member(json, "shop-prod-checkout-slo-latency-page-1h-over-1h");
    expect(m.threshold).toBe(0.144); // 14.4 × 1 %
    expect(m.metric_query).toEqual([
      expect.objectContaining({ id: "slow", expression: "(100 - FILL(fast, 100)) / 100", return_data: true }),
      { id: "fast", metric: { namespace: "AWS/ApplicationELB", metric_name: "TargetResponseTime", dimensions: { LoadBalancer: LB, TargetGroup: TG }, period: 3600, stat: "PR(:0.3)" } },
    ]);
    expect(composite(json, "shop-prod-checkout-slo-latency-page-1h").alarm_description).toMatch(/^checkout: requests slower than 300 ms at 14\.4× the latency budget rate over 1 h and 5 min: 2 % of the 30-day budget gone in an hour .*Runbook: docs\/runbook\.md#checkout-slo$/);
  });

  test("descriptions say what each alarm means and name the runbook", () => {
    const json = synth();
    expect(composite(json, "shop-prod-checkout-slo-errors-page-1h").alarm_description).toMatch(
      /^checkout: 5xx at 14\.4× the error budget rate over 1 h and 5 min: 2 % of the 30-day budget gone in an hour \(SLO: 99\.9 % of requests without a 5xx\)\. Pages\. Runbook: docs\/runbook\.md#checkout-slo$/,
    );
    expect(composite(json, "shop-prod-checkout-slo-errors-page-6h").alarm_description).toMatch(/6× .* over 6 h and 30 min: 5 % of the 30-day budget gone in 6 h/);
    expect(composite(json, "shop-prod-checkout-slo-errors-ticket-3d").alarm_description).toMatch(/1× .* over 3 days and 6 h: 10 % of the 30-day budget gone in 3 days .*Ticket\./);
    expect(member(json, "shop-prod-checkout-slo-errors-ticket-3d-over-3d").alarm_description).toMatch(/over the last 3 days above 0\.1 % \(approximated as each of the last 3 daily periods above it\)/);
    for (const a of [...members(json), ...composites(json)]) expect(a.alarm_description).toContain(`Runbook: ${RUNBOOK}`);
  });

  test("a 7-day SLO window changes the budget shares, not the thresholds", () => {
    const json = synth({ availability: { targetPercent: 99.9, windowDays: 7 } });
    expect(composite(json, "shop-prod-checkout-slo-errors-page-1h").alarm_description).toMatch(/8\.57143 % of the 7-day budget gone in an hour/);
    expect(member(json, "shop-prod-checkout-slo-errors-page-1h-over-1h").threshold).toBe(0.0144);
  });

  test('actions "off" creates nothing (previews)', () => {
    const json = synth({ actions: "off", latency: { targetPercent: 99, thresholdMs: 300 } });
    expect(members(json)).toHaveLength(0);
    expect(composites(json)).toHaveLength(0);
  });

  test("long names stay within CloudWatch's 255 characters and unique", () => {
    const json = synth({ names: new Names("shop", "x".repeat(250)) });
    const names = [...members(json), ...composites(json)].map((a) => a.alarm_name);
    expect(Math.max(...names.map((n) => n.length))).toBeLessThanOrEqual(255);
    expect(new Set(names).size).toBe(names.length);
    for (const c of composites(json)) for (const ref of c.alarm_rule.match(/"[^"]+"/g)!) expect(names).toContain(ref.slice(1, -1));
  });

  describe("ConfigError", () => {
    test.each<[string, Partial<SloAlarmsProps>, RegExp]>([
      ["a 100 % availability target", { availability: { targetPercent: 100 } }, /checkout-slo: "availability.targetPercent" is 100; use a percentage strictly between 0 and 100/],
      ["a target the page alert can never reach", { availability: { targetPercent: 90 } }, /"availability.targetPercent" is 90; the 14.4× alert would need 144 % bad requests and could never fire: use a target of at least 93.06/],
      ["an SLO window shorter than the ticket window", { availability: { targetPercent: 99.9, windowDays: 2 } }, /"availability.windowDays" is 2; use a whole number of days, at least 3/],
      ["a latency target of 0", { latency: { targetPercent: 0, thresholdMs: 300 } }, /"latency.targetPercent" is 0/],
      ["a fractional latency threshold", { latency: { targetPercent: 99, thresholdMs: 0.5 } }, /"latency.thresholdMs" is 0.5; use whole milliseconds, at least 1/],
      ["a service name with capitals", { service: "Checkout" }, /"service" is "Checkout"; use lower-case letters, digits and dashes/],
      ["a full ALB ARN", { loadBalancerArnSuffix: "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/shop-prod/50dc6c495c0c9188" }, /"loadBalancerArnSuffix" is "arn:aws:.*"; pass the ALB's arn_suffix \(app\/<name>\/<id>\)/],
      ["a target group name", { targetGroupArnSuffix: "shop-prod-checkout" }, /"targetGroupArnSuffix" is "shop-prod-checkout"; pass the target group's arn_suffix/],
      ["no page action", { actions: { page: [], ticket: [TICKET] } }, /"actions.page" is empty; page alerts would notify nobody: pass a topic ARN, or actions: "off"/],
      ["six ticket actions", { actions: { page: [PAGE], ticket: Array<string>(6).fill(TICKET) } }, /"actions.ticket" has 6 actions; CloudWatch takes at most 5/],
      ["an empty runbook", { runbook: "" }, /"runbook" is ""; point to a runbook section/],
      ["a runbook too long for a description", { runbook: `https://wiki.example.com/${"x".repeat(900)}` }, /"runbook" makes the description of .* characters, more than the 1024 CloudWatch stores/],
    ])("%s", (_, extra, message) => {
      expect(() => synth(extra)).toThrow(message);
    });

    test('props are checked with actions "off" too', () => {
      expect(() => synth({ actions: "off", availability: { targetPercent: 100 } })).toThrow(/"availability.targetPercent" is 100/);
    });
  });

  /** A stack like EnvironmentStack's offline mode (dummy credentials, local state, guardrails) holding only the SLO alarms. */
  function sloStack(app: App): TerraformStack {
    const stack = new TerraformStack(app, "slo-prod");
    new AwsProvider(stack, "aws", { region: "us-east-1", ...OFFLINE_AWS_SETTINGS });
    new LocalBackend(stack, { path: path.join(app.outdir, "slo-prod.tfstate") });
    Aspects.of(stack).add(new Guardrails({ tier: "protected" }));
    new SloAlarms(stack, "checkout-slo", { ...base, latency: { targetPercent: 99, thresholdMs: 300 } });
    return stack;
  }

  test("guardrails pass (alarm periods and evaluation ranges included)", () => {
    expect(() => synthStrict(sloStack(Testing.app()))).not.toThrow();
  });

  test("offline terraform plan passes", async () => {
    const app = tempApp();
    const stack = sloStack(app).node.id;
    const plan = (await planApp(app, [stack], []))[stack]!;
    expect(plan.error).toBeUndefined();
    expect(plan.ok).toBe(true);
    expect(plan.warnings).toEqual([]);
    expect(plan.toAdd).toEqual({ aws_cloudwatch_metric_alarm: 12, aws_cloudwatch_composite_alarm: 6 });
  });
});
