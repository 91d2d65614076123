import { Testing } from "cdktf";
import { ephemeral, prod, staging } from "../../environments";
import type { EnvironmentConfig } from "../../environments/types";
import { EnvironmentConfigError } from "../../environments/validate";
import { ASSET_TTL_SECONDS } from "../../lib/edge/edge-rulesets";
import { certificateNames } from "../../lib/edge/edge-certificates";
import { ORIGIN_SECRET_VARIABLE, ORIGIN_VERIFY_HEADER, certificateOutput, edgeOriginSecretVariable, edgeStackName } from "../../stacks/edge-contract";
import { originRuleRef, routeMatchesHost } from "../../lib/edge/edge-rulesets";
import { EdgeStack, edgeZones, type EdgeStackProps } from "../../stacks/edge-stack";
import { CLOUDFLARE_ZONE_ID_VARIABLE } from "../../stacks/edge-state";
import type { Deployment } from "../../stacks/deployment";
import { OFFLINE, OFFLINE_STATE_DIR, ONLINE, resources, synthStrict, withEnv, type SynthJson } from "../helpers";

const ZONE_ID = "${var.cloudflare_zone_id}";
const edgeProps = (deployment: Deployment = OFFLINE, envs: EnvironmentConfig[] = [prod, staging]): EdgeStackProps => ({ zone: "example.com", plan: "free", envs, deployment });
const edgeStackOf = (props: EdgeStackProps = edgeProps()): EdgeStack => new EdgeStack(Testing.app(), props);
const synthEdge = (props: EdgeStackProps = edgeProps()): SynthJson & { variable?: Record<string, Record<string, unknown>> } => synthStrict(new EdgeStack(Testing.app(), props));

interface Rule {
  ref: string;
  expression: string;
  action: string;
  action_parameters?: Record<string, unknown>;
  ratelimit?: Record<string, unknown>;
  enabled?: boolean;
}
const rulesets = (json: SynthJson) => resources(json, "cloudflare_ruleset") as { phase: string; kind: string; name: string; zone_id: string; rules: Rule[] }[];
const phase = (json: SynthJson, p: string) => {
  const found = rulesets(json).filter((r) => r.phase === p);
  expect(found).toHaveLength(1);
  return found[0]!;
};
const rule = (json: SynthJson, p: string, ref: string): Rule => {
  const r = phase(json, p).rules.find((x) => x.ref === ref);
  expect(r).toBeDefined();
  return r!;
};

