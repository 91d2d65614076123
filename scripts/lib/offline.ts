/**
 * Offline Terraform tooling: find the provider mirror, write a CLI config that uses it, seed the
 * upstream state previews read, and plan a synthesized stack without network or AWS account.
 * Used by `npm run plan:offline`, `npm run plan` (offline) and the plan tests.
 */
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { EnvironmentConfig } from "../../environments/types";
import { ORIGIN_SECRET_VARIABLE, offlineOriginSecret, originSecretClass, type OriginSecretClass } from "../../stacks/edge-contract";
import { PREVIEW_BASE } from "../../environments/schema";
import { IMAGE_TAG_VARIABLE } from "../../stacks/environment-stack";
import { previewImageTag } from "../../stacks/stack-inputs";
import { offlineSharedOutputs, repositoriesOf } from "../../stacks/shared-state";
import { withMasterPassword } from "./master-password";
import type { PlanJson } from "./plan-json";
import { emptyCounts, reviewPlan, type Counts, type PlanReview } from "./plan-review";

export const AWS_PROVIDER = "registry.terraform.io/hashicorp/aws";
export const AWS_PROVIDER_VERSION = "5.100.0";

/** Folders where a provider mirror usually lives; searched before a full filesystem scan. */
const CANDIDATE_MIRRORS = ["/opt/tf-plugins", "/usr/share/terraform/plugins", "/usr/local/share/terraform/plugins", path.join(os.homedir(), ".terraform.d/plugins"), path.join(os.homedir(), ".local/share/terraform/plugins")];

export class OfflineToolingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OfflineToolingError";
  }
}

const hasAwsProvider = (root: string): boolean => fs.existsSync(path.join(root, AWS_PROVIDER, AWS_PROVIDER_VERSION));

/**
 * The mirror root (the folder above `registry.terraform.io/`). `override` (SHIPKIT_PROVIDER_MIRROR)
 * wins; otherwise the usual folders, then a scan of the filesystem. Throws a clear error when there
 * is no mirror, since without one and without network nothing can be planned.
 */
