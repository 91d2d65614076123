/**
 * `npm run bench:plan-offline`: how long the main job takes (`npm run plan:offline`: synth every
 * stack, plan every AWS stack (bootstrap-<account>, prod, staging, pr-42) for real, check the Cloudflare stacks), medians over
 * BENCH_RUNS runs (default 3), with each stack's own plan time. Target: <= 20 s on 2 cores.
 */
import * as path from "node:path";
import { report, runsFrom, timed } from "./lib/timing";

const RUNS = runsFrom(process.env, 3);
const root = path.resolve(__dirname, "..");
const totals: number[] = [];
const perStack: Record<string, number[]> = {};
for (let i = 0; i < RUNS; i++) {
  const { seconds, stdout } = timed(path.join(root, "node_modules", ".bin", "tsx"), ["scripts/plan-offline.ts"], { cwd: root });
  totals.push(seconds);
  for (const m of stdout.matchAll(/^== (\S+) .*plan ok in ([0-9.]+) s/gm)) (perStack[m[1]!] ??= []).push(Number(m[2]));
  console.log(`run ${i + 1}: ${seconds.toFixed(1)} s`);
}
for (const [stack, s] of Object.entries(perStack)) console.log(report(`  ${stack} (terraform init + plan)`, s));
console.log(report("npm run plan:offline (synth, every AWS stack planned, Cloudflare checks)", totals, 20));
