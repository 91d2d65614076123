import { TerraformOutput, Testing } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { CLOUDFLARE_IPV4 } from "../../lib/edge/cloudflare-ips";
import { LoadBalancer, type LoadBalancerProps } from "../../lib/compute/load-balancer";
import { lifecycleOf } from "../../lib/core/lifecycle";
import { Names } from "../../lib/core/naming";
import { ephemeral, prod } from "../../environments";
import { offlineCertificateArn, offlineOriginSecret } from "../../stacks/edge-contract";
import { bareStack, resources, synthEnv, type SynthJson } from "../helpers";

const byName = (json: SynthJson, type: string, pred: (r: Record<string, unknown>) => boolean) => resources(json, type).filter(pred);

const CERT = "arn:aws:acm:us-east-1:111111111111:certificate/x";
const WAF = { authRateLimitPer5Minutes: 300, authPathPrefix: "/backend/auth/" } as const;
const props = (patch: Partial<LoadBalancerProps> = {}): LoadBalancerProps => ({
  names: new Names("shipkit", "prod"),
  lifecycle: lifecycleOf("protected"),
  accountId: "111111111111",
  region: "us-east-1",
  network: { vpcId: "vpc-1", vpcCidr: "10.0.0.0/16", publicSubnetIds: ["subnet-pub-a", "subnet-pub-b"], privateSubnetIds: ["subnet-priv-a"], isolatedSubnetIds: [] },
  waf: WAF,
  certificateArn: CERT,
  originVerifyHeader: "x-origin-verify",
  originVerifyValues: ["current-secret", "previous-secret"],
  ...patch,
});

/** A LoadBalancer alone on a bare stack, synthesized with validations. */
function synthLb(patch: Partial<LoadBalancerProps> = {}): SynthJson & { lb: LoadBalancer } {
  const stack = bareStack();
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  const lb = new LoadBalancer(stack, "load-balancer", props(patch));
  // Outputs resolve the attachment's tokens to the Terraform references they stand for.
  const { httpsListenerArn, securityGroupId, arnSuffix } = lb.attachment;
  for (const [name, value] of Object.entries({ httpsListenerArn, securityGroupId, arnSuffix, dnsName: lb.dnsName, arn: lb.arn })) new TerraformOutput(stack, name, { value });
  return { ...(JSON.parse(Testing.synth(stack, true)) as SynthJson), lb };
}

