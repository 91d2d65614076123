/**
 * What the preview scripts (preview:up, preview:down, previews:sweep, smoke) share: argument
 * parsing, the child-process runner (injectable, so tests drive the sequencing without
 * terraform), the environment every cdktf/terraform child gets, reading a stack's outputs with
 * `terraform output -json`, and the variables each step needs, checked before anything runs.
 */
import { spawn } from "node:child_process";
import { MAX_PR_NUMBER } from "../../lib/data/preview-database-tasks";
import { CLOUDFLARE_ZONE_ID_VARIABLE } from "../../stacks/edge-state";

/** Exit codes of the preview scripts. */
export const EXIT = {
  /** Everything done (or nothing to do, said so). */
  ok: 0,
  /** A step ran and failed (a task exited non-zero, a destroy or deploy failed): the message says what to run next. */
  failed: 1,
  /** Nothing ran: a bad argument, a missing variable or missing AWS credentials. */
  usage: 2,
} as const;

/** A thrown input problem: the script prints the message and exits EXIT.usage, before anything runs. */
export class PreviewUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PreviewUsageError";
  }
}

/** A preview script's arguments: `<pr number>` and nothing else. Prints the usage error and returns undefined when they are wrong. */
export function prFromArgv(argv: readonly string[], usage: string): number | undefined {
  try {
    const pr = parsePrArgument(argv[0], usage);
    rejectUnknownFlags(argv.slice(1), [], usage);
    return pr;
  } catch (e) {
    if (!(e instanceof PreviewUsageError)) throw e;
    console.error(e.message);
    return undefined;
  }
}

/**
 * Parses a PR number argument: a whole number 1–99999 (MAX_PR_NUMBER), as given to
 * `npm run preview:down -- 42`. Throws PreviewUsageError naming the value and the fix.
 */
export function parsePrArgument(raw: string | undefined, usage: string): number {
  if (raw === undefined || raw === "") throw new PreviewUsageError(`usage: ${usage}; the pull-request number is missing, e.g. 42`);
  if (!/^[0-9]+$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_PR_NUMBER)
    throw new PreviewUsageError(`usage: ${usage}; ${JSON.stringify(raw)} is not a pull-request number: use a whole number from 1 to ${MAX_PR_NUMBER}, e.g. 42`);
  return Number(raw);
}

/** Refuses anything after the PR number that is not in `allowed`, naming it. */
export function rejectUnknownFlags(args: readonly string[], allowed: readonly string[], usage: string): void {
  const unknown = args.filter((a) => !allowed.includes(a));
  if (unknown.length) throw new PreviewUsageError(`usage: ${usage}; unknown argument(s): ${unknown.map((a) => JSON.stringify(a)).join(" ")}${allowed.length ? ` (allowed: ${allowed.join(" ")})` : ""}`);
}

/** What a child process did. `stdout` is only captured when asked (`capture`); otherwise it streamed to the terminal. */
export interface RunResult {
  readonly code: number;
  readonly stdout: string;
}

export interface RunOptions {
  readonly cwd?: string;
  readonly env: NodeJS.ProcessEnv;
  /** Capture stdout (terraform output -json) instead of streaming it; stderr always streams. @default false */
  readonly capture?: boolean;
}

/** Runs a command to completion. Injected, so tests replace terraform and cdktf with a recorder. */
export type Runner = (command: string, args: readonly string[], opts: RunOptions) => Promise<RunResult>;

/** The real runner: spawns the command, stdin closed (a prompt fails instead of hanging). */
export const spawnRunner: Runner = (command, args, opts) =>
  new Promise((resolve) => {
    const child = spawn(command, [...args], { cwd: opts.cwd, env: opts.env, stdio: ["ignore", opts.capture ? "pipe" : "inherit", "inherit"] });
    let stdout = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.on("error", (e) => resolve({ code: 127, stdout: `${command}: ${e.message}` }));
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout }));
  });

/**
 * The environment of every cdktf/terraform child: `CHECKPOINT_DISABLE=1` (no call to
 * checkpoint-api.hashicorp.com, which prints ENOTFOUND without network), `PR_NUMBER=<n>` so the
 * app builds the preview, `SHIPKIT_OPEN_PREVIEWS` only when given (the cap applies to deploys,
 * never to a teardown), and `extra` on top (undefined removes a variable).
 */
export function toolEnv(base: NodeJS.ProcessEnv, pr: number | undefined, extra: Readonly<Record<string, string | undefined>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, CHECKPOINT_DISABLE: "1" };
  delete env.SHIPKIT_OPEN_PREVIEWS;
  if (pr !== undefined) env.PR_NUMBER = String(pr);
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/** Outputs of a stack as `terraform output -json` prints them, values only. Empty = no state (or nothing deployed). */
export type StackOutputs = Readonly<Record<string, unknown>>;

