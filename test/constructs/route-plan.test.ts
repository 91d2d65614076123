import { CATCH_ALL_FIRST_PRIORITY, hashedPriority, MAX_PRIORITY, MAX_ROUTE_VALUES, OWNER_FIRST_PRIORITY, PREVIEW_BLOCK, PREVIEW_FIRST_PRIORITY, planRoutes, previewSlots, RouteConflictError } from "../../lib/compute/route-plan";

const owner = { kind: "owner" } as const;
const preview = (prNumber: number) => ({ kind: "preview", prNumber }) as const;
const api = { service: "api", pathPatterns: ["/api/*"] };
const backend = { service: "backend", pathPatterns: ["/backend/*"] };
const web = { service: "web" };
const byService = (routes: ReturnType<typeof planRoutes>) => Object.fromEntries(routes.map((r) => [r.service, r.priority]));

describe("planRoutes: stable priorities for the listener's owner", () => {
  test("path and host routes get a slot from their name; the catch-all the top of the band", () => {
    const p = byService(planRoutes([backend, web], owner));
    expect(p.web).toBe(MAX_PRIORITY);
    expect(p.backend).toBe(hashedPriority("backend"));
    expect(p.backend).toBeGreaterThanOrEqual(OWNER_FIRST_PRIORITY);
    expect(p.backend).toBeLessThan(CATCH_ALL_FIRST_PRIORITY);
  });

  test("adding or removing a service moves no other service's priority (AWS replaces a rule whose priority changes)", () => {
    const before = byService(planRoutes([backend, web], owner));
    const added = byService(planRoutes([api, backend, { service: "admin", pathPatterns: ["/admin/*"] }, web], owner));
    expect(added.backend).toBe(before.backend);
    expect(added.web).toBe(before.web);
    expect(byService(planRoutes([api, web], owner)).api).toBe(added.api);
  });

  test("several catch-alls on different hosts count down from the top in declaration order", () => {
    const p = byService(planRoutes([{ service: "docs", hosts: ["docs.example.com"] }, { service: "site", hosts: ["site.example.com"] }, web], owner));
    expect(p.web).toBe(MAX_PRIORITY);
    expect(p.docs).toBe(hashedPriority("docs"));
  });

  test("an explicit priority in the owner's band is kept; previews derive theirs", () => {
    expect(byService(planRoutes([{ ...backend, priority: 49000 }, { ...web, priority: 49001 }], owner))).toEqual({ backend: 49000, web: 49001 });
    expect(planRoutes([{ ...backend, priority: 49000 }, { ...web, priority: 49001 }], preview(3)).map((r) => r.priority)).toEqual([34, 35]);
  });
});

describe("planRoutes: previews", () => {
  test("a fixed block per PR before the owner's band, services in declaration order", () => {
    expect(planRoutes([backend, web], preview(42)).map((r) => r.priority)).toEqual([PREVIEW_FIRST_PRIORITY + PREVIEW_BLOCK * 42, PREVIEW_FIRST_PRIORITY + PREVIEW_BLOCK * 42 + 1]);
    for (const pr of [1, 999, 99999]) for (const r of planRoutes([api, backend, web], preview(pr))) expect(r.priority).toBeLessThan(OWNER_FIRST_PRIORITY);
  });

  test("open previews never share a priority, whatever their service counts, unless their numbers differ by a multiple of the slots", () => {
    const taken = new Map<number, number>();
    for (let pr = 1; pr <= 3000; pr++) {
      const routes = pr % 2 ? [api, backend, web] : [backend, web];
      for (const r of planRoutes(routes, preview(pr))) {
        expect(taken.get(r.priority)).toBeUndefined();
        taken.set(r.priority, pr);
      }
    }
    expect(planRoutes([backend, web], preview(5))[0]!.priority).toBe(planRoutes([backend, web], preview(5 + previewSlots()))[0]!.priority);
  });

  test("at most one block of HTTP services", () => {
    const many = Array.from({ length: PREVIEW_BLOCK + 1 }, (_, i) => ({ service: `s${i}`, pathPatterns: [`/s${i}/*`] }));
    expect(() => planRoutes(many, preview(1))).toThrow(new RegExp(`a preview takes at most ${PREVIEW_BLOCK} HTTP services`));
  });
});

