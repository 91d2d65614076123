import { Construct } from "constructs";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import type { Names } from "./naming";

export interface AlarmTopicProps {
  /** Naming helper of the stack. */
  readonly names: Names;
}

/**
 * The environment's alarm topic: every alarm and failure event (5xx, backups, cron) publishes
 * here. Subscribe on-call (email, PagerDuty, Slack via Chatbot) outside this kit. Encrypted with
 * the AWS-managed SNS key. Previews publish to staging's topic (shared output `alarm_topic_arn`).
 *
 * @example const alarms = new AlarmTopic(this, "alarms", { names });
 * Cost: free at alarm volumes. Tested via: test/stacks/environment-stack.test.ts
 */
export class AlarmTopic extends Construct {
  readonly arn: string;
  readonly resources: { readonly topic: SnsTopic };

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    const topic = new SnsTopic(this, "topic", { name: props.names.of("alarms"), kmsMasterKeyId: "alias/aws/sns" });
    this.arn = topic.arn;
    this.resources = { topic };
  }
}