export type OutputsResult = { readonly ok: true; readonly outputs: StackOutputs } | { readonly ok: false; readonly message: string };

/**
 * `terraform init -input=false` (streamed) then `terraform output -json` (captured) in a synthesized stack folder
 * (`cdktf.out/stacks/<stack>`). Uses `-json`: `-raw` refuses lists in Terraform 1.11
 * ("Unsupported value for raw output"), and the subnets are a list.
 */
export async function readStackOutputs(run: Runner, dir: string, env: NodeJS.ProcessEnv): Promise<OutputsResult> {
  // Streamed, not captured: the first init downloads providers, which takes a while and says so.
  // -reconfigure: never migrate state; a folder last initialised offline or with another role re-initialises.
  const init = await run("terraform", ["init", "-input=false", "-no-color", "-reconfigure"], { cwd: dir, env });
  if (init.code !== 0) return { ok: false, message: `terraform init in ${dir} exited ${init.code} (its error is above)` };
  const out = await run("terraform", ["output", "-json", "-no-color"], { cwd: dir, env, capture: true });
  if (out.code !== 0) return { ok: false, message: `terraform output -json in ${dir} exited ${out.code}` };
  try {
    const parsed = JSON.parse(out.stdout.trim() || "{}") as Record<string, { value: unknown }>;
    return { ok: true, outputs: Object.fromEntries(Object.entries(parsed).map(([name, o]) => [name, o.value])) };
  } catch {
    return { ok: false, message: `terraform output -json in ${dir} printed something that is not JSON: ${out.stdout.slice(0, 200)}` };
  }
}

/** A string output, or undefined. */
export const stringOutput = (outputs: StackOutputs, name: string): string | undefined => (typeof outputs[name] === "string" && outputs[name] !== "" ? (outputs[name] as string) : undefined);

/** A list-of-strings output, or undefined. */
export const listOutput = (outputs: StackOutputs, name: string): string[] | undefined => {
  const v = outputs[name];
  return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "string") ? (v as string[]) : undefined;
};

/**
 * The variables the DNS stack (stacks/dns-stack.ts) needs to plan, deploy or destroy: the
 * Cloudflare provider reads `CLOUDFLARE_API_TOKEN`, and the zone id is the variable
 * `cloudflare_zone_id` (`TF_VAR_cloudflare_zone_id`, 32 lowercase hex). Returns one problem per
 * variable, empty when both are fine.
 */
export const CLOUDFLARE_VARIABLES = ["CLOUDFLARE_API_TOKEN", `TF_VAR_${CLOUDFLARE_ZONE_ID_VARIABLE}`] as const;

export function cloudflareProblems(env: NodeJS.ProcessEnv, zone: string): string[] {
  const problems: string[] = [];
  if (!env.CLOUDFLARE_API_TOKEN) problems.push(`CLOUDFLARE_API_TOKEN is not set (a Cloudflare API token with DNS edit on zone ${zone})`);
  const zoneId = env[`TF_VAR_${CLOUDFLARE_ZONE_ID_VARIABLE}`];
  if (!zoneId) problems.push(`TF_VAR_${CLOUDFLARE_ZONE_ID_VARIABLE} is not set (the 32-hex-digit id of zone ${zone}, on its Cloudflare overview page)`);
  else if (!/^[0-9a-f]{32}$/.test(zoneId)) problems.push(`TF_VAR_${CLOUDFLARE_ZONE_ID_VARIABLE}=${JSON.stringify(zoneId)} is not a zone id: use the 32 lowercase hex digits of zone ${zone}`);
  return problems;
}

/** Checks AWS credentials can be resolved (the ECS/S3 clients' default chain); returns the problem, or undefined. */
export type CredentialsCheck = () => Promise<string | undefined>;

/**
 * A CredentialsCheck over an SDK client's credential provider: no network unless a provider in
 * the chain needs it (SSO, IMDS; tests set AWS_EC2_METADATA_DISABLED=true).
 */
export function sdkCredentialsCheck(client: { readonly config: { readonly credentials: () => Promise<unknown> } }): CredentialsCheck {
  return async () => {
    try {
      await client.config.credentials();
      return undefined;
    } catch (e) {
      return `no AWS credentials (${e instanceof Error ? e.message : String(e)}). Run with the preview role (shipkit-deploy-preview): in CI the OIDC step, by hand e.g. AWS_PROFILE=<profile with the role> after aws sso login.`;
    }
  };
}

/** A line logger; tests collect the lines. */
export interface Log {
  info(line: string): void;
  error(line: string): void;
}

export const consoleLog: Log = { info: (l) => console.log(l), error: (l) => console.error(l) };

/** Seconds since `start` (ms), one decimal. */
export const elapsed = (start: number, now: number = Date.now()): string => `${((now - start) / 1000).toFixed(1)} s`;
