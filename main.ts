/**
 * Entry point for `cdktf synth|diff|deploy`. The only app file that reads `process.env`
 * (scripts/ and bench/ are CLI entry points with their own flags; lint enforces the split):
 * - PR_NUMBER=<n>      also build the preview `pr-<n>` (1–99999).
 * - SHIPKIT_OPEN_PREVIEWS=<count>  previews open besides pr-<n> (preview:up counts them); synth
 *   fails when one more exceeds staging's open-preview cap (ALB quotas). @default unset: not checked
 * - SHIPKIT_OFFLINE=1  offline mode: local state, dummy credentials (plan only; never deploy).
 * - SHIPKIT_OFFLINE_STATE_DIR  where offline state lives. @default ./.offline/state
 * - SHIPKIT_ROLE=plan  online: act as the read-only plan role where one exists (staging; prod has none: its state holds its origin secret) for PR plans, pr-plan.yml.
 * - SHIPKIT_SOURCE_MAPS=1  map stack traces back to TypeScript (slower synth; for debugging a crash).
 */
import * as path from "node:path";
import { buildApp } from "./app";
import { EnvironmentConfigError, parseOpenPreviews, parsePrNumber } from "./environments";
import type { Deployment } from "./stacks/deployment";

function main(): void {
  // cdktf records a stack trace for every token it creates; with source maps on (tsx turns them on),
  // each trace is mapped back to TypeScript, a fifth of synth time. Synth errors are our own messages,
  // not traces: SHIPKIT_SOURCE_MAPS=1 turns mapping back on for debugging a crash.
  if (process.env.SHIPKIT_SOURCE_MAPS !== "1") process.setSourceMapsEnabled(false);
  const offline = process.env.SHIPKIT_OFFLINE === "1";
  // Offline and online runs never share a folder (scripts/lib/plan-cli.ts workDirs): an offline
  // synth into cdktf.out would leave a local backend where online runs keep S3's, and Terraform's
  // "Backend configuration changed" hint (-migrate-state) could push fake offline state to S3.
  if (offline && path.resolve(process.env.CDKTF_OUTDIR ?? "cdktf.out") === path.resolve("cdktf.out"))
    throw new EnvironmentConfigError(["SHIPKIT_OFFLINE=1: offline synth must not write into cdktf.out, where online runs keep their S3 backend; use npm run plan:offline or SHIPKIT_OFFLINE=1 npm run plan -- <stack> (they write .offline/cdktf.out), or set CDKTF_OUTDIR to another folder"]);
  const deployment: Deployment = offline
    ? { mode: "offline", stateDir: path.resolve(process.env.SHIPKIT_OFFLINE_STATE_DIR ?? ".offline/state") }
    : { mode: "online", role: process.env.SHIPKIT_ROLE === "plan" ? "plan" : "deploy" };
  const { app } = buildApp({ prNumber: parsePrNumber(process.env.PR_NUMBER), openPreviews: parseOpenPreviews(process.env.SHIPKIT_OPEN_PREVIEWS), deployment });
  app.synth();
}

try {
  main();
} catch (e) {
  if (e instanceof EnvironmentConfigError) {
    console.error(e.message);
    process.exit(1);
  }
  throw e;
}
