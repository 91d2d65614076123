import { CloudwatchCompositeAlarm } from "@cdktf/provider-aws/lib/cloudwatch-composite-alarm";
import { defineRule, type Finding } from "../rule";

/** Most alarms one composite's rule may reference. */
export const MAX_COMPOSITE_CHILDREN = 100;
/** Most composites that may reference one alarm. */
export const MAX_COMPOSITES_PER_ALARM = 150;

/** The distinct alarms (name, ARN or `${...}` reference) an alarm rule calls ALARM/OK/INSUFFICIENT_DATA on. */
export function alarmRuleChildren(rule: string): string[] {
  const children = [...rule.matchAll(/\b(?:ALARM|OK|INSUFFICIENT_DATA)\(\s*("(?:[^"\\]|\\.)*"|[^()\s]+)\s*\)/g)].map((m) => m[1]!.replace(/^"|"$/g, ""));
  return [...new Set(children)];
}

/**
 * A composite alarm's rule references at most 100 alarms, and no alarm is referenced by more than
 * 150 composites of the stack. Reads alarm_rule as Terraform will see it; a rule built entirely
 * by a Terraform function (one `${...}` expression) is not read.
 */
export const compositeAlarmChildren = defineRule({
  id: "composite-alarm-children",
  severity: "error",
  kind: "apply-time",
  summary: `An aws_cloudwatch_composite_alarm's alarm_rule references at most ${MAX_COMPOSITE_CHILDREN} distinct alarms, and no alarm appears in the rules of more than ${MAX_COMPOSITES_PER_ALARM} composite alarms of the stack.`,
  why: "terraform plan does not count the alarms a rule references; PutCompositeAlarm refuses a rule over these counts, so the apply fails and the alert the composite carries (a burn-rate page, say) does not exist.",
  source: {
    title: "Amazon CloudWatch API Reference: PutCompositeAlarm",
    url: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html",
    quote:
      "The rule expression of a composite alarm can include as many as 100 underlying alarms. Any single alarm can be included in the rule expressions of as many as 150 composite alarms.",
  },
  check: (ctx) => {
    const composites = ctx.all(CloudwatchCompositeAlarm).map((composite) => {
      const rule = ctx.resolve(composite.alarmRuleInput);
      return { composite, children: typeof rule === "string" ? alarmRuleChildren(rule) : [] };
    });
    const findings: Finding[] = composites
      .filter((c) => c.children.length > MAX_COMPOSITE_CHILDREN)
      .map((c) => ({
        resource: c.composite,
        message: `alarm_rule references ${c.children.length} alarms, more than the ${MAX_COMPOSITE_CHILDREN} CloudWatch allows in one composite; split it into composites of at most ${MAX_COMPOSITE_CHILDREN} and combine those in a parent composite`,
      }));
    const users = new Map<string, CloudwatchCompositeAlarm[]>();
    for (const { composite, children } of composites) for (const child of children) users.set(child, [...(users.get(child) ?? []), composite]);
    for (const [child, parents] of users)
      if (parents.length > MAX_COMPOSITES_PER_ALARM)
        findings.push({
          resource: parents[MAX_COMPOSITES_PER_ALARM]!,
          message: `alarm ${child} appears in the rules of ${parents.length} composite alarms, more than the ${MAX_COMPOSITES_PER_ALARM} CloudWatch allows; reference an intermediate composite instead of the alarm itself`,
        });
    return findings;
  },
});
