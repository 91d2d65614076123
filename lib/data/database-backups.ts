import { Construct } from "constructs";
import type { TerraformProvider } from "cdktf";
import { BackupPlan } from "@cdktf/provider-aws/lib/backup-plan";
import { BackupSelection } from "@cdktf/provider-aws/lib/backup-selection";
import { BackupVault } from "@cdktf/provider-aws/lib/backup-vault";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import type { Lifecycle } from "../core/lifecycle";
import { ConfigError } from "../core/errors";
import type { Names } from "../core/naming";
import { alertEventTarget } from "../observability/alarm-topic";

/** AWS-managed policy the AWS Backup service role needs to snapshot RDS (an AWS constant). */
const BACKUP_SERVICE_POLICY = "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup";

/** Backup job states that page: the job did not produce a recovery point. */
export const FAILED_BACKUP_STATES = ["FAILED", "ABORTED", "EXPIRED"] as const;

/**
 * The AWS Backup plan on top of RDS's own backups: daily snapshots kept `retentionDays`,
 * optionally copied to a vault in another region.
 */
export interface BackupPlanSettings {
  /** Days each daily recovery point (and its copy) is kept before AWS Backup deletes it. */
  readonly retentionDays: number;
  /**
   * Region a copy of each recovery point goes to (a vault there), e.g. `us-west-2`; needs
   * `copyRegionProvider`. @default none (no cross-region copy)
   */
  readonly copyToRegion?: string;
}

export interface DatabaseBackupsProps {
  /** Naming helper of the stack: vault, plan, role and alarm names; its `envName` appears in the failure message. */
  readonly names: Names;
  /**
   * Lifecycle of the environment: `protectState` puts `prevent_destroy` on the vaults and keeps
   * them from being force-destroyed. The ephemeral tier is refused (it owns no database to back up).
   */
  readonly lifecycle: Lifecycle;
  /** Retention and optional copy region of the daily plan. */
  readonly backupPlan: BackupPlanSettings;
  /** ARN of the RDS instance to back up (PostgresDatabase.instanceArn). */
  readonly instanceArn: string;
  /** SNS topic the heartbeat alarm and failed-job events go to. */
  readonly alarmTopicArn: string;
  /** Dead-letter queue for failed-job alerts EventBridge cannot deliver (AlarmTopic `deadLetterArn`). */
  readonly alertDeadLetterArn: string;
  /**
   * AWS provider aliased to `backupPlan.copyToRegion`; the copy vault is created with
   * it. Required exactly when a copy region is configured (a vault lives in one region and this
   * stack's default provider is in the instance's). @default none (no cross-region copy)
   */
  readonly copyRegionProvider?: TerraformProvider;
  /** Daily schedule (UTC). Keep it clear of the RDS backup (03:00) and maintenance (Sun 05:00) windows. @default "cron(0 7 * * ? *)" */
  readonly schedule?: `cron(${string})`;
}

/**
 * AWS Backup for the database, beyond RDS's own automated backups: a vault, a daily plan kept
 * `backupPlan.retentionDays` (optionally copied to a vault in a second region), a selection of
 * the primary, and two alarms for the day a backup does not happen:
 * - heartbeat (dead-man switch): AWS/Backup `NumberOfBackupJobsCompleted` for the vault summed over
 *   1 day < 1, missing data counted as breaching. Expect it to fire once on the first day after
 *   creation, before the first job has run.
 * - an EventBridge rule on `Backup Job State Change` / `Copy Job State Change` to FAILED, ABORTED or
 *   EXPIRED, delivered to the alarm topic with a readable message.
 *
 * Delivery: the alarm topic (lib/observability/alarm-topic.ts) owns the one topic policy and its KMS key;
 * both admit EventBridge and CloudWatch of the account, so this rule and these alarms can publish.
 *
 * @example new DatabaseBackups(this, "database-backups", { names, lifecycle, backupPlan: { retentionDays: 35 }, instanceArn: db.instanceArn, alarmTopicArn, alertDeadLetterArn });
 * Cost: snapshot storage ($0.095/GiB-month warm), cross-region copy transfer ($0.02/GiB); alarms $0.10 each.
 * Tested via: test/constructs/database-backups.test.ts
 */
export class DatabaseBackups extends Construct {
  readonly resources: {
    readonly vault: BackupVault;
    readonly copyVault?: BackupVault;
    readonly plan: BackupPlan;
    readonly selection: BackupSelection;
    readonly heartbeat: CloudwatchMetricAlarm;
    readonly failedJobsRule: CloudwatchEventRule;
  };

