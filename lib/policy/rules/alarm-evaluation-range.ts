import { Token } from "cdktf";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { defineRule, type Finding } from "../rule";

/** Longest range (period × evaluation periods) CloudWatch evaluates: 7 days. */
export const MAX_ALARM_EVALUATION_SECONDS = 604_800;
/** Longest range for periods under an hour: 1 day. */
export const MAX_SUB_HOUR_ALARM_EVALUATION_SECONDS = 86_400;
/** Sub-minute periods CloudWatch accepts (high-resolution alarms); any other period is a multiple of 60. */
export const HIGH_RESOLUTION_PERIODS: readonly number[] = [10, 20, 30];

const known = (n: number | undefined): n is number => n !== undefined && !Token.isUnresolved(n);

/** An alarm's period is one CloudWatch accepts, and period × evaluation_periods is within the range it evaluates. */
export const alarmEvaluationRange = defineRule({
  id: "alarm-evaluation-range",
  severity: "error",
  kind: "apply-time",
  planOverlap: { scope: "part", detail: "the provider validates the period (10, 20, 30 or a multiple of 60); not period x evaluation_periods, which PutMetricAlarm limits" },
  summary: `An aws_cloudwatch_metric_alarm's period is ${HIGH_RESOLUTION_PERIODS.join(", ")} or a multiple of 60, and period × evaluation_periods is at most ${MAX_SUB_HOUR_ALARM_EVALUATION_SECONDS} s (1 day) for periods under an hour, ${MAX_ALARM_EVALUATION_SECONDS} s (7 days) otherwise; for metric-math alarms the longest period in metric_query counts.`,
  why: "terraform plan checks each number alone; PutMetricAlarm refuses an alarm whose period × evaluation periods exceeds the range CloudWatch evaluates, so the apply fails and the alarm (often a dead-man heartbeat) does not exist.",
  source: {
    title: "Amazon CloudWatch API Reference: PutMetricAlarm (Period)",
    url: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html",
    quote:
      "An alarm's total current evaluation period can be no longer than seven days, so Period multiplied by EvaluationPeriods can't be more than 604,800 seconds. For alarms with a period of less than one hour (3,600 seconds), the total evaluation period can't be longer than one day (86,400 seconds).",
  },
  check: (ctx) =>
    ctx.all(CloudwatchMetricAlarm).flatMap((alarm): Finding[] => {
      const findings: Finding[] = [];
      const period = alarm.periodInput;
      if (known(period) && !(HIGH_RESOLUTION_PERIODS.includes(period) || (period > 0 && period % 60 === 0)))
        findings.push({ resource: alarm, message: `period is ${period} s; CloudWatch accepts ${HIGH_RESOLUTION_PERIODS.join(", ")} or a multiple of 60: use ${Math.max(60, Math.round(period / 60) * 60)}` });
      // Metric-math alarms carry their periods in the queries.
      const queries = Array.isArray(alarm.metricQueryInput) ? alarm.metricQueryInput : [];
      const periods = [period, ...queries.flatMap((q) => [q.period, q.metric?.period])].filter(known);
      const evaluationPeriods = alarm.evaluationPeriodsInput;
      if (!known(evaluationPeriods) || periods.length === 0) return findings;
      const longest = Math.max(...periods);
      const range = longest * evaluationPeriods;
      const limit = longest < 3600 ? MAX_SUB_HOUR_ALARM_EVALUATION_SECONDS : MAX_ALARM_EVALUATION_SECONDS;
      if (range > limit) {
        const most = Math.floor(limit / longest);
        const hourly = Math.ceil(range / 3600);
        const fix =
          longest < 3600 && range <= MAX_ALARM_EVALUATION_SECONDS
            ? `lower evaluation_periods to ${most}, or use period 3600 with evaluation_periods ${hourly}`
            : `lower evaluation_periods to ${most} (CloudWatch watches at most 7 days; a longer silence needs another check)`;
        findings.push({ resource: alarm, message: `period ${longest} s × evaluation_periods ${evaluationPeriods} = ${range} s, more than the ${limit} s (${limit === MAX_ALARM_EVALUATION_SECONDS ? "7 days" : "1 day, for periods under an hour"}) CloudWatch evaluates; ${fix}` });
      }
      return findings;
    }),
});
