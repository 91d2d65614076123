/**
 * Listener-rule priorities for the HTTP services on one (possibly shared) HTTPS listener, derived
 * from the declaration, never chosen by hand, stable when services are added or removed, and
 * checked for conflicts before anything is synthesized.
 *
 * Stability matters: AWS provider 5.x REPLACES a listener rule whose priority changes
 * (hashicorp/terraform-provider-aws#24811), leaving a moment with no rule, and a create at a
 * priority another rule is leaving fails with PriorityInUse. So a service's priority never depends
 * on the other services of the listener's owner.
 *
 * Priority bands of a listener (lower is evaluated first):
 * - previews: `PREVIEW_FIRST_PRIORITY` … `OWNER_FIRST_PRIORITY - 1`, a fixed block of
 *   `PREVIEW_BLOCK` priorities per pull request at block `pr mod previewSlots()`, its HTTP services
 *   in declaration order (at most PREVIEW_BLOCK): host-specific rules always sit before the owner's,
 *   and two open PRs collide only when their numbers differ by a multiple of the slots (AWS then
 *   refuses the duplicate at apply; nothing misroutes);
 * - the listener's owner: routes with paths or hosts at a slot from a hash of the service name in
 *   `OWNER_FIRST_PRIORITY` … `CATCH_ALL_FIRST_PRIORITY - 1`; catch-alls (no paths, no hosts) at the
 *   top, the last declared at MAX_PRIORITY; or an explicit priority in the owner's band.
 *
 * Tested via: test/constructs/route-plan.test.ts
 */

/** First priority of the listener owner's band. */
export const OWNER_FIRST_PRIORITY = 40000;

/** First priority of the owner's catch-all band (catch-alls count down from MAX_PRIORITY). */
export const CATCH_ALL_FIRST_PRIORITY = 49000;

/** Highest listener-rule priority ALB accepts. */
export const MAX_PRIORITY = 50000;

/** First priority previews use. */
export const PREVIEW_FIRST_PRIORITY = 10;

/** Priorities each preview owns: at most this many HTTP services per preview. */
export const PREVIEW_BLOCK = 8;

/**
 * Path patterns plus host values one rule may carry next to the origin-verify header (which takes
 * up to 2 of ALB's 5 condition values per rule: the current and the previous secret during rotation).
 * A route that declares no host still carries one: every rule is bound to its environment's host
 * (the caller adds it), so it counts as 1.
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
  /** Explicit priority (listener owner only, within OWNER_FIRST_PRIORITY–MAX_PRIORITY). @default derived: a hash slot, or the top for a catch-all */
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

/** Preview blocks that fit below the owner's band. */
export function previewSlots(): number {
  return Math.floor((OWNER_FIRST_PRIORITY - PREVIEW_FIRST_PRIORITY) / PREVIEW_BLOCK);
}

/** The owner's derived slot of a path or host route: FNV-1a of the service name into the band. */
export function hashedPriority(service: string): number {
  let h = 0x811c9dc5;
  for (const ch of service) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return OWNER_FIRST_PRIORITY + (h % (CATCH_ALL_FIRST_PRIORITY - OWNER_FIRST_PRIORITY));
}

/**
 * Priorities for `routes` (declaration order = evaluation order), after checking them:
 * - path patterns start with `/`; at most MAX_ROUTE_VALUES paths + hosts per route;
 * - no two services claim the same path (or both every path) where the earlier one's hosts cover
 *   the later one's (a later route stays reachable through hosts the earlier does not cover);
 * - no route is unreachable: a catch-all, or a wildcard that matches all of a later route's
 *   paths, declared before it on the same hosts;
 * - priorities are unique (explicit ones inside the owner's band; previews ignore them) and a
 *   preview has at most PREVIEW_BLOCK HTTP services.
 * Throws RouteConflictError on the first problem.
 */