  constructor(scope: Construct, id: string, props: DatabaseBackupsProps) {
    super(scope, id);
    const { names, lifecycle } = props;
    const cfg = { schedule: "cron(0 7 * * ? *)", ...props };
    const plan = props.backupPlan as BackupPlanSettings | undefined;
    if (lifecycle.tier === "ephemeral") throw new ConfigError(this, "lifecycle", "is the ephemeral tier; ephemeral environments (previews) own no database to back up");
    if (!plan) throw new ConfigError(this, "backupPlan", "is not set; set { retentionDays } to build an AWS Backup plan");
    if (plan.copyToRegion && !props.copyRegionProvider)
      throw new ConfigError(this, "copyRegionProvider", `is missing; backupPlan.copyToRegion is ${plan.copyToRegion}: pass an AwsProvider aliased to that region`);
    if (!plan.copyToRegion && props.copyRegionProvider)
      throw new ConfigError(this, "copyRegionProvider", "is set but backupPlan.copyToRegion is not; set the region or drop the provider");
    const protect = lifecycle.protectState;

    const vault = new BackupVault(this, "vault", { name: names.of("db-backups"), forceDestroy: !protect, lifecycle: { preventDestroy: protect } });
    const copyVault = plan.copyToRegion
      ? new BackupVault(this, "copy-vault", {
          provider: props.copyRegionProvider,
          name: names.of(`db-backups-${plan.copyToRegion}`),
          forceDestroy: !protect,
          lifecycle: { preventDestroy: protect },
        })
      : undefined;

    const backupPlan = new BackupPlan(this, "plan", {
      name: names.of("db-daily"),
      rule: [
        {
          ruleName: "daily",
          targetVaultName: vault.name,
          schedule: cfg.schedule,
          startWindow: 60,
          completionWindow: 360,
          lifecycle: { deleteAfter: plan.retentionDays },
          copyAction: copyVault ? [{ destinationVaultArn: copyVault.arn, lifecycle: { deleteAfter: plan.retentionDays } }] : undefined,
        },
      ],
    });

    const assume = new DataAwsIamPolicyDocument(this, "backup-assume", {
      statement: [{ actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["backup.amazonaws.com"] }] }],
    });
    const role = new IamRole(this, "backup-role", { name: names.of("db-backup", { max: 64 }), assumeRolePolicy: assume.json });
    new IamRolePolicyAttachment(this, "backup-policy", { role: role.name, policyArn: BACKUP_SERVICE_POLICY });
    const selection = new BackupSelection(this, "selection", { name: names.of("db", { max: 50 }), planId: backupPlan.id, iamRoleArn: role.arn, resources: [props.instanceArn] });

    const heartbeat = new CloudwatchMetricAlarm(this, "heartbeat", {
      alarmName: names.of("db-backup-heartbeat"),
      alarmDescription: `No AWS Backup job of ${vault.name} completed in the last day: check the plan's jobs in the AWS Backup console. Runbook: docs/database.md#alarms-and-what-they-mean`,
      namespace: "AWS/Backup",
      metricName: "NumberOfBackupJobsCompleted",
      dimensions: { BackupVaultName: vault.name },
      statistic: "Sum",
      period: 86400,
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: "LessThanThreshold",
      // No datapoint means no job: the dead-man switch must fire on silence.
      treatMissingData: "breaching",
      alarmActions: [props.alarmTopicArn],
      okActions: [props.alarmTopicArn],
    });

    const failedJobsRule = new CloudwatchEventRule(this, "failed-jobs", {
      name: names.of("db-backup-failed", { max: 64 }),
      description: `AWS Backup or copy job of ${names.envName} ended ${FAILED_BACKUP_STATES.join("/")}`,
      eventPattern: JSON.stringify({
        source: ["aws.backup"],
        "detail-type": ["Backup Job State Change", "Copy Job State Change"],
        detail: { state: [...FAILED_BACKUP_STATES] },
      }),
    });
    alertEventTarget(this, "failed-jobs-to-topic", failedJobsRule, { topicArn: props.alarmTopicArn, deadLetterArn: props.alertDeadLetterArn }, {
      inputPaths: { type: "$.detail-type", state: "$.detail.state", resource: "$.detail.resourceArn", message: "$.detail.statusMessage" },
      inputTemplate: `"${names.envName}: <type> <state> for <resource>: <message>. Runbook: docs/database.md#alarms-and-what-they-mean"`,
    });

    this.resources = { vault, copyVault, plan: backupPlan, selection, heartbeat, failedJobsRule };
  }
}
