import { Construct } from "constructs";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import type { Lifecycle } from "../core/lifecycle";
import type { Names } from "../core/naming";

/** AWS services that publish to the alarm topic: CloudWatch alarms and EventBridge rules. */
export const ALARM_PUBLISHERS = ["cloudwatch.amazonaws.com", "events.amazonaws.com"] as const;

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
}

/**
 * The environment's alarm topic: every alarm and failure event (5xx, backups, cron) publishes
 * here. Subscribe on-call (email, PagerDuty, Slack via Chatbot) outside this kit. Previews publish
 * to staging's topic (shared output `alarm_topic_arn`).
 *
 * Encrypted with its own customer-managed KMS key: the AWS-managed `alias/aws/sns` key cannot let
 * CloudWatch or EventBridge use it, and messages would be dropped silently. The key policy and the
 * topic policy admit exactly CloudWatch alarms and EventBridge rules of this account.
 *
 * @example const alarms = new AlarmTopic(this, "alarms", { names, lifecycle: lifecycleOf("standard"), accountId: "111111111111" });
 * Cost: $1/month for the key; SNS free at alarm volumes. Tested via: test/constructs/alarm-topic.test.ts
 */
export class AlarmTopic extends Construct {
  readonly arn: string;
  readonly resources: { readonly topic: SnsTopic; readonly key: KmsKey; readonly policy: SnsTopicPolicy };

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
    this.arn = topic.arn;
    this.resources = { topic, key, policy };
  }
}
