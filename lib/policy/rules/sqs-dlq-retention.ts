import { Token } from "cdktf";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueueRedrivePolicy } from "@cdktf/provider-aws/lib/sqs-queue-redrive-policy";
import { defineRule, type Finding } from "../rule";

/** SQS's default message retention when a queue sets none: 4 days. */
export const SQS_DEFAULT_RETENTION_SECONDS = 345_600;
/** SQS's longest message retention: 14 days. */
export const SQS_MAX_RETENTION_SECONDS = 1_209_600;

const days = (s: number) => `${+(s / 86_400).toFixed(2)} days`;

/**
 * A standard queue's redrive dead-letter queue (a queue of the stack named by deadLetterTargetArn,
 * in redrive_policy or an aws_sqs_queue_redrive_policy) keeps messages longer than the source does,
 * or for SQS's maximum of 14 days.
 */
export const sqsDlqRetention = defineRule({
  id: "sqs-dlq-retention",
  severity: "error",
  kind: "runtime",
  summary: `A standard SQS queue's dead-letter queue (redrive_policy deadLetterTargetArn, a queue of the stack) has a message_retention_seconds longer than the source queue's, or the maximum ${SQS_MAX_RETENTION_SECONDS} (14 days); unset means SQS's default of 4 days.`,
  why: "A dead-lettered message keeps the expiry of its first enqueue in the source queue: with a DLQ that retains no longer than the source, SQS deletes dead letters days early (a message that failed late in its life, at once), before anyone reads or redrives them. Nothing errors; the messages are just gone.",
  source: {
    title: "Amazon SQS Developer Guide: Setting-up dead-letter queue retention in Amazon SQS",
    url: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/setting-up-dead-letter-queue-retention.html",
    quote:
      "For standard queues, the expiration of a message is always based on its original enqueue timestamp. When a message is moved to a dead-letter queue, the enqueue timestamp is unchanged. … Thus, it is a best practice to always set the retention period of a dead-letter queue to be longer than the retention period of the original queue.",
  },
  check: (ctx) => {
    const queues = ctx.all(SqsQueue);
    const retention = (q: SqsQueue) => q.messageRetentionSecondsInput ?? SQS_DEFAULT_RETENTION_SECONDS;
    /** The queue of the stack a redrive policy's text names as deadLetterTargetArn (JSON.stringify or jsonencode alike). */
    const deadLetterQueueIn = (policy: string | undefined) => {
      const text = ctx.resolve(policy);
      if (typeof text !== "string") return undefined;
      return queues.find((q) => text.includes(`${q.terraformResourceType}.${q.friendlyUniqueId}.arn`));
    };
    const pairs: { readonly source: SqsQueue; readonly dlq: SqsQueue }[] = [];
    for (const source of queues) {
      const dlq = deadLetterQueueIn(source.redrivePolicyInput);
      if (dlq) pairs.push({ source, dlq });
    }
    for (const policy of ctx.all(SqsQueueRedrivePolicy)) {
      const source = queues.find((q) => ctx.refersTo(policy.queueUrlInput, q, ["url", "id"]));
      const dlq = deadLetterQueueIn(policy.redrivePolicyInput);
      if (source && dlq) pairs.push({ source, dlq });
    }
    const findings: Finding[] = [];
    for (const { source, dlq } of pairs) {
      // FIFO queues restart the clock when a message moves to the DLQ.
      if (source.fifoQueueInput === true) continue;
      const kept = retention(source);
      const dlqKept = retention(dlq);
      if (Token.isUnresolved(kept) || Token.isUnresolved(dlqKept)) continue;
      if (dlqKept > kept || dlqKept >= SQS_MAX_RETENTION_SECONDS) continue;
      findings.push({
        resource: dlq,
        message: `is the dead-letter queue of ${source.node.path} but keeps messages ${days(dlqKept)} (message_retention_seconds ${dlqKept}${dlq.messageRetentionSecondsInput === undefined ? ", SQS's default" : ""}), no longer than the source's ${days(kept)}; dead letters keep their first enqueue time and expire early. Set messageRetentionSeconds: ${SQS_MAX_RETENTION_SECONDS} (14 days) on it, or shorten the source's`,
      });
    }
    return findings;
  },
});
