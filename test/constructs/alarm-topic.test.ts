import { TerraformVariable, Testing } from "cdktf";
import { AlarmTopic, ALARM_PUBLISHERS, type AlarmTopicProps } from "../../lib/observability/alarm-topic";
import { lifecycleOf, type SafetyTier } from "../../lib/core/lifecycle";
import { Names } from "../../lib/core/naming";
import { resources, type SynthJson } from "../helpers";

const ACCOUNT = "111111111111";
const props = (tier: SafetyTier): AlarmTopicProps => ({ names: new Names("shipkit", "prod"), lifecycle: lifecycleOf(tier), accountId: ACCOUNT });
const synthTopic = (tier: SafetyTier): SynthJson => JSON.parse(Testing.synthScope((s) => new AlarmTopic(s, "alarms", props(tier)))) as SynthJson;

const policyDoc = (json: SynthJson, prefix: string) => Object.entries(json.data!.aws_iam_policy_document!).find(([k]) => k.startsWith(prefix))![1] as { statement: { sid: string; principals: { identifiers: string[] }[]; condition?: unknown[]; actions: string[] }[] };

describe("AlarmTopic", () => {
  const json = synthTopic("protected");
  test("encrypted with its own rotating key, not the AWS-managed one CloudWatch cannot use", () => {
    const topic = resources(json, "aws_sns_topic").find((t) => t.name === "shipkit-prod-alarms");
    expect(String(topic!.kms_master_key_id)).toMatch(/^\$\{aws_kms_key\.alarms_key_[0-9A-F]+\.arn\}$/);
    expect(resources(json, "aws_kms_key")[0]).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
    expect(resources(json, "aws_kms_alias")[0]).toMatchObject({ name: "alias/shipkit-prod-alarms" });
  });
  test.each([
    ["standard", 7],
    ["ephemeral", 7],
  ] as const)("the %s tier gets a %i-day key deletion window", (tier, days) => {
    expect(resources(synthTopic(tier), "aws_kms_key")[0]).toMatchObject({ deletion_window_in_days: days });
  });
  test("the key lets CloudWatch and EventBridge encrypt, without a source-account condition", () => {
    const use = policyDoc(json, "alarms_key-policy").statement.find((s) => s.sid === "AlarmPublishersEncrypt")!;
    expect(use.principals[0]!.identifiers).toEqual([...ALARM_PUBLISHERS]);
    expect(use.actions).toEqual(["kms:Decrypt", "kms:GenerateDataKey*"]);
    expect(use.condition).toBeUndefined();
    const admin = policyDoc(json, "alarms_key-policy").statement.find((s) => s.sid === "AccountAdministers")!;
    expect(admin.principals[0]!.identifiers).toEqual([`arn:aws:iam::${ACCOUNT}:root`]);
  });
  test("the topic policy admits only this account's CloudWatch alarms and EventBridge rules", () => {
    const publish = policyDoc(json, "alarms_topic-policy").statement.find((s) => s.sid === "AlarmPublishers")!;
    expect(publish.principals[0]!.identifiers).toEqual(["cloudwatch.amazonaws.com", "events.amazonaws.com", "budgets.amazonaws.com"]);
    expect(publish.condition).toEqual([{ test: "StringEquals", variable: "aws:SourceAccount", values: [ACCOUNT] }]);
    expect(resources(json, "aws_sns_topic_policy")).toHaveLength(2); // the topic's and the fallback topic's
  });

  test("undeliverable alerts go to a dead-letter queue EventBridge of this account may write, kept 14 days, watched by an alarm", () => {
    expect(resources(json, "aws_sqs_queue")).toEqual([expect.objectContaining({ name: "shipkit-prod-undelivered-alerts", message_retention_seconds: 1_209_600, sqs_managed_sse_enabled: true })]);
    const send = policyDoc(json, "alarms_undelivered-policy").statement.find((x) => x.sid === "EventBridgeDeadLetters")!;
    expect(send).toMatchObject({ actions: ["sqs:SendMessage"], principals: [expect.objectContaining({ identifiers: ["events.amazonaws.com"] })], condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [ACCOUNT] }] });
    const [alarm] = resources(json, "aws_cloudwatch_metric_alarm");
    expect(alarm).toMatchObject({ alarm_name: "shipkit-prod-undelivered-alerts", namespace: "AWS/SQS", metric_name: "ApproximateNumberOfMessagesVisible", threshold: 0, comparison_operator: "GreaterThanThreshold" });
    // Also to a fallback topic without the customer-managed key: the key may be what broke delivery.
    const fallback = resources(json, "aws_sns_topic").find((t) => t.name === "shipkit-prod-alarms-fallback")!;
    expect(fallback).not.toHaveProperty("kms_master_key_id");
    expect(alarm!.alarm_actions).toEqual([expect.stringMatching(/aws_sns_topic\.alarms_topic_\w+\.arn/), expect.stringMatching(/aws_sns_topic\.alarms_fallback-topic_\w+\.arn/)]);
  });

  test("subscriptions go to both topics, with failed deliveries redriven to the undelivered-alerts queue SNS may write", () => {
    const subscribed = JSON.parse(Testing.synthScope((s) => new AlarmTopic(s, "alarms", { ...props("protected"), subscriptions: [{ protocol: "email", endpoint: "oncall@example.com" }] }))) as SynthJson;
    const subs = resources(subscribed, "aws_sns_topic_subscription");
    expect(subs.map((x) => x.topic_arn)).toEqual([expect.stringMatching(/alarms_topic_/), expect.stringMatching(/alarms_fallback-topic_/)]);
    for (const x of subs) expect(x).toMatchObject({ protocol: "email", endpoint: "oncall@example.com", redrive_policy: expect.stringMatching(/jsonencode\(\{"deadLetterTargetArn" = aws_sqs_queue\.alarms_undelivered_\w+\.arn\}\)/) });
    const sns = policyDoc(subscribed, "alarms_undelivered-policy").statement.find((x) => x.sid === "SnsDeadLetters")!;
    expect(sns.principals[0]!.identifiers).toEqual(["sns.amazonaws.com"]);
    expect(() => Testing.synthScope((s) => new AlarmTopic(s, "alarms", { ...props("protected"), subscriptions: [{ protocol: "email", endpoint: "not-an-address" }] }))).toThrow(/"subscriptions\[0\]\.endpoint" "not-an-address" is not an email address/);
  });

  test("webhooks subscribe only when their (sensitive) variable is set, and a literal URL is refused", () => {
    const json = JSON.parse(
      Testing.synthScope((s) => {
        const url = new TerraformVariable(s, "alert_webhook_pager", { type: "string", sensitive: true, default: "" });
        new AlarmTopic(s, "alarms", { ...props("protected"), webhooks: [url.stringValue] });
      }),
    ) as SynthJson;
    const hooks = resources(json, "aws_sns_topic_subscription");
    expect(hooks).toHaveLength(2);
    for (const h of hooks) expect(h).toMatchObject({ protocol: "https", endpoint: "${var.alert_webhook_pager}", count: "${nonsensitive(min(length(var.alert_webhook_pager), 1))}" });
    expect(() => Testing.synthScope((s) => new AlarmTopic(s, "alarms", { ...props("protected"), webhooks: ["https://events.example.com/KEY"] }))).toThrow(/"webhooks\[0\]" is a literal URL; webhook URLs carry a key/);
  });
});
