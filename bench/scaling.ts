/**
 * `npm run bench:scaling`: how synth and plan time grow with the app. Prints, for 1, 10 and 30
 * HTTP services in staging, the synth time of the stack (in process, after a warm-up; median of
 * BENCH_RUNS, default 3) and its real offline `terraform plan` time (init + plan, median); and for
 * 1, 10 and 30 previews, the synth time of all preview stacks. Each row also shows time per
 * service / preview, so growth that is worse than linear shows as a rising per-unit figure.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { App } from "cdktf";
import { ephemeral, staging } from "../environments";
import type { EnvironmentConfig, ServicesConfig } from "../environments/types";
import { findProviderMirror, planStack, seedOfflineUpstreams, terraformEnv, writeCliConfig } from "../scripts/lib/offline";
import { EnvironmentStack } from "../stacks/environment-stack";
import { median, runsFrom } from "./lib/timing";

const RUNS = runsFrom(process.env, 3);
const work = fs.mkdtempSync(path.join(os.tmpdir(), "shipkit-scaling-"));
const stateDir = path.join(work, "state");
const deployment = { mode: "offline", stateDir } as const;

/** staging with `n` HTTP services: n - 1 path-routed `svc-<i>` before the catch-all `web`, all on the backend image. */
function withServices(n: number): EnvironmentConfig {
  const web = { ...staging.services.web!, repository: "backend" };
  const routed = Object.fromEntries(Array.from({ length: n - 1 }, (_, i) => [`svc-${i + 1}`, { ...web, route: { paths: [`/svc-${i + 1}/*`] }, healthCheckPath: `/svc-${i + 1}/healthz` }]));
  return { ...staging, services: { ...routed, web } as ServicesConfig, app: { ...staging.app, migration: { ...staging.app.migration, service: "web" } } };
}

/** Seconds to build and synthesize `envs` as stacks of one app (median of RUNS). */
function synthSeconds(envs: readonly EnvironmentConfig[]): { seconds: number; outdir: string } {
  const times: number[] = [];
  let outdir = "";
  for (let i = 0; i < RUNS; i++) {
    outdir = fs.mkdtempSync(path.join(work, "out-"));
    const t0 = process.hrtime.bigint();
    const app = new App({ outdir, stackTraces: false });
    for (const env of envs) new EnvironmentStack(app, { env, deployment });
    app.synth();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return { seconds: median(times), outdir };
}

async function main(): Promise<void> {
  process.setSourceMapsEnabled(false); // as main.ts does for cdktf synth
  const env = terraformEnv(writeCliConfig(findProviderMirror(process.env.SHIPKIT_PROVIDER_MIRROR), work), process.env);
  seedOfflineUpstreams(stateDir, [staging]);
  synthSeconds([staging]); // warm-up: module loading is not part of the curve
  console.log("services in staging | resources | synth (s) | per service | plan (s) | per service");
  for (const n of [1, 10, 30]) {
    const { seconds, outdir } = synthSeconds([withServices(n)]);
    const dir = path.join(outdir, "stacks", "staging");
    const resources = Object.values((JSON.parse(fs.readFileSync(path.join(dir, "cdk.tf.json"), "utf8")) as { resource: Record<string, object> }).resource).reduce((sum, r) => sum + Object.keys(r).length, 0);
    const plans: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const s = await planStack("staging", dir, env, { review: "counts" });
      if (!s.ok) throw new Error(`plan of staging with ${n} services failed: ${s.error}`);
      plans.push(s.seconds);
    }
    const plan = median(plans);
    console.log(`${String(n).padStart(19)} | ${String(resources).padStart(9)} | ${seconds.toFixed(2).padStart(9)} | ${(seconds / n).toFixed(3).padStart(11)} | ${plan.toFixed(1).padStart(8)} | ${(plan / n).toFixed(2).padStart(11)}`);
  }
  console.log("\npreview stacks | synth (s) | per preview");
  for (const n of [1, 10, 30]) {
    const { seconds } = synthSeconds(Array.from({ length: n }, (_, i) => ephemeral(i + 1)));
    console.log(`${String(n).padStart(14)} | ${seconds.toFixed(2).padStart(9)} | ${(seconds / n).toFixed(3).padStart(11)}`);
  }
  fs.rmSync(work, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
