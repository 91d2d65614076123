import { Token } from "cdktf";
import { SchedulerSchedule } from "@cdktf/provider-aws/lib/scheduler-schedule";
import { defineRule, type Finding } from "../rule";

/** EventBridge Scheduler's RetryPolicy limits. */
export const SCHEDULER_RETRY_LIMITS = {
  /** maximum_event_age_in_seconds: 60 s to 24 h. */
  eventAgeSeconds: { min: 60, max: 86_400 },
  /** maximum_retry_attempts: 0 to 185. */
  retryAttempts: { min: 0, max: 185 },
} as const;

/** Every schedule's target retry_policy is within EventBridge Scheduler's limits. */
export const schedulerRetryPolicyRange = defineRule({
  id: "scheduler-retry-policy-range",
  severity: "error",
  kind: "apply-time",
  planOverlap: { scope: "all", detail: "the provider validates both literal ranges; the rule only reports them at synth, on the construct, with the fix" },
  summary: "An aws_scheduler_schedule target's retry_policy has maximum_event_age_in_seconds 60–86400 and maximum_retry_attempts 0–185 (whole numbers).",
  why: "CreateSchedule and UpdateSchedule reject a RetryPolicy outside these ranges (ValidationException), so the apply fails and the job is not scheduled. The AWS provider rejects a literal value at plan too; this rule reports it at synth, on the construct, with the bound to use.",
  source: {
    title: "EventBridge Scheduler API Reference: RetryPolicy",
    url: "https://docs.aws.amazon.com/scheduler/latest/APIReference/API_RetryPolicy.html",
    quote: "Valid Range: Minimum value of 60. Maximum value of 86400.",
  },
  check: (ctx) =>
    ctx.all(SchedulerSchedule).flatMap((schedule) => {
      const retry = schedule.targetInput?.retryPolicy;
      if (!retry) return [];
      const findings: Finding[] = [];
      const checkRange = (field: string, value: number | undefined, limits: { readonly min: number; readonly max: number }) => {
        if (value === undefined || Token.isUnresolved(value)) return;
        if (Number.isInteger(value) && value >= limits.min && value <= limits.max) return;
        const fix = value < limits.min ? limits.min : value > limits.max ? limits.max : Math.round(value);
        findings.push({ resource: schedule, message: `target.retry_policy.${field} is ${value}; EventBridge Scheduler accepts whole numbers from ${limits.min} to ${limits.max}: use ${fix}` });
      };
      checkRange("maximum_event_age_in_seconds", retry.maximumEventAgeInSeconds, SCHEDULER_RETRY_LIMITS.eventAgeSeconds);
      checkRange("maximum_retry_attempts", retry.maximumRetryAttempts, SCHEDULER_RETRY_LIMITS.retryAttempts);
      return findings;
    }),
});
