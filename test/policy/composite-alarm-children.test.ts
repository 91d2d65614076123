import { Testing, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { CloudwatchCompositeAlarm } from "@cdktf/provider-aws/lib/cloudwatch-composite-alarm";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { ruleContext } from "../../lib/policy/rule";
import { alarmRuleChildren, compositeAlarmChildren } from "../../lib/policy/rules/composite-alarm-children";

function stackWithAlarms(count: number): { stack: TerraformStack; alarms: CloudwatchMetricAlarm[] } {
  const stack = new TerraformStack(Testing.app(), "s");
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  const alarms = Array.from({ length: count }, (_, i) =>
    new CloudwatchMetricAlarm(stack, `member-${i}`, { alarmName: `member-${i}`, comparisonOperator: "GreaterThanThreshold", threshold: 1, evaluationPeriods: 1, namespace: "App", metricName: "Errors", statistic: "Sum", period: 60 }));
  return { stack, alarms };
}

const composite = (stack: TerraformStack, id: string, children: readonly CloudwatchMetricAlarm[]) =>
  new CloudwatchCompositeAlarm(stack, id, { alarmName: id, alarmRule: children.map((a) => `ALARM("${a.alarmName}")`).join(" OR ") });

const findings = (stack: TerraformStack) => compositeAlarmChildren.check(ruleContext(stack, "standard"));

describe("composite-alarm-children", () => {
  test("reads the distinct alarms of a rule: names, ARNs, quoted or not, each once", () => {
    expect(alarmRuleChildren('ALARM("a") AND (OK(b) OR INSUFFICIENT_DATA("arn:aws:cloudwatch:us-east-1:1:alarm:c")) AND NOT ALARM("a")')).toEqual(["a", "b", "arn:aws:cloudwatch:us-east-1:1:alarm:c"]);
  });

  test("fires on a composite over 101 alarms, naming the count and the fix", () => {
    const { stack, alarms } = stackWithAlarms(101);
    const big = composite(stack, "everything", alarms);
    const found = findings(stack);
    expect(found).toHaveLength(1);
    expect(found[0]!.resource).toBe(big);
    expect(found[0]!.message).toMatch(/references 101 alarms, more than the 100 .*split it into composites of at most 100/);
  });

  test("fires when one alarm appears in 151 composites, on the 151st", () => {
    const { stack, alarms } = stackWithAlarms(1);
    const parents = Array.from({ length: 151 }, (_, i) => composite(stack, `parent-${i}`, alarms));
    const found = findings(stack);
    expect(found).toHaveLength(1);
    expect(found[0]!.resource).toBe(parents[150]);
    expect(found[0]!.message).toMatch(/aws_cloudwatch_metric_alarm\.member-0\.alarm_name.* appears in the rules of 151 composite alarms, more than the 150/);
  });

  test("quiet at the limits: 100 alarms in one composite, one alarm in 150 composites", () => {
    const hundred = stackWithAlarms(100);
    composite(hundred.stack, "all", hundred.alarms);
    expect(findings(hundred.stack)).toEqual([]);
    const one = stackWithAlarms(1);
    for (let i = 0; i < 150; i++) composite(one.stack, `parent-${i}`, one.alarms);
    expect(findings(one.stack)).toEqual([]);
  });
});
