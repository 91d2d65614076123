/** Small timing helpers the benches share: run a command N times, report medians next to a target. */
import { spawnSync, type SpawnSyncOptions } from "node:child_process";

/** Median of a list of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Runs `cmd args` to completion and returns its wall time in seconds and its output; throws if it fails. */
export function timed(cmd: string, args: readonly string[], opts: SpawnSyncOptions = {}): { seconds: number; stdout: string } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...opts });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (exit ${r.status}):\n${String(r.stdout ?? "").slice(-2000)}\n${String(r.stderr ?? "").slice(-2000)}`);
  return { seconds, stdout: String(r.stdout ?? "") };
}

/** One printed figure: `label: median X s over N runs (a, b, c); target <= T s: ok|MISSED`. */
export function report(label: string, samples: readonly number[], target?: number): string {
  const m = median(samples);
  const verdict = target === undefined ? "" : `; target <= ${target} s: ${m <= target ? "ok" : "MISSED"}`;
  return `${label}: median ${m.toFixed(2)} s over ${samples.length} runs (${samples.map((s) => s.toFixed(2)).join(", ")})${verdict}`;
}

/** Runs from the BENCH_RUNS environment variable (the bench's CLI flag), else `fallback`. */
export function runsFrom(env: NodeJS.ProcessEnv, fallback: number): number {
  const n = Number(env.BENCH_RUNS ?? fallback);
  if (!Number.isInteger(n) || n < 1 || n > 50) throw new Error(`BENCH_RUNS ${JSON.stringify(env.BENCH_RUNS)} must be a whole number from 1 to 50`);
  return n;
}
