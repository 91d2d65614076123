/**
 * What `npm run plan` and `npm run plan:offline` share: where each mode writes (offline and online
 * never share a folder, so neither sees the other's backend), argument parsing, and turning a plan
 * into a StackReport.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { App } from "cdktf";
import type { BuiltStack } from "../../app";
import { appliedSuppressions } from "../../lib/policy/suppressions";
import { OFFLINE_IMAGE_TAG, stackImageTagEnv, type PlanSummary } from "./offline";
import { IMAGE_TAG_VARIABLE } from "../../stacks/stack-inputs";
import type { StackReport } from "./plan-report";

/**
 * Online runs (`npm run plan`, `npm run deploy`, bare `cdktf`) use cdktf's `cdktf.out/`; every
 * offline run uses `.offline/`: its own synth output, local state and provider config. A stack's
 * `.terraform` folder therefore never holds the other mode's backend, so neither mode meets
 * "Backend configuration changed", and no offline state can be migrated into S3 by mistake.
 */
export function workDirs(root: string): { readonly online: string; readonly offline: { readonly dir: string; readonly outdir: string; readonly stateDir: string } } {
  const dir = path.join(root, ".offline");
  // cdktf's App creates its outdir without parents: a fresh checkout has no .offline/ yet.
  fs.mkdirSync(path.join(dir, "cdktf.out"), { recursive: true });
  return { online: path.join(root, "cdktf.out"), offline: { dir, outdir: path.join(dir, "cdktf.out"), stateDir: path.join(dir, "state") } };
}

/**
 * Forgets the backend a stack folder was last initialised with (`.terraform/terraform.tfstate`, a
 * cache Terraform rebuilds on init; providers stay). Online runs call it first: a folder last used
 * offline by an older version of the kit (local backend under .offline/) or with another role
 * (`SHIPKIT_ROLE=plan`) would otherwise stop at "Backend configuration changed", whose
 * `-migrate-state` hint could copy a fake offline state into S3. Never migrates anything.
 * Returns what it forgot, for a progress line.
 */
export function forgetBackendCache(stackDir: string): string | undefined {
  const file = path.join(stackDir, ".terraform", "terraform.tfstate");
  if (!fs.existsSync(file)) return undefined;
  let type = "unknown";
  try {
    type = (JSON.parse(fs.readFileSync(file, "utf8")) as { backend?: { type?: string } }).backend?.type ?? "none";
  } catch {
    /* unreadable cache: forget it all the same */
  }
  fs.rmSync(file, { force: true });
  return type === "local" ? `forgot a local (offline) backend left in ${stackDir}/.terraform by an older run; initialising the S3 backend afresh, nothing migrated` : `re-initialising the ${type} backend of ${path.basename(stackDir)} (no state is migrated)`;
}

export interface PlanArgs {
  /** Stacks to plan (positional, or `--stack`). @default every stack (plan:offline); npm run plan needs at least one */
  readonly stacks: readonly string[];
  /** `--markdown FILE`: also write the PR comment there. @default no comment written */
  readonly markdown?: string;
  /** Byte budget of the Markdown comment (several stacks' files sharing one GitHub comment). @default GitHub's 65,536 */
  readonly markdownLimit?: number;
  /** `--allow-stateful`: blocking (stateful) risks do not fail the command. @default false: they exit 3 */
  readonly allowStateful: boolean;
  /** `--base REF` (plan:offline only): plan against a state built from this git revision. @default an empty state */
  readonly base?: string;
}

