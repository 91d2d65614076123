import { Testing } from "cdktf";
import { CLOUDFLARE_IPV4 } from "../../lib/edge/cloudflare-ips";
import { LoadBalancer } from "../../lib/compute/load-balancer";
import { Names } from "../../lib/core/naming";
import { ephemeral, prod, staging } from "../../environments";
import type { EnvironmentConfig } from "../../environments/types";
import { OFFLINE_ORIGIN_SECRET } from "../../stacks/edge-contract";
import { resources, synthEnv, withEnv, type SynthJson } from "../helpers";

const byName = (json: SynthJson, type: string, pred: (r: Record<string, unknown>) => boolean) => resources(json, type).filter(pred);

describe("LoadBalancer in an environment stack", () => {
  const json = synthEnv(prod);
  const [alb] = resources(json, "aws_lb");

  test("ALB hardening: invalid headers dropped, desync defensive, HTTP/2, idle timeout from config, public subnets", () => {
    expect(alb).toMatchObject({ load_balancer_type: "application", internal: false, drop_invalid_header_fields: true, desync_mitigation_mode: "defensive", enable_http2: true, idle_timeout: prod.app.idleTimeoutSeconds });
    expect(String(alb!.subnets)).toContain("aws_subnet.network_public-us-east-1a");
  });

  test("deletion protection follows the safety tier", () => {
    expect(alb!.enable_deletion_protection).toBe(true);
    expect(resources(synthEnv(staging), "aws_lb")[0]!.enable_deletion_protection).toBe(false);
  });

  test("HTTPS listener: TLS 1.2/1.3 policy, the edge stack's certificate, default 403", () => {
    const [https] = byName(json, "aws_lb_listener", (l) => l.port === 443);
    expect(https).toMatchObject({ protocol: "HTTPS", ssl_policy: "ELBSecurityPolicy-TLS13-1-2-2021-06", default_action: [{ type: "fixed-response", fixed_response: { status_code: "403", content_type: "text/plain", message_body: "Forbidden" } }] });
    expect(https!.certificate_arn).toBe("${data.terraform_remote_state.edge-state.outputs.certificate_arn_prod}");
  });

  test("HTTP listener only redirects to HTTPS", () => {
    const [http] = byName(json, "aws_lb_listener", (l) => l.port === 80);
    expect(http).toMatchObject({ protocol: "HTTP", default_action: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", status_code: "HTTP_301" } }] });
  });

  test("access logs go to a private bucket with lifecycle, delivery allowed to ELB only", () => {
    expect(alb!.access_logs).toMatchObject({ enabled: true });
    const [bucket] = byName(json, "aws_s3_bucket", (b) => String(b.bucket).includes("alb-logs"));
    expect(bucket).toMatchObject({ bucket: "shipkit-prod-alb-logs-111111111111", lifecycle: { prevent_destroy: true } });
    const [logPolicy] = resources(json, "aws_s3_bucket_policy").filter((p) => String(p.bucket).includes("access-logs"));
    expect(logPolicy!.depends_on).toEqual([expect.stringContaining("aws_s3_bucket_public_access_block.load-balancer_access-logs_public-access")]);
    expect(byName(json, "aws_s3_bucket_lifecycle_configuration", () => true)[0]).toMatchObject({ rule: [expect.objectContaining({ status: "Enabled", expiration: [{ days: 90 }] })] });
    const [policy] = Object.values(json.data!.aws_iam_policy_document!).filter((d) => JSON.stringify(d).includes("logdelivery.elasticloadbalancing.amazonaws.com"));
    expect(JSON.stringify(policy)).toContain("arn:aws:iam::127311923021:root");
  });

  test("origin lock: the ALB security group admits 443 and 80 only from Cloudflare's ranges", () => {
    const [prefixList] = resources(json, "aws_ec2_managed_prefix_list");
    expect((prefixList!.entry as { cidr: string }[]).map((e) => e.cidr)).toEqual([...CLOUDFLARE_IPV4]);
    const albIngress = byName(json, "aws_vpc_security_group_ingress_rule", (r) => String(r.security_group_id).includes("load-balancer_sg"));
    expect(albIngress.map((r) => r.from_port)).toEqual([443, 80]);
    for (const rule of albIngress) expect(rule.prefix_list_id).toMatch(/^\$\{aws_ec2_managed_prefix_list\.load-balancer_cloudflare-v4_[0-9A-F]+\.id\}$/);
    expect(albIngress.every((r) => r.cidr_ipv4 === undefined)).toBe(true);
  });

  test("origin lock: every forward rule requires the origin-verify header from deploy-time variables", () => {
    const rules = resources(json, "aws_lb_listener_rule");
    expect(rules).toHaveLength(2);
    for (const rule of rules) {
      const header = (rule.condition as { http_header?: { http_header_name: string; values: string } }[]).find((c) => c.http_header)!.http_header!;
      expect(header.http_header_name).toBe("x-origin-verify");
      expect(header.values).toBe("${compact([var.origin_verify_secret, var.origin_verify_secret_previous])}");
    }
    expect(json).toHaveProperty("variable.origin_verify_secret.sensitive", true);
    expect(json).toHaveProperty("variable.origin_verify_secret_previous.sensitive", true);
    expect(JSON.stringify(json)).not.toContain(OFFLINE_ORIGIN_SECRET);
  });

  test("WAF: managed common + known-bad-inputs + auth rate limit from config, on prod and staging", () => {
    for (const env of [prod, staging]) {
      const j = synthEnv(env);
      const [acl] = resources(j, "aws_wafv2_web_acl");
      expect(acl).toMatchObject({ scope: "REGIONAL", default_action: { allow: {} } });
      const rules = JSON.parse(String(acl!.rule_json)) as { Name: string; Statement: Record<string, { Limit?: number; ScopeDownStatement?: unknown }> }[];
      expect(rules.map((r) => r.Name)).toEqual(["auth-rate-limit", "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"]);
      const waf = env.app.waf as { authRateLimitPer5Minutes: number; authPathPrefix: string };
      expect(rules[0]!.Statement.RateBasedStatement).toMatchObject({ Limit: waf.authRateLimitPer5Minutes, AggregateKeyType: "FORWARDED_IP", ForwardedIPConfig: { HeaderName: "CF-Connecting-IP", FallbackBehavior: "MATCH" }, ScopeDownStatement: { ByteMatchStatement: expect.objectContaining({ SearchString: "/backend/auth/", PositionalConstraint: "STARTS_WITH" }) } });
      expect(resources(j, "aws_wafv2_web_acl_association")).toHaveLength(1);
      const common = rules[1]!.Statement.ManagedRuleGroupStatement as unknown as { RuleActionOverrides: unknown[] };
      expect(common.RuleActionOverrides).toEqual([{ Name: "SizeRestrictions_BODY", ActionToUse: { Count: {} } }]);
    }
  });

  test("previews build no load balancer or WAF of their own", () => {
    const j = synthEnv(ephemeral(42));
    for (const type of ["aws_lb", "aws_lb_listener", "aws_wafv2_web_acl", "aws_ec2_managed_prefix_list"]) expect(resources(j, type)).toHaveLength(0);
  });
});

describe("LoadBalancer validation", () => {
  const build = (env: EnvironmentConfig, extra: Record<string, unknown> = {}) => () =>
    Testing.synthScope((s) => new LoadBalancer(s, "lb", {
      env, names: new Names("shipkit", env.name), certificateArn: "arn:aws:acm:us-east-1:111111111111:certificate/x",
      network: { vpcId: "vpc-1", vpcCidr: "10.0.0.0/16", publicSubnetIds: ["a", "b"], privateSubnetIds: [], isolatedSubnetIds: [] },
      originVerifyHeader: "x-origin-verify", originVerifyValues: ["a"], ...extra,
    }));
  test("idle timeout out of range", () => expect(build(prod, { idleTimeoutSeconds: 5000 })).toThrow(/"idleTimeoutSeconds" 5000 must be 1–4000 seconds/));
  test("too many accepted secrets", () => expect(build(prod, { originVerifyValues: ["a", "b", "c", "d"] })).toThrow(/"originVerifyValues" has 4 values; an ALB header condition takes 1–3/));
  test("a header name over the ALB limit", () => expect(build(prod, { originVerifyHeader: "x".repeat(41) })).toThrow(/"originVerifyHeader" is longer than 40/));
  test("a preview", () => expect(build(ephemeral(3))).toThrow(/"env" pr-3 is a preview; previews add host rules to staging's load balancer/));
  test("a WAF rate limit below the minimum", () => expect(build(withEnv(staging, { app: { waf: { authRateLimitPer5Minutes: 5, authPathPrefix: "/backend/auth/" } } }))).toThrow(/"authRateLimitPer5Minutes" 5 is below the WAF minimum of 10/));
});
