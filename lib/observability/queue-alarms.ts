import type { Construct } from "constructs";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";

/** What a dead-letter alarm needs. */
export interface DeadLetterAlarmProps {
  /** Alarm name (from the naming helper). */
  readonly alarmName: string;
  /** What a message in the queue means and where the runbook is. */
  readonly description: string;
  /** Name of the dead-letter queue watched. */
  readonly queueName: string;
  /** Topics notified when the alarm fires and when it clears. */
  readonly topicArns: string[];
}

/**
 * An alarm that fires as soon as a dead-letter queue holds a message (Maximum of visible messages
 * over 5 minutes > 0); an empty or idle queue is fine (missing data = not breaching).
 * Used by the cron schedule group and the upload event queue.
 */
export function deadLetterQueueAlarm(scope: Construct, id: string, props: DeadLetterAlarmProps): CloudwatchMetricAlarm {
  return new CloudwatchMetricAlarm(scope, id, {
    alarmName: props.alarmName,
    alarmDescription: props.description,
    namespace: "AWS/SQS",
    metricName: "ApproximateNumberOfMessagesVisible",
    dimensions: { QueueName: props.queueName },
    statistic: "Maximum",
    period: 300,
    evaluationPeriods: 1,
    threshold: 0,
    comparisonOperator: "GreaterThanThreshold",
    treatMissingData: "notBreaching",
    alarmActions: props.topicArns,
    okActions: props.topicArns,
  });
}
