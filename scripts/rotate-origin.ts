/**
 * `npm run rotate:origin -- <prod|staging> [--apply] [--from drop-old]`: rotate one class's
 * origin-verify secret across every stack that checks it (prod: prod; staging: staging and every
 * open preview), re-check them all right before the edge switches, switch the edge, then (once the
 * GitHub `_PREVIOUS` secret is deleted) drop the old value. Dry run by default: prints the numbered
 * steps and every stack. Secrets come from the environment only, never from the command line:
 * TF_VAR_origin_verify_secret (the class's current value), SHIPKIT_ORIGIN_SECRET_NEW (the new one),
 * TF_VAR_origin_verify_secret_<other class> (the other class's current value, for the edge), plus
 * CLOUDFLARE_API_TOKEN, TF_VAR_cloudflare_zone_id and the class's TF_VAR_alert_webhook_<name>.
 * AWS credentials: an operator principal listed in the bootstrap's operators for both accounts
 * (docs/ci.md); they also list staging's state bucket directly, for the open previews.
 * Exit 0 done (or dry run), 1 a step failed, was refused or not confirmed (the message says how to
 * resume), 2 nothing ran. scripts/lib/rotate-origin.ts has the procedure; docs/runbook.md, "Rotate
 * the origin secret", the operator's side.
 */
import * as path from "node:path";
import { createInterface } from "node:readline/promises";
import { S3Client } from "@aws-sdk/client-s3";
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import { buildApp } from "../app";
import { staging } from "../environments";
import { listPreviewStates, s3StateBucketApi } from "./lib/preview-state";
import { EXIT, consoleLog } from "./lib/preview-tools";
import { RotateUsageError, parseRotateArgs, rotateOrigin, terraformRotateDeps, type RotateArgs } from "./lib/rotate-origin";
import { runCli } from "./lib/run-cli";

/** Asks on the terminal; anything but "yes" (or no terminal at all) is a no. */
async function confirmOnTerminal(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    console.error(`${question}: no terminal to ask on (stdin is not a TTY); run --apply from an interactive shell.`);
    return false;
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await rl.question(`${question}: `)).trim().toLowerCase() === "yes";
  } finally {
    rl.close();
  }
}

async function main(): Promise<number> {
  let args: RotateArgs;
  try {
    args = parseRotateArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof RotateUsageError)) throw e;
    console.error(e.message);
    return EXIT.usage;
  }
  const root = process.cwd();
  // Open previews are the pr-* keys of staging's state bucket, in staging's account: listed through
  // staging's deploy role, which the operator principal may assume (bootstrap operators), so the
  // operator's own account needs no access to that bucket. The credentials check uses the
  // operator's own credentials (the ambient chain), before any role is assumed.
  const ambient = new S3Client({ region: staging.aws.region });
  const s3 = new S3Client({ region: staging.aws.region, credentials: fromTemporaryCredentials({ params: { RoleArn: staging.aws.deployRoleArn, RoleSessionName: "rotate-origin-list-previews" } }) });
  return rotateOrigin(args, {
    env: process.env,
    log: consoleLog,
    checkCredentials: async () => {
      try {
        await ambient.config.credentials();
        return undefined;
      } catch (e) {
        return `no AWS credentials (${e instanceof Error ? e.message : String(e)})`;
      }
    },
    listPreviews: async () => (await listPreviewStates(s3StateBucketApi(s3), staging.aws.stateBucket)).filter((s) => s.resources > 0).map((s) => s.pr),
    confirm: confirmOnTerminal,
    ...terraformRotateDeps({
      root,
      env: process.env,
      synth: (pr) => void buildApp({ prNumber: pr, deployment: { mode: "online" }, outdir: path.join(root, "cdktf.out") }).app.synth(),
      progress: (line) => process.stderr.write(`… ${line}\n`),
    }),
  });
}

runCli(main);
