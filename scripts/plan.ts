/**
 * `npm run plan -- <stack>`: plan one stack.
 * - Offline (SHIPKIT_OFFLINE=1): synth in offline mode and run a real `terraform plan` with the
 *   provider mirror; prints Terraform's plan and a summary. No AWS account needed.
 * - Online (default): `cdktf diff <stack>` against the real S3 state with the deploy role.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { buildApp } from "../app";
import { parsePrNumber } from "../environments";
import { withMasterPassword } from "./lib/master-password";
import { appliedSuppressions, type AppliedSuppression } from "../lib/policy/suppressions";
import { runCli } from "./lib/run-cli";
import { findProviderMirror, planStack, requireTerraform, seedOfflineUpstreams, terraformEnv, writeCliConfig } from "./lib/offline";

async function main(): Promise<number> {
  const stack = process.argv[2];
  const prNumber = parsePrNumber(process.env.PR_NUMBER);
  const offline = process.env.SHIPKIT_OFFLINE === "1";
  const root = process.cwd();
  const stateDir = path.join(root, ".offline", "state");
  const { app, stacks } = buildApp({ prNumber, deployment: offline ? { mode: "offline", stateDir } : { mode: "online" }, outdir: path.join(root, "cdktf.out") });
  const target = stacks.find((s) => s.name === stack);
  if (!target) {
    console.error(`usage: npm run plan -- <stack>; stack ${JSON.stringify(stack ?? "")} is not one of: ${stacks.map((s) => s.name).join(", ")} (set PR_NUMBER=<n> for pr-<n>)`);
    return 2;
  }
  if (!offline) {
    // cdktf diff synthesizes in its own process; synthesize here too, only to print the suppressions.
    app.synth();
    printSuppressions(appliedSuppressions(app.node.findChild(target.name)));
    return spawnSync("npx", ["cdktf", "diff", stack!], { stdio: "inherit", env: withMasterPassword(process.env) }).status ?? 1;
  }
  if (target.provider === "cloudflare") {
    console.error(`${target.name} is a Cloudflare stack: it cannot be planned offline (no Cloudflare provider binary). npm run plan:offline synthesizes and checks it; plan it online with CLOUDFLARE_API_TOKEN set.`);
    return 2;
  }

  app.synth();
  const env = terraformEnv(writeCliConfig(findProviderMirror(process.env.SHIPKIT_PROVIDER_MIRROR), path.join(root, ".offline")), process.env);
  requireTerraform(env);
  seedOfflineUpstreams(stateDir, stacks.map((s) => s.env));
  const dir = path.join(root, "cdktf.out", "stacks", target.name);
  const summary = await planStack(target.name, dir, env);
  if (!summary.ok) {
    console.error(summary.error);
    return 1;
  }
  spawnSync("terraform", ["show", "-no-color", "offline.tfplan"], { cwd: dir, env, stdio: "inherit" });
  console.log(`\n${target.name} [tier: ${target.env.safetyTier}]: ${summary.counts.add} to add, ${summary.counts.change} to change, ${summary.counts.destroy} to destroy; warnings: ${summary.warnings.length ? summary.warnings.join("; ") : "none"}`);
  printSuppressions(appliedSuppressions(app.node.findChild(target.name)));
  return 0;
}

/** Every guardrail suppression of the stack: a reviewer must see what was switched off and why. */
function printSuppressions(suppressed: readonly AppliedSuppression[]): void {
  console.log(`guardrail suppressions: ${suppressed.length ? "" : "none"}`);
  for (const x of suppressed) console.log(`  ~ [guardrail:${x.rule}] ${x.path}: ${x.reason}${x.silenced === false ? " (STALE: silences nothing; remove it)" : ""}`);
}

runCli(main);
