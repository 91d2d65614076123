/**
 * `npm run bench:synth`: median wall time to synthesize every stack (edge, prod, staging, pr-42 and their DNS stacks),
 * measured as `cdktf synth` runs it (a fresh `tsx main.ts` process each time), over RUNS runs.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const RUNS = 7;
const root = path.resolve(__dirname, "..");
const tsx = path.join(root, "node_modules", ".bin", "tsx");
const times: number[] = [];
let stackNames: string[] = [];
for (let i = 0; i < RUNS; i++) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "shipkit-bench-"));
  const t0 = process.hrtime.bigint();
  const r = spawnSync(tsx, ["main.ts"], { cwd: root, env: { ...process.env, CDKTF_OUTDIR: outdir, PR_NUMBER: "42", SHIPKIT_OFFLINE: "1" }, encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`synth failed: ${r.stderr}`);
  stackNames = fs.readdirSync(path.join(outdir, "stacks")).sort();
  const stacks = stackNames.length;
  fs.rmSync(outdir, { recursive: true, force: true });
  times.push(ms);
  console.log(`run ${i + 1}: ${(ms / 1000).toFixed(2)} s (${stacks} stacks)`);
}
const sorted = [...times].sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)]!;
console.log(`synth of ${stackNames.length} stacks (${stackNames.join(", ")}), tsx start included: median ${(median / 1000).toFixed(2)} s over ${RUNS} runs (min ${(sorted[0]! / 1000).toFixed(2)} s, max ${(sorted[sorted.length - 1]! / 1000).toFixed(2)} s); target < 5 s`);
