import { Testing, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { CloudwatchMetricAlarm, type CloudwatchMetricAlarmConfig } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { ruleContext } from "../../lib/policy/rule";
import { alarmEvaluationRange } from "../../lib/policy/rules/alarm-evaluation-range";

function withAlarm(config: Partial<CloudwatchMetricAlarmConfig>): { stack: TerraformStack; alarm: CloudwatchMetricAlarm } {
  const stack = new TerraformStack(Testing.app(), "s");
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  const alarm = new CloudwatchMetricAlarm(stack, "alarm", {
    alarmName: "heartbeat",
    comparisonOperator: "LessThanThreshold",
    threshold: 1,
    evaluationPeriods: 1,
    ...(config.metricQuery ? {} : { namespace: "App", metricName: "JobSucceeded", statistic: "Sum", period: 300 }),
    ...config,
  });
  return { stack, alarm };
}

const messages = (stack: TerraformStack) => alarmEvaluationRange.check(ruleContext(stack, "standard")).map((f) => f.message);

describe("alarm-evaluation-range", () => {
  test("fires on a sub-hour period evaluated over more than one day, naming both numbers and two fixes", () => {
    const { stack, alarm } = withAlarm({ period: 300, evaluationPeriods: 300 });
    const findings = alarmEvaluationRange.check(ruleContext(stack, "standard"));
    expect(findings).toHaveLength(1);
    expect(findings[0]!.resource).toBe(alarm);
    expect(findings[0]!.message).toMatch(/period 300 s × evaluation_periods 300 = 90000 s, more than the 86400 s \(1 day, for periods under an hour\).*lower evaluation_periods to 288, or use period 3600 with evaluation_periods 25/);
  });

  test("fires on an hourly period evaluated over more than 7 days", () => {
    expect(messages(withAlarm({ period: 3600, evaluationPeriods: 169 }).stack)).toEqual([expect.stringMatching(/3600 s × evaluation_periods 169 = 608400 s, more than the 604800 s \(7 days\).*lower evaluation_periods to 168/)]);
  });

  test("fires on a period CloudWatch does not accept", () => {
    expect(messages(withAlarm({ period: 90, evaluationPeriods: 1 }).stack)).toEqual([expect.stringMatching(/period is 90 s; CloudWatch accepts 10, 20, 30 or a multiple of 60/)]);
  });

  test("counts the longest period of a metric-math alarm", () => {
    const metric = (id: string) => ({ id, metric: { namespace: "AWS/ApplicationELB", metricName: "RequestCount", period: 600, stat: "Sum" } });
    const { stack } = withAlarm({ evaluationPeriods: 200, metricQuery: [{ id: "ratio", expression: "a / b", returnData: true }, metric("a"), metric("b")] });
    expect(messages(stack)).toEqual([expect.stringMatching(/period 600 s × evaluation_periods 200 = 120000 s/)]);
  });

  test("quiet at the limits: 288 × 300 s, 168 × 3600 s, one day as one period, 10 s high resolution", () => {
    expect(messages(withAlarm({ period: 300, evaluationPeriods: 288 }).stack)).toEqual([]);
    expect(messages(withAlarm({ period: 3600, evaluationPeriods: 168 }).stack)).toEqual([]);
    expect(messages(withAlarm({ period: 86400, evaluationPeriods: 1 }).stack)).toEqual([]);
    expect(messages(withAlarm({ period: 10, evaluationPeriods: 6 }).stack)).toEqual([]);
  });

});
