/**
 * `npm run bootstrap -- <account id> [--auto-approve] [--migrate-state]` as a function of its
 * dependencies (docs/ci.md "Bootstrap once"). Run with ADMIN credentials of that account (the
 * roles it creates do not exist yet); never in CI.
 *
 * - Without --migrate-state: `cdktf deploy bootstrap-<account>`: the state bucket, the GitHub OIDC
 *   provider and the roles. While environments/bootstrap.ts says `local` for the account, its state
 *   is `.bootstrap-state/bootstrap-<account>.tfstate` (keep it until migrated; it holds no secret).
 * - --migrate-state, after switching the account to `bucket` in environments/bootstrap.ts: moves that
 *   state into the bucket it created (key `bootstrap-<account>/terraform.tfstate`) with
 *   `terraform init -migrate-state -force-copy` in the stack folder, which still knows the local
 *   backend from the deploy; from a fresh checkout (no `.terraform/`), `terraform init` then
 *   `terraform state push` of the local file. Then the local file can go.
 *
 * Tested via: test/stacks/bootstrap-script.test.ts
 */
import * as path from "node:path";
import { BOOTSTRAP_STATE, bootstrapStackName } from "../../environments/bootstrap";
import { LOCAL_BOOTSTRAP_STATE_DIR } from "../../stacks/bootstrap-stack";
import { EXIT, type Log, type Runner } from "./preview-tools";

export interface BootstrapArgs {
  readonly accountId: string;
  readonly autoApprove: boolean;
  readonly migrateState: boolean;
}

export const BOOTSTRAP_USAGE = "usage: npm run bootstrap -- <account id> [--auto-approve] [--migrate-state]";

/** Parses the arguments; throws the usage with what is wrong. */
export function parseBootstrapArgs(argv: readonly string[], accounts: readonly string[]): BootstrapArgs {
  const [accountId, ...flags] = argv;
  if (!accountId || !accounts.includes(accountId)) throw new Error(`${BOOTSTRAP_USAGE}: ${JSON.stringify(accountId ?? "")} is not an account of prod or staging (${accounts.join(", ")})`);
  const unknown = flags.filter((f) => f !== "--auto-approve" && f !== "--migrate-state");
  if (unknown.length) throw new Error(`${BOOTSTRAP_USAGE}: unknown flag(s) ${unknown.join(" ")}`);
  return { accountId, autoApprove: flags.includes("--auto-approve"), migrateState: flags.includes("--migrate-state") };
}

export interface BootstrapDeps {
  readonly env: NodeJS.ProcessEnv;
  readonly root: string;
  readonly log: Log;
  readonly run: Runner;
  /** Synthesizes the app online into `<root>/cdktf.out`. */
  readonly synth: () => void;
  /** Whether a path exists (tests fake the file system). */
  readonly exists: (file: string) => boolean;
  /** A file's text, or undefined when it cannot be read (tests fake the file system). */
  readonly readText: (file: string) => string | undefined;
  /** Creates a folder (and its parents). */
  readonly mkdir: (dir: string) => void;
  /** Where each account keeps its bootstrap state. @default environments/bootstrap.ts BOOTSTRAP_STATE */
  readonly state?: Readonly<Record<string, "local" | "bucket">>;
}

export async function bootstrap(args: BootstrapArgs, deps: BootstrapDeps): Promise<number> {
  const { log, run } = deps;
  const stack = bootstrapStackName(args.accountId);
  const mode = (deps.state ?? BOOTSTRAP_STATE)[args.accountId] ?? "local";
  const env = { ...deps.env, CHECKPOINT_DISABLE: "1" };
  const localState = path.join(deps.root, LOCAL_BOOTSTRAP_STATE_DIR, `${stack}.tfstate`);
  const dir = path.join(deps.root, "cdktf.out", "stacks", stack);

  if (!args.migrateState) {
    deps.mkdir(path.dirname(localState));
    log.info(`bootstrap ${args.accountId}: cdktf deploy ${stack} (state: ${mode === "local" ? localState : "the state bucket"}); use admin credentials of account ${args.accountId}`);
    const r = await run("npx", ["cdktf", "deploy", stack, ...(args.autoApprove ? ["--auto-approve"] : [])], { cwd: deps.root, env });
    if (r.code !== 0) {
      log.error(`bootstrap ${args.accountId}: FAILED: cdktf deploy ${stack} exited ${r.code}. Read the error above; rerunning is safe.`);
      return EXIT.failed;
    }
    log.info(
      mode === "local"
        ? `bootstrap ${args.accountId}: done. Next: set "${args.accountId}": "bucket" in environments/bootstrap.ts, then npm run bootstrap -- ${args.accountId} --migrate-state`
        : `bootstrap ${args.accountId}: done (state in the bucket).`,
    );
    return EXIT.ok;
  }

  if (mode !== "bucket") {
    log.error(`bootstrap ${args.accountId}: nothing was run: environments/bootstrap.ts still says "local" for ${args.accountId}; set it to "bucket" first (the stack's backend must name the bucket to migrate into)`);
    return EXIT.usage;
  }
  if (!deps.exists(localState)) {
    log.error(`bootstrap ${args.accountId}: nothing was run: no local state at ${localState} (already migrated, or bootstrapped from another checkout: copy that file here)`);
    return EXIT.usage;
  }
  deps.synth();
  // -force-copy only when the folder's backend cache is exactly the local bootstrap state: a cache of
  // anything else (another path, an S3 backend) must never be force-copied over the bucket's state.
  const knowsLocal = recordsLocalBackend(deps.readText(path.join(dir, ".terraform", "terraform.tfstate")), localState, dir);
  const steps: [string, string[]][] = knowsLocal
    ? [["terraform", ["init", "-input=false", "-migrate-state", "-force-copy"]]]
    : [
        ["terraform", ["init", "-input=false"]],
        ["terraform", ["state", "push", localState]],
      ];
  for (const [command, commandArgs] of steps) {
    log.info(`bootstrap ${args.accountId}: ${command} ${commandArgs.join(" ")} (in ${dir})`);
    const r = await run(command, commandArgs, { cwd: dir, env });
    if (r.code !== 0) {
      log.error(`bootstrap ${args.accountId}: FAILED: ${command} ${commandArgs.join(" ")} exited ${r.code}. The local state ${localState} is untouched; fix the cause and rerun.`);
      return EXIT.failed;
    }
  }
  log.info(`bootstrap ${args.accountId}: state moved to the bucket (key ${stack}/terraform.tfstate). Check with npm run plan -- ${stack} (no changes), then delete ${localState}.`);
  return EXIT.ok;
}

/** Whether a `.terraform/terraform.tfstate` backend cache records the local backend at `localState` (a relative path is relative to the stack folder). */
export function recordsLocalBackend(cache: string | undefined, localState: string, stackDir: string): boolean {
  if (!cache) return false;
  try {
    const backend = (JSON.parse(cache) as { backend?: { type?: string; config?: { path?: unknown } } }).backend;
    return backend?.type === "local" && typeof backend.config?.path === "string" && path.resolve(stackDir, backend.config.path) === path.resolve(localState);
  } catch {
    return false;
  }
}
