import { TerraformResource } from "cdktf";
import type { IConstruct } from "constructs";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { SecurityGroupRule } from "@cdktf/provider-aws/lib/security-group-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { defineRule } from "../rule";

/** Ports that may face the whole internet (the web). Everything else needs a narrower source. */
export const WEB_PORTS: readonly number[] = [80, 443];

/** No ingress from 0.0.0.0/0 or ::/0 except TCP 80/443. */
export const openIngress = defineRule({
  id: "open-ingress",
  severity: "error",
  kind: "policy",
  summary: "No security group ingress from 0.0.0.0/0 or ::/0 except TCP 80 and 443; other ports name a security group or known CIDRs.",
  why: "A database, SSH or admin port open to the internet is scanned within minutes; the ALB is the only thing that faces the world.",
  source: {
    title: "Amazon EC2 User Guide: Security group rules for different use cases",
    url: "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/security-group-rules-reference.html",
    quote: "Authorizing all IP addresses (0.0.0.0/0) to access your instance using SSH is acceptable for a short time in a test environment, but it's unsafe for production environments.",
  },
  check: (ctx) =>
    ctx.constructs.flatMap((c) => openIngressOf(c).map((open) => ({ resource: c, message: `admits ${open} on a non-web port; restrict the source to a security group or known CIDRs, or use ports ${WEB_PORTS.join("/")}` }))),
});

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
function openIngressOf(c: IConstruct): string[] {
  if (!(c instanceof TerraformResource)) return [];
  return ingressShapes(c).flatMap((r) => {
    const world = r.cidrs.filter((x): x is string => x === "0.0.0.0/0" || x === "::/0");
    if (!world.length) return [];
    const proto = String(r.protocol ?? "-1").toLowerCase();
    const webOnly = (proto === "tcp" || proto === "6") && r.from !== undefined && r.to !== undefined && r.from === r.to && WEB_PORTS.includes(r.from);
    return webOnly ? [] : world.map((w) => `${w} ${proto} ${r.from ?? "all"}-${r.to ?? "all"}`);
  });
}
