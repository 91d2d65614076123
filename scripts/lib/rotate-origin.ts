/**
 * Rotating one class's origin-verify secret (`npm run rotate:origin -- <prod|staging> [--apply]`),
 * as pure planning functions plus an executor over injected dependencies (docs/runbook.md,
 * "Rotate the origin secret"). A class (stacks/edge-contract.ts `OriginSecretClass`) is the
 * long-lived environment that owns a secret: prod's is checked by prod's ALB only; staging's by
 * staging's ALB, which also carries every open preview's listener rules.
 *
 * The procedure, for class C with current value OLD and new value NEW:
 * 1. Inputs from the environment only (never argv): OLD, NEW, the other class's current value (the
 *    edge stack needs both classes' values on every deploy), Cloudflare variables, alert webhooks,
 *    AWS credentials; all checked before anything runs, every missing one listed.
 * 2. Consumers of C: prod → [prod]; staging → [staging, every open preview pr-<n>] (state objects
 *    with resources in staging's state bucket, as preview:up and the sweeper find them).
 * 3. "accept both": each consumer, at the image tag it runs now, with current = NEW and previous =
 *    OLD. Each deploy is a saved plan reviewed first: it may only update `aws_lb_listener_rule`s in
 *    place, else it is refused (nothing applied) naming the stack and the unexpected changes.
 * 4. Checkpoint: the operator stores NEW as current and OLD as previous (Secrets Manager, GitHub
 *    `ORIGIN_VERIFY_SECRET_<C>` and `_PREVIOUS`), so CI deploys and new previews accept both.
 * 5. Re-check: step 3 again over every consumer open now (a deploy that finished since step 3 may
 *    have written the old value only; a preview may have opened), applying what changed, until a
 *    whole pass plans no change anywhere (at most RECHECK_ROUNDS passes; else stop before the edge,
 *    naming the stacks that keep changing). The edge never switches while a consumer does not
 *    accept NEW.
 * 6. Switch the edge: `edge-<zone>` with `origin_verify_secret_<C>` = NEW and the other class's
 *    current value; its plan may only update `cloudflare_ruleset`s, and must leave the other
 *    class's value as it is.
 * 7. Checkpoint (no 403s; the operator deletes `_PREVIOUS` in GitHub and Secrets Manager: CI passes
 *    it as the previous value, so while it exists any CI deploy accepts OLD again), then "drop
 *    old": each consumer with current = NEW, previous empty. Asked before the drop, so that the
 *    drop is final when the run ends.
 * 8. Summary.
 *
 * Stops at the first failure with the command that resumes; every phase is idempotent (a stack
 * already in the wanted state plans no change and is not applied).
 */
import * as path from "node:path";
import { prod, staging, type EnvironmentConfig } from "../../environments";
import { ORIGIN_SECRET_PREVIOUS_VARIABLE, ORIGIN_SECRET_VARIABLE, edgeOriginSecretVariable, edgeStackName, githubOriginSecret, githubPreviousOriginSecret, type OriginSecretClass } from "../../stacks/edge-contract";
import { CLOUDFLARE_ZONE_ID_VARIABLE } from "../../stacks/edge-state";
import { ALERT_WEBHOOK_VARIABLE_PREFIX, IMAGE_TAG_VARIABLE, MIGRATION_IMAGE_TAG_VARIABLE, imageTagProblem } from "../../stacks/stack-inputs";
import { actionOf, type PlanJson } from "./plan-json";
import { isNoChange, type PlanReview } from "./plan-review";
import { withMasterPassword } from "./master-password";
import { planStack } from "./offline";
import { EXIT, readStackOutputs, spawnRunner, stringOutput, toolEnv, type CredentialsCheck, type Log, type Runner } from "./preview-tools";

/** The classes, in the order usage lists them. */
export const ORIGIN_SECRET_CLASSES: readonly OriginSecretClass[] = ["prod", "staging"];

/** Where a run starts: the whole procedure, or (resuming after the edge switched) "drop old" only. */
export type RotationStart = "accept-both" | "drop-old";

/** Parsed `rotate:origin` arguments. */
export interface RotateArgs {
  /** The class whose secret rotates. */
  readonly cls: OriginSecretClass;
  /** `dry-run` prints the steps and the stacks; `apply` (`--apply`) runs them. @default "dry-run" */
  readonly mode: "dry-run" | "apply";
  /** `--from drop-old`: resume after the edge switched. @default "accept-both" */
  readonly from: RotationStart;
}

export const ROTATE_USAGE = "npm run rotate:origin -- <prod|staging> [--apply] [--from drop-old]";

/** Variable holding the new value (the class's current value is `TF_VAR_origin_verify_secret`). */
export const NEW_SECRET_VARIABLE = "SHIPKIT_ORIGIN_SECRET_NEW";
/** Variable holding the class's current (old) value: the one CI deploys use. */
export const OLD_SECRET_VARIABLE = `TF_VAR_${ORIGIN_SECRET_VARIABLE}`;
/** Variable holding the other class's current value, for the edge deploy. */
export const otherSecretVariable = (cls: OriginSecretClass): string => `TF_VAR_${edgeOriginSecretVariable(otherClass(cls))}`;

export const otherClass = (cls: OriginSecretClass): OriginSecretClass => (cls === "prod" ? "staging" : "prod");

/** The long-lived environment that owns class `cls`. */
export const classEnvironment = (cls: OriginSecretClass): EnvironmentConfig => (cls === "prod" ? prod : staging);

export class RotateUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RotateUsageError";
  }
}

/**
 * Parses `<prod|staging> [--apply] [--from accept-both|drop-old]`; throws RotateUsageError. An
 * argument that is not a known word is never echoed: it may be a secret pasted on the command line.
 */
