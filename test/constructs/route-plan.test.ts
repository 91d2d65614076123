import { BASE_FIRST_PRIORITY, MAX_ROUTE_VALUES, PREVIEW_FIRST_PRIORITY, planRoutes, previewSlots, RouteConflictError } from "../../lib/compute/route-plan";

const owner = { kind: "owner" } as const;
const preview = (prNumber: number) => ({ kind: "preview", prNumber }) as const;
const api = { service: "api", pathPatterns: ["/api/*"] };
const backend = { service: "backend", pathPatterns: ["/backend/*"] };
const web = { service: "web" };

describe("planRoutes: priorities derived from the declaration", () => {
  test("the owner's rules sit at the bottom band in declaration order", () => {
    expect(planRoutes([backend, web], owner).map((r) => [r.service, r.priority])).toEqual([["backend", 49000], ["web", 49001]]);
    expect(planRoutes([api, backend, web], owner).map((r) => r.priority)).toEqual([BASE_FIRST_PRIORITY, BASE_FIRST_PRIORITY + 1, BASE_FIRST_PRIORITY + 2]);
  });

  test("a preview gets one block per PR before the owner's band; pr-42 keeps today's 94/95", () => {
    expect(planRoutes([backend, web], preview(42)).map((r) => r.priority)).toEqual([94, 95]);
    const three = planRoutes([api, backend, web], preview(7)).map((r) => r.priority);
    expect(three).toEqual([PREVIEW_FIRST_PRIORITY + 21, PREVIEW_FIRST_PRIORITY + 22, PREVIEW_FIRST_PRIORITY + 23]);
    for (const pr of [1, 999, 99999]) for (const r of planRoutes([api, backend, web], preview(pr))) expect(r.priority).toBeLessThan(BASE_FIRST_PRIORITY);
  });

  test("two open previews never share a priority unless their numbers differ by a multiple of the slots", () => {
    const taken = new Map<number, number>();
    for (let pr = 1; pr <= 2000; pr++)
      for (const r of planRoutes([api, backend, web], preview(pr))) {
        expect(taken.get(r.priority)).toBeUndefined();
        taken.set(r.priority, pr);
      }
    const slots = previewSlots(3);
    expect(planRoutes([api, backend, web], preview(5))[0]!.priority).toBe(planRoutes([api, backend, web], preview(5 + slots))[0]!.priority);
  });

  test("an explicit priority in the owner's band is kept; previews derive theirs", () => {
    expect(planRoutes([backend, { ...web, priority: 49500 }], owner).map((r) => r.priority)).toEqual([49000, 49500]);
    expect(planRoutes([backend, { ...web, priority: 49500 }], preview(3)).map((r) => r.priority)).toEqual([16, 17]);
  });
});

describe("planRoutes: conflicts fail naming both services and the fix", () => {
  const fails = (routes: Parameters<typeof planRoutes>[0], message: RegExp) => expect(() => planRoutes(routes, owner)).toThrow(message);

  test("the same path on the same host", () => {
    fails([backend, { service: "admin", pathPatterns: ["/backend/*"] }, web], /services "backend" and "admin" both claim path \/backend\/\* on any host; keep the path in one of them/);
  });
  test("two catch-alls", () => {
    fails([web, { service: "site" }], /services "web" and "site" both claim every path on any host; give one of them path patterns or a host/);
  });
  test("a catch-all declared before a narrower route", () => {
    fails([web, backend], /service "web" is a catch-all evaluated before "backend", so "backend" would never receive traffic on any host; declare "backend" before "web"/);
  });
  test("a wildcard that swallows a later route's paths", () => {
    fails([backend, { service: "admin", pathPatterns: ["/backend/admin/*"] }, web], /service "backend" \(\/backend\/\*\) matches every path of "admin" \(\/backend\/admin\/\*\) first.*declare "admin" before "backend"/);
  });
  test("an explicit priority that reorders a catch-all above a narrower route", () => {
    fails([backend, { ...web, priority: 49000 }], /both have listener priority 49000/);
    fails([{ ...backend, priority: 49900 }, web], /"web" is a catch-all evaluated before "backend"/);
  });
  test("an explicit priority outside the owner's band", () => {
    fails([{ ...backend, priority: 100 }, web], /priority 100 must be a whole number from 49000 to 50000 \(previews use 10–48999\)/);
  });
  test("too many condition values for one ALB rule", () => {
    fails([{ service: "api", pathPatterns: ["/a/*", "/b/*", "/c/*"], hosts: ["api.example.com"] }, web], new RegExp(`4 path patterns and hosts.*at most ${MAX_ROUTE_VALUES}`));
  });
  test("a path that does not start with /", () => {
    fails([{ service: "api", pathPatterns: ["api/*"] }, web], /path pattern "api\/\*" must start with \//);
  });

  test("different hosts do not conflict, and the error type names the service", () => {
    expect(() => planRoutes([{ service: "docs", hosts: ["docs.example.com"] }, web], owner)).not.toThrow();
    try {
      planRoutes([web, backend], owner);
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
