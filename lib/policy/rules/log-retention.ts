import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { defineRule } from "../rule";

/** Every log group sets a retention. */
export const logRetention = defineRule({
  id: "log-retention",
  severity: "error",
  kind: "policy",
  summary: "Every CloudWatch log group sets retention_in_days (from the tier's policy).",
  why: "Without it the group keeps every event forever and the storage bill only grows; services that create their own groups (RDS, Lambda) default to never expire.",
  source: {
    title: "Amazon CloudWatch Logs User Guide: Change log data retention in CloudWatch Logs",
    url: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html#SettingLogRetention",
    quote: "By default, log data is stored in CloudWatch Logs indefinitely. However, you can configure how long to store log data in a log group.",
  },
  check: (ctx) =>
    ctx
      .all(CloudwatchLogGroup)
      .filter((g) => !g.retentionInDaysInput)
      .map((g) => ({ resource: g, message: "has no retention (logs kept and billed forever); set retentionInDays from TIER_POLICY" })),
});
