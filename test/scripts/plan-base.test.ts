/**
 * The offline plan of a change against its base, on real plans: staging's base state is built from
 * its own plan and converged (scripts/lib/base-state.ts), then changed heads are planned against it
 * with `-refresh=false` by the real terraform and AWS provider. Terraform decides update, replace or
 * destroy; the review and the PR comment say it.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildApp } from "../../app";
import { prod, staging } from "../../environments";
import type { EnvironmentConfig } from "../../environments/types";
import { convergeBaseState, checkoutBase, planAgainstBase, synthBase } from "../../scripts/lib/base-state";
import { findProviderMirror, requireTerraform, seedOfflineUpstreams, terraformEnv, writeCliConfig, type PlanSummary } from "../../scripts/lib/offline";
import { EXIT, exitCodeOf, GITHUB_COMMENT_LIMIT, renderMarkdown, type StackReport } from "../../scripts/lib/plan-report";
import { isNoChange } from "../../scripts/lib/plan-review";
import { withEnv } from "../helpers";

const ROOT = path.resolve(__dirname, "../..");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "shipkit-base-"));
const stateDir = path.join(work, "state");
let env: NodeJS.ProcessEnv;
let baseState = "";
let passes = 0;

/** Synthesizes the app with `stagingEnv` and plans its staging stack against the converged base state. */
async function planHead(name: string, stagingEnv: EnvironmentConfig, text = false): Promise<PlanSummary> {
  const outdir = path.join(work, `head-${name}`);
  const { app } = buildApp({ deployment: { mode: "offline", stateDir }, outdir, environments: { prod, staging: stagingEnv } });
  app.synth();
  return planAgainstBase("staging", path.join(outdir, "stacks", "staging"), baseState, env, { workDir: path.join(work, "heads", name), text });
}

const changed = (s: PlanSummary) => (s.plan?.resource_changes ?? []).filter((r) => r.mode === "managed" && r.change.actions.join() !== "no-op");
const report = (s: PlanSummary): StackReport => ({ summary: s, tier: "standard", against: "base", suppressions: [] });

