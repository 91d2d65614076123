/**
 * The main job: `npm run plan:offline`. Synthesizes every environment (prod, staging and the
 * preview pr-<PR_NUMBER>, default 42) in offline mode, plans every AWS stack with the real AWS
 * provider from the local mirror, and prints a short summary per stack. No AWS account needed.
 * Cloudflare stacks (edge-<zone>, <env>-dns) are synthesized and checked (scripts/lib/edge-checks.ts)
 * but not planned: there is no Cloudflare provider binary offline.
 * Exits non-zero if any stack fails to synth or plan.
 */
import * as path from "node:path";
import { buildApp } from "../app";
import { parsePrNumber } from "../environments";
import { runCli } from "./lib/run-cli";
import { TIER_POLICY } from "../lib/core/lifecycle";
import { appliedSuppressions, type AppliedSuppression } from "../lib/policy/suppressions";
import { checkCloudflareStacks, readStackJson } from "./lib/edge-checks";
import { findProviderMirror, planStack, pool, requireTerraform, seedOfflineUpstreams, terraformEnv, writeCliConfig, type PlanSummary } from "./lib/offline";

/** PR number used for the sample preview when PR_NUMBER is not set. */
const DEFAULT_PREVIEW_PR = 42;

async function main(): Promise<number> {
  const root = process.cwd();
  const offlineDir = path.join(root, ".offline");
  const stateDir = path.join(offlineDir, "state");
  const outdir = path.join(root, "cdktf.out");
  const prNumber = parsePrNumber(process.env.PR_NUMBER) ?? DEFAULT_PREVIEW_PR;

  const mirror = findProviderMirror(process.env.SHIPKIT_PROVIDER_MIRROR);
  const env = terraformEnv(writeCliConfig(mirror, offlineDir), process.env);
  const tfVersion = requireTerraform(env);

  const t0 = Date.now();
  const { app, stacks } = buildApp({ prNumber, deployment: { mode: "offline", stateDir }, outdir });
  app.synth();
  const synthSeconds = (Date.now() - t0) / 1000;
  console.log(`terraform ${tfVersion}, provider mirror ${mirror}`);
  console.log(`synthesized ${stacks.length} stacks (${stacks.map((s) => s.name).join(", ")}) in ${synthSeconds.toFixed(1)} s\n`);

  // Cloudflare stacks (edge, dns): synthesized and checked, never planned (no provider binary offline).
  const cloudflare = stacks.filter((s) => s.provider === "cloudflare");
  const reports = checkCloudflareStacks(cloudflare.map((s) => ({ name: s.name, zone: s.zone ?? s.env.cloudflare.zone, json: readStackJson(outdir, s.name) })));
  for (const r of reports) {
    console.log(`${r.stack} [cloudflare] synthesized, ${r.rules} rules, ${r.problems.length ? `CHECKS FAILED (${r.problems.length})` : "checks ok"} (not planned: no provider binary offline)`);
    for (const p of r.problems) console.log(`   ! ${p}`);
  }
  const checksFailed = reports.filter((r) => r.problems.length).length;
  console.log("");

  const aws = stacks.filter((s) => s.provider === "aws");
  seedOfflineUpstreams(stateDir, stacks.map((s) => s.env));
  // All three AWS stacks at once: terraform waits on I/O between bursts, so 3 in flight beat 2 on
  // 2 cores (12.5 s vs 13.3 s for the whole command, bench/plan-offline.ts).
  const summaries = await pool(
    aws.map((s) => () => planStack(s.name, path.join(outdir, "stacks", s.name), env)),
    3,
  );

  for (const [i, sum] of summaries.entries()) printSummary(sum, aws[i]!.env.safetyTier, appliedSuppressions(app.node.findChild(aws[i]!.name)));
  const failed = summaries.filter((s) => !s.ok);
  console.log(`\n${summaries.length - failed.length} passed, ${failed.length} failed (offline terraform plan per AWS stack); Cloudflare checks: ${reports.length - checksFailed} ok, ${checksFailed} failed`);
  return failed.length || checksFailed ? 1 : 0;
}

function printSummary(s: PlanSummary, tier: keyof typeof TIER_POLICY, suppressed: readonly AppliedSuppression[]): void {
  const status = s.ok ? "plan ok" : "PLAN FAILED";
  console.log(`== ${s.stack}  [tier: ${tier}]  ${status} in ${s.seconds.toFixed(1)} s`);
  if (!s.ok) {
    console.log(indent(s.error ?? "", "   "));
    return;
  }
  console.log(`   ${s.counts.add} to add, ${s.counts.change} to change, ${s.counts.destroy} to destroy`);
  if (s.outputs.modeled_rollout_seconds !== undefined)
    console.log(`   modeled rollout wait: ${String(s.outputs.modeled_rollout_seconds)} s (health checks to healthy + drain; bench:rollout compares)`);
  const byType = Object.entries(s.toAdd).sort(([a], [b]) => a.localeCompare(b));
  for (const [type, n] of byType) console.log(`     + ${String(n).padStart(3)} ${type}`);
  console.log(`   warnings: ${s.warnings.length ? "" : "none"}`);
  for (const w of s.warnings) console.log(`     ! ${w}`);
  // Every guardrail suppression, every time: a reviewer must see what was switched off and why.
  console.log(`   guardrail suppressions: ${suppressed.length ? "" : "none"}`);
  for (const x of suppressed) console.log(`     ~ [guardrail:${x.rule}] ${x.path}: ${x.reason}${x.silenced === false ? " (STALE: silences nothing; remove it)" : ""}`);
}

const indent = (text: string, pad: string) => text.trim().split("\n").map((l) => pad + l).join("\n");

runCli(main);