export function parseRotateArgs(argv: readonly string[]): RotateArgs {
  const shown = (a: string) => (/^--?[a-z][a-z-]{0,30}$/.test(a) || /^[a-z]{1,20}$/.test(a) ? JSON.stringify(a) : "(not shown: it may be a secret; secrets are read from the environment only, never from the command line)");
  let cls: OriginSecretClass | undefined;
  let mode: RotateArgs["mode"] = "dry-run";
  let from: RotationStart = "accept-both";
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--apply") mode = "apply";
    else if (a === "--from") {
      const v = argv[++i];
      if (v !== "accept-both" && v !== "drop-old") throw new RotateUsageError(`usage: ${ROTATE_USAGE}; --from ${v === undefined ? "needs a value" : `takes accept-both or drop-old, not ${shown(v)}`}`);
      from = v;
    } else if (!a.startsWith("-") && cls === undefined && ORIGIN_SECRET_CLASSES.includes(a as OriginSecretClass)) cls = a as OriginSecretClass;
    else if (!a.startsWith("-") && cls === undefined) throw new RotateUsageError(`usage: ${ROTATE_USAGE}; the class ${shown(a)} is not one: use prod (prod's secret) or staging (staging's and every preview's)`);
    else throw new RotateUsageError(`usage: ${ROTATE_USAGE}; unexpected argument ${shown(a)}`);
  }
  if (!cls) throw new RotateUsageError(`usage: ${ROTATE_USAGE}; name the class to rotate: prod or staging`);
  return { cls, mode, from };
}

/** The validated inputs of a rotation. Never printed. */
export interface RotationInputs {
  /** The class's current value (`TF_VAR_origin_verify_secret`). */
  readonly old: string;
  /** The new value (`SHIPKIT_ORIGIN_SECRET_NEW`). */
  readonly next: string;
  /** The other class's current value (`TF_VAR_origin_verify_secret_<other>`), for the edge deploy. */
  readonly other: string;
}

const SECRET_SHAPE = /^[A-Za-z0-9]{32,128}$/;
const GENERATE = "openssl rand -hex 32";

/** What is wrong with a secret variable's value, without ever quoting it; undefined when fine. */
export function secretProblem(name: string, value: string | undefined, what: string): string | undefined {
  if (value === undefined || value === "") return `${name} is not set (${what}); export it in this shell (never on the command line)`;
  if (SECRET_SHAPE.test(value)) return undefined;
  const why = /[^A-Za-z0-9]/.test(value) ? "has characters other than letters and digits (ALB conditions treat * and ? as wildcards)" : `has ${value.length} characters`;
  return `${name} ${why}: it must be 32-128 letters and digits (${what}); a new value comes from \`${GENERATE}\``;
}

/** The webhook variables the consumers of `cls` declare (`TF_VAR_alert_webhook_<name>`); previews declare none. */
export const webhookVariables = (cls: OriginSecretClass): string[] => (classEnvironment(cls).observability.webhooks ?? []).map((n) => `TF_VAR_${ALERT_WEBHOOK_VARIABLE_PREFIX}${n}`);

/**
 * Every input problem of a rotation of `cls`, all at once; with none, the inputs. Pure: `env` is
 * the caller's environment. Cloudflare's variables are needed by the edge deploy (step 6); the
 * alert webhook variables by every deploy of a consumer that declares them: left unset, the plan
 * would unsubscribe the endpoint (an empty value is allowed when the stack has none).
 */
export function rotationInputs(cls: OriginSecretClass, env: NodeJS.ProcessEnv): { readonly ok: true; readonly inputs: RotationInputs } | { readonly ok: false; readonly problems: string[] } {
  const other = otherClass(cls);
  const problems: string[] = [];
  if (env.SHIPKIT_OFFLINE === "1") problems.push("SHIPKIT_OFFLINE=1 is set: offline mode is for plans only (local state, dummy credentials); unset it");
  const old = env[OLD_SECRET_VARIABLE];
  const next = env[NEW_SECRET_VARIABLE];
  const otherValue = env[otherSecretVariable(cls)];
  const oldProblem = secretProblem(OLD_SECRET_VARIABLE, old, `${cls}'s current secret, the value GitHub's ${githubOriginSecret(cls)} holds`);
  const nextProblem = secretProblem(NEW_SECRET_VARIABLE, next, `the new secret of ${cls}; generate it with \`${GENERATE}\``);
  const otherProblem = secretProblem(otherSecretVariable(cls), otherValue, `${other}'s current secret, the value GitHub's ${githubOriginSecret(other)} holds: every edge deploy sets both classes' values`);
  problems.push(...[oldProblem, nextProblem, otherProblem].filter((p): p is string => p !== undefined));
  if (!oldProblem && !nextProblem && old === next) problems.push(`${NEW_SECRET_VARIABLE} equals ${OLD_SECRET_VARIABLE}: the new value must differ from the current one; generate it with \`${GENERATE}\``);
  if (!nextProblem && !otherProblem && next === otherValue) problems.push(`${NEW_SECRET_VARIABLE} equals ${otherSecretVariable(cls)}: each class has its own secret; generate a new one with \`${GENERATE}\``);
  if (!env.CLOUDFLARE_API_TOKEN) problems.push(`CLOUDFLARE_API_TOKEN is not set (the edge deploy needs the EDGE token of zone ${classEnvironment(cls).cloudflare.zone}, the value of the GitHub secret CLOUDFLARE_EDGE_API_TOKEN: Zone Transform Rules Write and the edge's other permissions; the DNS-only token cannot write rulesets; docs/ci.md)`);
  const zoneId = env[`TF_VAR_${CLOUDFLARE_ZONE_ID_VARIABLE}`];
  if (!zoneId) problems.push(`TF_VAR_${CLOUDFLARE_ZONE_ID_VARIABLE} is not set (the 32-hex-digit id of zone ${classEnvironment(cls).cloudflare.zone}, on its Cloudflare overview page)`);
  else if (!/^[0-9a-f]{32}$/.test(zoneId)) problems.push(`TF_VAR_${CLOUDFLARE_ZONE_ID_VARIABLE} is not a zone id: use the 32 lowercase hex digits of zone ${classEnvironment(cls).cloudflare.zone}`);
  for (const name of webhookVariables(cls)) {
    const v = env[name];
    if (v === undefined) problems.push(`${name} is not set: use the URL ${cls} was deployed with (from your secret store), or set it empty if ${cls} has none; unset, the rotation plan would unsubscribe it and be refused`);
    else if (v !== "" && !v.startsWith("https://")) problems.push(`${name} is not an https:// URL (nor empty)`);
  }
  if (problems.length) return { ok: false, problems };
  return { ok: true, inputs: { old: old!, next: next!, other: otherValue! } };
}

