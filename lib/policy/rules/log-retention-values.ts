import { Token } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { defineRule } from "../rule";
import { CLOUDWATCH_RETENTION_DAYS } from "../../core/lifecycle";

/** The retentions (days) CloudWatch Logs' PutRetentionPolicy accepts, ascending: the library's one list (lib/core/lifecycle.ts). */
export const LOG_RETENTION_DAYS: readonly number[] = CLOUDWATCH_RETENTION_DAYS;

/** Every log group's retention_in_days is one of the values CloudWatch Logs accepts. */
export const logRetentionValues = defineRule({
  id: "log-retention-values",
  severity: "error",
  kind: "apply-time",
  planOverlap: { scope: "all", detail: "the provider validates literal retention_in_days against the same list; the rule only reports it at synth, on the construct, with the fix" },
  summary: `Every CloudWatch log group's retention_in_days is one CloudWatch Logs accepts: ${LOG_RETENTION_DAYS.join(", ")} (0, no retention, is left to log-retention).`,
  why: "PutRetentionPolicy refuses any other number of days: the apply fails after the log group was created, and the group is left with no retention (kept and billed forever). The AWS provider rejects a literal value at plan too; this rule reports it at synth, on the construct, with the nearest accepted value.",
  source: {
    title: "Amazon CloudWatch Logs API Reference: PutRetentionPolicy (retentionInDays)",
    url: "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html",
    quote:
      "The number of days to retain the log events in the specified log group. Possible values are: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, and 3653.",
  },
  check: (ctx) =>
    ctx
      .all(CloudwatchLogGroup)
      // DELIVERY-class groups have a fixed retention; the provider never sends theirs.
      .filter((g) => g.logGroupClassInput !== "DELIVERY")
      .flatMap((g) => {
        const days = g.retentionInDaysInput;
        if (days === undefined || days === 0 || Token.isUnresolved(days) || LOG_RETENTION_DAYS.includes(days)) return [];
        const above = LOG_RETENTION_DAYS.find((d) => d >= days);
        const below = [...LOG_RETENTION_DAYS].reverse().find((d) => d <= days);
        const fix = above !== undefined ? `use ${above}${below !== undefined ? ` (or ${below})` : ""}` : `use at most ${LOG_RETENTION_DAYS[LOG_RETENTION_DAYS.length - 1]}`;
        return [{ resource: g, message: `retention_in_days is ${days}, which CloudWatch Logs rejects (PutRetentionPolicy accepts ${LOG_RETENTION_DAYS.join(", ")}); ${fix}` }];
      }),
});