describe("EdgeStack: one per zone", () => {
  test("is named after the zone and owns exactly one zone ruleset per phase, named like dashboard entry points", () => {
    const json = synthEdge();
    expect(new EdgeStack(Testing.app(), edgeProps()).node.id).toBe(edgeStackName("example.com"));
    const phases = rulesets(json).map((r) => r.phase).sort();
    expect(phases).toEqual(["http_ratelimit", "http_request_cache_settings", "http_request_dynamic_redirect", "http_request_late_transform"]);
    for (const r of rulesets(json)) expect(r).toMatchObject({ kind: "zone", name: "default", zone_id: ZONE_ID });
    for (const r of rulesets(json)) for (const x of r.rules) expect(x).toMatchObject({ enabled: true, ref: expect.stringMatching(/^[a-z0-9_]+$/) });
  });

  test("Cloudflare provider takes its token from the environment; zone id is a validated variable", () => {
    const json = synthEdge();
    expect(json.provider?.cloudflare).toEqual([{}]);
    const v = json.variable?.[CLOUDFLARE_ZONE_ID_VARIABLE];
    expect(v).toMatchObject({ type: "string", nullable: false });
    expect(JSON.stringify(v)).toContain('regex(\\"^[0-9a-f]{32}$\\", var.cloudflare_zone_id)');
  });

  test("edgeZones groups long-lived environments by zone and ignores previews", () => {
    expect(edgeZones([prod, staging]).map((z) => [z.zone, z.plan, z.envs.map((e) => e.name)])).toEqual([["example.com", "free", ["prod", "staging"]]]);
    const other = withEnv(staging, { cloudflare: { zone: "example.org" }, hostnames: { app: "staging.example.org" } });
    expect(edgeZones([prod, other]).map((z) => z.zone)).toEqual(["example.com", "example.org"]);
  });

  test("environments sharing a zone must agree on the plan", () => {
    const pro = withEnv(staging, { cloudflare: { plan: "pro" } });
    expect(() => edgeZones([prod, pro])).toThrow(EnvironmentConfigError);
    expect(() => edgeZones([prod, pro])).toThrow(/staging\.cloudflare\.plan "pro" differs from prod\.cloudflare\.plan "free" for zone example\.com/);
    expect(() => new EdgeStack(Testing.app(), { ...edgeProps(OFFLINE, [prod, pro]) })).toThrow(/"plan" is free but staging\.cloudflare\.plan is pro/);
  });

  test("rejects previews and environments of another zone", () => {
    expect(() => new EdgeStack(Testing.app(), edgeProps(OFFLINE, [prod, ephemeral(42)]))).toThrow(/"envs" includes preview pr-42; previews use their base's certificate/);
    const other = withEnv(staging, { cloudflare: { zone: "example.org" } });
    expect(() => new EdgeStack(Testing.app(), edgeProps(OFFLINE, [prod, other]))).toThrow(/includes staging, which is in zone example\.org/);
  });
});

describe("zone settings", () => {
  const EXPECTED: Record<string, unknown> = {
    ssl: "strict",
    always_use_https: "on",
    min_tls_version: "1.2",
    tls_1_3: "on",
    http3: "on",
    automatic_https_rewrites: "on",
    security_header: { strict_transport_security: { enabled: true, max_age: 31536000, include_subdomains: false, preload: false, nosniff: true } },
  };

  test.each(Object.entries(EXPECTED))("%s synthesizes with the right JSON type and value", (id, value) => {
    const settings = resources(synthEdge(), "cloudflare_zone_setting").filter((s) => s.setting_id === id);
    expect(settings).toHaveLength(1);
    const v = settings[0]!.value;
    expect(typeof v).toBe(typeof value);
    expect(v).toEqual(value);
    expect(v).not.toEqual({});
    expect(settings[0]!.zone_id).toBe(ZONE_ID);
  });

  test("exactly these settings, each once", () => {
    expect(resources(synthEdge(), "cloudflare_zone_setting").map((s) => s.setting_id).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  test("HSTS never includes subdomains nor preloads (previews come and go); max-age is checked", () => {
    const json = synthEdge({ ...edgeProps(), hstsMaxAgeSeconds: 86400 });
    const hsts = resources(json, "cloudflare_zone_setting").find((s) => s.setting_id === "security_header")!.value as { strict_transport_security: Record<string, unknown> };
    expect(hsts.strict_transport_security).toMatchObject({ max_age: 86400, include_subdomains: false, preload: false });
    expect(() => new EdgeStack(Testing.app(), { ...edgeProps(), hstsMaxAgeSeconds: 60 })).toThrow(/"hstsMaxAgeSeconds" is 60; use 0 \(HSTS off\) or a whole number of seconds from 300/);
  });
});

describe("rules", () => {
  test("cache: /assets/* one year at edge and browser", () => {
    expect(rule(synthEdge(), "http_request_cache_settings", "static_assets_long_ttl")).toEqual(
      expect.objectContaining({
        expression: 'starts_with(http.request.uri.path, "/assets/")',
        action: "set_cache_settings",
        action_parameters: { cache: true, edge_ttl: { mode: "override_origin", default: ASSET_TTL_SECONDS }, browser_ttl: { mode: "override_origin", default: ASSET_TTL_SECONDS } },
      }),
    );
  });

  test("cache: index.html follows the origin (not cached without Cache-Control)", () => {
    expect(rule(synthEdge(), "http_request_cache_settings", "index_html_respect_origin")).toEqual(
      expect.objectContaining({
        expression: '(http.request.uri.path eq "/" or http.request.uri.path eq "/index.html")',
        action: "set_cache_settings",
        action_parameters: { cache: true, edge_ttl: { mode: "bypass_by_default" }, browser_ttl: { mode: "respect_origin" } },
      }),
    );
  });

  test("cache: /backend/* bypassed, and listed last so it wins over broader rules", () => {
    const cache = phase(synthEdge(), "http_request_cache_settings");
    expect(cache.rules[cache.rules.length - 1]).toEqual(expect.objectContaining({ ref: "bypass_backend", expression: 'starts_with(http.request.uri.path, "/backend/")', action: "set_cache_settings", action_parameters: { cache: false } }));
  });

  test("rate limit: login with and without a trailing slash, valid on Free (period 10, timeout 10, path only, colo + IP)", () => {
    expect(rule(synthEdge(), "http_ratelimit", "login_rate_limit")).toEqual(
      expect.objectContaining({
        expression: '(http.request.uri.path eq "/backend/auth/login" or http.request.uri.path eq "/backend/auth/login/")',
        action: "block",
        ratelimit: { characteristics: ["cf.colo.id", "ip.src"], period: 10, requests_per_period: 5, mitigation_timeout: 10 },
      }),
    );
  });

  describe("origin-verify: one secret per class, each sent only to its class's hosts", () => {
    const transforms = (json: SynthJson) => phase(json, "http_request_late_transform").rules;
    const secretOf = (r: Rule) => ((r.action_parameters as { headers: Record<string, { value: string }> }).headers[ORIGIN_VERIFY_HEADER]!).value;

    test("prod's rule sets prod's variable on prod's hosts only; staging's sets staging's on staging and preview hosts", () => {
      const json = synthEdge();
      expect(transforms(json).map((r) => r.ref)).toEqual([originRuleRef("prod"), originRuleRef("staging")]);
      const p = rule(json, "http_request_late_transform", originRuleRef("prod"));
      expect(p).toMatchObject({ action: "rewrite", expression: '(http.host in {"www.example.com" "example.com"})' });
      expect(secretOf(p)).toBe(`\${var.${edgeOriginSecretVariable("prod")}}`);
      const s = rule(json, "http_request_late_transform", originRuleRef("staging"));
      expect(s.expression).toBe('(http.host in {"staging.example.com"} or (starts_with(http.host, "pr-") and ends_with(http.host, "-staging.example.com")))');
      expect(secretOf(s)).toBe(`\${var.${edgeOriginSecretVariable("staging")}}`);
      // The preview every test builds matches staging's rule and not prod's.
      const pr42 = ephemeral(42).hostnames.app;
      expect(routeMatchesHost(edgeStackOf().origins.find((o) => o.cls === "staging")!, pr42)).toBe(true);
      expect(routeMatchesHost(edgeStackOf().origins.find((o) => o.cls === "prod")!, pr42)).toBe(false);
    });

    test("no rule sends a secret to every host, and no literal secret is synthesized", () => {
      const json = synthEdge();
      for (const r of transforms(json)) expect(r.expression).not.toBe("true");
      for (const r of transforms(json)) expect(secretOf(r)).toMatch(/^\$\{var\.origin_verify_secret_(prod|staging)\}$/);
    });

    test("each class's variable is sensitive, required and validated; the old shared variable is gone", () => {
      const json = synthEdge();
      for (const cls of ["prod", "staging"] as const) {
        const v = json.variable?.[edgeOriginSecretVariable(cls)];
        expect(v).toMatchObject({ type: "string", sensitive: true, nullable: false });
        expect(v).not.toHaveProperty("default");
        expect(JSON.stringify(v)).toContain("{32,128}");
      }
      expect(json.variable).not.toHaveProperty(ORIGIN_SECRET_VARIABLE);
    });

    test("a zone with prod only has prod's variable and rule; a service hostname gets its class's secret", () => {
      const api = withEnv(prod, { services: { ...prod.services, backend: { ...prod.services.backend!, route: { ...(prod.services.backend as { route: object }).route, hosts: ["api.example.com"] } } } as typeof prod.services });
      const json = synthEdge(edgeProps(OFFLINE, [api]));
      expect(Object.keys(json.variable ?? {}).filter((k) => k.startsWith(ORIGIN_SECRET_VARIABLE))).toEqual([edgeOriginSecretVariable("prod")]);
      expect(rule(json, "http_request_late_transform", originRuleRef("prod")).expression).toBe('(http.host in {"www.example.com" "example.com" "api.example.com"})');
    });

    test("customizeRules may add a late transform but not widen, drop or shadow an origin-verify rule", () => {
      type Late = NonNullable<ReturnType<NonNullable<EdgeStackProps["customizeRules"]>>["http_request_late_transform"]>;
      const edit = (f: (late: Late) => Late) => () => new EdgeStack(Testing.app(), { ...edgeProps(), customizeRules: (d) => ({ ...d, http_request_late_transform: f(d.http_request_late_transform ?? []) }) });
      const extra = { ref: "add_request_id", expression: "true", action: "rewrite", actionParameters: { headers: { "x-edge": { operation: "set", value: "1" } } } };
      expect(edit((l) => [...l, extra])).not.toThrow();
      expect(edit((l) => l.map((r) => (r.ref === originRuleRef("prod") ? { ...r, expression: "true" } : r)))).toThrow(/late_transform\[origin_verify_prod\]" was changed by customizeRules/);
      expect(edit((l) => l.filter((r) => r.ref !== originRuleRef("staging")))).toThrow(/late_transform\[origin_verify_staging\]" was removed/);
      expect(edit((l) => [...l, { ...extra, ref: "sneaky", actionParameters: { headers: { "X-Origin-Verify": { operation: "set", value: "x" } } } }])).toThrow(/late_transform\[sneaky\]" sets x-origin-verify/);
    });

    test("a prod host that staging's preview pattern matches is refused at synth, naming host and classes", () => {
      const clash = withEnv(prod, { hostnames: { app: "pr-1-staging.example.com", redirects: [] } });
      expect(() => new EdgeStack(Testing.app(), edgeProps(OFFLINE, [clash, staging]))).toThrow(/prod\.hostnames" include pr-1-staging\.example\.com, which staging's origin-verify rule also matches \(its preview hosts pr-\*-staging\.example\.com\)/);
    });
  });

  test("apex → www redirect lives in the edge stack (the redirect phase is a zone singleton)", () => {
    const redirects = phase(synthEdge(), "http_request_dynamic_redirect").rules;
    expect(redirects).toHaveLength(1);
    expect(redirects[0]).toEqual(
      expect.objectContaining({
        ref: "prod_redirect_to_app",
        expression: '(http.host in {"example.com"})',
        action: "redirect",
        action_parameters: { from_value: { status_code: 301, preserve_query_string: true, target_url: { expression: 'concat("https://www.example.com", http.request.uri.path)' } } },
      }),
    );
  });

  test("expressions other than redirects and the origin-verify rules are host-agnostic", () => {
    for (const r of rulesets(synthEdge()).filter((x) => x.phase !== "http_request_dynamic_redirect" && x.phase !== "http_request_late_transform")) for (const x of r.rules) expect(x.expression).not.toMatch(/http\.host/);
  });

  test("customizeRules can add rules; they are validated against the plan", () => {
    const add = (extra: Rule["action"]) => ({ ...edgeProps(), customizeRules: (d: ReturnType<NonNullable<EdgeStackProps["customizeRules"]>>) => ({ ...d, http_ratelimit: [...(d.http_ratelimit ?? []), { ref: "signup_rate_limit", expression: '(http.request.uri.path eq "/backend/auth/signup")', action: extra, ratelimit: { characteristics: ["cf.colo.id", "ip.src"], period: 10, mitigationTimeout: 10 } }] }) });
    expect(() => new EdgeStack(Testing.app(), add("block"))).toThrow(/"rules\.http_ratelimit" has 2 rules \(login_rate_limit, signup_rate_limit\); the free plan allows 1/);
    expect(() => new EdgeStack(Testing.app(), { ...add("block"), plan: "pro", envs: [withEnv(prod, { cloudflare: { plan: "pro" } })] })).not.toThrow();
  });
});

describe("certificates", () => {
  test("prod covers its app and redirect hostnames; staging covers *.<zone> for previews", () => {
    expect(certificateNames(prod.hostnames)).toEqual(["www.example.com", "example.com"]);
    expect(certificateNames(staging.hostnames, staging.cloudflare.zone)).toEqual(["staging.example.com", "*.example.com"]);
    const certs = resources(synthEdge(), "aws_acm_certificate");
    expect(certs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ domain_name: "www.example.com", subject_alternative_names: ["example.com"], validation_method: "DNS", provider: "aws.prod", lifecycle: { create_before_destroy: true } }),
        expect.objectContaining({ domain_name: "staging.example.com", subject_alternative_names: ["*.example.com"], validation_method: "DNS", provider: "aws.staging" }),
      ]),
    );
    expect(certs).toHaveLength(2);
  });

  test("validation records: DNS-only, trailing dots stripped, one per name without '*.'", () => {
    const records = resources(synthEdge(), "cloudflare_dns_record");
    expect(records).toHaveLength(2);
    for (const r of records) {
      expect(r).toMatchObject({ proxied: false, ttl: 60, zone_id: ZONE_ID });
      // Static keys: the distinct names without "*." (apex + wildcard share one record), known at plan time.
      expect(Object.keys(r.for_each as object).sort()).toEqual(String(r.comment).startsWith("prod") ? ["example.com", "www.example.com"] : ["example.com", "staging.example.com"]);
      // Values come from the certificate's validation options grouped by that key; trailing dots stripped.
      expect(String(r.name)).toMatch(/^\$\{trimsuffix\(element\(\{ for key, val in .*\.domain_validation_options\)\): trimprefix\(val\.domain_name, "\*\."\) => val\.\.\. \}\[each\.key\], 0\)\.resource_record_name, "\."\)\}$/);
      expect(String(r.content)).toMatch(/^\$\{trimsuffix\(element\(\{ for .*\}\[each\.key\], 0\)\.resource_record_value, "\."\)\}$/);
      expect(String(r.type)).toMatch(/^\$\{element\(\{ for .*\}\[each\.key\], 0\)\.resource_record_type\}$/);
      expect(String(r.comment)).toMatch(/^(prod|staging): ACM validation/);
    }
  });

  test("each certificate is validated in its own account, after its records exist", () => {
    const validations = resources(synthEdge(), "aws_acm_certificate_validation");
    expect(validations.map((v) => v.provider).sort()).toEqual(["aws.prod", "aws.staging"]);
    for (const v of validations) expect((v.depends_on as string[])[0]).toMatch(/^cloudflare_dns_record\./);
  });

  test("outputs certificate_arn_prod and certificate_arn_staging hold the validated ARNs", () => {
    const out = synthEdge().output!;
    expect(Object.keys(out).sort()).toEqual([certificateOutput("prod"), certificateOutput("staging")]);
    expect(out[certificateOutput("prod")]!.value).toMatch(/^\$\{aws_acm_certificate_validation\.certificate-prod_validated_[0-9A-F]+\.certificate_arn\}$/);
  });

  test("two environments in one account must not need the same validation record", () => {
    const sameAccount = withEnv(staging, { aws: { accountId: prod.aws.accountId, deployRoleArn: "arn:aws:iam::111111111111:role/shipkit-deploy-staging" } });
    expect(() => new EdgeStack(Testing.app(), edgeProps(OFFLINE, [prod, sameAccount]))).toThrow(/"staging\.hostnames" needs the ACM validation record for example\.com, which prod \(same account 111111111111\) also creates/);
  });
});

describe("providers and state", () => {
  test("online: one aliased AWS provider per environment, assuming its deploy role, locked to its account", () => {
    const aws = synthEdge(edgeProps(ONLINE)).provider!.aws as Record<string, unknown>[];
    expect(aws).toHaveLength(2);
    expect(aws).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ alias: "prod", region: prod.aws.region, allowed_account_ids: [prod.aws.accountId], assume_role: [expect.objectContaining({ role_arn: prod.aws.deployRoleArn })] }),
        expect.objectContaining({ alias: "staging", region: staging.aws.region, allowed_account_ids: [staging.aws.accountId], assume_role: [expect.objectContaining({ role_arn: staging.aws.deployRoleArn })] }),
      ]),
    );
    for (const p of aws) expect(p).not.toHaveProperty("access_key");
  });

  test("online: state in prod's bucket, key edge-<zone>/terraform.tfstate, encrypted, native lock", () => {
    expect(synthEdge(edgeProps(ONLINE)).terraform?.backend?.s3).toEqual(
      expect.objectContaining({ bucket: prod.aws.stateBucket, key: "edge-example-com/terraform.tfstate", region: prod.aws.region, encrypt: true, use_lockfile: true, assume_role: { role_arn: prod.aws.deployRoleArn } }),
    );
  });

  test("offline: local state, dummy credentials and skip flags, no assume_role", () => {
    const json = synthEdge();
    expect(json.terraform?.backend).toEqual({ local: { path: `${OFFLINE_STATE_DIR}/edge-example-com.tfstate` } });
    for (const p of json.provider!.aws as Record<string, unknown>[]) {
      expect(p).toMatchObject({ skip_credentials_validation: true, skip_requesting_account_id: true, skip_metadata_api_check: "true", access_key: "offline-plan-only" });
      expect(p).not.toHaveProperty("assume_role");
    }
  });

  test("the edge stack reads no other stack's state (it is first in edge → env → dns)", () => {
    expect(synthEdge().data?.terraform_remote_state).toBeUndefined();
  });
});
