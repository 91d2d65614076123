import type { RulesetRules } from "@cdktf/provider-cloudflare/lib/ruleset";
import type { CloudflarePlan } from "../../environments/types";
import { PLAN_LIMITS, EDGE_PHASES } from "../../lib/edge/edge-plan-limits";
import { EdgeRulesets, MAX_EXPRESSION_CHARS, defaultEdgeRules, expressionFields, loginPathExpression, type EdgeRules } from "../../lib/edge/edge-rulesets";
import { ConfigError } from "../../lib/core/errors";
import { bareStack } from "../helpers";

const PLANS: CloudflarePlan[] = ["free", "pro", "business", "enterprise"];
const SECRET = "${var.origin_verify_secret}";
const defaults = () => defaultEdgeRules({ origins: [{ cls: "prod", secret: SECRET, hosts: ["www.example.com", "example.com"] }], redirects: [{ ref: "prod_redirect_to_app", from: ["example.com"], to: "www.example.com" }] });
const build = (plan: CloudflarePlan, rules: EdgeRules) => () => new EdgeRulesets(bareStack(), "rulesets", { zoneId: "0123456789abcdef0123456789abcdef", plan, rules });
const login = (patch: Omit<Partial<RulesetRules>, "ratelimit"> & { ratelimit?: Partial<NonNullable<RulesetRules["ratelimit"]>> }): EdgeRules => {
  const base = defaults().http_ratelimit![0]!;
  return { http_ratelimit: [{ ...base, ...patch, ratelimit: { ...base.ratelimit!, ...patch.ratelimit } }] };
};

describe("plan-limits table", () => {
  test("has a row per plan and a rule limit per phase, growing with the plan", () => {
    for (const phase of EDGE_PHASES) {
      const counts = PLANS.map((p) => PLAN_LIMITS[p].rulesPerPhase[phase]);
      expect(counts.every((n) => n > 0)).toBe(true);
      expect([...counts].sort((a, b) => a - b)).toEqual(counts);
    }
  });
  test("Free: 1 rate-limit rule, period and timeout 10 s only, path-only expressions, no regex, 2 h minimum edge TTL", () => {
    expect(PLAN_LIMITS.free).toMatchObject({ regex: false, originOverrides: false, minEdgeTtlSeconds: 7200, rulesPerPhase: { http_ratelimit: 1 } });
    expect(PLAN_LIMITS.free.rateLimit).toMatchObject({ periods: [10], mitigationTimeouts: [10], countingExpression: false });
    expect(PLAN_LIMITS.free.rateLimit.expressionFields).toContain("http.request.uri.path");
    expect(PLAN_LIMITS.free.rateLimit.expressionFields).not.toContain("http.request.method");
  });
  test("regex from Business; origin overrides only on Enterprise", () => {
    expect(PLANS.map((p) => PLAN_LIMITS[p].regex)).toEqual([false, false, true, true]);
    expect(PLANS.map((p) => PLAN_LIMITS[p].originOverrides)).toEqual([false, false, false, true]);
  });
});