beforeAll(async () => {
  env = terraformEnv(writeCliConfig(findProviderMirror(process.env.SHIPKIT_PROVIDER_MIRROR), work), process.env);
  requireTerraform(env);
  const outdir = path.join(work, "base");
  const { app, stacks } = buildApp({ deployment: { mode: "offline", stateDir }, outdir });
  app.synth();
  seedOfflineUpstreams(stateDir, stacks.map((s) => s.env));
  const r = await convergeBaseState("staging", path.join(outdir, "stacks", "staging"), env, { cacheDir: path.join(work, "cache") });
  baseState = r.stateFile;
  passes = r.passes;
}, 300_000);

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe("offline plan against a base", () => {
  test("the base state converges: a plan of the base against it has no changes", () => {
    expect(passes).toBeGreaterThan(1);
    const state = JSON.parse(fs.readFileSync(baseState, "utf8")) as { resources: { type: string }[] };
    expect(state.resources.some((r) => r.type === "aws_db_instance")).toBe(true);
  });

  test("an unchanged head plans to no changes", async () => {
    const s = await planHead("same", staging);
    expect(s.error ?? "").toBe("");
    expect(isNoChange(s.review!)).toBe(true);
  });

  test("restoring the database from a snapshot is a flagged stateful replace: exit 3 unless allowed, risks first in the comment", async () => {
    const s = await planHead("db", withEnv(staging, { database: { restoreFrom: { snapshot: "staging-scrubbed-2026-11-01" } } }), true);
    expect(s.error ?? "").toBe("");
    const db = changed(s).find((r) => r.type === "aws_db_instance")!;
    expect(db.change.actions).toEqual(["delete", "create"]);
    expect(s.review!.risks[0]).toEqual(expect.objectContaining({ kind: "stateful-replace", address: db.address, blocking: true }));
    expect(s.review!.risks[0]!.detail).toContain("snapshot_identifier");
    expect(exitCodeOf([report(s)], { allowStateful: false })).toBe(EXIT.riskNotAllowed);
    expect(exitCodeOf([report(s)], { allowStateful: true })).toBe(EXIT.ok);

    const blocked = renderMarkdown([report(s)], { allowStateful: false });
    expect(blocked).toContain("**Blocked: 1 stateful risk.**");
    expect(blocked.indexOf("stateful-replace")).toBeLessThan(blocked.indexOf("#### Summary"));
    expect(blocked).toContain("```text\n");
    expect(blocked).toContain("must be replaced");
    expect(Buffer.byteLength(blocked)).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(renderMarkdown([report(s)], { allowStateful: true })).toContain("**1 stateful risk, allowed** (label `allow-stateful-change`)");
  });

  test("raising the WAF rate limit is one in-place update of the web ACL and nothing else", async () => {
    const s = await planHead("waf", withEnv(staging, { app: { waf: { authRateLimitPer5Minutes: 600, authPathPrefix: "/backend/auth/" } } }));
    expect(s.error ?? "").toBe("");
    expect(changed(s).map((r) => [r.type, r.change.actions.join("/")])).toEqual([["aws_wafv2_web_acl", "update"]]);
    expect(s.review!.risks).toEqual([]);
  });

  test("a new service is adds only: its resources are created, nothing is replaced or destroyed, and only the shared views of it are updated", async () => {
    const services = { ...staging.services, "report-worker": { kind: "worker", repository: "backend", command: ["npm", "run", "worker"], size: { cpu: 256, memoryMiB: 512, minTasks: 1, maxTasks: 4 }, database: "read", uploads: "none" } };
    const s = await planHead("svc", { ...staging, services } as EnvironmentConfig);
    expect(s.error ?? "").toBe("");
    const { counts } = s.review!;
    expect(counts.add).toBeGreaterThan(5);
    expect([counts.replace, counts.destroy]).toEqual([0, 0]);
    const creates = changed(s).filter((r) => r.change.actions.join() === "create");
    expect(creates.every((r) => r.address.includes("report-worker"))).toBe(true);
    // The dashboard and the saved log queries list every service's log group: they grow in place.
    const updated = new Set(changed(s).filter((r) => r.change.actions.join() === "update").map((r) => r.type));
    expect([...updated].sort()).toEqual(["aws_cloudwatch_dashboard", "aws_cloudwatch_query_definition"]);
    expect(s.review!.risks.filter((x) => x.blocking)).toEqual([]);
    expect(s.review!.risks.some((x) => x.kind === "iam-widening" && x.address.includes("report-worker"))).toBe(true);
  });
});

describe("the base revision", () => {
  test("is exported from git and synthesized with its own code into its own folder", () => {
    const checkout = checkoutBase(ROOT, "HEAD", path.join(work, "checkouts"));
    expect(checkout.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(fs.existsSync(path.join(checkout.dir, "main.ts"))).toBe(true);
    const outdir = path.join(work, "checkouts", "out");
    synthBase(checkout, { outdir, stateDir, prNumber: 7, env });
    expect(fs.existsSync(path.join(outdir, "stacks", "pr-7", "cdk.tf.json"))).toBe(true);
    expect(fs.existsSync(path.join(ROOT, "cdktf.out", "stacks", "pr-7"))).toBe(false);
  });

  test("a ref that is not a commit is refused naming it", () => {
    expect(() => checkoutBase(ROOT, "no-such-ref-xyz", path.join(work, "checkouts"))).toThrow(/--base no-such-ref-xyz: not a commit/);
  });
});

describe("placeholders for what only apply knows", () => {
  const rc = { address: "aws_db_instance.db", type: "aws_db_instance", name: "db" };
  const ctx = { region: "us-east-1", accountId: "123456789012" };
  test("a computed list of objects gets one element, so `[0].attr` references plan (an RDS-managed master_user_secret)", async () => {
    const { placeholder } = await import("../../scripts/lib/base-state");
    const secret = placeholder(["list", ["object", { secret_arn: "string", secret_status: "string", kms_key_id: "string" }]], "master_user_secret", rc, ctx, "master_user_secret") as Record<string, unknown>[];
    expect(secret).toHaveLength(1);
    expect(secret[0]!.secret_arn).toMatch(/^arn:aws:db:us-east-1:123456789012:/);
    expect(placeholder(["list", "string"], "tags_list", rc, ctx, "x")).toEqual([]);
    expect(placeholder("string", "id", { address: "aws_vpc.v", type: "aws_vpc", name: "v" }, ctx, "id")).toMatch(/^vpc-[0-9a-f]{17}$/);
  });
});