/**
 * Who may run a rotation: the edge stack has an AWS provider in each account (each assuming that
 * account's deploy role) and the consumers use their own roles, so the credentials must be an
 * operator principal that the bootstrap lets assume the deploy roles of both accounts (and, for
 * staging's previews, the preview role): the bootstrap's operators, docs/ci.md.
 */
export const operatorHint = (cls: OriginSecretClass): string =>
  `Run with an operator principal listed in the bootstrap's operators for both accounts (docs/ci.md): it assumes ${
    cls === "staging"
      ? "prod's deploy role for the edge (and staging's, for the edge's certificates in staging's account), staging's deploy role and the preview role for the consumers"
      : "prod's deploy role for prod and the edge, and staging's deploy role for the edge's certificates in staging's account"
  }; e.g. AWS_PROFILE=<operator profile> after aws sso login.`;

/** A stack the rotation deploys. */
export interface RotationTarget {
  /** Stack name: `prod`, `staging`, `pr-<n>`, `edge-<zone>`. */
  readonly stack: string;
  /** A consumer (an environment stack whose ALB rules check the secret) or the zone's edge stack. */
  readonly kind: "consumer" | "edge";
  /** The preview's PR number (synth needs `PR_NUMBER=<n>`). @default not a preview */
  readonly pr?: number;
}

/** The stacks whose listener rules check `cls`'s secret: prod → [prod]; staging → [staging, pr-<n> for each open preview, in PR order]. */
export function consumersOf(cls: OriginSecretClass, previews: readonly number[]): RotationTarget[] {
  const base: RotationTarget = { stack: cls, kind: "consumer" };
  if (cls === "prod") return [base];
  return [base, ...[...new Set(previews)].sort((a, b) => a - b).map((pr): RotationTarget => ({ stack: `pr-${pr}`, kind: "consumer", pr }))];
}

/** The edge stack of `cls`'s zone. */
export const edgeTarget = (cls: OriginSecretClass): RotationTarget => ({ stack: edgeStackName(classEnvironment(cls).cloudflare.zone), kind: "edge" });

/** The two deploys of a consumer: accept both values, then the new one only. */
export type ConsumerPhase = "accept-both" | "drop-old";

/**
 * The Terraform variables of a consumer's rotation deploy: the running image (services stay where
 * they are; the migration task follows image_tag, so an operator's leftover
 * `TF_VAR_migration_image_tag` is removed), current = NEW, previous = OLD or empty.
 */
export function consumerVariables(phase: ConsumerPhase, inputs: RotationInputs, imageTag: string): Record<string, string | undefined> {
  return {
    [`TF_VAR_${IMAGE_TAG_VARIABLE}`]: imageTag,
    [`TF_VAR_${MIGRATION_IMAGE_TAG_VARIABLE}`]: undefined,
    [`TF_VAR_${ORIGIN_SECRET_VARIABLE}`]: inputs.next,
    [`TF_VAR_${ORIGIN_SECRET_PREVIOUS_VARIABLE}`]: phase === "accept-both" ? inputs.old : "",
  };
}

/** The edge deploy's secret variables: NEW for `cls`, the other class's current value for the other. */
export function edgeVariables(cls: OriginSecretClass, inputs: RotationInputs): Record<string, string> {
  return { [`TF_VAR_${edgeOriginSecretVariable(cls)}`]: inputs.next, [`TF_VAR_${edgeOriginSecretVariable(otherClass(cls))}`]: inputs.other };
}

/** One numbered step of the procedure, as the dry run prints it. */
export interface RotationStep {
  /** What the step does, one line. */
  readonly title: string;
  /** Stacks the step deploys (or plans, for a check). @default none */
  readonly stacks?: readonly string[];
}

