import { Testing, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DatabaseBackups, type DatabaseBackupsProps } from "../../lib/data/database-backups";
import { lifecycleOf } from "../../lib/core/lifecycle";
import { Names } from "../../lib/core/naming";
import { resources, type SynthJson } from "../helpers";

const TOPIC = "arn:aws:sns:us-east-1:111111111111:shipkit-prod-alarms";
const INSTANCE = "arn:aws:rds:us-east-1:111111111111:db:shipkit-prod-db";
/** Protected tier, a 35-day plan, no copy region. */
const prod: DatabaseBackupsProps = {
  names: new Names("shipkit", "prod"), lifecycle: lifecycleOf("protected"), backupPlan: { retentionDays: 35 }, instanceArn: INSTANCE, alarmTopicArn: TOPIC, alertDeadLetterArn: "arn:aws:sqs:us-east-1:111111111111:shipkit-prod-undelivered-alerts",
};
const prodCopy: DatabaseBackupsProps = { ...prod, backupPlan: { retentionDays: 35, copyToRegion: "us-west-2" } };
const staging: DatabaseBackupsProps = { ...prod, names: new Names("shipkit", "staging"), lifecycle: lifecycleOf("standard"), backupPlan: { retentionDays: 7 } };

const synthBackups = (base: DatabaseBackupsProps, extra: Partial<DatabaseBackupsProps> = {}): SynthJson =>
  JSON.parse(Testing.synthScope((s) => new DatabaseBackups(s, "backups", { ...base, ...extra }))) as SynthJson;

/** With a copy region: the aliased provider must live in a stack, so build one. */
function synthWithCopy(base: DatabaseBackupsProps, withProvider = true): SynthJson {
  const stack = new TerraformStack(Testing.app(), "backups");
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  const copyRegionProvider = withProvider ? new AwsProvider(stack, "aws-copy", { region: "us-west-2", alias: "copy" }) : undefined;
  new DatabaseBackups(stack, "backups", { ...base, copyRegionProvider });
  return JSON.parse(Testing.synth(stack)) as SynthJson;
}

describe("DatabaseBackups", () => {
  test("prod: protected vault, a daily plan kept for the configured days, selecting the primary", () => {
    const json = synthBackups(prod);
    expect(resources(json, "aws_backup_vault")).toEqual([expect.objectContaining({ name: "shipkit-prod-db-backups", force_destroy: false, lifecycle: { prevent_destroy: true } })]);
    const [plan] = resources(json, "aws_backup_plan");
    expect(plan).toMatchObject({ name: "shipkit-prod-db-daily" });
    const [rule] = plan!.rule as Record<string, unknown>[];
    expect(rule).toMatchObject({ rule_name: "daily", schedule: "cron(0 7 * * ? *)", lifecycle: { delete_after: 35 } });
    expect(rule).not.toHaveProperty("copy_action");
    expect(resources(json, "aws_backup_selection")).toEqual([expect.objectContaining({ resources: [INSTANCE] })]);
    expect(resources(json, "aws_iam_role_policy_attachment")).toEqual([expect.objectContaining({ policy_arn: "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup" })]);
  });

  test("heartbeat: fewer than one completed job in a day, silence counts as failure", () => {
    const [alarm] = resources(synthBackups(prod), "aws_cloudwatch_metric_alarm");
    expect(alarm).toMatchObject({
      alarm_name: "shipkit-prod-db-backup-heartbeat",
      namespace: "AWS/Backup",
      metric_name: "NumberOfBackupJobsCompleted",
      statistic: "Sum",
      period: 86400,
      evaluation_periods: 1,
      threshold: 1,
      comparison_operator: "LessThanThreshold",
      treat_missing_data: "breaching",
      alarm_actions: [TOPIC],
    });
    expect(String((alarm!.dimensions as Record<string, string>).BackupVaultName)).toContain("aws_backup_vault.");
  });

  test("failed, aborted or expired jobs go to the alarm topic", () => {
    const json = synthBackups(prod);
    const [rule] = resources(json, "aws_cloudwatch_event_rule");
    expect(JSON.parse(rule!.event_pattern as string)).toEqual({
      source: ["aws.backup"],
      "detail-type": ["Backup Job State Change", "Copy Job State Change"],
      detail: { state: ["FAILED", "ABORTED", "EXPIRED"] },
    });
    expect(resources(json, "aws_cloudwatch_event_target")).toEqual([expect.objectContaining({ arn: TOPIC, input_transformer: expect.objectContaining({ input_paths: expect.objectContaining({ state: "$.detail.state" }) }) })]);
    expect(resources(json, "aws_cloudwatch_event_target")[0]).toMatchObject({ retry_policy: { maximum_retry_attempts: 185 }, dead_letter_config: { arn: expect.stringContaining("undelivered-alerts") } });
  });

  test("a copy region: a vault there through the aliased provider, and a copy action to it", () => {
    const json = synthWithCopy(prodCopy);
    const vaults = resources(json, "aws_backup_vault");
    const copy = vaults.find((v) => v.name === "shipkit-prod-db-backups-us-west-2");
    expect(copy).toMatchObject({ provider: "aws.copy", lifecycle: { prevent_destroy: true } });
    const [rule] = resources(json, "aws_backup_plan")[0]!.rule as Record<string, unknown>[];
    expect(rule!.copy_action).toEqual([expect.objectContaining({ destination_vault_arn: expect.stringContaining("copy-vault"), lifecycle: { delete_after: 35 } })]);
  });

  test("staging with a plan: a vault that may be deleted", () => {
    const json = synthBackups(staging);
    expect(resources(json, "aws_backup_vault")).toEqual([expect.objectContaining({ name: "shipkit-staging-db-backups", force_destroy: true, lifecycle: { prevent_destroy: false } })]);
    expect((resources(json, "aws_backup_plan")[0]!.rule as Record<string, unknown>[])[0]).toMatchObject({ lifecycle: { delete_after: 7 } });
  });

  test("the failure message names the environment", () => {
    const [target] = resources(synthBackups(prod), "aws_cloudwatch_event_target");
    expect(String((target!.input_transformer as Record<string, unknown>).input_template)).toMatch(/^"prod: <type> <state> for <resource>/);
    expect(resources(synthBackups(prod), "aws_cloudwatch_event_rule")[0]).toMatchObject({ description: "AWS Backup or copy job of prod ended FAILED/ABORTED/EXPIRED" });
  });

  test.each([
    ["the ephemeral tier", () => synthBackups(staging, { lifecycle: lifecycleOf("ephemeral") }), /backups: "lifecycle" is the ephemeral tier; ephemeral environments \(previews\) own no database to back up/],
    // The type requires a plan; this guards callers that bypass it (e.g. an optional config value passed on unchecked).
    ["no backupPlan", () => synthBackups(staging, { backupPlan: undefined as never }), /backups: "backupPlan" is not set/],
    ["a copy region without a provider", () => synthWithCopy(prodCopy, false), /"copyRegionProvider" is missing; backupPlan\.copyToRegion is us-west-2/],
    ["a provider without a copy region", () => synthWithCopy(prod), /"copyRegionProvider" is set but backupPlan\.copyToRegion is not/],
  ])("refuses %s", (_, build, message) => {
    expect(build).toThrow(message);
  });
});
