/** Cloudflare plan of a zone; decides which rules are allowed at the edge. */
export type CloudflarePlan = "free" | "pro" | "business" | "enterprise";

/**
 * What each Cloudflare plan allows for the features the edge stack uses, as one typed table.
 * Source: Cloudflare's plan matrix (`src/content/plans/index.json`) and the rate-limiting
 * availability table, as summarised in docs/toolchain-notes.md §1, §3, §4 (read 2026-11).
 * EdgeRulesets validates every configured rule against this table at synth, so a rule that the
 * zone's plan would reject fails `cdktf synth` naming the rule `ref` and the limit, long before an
 * apply against the real API.
 *
 * Tested via: test/edge/plan-limits.test.ts
 */

/** The ruleset phases the edge stack may own (one entry-point ruleset per phase per zone). */
export type EdgePhase =
  | "http_request_dynamic_redirect"
  | "http_request_transform"
  | "http_request_origin"
  | "http_request_firewall_custom"
  | "http_ratelimit"
  | "http_request_late_transform"
  | "http_request_cache_settings";

export const EDGE_PHASES: readonly EdgePhase[] = [
  "http_request_dynamic_redirect",
  "http_request_transform",
  "http_request_origin",
  "http_request_firewall_custom",
  "http_ratelimit",
  "http_request_late_transform",
  "http_request_cache_settings",
];

export interface RateLimitLimits {
  /** Counting periods (`ratelimit.period`, seconds) the plan accepts. */
  readonly periods: readonly number[];
  /** Mitigation timeouts (seconds) the plan accepts for `block`. Challenge actions need 0 below Enterprise. */
  readonly mitigationTimeouts: readonly number[];
  /** Fields a rate-limit rule's expression may use; "any" = every request field. */
  readonly expressionFields: readonly string[] | "any";
  /** Counting characteristics allowed besides the mandatory `cf.colo.id`; "any" = Advanced Rate Limiting. */
  readonly characteristics: readonly string[] | "any";
  /** Whether `ratelimit.counting_expression` may be set. */
  readonly countingExpression: boolean;
}

export interface PlanLimits {
  /** Maximum rules in the zone's entry-point ruleset of each phase. */
  readonly rulesPerPhase: Readonly<Record<EdgePhase, number>>;
  /** Whether the `matches` operator (also written `~`) and `regex_replace()` are allowed. Business and up. */
  readonly regex: boolean;
  /** Whether origin rules may override Host header, SNI or the resolved DNS record (Enterprise only). */
  readonly originOverrides: boolean;
  /** Smallest `edge_ttl.default` (seconds) a cache rule may set with `override_origin`. */
  readonly minEdgeTtlSeconds: number;
  /** What rate-limit rules (`http_ratelimit` phase) may use on this plan: periods, timeouts, fields. */
  readonly rateLimit: RateLimitLimits;
}

const RL_FREE_FIELDS = ["http.request.uri.path", "cf.client.bot", "cf.bot_management.verified_bot"] as const;
const RL_PRO_FIELDS = [...RL_FREE_FIELDS, "http.host", "http.request.uri", "http.request.full_uri", "http.request.uri.query"] as const;
const RL_BUSINESS_FIELDS = [...RL_PRO_FIELDS, "http.request.method", "ip.src", "http.user_agent"] as const;

const rules = (n: number, rateLimit: number, waf: number): Record<EdgePhase, number> => ({
  http_request_dynamic_redirect: n,
  http_request_transform: n,
  http_request_origin: n,
  http_request_firewall_custom: waf,
  http_ratelimit: rateLimit,
  http_request_late_transform: n,
  http_request_cache_settings: n,
});

export const PLAN_LIMITS: Readonly<Record<CloudflarePlan, PlanLimits>> = {
  free: {
    rulesPerPhase: rules(10, 1, 5),
    regex: false,
    originOverrides: false,
    minEdgeTtlSeconds: 7200,
    rateLimit: { periods: [10], mitigationTimeouts: [10], expressionFields: RL_FREE_FIELDS, characteristics: ["ip.src"], countingExpression: false },
  },
  pro: {
    rulesPerPhase: rules(25, 2, 20),
    regex: false,
    originOverrides: false,
    minEdgeTtlSeconds: 3600,
    rateLimit: { periods: [10, 60], mitigationTimeouts: [10, 60, 120, 300, 600, 3600], expressionFields: RL_PRO_FIELDS, characteristics: ["ip.src"], countingExpression: false },
  },
  business: {
    rulesPerPhase: rules(50, 5, 100),
    regex: true,
    originOverrides: false,
    minEdgeTtlSeconds: 1,
    rateLimit: {
      periods: [10, 60, 120, 300, 600],
      mitigationTimeouts: [10, 60, 120, 300, 600, 3600, 86400],
      expressionFields: RL_BUSINESS_FIELDS,
      characteristics: ["ip.src", "cf.unique_visitor_id"],
      countingExpression: true,
    },
  },
  enterprise: {
    rulesPerPhase: rules(300, 100, 1000),
    regex: true,
    originOverrides: true,
    minEdgeTtlSeconds: 1,
    rateLimit: { periods: [10, 60, 120, 300, 600, 3600], mitigationTimeouts: [10, 60, 120, 300, 600, 3600, 86400], expressionFields: "any", characteristics: "any", countingExpression: true },
  },
};

/** The cheapest plan (in order free → enterprise) for which `allowed` holds; for "raise the plan" hints. */
export function cheapestPlan(allowed: (l: PlanLimits) => boolean): CloudflarePlan | undefined {
  return (Object.keys(PLAN_LIMITS) as CloudflarePlan[]).find((p) => allowed(PLAN_LIMITS[p]));
}
