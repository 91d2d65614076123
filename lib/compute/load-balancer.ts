import { Construct } from "constructs";
import { Fn } from "cdktf";
import { Ec2ManagedPrefixList } from "@cdktf/provider-aws/lib/ec2-managed-prefix-list";
import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import type { Lifecycle } from "../core/lifecycle";
import { AccessLogBucket } from "../storage/access-log-bucket";
import { CLOUDFLARE_IPV4 } from "../edge/cloudflare-ips";
import { ConfigError } from "../core/errors";
import type { Names } from "../core/naming";
import type { NetworkAttributes } from "../network/network";
import { WebAcl, type WebAclSettings } from "./web-acl";

/** TLS policy: TLS 1.3 and 1.2 only, forward-secret ciphers. */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/** How services attach to a load balancer: what they need to register target groups and rules. */
export interface LoadBalancerAttachment {
  /** HTTPS listener services add their listener rules to (its default action is 403). */
  readonly httpsListenerArn: string;
  /** The ALB's security group; services allow ingress from it on their container port. */
  readonly securityGroupId: string;
  /** `app/<name>/<id>`: the CloudWatch dimension of the ALB. */
  readonly arnSuffix: string;
  /** VPC of the ALB; target groups are created in it. */
  readonly vpcId: string;
  /** Values of the origin-verify header a request must carry (current, and previous during rotation). */
  readonly originVerifyValues: string[];
  /** Header name Cloudflare sets. */
  readonly originVerifyHeader: string;
}

export interface LoadBalancerProps {
  /** Naming helper of the stack: the ALB, its security group, prefix list, log bucket and WAF derive their names from it. */
  readonly names: Names;
  /**
   * Lifecycle of the environment: `protectState` turns on ALB deletion protection and the log
   * bucket's prevent_destroy and sets the access-log expiry default. The ephemeral tier builds no
   * load balancer of its own (previews add host rules to a long-lived one's `LoadBalancerAttachment`).
   */
  readonly lifecycle: Lifecycle;
  /** 12-digit id of the AWS account the ALB lives in: part of the log bucket's name and the ELB log-delivery path. */
  readonly accountId: string;
  /** AWS region of the ALB, e.g. `us-east-1`: picks the legacy ELB log-delivery account, if the region has one. */
  readonly region: string;
  /** The VPC: the ALB goes in its public subnets and may only reach targets inside its CIDR. */
  readonly network: NetworkAttributes;
  /**
   * Regional AWS WAF on the ALB (managed common + known-bad-inputs rules and an auth rate limit),
   * or `"off"`. No default: protection vs ~$8/month is the caller's decision.
   */
  readonly waf: "off" | WebAclSettings;
  /** ACM certificate ARN for the environment's hostnames (from the edge stack). */
  readonly certificateArn: string;
  /** Header the edge sets, e.g. `x-origin-verify`. */
  readonly originVerifyHeader: string;
  /**
   * Accepted origin-verify values: current and, during rotation, previous (at most 3 per ALB
   * condition). Tokens of sensitive Terraform variables; never literals.
   */
  readonly originVerifyValues: string[];
  /**
   * ALB idle timeout in seconds. Long-polling and websockets hold a connection open between
   * messages: raise it above their longest silence or the ALB closes them.
   * @default 60 (the ALB's own default)
   */
  readonly idleTimeoutSeconds?: number;
  /** Desync mitigation. @default "defensive" ("strictest" rejects some legacy clients) */
  readonly desyncMitigationMode?: "defensive" | "strictest";
  /** Access-log retention in days. @default 90 when `lifecycle.protectState`, else 30 */
  readonly accessLogDays?: number;
}

/**
 * The environment's public entry: an ALB in the public subnets that only Cloudflare can reach.
 * - Security group admits 443 (and 80, which only redirects) solely from Cloudflare's IPv4 ranges
 *   (a managed prefix list built from lib/edge/cloudflare-ips.ts).
 * - HTTPS listener (TLS 1.2/1.3) whose default action is 403: only listener rules that also require
 *   the origin-verify header forward anything (services add those rules).
 * - HTTP listener redirects to HTTPS; invalid headers dropped; desync mitigation; HTTP/2.
 * - Access logs to a private bucket with lifecycle; deletion protection from `lifecycle`.
 * - WAF (managed common + known-bad-inputs + auth rate limit) unless `waf` is `"off"`.
 *
 * @example
 * new LoadBalancer(this, "alb", { names, lifecycle: lifecycleOf("protected"), accountId: "111111111111", region: "us-east-1",
 *   network, waf: { authRateLimitPer5Minutes: 300, authPathPrefix: "/backend/auth/" }, certificateArn,
 *   originVerifyHeader: "x-origin-verify", originVerifyValues });
 * Cost: ~$16/month + LCUs; WAF ~$8/month + requests. Tested via: test/constructs/load-balancer.test.ts
 */