describe("planRoutes: conflicts fail naming both services and the fix", () => {
  const fails = (routes: Parameters<typeof planRoutes>[0], message: RegExp, placement: Parameters<typeof planRoutes>[1] = owner) => expect(() => planRoutes(routes, placement)).toThrow(message);

  test("the same path on the same host", () => {
    fails([backend, { service: "admin", pathPatterns: ["/backend/*"] }, web], /services "(backend|admin)" and "(backend|admin)" both claim path \/backend\/\* on any host; keep the path in one of them/);
  });
  test("two catch-alls", () => {
    fails([web, { service: "site" }], /services "(web|site)" and "(web|site)" both claim every path on any host; give one of them path patterns or a host/);
  });
  test("a catch-all declared before a narrower route, in a preview", () => {
    fails([web, backend], /service "web" is a catch-all evaluated before "backend", so "backend" would never receive traffic on any host; declare "backend" before "web"/, preview(1));
  });
  test("a wildcard that swallows another route's paths", () => {
    const admin = { service: "admin", pathPatterns: ["/backend/admin/*"] };
    fails([backend, admin, web], /service "backend" \(\/backend\/\*\) matches every path of "admin" \(\/backend\/admin\/\*\) first.*declare "admin" before "backend"/, preview(1));
    // For the owner the order comes from the slots: the fix names a priority.
    fails([{ ...backend, priority: 40000 }, admin, web], /matches every path of "admin".*give "admin" a route.priority below 40000/);
  });
  test("an explicit priority that puts a catch-all first, or clashes", () => {
    fails([backend, { ...web, priority: 40000 }], /"web" is a catch-all evaluated before "backend".*give "backend" a route.priority below 40000/);
    fails([{ ...backend, priority: 49500 }, { ...api, priority: 49500 }, web], /services "backend" and "api" both have listener priority 49500; set route.priority on one of them/);
  });
  test("an explicit priority outside the owner's band", () => {
    fails([{ ...backend, priority: 100 }, web], /priority 100 must be a whole number from 40000 to 50000 \(previews use 10–39999\)/);
  });
  test("too many condition values for one ALB rule", () => {
    fails([{ service: "api", pathPatterns: ["/a/*", "/b/*", "/c/*"], hosts: ["api.example.com"] }, web], new RegExp(`4 path patterns and hosts.*at most ${MAX_ROUTE_VALUES}`));
  });

  test("a route without hosts counts the environment's host it is bound to: 3 paths and no host is one value too many", () => {
    fails([{ service: "api", pathPatterns: ["/a/*", "/b/*", "/c/*"] }, web], /4 path patterns and hosts \(a route without hosts is bound to the environment's host\)/);
    expect(planRoutes([{ service: "api", pathPatterns: ["/a/*", "/b/*"] }, web], owner)).toHaveLength(2);
  });
  test("a path that does not start with /", () => {
    fails([{ service: "api", pathPatterns: ["api/*"] }, web], /path pattern "api\/\*" must start with \//);
  });

  test("different hosts do not conflict, and the error type names the service", () => {
    expect(() => planRoutes([{ service: "docs", hosts: ["docs.example.com"] }, web], owner)).not.toThrow();
    try {
      planRoutes([web, backend], preview(1));
      throw new Error("expected a conflict");
    } catch (e) {
      expect(e).toBeInstanceOf(RouteConflictError);
      expect((e as RouteConflictError).service).toBe("backend");
    }
  });

  test("previews put every service on one host, so host-split services conflict there", () => {
    const docs = { service: "docs", hosts: ["pr-1-staging.example.com"] };
    const site = { service: "site", hosts: ["pr-1-staging.example.com"] };
    expect(() => planRoutes([docs, site], preview(1))).toThrow(/services "docs" and "site" both claim every path on host pr-1-staging.example.com/);
  });
});
