import { App } from "cdktf";
import { resolveEnvironments } from "./environments";
import type { EnvironmentConfig } from "./environments/types";
import type { Deployment } from "./stacks/deployment";
import { EnvironmentStack } from "./stacks/environment-stack";
import { edgeStateOwner } from "./stacks/edge-state";
import { EdgeStack, edgeZones } from "./stacks/edge-stack";
import { DnsStack } from "./stacks/dns-stack";
import { bootstrapStacks } from "./stacks/bootstrap-app";

export interface BuildOptions {
  /** Pull request to build a preview for. @default none: prod and staging only */
  readonly prNumber?: number;
  /** Online or offline. */
  readonly deployment: Deployment;
  /** Where `app.synth()` writes. @default cdktf's (cdktf.out, or CDKTF_OUTDIR under the CLI) */
  readonly outdir?: string;
  /**
   * Previews open besides `pr-<prNumber>` (main.ts: `SHIPKIT_OPEN_PREVIEWS`). With a prNumber, one
   * more must fit staging's open-preview cap (environments/preview-capacity.ts) or buildApp throws
   * an EnvironmentConfigError naming the limit, before any stack exists. @default not checked
   */
  readonly openPreviews?: number;
  /** Base environments (tests substitute broken ones). @default environments/prod.ts and staging.ts */
  readonly environments?: { readonly prod: EnvironmentConfig; readonly staging: EnvironmentConfig };
}

/** What was built: one entry per stack, with what the tooling needs to plan and summarise it. */
export interface BuiltStack {
  readonly name: string;
  /**
   * Which providers decide how the tooling treats the stack: "aws" stacks are planned offline;
   * "cloudflare" stacks (edge-<zone>, <env>-dns) are synthesized and checked but never planned
   * offline (no Cloudflare provider binary). The edge stack also uses AWS (ACM) but counts as
   * "cloudflare" because it cannot be planned without the Cloudflare provider.
   */
  readonly provider: "aws" | "cloudflare";
  /**
   * What the stack is: an environment's own stack (runs the app's images, has a modeled cost and a
   * safety tier), its DNS stack, a zone's edge stack, or an AWS account's bootstrap stack.
   */
  readonly kind: "environment" | "dns" | "edge" | "bootstrap";
  /** The environment (edge: the zone's state owner, prod; bootstrap: the account's environment). */
  readonly env: EnvironmentConfig;
  /** Cloudflare zone (cloudflare stacks only). */
  readonly zone?: string;
}

/**
 * Validates every environment, then builds the stacks. Throws before any stack exists (and so
 * before any output is written) when an environment is invalid.
 */
export function buildApp(opts: BuildOptions): { app: App; stacks: BuiltStack[] } {
  const envs = resolveEnvironments(opts.prNumber, opts.environments, opts.openPreviews);
  const app = new App(opts.outdir ? { outdir: opts.outdir } : {});
  // Order edge → env → dns, never the other way: env stacks find the edge's certificates in ACM
  // (never its state, which holds every class's origin secret); dns stacks read their env's state.
  const edges: BuiltStack[] = edgeZones(envs).map((z) => {
    const edge = new EdgeStack(app, { ...z, deployment: opts.deployment });
    return { name: edge.node.id, provider: "cloudflare", kind: "edge", env: edgeStateOwner(envs, z.zone), zone: z.zone };
  });
  const stacks = envs.map((env) => {
    new EnvironmentStack(app, { env, deployment: opts.deployment });
    return { name: env.name, provider: "aws" as const, kind: "environment" as const, env };
  });
  const dns: BuiltStack[] = envs.map((env) => {
    const stack = new DnsStack(app, { env, deployment: opts.deployment });
    return { name: stack.node.id, provider: "cloudflare", kind: "dns", env, zone: env.cloudflare.zone };
  });
  // One bootstrap stack per AWS account of prod and staging (state bucket, OIDC provider, roles): first of all.
  const bootstraps: BuiltStack[] = bootstrapStacks(app, envs, opts.deployment).map((s) => ({ name: s.stack.node.id, provider: "aws", kind: "bootstrap", env: s.env }));
  return { app, stacks: [...bootstraps, ...edges, ...stacks, ...dns] };
}