export function findProviderMirror(override?: string): string {
  if (override) {
    if (!hasAwsProvider(override))
      throw new OfflineToolingError(`SHIPKIT_PROVIDER_MIRROR=${override} holds no ${AWS_PROVIDER} ${AWS_PROVIDER_VERSION}; point it at the folder above registry.terraform.io/`);
    return override;
  }
  const known = CANDIDATE_MIRRORS.find(hasAwsProvider);
  if (known) return known;
  let found = "";
  try {
    found = execFileSync("find", ["/", "-path", "/proc", "-prune", "-o", "-path", "/sys", "-prune", "-o", "-name", `terraform-provider-aws_v${AWS_PROVIDER_VERSION}*`, "-print", "-quit"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    /* find exits non-zero on unreadable folders; a hit still prints */
  }
  const marker = `${path.sep}${AWS_PROVIDER.replace(/\//g, path.sep)}${path.sep}`;
  if (found && found.includes(marker)) return found.slice(0, found.indexOf(marker));
  throw new OfflineToolingError(
    `No Terraform provider mirror with ${AWS_PROVIDER} ${AWS_PROVIDER_VERSION} was found (looked in ${CANDIDATE_MIRRORS.join(", ")} and scanned /). ` +
      `Offline plans need it because this machine has no network to the Terraform registry. Set SHIPKIT_PROVIDER_MIRROR to the folder above registry.terraform.io/.`,
  );
}

/** Checks that `terraform` is on PATH and returns its version. */
export function requireTerraform(env: NodeJS.ProcessEnv): string {
  try {
    const out = execFileSync("terraform", ["version", "-json"], { encoding: "utf8", env, stdio: ["ignore", "pipe", "pipe"] });
    return (JSON.parse(out) as { terraform_version: string }).terraform_version;
  } catch {
    throw new OfflineToolingError("terraform is not on PATH; install Terraform 1.11+ (write-only attributes carry the database master password; the S3 backend's use_lockfile needs 1.10)");
  }
}

/** Writes a Terraform CLI config that installs the AWS provider from `mirror` only. */
export function writeCliConfig(mirror: string, dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "offline.tfrc");
  fs.writeFileSync(
    file,
    `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(mirror)}\n    include = ["${AWS_PROVIDER}"]\n  }\n  direct {\n    exclude = ["${AWS_PROVIDER}"]\n  }\n}\n`,
  );
  return file;
}

/** Image tag offline plans use when TF_VAR_image_tag is not set. */
export const OFFLINE_IMAGE_TAG = "0000000offline";

/**
 * `env` for planning `stack`: a preview (`pr-<n>`) accepts only its own PR's tags
 * (stacks/stack-inputs.ts), so the offline stand-in tag becomes `pr-<n>-0000000offline` there.
 */
export function stackImageTagEnv(stack: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const pr = /^pr-([0-9]+)$/.exec(stack);
  const key = `TF_VAR_${IMAGE_TAG_VARIABLE}`;
  return pr && env[key] === OFFLINE_IMAGE_TAG ? { ...env, [key]: previewImageTag(Number(pr[1]), OFFLINE_IMAGE_TAG) } : env;
}

/** Secret classes, for recognising the offline stand-ins. */
const SECRET_CLASSES: readonly OriginSecretClass[] = ["prod", "staging"];

/** The secret class of an environment stack by its name (`prod`, `staging`, `pr-<n>` → its base), else undefined. */
function stackSecretClass(stack: string): OriginSecretClass | undefined {
  if (/^pr-[0-9]+$/.test(stack)) return originSecretClass({ name: stack, preview: { base: PREVIEW_BASE } });
  return (SECRET_CLASSES as readonly string[]).includes(stack) ? originSecretClass({ name: stack }) : undefined;
}

/**
 * `env` for planning `stack`, origin secret: one process environment plans every stack offline, so
 * when `TF_VAR_origin_verify_secret` holds an offline stand-in (any class's offlineOriginSecret),
 * each environment stack gets its own class's stand-in: prod `offlineOriginSecret("prod")`,
 * staging and `pr-<n>` `offlineOriginSecret("staging")`. A real value set by the caller, and
 * every other stack, are left as they are.
 */
export function stackOriginSecretEnv(stack: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const key = `TF_VAR_${ORIGIN_SECRET_VARIABLE}`;
  const cls = stackSecretClass(stack);
  const standIn = SECRET_CLASSES.some((c) => env[key] === offlineOriginSecret(c));
  return cls && standIn && env[key] !== offlineOriginSecret(cls) ? { ...env, [key]: offlineOriginSecret(cls) } : env;
}

/** Every per-stack substitution an offline plan of `stack` needs (image tag, origin secret): planStack applies it. */
export const stackPlanEnv = (stack: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv => stackOriginSecretEnv(stack, stackImageTagEnv(stack, env));

/**
 * Environment for offline terraform child processes: the offline CLI config, no phoning home, and
 * stand-ins for the deploy-time variables (image tag, origin secret) unless the caller set them.
 * The stand-ins are per stack in fact: planStack gives each stack its own (stackPlanEnv).
 */
export function terraformEnv(cliConfig: string, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    [`TF_VAR_${IMAGE_TAG_VARIABLE}`]: OFFLINE_IMAGE_TAG,
    [`TF_VAR_${ORIGIN_SECRET_VARIABLE}`]: offlineOriginSecret("staging"),
    ...withMasterPassword(base),
    TF_CLI_CONFIG_FILE: cliConfig,
    CHECKPOINT_DISABLE: "1",
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
  };
}

/**
 * Seeds every upstream state an offline plan reads: staging's (for previews). No environment stack
 * reads the edge state (offline, their certificate ARNs are stand-in literals). Terraform-native:
 * `terraform_remote_state` reads these files exactly as it would read S3.
 */
export function seedOfflineUpstreams(stateDir: string, envs: readonly EnvironmentConfig[]): void {
  const base = envs.find((e) => e.name === "staging");
  seedUpstreamState(stateDir, "staging", offlineSharedOutputs(base ? repositoriesOf(base) : ["web", "backend"]));
}

/**
 * Seeds `<stateDir>/<stack>.tfstate` with outputs only, so `terraform_remote_state` in a preview
 * reads real values during an offline plan (Terraform-native; nothing is skipped).
 */
export function seedUpstreamState(stateDir: string, stack: string, outputs: Readonly<Record<string, string | readonly string[]>> = offlineSharedOutputs()): string {
  fs.mkdirSync(stateDir, { recursive: true });
  const file = path.join(stateDir, `${stack}.tfstate`);
  const state = {
    version: 4,
    terraform_version: "1.11.4",
    serial: 1,
    lineage: `offline-seed-${stack}`,
    outputs: Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, { value: v, type: Array.isArray(v) ? ["list", "string"] : "string" }])),
    resources: [],
    check_results: null,
  };
  fs.writeFileSync(file, JSON.stringify(state, null, 2));
  return file;
}

