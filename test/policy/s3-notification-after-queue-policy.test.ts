import { Testing, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketNotification } from "@cdktf/provider-aws/lib/s3-bucket-notification";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { ruleContext } from "../../lib/policy/rule";
import { s3NotificationAfterQueuePolicy } from "../../lib/policy/rules/s3-notification-after-queue-policy";

/** A bucket, a queue, optionally its policy, and a notification to the queue depending on `dependsOnPolicy`. */
function build(opts: { policy: "resource" | "inline" | "none"; dependsOnPolicy: boolean }) {
  const stack = new TerraformStack(Testing.app(), "s");
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  const bucket = new S3Bucket(stack, "bucket", { bucket: "uploads" });
  const allowS3 = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "s3.amazonaws.com" }, Action: "sqs:SendMessage", Resource: "*" }] });
  const queue = new SqsQueue(stack, "queue", { name: "events", ...(opts.policy === "inline" ? { policy: allowS3 } : {}) });
  const policy = opts.policy === "resource" ? new SqsQueuePolicy(stack, "queue-policy", { queueUrl: queue.url, policy: allowS3 }) : undefined;
  const notification = new S3BucketNotification(stack, "notification", {
    bucket: bucket.id,
    queue: [{ queueArn: queue.arn, events: ["s3:ObjectCreated:*"] }],
    dependsOn: opts.dependsOnPolicy && policy ? [policy] : [queue],
  });
  return { stack, notification };
}

const messages = (stack: TerraformStack) => s3NotificationAfterQueuePolicy.check(ruleContext(stack, "standard")).map((f) => f.message);

describe("s3-notification-after-queue-policy", () => {
  test("fires when the notification does not depend on the queue's policy, naming the policy and the fix", () => {
    const { stack, notification } = build({ policy: "resource", dependsOnPolicy: false });
    const findings = s3NotificationAfterQueuePolicy.check(ruleContext(stack, "standard"));
    expect(findings).toHaveLength(1);
    expect(findings[0]!.resource).toBe(notification);
    expect(findings[0]!.message).toMatch(/sends to queue s\/queue but does not depend on its queue policy s\/queue-policy;.*Unable to validate the following destination configurations.*Add dependsOn/);
  });

  test("fires when the queue has no policy at all", () => {
    expect(messages(build({ policy: "none", dependsOnPolicy: false }).stack)).toEqual([expect.stringMatching(/has no aws_sqs_queue_policy letting S3 send to it/)]);
  });

  test("quiet when the notification depends on the policy, or the queue carries its policy inline", () => {
    expect(messages(build({ policy: "resource", dependsOnPolicy: true }).stack)).toEqual([]);
    expect(messages(build({ policy: "inline", dependsOnPolicy: false }).stack)).toEqual([]);
  });

  test("quiet on a queue that is not in the stack (a literal ARN)", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    new AwsProvider(stack, "aws", { region: "us-east-1" });
    const bucket = new S3Bucket(stack, "bucket", { bucket: "uploads" });
    new S3BucketNotification(stack, "notification", { bucket: bucket.id, queue: [{ queueArn: "arn:aws:sqs:us-east-1:111111111111:elsewhere", events: ["s3:ObjectCreated:*"] }] });
    expect(messages(stack)).toEqual([]);
  });

});
