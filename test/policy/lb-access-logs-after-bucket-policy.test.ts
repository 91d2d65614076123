import { TerraformStack, Testing } from "cdktf";
import { Lb } from "@cdktf/provider-aws/lib/lb";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { ruleContext } from "../../lib/policy/rule";
import { lbAccessLogsAfterBucketPolicy as rule } from "../../lib/policy/rules/lb-access-logs-after-bucket-policy";

function stackWith(opts: { policy: boolean; dependsOn: boolean }): { stack: TerraformStack; lb: Lb } {
  const stack = new TerraformStack(Testing.app(), "s");
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  const bucket = new S3Bucket(stack, "logs", { bucket: "alb-logs" });
  const policy = opts.policy ? new S3BucketPolicy(stack, "logs-policy", { bucket: bucket.id, policy: "{}" }) : undefined;
  const lb = new Lb(stack, "lb", { name: "app", accessLogs: { bucket: bucket.bucket, enabled: true }, dependsOn: opts.dependsOn && policy ? [policy] : undefined });
  return { stack, lb };
}

describe("lb-access-logs-after-bucket-policy", () => {
  test("fires when the load balancer does not depend on the log bucket's policy", () => {
    const { stack, lb } = stackWith({ policy: true, dependsOn: false });
    expect(rule.check(ruleContext(stack, "standard"))).toEqual([{ resource: lb, message: expect.stringMatching(/writes access logs to s\/logs but does not depend on its policy s\/logs-policy; .*Add dependsOn/) }]);
  });

  test("fires when the bucket has no policy at all", () => {
    const { stack } = stackWith({ policy: false, dependsOn: false });
    expect(rule.check(ruleContext(stack, "standard"))[0]?.message).toMatch(/has no aws_s3_bucket_policy letting ELB write/);
  });

  test("quiet when it depends on the policy, or when access logs are off", () => {
    expect(rule.check(ruleContext(stackWith({ policy: true, dependsOn: true }).stack, "standard"))).toEqual([]);
    const stack = new TerraformStack(Testing.app(), "s2");
    new Lb(stack, "lb", { name: "app", accessLogs: { bucket: "x", enabled: false } });
    expect(rule.check(ruleContext(stack, "standard"))).toEqual([]);
  });

});