export interface PlanSummary {
  readonly stack: string;
  readonly ok: boolean;
  /** Resources created (new or replaced), by Terraform type. */
  readonly toAdd: Readonly<Record<string, number>>;
  /** Counts per action, from Terraform's JSON plan (a replace counts once, under `replace`). */
  readonly counts: Counts;
  /** Terraform's warning diagnostics. */
  readonly warnings: readonly string[];
  /** The review: counts by type, risks first, notes. Absent when the plan failed. */
  readonly review?: PlanReview;
  /** Stack outputs whose values are known at plan time (e.g. `modeled_rollout_seconds`). */
  readonly outputs: Readonly<Record<string, unknown>>;
  /** Terraform's JSON plan (`terraform show -json`), for tools that read it further. */
  readonly plan?: PlanJson;
  /** `terraform show -no-color` of the plan, when asked for (`text: true`). */
  readonly text?: string;
  /** Terraform's error output when `ok` is false. */
  readonly error?: string;
  readonly seconds: number;
}

/** Progress lines of long steps (stderr in the CLIs): nothing is silent for more than HEARTBEAT_SECONDS. */
export type Progress = (line: string) => void;
export const HEARTBEAT_SECONDS = 10;

export interface PlanStackOptions {
  /** Read real infrastructure before planning. @default true (offline plans against a fabricated state pass false) */
  readonly refresh?: boolean;
  /** Take the state lock. @default false (offline state is local and private; online callers pass true) */
  readonly lock?: boolean;
  /** `-backend-config` pairs for init, e.g. `path=/tmp/x.tfstate` to plan against another local state. @default none */
  readonly backendConfig?: readonly string[];
  /**
   * `terraform init` first: `plain`; `reconfigure`, re-initialising the backend without migrating any
   * state (offline: one folder planned against several states); `skip`, the folder is already
   * initialised for the same backend. @default "plain"
   */
  readonly init?: "plain" | "reconfigure" | "skip";
  /** Also capture `terraform show -no-color` (the full plan for a PR comment). @default false */
  readonly text?: boolean;
  /** Plan file name in the stack folder. @default "offline.tfplan" */
  readonly planFile?: string;
  /** Where progress lines go. @default silent */
  readonly progress?: Progress;
  /**
   * `full`: Terraform's JSON plan read and reviewed (risks). `counts`: counts from the plan stream
   * only, 3–4 s faster (tests). `empty-state`: the caller knows the state holds no resources; a plan
   * of creates only is then reviewed from the stream (it has no risk by construction), anything else
   * gets the full review. @default "full"
   */
  readonly review?: "full" | "counts" | "empty-state";
  /** Seconds between "still …" lines while a step runs. @default HEARTBEAT_SECONDS (10) */
  readonly heartbeatSeconds?: number;
  /** Runs after init; returns the environment for the plan (e.g. with a variable read from state). A throw fails the plan with its message. @default the same environment */
  readonly afterInit?: () => Promise<NodeJS.ProcessEnv>;
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, heartbeat?: () => void, everySeconds = HEARTBEAT_SECONDS): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const timer = heartbeat ? setInterval(heartbeat, everySeconds * 1000) : undefined;
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => {
      clearInterval(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
    child.on("error", (err) => {
      clearInterval(timer);
      resolve({ code: 1, stdout, stderr: String(err) });
    });
  });
}

