/**
 * `npm run preview:down -- <n>`: tear preview `pr-<n>` down completely, waiting for each step:
 * db-drop (exit code checked), then `cdktf destroy pr-<n>-dns`, then `cdktf destroy pr-<n>`.
 * Needs the preview role's AWS credentials (shipkit-deploy-preview; staging's deploy role may assume it), CLOUDFLARE_API_TOKEN and
 * TF_VAR_cloudflare_zone_id. Exit 0 done (or nothing left to do), 1 a step failed (the message
 * says what to run next), 2 nothing ran (bad argument, missing variable or credentials).
 * scripts/lib/preview-down.ts has the sequence.
 */
import * as path from "node:path";
import { buildApp } from "../app";
import { ephemeral } from "../environments";
import { previewDown } from "./lib/preview-down";
import { EXIT, prFromArgv } from "./lib/preview-tools";
import { taskScriptDeps } from "./lib/task-script-deps";
import { runCli } from "./lib/run-cli";

const USAGE = "npm run preview:down -- <pr number>";

async function main(): Promise<number> {
  const pr = prFromArgv(process.argv.slice(2), USAGE);
  if (pr === undefined) return EXIT.usage;
  const deps = taskScriptDeps(ephemeral(pr).aws.region);
  return previewDown(pr, {
    ...deps,
    synth: (n) => buildApp({ prNumber: n, deployment: { mode: "online" }, outdir: path.join(deps.root, "cdktf.out") }).app.synth(),
  });
}

runCli(main);
