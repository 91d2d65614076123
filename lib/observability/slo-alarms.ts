import { Construct } from "constructs";
import { Token } from "cdktf";
import { CloudwatchCompositeAlarm } from "@cdktf/provider-aws/lib/cloudwatch-composite-alarm";
import { CloudwatchMetricAlarm, type CloudwatchMetricAlarmMetricQuery } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { ConfigError } from "../core/errors";
import type { Names } from "../core/naming";
import {
  burnRateAlerts,
  DEFAULT_SLO_WINDOW_DAYS,
  errorBudget,
  formatWindow,
  targetProblem,
  windowProblem,
  windowTag,
  type AvailabilitySlo,
  type BurnRateAlert,
  type LatencySlo,
} from "./slo";

/** Where SLO alerts go: SNS topic (or other alarm action) ARNs per severity. */
export interface SloActions {
  /** Actions of the page alerts (14.4× over 1 h, 6× over 6 h): the on-call pager. 1–5 ARNs. */
  readonly page: readonly string[];
  /**
   * Actions of the ticket alert (1× over 3 days): a queue worked in office hours. 1–5 ARNs.
   * @default none: no ticket alert (slow burns are not watched, as in staging)
   */
  readonly ticket?: readonly string[];
}

export interface SloAlarmsProps {
  /** Naming helper of the stack; alarms are `<app>-<env>-<service>-slo-<sli>-<severity>-<window>…`. */
  readonly names: Names;
  /** Service name part of the alarm names and descriptions, e.g. `checkout` (lower-case, digits, dashes). */
  readonly service: string;
  /** The ALB's ARN suffix (`app/<name>/<id>`): the `LoadBalancer` dimension. */
  readonly loadBalancerArnSuffix: string;
  /**
   * The service's target group ARN suffix (`targetgroup/<name>/<id>`): the `TargetGroup` dimension;
   * errors are the targets' 5xx and the connections the ALB could not open to them.
   * @default none: the whole load balancer, where the 5xx the ALB generates itself (502/503/504: no
   * healthy target, a target timing out) count too; they exist only per load balancer
   */
  readonly targetGroupArnSuffix?: string;
  /** Availability SLO: share of requests the targets answer without a 5xx. */
  readonly availability: AvailabilitySlo;
  /** Latency SLO: share of requests the targets answer within `thresholdMs`. @default none (no latency alerts) */
  readonly latency?: LatencySlo;
  /**
   * Where alerts go, or `"off"` to create no alarm at all (previews, whose traffic is too thin for
   * burn rates to mean anything). Required: a page needs an owner, and no destination is a safe guess.
   */
  readonly actions: SloActions | "off";
  /** Where responders read what to do, e.g. `docs/runbook.md#checkout-slo`; named in every alarm description. */
  readonly runbook: string;
}

/** The alarms of one burn-rate alert: two members (no actions) and the composite that notifies. */
export interface SloAlert {
  /** `errors` (availability) or `latency`. */
  readonly sli: "errors" | "latency";
  /** The policy entry the alert implements. */
  readonly policy: BurnRateAlert;
  /** Member alarm over the long window. */
  readonly long: CloudwatchMetricAlarm;
  /** Member alarm over the short window. */
  readonly short: CloudwatchMetricAlarm;
  /** `ALARM(long) AND ALARM(short)`, with the page or ticket actions. */
  readonly composite: CloudwatchCompositeAlarm;
}

const NAMESPACE = "AWS/ApplicationELB";
const DAY = 86_400;
/** Most actions CloudWatch takes per alarm state. */
const MAX_ACTIONS = 5;
/** Longest alarm description CloudWatch stores. */
const MAX_DESCRIPTION = 1024;