describe("tier validation", () => {
  test.each(PLANS)("the default rules fit the %s plan", (plan) => {
    expect(build(plan, defaults())).not.toThrow();
  });

  test("an expression over 4,096 characters is refused on every plan, naming the rule; 4,096 passes", () => {
    // An origin-verify rule with many hostnames: `http.host in {…}` grows with each.
    const hosts = (n: number) => Array.from({ length: n }, (_, i) => `service-${String(i).padStart(4, "0")}.example.com`);
    const withHosts = (n: number) => defaultEdgeRules({ origins: [{ cls: "prod", secret: SECRET, hosts: hosts(n) }] });
    const length = (n: number) => withHosts(n).http_request_late_transform![0]!.expression.length;
    let fits = 1;
    while (length(fits + 1) <= MAX_EXPRESSION_CHARS) fits++;
    for (const plan of PLANS) {
      expect(build(plan, withHosts(fits))).not.toThrow();
      expect(build(plan, withHosts(fits + 1))).toThrow(new RegExp(`rules\\.http_request_late_transform\\[origin_verify_prod\\]\\.expression" is ${length(fits + 1)} characters; Cloudflare refuses a rule expression over 4096 at apply`));
    }
  });

  test("a rate-limit period of 60 on Free names the rule and the limit", () => {
    expect(build("free", login({ ratelimit: { period: 60 } }))).toThrow(ConfigError);
    expect(build("free", login({ ratelimit: { period: 60 } }))).toThrow(/rules\.http_ratelimit\[login_rate_limit\]\.ratelimit\.period" is 60; the free plan allows counting periods of 10 s.*"pro" or higher/);
    expect(build("pro", login({ ratelimit: { period: 60 } }))).not.toThrow();
  });

  test("a mitigation timeout of 600 on Free is rejected; Pro accepts it", () => {
    expect(build("free", login({ ratelimit: { mitigationTimeout: 600 } }))).toThrow(/\[login_rate_limit\]\.ratelimit\.mitigation_timeout" is 600; the free plan allows mitigation timeouts of 10 s/);
    expect(build("pro", login({ ratelimit: { mitigationTimeout: 600 } }))).not.toThrow();
  });

  test("challenge actions need mitigation_timeout 0 below Enterprise", () => {
    expect(build("pro", login({ action: "managed_challenge" }))).toThrow(/challenge actions on the pro plan need mitigation_timeout 0/);
    expect(build("pro", login({ action: "managed_challenge", ratelimit: { mitigationTimeout: 0 } }))).not.toThrow();
  });

  test("`matches` (and `~`) below Business names the rule; Business accepts it", () => {
    const rules: EdgeRules = { http_request_cache_settings: [{ ref: "img_regex", expression: `(http.request.uri.path matches "^/img/.*")`, action: "set_cache_settings", actionParameters: { cache: true } }] };
    expect(build("free", rules)).toThrow(/\[img_regex\]\.expression" uses matches\/~\/regex_replace, which the free plan does not allow.*"business" or higher/);
    expect(build("pro", rules)).toThrow(/img_regex/);
    expect(build("business", rules)).not.toThrow();
    const tilde: EdgeRules = { http_request_cache_settings: [{ ref: "tilde", expression: `(http.request.uri.path ~ "^/x")`, action: "set_cache_settings", actionParameters: { cache: true } }] };
    expect(build("pro", tilde)).toThrow(/tilde/);
  });

  test("`matches` inside a string literal is not an operator", () => {
    const rules: EdgeRules = { http_request_cache_settings: [{ ref: "literal", expression: `(http.request.uri.path eq "/matches/~")`, action: "set_cache_settings", actionParameters: { cache: true } }] };
    expect(build("free", rules)).not.toThrow();
  });

  test("regex_replace in a rewrite expression below Business is rejected", () => {
    const rules: EdgeRules = { http_request_transform: [{ ref: "strip", expression: "true", action: "rewrite", actionParameters: { uri: { path: { expression: `regex_replace(http.request.uri.path, "^/backend", "")` } } } }] };
    expect(build("pro", rules)).toThrow(/\[strip\]\.action_parameters\.uri\.path\.expression" uses matches/);
  });

  test("too many rules in a phase names the rules and the plan's limit", () => {
    const many = Array.from({ length: 11 }, (_, i): RulesetRules => ({ ref: `r${i}`, expression: `starts_with(http.request.uri.path, "/p${i}/")`, action: "set_cache_settings", actionParameters: { cache: false } }));
    expect(build("free", { http_request_cache_settings: many })).toThrow(/rules\.http_request_cache_settings" has 11 rules \(r0, r1.*\); the free plan allows 10/);
    expect(build("pro", { http_request_cache_settings: many })).not.toThrow();
    expect(build("free", { http_ratelimit: [...login({}).http_ratelimit!, { ...login({}).http_ratelimit![0]!, ref: "second" }] })).toThrow(/has 2 rules \(login_rate_limit, second\); the free plan allows 1/);
  });

  test("a rate-limit expression on Free may use the path only (no method, no host)", () => {
    expect(build("free", login({ expression: `(http.request.method eq "POST" and http.request.uri.path eq "/backend/auth/login")` }))).toThrow(/\[login_rate_limit\]\.expression" uses http\.request\.method; a rate-limit expression on the free plan may use only/);
    expect(build("pro", login({ expression: `(http.host eq "www.example.com" and http.request.uri.path eq "/login")` }))).not.toThrow();
    expect(build("business", login({ expression: `(http.request.method eq "POST" and http.request.uri.path eq "/login")` }))).not.toThrow();
  });

  test("the login rate limit covers the path with and without a trailing slash, path field only, so it stays valid on Free", () => {
    const expr = defaults().http_ratelimit![0]!.expression;
    expect(expr).toBe('(http.request.uri.path eq "/backend/auth/login" or http.request.uri.path eq "/backend/auth/login/")');
    expect(expressionFields(expr)).toEqual(["http.request.uri.path"]);
    expect(build("free", { http_ratelimit: defaults().http_ratelimit })).not.toThrow();
    expect(loginPathExpression("/api/login/")).toBe('(http.request.uri.path eq "/api/login" or http.request.uri.path eq "/api/login/")');
    expect(defaultEdgeRules({ origins: [{ cls: "prod", secret: SECRET, hosts: ["www.example.com", "example.com"] }], loginPath: "/auth" }).http_ratelimit![0]!.expression).toBe('(http.request.uri.path eq "/auth" or http.request.uri.path eq "/auth/")');
  });

  test("rate-limit characteristics: cf.colo.id mandatory; IP-with-NAT from Business; not both IP kinds", () => {
    expect(build("free", login({ ratelimit: { characteristics: ["ip.src"] } }))).toThrow(/cf\.colo\.id is mandatory/);
    expect(build("pro", login({ ratelimit: { characteristics: ["cf.colo.id", "cf.unique_visitor_id"] } }))).toThrow(/uses cf\.unique_visitor_id; the pro plan counts by cf\.colo\.id plus ip\.src only.*"business"/);
    expect(build("business", login({ ratelimit: { characteristics: ["cf.colo.id", "cf.unique_visitor_id"] } }))).not.toThrow();
    expect(build("enterprise", login({ ratelimit: { characteristics: ["cf.colo.id", "ip.src", "cf.unique_visitor_id"] } }))).toThrow(/mutually exclusive/);
  });

  test("a counting expression needs Business", () => {
    expect(build("pro", login({ ratelimit: { countingExpression: "http.response.code eq 401" } }))).toThrow(/counting_expression" is set; the pro plan has no custom counting expression/);
    expect(build("business", login({ ratelimit: { countingExpression: "http.response.code eq 401" } }))).not.toThrow();
  });

  test("an edge TTL below the plan's minimum names the rule and the minimum", () => {
    const rules = (ttl: number): EdgeRules => ({ http_request_cache_settings: [{ ref: "short_ttl", expression: "true", action: "set_cache_settings", actionParameters: { cache: true, edgeTtl: { mode: "override_origin", default: ttl } } }] });
    expect(build("free", rules(3600))).toThrow(/\[short_ttl\]\.action_parameters\.edge_ttl\.default" is 3600 s; the free plan's minimum edge TTL is 7200 s/);
    expect(build("pro", rules(3600))).not.toThrow();
    expect(build("pro", rules(60))).toThrow(/minimum edge TTL is 3600/);
  });

  test("Host-header / SNI / resolve overrides need Enterprise; the port override does not", () => {
    const route = (ap: NonNullable<RulesetRules["actionParameters"]>): EdgeRules => ({ http_request_origin: [{ ref: "backend_origin", expression: `starts_with(http.request.uri.path, "/backend/")`, action: "route", actionParameters: ap }] });
    expect(build("business", route({ hostHeader: "alb.example.com" }))).toThrow(/\[backend_origin\]\.action_parameters" overrides the Host header, SNI or resolved origin, which only the enterprise plan allows/);
    expect(build("pro", route({ origin: { host: "alb.example.com" } }))).toThrow(/backend_origin/);
    expect(build("free", route({ origin: { port: 8443 } }))).not.toThrow();
    expect(build("enterprise", route({ hostHeader: "alb.example.com", sni: { value: "alb.example.com" } }))).not.toThrow();
  });

  test("an unescaped ${1} is caught at synth; $${1} passes", () => {
    const rw = (expr: string): EdgeRules => ({ http_request_transform: [{ ref: "strip_backend", expression: `starts_with(http.request.uri.path, "/backend/")`, action: "rewrite", actionParameters: { uri: { path: { expression: expr } } } }] });
    expect(build("free", rw('wildcard_replace(http.request.uri.path, "/backend/*", "/${1}")'))).toThrow(/\[strip_backend\]\.actionParameters\.uri\.path\.expression" contains "\$\{<digit>"/);
    expect(build("free", rw('wildcard_replace(http.request.uri.path, "/backend/*", "/$${1}")'))).not.toThrow();
  });

  test("every rule needs a unique stable ref; action parameters must match the action", () => {
    const noRef = defaults().http_ratelimit![0]!;
    expect(build("free", { http_ratelimit: [{ ...noRef, ref: undefined }] })).toThrow(/\.ref" is undefined; every rule needs a stable ref/);
    expect(build("free", { http_request_cache_settings: [{ ref: "dup", expression: "true", action: "set_cache_settings", actionParameters: { cache: false } }], http_request_late_transform: [{ ref: "dup", expression: "true", action: "rewrite", actionParameters: { headers: { a: { operation: "remove" } } } }] })).toThrow(/"rules\.http_request_late_transform\[dup\]\.ref" is also used in http_request_cache_settings/);
    expect(build("free", { http_request_cache_settings: [{ ref: "wrong_action", expression: "true", action: "rewrite", actionParameters: { cache: false } }] })).toThrow(/\[wrong_action\]\.action_parameters\.cache" requires action "set_cache_settings"/);
  });

  test("the error names the construct path", () => {
    expect(build("free", login({ ratelimit: { period: 60 } }))).toThrow(/^test\/rulesets: /);
  });
});

describe("expressionFields", () => {
  test("finds fields outside string literals only", () => {
    expect(expressionFields(`(http.request.uri.path eq "/a.b.c" and lower(http.host) in {"x.example.com"})`).sort()).toEqual(["http.host", "http.request.uri.path"]);
  });
});
