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

/**
 * What a zone's DNS records may carry on a plan. The API refuses a record that breaks one of these
 * at apply (e.g. error 9313 for a comment over the limit); `terraform plan` checks none of them.
 * Sources (read 2026-11):
 * - comments, tags, records per zone: Cloudflare's plan matrix `src/content/plans/index.json`
 *   (dns.record_comments, dns.record_tags, dns.record_management), rendered at
 *   https://developers.cloudflare.com/dns/manage-dns-records/reference/record-attributes/ and
 *   https://developers.cloudflare.com/dns/manage-dns-records/
 * - TTL: https://developers.cloudflare.com/dns/manage-dns-records/reference/ttl/ ("For DNS only
 *   records, you can choose a TTL between 30 seconds (Enterprise) or 60 seconds (non-Enterprise)
 *   and 1 day"); proxied records use 1 (Auto).
 */
export interface DnsLimits {
  /** Longest record `comment`, in characters (Free 100, paid 500; longer: API error 9313). */
  readonly commentMaxChars: number;
  /** Record tags (`name:value`); `undefined` = the plan has no tags (Free). */
  readonly tags?: {
    /** Tags per record. */
    readonly perRecord: number;
    /** Longest tag name (before the colon). */
    readonly nameMaxChars: number;
    /** Longest tag value (after the colon). */
    readonly valueMaxChars: number;
  };
  /**
   * Records per zone, all records of the zone counted (not only this kit's). Free: 200 for zones
   * created on or after 2024-09-01, 1,000 for older zones; the table holds the stricter 200.
   */
  readonly recordsPerZone: number;
  /** Smallest TTL (seconds) of a DNS-only record; 1 means "automatic" and is always accepted. */
  readonly minTtlSeconds: number;
  /** Largest TTL (seconds) of a DNS-only record (1 day). */
  readonly maxTtlSeconds: number;
}

export interface PlanLimits {
  /** What DNS records may carry (comment length, tags, records per zone, TTL range). */
  readonly dns: DnsLimits;
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

const PAID_TAGS = { perRecord: 20, nameMaxChars: 32, valueMaxChars: 100 } as const;
const dns = (commentMaxChars: number, recordsPerZone: number, minTtlSeconds: number, tags?: DnsLimits["tags"]): DnsLimits => ({ commentMaxChars, recordsPerZone, minTtlSeconds, maxTtlSeconds: 86400, ...(tags ? { tags } : {}) });

export const PLAN_LIMITS: Readonly<Record<CloudflarePlan, PlanLimits>> = {
  free: {
    dns: dns(100, 200, 60),
    rulesPerPhase: rules(10, 1, 5),
    regex: false,
    originOverrides: false,
    minEdgeTtlSeconds: 7200,
    rateLimit: { periods: [10], mitigationTimeouts: [10], expressionFields: RL_FREE_FIELDS, characteristics: ["ip.src"], countingExpression: false },
  },
  pro: {
    dns: dns(500, 3500, 60, PAID_TAGS),
    rulesPerPhase: rules(25, 2, 20),
    regex: false,
    originOverrides: false,
    minEdgeTtlSeconds: 3600,
    rateLimit: { periods: [10, 60], mitigationTimeouts: [10, 60, 120, 300, 600, 3600], expressionFields: RL_PRO_FIELDS, characteristics: ["ip.src"], countingExpression: false },
  },
  business: {
    dns: dns(500, 3500, 60, PAID_TAGS),
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
    // 3,500 records by default; Enterprise can have it raised (the table keeps the default).
    dns: dns(500, 3500, 30, PAID_TAGS),
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