/** One line of `terraform plan -json` (Terraform's machine-readable UI stream). */
interface PlanLine {
  type?: string;
  diagnostic?: { severity: string; summary: string; detail?: string };
  change?: { action: string; resource: { addr: string; resource_type: string } };
  outputs?: Record<string, { action: string }>;
}

/** Stream actions → review counts ("noop" and "read" count nothing). */
const STREAM_ACTIONS: Readonly<Record<string, keyof Counts>> = { create: "add", update: "change", replace: "replace", delete: "destroy", import: "import", remove: "forget", move: "move" };

/**
 * Counts only, from the `plan -json` stream's `planned_change` and `outputs` messages: no
 * `terraform show -json` pass (3–4 s a stack), so no values and no risks. For tests and benches that
 * assert what a plan creates; every review a person reads is the full one.
 */
function countsFromStream(lines: readonly PlanLine[]): PlanReview {
  const counts = emptyCounts();
  const byType: Record<string, Counts> = {};
  for (const l of lines) {
    if (l.type !== "planned_change" || !l.change || l.change.resource.addr.startsWith("data.")) continue;
    const key = STREAM_ACTIONS[l.change.action];
    if (!key) continue;
    counts[key]++;
    (byType[l.change.resource.resource_type] ??= emptyCounts())[key]++;
  }
  const outputChanges = lines.filter((l) => l.type === "outputs").flatMap((l) => Object.values(l.outputs ?? {})).filter((o) => o.action !== "noop").length;
  return { counts, byType, risks: [], notes: ["counts only (terraform plan -json stream): risks need the full review"], fromEmptyState: false, outputChanges };
}

