import { Lb } from "@cdktf/provider-aws/lib/lb";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { defineRule, dependsOnResource, type Finding } from "../rule";

/** A load balancer that writes access logs to a bucket of the stack is created after that bucket's policy. */
export const lbAccessLogsAfterBucketPolicy = defineRule({
  id: "lb-access-logs-after-bucket-policy",
  severity: "error",
  kind: "apply-time",
  summary: "An aws_lb with access_logs enabled to a bucket of the stack lists that bucket's aws_s3_bucket_policy in depends_on.",
  why: "ELB checks that it may write to the bucket when logging is turned on: if Terraform creates the load balancer before the bucket policy (nothing orders them), the apply fails with \"Access Denied for bucket ... Please check S3bucket permission\" and the ALB, its listeners and rules are not created.",
  source: {
    title: "Elastic Load Balancing User Guide: Enable access logs for your Application Load Balancer",
    url: "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html",
    quote: "When you enable access logging for your load balancer, you must specify the name of the S3 bucket where the load balancer will store the logs. The bucket must have a bucket policy that grants Elastic Load Balancing permission to write to the bucket.",
  },
  check: (ctx) => {
    const buckets = ctx.all(S3Bucket);
    const policies = ctx.all(S3BucketPolicy);
    const findings: Finding[] = [];
    for (const lb of ctx.all(Lb)) {
      const logs = lb.accessLogsInput;
      if (!logs || logs.enabled !== true) continue;
      const bucket = buckets.find((b) => ctx.refersTo(logs.bucket, b, ["bucket", "id"]));
      // A bucket of another stack (or a literal name) cannot be ordered from here.
      if (!bucket) continue;
      const bucketPolicies = policies.filter((p) => ctx.refersTo(p.bucketInput, bucket, ["id", "bucket"]));
      if (bucketPolicies.length === 0)
        findings.push({ resource: lb, message: `writes access logs to ${bucket.node.path}, which has no aws_s3_bucket_policy letting ELB write; the apply fails with Access Denied. Add the policy (AccessLogBucket does) and list it in the load balancer's dependsOn` });
      else if (!bucketPolicies.some((p) => dependsOnResource(ctx, lb, p)))
        findings.push({ resource: lb, message: `writes access logs to ${bucket.node.path} but does not depend on its policy ${bucketPolicies.map((p) => p.node.path).join(" or ")}; Terraform may create the load balancer first and ELB refuses (Access Denied for bucket). Add dependsOn: [<that S3BucketPolicy>]` });
    }
    return findings;
  },
});
