import { Construct } from "constructs";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { deadLetterQueueAlarm } from "../observability/queue-alarms";
import { SchedulerScheduleGroup } from "@cdktf/provider-aws/lib/scheduler-schedule-group";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import type { Names } from "../core/naming";

/** What a ScheduledTask needs of its group. */
export interface ScheduleGroupAttributes {
  /** EventBridge Scheduler schedule group name (`<app>-<env>-cron`). */
  readonly groupName: string;
  /** SQS dead-letter queue for invocations the scheduler gave up on. */
  readonly deadLetterQueueArn: string;
}

export interface ScheduleGroupProps {
  /** Naming helper of the stack. */
  readonly names: Names;
  /** Topic for the dead-letter alarm; `off` in previews (their noise would page staging). */
  readonly alarms: { readonly topicArn: string } | "off";
  /** Days a dead-lettered invocation is kept for inspection (SQS allows 1 minute–14 days). @default 14 */
  readonly deadLetterRetentionDays?: number;
}

/**
 * The environment's cron home: one EventBridge Scheduler schedule group (`<app>-<env>-cron`) and one
 * SQS dead-letter queue (SSE with SQS-managed keys) that every schedule of the environment sends
 * its undeliverable invocations to (RunTask kept failing past the retry policy: no capacity,
 * throttling, a missing task definition or role). An alarm pages on the first message.
 *
 * @example const group = new ScheduleGroup(this, "cron", { names, alarms: { topicArn } });
 * Cost: nothing at rest (schedules are $1 per million invocations; SQS and one alarm $0.10/month).
 * Tested via: test/constructs/scheduled-task.test.ts
 */
export class ScheduleGroup extends Construct implements ScheduleGroupAttributes {
  readonly groupName: string;
  readonly deadLetterQueueArn: string;
  readonly resources: { readonly group: SchedulerScheduleGroup; readonly deadLetterQueue: SqsQueue; readonly deadLetterAlarm?: CloudwatchMetricAlarm };

  constructor(scope: Construct, id: string, props: ScheduleGroupProps) {
    super(scope, id);
    const { names } = props;
    const retentionDays = props.deadLetterRetentionDays ?? 14;
    const group = new SchedulerScheduleGroup(this, "group", { name: names.of("cron", { max: 64 }) });
    const deadLetterQueue = new SqsQueue(this, "dead-letter", {
      name: names.of("cron-dlq", { max: 80 }),
      messageRetentionSeconds: retentionDays * 86400,
      sqsManagedSseEnabled: true,
    });
    const deadLetterAlarm =
      props.alarms === "off"
        ? undefined
        : deadLetterQueueAlarm(this, "dead-letter-alarm", {
            alarmName: names.of("cron-dlq-not-empty"),
            description: `A scheduled job of ${names.prefix} could not be started (EventBridge Scheduler gave up): read the message in ${deadLetterQueue.name}. Runbook: docs/runbook.md#cron`,
            queueName: deadLetterQueue.name,
            topicArns: [props.alarms.topicArn],
          });
    this.groupName = group.name;
    this.deadLetterQueueArn = deadLetterQueue.arn;
    this.resources = { group, deadLetterQueue, deadLetterAlarm };
  }
}
