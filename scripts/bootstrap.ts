/**
 * `npm run bootstrap -- <account id> [--auto-approve] [--migrate-state]`: deploy an account's
 * bootstrap stack (state bucket, GitHub OIDC provider, deploy, plan and preview roles) with the
 * ambient ADMIN credentials, or move its local state into the bucket it created. Once per account,
 * by hand; docs/ci.md "Bootstrap once". Exit 0 done, 1 a step failed, 2 nothing ran.
 * scripts/lib/bootstrap.ts has the sequence.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { buildApp } from "../app";
import { prod, staging } from "../environments";
import { bootstrap, parseBootstrapArgs } from "./lib/bootstrap";
import { EXIT, consoleLog, spawnRunner } from "./lib/preview-tools";
import { runCli } from "./lib/run-cli";

async function main(): Promise<number> {
  if (process.env.SHIPKIT_OFFLINE === "1") {
    console.error("bootstrap: refused. SHIPKIT_OFFLINE=1 is for plans only (npm run plan:offline plans the bootstrap stacks too).");
    return EXIT.usage;
  }
  let args: ReturnType<typeof parseBootstrapArgs>;
  try {
    args = parseBootstrapArgs(process.argv.slice(2), [...new Set([prod.aws.accountId, staging.aws.accountId])]);
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    return EXIT.usage;
  }
  const root = process.cwd();
  return bootstrap(args, {
    env: process.env,
    root,
    log: consoleLog,
    run: spawnRunner,
    synth: () => buildApp({ deployment: { mode: "online" }, outdir: path.join(root, "cdktf.out") }).app.synth(),
    exists: (file) => fs.existsSync(file),
    readText: (file) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined),
    mkdir: (dir) => fs.mkdirSync(dir, { recursive: true }),
  });
}

runCli(main);
