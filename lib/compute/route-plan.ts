/**
 * Listener-rule priorities for the HTTP services on one (possibly shared) HTTPS listener, derived
 * from the order services are declared in, never chosen by hand, and checked for conflicts before
 * anything is synthesized.
 *
 * Priority bands of a listener (lower is evaluated first):
 * - previews: `PREVIEW_FIRST_PRIORITY` … `BASE_FIRST_PRIORITY - 1`, one block of `n` consecutive
 *   priorities per pull request (`n` = its HTTP services), at block `pr mod slots`: host-specific
 *   rules always sit before the base environment's, and two open PRs collide only when their
 *   numbers differ by a multiple of `slots` (AWS then refuses the duplicate at apply; nothing misroutes);
 * - the environment that owns the listener: `BASE_FIRST_PRIORITY + i` for its i-th HTTP service,
 *   or an explicit priority inside that band.
 *
 * Tested via: test/constructs/route-plan.test.ts
 */

/** First priority of the owning environment's band (its first declared HTTP service). */
export const BASE_FIRST_PRIORITY = 49000;

/** Highest listener-rule priority ALB accepts. */
export const MAX_PRIORITY = 50000;

/** First priority previews use. */
export const PREVIEW_FIRST_PRIORITY = 10;

/**
 * Path patterns plus host values one rule may carry next to the origin-verify header (which takes
 * up to 2 of ALB's 5 condition values per rule: the current and the previous secret during rotation).
 * Elastic Load Balancing User Guide, "Quotas for your Application Load Balancers": "Condition values
 * per rule: 5"; a rule with more is refused by CreateRule, which `terraform plan` does not check.
 */
export const MAX_ROUTE_VALUES = 3;

/** One HTTP service's route, in declaration order. */
export interface RouteDeclaration {
  /** Service name, quoted in errors. */
  readonly service: string;
  /** Path patterns, e.g. `["/backend/*"]`. @default every path (a catch-all) */
  readonly pathPatterns?: readonly string[];
  /** Host header values the route is limited to. @default any host */
  readonly hosts?: readonly string[];
  /** Explicit priority (owning environment only, within BASE_FIRST_PRIORITY–MAX_PRIORITY). @default derived from the declaration order */
  readonly priority?: number;
}

/** A route with its listener-rule priority. */
export interface PlannedRoute extends RouteDeclaration {
  /** Listener rule priority, unique on the listener. */
  readonly priority: number;
}

/** Where the routes live: the listener's owner, or a preview borrowing it. */
export type RoutePlacement = { readonly kind: "owner" } | { readonly kind: "preview"; readonly prNumber: number };

/** A route declaration that cannot work; the message names both services and the fix. */
export class RouteConflictError extends Error {
  constructor(
    /** The service the problem is reported on. */
    readonly service: string,
    message: string,
  ) {
    super(message);
    this.name = "RouteConflictError";
  }
}

const covers = (outer: readonly string[] | undefined, inner: readonly string[] | undefined) => outer === undefined || (inner !== undefined && inner.every((h) => outer.includes(h)));
const overlap = (a: readonly string[] | undefined, b: readonly string[] | undefined) => a === undefined || b === undefined || a.some((h) => b.includes(h));
const shadows = (p: string, q: string) => p === q || (p.endsWith("*") && q.startsWith(p.slice(0, -1)));
const hostText = (hosts: readonly string[] | undefined) => (hosts ? `host ${hosts.join(", ")}` : "any host");

/** Preview slots for `n` HTTP services per preview. */
export function previewSlots(n: number): number {
  return Math.floor((BASE_FIRST_PRIORITY - PREVIEW_FIRST_PRIORITY) / Math.max(n, 1));
}

/**
 * Priorities for `routes` (declaration order = evaluation order), after checking them:
 * - path patterns start with `/`; at most MAX_ROUTE_VALUES paths + hosts per route;
 * - no two services claim the same path (or both every path) on overlapping hosts;
 * - no route is unreachable: a catch-all, or a wildcard that matches all of a later route's
 *   paths, declared before it on the same hosts;
 * - explicit priorities are unique and inside the owner's band (previews ignore them).
 * Throws RouteConflictError on the first problem.
 */
