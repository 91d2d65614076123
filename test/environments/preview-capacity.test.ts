/** The open-preview cap derived from staging's ALB quotas: default, config validation, and the synth-time check. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildApp } from "../../app";
import { EnvironmentConfigError, ephemeral, parseOpenPreviews, previewCapacity, prod, resolveEnvironments, staging, type EnvironmentConfig } from "../../environments";
import { OFFLINE, environmentProblems, resources, synthEnv, withEnv } from "../helpers";

const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (e) {
    if (e instanceof EnvironmentConfigError) return [...e.problems];
    throw e;
  }
  throw new Error("expected an EnvironmentConfigError");
};

/** staging with `n` HTTP services (copies of web, each on its own path). */
function withHttpServices(n: number): EnvironmentConfig {
  const web = staging.services.web!;
  const extra = Object.fromEntries(Array.from({ length: n - 2 }, (_, i) => [`app${i}`, { ...web, repository: "web", route: { paths: [`/app${i}/*`] } }]));
  return { ...staging, services: { backend: staging.services.backend!, ...extra, web } } as EnvironmentConfig;
}

describe("previewCapacity: the default from the ALB quotas", () => {
  test("staging (2 HTTP services): 49 previews, bound by the 100 target groups per ALB", () => {
    expect(previewCapacity(staging)).toMatchObject({
      base: "staging",
      maxOpen: 49,
      limit: 49,
      binding: "target groups",
      perPreview: { listenerRules: 2, targetGroups: 2 },
      baseUse: { listenerRules: 2, targetGroups: 2 },
      quotas: { listenerRules: 100, targetGroups: 100 },
      ecrKeepImages: 490,
      reason: "100 target groups per ALB, not adjustable; staging uses 2 and each preview adds 2",
    });
  });

  test("the counts are what the stacks create: one listener rule and one target group per HTTP service", () => {
    const cap = previewCapacity(staging);
    const base = synthEnv(staging);
    const preview = synthEnv(ephemeral(42));
    expect(resources(base, "aws_lb_listener_rule").length).toBe(cap.baseUse.listenerRules);
    expect(resources(base, "aws_lb_target_group").length).toBe(cap.baseUse.targetGroups);
    expect(resources(preview, "aws_lb_listener_rule").length).toBe(cap.perPreview.listenerRules);
    expect(resources(preview, "aws_lb_target_group").length).toBe(cap.perPreview.targetGroups);
    // staging + 49 previews fill the 100 target groups exactly; a 50th would be the 101st and 102nd.
    expect(cap.baseUse.targetGroups + cap.maxOpen * cap.perPreview.targetGroups).toBeLessThanOrEqual(100);
    expect(cap.baseUse.targetGroups + (cap.maxOpen + 1) * cap.perPreview.targetGroups).toBeGreaterThan(100);
  });

  test("more HTTP services, fewer previews: 3 → 32, 5 → 19", () => {
    expect(previewCapacity(withHttpServices(3))).toMatchObject({ limit: 32, maxOpen: 32, perPreview: { targetGroups: 3 } });
    expect(previewCapacity(withHttpServices(5))).toMatchObject({ limit: 19, maxOpen: 19 });
  });

  test("a configured maxOpen below the limit is the cap; ecrKeepImages follows it", () => {
    expect(previewCapacity(withEnv(staging, { previews: { maxOpen: 5 } }))).toMatchObject({ maxOpen: 5, limit: 49, ecrKeepImages: 50 });
    expect(previewCapacity(withEnv(staging, { previews: { maxOpen: 1 } })).ecrKeepImages).toBe(10);
    expect(previewCapacity(withEnv(staging, { previews: { ecrKeepImages: 700 } })).ecrKeepImages).toBe(700);
  });
});

