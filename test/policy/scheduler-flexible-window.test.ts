import { Testing, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SchedulerSchedule, type SchedulerScheduleFlexibleTimeWindow } from "@cdktf/provider-aws/lib/scheduler-schedule";
import { ruleContext } from "../../lib/policy/rule";
import { schedulerFlexibleWindow } from "../../lib/policy/rules/scheduler-flexible-window";

function withWindow(flexibleTimeWindow: SchedulerScheduleFlexibleTimeWindow): { stack: TerraformStack; schedule: SchedulerSchedule } {
  const stack = new TerraformStack(Testing.app(), "s");
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  const schedule = new SchedulerSchedule(stack, "schedule", {
    name: "nightly",
    scheduleExpression: "cron(0 3 * * ? *)",
    flexibleTimeWindow,
    target: { arn: "arn:aws:sqs:us-east-1:111111111111:jobs", roleArn: "arn:aws:iam::111111111111:role/scheduler" },
  });
  return { stack, schedule };
}

const messages = (stack: TerraformStack) => schedulerFlexibleWindow.check(ruleContext(stack, "standard")).map((f) => f.message);

describe("scheduler-flexible-window", () => {
  test("fires on FLEXIBLE without a maximum window, on the schedule", () => {
    const { stack, schedule } = withWindow({ mode: "FLEXIBLE" });
    const findings = schedulerFlexibleWindow.check(ruleContext(stack, "standard"));
    expect(findings).toHaveLength(1);
    expect(findings[0]!.resource).toBe(schedule);
    expect(findings[0]!.message).toMatch(/FLEXIBLE with no maximum_window_in_minutes.*set maximumWindowInMinutes \(1–1440\)/);
  });

  test("fires on FLEXIBLE with a window outside 1–1440 minutes", () => {
    expect(messages(withWindow({ mode: "FLEXIBLE", maximumWindowInMinutes: 2000 }).stack)).toEqual([expect.stringMatching(/maximum_window_in_minutes is 2000;.*use 1440/)]);
  });

  test("quiet on OFF alone and on FLEXIBLE with a window (edges included)", () => {
    expect(messages(withWindow({ mode: "OFF" }).stack)).toEqual([]);
    // OFF next to a window is not checked: no AWS document says CreateSchedule refuses it.
    expect(messages(withWindow({ mode: "OFF", maximumWindowInMinutes: 15 }).stack)).toEqual([]);
    expect(messages(withWindow({ mode: "FLEXIBLE", maximumWindowInMinutes: 15 }).stack)).toEqual([]);
    expect(messages(withWindow({ mode: "FLEXIBLE", maximumWindowInMinutes: 1 }).stack)).toEqual([]);
    expect(messages(withWindow({ mode: "FLEXIBLE", maximumWindowInMinutes: 1440 }).stack)).toEqual([]);
  });

});
