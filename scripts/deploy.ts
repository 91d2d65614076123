/**
 * `npm run deploy -- <stack> [--auto-approve]`: deploy exactly one stack with `cdktf deploy`
 * (CI passes `--auto-approve`; by hand, cdktf shows the plan and asks).
 * Refuses offline mode: offline stacks have local state and fake credentials and must never apply.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { forgetBackendCache, workDirs } from "./lib/plan-cli";
import { buildApp } from "../app";
import { parsePrNumber } from "../environments";
import { withMasterPassword } from "./lib/master-password";
import { runCli } from "./lib/run-cli";

function main(): number {
  if (process.env.SHIPKIT_OFFLINE === "1") {
    console.error("deploy: refused. SHIPKIT_OFFLINE=1 is for plans only (local state, dummy credentials). Unset it and use the deploy role of the target environment.");
    return 2;
  }
  const stack = process.argv[2];
  const { stacks } = buildApp({ prNumber: parsePrNumber(process.env.PR_NUMBER), deployment: { mode: "online" } });
  if (!stack || !stacks.some((s) => s.name === stack)) {
    console.error(`usage: npm run deploy -- <stack>; deploy one environment at a time. ${JSON.stringify(stack ?? "")} is not one of: ${stacks.map((s) => s.name).join(", ")}`);
    return 2;
  }
  const flags = process.argv.slice(3);
  const unknown = flags.filter((f) => f !== "--auto-approve");
  if (unknown.length) {
    console.error(`usage: npm run deploy -- <stack> [--auto-approve]; unknown flag(s): ${unknown.join(" ")}`);
    return 2;
  }
  // CI passes --auto-approve after a reviewed plan; by hand, cdktf asks before applying.
  // The master password input: used only when the database is created or its version rises.
  // CHECKPOINT_DISABLE=1: cdktf and Terraform otherwise call checkpoint-api.hashicorp.com on every
  // run (an ENOTFOUND error printed on machines without that access).
  // A folder last initialised offline by an older kit, or with the read-only plan role, would stop at
  // "Backend configuration changed" (whose -migrate-state hint could push fake state to S3).
  const forgot = forgetBackendCache(path.join(workDirs(process.cwd()).online, "stacks", stack));
  if (forgot) console.error(`deploy: ${forgot}`);
  return spawnSync("npx", ["cdktf", "deploy", stack, ...flags], { stdio: "inherit", env: { ...withMasterPassword(process.env), CHECKPOINT_DISABLE: "1" } }).status ?? 1;
}

runCli(main);