/** The run's steps, for class `cls` with these open previews, from `from`. Pure. */
export function rotationSteps(cls: OriginSecretClass, previews: readonly number[], from: RotationStart): RotationStep[] {
  const consumers = consumersOf(cls, previews).map((t) => t.stack);
  const edge = edgeTarget(cls).stack;
  const gh = githubOriginSecret(cls);
  const ghPrevious = githubPreviousOriginSecret(cls);
  const dropOld: RotationStep = {
    title: `"drop old": deploy each consumer${cls === "staging" ? " (open previews listed again first)" : ""} at its running image tag with ${ORIGIN_SECRET_VARIABLE}=new and ${ORIGIN_SECRET_PREVIOUS_VARIABLE} empty (saved plan; only in-place aws_lb_listener_rule updates allowed): the old value stops working, for good since ${ghPrevious} is deleted`,
    stacks: consumers,
  };
  const deletePrevious: RotationStep = {
    title: `Checkpoint (you confirm): no 403 spike on ${cls === "staging" ? "staging's ALB" : "prod's ALB"} (the edge sends new now), new is stored as ${gh}, and ${ghPrevious} and the previous value in Secrets Manager are DELETED (while ${ghPrevious} exists, CI passes it as ${ORIGIN_SECRET_PREVIOUS_VARIABLE} and every CI deploy accepts old again)`,
  };
  const finish: RotationStep = { title: `Summary: the old value opens no ${cls === "staging" ? "staging or preview" : "prod"} host any more` };
  if (from === "drop-old")
    return [{ title: `Check that ${edge} already sends the new value to ${cls}'s hosts (plan with ${edgeOriginSecretVariable(cls)}=new: no change)`, stacks: [edge] }, deletePrevious, dropOld, finish];
  return [
    { title: `"accept both": deploy each consumer at its running image tag with ${ORIGIN_SECRET_VARIABLE}=new and ${ORIGIN_SECRET_PREVIOUS_VARIABLE}=old (saved plan; only in-place aws_lb_listener_rule updates allowed, else refused)`, stacks: consumers },
    { title: `Checkpoint (you confirm): set GitHub ${ghPrevious}=old and ${gh}=new, and the same in Secrets Manager (current=new, previous=old), so CI deploys${cls === "staging" ? " and new previews" : ""} accept both` },
    {
      title: `Re-check: "accept both" again over every consumer open now${cls === "staging" ? " (previews listed again: one opened since step 1 joins)" : ""}, applying any stack a deploy put back to the old value only, until a whole pass plans no change (at most ${RECHECK_ROUNDS} passes, else stop: the edge never switches while a consumer does not accept new)`,
      stacks: consumers,
    },
    {
      title: `Switch the edge: deploy ${edge} with ${edgeOriginSecretVariable(cls)}=new and ${edgeOriginSecretVariable(otherClass(cls))}=${otherClass(cls)}'s current value (saved plan; only in-place cloudflare_ruleset updates allowed, ${otherClass(cls)}'s value must stay as it is)`,
      stacks: [edge],
    },
    deletePrevious,
    dropOld,
    finish,
  ];
}

/** One planned resource change, from Terraform's JSON plan. `before`/`after` may hold secrets: never print them. */
export interface PlannedChange {
  /** Resource address. */
  readonly address: string;
  /** Resource type. */
  readonly type: string;
  /** update, create, delete, replace, forget; or move / import when that is all it does. */
  readonly action: string;
  /** The resource before the change. @default absent for moves and imports */
  readonly before?: unknown;
  /** The resource after the change. @default absent for moves and imports */
  readonly after?: unknown;
}

/** What the guard reads of a plan: plan-review's review, the resource changes by address, and the outputs that change. */
export interface RotationPlan {
  /** plan-review.ts's review of the JSON plan: counts per type, risks. */
  readonly review: PlanReview;
  /** Every managed resource the plan changes, moves or imports. */
  readonly changes: readonly PlannedChange[];
  /** Names of the outputs whose value changes. */
  readonly changedOutputs: readonly string[];
}

/** The managed resources a JSON plan changes (no-ops and data reads left out), and its changed outputs. Pure. */
export function planChanges(plan: PlanJson): { changes: PlannedChange[]; changedOutputs: string[] } {
  const changes: PlannedChange[] = [];
  for (const rc of plan.resource_changes ?? []) {
    if (rc.mode !== "managed") continue;
    const action = actionOf(rc.change.actions);
    const moved = rc.previous_address !== undefined && rc.previous_address !== rc.address;
    const importing = rc.change.importing !== undefined;
    if (action === "no-op" || action === "read") {
      if (moved || importing) changes.push({ address: rc.address, type: rc.type, action: moved ? `move from ${rc.previous_address}` : "import" });
      continue;
    }
    changes.push({ address: rc.address, type: rc.type, action: `${action}${moved ? ` (moved from ${rc.previous_address})` : ""}${importing ? " (import)" : ""}`, before: rc.change.before, after: rc.change.after });
  }
  const changedOutputs = Object.entries(plan.output_changes ?? {}).filter(([, c]) => actionOf(c.actions) !== "no-op").map(([name]) => name);
  return { changes, changedOutputs };
}

/** The only resource type a rotation deploy may change (in place), per kind of stack. */
export const ALLOWED_TYPE: Readonly<Record<RotationTarget["kind"], string>> = { consumer: "aws_lb_listener_rule", edge: "cloudflare_ruleset" };

/**
 * The listener-only guard: every change in the plan that is not an in-place update of `allowed`
 * (and every risk the review found, and every changed output), one line each; empty = safe to
 * apply. Reads plan-review's per-type counts, so a change the address list missed still counts.
 */
export function unexpectedChanges(plan: RotationPlan, allowed: string): string[] {
  const out: string[] = [];
  for (const c of plan.changes) if (c.type !== allowed || c.action !== "update") out.push(`${c.address}: ${c.action}`);
  const named = new Set(plan.changes.filter((c) => c.type !== allowed || c.action !== "update").map((c) => c.type));
  for (const [type, counts] of Object.entries(plan.review.byType)) {
    const { change, ...others } = counts;
    const odd = Object.entries(type === allowed ? others : { change, ...others }).filter(([, n]) => n > 0);
    if (odd.length && !named.has(type)) out.push(`${type}: ${odd.map(([k, n]) => `${n} to ${k}`).join(", ")}`);
  }
  for (const r of plan.review.risks) out.push(`${r.address}: ${r.kind} (${r.detail})`);
  for (const o of plan.changedOutputs) out.push(`output.${o}: changes`);
  return out;
}

