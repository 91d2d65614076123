/**
 * `npm run bench:plan-base`: how long an offline plan against a base revision takes
 * (`npm run plan:offline -- --base HEAD --stack <stack>`): cold (the base state is built and
 * converged) and warm (the converged state comes from .offline/base/states/, keyed by the base
 * stack's synthesized JSON), medians over BENCH_RUNS runs (default 3). BENCH_STACK picks the stack
 * (default staging). Run it on a clean tree: the warm run must say "no changes against HEAD".
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { report, runsFrom, timed } from "./lib/timing";

const RUNS = runsFrom(process.env, 3);
const stack = process.env.BENCH_STACK ?? "staging";
const root = path.resolve(__dirname, "..");
const tsx = path.join(root, "node_modules", ".bin", "tsx");
const states = path.join(root, ".offline", "base", "states");
const cold: number[] = [];
const warm: number[] = [];
for (let i = 0; i < RUNS; i++) {
  fs.rmSync(states, { recursive: true, force: true });
  const c = timed(tsx, ["scripts/plan-offline.ts", "--base", "HEAD", "--stack", stack], { cwd: root });
  cold.push(c.seconds);
  const w = timed(tsx, ["scripts/plan-offline.ts", "--base", "HEAD", "--stack", stack], { cwd: root });
  warm.push(w.seconds);
  console.log(`run ${i + 1}: cold ${c.seconds.toFixed(1)} s, warm ${w.seconds.toFixed(1)} s; ${/no changes against HEAD/.test(w.stdout) ? "no changes against HEAD" : "CHANGES against HEAD (working tree differs from HEAD?)"}`);
}
console.log(report(`plan:offline --base HEAD --stack ${stack}, cold (synth head and base, converge, plan)`, cold));
console.log(report(`plan:offline --base HEAD --stack ${stack}, warm (converged base state cached)`, warm));
