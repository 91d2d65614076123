import { Annotations, DefaultTokenResolver, IAspect, StringConcat, TerraformResource, TerraformStack, Tokenization } from "cdktf";
import type { IConstruct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { RdsCluster } from "@cdktf/provider-aws/lib/rds-cluster";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { SecurityGroupRule } from "@cdktf/provider-aws/lib/security-group-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { TIER_POLICY } from "../core/lifecycle";
import type { SafetyTier } from "../core/lifecycle";

/** Ports that may face the whole internet (the web). Everything else needs a narrower source. */
export const WEB_PORTS: readonly number[] = [80, 443];

/** Guardrail rule ids, quoted in every message so a reader can find the rule. */
export type GuardrailRule = "stateful-protection" | "open-ingress" | "log-retention" | "bucket-public-access" | "replica-of-managed-password";

/**
 * Where AWS documents the rule `replica-of-managed-password` enforces: creating a read replica is
 * unsupported when the source manages its master password in Secrets Manager (every engine but SQL
 * Server). `terraform plan` accepts it; the apply fails with InvalidParameterValue.
 */
export const RDS_MANAGED_PASSWORD_LIMITATION =
  'RDS User Guide, "Password management with Amazon RDS and AWS Secrets Manager" > "Limitations for Secrets Manager integration with Amazon RDS"';

export interface GuardrailsProps {
  /** The stack's safety tier: decides whether stateful resources must be protected. */
  readonly tier: SafetyTier;
}

/**
 * Synth-time checks, in the spirit of cdk-nag, for the mistakes that hurt most. Each violation is
 * an error annotation on the offending resource, which fails `cdktf synth` with the rule id, the
 * resource path and the fix. Added to every stack by EnvironmentStack.
 *
 * Rules:
 * - `stateful-protection`: in a tier that protects state, RDS instances/clusters need
 *   deletion protection and `prevent_destroy`; buckets need `prevent_destroy` and no force-destroy.
 * - `open-ingress`: no ingress from 0.0.0.0/0 or ::/0 except TCP 80/443.
 * - `log-retention`: every log group sets a retention.
 * - `bucket-public-access`: every bucket has a public access block with all four switches on.
 * - `replica-of-managed-password`: no RDS read replica of an instance whose master password RDS
 *   manages (`manage_master_user_password`): AWS refuses to create it (RDS_MANAGED_PASSWORD_LIMITATION).
 *   It reads the typed input: a value set through `addOverride` escapes it.
 *
 * Tested via: test/constructs/guardrails.test.ts
 */
export class Guardrails implements IAspect {
  constructor(private readonly props: GuardrailsProps) {}

  visit(node: IConstruct): void {
    // Work once per stack, so rules that relate two resources (bucket + its access block) can see both.
    if (!TerraformStack.isStack(node)) return;
    const stack = node;
    const all = stack.node.findAll();
    const fail = (res: IConstruct, rule: GuardrailRule, message: string) => Annotations.of(res).addError(`[guardrail:${rule}] ${message}`);
    const protect = TIER_POLICY[this.props.tier].protectState;

    for (const c of all) {
      if (protect && (c instanceof DbInstance || c instanceof RdsCluster)) {
        if (c.deletionProtectionInput !== true)
          fail(c, "stateful-protection", `deletion_protection is off in the ${this.props.tier} tier; set deletionProtection: TIER_POLICY[tier].protectState`);
        if (!c.lifecycle?.preventDestroy)
          fail(c, "stateful-protection", `lifecycle.prevent_destroy is off in the ${this.props.tier} tier; set lifecycle: { preventDestroy: true }`);
      }
      if (protect && c instanceof S3Bucket) {
        if (c.forceDestroyInput === true)
          fail(c, "stateful-protection", `force_destroy is on in the ${this.props.tier} tier; only ephemeral buckets may be force-destroyed`);
        if (!c.lifecycle?.preventDestroy)
          fail(c, "stateful-protection", `lifecycle.prevent_destroy is off in the ${this.props.tier} tier; set lifecycle: { preventDestroy: true }`);
      }
      if (c instanceof CloudwatchLogGroup && !c.retentionInDaysInput)
        fail(c, "log-retention", "has no retention (logs kept and billed forever); set retentionInDays from TIER_POLICY");
      for (const open of openIngress(c))
        fail(c, "open-ingress", `admits ${open} on a non-web port; restrict the source to a security group or known CIDRs, or use ports ${WEB_PORTS.join("/")}`);
    }

    // A replica names its source by identifier: a reference to an instance of this stack, or a literal.
    const instances = all.filter((c): c is DbInstance => c instanceof DbInstance);
    const resolve = (value: unknown) => String(Tokenization.resolve(value, { scope: stack, resolver: new DefaultTokenResolver(new StringConcat()) }));
    for (const replica of instances.filter((i) => i.replicateSourceDbInput !== undefined)) {
      const source = resolve(replica.replicateSourceDbInput);
      const primary = instances.find((i) =>
        i !== replica && (["identifier", "id", "arn"].some((attr) => source === `\${${i.terraformResourceType}.${i.friendlyUniqueId}.${attr}}`) || (i.identifierInput !== undefined && resolve(i.identifierInput) === source)),
      );
      if (primary?.manageMasterUserPasswordInput === true)
        fail(replica, "replica-of-managed-password", `replicates ${primary.node.path}, whose master password RDS manages in Secrets Manager; AWS refuses to create that replica at apply (InvalidParameterValue), see ${RDS_MANAGED_PASSWORD_LIMITATION}. Give the source a kit-managed master secret instead (PostgresDatabase masterPassword: password_wo from an ephemeral variable)`);
    }

    // Resolve each block's bucket reference (a block refers to its bucket as ${aws_s3_bucket.<id>.id});
    // resolving only that value keeps the check from synthesizing the whole stack a second time.
    const blocked = new Set(
      all
        .filter((c): c is S3BucketPublicAccessBlock => c instanceof S3BucketPublicAccessBlock)
        .filter((b) => b.blockPublicAclsInput === true && b.blockPublicPolicyInput === true && b.ignorePublicAclsInput === true && b.restrictPublicBucketsInput === true)
        .map((b) => String(Tokenization.resolve(b.bucketInput, { scope: stack, resolver: new DefaultTokenResolver(new StringConcat()) }))),
    );
    for (const bucket of all.filter((c): c is S3Bucket => c instanceof S3Bucket)) {
      const refs = [`\${${bucket.terraformResourceType}.${bucket.friendlyUniqueId}.id}`, `\${${bucket.terraformResourceType}.${bucket.friendlyUniqueId}.bucket}`];
      if (!refs.some((r) => blocked.has(r)))
        fail(bucket, "bucket-public-access", "has no public access block with all four switches on; add an S3BucketPublicAccessBlock for it");
    }
  }
}

interface IngressShape {
  readonly cidrs: readonly (string | undefined)[];
  readonly protocol: string | undefined;
  readonly from: number | undefined;
  readonly to: number | undefined;
}

function ingressShapes(c: IConstruct): IngressShape[] {
  if (c instanceof VpcSecurityGroupIngressRule)
    return [{ cidrs: [c.cidrIpv4Input, c.cidrIpv6Input], protocol: c.ipProtocolInput, from: c.fromPortInput, to: c.toPortInput }];
  if (c instanceof SecurityGroupRule && c.typeInput === "ingress")
    return [{ cidrs: [...(c.cidrBlocksInput ?? []), ...(c.ipv6CidrBlocksInput ?? [])], protocol: c.protocolInput, from: c.fromPortInput, to: c.toPortInput }];
  if (c instanceof SecurityGroup && Array.isArray(c.ingressInput))
    return c.ingressInput.map((r) => ({ cidrs: [...(r.cidrBlocks ?? []), ...(r.ipv6CidrBlocks ?? [])], protocol: r.protocol, from: r.fromPort, to: r.toPort }));
  return [];
}

/** Describes each world-open, non-web ingress of a resource, e.g. `0.0.0.0/0 tcp 22-22`. */
function openIngress(c: IConstruct): string[] {
  if (!(c instanceof TerraformResource)) return [];
  return ingressShapes(c).flatMap((r) => {
    const world = r.cidrs.filter((x): x is string => x === "0.0.0.0/0" || x === "::/0");
    if (!world.length) return [];
    const proto = String(r.protocol ?? "-1").toLowerCase();
    const webOnly = (proto === "tcp" || proto === "6") && r.from !== undefined && r.to !== undefined && r.from === r.to && WEB_PORTS.includes(r.from);
    return webOnly ? [] : world.map((w) => `${w} ${proto} ${r.from ?? "all"}-${r.to ?? "all"}`);
  });
}
