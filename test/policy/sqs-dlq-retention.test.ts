import { Fn, Testing, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueueRedrivePolicy } from "@cdktf/provider-aws/lib/sqs-queue-redrive-policy";
import { ruleContext } from "../../lib/policy/rule";
import { sqsDlqRetention } from "../../lib/policy/rules/sqs-dlq-retention";

function stack(): TerraformStack {
  const s = new TerraformStack(Testing.app(), "s");
  new AwsProvider(s, "aws", { region: "us-east-1" });
  return s;
}

/** A source queue redriving to a DLQ (retentions in seconds; undefined = SQS's default of 4 days). */
function pair(sourceRetention: number | undefined, dlqRetention: number | undefined, fifo = false) {
  const s = stack();
  const dlq = new SqsQueue(s, "dlq", { name: fifo ? "events-dlq.fifo" : "events-dlq", fifoQueue: fifo || undefined, messageRetentionSeconds: dlqRetention });
  new SqsQueue(s, "queue", {
    name: fifo ? "events.fifo" : "events",
    fifoQueue: fifo || undefined,
    messageRetentionSeconds: sourceRetention,
    redrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 5 }),
  });
  return { stack: s, dlq };
}

const messages = (s: TerraformStack) => sqsDlqRetention.check(ruleContext(s, "standard")).map((f) => f.message);
const DAY = 86_400;

describe("sqs-dlq-retention", () => {
  test("fires on a DLQ that keeps messages for less time than its source, on the DLQ", () => {
    const { stack: s, dlq } = pair(7 * DAY, 4 * DAY);
    const findings = sqsDlqRetention.check(ruleContext(s, "standard"));
    expect(findings).toHaveLength(1);
    expect(findings[0]!.resource).toBe(dlq);
    expect(findings[0]!.message).toMatch(/is the dead-letter queue of s\/queue but keeps messages 4 days \(message_retention_seconds 345600\), no longer than the source's 7 days;.*Set messageRetentionSeconds: 1209600/);
  });

  test("fires on equal retentions below the maximum, both SQS defaults included", () => {
    expect(messages(pair(4 * DAY, 4 * DAY).stack)).toHaveLength(1);
    expect(messages(pair(undefined, undefined).stack)).toEqual([expect.stringMatching(/keeps messages 4 days \(message_retention_seconds 345600, SQS's default\)/)]);
  });

  test("reads a separate aws_sqs_queue_redrive_policy written with jsonencode", () => {
    const s = stack();
    const dlq = new SqsQueue(s, "dlq", { name: "events-dlq", messageRetentionSeconds: DAY });
    const queue = new SqsQueue(s, "queue", { name: "events", messageRetentionSeconds: 4 * DAY });
    new SqsQueueRedrivePolicy(s, "redrive", { queueUrl: queue.id, redrivePolicy: Fn.jsonencode({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 5 }) });
    expect(messages(s)).toEqual([expect.stringMatching(/dead-letter queue of s\/queue but keeps messages 1 days/)]);
  });

  test("quiet on a longer-lived DLQ, on both at SQS's 14-day maximum, and on FIFO queues", () => {
    expect(messages(pair(4 * DAY, 14 * DAY).stack)).toEqual([]);
    expect(messages(pair(undefined, 14 * DAY).stack)).toEqual([]);
    expect(messages(pair(14 * DAY, 14 * DAY).stack)).toEqual([]);
    expect(messages(pair(7 * DAY, DAY, true).stack)).toEqual([]);
  });

});