/**
 * SLO burn-rate alerts for one HTTP service behind an ALB, measured by the ALB itself (namespace
 * `AWS/ApplicationELB`, dimensions `LoadBalancer` + `TargetGroup`), following the Google SRE
 * workbook's multi-window policy (see lib/observability/slo.ts): page at 14.4× over 1 h and 5 min,
 * page at 6× over 6 h and 30 min, ticket at 1× over 3 days and 6 h.
 *
 * Each alert is two metric-math alarms without actions (long and short window, each with a period
 * equal to its window, threshold `factor × budget`) and one composite alarm
 * `ALARM("<long>") AND ALARM("<short>")` that notifies `actions.page` or `actions.ticket` (and
 * again on OK). No traffic is not an error: the expressions fill missing data with "good", and
 * missing data is not breaching.
 *
 * - Errors: `FILL(errors, 0) / FILL(requests, 1)` over `HTTPCode_Target_5XX_Count` and
 *   `RequestCount` (Sum). Counts 5xx the targets return; 502/503/504 the ALB makes itself (no
 *   healthy target, target timeout) are only published per load balancer, not per target group,
 *   so they are not in this SLI (ServiceAlarms' unhealthy-target alarm covers those causes).
 * - Latency: `(100 - FILL(fast, 100)) / 100` where `fast` is `TargetResponseTime` with the
 *   percentile-rank statistic `PR(:<threshold s>)`: the percentage of requests answered in at most
 *   the threshold (CloudWatch percentile statistics, which the ALB's `TargetResponseTime` supports;
 *   ALB publishes no count of slow requests). Percentile statistics are estimates from CloudWatch's
 *   sketches, close enough for burn rates; no p-percentile stand-in is needed.
 * - The 3-day window is longer than one alarm period may be, so its member alarm uses a 1-day
 *   period, 3 evaluation periods and 3 datapoints to alarm: it fires when each of the last three
 *   days (CloudWatch's day buckets, not a sliding 72 h) burned above the threshold. That misses one
 *   very bad day between two good ones (the 6 h pages catch those) and weights days equally
 *   whatever their traffic.
 *
 * @example
 * new SloAlarms(this, "checkout-slo", { names, service: "checkout", loadBalancerArnSuffix: alb.arnSuffix,
 *   targetGroupArnSuffix: tg.arnSuffix, availability: { targetPercent: 99.9 }, latency: { targetPercent: 99, thresholdMs: 300 },
 *   actions: { page: [pagerTopicArn], ticket: [ticketTopicArn] }, runbook: "docs/runbook.md#checkout-slo" });
 *
 * Cost: $0.10 per metric per alarm-month and $0.50 per composite-month: errors 6 × $0.20 + 3 × $0.50
 * = $2.70/month, latency 6 × $0.10 + 3 × $0.50 = $2.10/month; nothing with `actions: "off"`.
 * Tested via: test/observability/slo-alarms.test.ts
 */
export class SloAlarms extends Construct {
  /** Every alert created, in policy order (errors first); empty with `actions: "off"`. */
  readonly alerts: readonly SloAlert[];
  /** Raw resources (escape hatch). */
  readonly resources: { readonly alarms: readonly CloudwatchMetricAlarm[]; readonly composites: readonly CloudwatchCompositeAlarm[] };

  constructor(scope: Construct, id: string, props: SloAlarmsProps) {
    super(scope, id);
    this.validate(props);
    const alerts: SloAlert[] = [];
    if (props.actions !== "off") {
      const actions = props.actions;
      const dims: Record<string, string> = props.targetGroupArnSuffix ? { LoadBalancer: props.loadBalancerArnSuffix, TargetGroup: props.targetGroupArnSuffix } : { LoadBalancer: props.loadBalancerArnSuffix };
      const metric = (id: string, metricName: string, period: number) => ({ id, metric: { namespace: NAMESPACE, metricName, dimensions: dims, period, stat: "Sum" } });
      const errors: Sli = {
        key: "errors",
        slo: props.availability,
        what: "5xx",
        budgetName: "error budget",
        objective: `${props.availability.targetPercent} % of requests without a 5xx`,
        shareOf: "5xx share",
        // No traffic is no error: 0 / 1 = 0 instead of a missing point.
        queries: (period) =>
          props.targetGroupArnSuffix
            ? [
                // The targets' 5xx, and requests the ALB could not even connect to a target for.
                { id: "ratio", expression: "(FILL(errors, 0) + FILL(unreachable, 0)) / FILL(requests, 1)", label: "5xx ratio", returnData: true },
                metric("errors", "HTTPCode_Target_5XX_Count", period),
                metric("unreachable", "TargetConnectionErrorCount", period),
                metric("requests", "RequestCount", period),
              ]
            : [
                // RequestCount holds only requests a target answered: the ALB's own 5xx are added to both sides.
                { id: "ratio", expression: "(FILL(errors, 0) + FILL(elb, 0)) / (FILL(requests, 0) + FILL(elb, 0) + 0.000001)", label: "5xx ratio", returnData: true },
                metric("errors", "HTTPCode_Target_5XX_Count", period),
                metric("elb", "HTTPCode_ELB_5XX_Count", period),
                metric("requests", "RequestCount", period),
              ],
      };
      for (const sli of [errors, ...(props.latency ? [latencySli(props.latency, dims)] : [])])
        for (const policy of burnRateAlerts(sli.slo.targetPercent, sli.slo.windowDays ?? DEFAULT_SLO_WINDOW_DAYS)) {
          const to = actions[policy.severity];
          if (to) alerts.push(this.alert(props, sli, policy, to));
        }
    }
    this.alerts = alerts;
    this.resources = { alarms: alerts.flatMap((a) => [a.long, a.short]), composites: alerts.map((a) => a.composite) };
  }

