import { App } from "cdktf";
import { resolveEnvironments } from "./environments";
import type { EnvironmentConfig } from "./environments/types";
import type { Deployment } from "./stacks/deployment";
import { EnvironmentStack } from "./stacks/environment-stack";

export interface BuildOptions {
  /** Pull request to build a preview for. @default none: prod and staging only */
  readonly prNumber?: number;
  /** Online or offline. */
  readonly deployment: Deployment;
  /** Where `app.synth()` writes. @default cdktf's (cdktf.out, or CDKTF_OUTDIR under the CLI) */
  readonly outdir?: string;
  /** Base environments (tests substitute broken ones). @default environments/prod.ts and staging.ts */
  readonly environments?: { readonly prod: EnvironmentConfig; readonly staging: EnvironmentConfig };
}

/** What was built: one entry per stack, with what the tooling needs to plan and summarise it. */
export interface BuiltStack {
  readonly name: string;
  readonly provider: "aws";
  readonly env: EnvironmentConfig;
}

/**
 * Validates every environment, then builds the stacks. Throws before any stack exists (and so
 * before any output is written) when an environment is invalid.
 */
export function buildApp(opts: BuildOptions): { app: App; stacks: BuiltStack[] } {
  const envs = resolveEnvironments(opts.prNumber, opts.environments);
  const app = new App(opts.outdir ? { outdir: opts.outdir } : {});
  const stacks = envs.map((env) => {
    new EnvironmentStack(app, { env, deployment: opts.deployment });
    return { name: env.name, provider: "aws" as const, env };
  });
  return { app, stacks };
}
