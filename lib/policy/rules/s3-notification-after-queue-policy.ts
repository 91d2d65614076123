import { S3BucketNotification } from "@cdktf/provider-aws/lib/s3-bucket-notification";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { addressOf, defineRule, type Finding } from "../rule";

/**
 * An S3 notification to a queue of the stack depends on that queue's aws_sqs_queue_policy (a policy
 * set inline on the queue comes with the queue's ARN, so needs nothing more).
 */
export const s3NotificationAfterQueuePolicy = defineRule({
  id: "s3-notification-after-queue-policy",
  severity: "error",
  kind: "apply-time",
  summary: "An aws_s3_bucket_notification with a queue destination of the stack lists that queue's aws_sqs_queue_policy in depends_on (or the queue sets its policy inline).",
  why: "S3 sends a test message to every queue destination when the notification is saved. Terraform only knows the notification needs the queue's ARN, so it may save it before the queue policy exists, and S3 refuses it: InvalidArgument \"Unable to validate the following destination configurations\". A queue with no policy at all can never be a destination.",
  source: {
    title: "AWS CLI Command Reference: aws s3api put-bucket-notification-configuration",
    url: "https://docs.aws.amazon.com/cli/latest/reference/s3api/put-bucket-notification-configuration.html",
    quote:
      "After Amazon S3 receives this request, it first verifies that any Amazon Simple Notification Service (Amazon SNS) or Amazon Simple Queue Service (Amazon SQS) destination exists, and that the bucket owner has permission to publish to it by sending a test notification.",
  },
  check: (ctx) => {
    const queues = ctx.all(SqsQueue);
    const policies = ctx.all(SqsQueuePolicy);
    const findings: Finding[] = [];
    for (const notification of ctx.all(S3BucketNotification)) {
      const destinations = notification.queueInput;
      if (!Array.isArray(destinations)) continue;
      const dependsOn = new Set((notification.dependsOn ?? []).map((d) => ctx.resolve(d)));
      for (const destination of destinations) {
        const queue = queues.find((q) => ctx.refersTo(destination.queueArn, q, ["arn"]));
        // A queue of another stack (or a literal ARN) cannot be ordered from here.
        if (!queue || queue.policyInput !== undefined) continue;
        const queuePolicies = policies.filter((p) => ctx.refersTo(p.queueUrlInput, queue, ["url", "id"]));
        if (queuePolicies.length === 0) {
          findings.push({ resource: notification, message: `sends to queue ${queue.node.path}, which has no aws_sqs_queue_policy letting S3 send to it; S3 will refuse the notification ("Unable to validate the following destination configurations"). Add an SqsQueuePolicy (principal s3.amazonaws.com, sqs:SendMessage, aws:SourceArn = the bucket) and list it in the notification's dependsOn` });
          continue;
        }
        if (!queuePolicies.some((p) => dependsOn.has(addressOf(p))))
          findings.push({ resource: notification, message: `sends to queue ${queue.node.path} but does not depend on its queue policy ${queuePolicies.map((p) => p.node.path).join(" or ")}; Terraform may save the notification first and S3 refuses it ("Unable to validate the following destination configurations"). Add dependsOn: [<that SqsQueuePolicy>]` });
      }
    }
    return findings;
  },
});
