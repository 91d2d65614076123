import { Aspects, Testing, TerraformStack } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Guardrails } from "../../lib/policy/guardrails";
import { synthStrict } from "../helpers";
import type { SafetyTier } from "../../environments/types";

function synthWith(tier: SafetyTier, build: (stack: TerraformStack) => void): () => unknown {
  return () => {
    const stack = new TerraformStack(Testing.app(), "guarded");
    new AwsProvider(stack, "aws", { region: "us-east-1" });
    Aspects.of(stack).add(new Guardrails({ tier }));
    build(stack);
    return synthStrict(stack);
  };
}

const db = (stack: TerraformStack, deletionProtection: boolean, preventDestroy: boolean) =>
  new DbInstance(stack, "db", { instanceClass: "db.t4g.micro", engine: "postgres", allocatedStorage: 20, manageMasterUserPassword: true, username: "app", deletionProtection, lifecycle: { preventDestroy } });

describe("Guardrails", () => {
  test("stateful-protection: an unprotected database fails synth in the protected tier", () => {
    expect(synthWith("protected", (s) => db(s, false, false))).toThrow(/\[guardrail:stateful-protection\] deletion_protection is off in the protected tier/);
    expect(synthWith("protected", (s) => db(s, true, false))).toThrow(/\[guardrail:stateful-protection\] lifecycle.prevent_destroy is off/);
    expect(synthWith("protected", (s) => db(s, true, true))).not.toThrow();
  });
  test("stateful-protection: lower tiers may delete databases", () => {
    expect(synthWith("standard", (s) => db(s, false, false))).not.toThrow();
    expect(synthWith("ephemeral", (s) => db(s, false, false))).not.toThrow();
  });

  test("replica-of-managed-password: a replica of an RDS-managed-password source fails synth, naming both and the AWS doc", () => {
    const primary = (s: TerraformStack, managed: boolean) =>
      new DbInstance(s, "primary", { identifier: "app-db", instanceClass: "db.t4g.micro", engine: "postgres", allocatedStorage: 20, username: "app", ...(managed ? { manageMasterUserPassword: true } : { passwordWo: "${var.pw}", passwordWoVersion: 1 }) });
    const byReference = (managed: boolean) => synthWith("standard", (s) => new DbInstance(s, "replica", { instanceClass: "db.t4g.micro", replicateSourceDb: primary(s, managed).identifier }));
    expect(byReference(true)).toThrow(/\[guardrail:replica-of-managed-password\] replicates guarded\/primary, whose master password RDS manages in Secrets Manager; AWS refuses to create that replica at apply/);
    expect(byReference(true)).toThrow(/Password management with Amazon RDS and AWS Secrets Manager/);
    expect(byReference(false)).not.toThrow();
    // A literal identifier of a managed source in the same stack is caught too.
    expect(synthWith("standard", (s) => { primary(s, true); new DbInstance(s, "replica", { instanceClass: "db.t4g.micro", replicateSourceDb: "app-db" }); })).toThrow(/replica-of-managed-password/);
  });

  const bucket = (s: TerraformStack, opts: { forceDestroy?: boolean; block?: boolean; allFour?: boolean } = {}) => {
    const b = new S3Bucket(s, "bucket", { bucket: "b", forceDestroy: opts.forceDestroy, lifecycle: { preventDestroy: true } });
    if (opts.block !== false) {
      const all = opts.allFour !== false;
      new S3BucketPublicAccessBlock(s, "pab", { bucket: b.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: all });
    }
  };
  test("stateful-protection: a force-destroy bucket fails in the protected tier only", () => {
    expect(synthWith("protected", (s) => bucket(s, { forceDestroy: true }))).toThrow(/force_destroy is on in the protected tier/);
    expect(synthWith("ephemeral", (s) => bucket(s, { forceDestroy: true }))).not.toThrow();
  });
  test("bucket-public-access: a bucket needs a block with all four switches", () => {
    expect(synthWith("standard", (s) => bucket(s, { block: false }))).toThrow(/\[guardrail:bucket-public-access\]/);
    expect(synthWith("standard", (s) => bucket(s, { allFour: false }))).toThrow(/\[guardrail:bucket-public-access\]/);
    expect(synthWith("standard", (s) => bucket(s))).not.toThrow();
  });

  test("log-retention: a log group without retention fails", () => {
    expect(synthWith("standard", (s) => new CloudwatchLogGroup(s, "lg", { name: "x" }))).toThrow(/\[guardrail:log-retention\]/);
    expect(synthWith("standard", (s) => new CloudwatchLogGroup(s, "lg", { name: "x", retentionInDays: 7 }))).not.toThrow();
  });

  const ingress = (s: TerraformStack, cidr: string, from: number, to: number, proto = "tcp") => {
    const sg = new SecurityGroup(s, "sg", { name: "sg", vpcId: "vpc-1" });
    const v6 = cidr.includes(":");
    new VpcSecurityGroupIngressRule(s, "in", { securityGroupId: sg.id, ...(v6 ? { cidrIpv6: cidr } : { cidrIpv4: cidr }), ipProtocol: proto, fromPort: from, toPort: to });
  };
  test.each([
    ["0.0.0.0/0", 22, 22, "tcp"],
    ["::/0", 5432, 5432, "tcp"],
    ["0.0.0.0/0", 0, 65535, "tcp"],
    ["0.0.0.0/0", 443, 443, "udp"],
  ])("open-ingress: %s %i-%i/%s fails", (cidr, from, to, proto) => {
    expect(synthWith("standard", (s) => ingress(s, cidr, from, to, proto))).toThrow(/\[guardrail:open-ingress\] admits .* on a non-web port/);
  });
  test.each([
    ["0.0.0.0/0", 443],
    ["0.0.0.0/0", 80],
    ["10.0.0.0/16", 5432],
  ])("open-ingress: %s port %i is allowed", (cidr, port) => {
    expect(synthWith("standard", (s) => ingress(s, cidr, port, port))).not.toThrow();
  });
  test("open-ingress: inline security group rules are checked too", () => {
    expect(synthWith("standard", (s) => new SecurityGroup(s, "sg", { name: "sg", ingress: [{ cidrBlocks: ["0.0.0.0/0"], fromPort: 22, toPort: 22, protocol: "tcp" }] }))).toThrow(/open-ingress/);
  });
});
