import { Testing, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SchedulerSchedule, type SchedulerScheduleTargetRetryPolicy } from "@cdktf/provider-aws/lib/scheduler-schedule";
import { ruleContext } from "../../lib/policy/rule";
import { schedulerRetryPolicyRange } from "../../lib/policy/rules/scheduler-retry-policy-range";

function withSchedule(retryPolicy?: SchedulerScheduleTargetRetryPolicy): { stack: TerraformStack; schedule: SchedulerSchedule } {
  const stack = new TerraformStack(Testing.app(), "s");
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  const schedule = new SchedulerSchedule(stack, "schedule", {
    name: "nightly",
    scheduleExpression: "rate(1 hour)",
    flexibleTimeWindow: { mode: "OFF" },
    target: { arn: "arn:aws:sqs:us-east-1:111111111111:jobs", roleArn: "arn:aws:iam::111111111111:role/scheduler", retryPolicy },
  });
  return { stack, schedule };
}

const messages = (stack: TerraformStack) => schedulerRetryPolicyRange.check(ruleContext(stack, "standard")).map((f) => f.message);

describe("scheduler-retry-policy-range", () => {
  test("fires on an event age under 60 s and over 24 h, naming the value and the bound", () => {
    const low = withSchedule({ maximumEventAgeInSeconds: 30, maximumRetryAttempts: 3 });
    const findings = schedulerRetryPolicyRange.check(ruleContext(low.stack, "standard"));
    expect(findings).toHaveLength(1);
    expect(findings[0]!.resource).toBe(low.schedule);
    expect(findings[0]!.message).toMatch(/maximum_event_age_in_seconds is 30;.*from 60 to 86400: use 60/);
    expect(messages(withSchedule({ maximumEventAgeInSeconds: 172800 }).stack)).toEqual([expect.stringMatching(/is 172800;.*use 86400/)]);
  });

  test("fires on more than 185 retry attempts", () => {
    expect(messages(withSchedule({ maximumRetryAttempts: 200 }).stack)).toEqual([expect.stringMatching(/maximum_retry_attempts is 200;.*from 0 to 185: use 185/)]);
  });

  test("quiet within the limits, at their edges and without a retry policy", () => {
    expect(messages(withSchedule({ maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 3 }).stack)).toEqual([]);
    expect(messages(withSchedule({ maximumEventAgeInSeconds: 60, maximumRetryAttempts: 0 }).stack)).toEqual([]);
    expect(messages(withSchedule({ maximumEventAgeInSeconds: 86400, maximumRetryAttempts: 185 }).stack)).toEqual([]);
    expect(messages(withSchedule().stack)).toEqual([]);
  });

});