describe("LoadBalancer", () => {
  const json = synthLb();
  const [alb] = resources(json, "aws_lb");

  test("ALB hardening: invalid headers dropped, desync defensive, HTTP/2, idle timeout 60 s by default, in the public subnets", () => {
    expect(resources(json, "aws_lb")).toHaveLength(1);
    expect(alb).toMatchObject({ name: "shipkit-prod-alb", load_balancer_type: "application", internal: false, drop_invalid_header_fields: true, desync_mitigation_mode: "defensive", enable_http2: true, idle_timeout: 60 });
    expect(alb!.subnets).toEqual(["subnet-pub-a", "subnet-pub-b"]);
    expect(resources(synthLb({ idleTimeoutSeconds: 300, desyncMitigationMode: "strictest" }), "aws_lb")[0]).toMatchObject({ idle_timeout: 300, desync_mitigation_mode: "strictest" });
  });

  test("deletion protection follows the lifecycle", () => {
    expect(alb!.enable_deletion_protection).toBe(true);
    expect(resources(synthLb({ lifecycle: lifecycleOf("standard") }), "aws_lb")[0]!.enable_deletion_protection).toBe(false);
  });

  test("HTTPS listener: TLS 1.2/1.3 policy, the given certificate, default 403", () => {
    const [https] = byName(json, "aws_lb_listener", (l) => l.port === 443);
    expect(https).toMatchObject({ protocol: "HTTPS", ssl_policy: "ELBSecurityPolicy-TLS13-1-2-2021-06", default_action: [{ type: "fixed-response", fixed_response: { status_code: "403", content_type: "text/plain", message_body: "Forbidden" } }] });
    expect(https!.certificate_arn).toBe(CERT);
  });

  test("HTTP listener only redirects to HTTPS", () => {
    const [http] = byName(json, "aws_lb_listener", (l) => l.port === 80);
    expect(http).toMatchObject({ protocol: "HTTP", default_action: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", status_code: "HTTP_301" } }] });
    expect(resources(json, "aws_lb_listener")).toHaveLength(2);
  });

  test("access logs go to a private bucket with lifecycle, delivery allowed to ELB only", () => {
    expect(alb!.access_logs).toMatchObject({ enabled: true });
    const [bucket] = byName(json, "aws_s3_bucket", (b) => String(b.bucket).includes("alb-logs"));
    expect(bucket).toMatchObject({ bucket: "shipkit-prod-alb-logs-111111111111", force_destroy: false, lifecycle: { prevent_destroy: true } });
    const [logPolicy] = resources(json, "aws_s3_bucket_policy").filter((p) => String(p.bucket).includes("access-logs"));
    expect(logPolicy!.depends_on).toEqual([expect.stringContaining("aws_s3_bucket_public_access_block.load-balancer_access-logs_public-access")]);
    expect(resources(json, "aws_s3_bucket_public_access_block")[0]).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    expect(byName(json, "aws_s3_bucket_lifecycle_configuration", () => true)[0]).toMatchObject({ rule: [expect.objectContaining({ status: "Enabled", expiration: [{ days: 90 }], noncurrent_version_expiration: [{ noncurrent_days: 90 }] })] });
    // Versions are kept for the logs' retention: an overwritten or deleted log stays readable.
    expect(resources(json, "aws_s3_bucket_versioning")).toEqual([expect.objectContaining({ versioning_configuration: { status: "Enabled" } })]);
    const [policy] = Object.values(json.data!.aws_iam_policy_document!).filter((d) => JSON.stringify(d).includes("logdelivery.elasticloadbalancing.amazonaws.com"));
    expect(JSON.stringify(policy)).toContain("arn:aws:iam::127311923021:root");
    expect(JSON.stringify(policy)).toContain("/AWSLogs/111111111111/*");
  });

  test("access logs outside the protected tier: 30 days, bucket disposable; accessLogDays overrides", () => {
    const standard = synthLb({ lifecycle: lifecycleOf("standard") });
    expect(resources(standard, "aws_s3_bucket_lifecycle_configuration")[0]).toMatchObject({ rule: [expect.objectContaining({ expiration: [{ days: 30 }] })] });
    expect(resources(standard, "aws_s3_bucket")[0]).toMatchObject({ force_destroy: true, lifecycle: { prevent_destroy: false } });
    expect(resources(synthLb({ accessLogDays: 14 }), "aws_s3_bucket_lifecycle_configuration")[0]).toMatchObject({ rule: [expect.objectContaining({ expiration: [{ days: 14 }] })] });
  });

  test("a region without a legacy ELB account admits the log-delivery service principal only", () => {
    const policy = Object.values(synthLb({ region: "ap-southeast-3" }).data!.aws_iam_policy_document!).find((d) => JSON.stringify(d).includes("logdelivery.elasticloadbalancing.amazonaws.com"));
    expect(JSON.stringify(policy)).not.toMatch(/arn:aws:iam::\d{12}:root/);
  });

  test("origin lock: the ALB security group admits 443 and 80 only from Cloudflare's ranges, and reaches only the VPC", () => {
    const [prefixList] = resources(json, "aws_ec2_managed_prefix_list");
    expect((prefixList!.entry as { cidr: string }[]).map((e) => e.cidr)).toEqual([...CLOUDFLARE_IPV4]);
    expect(prefixList!.max_entries).toBe(CLOUDFLARE_IPV4.length);
    const albIngress = byName(json, "aws_vpc_security_group_ingress_rule", (r) => String(r.security_group_id).includes("load-balancer_sg"));
    expect(albIngress.map((r) => r.from_port)).toEqual([443, 80]);
    for (const rule of albIngress) expect(rule.prefix_list_id).toMatch(/^\$\{aws_ec2_managed_prefix_list\.load-balancer_cloudflare-v4_[0-9A-F]+\.id\}$/);
    expect(albIngress.every((r) => r.cidr_ipv4 === undefined)).toBe(true);
    expect(resources(json, "aws_vpc_security_group_ingress_rule")).toHaveLength(2);
    expect(resources(json, "aws_vpc_security_group_egress_rule")).toEqual([expect.objectContaining({ cidr_ipv4: "10.0.0.0/16", ip_protocol: "tcp", from_port: 1024, to_port: 65535 })]);
    expect(resources(json, "aws_security_group")[0]).toMatchObject({ name: "shipkit-prod-alb", vpc_id: "vpc-1" });
  });

  test("attachment: what services need to add origin-verified listener rules", () => {
    expect(json.lb.attachment).toMatchObject({ vpcId: "vpc-1", originVerifyHeader: "x-origin-verify", originVerifyValues: ["current-secret", "previous-secret"] });
    const out = (name: string) => String(json.output![name]!.value);
    expect(out("httpsListenerArn")).toMatch(/^\$\{aws_lb_listener\.load-balancer_https_[0-9A-F]+\.arn\}$/);
    expect(out("securityGroupId")).toMatch(/^\$\{aws_security_group\.load-balancer_sg_[0-9A-F]+\.id\}$/);
    expect(out("arnSuffix")).toMatch(/^\$\{aws_lb\.load-balancer_alb_[0-9A-F]+\.arn_suffix\}$/);
    expect(out("dnsName")).toMatch(/^\$\{aws_lb\.load-balancer_alb_[0-9A-F]+\.dns_name\}$/);
    expect(out("arn")).toMatch(/^\$\{aws_lb\.load-balancer_alb_[0-9A-F]+\.arn\}$/);
  });

  test("WAF: managed common + known-bad-inputs + auth rate limit from the waf prop", () => {
    const [acl] = resources(json, "aws_wafv2_web_acl");
    expect(acl).toMatchObject({ name: "shipkit-prod-web-acl", scope: "REGIONAL", default_action: { allow: {} } });
    const rules = JSON.parse(String(acl!.rule_json)) as { Name: string; Statement: Record<string, { Limit?: number; ScopeDownStatement?: unknown }> }[];
    expect(rules.map((r) => r.Name)).toEqual(["auth-rate-limit", "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"]);
    expect(rules[0]!.Statement.RateBasedStatement).toMatchObject({ Limit: WAF.authRateLimitPer5Minutes, AggregateKeyType: "FORWARDED_IP", ForwardedIPConfig: { HeaderName: "CF-Connecting-IP", FallbackBehavior: "MATCH" }, ScopeDownStatement: { ByteMatchStatement: expect.objectContaining({ SearchString: "/backend/auth/", PositionalConstraint: "STARTS_WITH" }) } });
    expect(resources(json, "aws_wafv2_web_acl_association")).toHaveLength(1);
    const common = rules[1]!.Statement.ManagedRuleGroupStatement as unknown as { RuleActionOverrides: unknown[] };
    expect(common.RuleActionOverrides).toEqual([{ Name: "SizeRestrictions_BODY", ActionToUse: { Count: {} } }]);
    const other = JSON.parse(String(resources(synthLb({ waf: { authRateLimitPer5Minutes: 50, authPathPrefix: "/api/login/" } }), "aws_wafv2_web_acl")[0]!.rule_json)) as typeof rules;
    expect(other[0]!.Statement.RateBasedStatement).toMatchObject({ Limit: 50, ScopeDownStatement: { ByteMatchStatement: expect.objectContaining({ SearchString: "/api/login/" }) } });
  });

  test('waf "off" builds no web ACL', () => {
    const j = synthLb({ waf: "off" });
    expect(resources(j, "aws_wafv2_web_acl")).toHaveLength(0);
    expect(resources(j, "aws_wafv2_web_acl_association")).toHaveLength(0);
    expect(j.lb.resources.webAcl).toBeUndefined();
  });
});

describe("LoadBalancer wired into an environment stack", () => {
  // In beforeAll: a broken environment stack fails these tests, not the construct tests above.
  let json: SynthJson;
  beforeAll(() => {
    json = synthEnv(prod);
  });

  test("certificate: offline the stand-in ARN (online: an ACM lookup, test/stacks/origin-isolation.test.ts); public subnets of the environment's network, settings from env.app", () => {
    const [https] = byName(json, "aws_lb_listener", (l) => l.port === 443);
    expect(https!.certificate_arn).toBe(offlineCertificateArn(prod.aws.accountId, prod.aws.region, "prod"));
    const [alb] = resources(json, "aws_lb");
    expect(String(alb!.subnets)).toContain("aws_subnet.network_public-us-east-1a");
    expect(alb).toMatchObject({ idle_timeout: prod.app.idleTimeoutSeconds, enable_deletion_protection: true });
    const waf = prod.app.waf as { authRateLimitPer5Minutes: number };
    expect(JSON.parse(String(resources(json, "aws_wafv2_web_acl")[0]!.rule_json))[0].Statement.RateBasedStatement.Limit).toBe(waf.authRateLimitPer5Minutes);
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
    for (const cls of ["prod", "staging"] as const) expect(JSON.stringify(json)).not.toContain(offlineOriginSecret(cls));
  });

  test("previews build no load balancer or WAF of their own", () => {
    const j = synthEnv(ephemeral(42));
    for (const type of ["aws_lb", "aws_lb_listener", "aws_wafv2_web_acl", "aws_ec2_managed_prefix_list"]) expect(resources(j, type)).toHaveLength(0);
  });
});

describe("LoadBalancer validation", () => {
  const build = (patch: Partial<LoadBalancerProps>) => () => Testing.synthScope((s) => new LoadBalancer(s, "lb", props(patch)));
  test("valid props build", () => expect(build({})).not.toThrow());
  test("idle timeout out of range", () => expect(build({ idleTimeoutSeconds: 5000 })).toThrow(/lb: "idleTimeoutSeconds" 5000 must be 1–4000 seconds/));
  test("no accepted secret", () => expect(build({ originVerifyValues: [] })).toThrow(/"originVerifyValues" has 0 values; an ALB header condition takes 1–3/));
  test("too many accepted secrets", () => expect(build({ originVerifyValues: ["a", "b", "c", "d"] })).toThrow(/"originVerifyValues" has 4 values; an ALB header condition takes 1–3/));
  test("a header name over the ALB limit", () => expect(build({ originVerifyHeader: "x".repeat(41) })).toThrow(/"originVerifyHeader" is longer than 40/));
  test("the ephemeral tier (previews)", () => expect(build({ lifecycle: lifecycleOf("ephemeral") })).toThrow(/lb: "lifecycle" is the ephemeral tier; ephemeral environments \(previews\) build no load balancer of their own/));
  test("a WAF rate limit below the minimum", () => expect(build({ waf: { authRateLimitPer5Minutes: 5, authPathPrefix: "/backend/auth/" } })).toThrow(/lb\/waf: "authRateLimitPer5Minutes" 5 is below the WAF minimum of 10/));
  test("a WAF auth path prefix not between slashes", () => expect(build({ waf: { authRateLimitPer5Minutes: 100, authPathPrefix: "/backend/auth" } })).toThrow(/lb\/waf: "authPathPrefix" "\/backend\/auth" must start and end with \//));
  test("access logs kept less than a day", () => expect(build({ accessLogDays: 0 })).toThrow(/lb\/access-logs: "expireAfterDays" 0 must be at least 1/));
});
