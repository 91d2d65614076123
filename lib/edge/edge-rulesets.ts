import { Construct } from "constructs";
import { Ruleset, type RulesetRules } from "@cdktf/provider-cloudflare/lib/ruleset";
import type { CloudflarePlan } from "./edge-plan-limits";
import { ORIGIN_VERIFY_HEADER } from "./origin-verify";
import { ConfigError } from "../core/errors";
import { EDGE_PHASES, PLAN_LIMITS, cheapestPlan, type EdgePhase } from "./edge-plan-limits";

/** The zone's rules by phase. Each phase becomes the zone's single entry-point ruleset for it. */
export type EdgeRules = Partial<Record<EdgePhase, readonly RulesetRules[]>>;

/** A host redirect owned by the edge stack (the `http_request_dynamic_redirect` phase is a zone singleton). */
export interface HostRedirect {
  /** Stable rule ref, e.g. `prod_redirect_to_app`. */
  readonly ref: string;
  /** Hostnames that redirect (e.g. the apex `example.com`). */
  readonly from: readonly string[];
  /** Hostname they redirect to, keeping path and query (e.g. `www.example.com`). */
  readonly to: string;
}

/**
 * One origin-verify secret and the hosts Cloudflare sends it to: a secret class (prod; staging with
 * its previews). Its late-transform rule `origin_verify_<cls>` matches only these hosts, so a class's
 * secret never reaches another class's ALB, and a host of no class gets no header (the ALB's 403).
 */
export interface OriginSecretRoute {
  /** Class name (`prod`, `staging`): the rule ref is `origin_verify_<cls>`. */
  readonly cls: string;
  /** Token of the class's sensitive secret variable; never a literal secret. */
  readonly secret: string;
  /** Exact hostnames of the class (app, redirects, service hosts). */
  readonly hosts: readonly string[];
  /**
   * The class's preview hostnames, `<prefix>…<suffix>` (staging: `pr-` … `-staging.<zone>`).
   * @default none: the class has no previews
   */
  readonly previewHosts?: { readonly prefix: string; readonly suffix: string };
}

/** Ref of a class's late-transform rule: `origin_verify_prod`, `origin_verify_staging`. */
export const originRuleRef = (cls: string): string => `origin_verify_${cls}`;

/**
 * The hosts of a secret class as a Rules-language expression: `http.host in {…}` for the exact
 * names, `starts_with` and `ends_with` for previews (valid on Free; `matches` needs Business).
 * Cloudflare lowercases nothing for you: hostnames are validated lowercase at config time.
 */
export function originHostExpression(route: Pick<OriginSecretRoute, "hosts" | "previewHosts">): string {
  const parts: string[] = [];
  if (route.hosts.length) parts.push(`http.host in {${[...new Set(route.hosts)].map((h) => JSON.stringify(h)).join(" ")}}`);
  if (route.previewHosts) parts.push(`(starts_with(http.host, ${JSON.stringify(route.previewHosts.prefix)}) and ends_with(http.host, ${JSON.stringify(route.previewHosts.suffix)}))`);
  return `(${parts.join(" or ")})`;
}

/** Whether `host` is one a route's expression matches: exactly what originHostExpression tells Cloudflare, for checks. */
export function routeMatchesHost(route: Pick<OriginSecretRoute, "hosts" | "previewHosts">, host: string): boolean {
  const p = route.previewHosts;
  return route.hosts.includes(host) || (p !== undefined && host.startsWith(p.prefix) && host.endsWith(p.suffix));
}

export interface DefaultEdgeRulesOptions {
  /**
   * The secret classes, one host-scoped late-transform rule each (at least one; the zone plan's
   * late-transform rule limit applies: 10 on Free).
   */
  readonly origins: readonly OriginSecretRoute[];
  /** Host redirects (prod's apex → www). @default [] */
  readonly redirects?: readonly HostRedirect[];
  /** Path of the login endpoint to rate limit. @default "/backend/auth/login" */
  readonly loginPath?: string;
  /** Login attempts per IP per 10 s before a 10 s block. @default 5 */
  readonly loginRequestsPerPeriod?: number;
}