/** Every string inside a JSON value (keys left out). */
function strings(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (typeof value === "string") into.add(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, into);
  else if (value && typeof value === "object") for (const v of Object.values(value)) strings(v, into);
  return into;
}

/**
 * The edge's secret check, on an edge plan that passed unexpectedChanges: the changed rulesets must
 * set NEW, and must neither add nor drop the other class's value (a wrong
 * `TF_VAR_origin_verify_secret_<other>` would switch the other class's header and lock it out).
 * Compares values only; never returns one. Empty = fine. A plan with no change passes (nothing moves).
 */
export function edgeSwitchProblems(cls: OriginSecretClass, inputs: RotationInputs, changes: readonly PlannedChange[]): string[] {
  const rulesets = changes.filter((c) => c.type === ALLOWED_TYPE.edge);
  if (!rulesets.length) return [];
  const before = new Set<string>();
  const after = new Set<string>();
  for (const c of rulesets) {
    strings(c.before, before);
    strings(c.after, after);
  }
  const problems: string[] = [];
  if (!after.has(inputs.next)) problems.push(`the plan changes ${rulesets.map((c) => c.address).join(", ")} but none of them sends the new value of ${cls} afterwards: is ${edgeOriginSecretVariable(cls)} the edge stack's variable for ${cls}?`);
  if (before.has(inputs.other) !== after.has(inputs.other))
    problems.push(`${otherSecretVariable(cls)} is not the value the edge sends to ${otherClass(cls)}'s hosts now: the plan would change ${otherClass(cls)}'s header too and lock ${otherClass(cls)} out. Set it to ${otherClass(cls)}'s current secret (GitHub ${githubOriginSecret(otherClass(cls))}, Secrets Manager)`);
  return problems;
}

/** Open previews listed again before the edge switch, against those already planned with accept both (for the log). Pure. */
export function recheckPreviews(accepting: readonly number[], open: readonly number[]): { readonly newcomers: number[]; readonly closed: number[] } {
  const has = new Set(accepting);
  const now = new Set(open);
  return { newcomers: [...now].filter((n) => !has.has(n)).sort((a, b) => a - b), closed: [...has].filter((n) => !now.has(n)).sort((a, b) => a - b) };
}

/**
 * Passes of the re-check before the edge switch (every consumer open now, planned with accept both,
 * what changed applied): the run goes on after the first pass that changes nothing, and gives up
 * on a moving target when pass RECHECK_ROUNDS still had to apply something.
 */
export const RECHECK_ROUNDS = 3;

type Result<T = object> = ({ readonly ok: true } & T) | { readonly ok: false; readonly message: string };

export interface RotateDeps {
  /** The caller's environment (the entry passes process.env); read through rotationInputs only. */
  readonly env: NodeJS.ProcessEnv;
  /** Where progress and errors go. */
  readonly log: Log;
  /** Whether AWS credentials resolve (no network unless the credential chain needs it). */
  readonly checkCredentials: CredentialsCheck;
  /** PR numbers of the open previews (state with resources in staging's state bucket). */
  readonly listPreviews: () => Promise<readonly number[]>;
  /** Synthesizes the target's stack and reads `services_image_tag` from its state; `tag` undefined when the state has none. */
  readonly runningImageTag: (target: RotationTarget) => Promise<Result<{ readonly tag?: string }>>;
  /** Plans the target with `vars` on top of `env` into a saved plan, and reviews it. */
  readonly plan: (target: RotationTarget, vars: Readonly<Record<string, string | undefined>>) => Promise<Result<{ readonly plan: RotationPlan }>>;
  /** Applies the saved plan of the last `plan` of this target (same variables: ephemeral ones must be set again). */
  readonly apply: (target: RotationTarget, vars: Readonly<Record<string, string | undefined>>) => Promise<Result>;
  /** Asks the operator; true to go on. */
  readonly confirm: (question: string) => Promise<boolean>;
}

/** What happened to one stack in one phase. */
export interface Touched {
  /** Stack name. */
  readonly stack: string;
  /** `applied`: its saved plan was applied; `unchanged`: its plan changed nothing (already done). */
  readonly outcome: "applied" | "unchanged";
}

/** Stacks touched per phase, for the summary. */
export interface RotationRecord {
  /** Consumers of phase "accept both" (step 1). */
  readonly acceptBoth: Touched[];
  /** The re-check before the edge switch: per pass, the stacks it had to apply again (the last pass of a run that went on: none). */
  readonly recheck: string[][];
  /** The edge stack (switched, or found already sending the new value when resuming). */
  readonly edge: Touched[];
  /** Consumers of phase "drop old". */
  readonly dropOld: Touched[];
}