export function planRoutes(routes: readonly RouteDeclaration[], placement: RoutePlacement): PlannedRoute[] {
  routes.forEach((r) => {
    const bad = r.pathPatterns?.find((p) => !p.startsWith("/"));
    if (bad !== undefined) throw new RouteConflictError(r.service, `service "${r.service}": path pattern ${JSON.stringify(bad)} must start with /, e.g. "/api/*"`);
    if (r.pathPatterns?.length === 0) throw new RouteConflictError(r.service, `service "${r.service}": pathPatterns is empty; leave it out for a catch-all or list at least one pattern`);
    // No declared host: the rule still carries the environment's host (host-bound routing).
    const values = (r.pathPatterns?.length ?? 0) + (r.hosts?.length ?? 1);
    if (values > MAX_ROUTE_VALUES)
      throw new RouteConflictError(r.service, `service "${r.service}": ${values} path patterns and hosts (a route without hosts is bound to the environment's host), but an ALB rule takes 5 condition values and the origin-verify header needs 2; use at most ${MAX_ROUTE_VALUES} (e.g. one wildcard "/api/*" instead of several paths)`);
  });
  if (placement.kind === "preview" && routes.length > PREVIEW_BLOCK)
    throw new RouteConflictError(routes[PREVIEW_BLOCK]!.service, `service "${routes[PREVIEW_BLOCK]!.service}": a preview takes at most ${PREVIEW_BLOCK} HTTP services (its block of listener priorities); route more paths through fewer services`);
  const catchAlls = routes.filter((r) => r.pathPatterns === undefined && r.hosts === undefined).map((r) => r.service);
  const priced = routes.map((r, i) => ({ ...r, priority: priorityOf(r, i, catchAlls, placement) }));
  const seen = new Map<number, string>();
  for (const r of priced) {
    const other = seen.get(r.priority);
    if (other !== undefined)
      throw new RouteConflictError(r.service, `services "${other}" and "${r.service}" both have listener priority ${r.priority}; set route.priority on one of them (${OWNER_FIRST_PRIORITY}–${CATCH_ALL_FIRST_PRIORITY - 1} for paths and hosts)`);
    seen.set(r.priority, r.service);
  }
  const fix = (later: PlannedRoute, earlier: PlannedRoute) =>
    placement.kind === "preview" ? `declare "${later.service}" before "${earlier.service}" (narrower routes first)` : `give "${later.service}" a route.priority below ${earlier.priority} or remove the explicit priority that puts "${earlier.service}" first`;
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
        throw new RouteConflictError(later.service, `service "${earlier.service}" is a catch-all evaluated before "${later.service}", so "${later.service}" would never receive traffic on ${where}; ${fix(later, earlier)}`);
      const unreachable = later.pathPatterns?.every((q) => earlier.pathPatterns!.some((p) => shadows(p, q)));
      if (unreachable)
        throw new RouteConflictError(later.service, `service "${earlier.service}" (${earlier.pathPatterns!.join(", ")}) matches every path of "${later.service}" (${later.pathPatterns!.join(", ")}) first, so "${later.service}" would never receive traffic; ${fix(later, earlier)}`);
    }
  });
  return priced;
}

function priorityOf(r: RouteDeclaration, index: number, catchAlls: readonly string[], placement: RoutePlacement): number {
  if (placement.kind === "preview") return PREVIEW_FIRST_PRIORITY + PREVIEW_BLOCK * (placement.prNumber % previewSlots()) + index;
  if (r.priority !== undefined) {
    if (!Number.isInteger(r.priority) || r.priority < OWNER_FIRST_PRIORITY || r.priority > MAX_PRIORITY)
      throw new RouteConflictError(r.service, `service "${r.service}": priority ${r.priority} must be a whole number from ${OWNER_FIRST_PRIORITY} to ${MAX_PRIORITY} (previews use ${PREVIEW_FIRST_PRIORITY}–${OWNER_FIRST_PRIORITY - 1}); or leave it out to derive it`);
    return r.priority;
  }
  const fromTop = catchAlls.length - 1 - catchAlls.indexOf(r.service);
  return fromTop < catchAlls.length && catchAlls.includes(r.service) ? MAX_PRIORITY - fromTop : hashedPriority(r.service);
}