/**
 * The rate-limit expression for a login path: the path itself and the same path with a trailing
 * slash (`/backend/auth/login/`), which most routers serve as the same endpoint. Only
 * `http.request.uri.path`, `eq` and `or`, so it is valid on Free (whose rate-limit rules may use the
 * path field only; https://developers.cloudflare.com/waf/rate-limiting-rules/#availability).
 * Other spellings (case, `//`, `%2F`) are not covered: Cloudflare's default URL normalization
 * decodes percent-encoded unreserved characters and the backend's router decides the rest; a
 * case-insensitive match needs `lower()`, which the Free rate-limit field list does not include.
 */
export function loginPathExpression(loginPath: string): string {
  const bare = loginPath.replace(/\/+$/, "") || "/";
  const paths = bare === "/" ? ["/"] : [bare, `${bare}/`];
  return `(${paths.map((p) => `http.request.uri.path eq ${JSON.stringify(p)}`).join(" or ")})`;
}

/** Long TTL (1 year) for fingerprinted build output under /assets/. */
export const ASSET_TTL_SECONDS = 31536000;

/**
 * The zone's default rules. Expressions are host-agnostic (they apply to prod, staging and every
 * preview alike); only redirects name hosts. Every rule has a stable `ref` so its Cloudflare id
 * survives edits. The values are valid on every plan, Free included:
 *
 * - cache: `/assets/*` 1 year at edge and browser (fingerprinted files; precondition: a missing
 *   asset is a 404, never the SPA's index page with 200, or a rolling deploy caches HTML under a
 *   new script's URL for a year: docs/edge.md, "Caching /assets/* for a year"); `/` and `/index.html`
 *   follow the origin's Cache-Control and are NOT cached when the origin sends none
 *   (`bypass_by_default`: plain `respect_origin` would fall back to Cloudflare's default TTLs and
 *   serve a stale index.html for up to 2 h after a deploy); `/backend/*` is never cached (listed
 *   last so it wins over any broader rule added above it).
 * - rate limit: login attempts per (colo, IP), 10 s period and 10 s block: the only values Free
 *   accepts; path-only expression since Free cannot match on method. The path with and without a
 *   trailing slash (loginPathExpression), so `/backend/auth/login/` is not a way around it.
 * - late transform: one rule per secret class (`origin_verify_<cls>`), each setting the
 *   origin-verify header to its class's secret for its class's hosts only (originHostExpression).
 *   Hosts of no class get no header, so their ALB answers 403.
 */
