import * as fs from "node:fs";
import * as path from "node:path";
import { App, Testing, TerraformStack } from "cdktf";
import * as os from "node:os";
import { findProviderMirror, planStack, pool, seedOfflineUpstreams, terraformEnv, writeCliConfig, type PlanSummary } from "../scripts/lib/offline";
import { EnvironmentConfigError, prod, staging, ephemeral, validateEnvironment } from "../environments";
import type { EnvironmentConfig } from "../environments/types";
import { EnvironmentStack } from "../stacks/environment-stack";
import type { Deployment } from "../stacks/deployment";

/**
 * Offline state folder used by tests (seeded upstream states live here). One per jest worker
 * process: workers run in parallel and seed different upstream outputs (a grown staging, say), so a
 * shared folder would let one worker's plan read another's seed.
 */
export const OFFLINE_STATE_DIR = path.join(os.tmpdir(), `shipkit-test-state-${process.pid}`);
export const OFFLINE: Deployment = { mode: "offline", stateDir: OFFLINE_STATE_DIR };
export const ONLINE: Deployment = { mode: "online" };
export const ALL_ENVS: readonly EnvironmentConfig[] = [prod, staging, ephemeral(42)];

/** Deep-merges `patch` into an environment (objects merged, arrays and scalars replaced). */
export function withEnv(base: EnvironmentConfig, patch: DeepPartial<EnvironmentConfig>): EnvironmentConfig {
  return merge(base, patch) as EnvironmentConfig;
}
export type DeepPartial<T> = { [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K] };
function merge(a: unknown, b: unknown): unknown {
  if (b === undefined) return a;
  if (Array.isArray(b) || typeof b !== "object" || b === null || typeof a !== "object" || a === null) return b;
  const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
  for (const [k, v] of Object.entries(b)) out[k] = merge(out[k], v);
  return out;
}

/**
 * Synthesizes a stack the way `cdktf synth` does: aspects, validations, and a thrown error for any
 * error annotation (guardrails). `Testing.synth` alone ignores error annotations.
 */
export function synthStrict(stack: TerraformStack): SynthJson {
  const outdir = Testing.fullSynth(stack);
  return JSON.parse(fs.readFileSync(path.join(outdir, "stacks", stack.node.id, "cdk.tf.json"), "utf8")) as SynthJson;
}

/** Synthesized JSON of a whole EnvironmentStack, with validations and guardrails enforced. */
export function synthEnv(env: EnvironmentConfig, deployment: Deployment = OFFLINE): SynthJson {
  return synthStrict(new EnvironmentStack(Testing.app(), { env, deployment }));
}

export interface SynthJson {
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  output?: Record<string, { value: unknown }>;
  provider?: Record<string, Record<string, unknown>[]>;
  terraform?: { backend?: Record<string, Record<string, unknown>> };
}

/** All resources of one type, as a list. */
export function resources(json: SynthJson, type: string): Record<string, unknown>[] {
  return Object.values(json.resource?.[type] ?? {});
}

/** A bare stack for construct tests. */
export function bareStack(): TerraformStack {
  return new TerraformStack(Testing.app(), "test");
}

/**
 * Synthesizes `app` into a temporary folder and runs a real offline `terraform plan` of each named
 * stack, with the upstream states seeded. For construct tests that want a real plan.
 */
export async function planApp(app: App, stackNames: readonly string[], upstreams: readonly EnvironmentConfig[] = [prod, staging]): Promise<Record<string, PlanSummary>> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "shipkit-planapp-"));
  const env = terraformEnv(writeCliConfig(findProviderMirror(process.env.SHIPKIT_PROVIDER_MIRROR), work), process.env);
  app.synth();
  // Upstream state: staging's (previews read it); env stacks read no edge state (their certificate is an offline stand-in ARN).
  seedOfflineUpstreams(OFFLINE_STATE_DIR, upstreams);
  const results = await pool(stackNames.map((s) => () => planStack(s, path.join(app.outdir, "stacks", s), env, { review: "counts" })), 2);
  fs.rmSync(work, { recursive: true, force: true });
  return Object.fromEntries(results.map((r) => [r.stack, r]));
}

/** A fresh app writing to a temporary folder. */
export function tempApp(): App {
  return new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), "shipkit-app-")) });
}

/** The problems validateEnvironment reports for `env` (none: `[]`). */
export function environmentProblems(env: EnvironmentConfig): string[] {
  try {
    validateEnvironment(env);
  } catch (e) {
    if (e instanceof EnvironmentConfigError) return [...e.problems];
    throw e;
  }
  return [];
}