/** The summary lines: the class, every stack touched per phase, the re-check's passes, previews by number. Pure. */
export function summaryLines(cls: OriginSecretClass, record: RotationRecord): string[] {
  const list = (ts: readonly Touched[]) => (ts.length ? ts.map((t) => `${t.stack} (${t.outcome})`).join(", ") : "none");
  const prs = (stacks: readonly string[]) => stacks.map((s) => /^pr-([0-9]+)$/.exec(s)?.[1]).filter((n): n is string => n !== undefined);
  const stacks = [...record.acceptBoth, ...record.dropOld].map((t) => t.stack).concat(record.recheck.flat());
  const previews = [...new Set(prs(stacks))].sort((a, b) => Number(a) - Number(b));
  const recheck = record.recheck.length ? record.recheck.map((applied, i) => `pass ${i + 1}: ${applied.length ? `re-applied ${applied.join(", ")}` : "no change"}`).join("; ") : "not run";
  return [
    `rotate:origin ${cls}: summary`,
    `  accept both: ${list(record.acceptBoth)}`,
    `  re-check:    ${recheck}`,
    `  edge:        ${list(record.edge)}`,
    `  drop old:    ${list(record.dropOld)}`,
    ...(cls === "staging" ? [`  previews:    ${previews.length ? previews.map((n) => `#${n}`).join(", ") : "none open"}`] : []),
  ];
}

/**
 * Runs (or, without --apply, prints) the rotation. Exit 0 done (dry run printed), 1 a step failed
 * or was refused (the message names the stack and the command that resumes), 2 nothing ran
 * (arguments, inputs, credentials).
 */
export async function rotateOrigin(args: RotateArgs, deps: RotateDeps): Promise<number> {
  const { log, cls } = { log: deps.log, cls: args.cls };
  const name = `rotate:origin ${cls}`;
  const read = rotationInputs(cls, deps.env);
  if (!read.ok) {
    log.error(`${name}: nothing was run. Missing or invalid inputs:\n${read.problems.map((p) => `  - ${p}`).join("\n")}`);
    return EXIT.usage;
  }
  const credentials = await deps.checkCredentials();
  if (credentials) {
    log.error(`${name}: nothing was run: ${credentials}. ${operatorHint(cls)}`);
    return EXIT.usage;
  }
  const inputs = read.inputs;
  const edge = edgeTarget(cls);
  const rerun = `npm run rotate:origin -- ${cls} --apply`;
  const resumeDropOld = `${rerun} --from drop-old`;
  const same = "with the same environment variables";
  const previews = cls === "staging" ? [...new Set(await deps.listPreviews())].sort((a, b) => a - b) : [];
  const steps = rotationSteps(cls, previews, args.from);
  log.info(`${name}${args.mode === "apply" ? "" : " (dry run)"}: ${cls === "staging" ? `consumers: staging and ${previews.length} open preview(s)${previews.length ? ` (${previews.map((n) => `#${n}`).join(", ")})` : ""}` : "consumer: prod"}; edge: ${edge.stack}${args.from === "drop-old" ? "; resuming at drop old" : ""}`);
  steps.forEach((s, i) => log.info(`  ${i + 1}. ${s.title}${s.stacks?.length ? `\n     stacks: ${s.stacks.join(", ")}` : ""}`));
  if (args.mode === "dry-run") {
    log.info(`dry run: nothing was touched. To run these steps: ${rerun}${args.from === "drop-old" ? " --from drop-old" : ""}`);
    return EXIT.ok;
  }

  const record: RotationRecord = { acceptBoth: [], recheck: [], edge: [], dropOld: [] };
  /** Plans, guards and applies one stack; logs the refusal or failure with `resume`. */
  const rotate = async (target: RotationTarget, vars: Record<string, string | undefined>, what: string, resume: string): Promise<Touched | undefined> => {
    const stop = (why: string) => {
      log.error(`${name}: STOPPED at ${target.stack} (${what}): ${why}\nResume ${same}: ${resume}`);
      return undefined;
    };
    log.info(`${name}: ${target.stack}: planning (${what})`);
    const planned = await deps.plan(target, vars);
    if (!planned.ok) return stop(`the plan failed: ${planned.message}. Nothing was applied to ${target.stack}.`);
    const unexpected = unexpectedChanges(planned.plan, ALLOWED_TYPE[target.kind]);
    if (unexpected.length)
      return stop(
        `refused: the plan changes more than in-place ${ALLOWED_TYPE[target.kind]} updates, so nothing was applied to ${target.stack}. Unexpected:\n${unexpected.map((u) => `    ${u}`).join("\n")}\n  A rotation deploy must change the secret only: ${
          target.kind === "edge"
            ? `deploy the pending edge change first, with a normal reviewed deploy and both classes' CURRENT values (npm run deploy -- ${target.stack}), and check that a second npm run plan -- ${target.stack} is clean (the ACM validation records ignore their cosmetic settings drift; anything else pending blocks the rotation)`
            : `bring ${target.stack} in line first (a missing variable such as an alert webhook, drift, an undeployed change), check with npm run plan -- ${target.stack}`
        }.`,
      );
    if (target.kind === "edge") {
      const problems = edgeSwitchProblems(cls, inputs, planned.plan.changes);
      if (problems.length) return stop(`refused, nothing was applied: ${problems.join("; ")}.`);
    }
    if (isNoChange(planned.plan.review) && planned.plan.changes.length === 0) {
      log.info(`${name}: ${target.stack}: already done (the plan changes nothing); not applied`);
      return { stack: target.stack, outcome: "unchanged" };
    }
    const rules = planned.plan.changes.length;
    log.info(`${name}: ${target.stack}: applying the saved plan (${rules} ${ALLOWED_TYPE[target.kind]} update${rules === 1 ? "" : "s"}, in place)`);
    const applied = await deps.apply(target, vars);
    if (!applied.ok) return stop(`the apply failed: ${applied.message}.`);
    log.info(`${name}: ${target.stack}: done`);
    return { stack: target.stack, outcome: "applied" };
  };
  const consumer = async (target: RotationTarget, phase: ConsumerPhase, resume: string): Promise<Touched | undefined> => {
    const tag = await deps.runningImageTag(target);
    const where = `${target.stack} (${phase === "accept-both" ? "accept both" : "drop old"})`;
    if (!tag.ok) {
      log.error(`${name}: STOPPED at ${where}: reading its state failed: ${tag.message}. Nothing was applied to ${target.stack}.\nResume ${same}: ${resume}`);
      return undefined;
    }
    if (!tag.tag) {
      log.error(`${name}: STOPPED at ${where}: its state has no services_image_tag output, so there is no running image to keep: is ${target.stack} deployed? Deploy it normally, or tear a broken preview down (npm run preview:down -- <n>), then resume ${same}: ${resume}`);
      return undefined;
    }
    const tagProblem = imageTagProblem(tag.tag, target.pr ? { kind: "preview", prNumber: target.pr } : { kind: "release" });
    if (tagProblem) {
      log.error(`${name}: STOPPED at ${where}: it runs ${tagProblem}. Redeploy it (${target.pr ? `npm run preview:up -- ${target.pr}` : "npm run deploy"}) or tear it down, then resume ${same}: ${resume}`);
      return undefined;
    }
    const what = phase === "accept-both" ? `accept both at ${tag.tag}: current = new, previous = old` : `drop old at ${tag.tag}: current = new, previous empty`;
    return rotate(target, consumerVariables(phase, inputs, tag.tag), what, resume);
  };

  const gh = githubOriginSecret(cls);
  const ghPrevious = githubPreviousOriginSecret(cls);
  /**
   * Step 3 again over every consumer open now, until a whole pass changes nothing: a CI deploy that
   * finished since step 1 (started before the GitHub secrets changed), or a preview opened meanwhile,
   * may accept the old value only. True: every consumer accepts both; false: stopped (logged).
   */
  const settle = async (accepting: Set<number>): Promise<boolean> => {
    let last: string[] = [];
    for (let pass = 1; pass <= RECHECK_ROUNDS; pass++) {
      const open = cls === "staging" ? [...new Set(await deps.listPreviews())].sort((a, b) => a - b) : [];
      const targets = consumersOf(cls, open);
      log.info(`${name}: re-check ${pass}/${RECHECK_ROUNDS}: "accept both" again on ${targets.map((t) => t.stack).join(", ")} (a deploy since step 1 may have written the old value only)`);
      if (cls === "staging") {
        const { newcomers, closed } = recheckPreviews([...accepting], open);
        if (newcomers.length) log.info(`${name}: opened since step 1: ${newcomers.map((n) => `pr-${n}`).join(", ")}`);
        if (closed.length) log.info(`${name}: closed since: ${closed.map((n) => `pr-${n}`).join(", ")} (nothing to do)`);
      }
      last = [];
      for (const target of targets) {
        const t = await consumer(target, "accept-both", rerun);
        if (!t) return false;
        if (t.outcome === "applied") last.push(t.stack);
        if (target.pr) accepting.add(target.pr);
      }
      record.recheck.push(last);
      if (!last.length) {
        log.info(`${name}: re-check ${pass}: no change anywhere: every consumer accepts old and new`);
        return true;
      }
      log.info(`${name}: re-check ${pass}: applied again: ${last.join(", ")}; checking every consumer once more`);
    }
    log.error(
      `${name}: STOPPED before the edge switch: consumers keep changing: re-check ${RECHECK_ROUNDS} of ${RECHECK_ROUNDS} still had to apply ${last.join(", ")} (deployed with the old value only since the previous pass: a deploy or preview workflow that started before ${ghPrevious} and ${gh} were set, a preview opened meanwhile, or those secrets not set as confirmed). The edge was not switched: Cloudflare still sends the old value, which every consumer accepts. Check both GitHub secrets, let running deploy and preview workflows finish (or pause them), then resume ${same}: ${rerun}`,
    );
    return false;
  };
  /** Checkpoint before "drop old": no 403s, GitHub holds new only (the _PREVIOUS secret deleted, so no CI deploy brings the old value back). */
  const confirmDropOld = async (): Promise<boolean> => {
    log.info(
      `${name}: before the old value is dropped:\n  - check the ALB's 403 count (HTTPCode_ELB_4XX_Count / the dashboard) for a few minutes\n  - GitHub: ${gh} must hold the new value; DELETE ${ghPrevious}: CI passes it as ${ORIGIN_SECRET_PREVIOUS_VARIABLE}, so while it exists every CI deploy${cls === "staging" ? " and new preview" : ""} accepts the old value again\n  - Secrets Manager: delete the previous value\n  - let deploy${cls === "staging" ? " and preview" : ""} workflows that started before the deletion finish\n  so the drop that follows is final.`,
    );
    if (await deps.confirm(`No 403 spike, ${gh} holds the new value, and ${ghPrevious} is deleted? Type yes to drop the old value`)) return true;
    log.error(`${name}: STOPPED before "drop old" (not confirmed): consumers still accept the old value too. Resume ${same}: ${resumeDropOld}`);
    return false;
  };

  if (args.from === "accept-both") {
    // Phase "accept both".
    const accepting = new Set<number>();
    for (const target of consumersOf(cls, previews)) {
      const t = await consumer(target, "accept-both", rerun);
      if (!t) return EXIT.failed;
      record.acceptBoth.push(t);
      if (target.pr) accepting.add(target.pr);
    }
    log.info(
      `${name}: every consumer accepts old and new. Now, before the edge switches:\n  - GitHub: set ${ghPrevious} = the old value, then ${gh} = the new value${cls === "prod" ? " (environment secrets of prod)" : " (repository secrets)"}\n  - Secrets Manager: previous = old, current = new\n  so CI deploys${cls === "staging" ? " and new previews" : ""} accept both.`,
    );
    if (!(await deps.confirm(`Have you set ${ghPrevious} and ${gh} (and Secrets Manager)? Type yes to switch the edge`))) {
      log.error(`${name}: STOPPED before the edge switch (not confirmed). Every consumer accepts both; Cloudflare still sends the old value. Resume ${same}: ${rerun} (consumers already accepting both plan no change)`);
      return EXIT.failed;
    }
    // Every consumer open now must accept NEW before the edge sends it.
    if (!(await settle(accepting))) return EXIT.failed;
    // Switch the edge.
    const e = await rotate(edge, edgeVariables(cls, inputs), `switch ${cls}'s header to the new value; ${otherClass(cls)}'s stays`, rerun);
    if (!e) return EXIT.failed;
    record.edge.push(e);
    log.info(`${name}: Cloudflare sends the new value to ${cls}'s hosts.`);
  } else {
    // Resuming: only once the edge sends NEW may the consumers stop accepting OLD.
    log.info(`${name}: ${edge.stack}: checking that it already sends the new value`);
    const planned = await deps.plan(edge, edgeVariables(cls, inputs));
    if (!planned.ok) {
      log.error(`${name}: STOPPED: planning ${edge.stack} failed: ${planned.message}. Nothing was changed.\nResume ${same}: ${resumeDropOld}`);
      return EXIT.failed;
    }
    const pending = [...planned.plan.changes.map((c) => `${c.address}: ${c.action}`), ...planned.plan.changedOutputs.map((o) => `output.${o}: changes`)];
    if (pending.length) {
      log.error(`${name}: STOPPED: ${edge.stack} does not send the new value yet (its plan with ${edgeOriginSecretVariable(cls)}=new would change ${pending.join("; ")}). Dropping the old value now would lock ${cls} out. Nothing was changed. Run the whole rotation ${same}: ${rerun}`);
      return EXIT.failed;
    }
    record.edge.push({ stack: edge.stack, outcome: "unchanged" });
  }
  if (!(await confirmDropOld())) return EXIT.failed;

  // Phase "drop old": every consumer open now (a preview opened meanwhile got both values or, after the deletion, the new one only).
  const now = cls === "staging" ? [...(await deps.listPreviews())] : [];
  for (const target of consumersOf(cls, now)) {
    const t = await consumer(target, "drop-old", resumeDropOld);
    if (!t) return EXIT.failed;
    record.dropOld.push(t);
  }
  for (const line of summaryLines(cls, record)) log.info(line);
  log.info(
    `${name}: done. The old value opens none of these stacks any more, and stays dropped only while ${ghPrevious} stays deleted (you confirmed it before "drop old"): CI passes it as ${ORIGIN_SECRET_PREVIOUS_VARIABLE}. A deploy that started before you deleted it and finished after "drop old" would accept the old value again: then run ${resumeDropOld} (stacks already dropped plan no change).`,
  );
  return EXIT.ok;
}

/** The saved plan a rotation deploy applies, in the stack's folder. */
export const ROTATION_PLAN_FILE = "rotate.tfplan";

/**
 * The real plan / apply / state reads: synthesize the app online into `<root>/cdktf.out` (with
 * `PR_NUMBER=<n>` for a preview; once per preview, not per call), `terraform init` + `output`,
 * `terraform plan -out` + `show -json` (scripts/lib/offline.ts planStack, reviewed by
 * plan-review.ts), `terraform apply <saved plan>`. Every terraform child gets `env` plus the
 * step's variables and a fresh master password (ephemeral: Terraform wants it again at apply).
 */
export function terraformRotateDeps(opts: {
  /** Repository root. */
  readonly root: string;
  /** The caller's environment. */
  readonly env: NodeJS.ProcessEnv;
  /** Synthesizes the app online into `<root>/cdktf.out`, with preview `pr` when given. */
  readonly synth: (pr: number | undefined) => void;
  /** Progress lines of long steps. */
  readonly progress: (line: string) => void;
  /** Child processes. @default spawnRunner */
  readonly run?: Runner;
}): Pick<RotateDeps, "runningImageTag" | "plan" | "apply"> {
  const run = opts.run ?? spawnRunner;
  let synthesized: string | undefined;
  const ensureSynth = (target: RotationTarget) => {
    const key = String(target.pr ?? "");
    if (synthesized === key) return;
    opts.progress(`synthesizing the app online${target.pr ? ` with PR_NUMBER=${target.pr}` : ""} into cdktf.out`);
    opts.synth(target.pr);
    synthesized = key;
  };
  const dir = (target: RotationTarget) => path.join(opts.root, "cdktf.out", "stacks", target.stack);
  const envFor = (target: RotationTarget, vars: Readonly<Record<string, string | undefined>>) => withMasterPassword(toolEnv(opts.env, target.pr, { TF_IN_AUTOMATION: "1", TF_INPUT: "0", ...vars }));
  return {
    async runningImageTag(target) {
      ensureSynth(target);
      const read = await readStackOutputs(run, dir(target), toolEnv(opts.env, target.pr));
      return read.ok ? { ok: true, tag: stringOutput(read.outputs, "services_image_tag") } : read;
    },
    async plan(target, vars) {
      ensureSynth(target);
      const summary = await planStack(target.stack, dir(target), envFor(target, vars), { lock: true, refresh: true, init: "reconfigure", planFile: ROTATION_PLAN_FILE, progress: opts.progress });
      if (!summary.ok || !summary.review || !summary.plan) return { ok: false, message: (summary.error ?? "no plan was produced").trim() };
      return { ok: true, plan: { review: summary.review, ...planChanges(summary.plan) } };
    },
    async apply(target, vars) {
      const applied = await run("terraform", ["apply", "-input=false", "-no-color", "-lock-timeout=5m", ROTATION_PLAN_FILE], { cwd: dir(target), env: envFor(target, vars) });
      return applied.code === 0 ? { ok: true } : { ok: false, message: `terraform apply ${ROTATION_PLAN_FILE} in ${dir(target)} exited ${applied.code} (its error is above)` };
    },
  };
}
