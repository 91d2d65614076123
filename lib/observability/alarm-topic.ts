import { Construct } from "constructs";
import { Fn, Token } from "cdktf";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { ConfigError } from "../core/errors";
import type { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { deadLetterQueueAlarm } from "./queue-alarms";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import type { Lifecycle } from "../core/lifecycle";
import type { Names } from "../core/naming";

/** Services that publish to the alarm topic: CloudWatch alarms, EventBridge alert rules, AWS Budgets. */
export const ALARM_PUBLISHERS = ["cloudwatch.amazonaws.com", "events.amazonaws.com", "budgets.amazonaws.com"] as const;

/** Where on-call receives alerts: an email address (AWS sends a confirmation mail first). */
export interface AlertSubscription {
  /** `email`. HTTPS endpoints (a pager, a chat tool) carry a key in their URL: they come as `webhooks`, from sensitive variables. */
  readonly protocol: "email";
  /** The address. */
  readonly endpoint: string;
}

/** How long undelivered alerts are kept: 14 days, SQS's maximum. */
const UNDELIVERED_RETENTION_SECONDS = 1_209_600;

/**
 * Retry policy of every EventBridge target that delivers an alert: EventBridge's own maximums
 * (24 hours, 185 attempts), made explicit; what still fails goes to the dead-letter queue.
 */
export const ALERT_RETRY_POLICY = { maximumEventAgeInSeconds: 86_400, maximumRetryAttempts: 185 } as const;

/**
 * The EventBridge target that turns `rule`'s events into an alert on `alerts.topicArn`: retried for
 * 24 h (ALERT_RETRY_POLICY), then kept in the dead-letter queue instead of dropped, with `message`
 * as the text on-call reads (an EventBridge input transformer).
 */
export function alertEventTarget(scope: Construct, id: string, rule: { readonly name: string }, alerts: AlertTarget, message: { readonly inputPaths: Record<string, string>; readonly inputTemplate: string }): CloudwatchEventTarget {
  return new CloudwatchEventTarget(scope, id, {
    rule: rule.name,
    arn: alerts.topicArn,
    retryPolicy: { ...ALERT_RETRY_POLICY },
    deadLetterConfig: { arn: alerts.deadLetterArn },
    inputTransformer: { inputPaths: message.inputPaths, inputTemplate: message.inputTemplate },
  });
}

/** Where alerts go: the topic, and the dead-letter queue for what EventBridge cannot deliver. */
export interface AlertTarget {
  /** SNS topic alarms and alert rules publish to. */
  readonly topicArn: string;
  /** SQS queue EventBridge targets send undeliverable alerts to (AlarmTopic `deadLetterArn`). */
  readonly deadLetterArn: string;
}

export interface AlarmTopicProps {
  /** Naming helper of the stack: the topic, key alias and key description derive from it. */
  readonly names: Names;
  /**
   * Lifecycle of the environment: `protectState` sets the KMS key's deletion window (30 days when
   * protected, else 7).
   */
  readonly lifecycle: Lifecycle;
  /**
   * 12-digit id of the AWS account the topic lives in: its root administers the key and topic, and
   * only its CloudWatch alarms and EventBridge rules may publish (`aws:SourceAccount`).
   */
  readonly accountId: string;
  /**
   * Who receives the alerts: each subscribes to the alarm topic and the fallback topic; a delivery
   * that fails after SNS's retries lands in the undelivered-alerts queue (and its alarm). @default [] (subscribe outside the kit)
   */
  readonly subscriptions?: readonly AlertSubscription[];
  /**
   * HTTPS endpoints of a pager or chat tool (their URLs carry a key: pass tokens of sensitive
   * Terraform variables, never literals). An empty value subscribes nothing, so an environment can
   * declare one and set it only where it deploys for real. Each subscribes to both topics, with the
   * same redrive to the undelivered-alerts queue. @default []
   */
  readonly webhooks?: readonly string[];
}

/**
 * The environment's alarm topic: every alarm and failure event (5xx, SLO burns, backups, cron,
 * deploys, budgets) publishes here. On-call subscribes by `subscriptions` (email) and `webhooks`
 * (a pager's HTTPS endpoint), or outside this kit (Slack via AWS Chatbot).
 *
 * Encrypted with its own customer-managed KMS key: the AWS-managed `alias/aws/sns` key cannot let
 * CloudWatch or EventBridge use it, and messages would be dropped silently. The key policy and the
 * topic policy admit exactly CloudWatch alarms, EventBridge rules and AWS Budgets of this account.
 *
 * Alerts that EventBridge cannot deliver (the topic's key or policy broken, throttling past the
 * retries) land in the dead-letter queue `<app>-<env>-undelivered-alerts` (`deadLetterArn`: every
 * EventBridge target that publishes here names it, with a retry policy) instead of being dropped;
 * an alarm fires when it holds a message (to the topic and to a fallback topic without the
 * customer-managed key, in case the key is what broke), and the queue keeps them 14 days.
 *
 * @example const alarms = new AlarmTopic(this, "alarms", { names, lifecycle: lifecycleOf("standard"), accountId: "111111111111" });
 * Cost: $1/month for the key; SNS and SQS free at alarm volumes; $0.10/month for the queue alarm. Tested via: test/constructs/alarm-topic.test.ts
 */
export class AlarmTopic extends Construct {
  /** The alarm topic: every alarm and alert rule publishes here. Subscribe on-call to it. */
  readonly arn: string;
  /**
   * A second, unencrypted topic that only the undelivered-alerts alarm also publishes to: if the
   * alarm topic's key or policy is what broke, this one still reaches on-call. Subscribe on-call to it too.
   */
  readonly fallbackTopicArn: string;
  /** Dead-letter queue for alerts EventBridge could not deliver to the topic. */
  readonly deadLetterArn: string;
  /** The underlying resources, for escape hatches and tests. */
  readonly resources: {
    readonly topic: SnsTopic;
    readonly fallbackTopic: SnsTopic;
    readonly key: KmsKey;
    readonly policy: SnsTopicPolicy;
    readonly deadLetters: SqsQueue;
    readonly deadLetterAlarm: CloudwatchMetricAlarm;
  };

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    const { names, lifecycle } = props;
    const account = props.accountId;
    const keyPolicy = new DataAwsIamPolicyDocument(this, "key-policy", {
      statement: [
        { sid: "AccountAdministers", actions: ["kms:*"], resources: ["*"], principals: [{ type: "AWS", identifiers: [`arn:aws:iam::${account}:root`] }] },
        // As AWS documents it for CloudWatch and EventBridge publishing to an encrypted topic: no
        // aws:SourceAccount condition here (the services call KMS through SNS, and a condition makes
        // delivery fail silently). The topic policy below scopes publishing to this account.
        { sid: "AlarmPublishersEncrypt", actions: ["kms:Decrypt", "kms:GenerateDataKey*"], resources: ["*"], principals: [{ type: "Service", identifiers: [...ALARM_PUBLISHERS] }] },
      ],
    });
    const key = new KmsKey(this, "key", {
      description: `${names.of("alarms")} topic encryption`,
      enableKeyRotation: true,
      deletionWindowInDays: lifecycle.protectState ? 30 : 7,
      policy: keyPolicy.json,
    });
    new KmsAlias(this, "key-alias", { name: `alias/${names.of("alarms")}`, targetKeyId: key.keyId });
    const topic = new SnsTopic(this, "topic", { name: names.of("alarms"), kmsMasterKeyId: key.arn });
    const topicPolicy = new DataAwsIamPolicyDocument(this, "topic-policy", {
      statement: [
        { sid: "AccountManages", actions: ["sns:*"], resources: [topic.arn], principals: [{ type: "AWS", identifiers: [`arn:aws:iam::${account}:root`] }] },
        {
          sid: "AlarmPublishers",
          actions: ["sns:Publish"],
          resources: [topic.arn],
          principals: [{ type: "Service", identifiers: [...ALARM_PUBLISHERS] }],
          condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [account] }],
        },
      ],
    });
    const policy = new SnsTopicPolicy(this, "policy", { arn: topic.arn, policy: topicPolicy.json });

    // The undelivered-alerts alarm cannot rely only on the topic whose delivery failed: it also
    // publishes to a fallback topic with no customer-managed key (CloudWatch alarms can publish to an
    // unencrypted topic of the account; the message holds no secret, only the alarm's name and state).
    const fallbackTopic = new SnsTopic(this, "fallback-topic", { name: names.of("alarms-fallback") });
    const fallbackPolicy = new DataAwsIamPolicyDocument(this, "fallback-topic-policy", {
      statement: [
        { sid: "AccountManages", actions: ["sns:*"], resources: [fallbackTopic.arn], principals: [{ type: "AWS", identifiers: [`arn:aws:iam::${account}:root`] }] },
        {
          sid: "CloudWatchAlarms",
          actions: ["sns:Publish"],
          resources: [fallbackTopic.arn],
          principals: [{ type: "Service", identifiers: ["cloudwatch.amazonaws.com"] }],
          condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [account] }],
        },
      ],
    });
    new SnsTopicPolicy(this, "fallback-policy", { arn: fallbackTopic.arn, policy: fallbackPolicy.json });
    // SQS-managed encryption: EventBridge cannot write to a queue under an AWS-managed KMS key.
    const deadLetters = new SqsQueue(this, "undelivered", {
      name: names.of("undelivered-alerts", { max: 80 }),
      messageRetentionSeconds: UNDELIVERED_RETENTION_SECONDS,
      sqsManagedSseEnabled: true,
    });
    const queuePolicy = new DataAwsIamPolicyDocument(this, "undelivered-policy", {
      statement: [
        // SNS redrives subscription deliveries that failed (a bounced mail, an endpoint down) here.
        {
          sid: "SnsDeadLetters",
          actions: ["sqs:SendMessage"],
          resources: [deadLetters.arn],
          principals: [{ type: "Service", identifiers: ["sns.amazonaws.com"] }],
          condition: [{ test: "ArnEquals", variable: "aws:SourceArn", values: [topic.arn, fallbackTopic.arn] }],
        },
        {
          sid: "EventBridgeDeadLetters",
          actions: ["sqs:SendMessage"],
          resources: [deadLetters.arn],
          principals: [{ type: "Service", identifiers: ["events.amazonaws.com"] }],
          condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [account] }],
        },
      ],
    });
    new SqsQueuePolicy(this, "undelivered-queue-policy", { queueUrl: deadLetters.url, policy: queuePolicy.json });
    const deadLetterAlarm = deadLetterQueueAlarm(this, "undelivered-alarm", {
      alarmName: names.of("undelivered-alerts"),
      description: `An alert could not be delivered (EventBridge could not publish to ${names.of("alarms")}, or SNS could not reach a subscribed endpoint after its retries) and waits in ${names.of("undelivered-alerts")}. Runbook: docs/runbook.md#alerts-where-they-go-and-undelivered-ones`,
      queueName: deadLetters.name,
      topicArns: [topic.arn, fallbackTopic.arn],
    });
    for (const [i, sub] of (props.subscriptions ?? []).entries()) {
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(sub.endpoint))
        throw new ConfigError(this, `subscriptions[${i}].endpoint`, `${JSON.stringify(sub.endpoint)} is not an email address; use e.g. oncall@example.com`);
      for (const [target, arn] of [["alarms", topic.arn], ["fallback", fallbackTopic.arn]] as const)
        new SnsTopicSubscription(this, `${target}-subscription-${i}`, {
          topicArn: arn,
          protocol: sub.protocol,
          endpoint: sub.endpoint,
          redrivePolicy: Fn.jsonencode({ deadLetterTargetArn: deadLetters.arn }),
        });
    }
    for (const [i, url] of (props.webhooks ?? []).entries()) {
      if (!Token.isUnresolved(url)) throw new ConfigError(this, `webhooks[${i}]`, "is a literal URL; webhook URLs carry a key: pass the token of a sensitive variable");
      // 1 when set, 0 when empty. Only that leaves the sensitive value (count cannot be sensitive); the URL itself stays marked.
      const count = Token.asNumber(Fn.nonsensitive(Fn.min([Fn.lengthOf(url), 1])));
      for (const [target, arn] of [["alarms", topic.arn], ["fallback", fallbackTopic.arn]] as const)
        new SnsTopicSubscription(this, `${target}-webhook-${i}`, {
          count,
          topicArn: arn,
          protocol: "https",
          endpoint: url,
          endpointAutoConfirms: false,
          redrivePolicy: Fn.jsonencode({ deadLetterTargetArn: deadLetters.arn }),
        });
    }
    this.arn = topic.arn;
    this.deadLetterArn = deadLetters.arn;
    this.fallbackTopicArn = fallbackTopic.arn;
    this.resources = { topic, fallbackTopic, key, policy, deadLetters, deadLetterAlarm };
  }
}
