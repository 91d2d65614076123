/**
 * Real `terraform plan` of every AWS stack of every environment (prod, staging, pr-42), offline,
 * with the real AWS provider 5.100.0 from the machine's mirror. Fails, never skips, without
 * terraform or the mirror.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildApp } from "../../app";
import { findProviderMirror, planStack, pool, requireTerraform, seedOfflineUpstreams, terraformEnv, writeCliConfig, type PlanSummary } from "../../scripts/lib/offline";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "shipkit-plan-"));
const stateDir = path.join(work, "state");
const outdir = path.join(work, "out");
let summaries: Record<string, PlanSummary> = {};

beforeAll(async () => {
  const env = terraformEnv(writeCliConfig(findProviderMirror(process.env.SHIPKIT_PROVIDER_MIRROR), work), process.env);
  requireTerraform(env);
  const { app, stacks } = buildApp({ prNumber: 42, deployment: { mode: "offline", stateDir }, outdir });
  app.synth();
  seedOfflineUpstreams(stateDir, stacks.map((s) => s.env));
  // Only AWS stacks can be planned offline; Cloudflare stacks are covered by test/edge/*.
  const aws = stacks.filter((s) => s.provider === "aws");
  const results = await pool(aws.map((s) => () => planStack(s.name, path.join(outdir, "stacks", s.name), env, { review: "counts" })), 2);
  summaries = Object.fromEntries(results.map((r) => [r.stack, r]));
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe("offline terraform plan", () => {
  test.each(["prod", "staging", "pr-42"])("%s plans with the real AWS provider", (stack) => {
    const s = summaries[stack];
    expect(s?.error ?? "").toBe("");
    expect(s?.ok).toBe(true);
    expect(s!.counts.add).toBeGreaterThan(0);
    expect(s!.counts.destroy).toBe(0);
  });

  test("prod plans three NAT gateways and staging one", () => {
    expect(summaries.prod!.toAdd.aws_nat_gateway).toBe(3);
    expect(summaries.staging!.toAdd.aws_nat_gateway).toBe(1);
  });

  test("databases: prod a primary and a replica with AWS Backup; staging one instance, no backup plan", () => {
    expect(summaries.prod!.toAdd).toMatchObject({ aws_db_instance: 2, aws_db_parameter_group: 2, aws_backup_plan: 1, aws_backup_selection: 1 });
    expect(summaries.staging!.toAdd.aws_db_instance).toBe(1);
    expect(summaries.staging!.toAdd.aws_backup_plan).toBeUndefined();
  });

  test("pr-42 plans db-init/db-drop against staging's instance, owning no instance", () => {
    expect(summaries["pr-42"]!.toAdd.aws_db_instance).toBeUndefined();
    expect(summaries["pr-42"]!.toAdd.aws_ecs_task_definition).toBeGreaterThanOrEqual(2);
  });

  test("the preview plan resolves staging's VPC from the seeded state and creates no network", () => {
    expect(summaries["pr-42"]!.toAdd.aws_vpc).toBeUndefined();
    expect(summaries["pr-42"]!.toAdd.aws_security_group).toBe(1);
  });
});
