/**
 * The main job: `npm run plan:offline [-- --base <git ref>] [--stack <name>]... [--markdown FILE [--markdown-limit BYTES]] [--allow-stateful]`.
 * Synthesizes every environment (prod, staging and the preview pr-<PR_NUMBER>, default 42) in
 * offline mode into .offline/cdktf.out, plans every AWS stack with the real AWS provider from the
 * local mirror, and prints the review of each (risks first). No AWS account needed.
 * - Without --base, each stack is planned against an empty state (everything is new).
 * - With --base <ref>, the base revision is synthesized too, a state is built from its plan
 *   (scripts/lib/base-state.ts), and the working tree is planned against it with -refresh=false:
 *   what a PR changes, with Terraform's own update / replace / destroy.
 * Cloudflare stacks (edge-<zone>, <env>-dns) are synthesized and checked (scripts/lib/edge-checks.ts)
 * but not planned: there is no Cloudflare provider binary offline.
 * Exit: 0 ok, 1 a stack failed to synth/plan or a Cloudflare check failed, 2 usage, 3 a stateful
 * risk not allowed (only a --base plan can show one).
 */
import * as path from "node:path";
import { buildApp } from "../app";
import { parsePrNumber } from "../environments";
import { monthlyCost } from "../lib/cost/estimate";
import { runCli } from "./lib/run-cli";
import { checkCloudflareStacks, readStackJson } from "./lib/edge-checks";
import { findProviderMirror, planStack, pool, requireTerraform, seedOfflineUpstreams, terraformEnv, writeCliConfig, type PlanSummary } from "./lib/offline";
import { checkoutBase, convergeBaseState, planAgainstBase, seedBaseUpstreams, synthBase } from "./lib/base-state";
import { parsePlanArgs, progressToStderr, reportOf, selectStacks, UsageError, workDirs, writeMarkdown, type PlanArgs } from "./lib/plan-cli";
import { EXIT, exitCodeOf, renderMarkdown, renderText } from "./lib/plan-report";
import { isNoChange } from "./lib/plan-review";
import * as fs from "node:fs";

/** PR number used for the sample preview when PR_NUMBER is not set. */
const DEFAULT_PREVIEW_PR = 42;