export function defaultEdgeRules(opts: DefaultEdgeRulesOptions): EdgeRules {
  const loginPath = opts.loginPath ?? "/backend/auth/login";
  const rules: EdgeRules = {
    http_request_cache_settings: [
      {
        ref: "static_assets_long_ttl",
        description: "Fingerprinted build output: cache 1 year at the edge and in browsers",
        expression: `starts_with(http.request.uri.path, "/assets/")`,
        action: "set_cache_settings",
        actionParameters: {
          cache: true,
          edgeTtl: { mode: "override_origin", default: ASSET_TTL_SECONDS },
          browserTtl: { mode: "override_origin", default: ASSET_TTL_SECONDS },
        },
      },
      {
        ref: "index_html_respect_origin",
        description: "index.html follows the origin's Cache-Control (not cached when it sends none) so deploys show at once",
        expression: `(http.request.uri.path eq "/" or http.request.uri.path eq "/index.html")`,
        action: "set_cache_settings",
        actionParameters: { cache: true, edgeTtl: { mode: "bypass_by_default" }, browserTtl: { mode: "respect_origin" } },
      },
      {
        ref: "bypass_backend",
        description: "API responses are never cached (even paths with static extensions)",
        expression: `starts_with(http.request.uri.path, "/backend/")`,
        action: "set_cache_settings",
        actionParameters: { cache: false },
      },
    ],
    http_ratelimit: [
      {
        ref: "login_rate_limit",
        description: "Login brute force: block an IP for 10 s after too many attempts in 10 s",
        expression: loginPathExpression(loginPath),
        action: "block",
        ratelimit: {
          characteristics: ["cf.colo.id", "ip.src"],
          period: 10,
          requestsPerPeriod: opts.loginRequestsPerPeriod ?? 5,
          mitigationTimeout: 10,
        },
      },
    ],
    http_request_late_transform: opts.origins.map((o) => ({
      ref: originRuleRef(o.cls),
      description: `Proves to ${o.cls}'s ALB that the request came through this zone (${o.cls}'s secret, ${o.cls}'s hosts only)`,
      expression: originHostExpression(o),
      action: "rewrite",
      actionParameters: { headers: { [ORIGIN_VERIFY_HEADER]: { operation: "set", value: o.secret } } },
    })),
  };
  const redirects = opts.redirects ?? [];
  if (redirects.length)
    return {
      ...rules,
      http_request_dynamic_redirect: redirects.map((r) => ({
        ref: r.ref,
        description: `${r.from.join(", ")} → https://${r.to} (path and query kept)`,
        expression: `(http.host in {${r.from.map((h) => JSON.stringify(h)).join(" ")}})`,
        action: "redirect",
        actionParameters: {
          fromValue: { statusCode: 301, preserveQueryString: true, targetUrl: { expression: `concat(${JSON.stringify(`https://${r.to}`)}, http.request.uri.path)` } },
        },
      })),
    };
  return rules;
}

/** `matches`, its alias `~`, and `regex_replace()`: Business and Enterprise only. */
const REGEX_SYNTAX = /\bmatches\b|~|\bregex_replace\s*\(/;
/** `${1}` is a Terraform interpolation: Terraform replaces it before Cloudflare sees it. Write `$${1}`. */
export const UNESCAPED_TF_INTERPOLATION = /(^|[^$])\$\{[0-9]/;
const REF = /^[a-z0-9_]{1,64}$/;
/**
 * "The maximum length of a rule expression is 4,096 characters", on every plan
 * (https://developers.cloudflare.com/ruleset-engine/rules-language/expressions/). The API refuses a
 * longer one at apply; the provider does not check it, so plan passes. An origin-verify rule grows
 * with every hostname of its class.
 */
export const MAX_EXPRESSION_CHARS = 4096;
const CHALLENGES = new Set(["challenge", "js_challenge", "managed_challenge"]);

/** Removes string literals from a Rules-language expression, leaving operators and fields. */
const withoutStrings = (expr: string): string => expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
/** Field names (`http.request.uri.path`, `ip.src`, ...) used by an expression. */
export const expressionFields = (expr: string): string[] => [...new Set(withoutStrings(expr).match(/\b[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+/g) ?? [])];

/** Every string inside a value, with its path, for scanning. */
function strings(value: unknown, at: string): [string, string][] {
  if (typeof value === "string") return [[at, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${at}[${i}]`));
  if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => strings(v, `${at}.${k}`));
  return [];
}
/** Every Rules-language expression of a rule (the match expression, counting and action expressions). */
function expressions(rule: RulesetRules): [string, string][] {
  const all: [string, string][] = [["expression", rule.expression]];
  if (rule.ratelimit?.countingExpression) all.push(["ratelimit.counting_expression", rule.ratelimit.countingExpression]);
  return all.concat(strings(rule.actionParameters, "action_parameters").filter(([p]) => /\.expression$/.test(p)));
}

/**
 * Checks every rule against the zone plan's limits (edge-plan-limits.ts) and the provider's own
 * validators. Throws a ConfigError naming the phase, the rule `ref`, the limit and the fix.
 */
export function validateEdgeRules(scope: Construct, plan: CloudflarePlan, rules: EdgeRules): void {
  const limits = PLAN_LIMITS[plan];
  const upgrade = (ok: (l: typeof limits) => boolean) => {
    const p = cheapestPlan(ok);
    return p ? `, or set cloudflare.plan to "${p}" or higher` : "";
  };
  const seen = new Map<string, EdgePhase>();
  for (const phase of Object.keys(rules) as EdgePhase[]) {
    if (!EDGE_PHASES.includes(phase)) throw new ConfigError(scope, `rules.${phase}`, `is not a phase the edge stack manages; use one of ${EDGE_PHASES.join(", ")}`);
    const list = rules[phase] ?? [];
    const max = limits.rulesPerPhase[phase];
    if (list.length > max)
      throw new ConfigError(scope, `rules.${phase}`, `has ${list.length} rules (${list.map((r) => r.ref).join(", ")}); the ${plan} plan allows ${max} in this phase. Remove rules${upgrade((l) => l.rulesPerPhase[phase] >= list.length)}`);
    for (const rule of list) {
      const ref = rule.ref ?? "";
      const at = (prop: string) => `rules.${phase}[${ref || "?"}]${prop ? "." + prop : ""}`;
      if (!REF.test(ref)) throw new ConfigError(scope, at("ref"), `is ${JSON.stringify(rule.ref)}; every rule needs a stable ref of 1-64 lowercase letters, digits or _ so its id survives edits`);
      const dup = seen.get(ref);
      if (dup) throw new ConfigError(scope, at("ref"), `is also used in ${dup}; refs must be unique across the zone's rulesets`);
      seen.set(ref, phase);
      if (!rule.expression.trim()) throw new ConfigError(scope, at("expression"), `is empty; use "true" to match every request`);
      for (const [path, expr] of expressions(rule))
        if (expr.length > MAX_EXPRESSION_CHARS)
          throw new ConfigError(scope, at(path), `is ${expr.length} characters; Cloudflare refuses a rule expression over ${MAX_EXPRESSION_CHARS} at apply (every plan). Shorten it: fewer hostnames in one rule, or split the rule in two`);

      for (const [path, s] of strings(rule, "rule"))
        if (UNESCAPED_TF_INTERPOLATION.test(s))
          throw new ConfigError(scope, at(path.replace(/^rule\.?/, "")), `contains "\${<digit>", which Terraform interpolates away before Cloudflare sees it; write "$\${1}" in TypeScript`);
      if (!limits.regex)
        for (const [path, expr] of expressions(rule))
          if (REGEX_SYNTAX.test(withoutStrings(expr)))
            throw new ConfigError(scope, at(path), `uses matches/~/regex_replace, which the ${plan} plan does not allow (regex needs Business or Enterprise). Use starts_with, ends_with, eq, in or wildcard_replace${upgrade((l) => l.regex)}`);

      const ap = rule.actionParameters;
      const needs = (props: (keyof NonNullable<typeof ap>)[], action: string) => {
        for (const p of props) if (ap?.[p] !== undefined && rule.action !== action) throw new ConfigError(scope, at(`action_parameters.${String(p)}`), `requires action "${action}", not "${rule.action}" (provider validator since 5.10)`);
      };
      needs(["cache", "edgeTtl", "browserTtl"], "set_cache_settings");
      needs(["uri", "headers"], "rewrite");
      needs(["origin", "sni", "hostHeader"], "route");
      needs(["fromValue"], "redirect");
      if (!limits.originOverrides && (ap?.hostHeader !== undefined || ap?.sni !== undefined || ap?.origin?.host !== undefined))
        throw new ConfigError(scope, at("action_parameters"), `overrides the Host header, SNI or resolved origin, which only the enterprise plan allows (${plan} may override the destination port only). Route /backend at the ALB instead`);
      const edgeTtl = ap?.edgeTtl;
      if (edgeTtl?.mode === "override_origin" && edgeTtl.default !== undefined && edgeTtl.default < limits.minEdgeTtlSeconds)
        throw new ConfigError(scope, at("action_parameters.edge_ttl.default"), `is ${edgeTtl.default} s; the ${plan} plan's minimum edge TTL is ${limits.minEdgeTtlSeconds} s. Raise it${upgrade((l) => l.minEdgeTtlSeconds <= edgeTtl.default!)}`);

      if (phase === "http_ratelimit") validateRateLimit(scope, plan, rule, at, upgrade);
      else if (rule.ratelimit) throw new ConfigError(scope, at("ratelimit"), `is only valid in the http_ratelimit phase`);
    }
  }
}

function validateRateLimit(scope: Construct, plan: CloudflarePlan, rule: RulesetRules, at: (p: string) => string, upgrade: (ok: (l: (typeof PLAN_LIMITS)[CloudflarePlan]) => boolean) => string): void {
  const lim = PLAN_LIMITS[plan].rateLimit;
  const rl = rule.ratelimit;
  if (!rl) throw new ConfigError(scope, at("ratelimit"), `is missing; a rule in http_ratelimit needs ratelimit { characteristics, period, ... }`);
  if (!lim.periods.includes(rl.period))
    throw new ConfigError(scope, at("ratelimit.period"), `is ${rl.period}; the ${plan} plan allows counting periods of ${lim.periods.join(", ")} s. Use ${lim.periods[lim.periods.length - 1]}${upgrade((l) => l.rateLimit.periods.includes(rl.period))}`);
  const timeout = rl.mitigationTimeout ?? 0;
  if (CHALLENGES.has(rule.action) && plan !== "enterprise") {
    if (timeout !== 0) throw new ConfigError(scope, at("ratelimit.mitigation_timeout"), `is ${timeout}; challenge actions on the ${plan} plan need mitigation_timeout 0`);
  } else if (!lim.mitigationTimeouts.includes(timeout))
    throw new ConfigError(scope, at("ratelimit.mitigation_timeout"), `is ${timeout}; the ${plan} plan allows mitigation timeouts of ${lim.mitigationTimeouts.join(", ")} s${upgrade((l) => l.rateLimit.mitigationTimeouts.includes(timeout))}`);
  const ch = rl.characteristics;
  if (!ch.includes("cf.colo.id")) throw new ConfigError(scope, at("ratelimit.characteristics"), `is [${ch.join(", ")}]; cf.colo.id is mandatory. Use ["cf.colo.id", "ip.src"]`);
  if (ch.includes("ip.src") && ch.includes("cf.unique_visitor_id")) throw new ConfigError(scope, at("ratelimit.characteristics"), `lists both ip.src and cf.unique_visitor_id; they are mutually exclusive (IP vs IP with NAT)`);
  if (lim.characteristics !== "any") {
    const allowed = lim.characteristics;
    const bad = ch.filter((c) => c !== "cf.colo.id" && !allowed.includes(c));
    if (bad.length) throw new ConfigError(scope, at("ratelimit.characteristics"), `uses ${bad.join(", ")}; the ${plan} plan counts by cf.colo.id plus ${allowed.join(" or ")} only${upgrade((l) => l.rateLimit.characteristics === "any" || bad.every((b) => (l.rateLimit.characteristics as readonly string[]).includes(b)))}`);
  }
  if (rl.countingExpression !== undefined && !lim.countingExpression)
    throw new ConfigError(scope, at("ratelimit.counting_expression"), `is set; the ${plan} plan has no custom counting expression${upgrade((l) => l.rateLimit.countingExpression)}`);
  if (lim.expressionFields !== "any") {
    const allowed = lim.expressionFields;
    const bad = expressionFields(rule.expression).filter((f) => !allowed.includes(f));
    if (bad.length)
      throw new ConfigError(scope, at("expression"), `uses ${bad.join(", ")}; a rate-limit expression on the ${plan} plan may use only ${allowed.join(", ")}${upgrade((l) => l.rateLimit.expressionFields === "any" || bad.every((b) => (l.rateLimit.expressionFields as readonly string[]).includes(b)))}`);
  }
}

export interface EdgeRulesetsProps {
  /** Zone id (token of the `cloudflare_zone_id` variable, or a 32-hex literal). */
  readonly zoneId: string;
  /** The zone's plan: every rule is checked against its limits at synth. */
  readonly plan: CloudflarePlan;
  /** The rules by phase. Phases without rules get no ruleset. */
  readonly rules: EdgeRules;
}

/**
 * The zone's entry-point rulesets: exactly one `cloudflare_ruleset` per phase (Cloudflare allows
 * one per phase per zone; a second create fails with error 20217). Named "default", like the entry
 * points the dashboard creates, so an imported pre-existing entry point keeps its name (name is
 * replace-on-change). Rules are validated against the plan first (validateEdgeRules).
 *
 * @example new EdgeRulesets(this, "rulesets", { zoneId, plan: "free", rules: defaultEdgeRules({ origins: [{ cls: "prod", secret, hosts: ["www.example.com"] }] }) });
 * Cost: included in every plan at these rule counts. Tested via: test/edge/edge-stack.test.ts, test/edge/plan-limits.test.ts
 */
export class EdgeRulesets extends Construct {
  /** The rulesets created, by phase. */
  readonly rulesets: Readonly<Partial<Record<EdgePhase, Ruleset>>>;
  /** Total number of rules across phases. */
  readonly ruleCount: number;

  constructor(scope: Construct, id: string, props: EdgeRulesetsProps) {
    super(scope, id);
    validateEdgeRules(this, props.plan, props.rules);
    const rulesets: Partial<Record<EdgePhase, Ruleset>> = {};
    let count = 0;
    for (const phase of EDGE_PHASES) {
      const rules = props.rules[phase];
      if (!rules?.length) continue;
      count += rules.length;
      rulesets[phase] = new Ruleset(this, phase, {
        zoneId: props.zoneId,
        kind: "zone",
        phase,
        name: "default",
        description: `Zone entry point for ${phase}, managed by shipkit (edge stack)`,
        rules: rules.map((r) => ({ enabled: true, ...r })),
      });
    }
    this.rulesets = rulesets;
    this.ruleCount = count;
  }
}