/** Parses `<stack>... [--markdown FILE] [--markdown-limit BYTES] [--allow-stateful] [--base REF] [--stack NAME]`; throws a usage message. */
export function parsePlanArgs(argv: readonly string[], allowed: { readonly base: boolean; readonly positional: boolean }): PlanArgs {
  const stacks: string[] = [];
  let markdown: string | undefined;
  let markdownLimit: number | undefined;
  let base: string | undefined;
  let allowStateful = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === "--markdown") markdown = value();
    else if (a === "--markdown-limit") {
      const v = value();
      markdownLimit = Number(v);
      if (!Number.isInteger(markdownLimit) || markdownLimit < 4000 || markdownLimit > 65536) throw new UsageError(`--markdown-limit ${v} must be a whole number of bytes from 4000 to 65536 (GitHub's comment limit)`);
    } else if (a === "--allow-stateful") allowStateful = true;
    else if (a === "--base" && allowed.base) base = value();
    else if (a === "--stack") stacks.push(value());
    else if (a.startsWith("--")) throw new UsageError(`unknown flag ${a}`);
    else if (allowed.positional) stacks.push(a);
    else throw new UsageError(`unexpected argument ${JSON.stringify(a)}; name stacks with --stack <name>`);
  }
  if (markdownLimit !== undefined && !markdown) throw new UsageError("--markdown-limit needs --markdown FILE");
  return { stacks, allowStateful, ...(markdown ? { markdown } : {}), ...(markdownLimit ? { markdownLimit } : {}), ...(base ? { base } : {}) };
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The stacks named in `wanted` (all of `of` when empty); throws naming the unknown ones and the valid names. */
export function selectStacks(of: readonly BuiltStack[], wanted: readonly string[]): BuiltStack[] {
  const unknown = wanted.filter((w) => !of.some((s) => s.name === w));
  if (unknown.length) throw new UsageError(`${unknown.map((u) => JSON.stringify(u)).join(", ")} ${unknown.length === 1 ? "is not a stack" : "are not stacks"}; stacks: ${of.map((s) => s.name).join(", ")} (set PR_NUMBER=<n> for pr-<n>)`);
  return wanted.length ? of.filter((s) => wanted.includes(s.name)) : [...of];
}

/** Monthly cost model, when the repository has one (lib/cost/estimate.ts). */
type CostModel = (env: BuiltStack["env"]) => { readonly total: number; readonly priceDate: string };

/** The report of one stack: its plan, tier, suppressions and modeled cost. */
export function reportOf(app: App, stack: BuiltStack, summary: PlanSummary, against: string, cost?: CostModel): StackReport {
  const estimate = cost && stack.kind === "environment" ? cost(stack.env) : undefined;
  return {
    summary,
    // A bootstrap stack belongs to an AWS account, not to an environment's tier.
    tier: stack.kind === "bootstrap" ? "bootstrap" : stack.env.safetyTier,
    against,
    suppressions: appliedSuppressions(app.node.findChild(stack.name)),
    ...(estimate ? { cost: { total: estimate.total, priceDate: estimate.priceDate } } : {}),
  };
}

/** Writes the Markdown comment, creating the folder. */
export function writeMarkdown(file: string, markdown: string): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, markdown);
}

/** Progress to stderr, so stdout stays the summary. */
export const progressToStderr = (line: string): void => {
  process.stderr.write(`… ${line}\n`);
};

/**
 * The image tag the stack runs now (`services_image_tag` output of its state), so an online plan
 * without TF_VAR_image_tag shows the change under review, not a redeploy. A stack never deployed has
 * no such output: then a stand-in tag (everything is created anyway).
 */
export async function runningImageTag(stack: string, dir: string, env: NodeJS.ProcessEnv, progress: (line: string) => void): Promise<NodeJS.ProcessEnv> {
  const out = spawnSync("terraform", ["output", "-json", "-no-color", "services_image_tag"], { cwd: dir, env, encoding: "utf8" });
  // No state yet, or a state without the output: "Output … not found" / "No outputs found". Any other
  // failure (the state cannot be read) fails the plan rather than plan a stand-in tag over a live stack.
  if (out.status !== 0 && !/not found|No outputs found/i.test(out.stderr)) throw new Error(`reading the running image tag (terraform output services_image_tag) failed:\n${out.stderr.trim()}`);
  const tag = out.status === 0 ? (JSON.parse(out.stdout) as string) : "";
  if (!tag) {
    // Never deployed (a new preview, or one the sweeper removed): everything is new, so the tag is a
    // stand-in the stack's tag rule accepts (pr-<n>-… for previews).
    const standIn = stackImageTagEnv(stack, { [`TF_VAR_${IMAGE_TAG_VARIABLE}`]: OFFLINE_IMAGE_TAG })[`TF_VAR_${IMAGE_TAG_VARIABLE}`]!;
    progress(`${stack} runs no image yet (no services_image_tag output in its state): planning with the stand-in tag ${standIn}; set TF_VAR_${IMAGE_TAG_VARIABLE} to plan a given image`);
    return { ...env, [`TF_VAR_${IMAGE_TAG_VARIABLE}`]: standIn };
  }
  progress(`planning at the running image tag ${tag} (set TF_VAR_${IMAGE_TAG_VARIABLE} to plan another)`);
  return { ...env, [`TF_VAR_${IMAGE_TAG_VARIABLE}`]: tag };
}