async function main(): Promise<number> {
  let args: PlanArgs;
  try {
    args = parsePlanArgs(process.argv.slice(2), { base: true, positional: false });
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`usage: npm run plan:offline -- [--base <git ref>] [--stack <name>]... [--markdown FILE [--markdown-limit BYTES]] [--allow-stateful]: ${e.message}`);
    return EXIT.usage;
  }
  const root = process.cwd();
  const { offline } = workDirs(root);
  const prNumber = parsePrNumber(process.env.PR_NUMBER) ?? DEFAULT_PREVIEW_PR;
  const allowStateful = args.allowStateful || process.env.SHIPKIT_ALLOW_STATEFUL === "1";

  const mirror = findProviderMirror(process.env.SHIPKIT_PROVIDER_MIRROR);
  // One environment for every stack; planStack gives each its own stand-ins (stackPlanEnv: prod's
  // origin secret to prod, staging's to staging and pr-<n>), base plans included.
  const env = terraformEnv(writeCliConfig(mirror, offline.dir), process.env);
  const tfVersion = requireTerraform(env);

  const t0 = Date.now();
  progressToStderr("synthesizing every environment (offline, into .offline/cdktf.out)");
  const { app, stacks } = buildApp({ prNumber, deployment: { mode: "offline", stateDir: offline.stateDir }, outdir: offline.outdir });
  let selected;
  try {
    selected = selectStacks(stacks, args.stacks);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`usage: npm run plan:offline -- --stack <name>: ${e.message}`);
    return EXIT.usage;
  }
  app.synth();
  console.log(`terraform ${tfVersion}, provider mirror ${mirror}`);
  console.log(`synthesized ${stacks.length} stacks (${stacks.map((s) => s.name).join(", ")}) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);

  // Cloudflare stacks (edge, dns): synthesized and checked, never planned (no provider binary offline).
  const cloudflare = selected.filter((s) => s.provider === "cloudflare");
  const checks = checkCloudflareStacks(cloudflare.map((s) => ({ name: s.name, zone: s.zone ?? s.env.cloudflare.zone, plan: s.env.cloudflare.plan, json: readStackJson(offline.outdir, s.name) })));
  for (const r of checks) {
    console.log(`${r.stack} [cloudflare] synthesized, ${r.rules} rules, ${r.problems.length ? `CHECKS FAILED (${r.problems.length})` : "checks ok"} (not planned: no provider binary offline)`);
    for (const p of r.problems) console.log(`   ! ${p}`);
  }
  const checksFailed = checks.filter((r) => r.problems.length).length;
  if (checks.length) console.log("");

  const aws = selected.filter((s) => s.provider === "aws");
  seedOfflineUpstreams(offline.stateDir, stacks.map((s) => s.env));
  const stackDir = (s: { name: string }) => path.join(offline.outdir, "stacks", s.name);
  let summaries: PlanSummary[];
  let against: (name: string) => string = () => "an empty state";
  if (args.base) {
    const baseRoot = path.join(offline.dir, "base");
    const checkout = checkoutBase(root, args.base, baseRoot);
    const baseOut = path.join(baseRoot, checkout.sha, "cdktf.out");
    progressToStderr(`synthesizing the base ${args.base} (${checkout.sha.slice(0, 12)}) with its own code`);
    synthBase(checkout, { outdir: baseOut, stateDir: offline.stateDir, prNumber, env });
    // A base from before issue 17 reads its certificate ARNs from the edge state: seed what it reads.
    seedBaseUpstreams(baseOut, offline.stateDir, stacks.map((s) => s.env));
    const inBase = (name: string) => fs.existsSync(path.join(baseOut, "stacks", name, "cdk.tf.json"));
    against = (name) => (inBase(name) ? `base ${args.base} (${checkout.sha.slice(0, 12)})` : `an empty state (not in base ${args.base})`);
    // Three at once: terraform waits on I/O between bursts (bench/plan-offline.ts).
    summaries = await pool(
      aws.map((s) => async () => {
        if (!inBase(s.name)) return planStack(s.name, stackDir(s), env, { init: "reconfigure", text: Boolean(args.markdown), progress: progressToStderr });
        const base = await convergeBaseState(s.name, path.join(baseOut, "stacks", s.name), env, { cacheDir: baseRoot, progress: progressToStderr });
        progressToStderr(`${s.name}: base state ready (${base.cached ? "cached" : `${base.passes} passes`}); planning the working tree against it`);
        return planAgainstBase(s.name, stackDir(s), base.stateFile, env, { workDir: path.join(baseRoot, checkout.sha, "head-states"), text: Boolean(args.markdown), progress: progressToStderr });
      }),
      3,
    );
  } else {
    summaries = await pool(
      // -reconfigure: a --base run pointed this folder's backend at a fabricated state; plan from the synthesized one again.
      aws.map((s) => () => planStack(s.name, stackDir(s), env, { init: "reconfigure", review: "empty-state", text: Boolean(args.markdown), progress: progressToStderr })),
      3,
    );
  }

  const reports = summaries.map((sum, i) => reportOf(app, aws[i]!, sum, against(aws[i]!.name), monthlyCost));
  console.log(renderText(reports, { allowStateful }));
  if (args.markdown) {
    writeMarkdown(args.markdown, renderMarkdown(reports, { allowStateful, title: `shipkit plan (offline${args.base ? `, against ${args.base}` : ""})`, ...(args.markdownLimit ? { limit: args.markdownLimit } : {}) }));
    console.log(`\nPR comment written to ${args.markdown}`);
  }
  const failed = summaries.filter((s) => !s.ok);
  if (args.base && !failed.length && summaries.every((s) => s.review && isNoChange(s.review))) console.log(`\nno changes against ${args.base}: every AWS stack plans to what the base already has`);
  console.log(`\n${summaries.length - failed.length} passed, ${failed.length} failed (offline terraform plan per AWS stack); Cloudflare checks: ${checks.length - checksFailed} ok, ${checksFailed} failed`);
  const code = exitCodeOf(reports, { allowStateful });
  return code === EXIT.ok && checksFailed ? EXIT.planFailed : code;
}

runCli(main);
