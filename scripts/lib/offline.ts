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
import { OFFLINE_ORIGIN_SECRET, ORIGIN_SECRET_VARIABLE, edgeStackName } from "../../stacks/edge-contract";
import { offlineEdgeOutputs } from "../../stacks/edge-state";
import { IMAGE_TAG_VARIABLE } from "../../stacks/environment-stack";
import { offlineSharedOutputs, repositoriesOf } from "../../stacks/shared-state";
import { withMasterPassword } from "./master-password";

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
 * Environment for offline terraform child processes: the offline CLI config, no phoning home, and
 * stand-ins for the deploy-time variables (image tag, origin secret) unless the caller set them.
 */
export function terraformEnv(cliConfig: string, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    [`TF_VAR_${IMAGE_TAG_VARIABLE}`]: OFFLINE_IMAGE_TAG,
    [`TF_VAR_${ORIGIN_SECRET_VARIABLE}`]: OFFLINE_ORIGIN_SECRET,
    ...withMasterPassword(base),
    TF_CLI_CONFIG_FILE: cliConfig,
    CHECKPOINT_DISABLE: "1",
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
  };
}

/**
 * Seeds every upstream state an offline plan reads: staging's (for previews) and each zone's edge
 * state (certificate ARNs for prod and staging). Terraform-native: `terraform_remote_state` reads
 * these files exactly as it would read S3.
 */
export function seedOfflineUpstreams(stateDir: string, envs: readonly EnvironmentConfig[]): void {
  const base = envs.find((e) => e.name === "staging");
  seedUpstreamState(stateDir, "staging", offlineSharedOutputs(base ? repositoriesOf(base) : ["web", "backend"]));
  for (const zone of new Set(envs.map((e) => e.cloudflare.zone))) seedUpstreamState(stateDir, edgeStackName(zone), offlineEdgeOutputs(envs));
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
  /** Resources to create, by Terraform type. */
  readonly toAdd: Readonly<Record<string, number>>;
  readonly counts: { readonly add: number; readonly change: number; readonly destroy: number };
  /** Terraform warnings and loud notes (e.g. a stateful resource deleted or replaced). */
  readonly warnings: readonly string[];
  /** Stack outputs whose values are known at plan time (e.g. `modeled_rollout_seconds`). */
  readonly outputs: Readonly<Record<string, unknown>>;
  /** Terraform's error output when `ok` is false. */
  readonly error?: string;
  readonly seconds: number;
}

/** Types whose deletion or replacement loses data: flagged loudly in every summary. */
export const STATEFUL_TYPES = new Set(["aws_db_instance", "aws_rds_cluster", "aws_s3_bucket", "aws_dynamodb_table", "aws_efs_file_system", "aws_elasticache_replication_group", "aws_backup_vault", "aws_kms_key", "aws_ecr_repository"]);

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.on("error", (err) => resolve({ code: 1, stdout, stderr: String(err) }));
  });
}

/** One line of `terraform plan -json` (the machine-readable UI stream) that the summary reads. */
interface PlanLine {
  type?: string;
  "@level"?: string;
  "@message"?: string;
  change?: { action: string; resource: { addr: string; resource_type: string; resource_key?: unknown } };
  diagnostic?: { severity: string; summary: string; detail?: string };
}

/** Outputs whose values the synthesized stack already states as literals (no `${...}`): known before any plan. */
function literalOutputs(stackDir: string): Record<string, unknown> {
  const json = JSON.parse(fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8")) as { output?: Record<string, { value?: unknown; sensitive?: boolean }> };
  return Object.fromEntries(Object.entries(json.output ?? {}).filter(([, o]) => !o.sensitive && o.value !== undefined && !JSON.stringify(o.value).includes("${")).map(([k, o]) => [k, o.value]));
}

/**
 * Runs `terraform init` + `plan` in a synthesized stack folder and summarises the plan. The plan
 * streams Terraform's own machine-readable changes (`-json`: one `planned_change` per resource with
 * its action), so no second `terraform show -json` pass is needed; the binary plan is still saved
 * to `offline.tfplan` for a human `terraform show`.
 */
export async function planStack(stack: string, stackDir: string, env: NodeJS.ProcessEnv): Promise<PlanSummary> {
  const started = Date.now();
  const done = (rest: Omit<PlanSummary, "stack" | "seconds">): PlanSummary => ({ stack, seconds: (Date.now() - started) / 1000, ...rest });
  const empty = { toAdd: {}, counts: { add: 0, change: 0, destroy: 0 }, outputs: {} };
  const init = await run("terraform", ["init", "-input=false", "-no-color"], stackDir, env);
  if (init.code !== 0) return done({ ok: false, ...empty, warnings: [], error: init.stderr || init.stdout });
  const plan = await run("terraform", ["plan", "-input=false", "-no-color", "-lock=false", "-json", "-out=offline.tfplan"], stackDir, env);
  const lines = plan.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as PlanLine);
  const diagnostics = (severity: string) => lines.filter((l) => l.type === "diagnostic" && l.diagnostic?.severity === severity).map((l) => l.diagnostic!);
  if (plan.code !== 0) {
    const errors = diagnostics("error").map((d) => `Error: ${d.summary}${d.detail ? `\n${d.detail}` : ""}`).join("\n\n");
    return done({ ok: false, ...empty, warnings: [], error: errors || plan.stderr || plan.stdout });
  }
  const toAdd: Record<string, number> = {};
  const counts = { add: 0, change: 0, destroy: 0 };
  const warnings = diagnostics("warning").map((d) => d.summary.trim());
  for (const l of lines) {
    // Data sources show as "read" (not counted below); managed resources create, update, replace or delete.
    if (l.type !== "planned_change" || !l.change || l.change.resource.addr.startsWith("data.")) continue;
    const { action, resource } = l.change;
    const creates = action === "create" || action === "replace";
    const deletes = action === "delete" || action === "replace";
    if (creates) {
      counts.add++;
      toAdd[resource.resource_type] = (toAdd[resource.resource_type] ?? 0) + 1;
    }
    if (action === "update") counts.change++;
    if (deletes) {
      counts.destroy++;
      if (STATEFUL_TYPES.has(resource.resource_type)) warnings.push(`STATEFUL ${creates ? "REPLACE" : "DESTROY"}: ${resource.addr}`);
    }
  }
  return done({ ok: true, toAdd, counts, warnings, outputs: literalOutputs(stackDir) });
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
