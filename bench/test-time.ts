/**
 * `npm run bench:test`: how long `npm test` takes, by stage (type-check, lint, jest), medians over
 * BENCH_RUNS runs (default 3). Target: the whole command <= 120 s on the 2-core CI machine.
 * Each run is the real thing (every AWS stack planned for real); nothing is skipped.
 */
import * as path from "node:path";
import { report, runsFrom, timed } from "./lib/timing";

const RUNS = runsFrom(process.env, 3);
const root = path.resolve(__dirname, "..");
const bin = (name: string) => path.join(root, "node_modules", ".bin", name);
const stages: [string, string, string[]][] = [
  ["tsc --noEmit", bin("tsc"), ["--noEmit"]],
  ["eslint .", bin("eslint"), ["."]],
  ["jest", bin("jest"), []],
];
const samples: Record<string, number[]> = Object.fromEntries(stages.map(([label]) => [label, []]));
const totals: number[] = [];
let tests = "";
for (let i = 0; i < RUNS; i++) {
  let total = 0;
  for (const [label, cmd, args] of stages) {
    const { seconds, stdout } = timed(cmd, args, { cwd: root });
    samples[label]!.push(seconds);
    total += seconds;
    tests = /jest: .*/.exec(stdout)?.[0] ?? tests;
  }
  totals.push(total);
  console.log(`run ${i + 1}: ${total.toFixed(1)} s (${tests})`);
}
for (const [label] of stages) console.log(report(`  ${label}`, samples[label]!));
console.log(report("npm test (tsc + eslint + jest)", totals, 120));