  private alert(props: SloAlarmsProps, sli: Sli, policy: BurnRateAlert, actions: readonly string[]): SloAlert {
    const { service, runbook } = props;
    const base = `${sli.key}-${policy.severity}-${windowTag(policy.longWindowSeconds)}`;
    const compositeName = props.names.of(`${service}-slo-${base}`);
    const windowDays = sli.slo.windowDays ?? DEFAULT_SLO_WINDOW_DAYS;
    const budget = errorBudget(sli.slo.targetPercent);
    const describe = (text: string): string => {
      if (text.length > MAX_DESCRIPTION && !Token.isUnresolved(runbook))
        throw new ConfigError(this, "runbook", `makes the description of ${compositeName} ${text.length} characters, more than the ${MAX_DESCRIPTION} CloudWatch stores: use a shorter link`);
      return text;
    };
    const memberName = (seconds: number) => props.names.of(`${service}-slo-${base}-over-${windowTag(seconds)}`);
    const member = (which: "long" | "short", seconds: number): CloudwatchMetricAlarm => {
      // A period may not exceed one day: longer windows are whole days, each of which must burn.
      const days = seconds > DAY ? seconds / DAY : 1;
      const period = seconds > DAY ? DAY : seconds;
      const approx = days > 1 ? ` (approximated as each of the last ${days} daily periods above it)` : "";
      return new CloudwatchMetricAlarm(this, `${base}-${which}`, {
        alarmName: memberName(seconds),
        alarmDescription: describe(
          `${service}: ${sli.shareOf} over the last ${formatWindow(seconds)} above ${percent(policy.errorRateThreshold)}${approx} ` +
          `(${policy.factor}× the ${percent(budget)} budget of the ${sli.slo.targetPercent} % SLO). ` +
          `Member of ${compositeName}, which ${policy.severity === "page" ? "pages" : "opens a ticket"}; no actions of its own. Runbook: ${runbook}`,
        ),
        comparisonOperator: "GreaterThanThreshold",
        threshold: policy.errorRateThreshold,
        evaluationPeriods: days,
        datapointsToAlarm: days,
        treatMissingData: "notBreaching",
        metricQuery: sli.queries(period),
      });
    };
    const long = member("long", policy.longWindowSeconds);
    const short = member("short", policy.shortWindowSeconds);
    const spentIn = formatWindow(policy.longWindowSeconds);
    const composite = new CloudwatchCompositeAlarm(this, base, {
      alarmName: compositeName,
      alarmDescription: describe(
        `${service}: ${sli.what} at ${policy.factor}× the ${sli.budgetName} rate over ${formatWindow(policy.longWindowSeconds)} and ${formatWindow(policy.shortWindowSeconds)}: ` +
        `${percent(policy.budgetConsumed)} of the ${windowDays}-day budget gone in ${spentIn === "1 h" ? "an hour" : spentIn} ` +
        `(SLO: ${sli.objective}). ${policy.severity === "page" ? "Pages" : "Ticket"}. Runbook: ${runbook}`,
      ),
      // Names as text (a readable rule in the console), so the members are created first by dependsOn.
      alarmRule: `ALARM("${memberName(policy.longWindowSeconds)}") AND ALARM("${memberName(policy.shortWindowSeconds)}")`,
      alarmActions: [...actions],
      okActions: [...actions],
      dependsOn: [long, short],
    });
    return { sli: sli.key, policy, long, short, composite };
  }