export function planRoutes(routes: readonly RouteDeclaration[], placement: RoutePlacement): PlannedRoute[] {
  routes.forEach((r) => {
    const bad = r.pathPatterns?.find((p) => !p.startsWith("/"));
    if (bad !== undefined) throw new RouteConflictError(r.service, `service "${r.service}": path pattern ${JSON.stringify(bad)} must start with /, e.g. "/api/*"`);
    if (r.pathPatterns?.length === 0) throw new RouteConflictError(r.service, `service "${r.service}": pathPatterns is empty; leave it out for a catch-all or list at least one pattern`);
    const values = (r.pathPatterns?.length ?? 0) + (r.hosts?.length ?? 0);
    if (values > MAX_ROUTE_VALUES)
      throw new RouteConflictError(r.service, `service "${r.service}": ${values} path patterns and hosts, but an ALB rule takes 5 condition values and the origin-verify header needs 2; use at most ${MAX_ROUTE_VALUES} (e.g. one wildcard "/api/*" instead of several paths)`);
  });
  const priced = routes.map((r, i) => ({ ...r, priority: priorityOf(r, i, routes.length, placement) }));
  const seen = new Map<number, string>();
  for (const r of priced) {
    const other = seen.get(r.priority);
    if (other !== undefined) throw new RouteConflictError(r.service, `services "${other}" and "${r.service}" both have listener priority ${r.priority}; remove the explicit priority of one (derived priorities never collide)`);
    seen.set(r.priority, r.service);
  }
  const ordered = [...priced].sort((a, b) => a.priority - b.priority);
  ordered.forEach((later, j) => {
    for (const earlier of ordered.slice(0, j)) {
      // A later route stays reachable through any host the earlier one does not cover.
      if (!overlap(earlier.hosts, later.hosts) || !covers(earlier.hosts, later.hosts)) continue;
      const where = hostText(later.hosts ?? earlier.hosts);
      if (earlier.pathPatterns === undefined && later.pathPatterns === undefined)
        throw new RouteConflictError(later.service, `services "${earlier.service}" and "${later.service}" both claim every path on ${where}; give one of them path patterns or a host`);
      const same = later.pathPatterns?.find((q) => earlier.pathPatterns?.includes(q));
      if (same !== undefined)
        throw new RouteConflictError(later.service, `services "${earlier.service}" and "${later.service}" both claim path ${same} on ${where}; keep the path in one of them`);
      if (earlier.pathPatterns === undefined)
        throw new RouteConflictError(later.service, `service "${earlier.service}" is a catch-all evaluated before "${later.service}", so "${later.service}" would never receive traffic on ${where}; declare "${later.service}" before "${earlier.service}" (narrower routes first) or drop the explicit priority that reorders them`);
      const unreachable = later.pathPatterns?.every((q) => earlier.pathPatterns!.some((p) => shadows(p, q)));
      if (unreachable)
        throw new RouteConflictError(later.service, `service "${earlier.service}" (${earlier.pathPatterns!.join(", ")}) matches every path of "${later.service}" (${later.pathPatterns!.join(", ")}) first, so "${later.service}" would never receive traffic; declare "${later.service}" before "${earlier.service}"`);
    }
  });
  return priced;
}

function priorityOf(r: RouteDeclaration, index: number, count: number, placement: RoutePlacement): number {
  if (placement.kind === "preview") return PREVIEW_FIRST_PRIORITY + count * (placement.prNumber % previewSlots(count)) + index;
  if (r.priority === undefined) {
    const derived = BASE_FIRST_PRIORITY + index;
    if (derived > MAX_PRIORITY) throw new RouteConflictError(r.service, `service "${r.service}": more than ${MAX_PRIORITY - BASE_FIRST_PRIORITY + 1} HTTP services on one listener; split them across environments`);
    return derived;
  }
  if (!Number.isInteger(r.priority) || r.priority < BASE_FIRST_PRIORITY || r.priority > MAX_PRIORITY)
    throw new RouteConflictError(r.service, `service "${r.service}": priority ${r.priority} must be a whole number from ${BASE_FIRST_PRIORITY} to ${MAX_PRIORITY} (previews use ${PREVIEW_FIRST_PRIORITY}–${BASE_FIRST_PRIORITY - 1}); or leave it out to derive it from the declaration order`);
  return r.priority;
}
