import { Testing, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget, type CloudwatchEventTargetConfig } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { ruleContext } from "../../lib/policy/rule";
import { alertTargetRetryDlq } from "../../lib/policy/rules/alert-target-retry-dlq";

/** A rule with one target; `arn` picks the target (the stack's topic by default). */
function withTarget(config: Partial<CloudwatchEventTargetConfig> & { to?: "topic" | "queue" | "literal-topic" }) {
  const stack = new TerraformStack(Testing.app(), "s");
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  const topic = new SnsTopic(stack, "alarms", { name: "alarms" });
  const dlq = new SqsQueue(stack, "undelivered", { name: "undelivered-alerts" });
  const rule = new CloudwatchEventRule(stack, "failed", { name: "failed", eventPattern: JSON.stringify({ source: ["aws.backup"] }) });
  const { to = "topic", ...rest } = config;
  const arn = to === "topic" ? topic.arn : to === "queue" ? dlq.arn : "arn:aws:sns:us-east-1:111111111111:alarms";
  const target = new CloudwatchEventTarget(stack, "to-topic", { rule: rule.name, arn, ...rest });
  return { stack, target, dlq };
}

const messages = (stack: TerraformStack) => alertTargetRetryDlq.check(ruleContext(stack, "standard")).map((f) => f.message);
const retryPolicy = { maximumEventAgeInSeconds: 86400, maximumRetryAttempts: 185 };

describe("alert-target-retry-dlq", () => {
  test("fires on a topic target with neither retry policy nor dead-letter queue, naming the topic and the fix", () => {
    const { stack, target } = withTarget({});
    const findings = alertTargetRetryDlq.check(ruleContext(stack, "standard"));
    expect(findings).toHaveLength(1);
    expect(findings[0]!.resource).toBe(target);
    expect(findings[0]!.message).toMatch(/publishes to SNS topic \$\{aws_sns_topic\.alarms\.arn\} without retry_policy and dead_letter_config;.*Set retryPolicy: .*deadLetterConfig/);
  });

  test("fires when only one of the two is set, and on a literal topic ARN", () => {
    expect(messages(withTarget({ retryPolicy }).stack)).toEqual([expect.stringMatching(/without dead_letter_config;/)]);
    const dlqOnly = withTarget({});
    dlqOnly.target.putDeadLetterConfig({ arn: dlqOnly.dlq.arn });
    expect(messages(dlqOnly.stack)).toEqual([expect.stringMatching(/without retry_policy;/)]);
    expect(messages(withTarget({ to: "literal-topic" }).stack)).toEqual([expect.stringMatching(/publishes to SNS topic arn:aws:sns:us-east-1:111111111111:alarms without/)]);
  });

  test("a dead-letter queue of the stack needs a queue policy and a depth alarm", () => {
    const both = withTarget({ retryPolicy });
    both.target.putDeadLetterConfig({ arn: both.dlq.arn });
    expect(messages(both.stack)).toEqual([
      expect.stringMatching(/sends undeliverable alerts to s\/undelivered, which has no queue policy/),
      expect.stringMatching(/sends undeliverable alerts to s\/undelivered, which has no depth alarm/),
    ]);
  });

  test("quiet with retries, a dead-letter queue with its policy and depth alarm, and on targets that are not SNS topics", () => {
    const both = withTarget({ retryPolicy });
    both.target.putDeadLetterConfig({ arn: both.dlq.arn });
    new SqsQueuePolicy(both.stack, "dlq-policy", { queueUrl: both.dlq.url, policy: "{}" });
    new CloudwatchMetricAlarm(both.stack, "dlq-alarm", {
      alarmName: "undelivered", namespace: "AWS/SQS", metricName: "ApproximateNumberOfMessagesVisible", dimensions: { QueueName: both.dlq.name },
      comparisonOperator: "GreaterThanThreshold", threshold: 0, evaluationPeriods: 1, period: 300, statistic: "Maximum",
    });
    expect(messages(both.stack)).toEqual([]);
    expect(messages(withTarget({ to: "queue" }).stack)).toEqual([]);
  });

});