export class LoadBalancer extends Construct {
  readonly attachment: LoadBalancerAttachment;
  readonly arn: string;
  readonly dnsName: string;
  readonly resources: { readonly alb: Lb; readonly https: LbListener; readonly http: LbListener; readonly securityGroup: SecurityGroup; readonly webAcl?: WebAcl };

  constructor(scope: Construct, id: string, props: LoadBalancerProps) {
    super(scope, id);
    const { names, lifecycle, network } = props;
    if (lifecycle.tier === "ephemeral")
      throw new ConfigError(this, "lifecycle", "is the ephemeral tier; ephemeral environments (previews) build no load balancer of their own, they add host rules to a long-lived one's (pass its LoadBalancerAttachment)");
    const cfg = { idleTimeoutSeconds: props.idleTimeoutSeconds ?? 60, desyncMitigationMode: props.desyncMitigationMode ?? "defensive" };
    if (cfg.idleTimeoutSeconds < 1 || cfg.idleTimeoutSeconds > 4000) throw new ConfigError(this, "idleTimeoutSeconds", `${cfg.idleTimeoutSeconds} must be 1–4000 seconds`);
    if (props.originVerifyValues.length < 1 || props.originVerifyValues.length > 3)
      throw new ConfigError(this, "originVerifyValues", `has ${props.originVerifyValues.length} values; an ALB header condition takes 1–3 (current, previous)`);
    if (props.originVerifyHeader.length > 40) throw new ConfigError(this, "originVerifyHeader", "is longer than 40 characters (the ALB limit)");

    const sg = new SecurityGroup(this, "sg", { name: names.of("alb"), description: "ALB: HTTPS from Cloudflare only", vpcId: network.vpcId, tags: { Name: names.of("alb") } });
    const cloudflare = new Ec2ManagedPrefixList(this, "cloudflare-v4", {
      name: names.of("cloudflare-ipv4"),
      addressFamily: "IPv4",
      maxEntries: CLOUDFLARE_IPV4.length,
      entry: CLOUDFLARE_IPV4.map((cidr) => ({ cidr, description: "Cloudflare" })),
    });
    for (const port of [443, 80]) {
      new VpcSecurityGroupIngressRule(this, `from-cloudflare-${port}`, {
        securityGroupId: sg.id, prefixListId: cloudflare.id, ipProtocol: "tcp", fromPort: port, toPort: port, description: `Cloudflare to ${port}`,
      });
    }
    new VpcSecurityGroupEgressRule(this, "to-vpc", {
      securityGroupId: sg.id, cidrIpv4: network.vpcCidr, ipProtocol: "tcp", fromPort: 1024, toPort: 65535, description: "To targets in the VPC",
    });

    const logs = new AccessLogBucket(this, "access-logs", { names, lifecycle, accountId: props.accountId, region: props.region, expireAfterDays: props.accessLogDays });
    const alb = new Lb(this, "alb", {
      name: names.of("alb", { max: 32 }),
      loadBalancerType: "application",
      internal: false,
      subnets: network.publicSubnetIds,
      securityGroups: [sg.id],
      idleTimeout: cfg.idleTimeoutSeconds,
      dropInvalidHeaderFields: true,
      desyncMitigationMode: cfg.desyncMitigationMode,
      enableHttp2: true,
      enableDeletionProtection: lifecycle.protectState,
      accessLogs: { bucket: logs.bucketName, enabled: true, prefix: "" },
      dependsOn: [logs.policy],
    });
    const https = new LbListener(this, "https", {
      loadBalancerArn: alb.arn,
      port: 443,
      protocol: "HTTPS",
      sslPolicy: TLS_POLICY,
      certificateArn: props.certificateArn,
      defaultAction: [{ type: "fixed-response", fixedResponse: { contentType: "text/plain", messageBody: "Forbidden", statusCode: "403" } }],
    });
    const http = new LbListener(this, "http", {
      loadBalancerArn: alb.arn,
      port: 80,
      protocol: "HTTP",
      defaultAction: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
    });
    const webAcl = props.waf === "off" ? undefined : new WebAcl(this, "waf", { names, loadBalancerArn: alb.arn, ...props.waf });

    this.arn = alb.arn;
    this.dnsName = alb.dnsName;
    this.attachment = {
      httpsListenerArn: https.arn,
      securityGroupId: sg.id,
      arnSuffix: alb.arnSuffix,
      vpcId: network.vpcId,
      originVerifyValues: props.originVerifyValues,
      originVerifyHeader: props.originVerifyHeader,
    };
    this.resources = { alb, https, http, securityGroup: sg, webAcl };
  }
}

/** Accepted origin-verify values from the current and (optional, may be empty) previous secret. */
export const acceptedOriginValues = (current: string, previous: string): string[] => Fn.compact([current, previous]);
