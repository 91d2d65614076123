/**
 * `npm run bench:synth`: how long synthesis takes, medians over BENCH_RUNS runs (default 7):
 * - the app alone, exactly as `cdktf synth` starts it (the `app` command of cdktf.json, a fresh
 *   process each run): prod + staging, and with the preview pr-42 (7 stacks); target <= 1.5 s;
 * - `cdktf synth` as a user runs it (the CLI's own start-up included).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { report, runsFrom, timed } from "./lib/timing";

const RUNS = runsFrom(process.env, 7);
const root = path.resolve(__dirname, "..");
const appCommand = (JSON.parse(fs.readFileSync(path.join(root, "cdktf.json"), "utf8")) as { app: string }).app.split(" ");
const cdktf = path.join(root, "node_modules", ".bin", "cdktf");

function synthApp(extraEnv: Record<string, string>): { seconds: number; stacks: string[] } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "shipkit-bench-"));
  const { seconds } = timed(appCommand[0]!, appCommand.slice(1), { cwd: root, env: { ...process.env, CDKTF_OUTDIR: outdir, SHIPKIT_OFFLINE: "1", ...extraEnv } });
  const stacks = fs.readdirSync(path.join(outdir, "stacks")).sort();
  fs.rmSync(outdir, { recursive: true, force: true });
  return { seconds, stacks };
}

const lines: string[] = [];
for (const [label, env] of [["prod + staging", {}], ["with preview pr-42", { PR_NUMBER: "42" }]] as const) {
  const runs = Array.from({ length: RUNS }, () => synthApp(env));
  lines.push(report(`app alone (${appCommand.join(" ")}), ${label}: ${runs[0]!.stacks.length} stacks`, runs.map((r) => r.seconds), 1.5));
}
const cli = Array.from({ length: RUNS }, () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "shipkit-bench-cli-"));
  const { seconds } = timed(cdktf, ["synth", "--output", outdir], { cwd: root, env: { ...process.env, SHIPKIT_OFFLINE: "1", CHECKPOINT_DISABLE: "1" } });
  fs.rmSync(outdir, { recursive: true, force: true });
  return seconds;
});
lines.push(report("cdktf synth (CLI start-up included), prod + staging", cli));
for (const l of lines) console.log(l);