describe("previews config is validated at synth", () => {
  test("a maxOpen above what the ALB fits names environment, field, value, the limit and the fix", () => {
    expect(environmentProblems(withEnv(staging, { previews: { maxOpen: 60 } }))).toEqual([
      "staging.previews.maxOpen 60 is above the 49 previews staging's ALB fits (100 target groups per ALB, not adjustable; staging uses 2 and each preview adds 2); set it to 49 or less, or leave it out for 49",
    ]);
    expect(environmentProblems(withEnv(staging, { previews: { maxOpen: 49 } }))).toEqual([]);
  });

  test("a raised rules quota does not lift the target-group bound", () => {
    expect(environmentProblems(withEnv(staging, { previews: { maxOpen: 60, albRulesQuota: 200 } }))).toEqual([expect.stringContaining("staging.previews.maxOpen 60 is above the 49 previews")]);
    expect(environmentProblems(withEnv(staging, { previews: { albRulesQuota: 99 } }))).toEqual([expect.stringContaining("staging.previews.albRulesQuota 99 must be at least 100 (the AWS default)")]);
  });

  test("ecrKeepImages below one image per open preview is refused", () => {
    expect(environmentProblems(withEnv(staging, { previews: { ecrKeepImages: 20 } }))).toEqual([
      "staging.previews.ecrKeepImages 20 keeps fewer images than the 49 previews that may be open (one running image each); raise it to 49 or more, or leave it out for 490",
    ]);
  });

  test("only the preview base sets previews", () => {
    expect(environmentProblems(withEnv(prod, { previews: { maxOpen: 3 } }))).toEqual([
      'prod.previews {"maxOpen":3} is set on prod, but previews borrow staging\'s ALB; set it in environments/staging.ts and remove it here',
    ]);
  });

  test("a declared repository may not end in -previews (the preview repositories' names)", () => {
    const services = { ...staging.services, web: { ...staging.services.web!, repository: "web-previews" } } as EnvironmentConfig["services"];
    expect(environmentProblems({ ...staging, services })).toEqual([expect.stringMatching(/^staging\.services\.web\.repository "web-previews" ends in "-previews", which names the preview repositories .* rename it, e.g. "web-images"$/)]);
  });
});

describe("opening one more preview must fit the cap", () => {
  test("48 others open: pr-57 builds; 49: an error naming the limit and the fix", () => {
    expect(resolveEnvironments(57, undefined, 48).map((e) => e.name)).toEqual(["prod", "staging", "pr-57"]);
    expect(problemsOf(() => resolveEnvironments(57, undefined, 49))).toEqual([
      "pr-57: 49 other previews are open and staging's ALB fits 49 (100 target groups per ALB, not adjustable; staging uses 2 and each preview adds 2): close a PR or run `npm run previews:sweep -- --apply` to destroy the previews of closed PRs, then retry",
    ]);
  });

  test("a configured maxOpen is named as such", () => {
    const base = { prod, staging: withEnv(staging, { previews: { maxOpen: 3 } }) };
    expect(problemsOf(() => resolveEnvironments(7, base, 3))).toEqual([expect.stringMatching(/^pr-7: 3 other previews are open and staging's previews\.maxOpen is 3 \(the ALB fits 49: 100 target groups per ALB/)]);
    expect(resolveEnvironments(7, base, 2)).toHaveLength(3);
  });

  test("buildApp throws before any output is written; without openPreviews nothing is counted", () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "shipkit-cap-"));
    expect(() => buildApp({ prNumber: 57, openPreviews: 49, deployment: OFFLINE, outdir })).toThrow(/pr-57: 49 other previews are open and staging's ALB fits 49/);
    expect(fs.readdirSync(outdir)).toEqual([]);
    expect(buildApp({ prNumber: 57, deployment: OFFLINE, outdir }).stacks.map((s) => s.name)).toContain("pr-57");
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  test("SHIPKIT_OPEN_PREVIEWS: a whole number of 0 or more, else an error naming the variable", () => {
    expect(parseOpenPreviews(undefined)).toBeUndefined();
    expect(parseOpenPreviews(" ")).toBeUndefined();
    expect(parseOpenPreviews("0")).toBe(0);
    expect(parseOpenPreviews("12")).toBe(12);
    for (const raw of ["-1", "1.5", "abc", "3 previews"])
      expect(problemsOf(() => parseOpenPreviews(raw))).toEqual([`SHIPKIT_OPEN_PREVIEWS ${JSON.stringify(raw)} is not a count of open previews; use a whole number of 0 or more (the previews open besides this one), e.g. SHIPKIT_OPEN_PREVIEWS=3, or unset it to skip the open-preview cap`]);
  });
});