/** Outputs whose values the synthesized stack already states as literals (no `${...}`): known before any plan. */
function literalOutputs(stackDir: string): Record<string, unknown> {
  const json = JSON.parse(fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8")) as { output?: Record<string, { value?: unknown; sensitive?: boolean }> };
  return Object.fromEntries(Object.entries(json.output ?? {}).filter(([, o]) => !o.sensitive && o.value !== undefined && !JSON.stringify(o.value).includes("${")).map(([k, o]) => [k, o.value]));
}

/** Output holding the modeled rollout wait (a changed value is a review risk). */
export const ROLLOUT_OUTPUT = "modeled_rollout_seconds";

/**
 * Runs `terraform init` + `plan` in a synthesized stack folder, then reads Terraform's own JSON plan
 * (`terraform show -json`) and reviews it (scripts/lib/plan-review.ts). The binary plan stays in
 * the folder for a human `terraform show`. Online and offline callers share this function; only
 * the options differ.
 */
export async function planStack(stack: string, stackDir: string, env: NodeJS.ProcessEnv, opts: PlanStackOptions = {}): Promise<PlanSummary> {
  env = stackPlanEnv(stack, env);
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
  const say = opts.progress ?? (() => undefined);
  const beat = (what: string) => () => say(`${stack}: still ${what} (${elapsed()})`);
  const done = (rest: Omit<PlanSummary, "stack" | "seconds">): PlanSummary => {
    say(`${stack}: ${rest.ok ? "planned" : "FAILED"} in ${elapsed()}`);
    return { stack, seconds: (Date.now() - started) / 1000, ...rest };
  };
  const empty = { toAdd: {}, counts: emptyCounts(), outputs: {}, warnings: [] };
  const planFile = opts.planFile ?? "offline.tfplan";
  if (opts.init !== "skip") {
    say(`${stack}: terraform init`);
    const initArgs = ["init", "-input=false", "-no-color", ...(opts.init === "reconfigure" ? ["-reconfigure"] : []), ...(opts.backendConfig ?? []).map((c) => `-backend-config=${c}`)];
    const init = await run("terraform", initArgs, stackDir, env, beat("initialising"), opts.heartbeatSeconds);
    if (init.code !== 0) return done({ ok: false, ...empty, error: init.stderr || init.stdout });
  }
  if (opts.afterInit) {
    try {
      env = await opts.afterInit();
    } catch (e) {
      return done({ ok: false, ...empty, error: e instanceof Error ? e.message : String(e) });
    }
  }
  say(`${stack}: terraform plan${opts.refresh === false ? " -refresh=false" : ""}`);
  const planArgs = ["plan", "-input=false", "-no-color", `-lock=${opts.lock === true}`, ...(opts.lock ? ["-lock-timeout=5m"] : []), "-json", `-out=${planFile}`, ...(opts.refresh === false ? ["-refresh=false"] : [])];
  const plan = await run("terraform", planArgs, stackDir, env, beat("planning"), opts.heartbeatSeconds);
  const lines = plan.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as PlanLine);
  const diagnostics = (severity: string) => lines.filter((l) => l.type === "diagnostic" && l.diagnostic?.severity === severity).map((l) => l.diagnostic!);
  if (plan.code !== 0) {
    const errors = diagnostics("error").map((d) => `Error: ${d.summary}${d.detail ? `\n${d.detail}` : ""}`).join("\n\n");
    return done({ ok: false, ...empty, error: errors || plan.stderr || plan.stdout });
  }
  const warnings = diagnostics("warning").map((d) => d.summary.trim());
  const toAddOf = (review: PlanReview) => Object.fromEntries(Object.entries(review.byType).filter(([, c]) => c.add + c.replace).map(([t, c]) => [t, c.add + c.replace]));
  if (opts.review === "counts") {
    const review = countsFromStream(lines);
    return done({ ok: true, toAdd: toAddOf(review), counts: review.counts, warnings, review, outputs: literalOutputs(stackDir) });
  }
  if (opts.review === "empty-state") {
    // Only creates against a state with no resources: the full review would find no risk by
    // construction (nothing is updated, replaced or destroyed; widening is not listed on a new
    // stack), so the JSON pass is skipped unless the plan proves otherwise.
    const streamed = countsFromStream(lines);
    const { add, ...others } = streamed.counts;
    if (add > 0 && Object.values(others).every((n) => n === 0)) {
      const review: PlanReview = { ...streamed, fromEmptyState: true, notes: ["planned from an empty state: every resource is new (offline without --base, or a stack never deployed)"] };
      const text = opts.text ? (await run("terraform", ["show", "-no-color", planFile], stackDir, env, beat("rendering the plan"), opts.heartbeatSeconds)).stdout : undefined;
      return done({ ok: true, toAdd: toAddOf(review), counts: review.counts, warnings, review, outputs: literalOutputs(stackDir), ...(text === undefined ? {} : { text }) });
    }
  }
  say(`${stack}: reading the plan (terraform show -json)`);
  const shown = await run("terraform", ["show", "-json", planFile], stackDir, env, beat("reading the plan"), opts.heartbeatSeconds);
  if (shown.code !== 0) return done({ ok: false, ...empty, error: shown.stderr || shown.stdout });
  const json = JSON.parse(shown.stdout) as PlanJson;
  const text = opts.text ? (await run("terraform", ["show", "-no-color", planFile], stackDir, env, beat("rendering the plan"), opts.heartbeatSeconds)).stdout : undefined;
  const review = reviewPlan(json, { rolloutOutput: ROLLOUT_OUTPUT });
  return done({ ok: true, toAdd: toAddOf(review), counts: review.counts, warnings, review, outputs: literalOutputs(stackDir), plan: json, ...(text === undefined ? {} : { text }) });
}

/** Runs `tasks` with at most `limit` in flight, keeping result order. */
export async function pool<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}
