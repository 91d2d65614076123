/**
 * `npm run bench:rollout`: modeled rollout wait per deploy (time for a new task to be judged
 * healthy by the load balancer, plus draining the old one), ours next to the defaults users get
 * elsewhere. Ours is read from the synthesized target groups of every environment, not restated.
 *
 *   wait = health-check interval × healthy threshold + deregistration delay
 *
 * The modeled wait excludes image pull and app start, which are the same whatever the tool.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildApp } from "../app";

interface Row {
  readonly who: string;
  readonly interval: number;
  readonly healthy: number;
  readonly drain: number;
  /** The app's request timeout (ours only): draining must cover it. */
  readonly timeout?: number;
}

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "shipkit-rollout-"));
const { app, stacks } = buildApp({ prNumber: 42, deployment: { mode: "offline", stateDir: path.join(outdir, "state") }, outdir });
app.synth();

const ours: Row[] = [];
for (const s of stacks.filter((x) => x.provider === "aws")) {
  const json = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", s.name, "cdk.tf.json"), "utf8")) as { resource?: Record<string, Record<string, Record<string, unknown>>> };
  for (const [id, tg] of Object.entries(json.resource?.aws_lb_target_group ?? {})) {
    const hc = tg.health_check as { interval: number; healthy_threshold: number };
    // Logical ids start with the service's construct id (`web_target-group_<hash>`).
    ours.push({ who: `shipkit ${s.name} ${id.split("_")[0]} (timeout ${s.env.app.requestTimeoutSeconds} s)`, interval: hc.interval, healthy: hc.healthy_threshold, drain: Number(tg.deregistration_delay), timeout: s.env.app.requestTimeoutSeconds });
  }
}
fs.rmSync(outdir, { recursive: true, force: true });

const others: Row[] = [
  { who: "AWS CDK ecs-patterns defaults", interval: 30, healthy: 5, drain: 300 },
  { who: "terraform-aws-modules / provider defaults", interval: 30, healthy: 3, drain: 300 },
];
const wait = (r: Row) => r.interval * r.healthy + r.drain;
const width = Math.max(...[...ours, ...others].map((r) => r.who.length));
console.log(`${"who".padEnd(width)}  interval x healthy + drain = wait`);
for (const r of [...ours, ...others]) console.log(`${r.who.padEnd(width)}  ${String(r.interval).padStart(8)} x ${String(r.healthy).padStart(7)} + ${String(r.drain).padStart(5)} = ${String(wait(r)).padStart(4)} s`);
const worst = Math.max(...ours.map(wait));
console.log(`\nshipkit worst case: ${worst} s (target <= 45 s); ${(wait(others[0]!) / worst).toFixed(1)}x faster than ecs-patterns, ${(wait(others[1]!) / worst).toFixed(1)}x faster than provider defaults.`);
console.log(`no request dropped: every drain >= the app's request timeout: ${ours.every((r) => r.drain >= (r.timeout ?? Infinity)) ? "yes" : "NO"}`);