  /** Checks every prop, including for `actions: "off"`, so a preview fails like prod would. */
  private validate(props: SloAlarmsProps): void {
    const known = (v: string) => !Token.isUnresolved(v);
    if (known(props.service) && !/^[a-z][a-z0-9-]*$/.test(props.service))
      throw new ConfigError(this, "service", `is "${props.service}"; use lower-case letters, digits and dashes, starting with a letter (it is part of alarm names)`);
    if (known(props.loadBalancerArnSuffix) && !/^app\/[^/]+\/[0-9a-f]+$/.test(props.loadBalancerArnSuffix))
      throw new ConfigError(this, "loadBalancerArnSuffix", `is "${props.loadBalancerArnSuffix}"; pass the ALB's arn_suffix (app/<name>/<id>), not its ARN or name`);
    if (props.targetGroupArnSuffix !== undefined && known(props.targetGroupArnSuffix) && !/^targetgroup\/[^/]+\/[0-9a-f]+$/.test(props.targetGroupArnSuffix))
      throw new ConfigError(this, "targetGroupArnSuffix", `is "${props.targetGroupArnSuffix}"; pass the target group's arn_suffix (targetgroup/<name>/<id>), not its ARN or name`);
    this.validateSlo("availability", props.availability);
    if (props.latency) {
      const ms = props.latency.thresholdMs;
      if (!Number.isInteger(ms) || ms < 1)
        throw new ConfigError(this, "latency.thresholdMs", `is ${ms}; use whole milliseconds, at least 1`);
      this.validateSlo("latency", props.latency);
    }
    if (known(props.runbook) && (props.runbook.trim() === "" || /\s/.test(props.runbook)))
      throw new ConfigError(this, "runbook", `is "${props.runbook}"; point to a runbook section without spaces, e.g. docs/runbook.md#checkout-slo`);
    if (props.actions !== "off") {
      for (const severity of ["page", "ticket"] as const) {
        const list = props.actions[severity];
        if (list === undefined || Token.isUnresolved(list)) continue;
        if (list.length === 0)
          throw new ConfigError(this, `actions.${severity}`, `is empty; ${severity} alerts would notify nobody: pass a topic ARN, or actions: "off" for no alarms at all`);
        if (list.length > MAX_ACTIONS) throw new ConfigError(this, `actions.${severity}`, `has ${list.length} actions; CloudWatch takes at most ${MAX_ACTIONS} per alarm: notify one SNS topic and fan out from it`);
      }
    }
  }

  private validateSlo(prop: "availability" | "latency", slo: AvailabilitySlo): void {
    const target = targetProblem(slo.targetPercent);
    if (target) throw new ConfigError(this, `${prop}.targetPercent`, target);
    const window = slo.windowDays === undefined ? undefined : windowProblem(slo.windowDays);
    if (window) throw new ConfigError(this, `${prop}.windowDays`, window);
    const unreachable = burnRateAlerts(slo.targetPercent).find((a) => a.errorRateThreshold >= 1);
    if (unreachable) {
      const lowest = Math.ceil(10_000 * (1 - 1 / unreachable.factor)) / 100;
      throw new ConfigError(
        this,
        `${prop}.targetPercent`,
        `is ${slo.targetPercent}; the ${unreachable.factor}× alert would need ${percent(unreachable.errorRateThreshold)} bad requests and could never fire: use a target of at least ${lowest}`,
      );
    }
  }
}

/** What differs between the availability and latency alerts. */
interface Sli {
  readonly key: "errors" | "latency";
  readonly slo: AvailabilitySlo;
  /** What burns, in the composite description ("5xx"). */
  readonly what: string;
  readonly budgetName: string;
  readonly objective: string;
  /** The ratio, in member descriptions ("5xx share"). */
  readonly shareOf: string;
  /** Metric math returning the bad-event ratio (0–1) at `period` seconds. */
  readonly queries: (period: number) => CloudwatchMetricAlarmMetricQuery[];
}

function latencySli(slo: LatencySlo, dims: Record<string, string>): Sli {
  // PR(:x) is the percentage of requests with a value <= x (lower bound open, upper closed): the fast share.
  const stat = `PR(:${slo.thresholdMs / 1000})`;
  return {
    key: "latency",
    slo,
    what: `requests slower than ${slo.thresholdMs} ms`,
    budgetName: "latency budget",
    objective: `${slo.targetPercent} % of requests within ${slo.thresholdMs} ms`,
    shareOf: `share of requests slower than ${slo.thresholdMs} ms`,
    queries: (period) => [
      // No traffic is no slow request: a missing point counts as 100 % fast.
      { id: "slow", expression: "(100 - FILL(fast, 100)) / 100", label: `share slower than ${slo.thresholdMs} ms`, returnData: true },
      { id: "fast", metric: { namespace: NAMESPACE, metricName: "TargetResponseTime", dimensions: dims, period, stat } },
    ],
  };
}

/** A ratio as a percentage for people: 0.0144 → "1.44 %". */
function percent(ratio: number): string {
  return `${Number((ratio * 100).toPrecision(6))} %`;
}
