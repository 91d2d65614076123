import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { defineRule, type Finding, type RuleContext } from "../rule";

/** A literal SNS topic ARN, or a reference to any aws_sns_topic (resource or data source). */
const SNS_ARN = /^arn:aws[a-z-]*:sns:/;
const SNS_REFERENCE = /^\$\{(data\.)?aws_sns_topic\.[^.}]+\.(arn|id)\}$/;

/** Whether a target's arn is an SNS topic: a topic of the stack, any aws_sns_topic reference, or a literal topic ARN. */
function isTopic(ctx: RuleContext, target: CloudwatchEventTarget, topics: readonly SnsTopic[]): boolean {
  const arn = target.arnInput;
  if (topics.some((t) => ctx.refersTo(arn, t, ["arn", "id"]))) return true;
  const text = ctx.resolve(arn);
  return typeof text === "string" && (SNS_ARN.test(text) || SNS_REFERENCE.test(text));
}

/** Every EventBridge target that publishes to an SNS topic (an alert) has a retry policy and a dead-letter queue. */
export const alertTargetRetryDlq = defineRule({
  id: "alert-target-retry-dlq",
  severity: "error",
  kind: "runtime",
  summary: "Every aws_cloudwatch_event_target whose arn is an SNS topic (an alert: a topic of the stack, an aws_sns_topic reference or a literal topic ARN) sets retry_policy and dead_letter_config; a dead-letter queue of the stack has a queue policy (EventBridge must be allowed to send) and a depth alarm.",
  why: "When EventBridge cannot publish to the topic (its KMS key or policy broken, throttling) it retries, then drops the event: the failure it reported (a failed backup, a failed cron run) pages no one and is gone. A dead-letter queue keeps it; an explicit retry policy states how long EventBridge tries.",
  source: {
    title: "Amazon EventBridge User Guide: How EventBridge retries delivering events",
    url: "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-retry-policy.html",
    quote:
      "If an event isn't delivered after all retry attempts are exhausted, the event is dropped and EventBridge doesn't continue to process it. To avoid losing events after they fail to be delivered to a target, configure a dead-letter queue (DLQ) to receive all failed events.",
  },
  check: (ctx) => {
    const topics = ctx.all(SnsTopic);
    const queues = ctx.all(SqsQueue);
    const policies = ctx.all(SqsQueuePolicy);
    const alarms = ctx.all(CloudwatchMetricAlarm);
    return ctx
      .all(CloudwatchEventTarget)
      .filter((target) => isTopic(ctx, target, topics))
      .flatMap((target): Finding[] => {
        const missing = [target.retryPolicyInput ? undefined : "retry_policy", target.deadLetterConfigInput?.arn ? undefined : "dead_letter_config"].filter((m): m is string => m !== undefined);
        if (missing.length === 0) {
          // A dead-letter queue of this stack: EventBridge may send to it, and someone hears about it.
          const queue = queues.find((q) => ctx.refersTo(target.deadLetterConfigInput?.arn, q, ["arn"]));
          if (!queue) return [];
          const problems = [
            policies.some((p) => ctx.refersTo(p.queueUrlInput, queue, ["url", "id"])) || queue.policyInput !== undefined ? undefined : "has no queue policy (EventBridge cannot send to it: add an SqsQueuePolicy allowing events.amazonaws.com sqs:SendMessage)",
            alarms.some((a) => a.namespaceInput === "AWS/SQS" && ctx.refersTo(a.dimensionsInput?.QueueName, queue, ["name"])) ? undefined : "has no depth alarm (a dead letter nobody hears about is lost all the same: alarm on ApproximateNumberOfMessagesVisible > 0)",
          ].filter((p): p is string => p !== undefined);
          return problems.map((p) => ({ resource: target, message: `sends undeliverable alerts to ${queue.node.path}, which ${p}` }));
        }
        return [
          {
            resource: target,
            message: `publishes to SNS topic ${String(ctx.resolve(target.arnInput))} without ${missing.join(" and ")}; an alert EventBridge cannot deliver is dropped. Set retryPolicy: { maximumEventAgeInSeconds: 86400, maximumRetryAttempts: 185 } and deadLetterConfig: { arn: <the alarm topic's dead-letter queue ARN> } (an SQS queue whose policy lets events.amazonaws.com send)`,
          },
        ];
      });
  },
});
