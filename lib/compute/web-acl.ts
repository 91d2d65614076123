import { Construct } from "constructs";
import { Wafv2WebAcl } from "@cdktf/provider-aws/lib/wafv2-web-acl";
import { Wafv2WebAclAssociation } from "@cdktf/provider-aws/lib/wafv2-web-acl-association";
import { ConfigError } from "../core/errors";
import type { Names } from "../core/naming";

/**
 * What the WAF's own rule needs: the auth rate limit on the auth path prefix.
 */
export interface WebAclSettings {
  /** Requests per 5 minutes per client IP (as Cloudflare reports it) allowed on the auth paths before blocking; 10 or more. */
  readonly authRateLimitPer5Minutes: number;
  /** Path prefix of the auth endpoints, starting and ending with `/`, e.g. `/backend/auth/`. Matched case-insensitively. */
  readonly authPathPrefix: string;
}

export interface WebAclProps extends WebAclSettings {
  /** Naming helper of the stack: the ACL is `names.of("web-acl")`. */
  readonly names: Names;
  /** ARN of the ALB to protect. */
  readonly loadBalancerArn: string;
}

/** Header carrying the real client address; Cloudflare sets it on every proxied request. */
export const CLIENT_IP_HEADER = "CF-Connecting-IP";

/** Visibility config shared by every rule: metrics and sampled requests on. */
const visibility = (metricName: string) => ({ CloudWatchMetricsEnabled: true, MetricName: metricName, SampledRequestsEnabled: true });

/**
 * Regional AWS WAF on the ALB: AWS managed common rule set and known-bad-inputs, plus a
 * rate-based rule on the auth paths (credential stuffing). Cloudflare rate-limits at the edge too;
 * this one holds even if the edge rule is loosened. Rules are written as the WAF API's JSON
 * (`rule_json`) so they read like the AWS docs.
 *
 * @example new WebAcl(this, "waf", { names, loadBalancerArn: alb.arn, authRateLimitPer5Minutes: 300, authPathPrefix: "/backend/auth/" });
 * Cost: about $5/month per ACL + $1 per rule + $0.60 per million requests.
 * Tested via: test/constructs/load-balancer.test.ts
 */
export class WebAcl extends Construct {
  readonly arn: string;
  /** The rules, in priority order (for tests and docs). */
  readonly rules: readonly { readonly Name: string; readonly Priority: number }[];

  constructor(scope: Construct, id: string, props: WebAclProps) {
    super(scope, id);
    if (props.authRateLimitPer5Minutes < 10) throw new ConfigError(this, "authRateLimitPer5Minutes", `${props.authRateLimitPer5Minutes} is below the WAF minimum of 10`);
    if (!/^\/.*\/$/.test(props.authPathPrefix)) throw new ConfigError(this, "authPathPrefix", `${JSON.stringify(props.authPathPrefix)} must start and end with /`);
    const managed = (name: string, priority: number, countOnly: readonly string[] = []) => ({
      Name: name,
      Priority: priority,
      OverrideAction: { None: {} },
      Statement: {
        ManagedRuleGroupStatement: {
          VendorName: "AWS",
          Name: name,
          ...(countOnly.length ? { RuleActionOverrides: countOnly.map((rule) => ({ Name: rule, ActionToUse: { Count: {} } })) } : {}),
        },
      },
      VisibilityConfig: visibility(name),
    });
    const rules = [
      {
        Name: "auth-rate-limit",
        Priority: 0,
        Action: { Block: {} },
        Statement: {
          RateBasedStatement: {
            Limit: props.authRateLimitPer5Minutes,
            EvaluationWindowSec: 300,
            // The ALB only admits Cloudflare, so the source IP is a Cloudflare edge address: count the
            // client Cloudflare reports instead, or one busy edge location would lock everyone out.
            AggregateKeyType: "FORWARDED_IP",
            ForwardedIPConfig: { HeaderName: CLIENT_IP_HEADER, FallbackBehavior: "MATCH" },
            ScopeDownStatement: {
              ByteMatchStatement: {
                FieldToMatch: { UriPath: {} },
                PositionalConstraint: "STARTS_WITH",
                SearchString: props.authPathPrefix,
                TextTransformations: [{ Priority: 0, Type: "LOWERCASE" }],
              },
            },
          },
        },
        VisibilityConfig: visibility("auth-rate-limit"),
      },
      // SizeRestrictions_BODY blocks bodies over 8 KB: ordinary JSON API calls exceed that. Count it
      // (visible in metrics) rather than block; large files go straight to S3, never through the ALB.
      managed("AWSManagedRulesCommonRuleSet", 1, ["SizeRestrictions_BODY"]),
      managed("AWSManagedRulesKnownBadInputsRuleSet", 2),
    ];
    const acl = new Wafv2WebAcl(this, "acl", {
      name: props.names.of("web-acl", { max: 128 }),
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      ruleJson: JSON.stringify(rules),
      visibilityConfig: { cloudwatchMetricsEnabled: true, metricName: props.names.of("web-acl"), sampledRequestsEnabled: true },
    });
    new Wafv2WebAclAssociation(this, "association", { resourceArn: props.loadBalancerArn, webAclArn: acl.arn });
    this.arn = acl.arn;
    this.rules = rules;
  }
}
