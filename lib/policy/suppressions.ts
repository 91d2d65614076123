import type { IConstruct } from "constructs";
import { ConfigError } from "../core/errors";
import { didYouMean } from "../core/did-you-mean";
import { noResourceAt, resourcesByPath } from "../core/transform";
import { RULES } from "./rules";

/** A rule switched off for one resource, with the reason a reviewer reads in the plan summary. */
export interface Suppression {
  /** Rule id, e.g. `open-ingress`. */
  readonly rule: string;
  /** Why this resource may break the rule (at least 20 characters: a reason, not a shrug). */
  readonly reason: string;
}

/** A suppression as the plan summary lists it: the resource, and whether it silenced a finding. */
export interface AppliedSuppression extends Suppression {
  /** Construct path of the resource. */
  readonly path: string;
  /** `false` for a stale suppression (the resource complies): remove it. @default true */
  readonly silenced?: boolean;
}

const suppressions = new WeakMap<IConstruct, Suppression[]>();
const applied = new WeakMap<IConstruct, AppliedSuppression[]>();

/**
 * Switches `rule` off for `resource` (and only it). The reason is required and is printed in every
 * plan summary of the stack, so a suppression is always visible in review.
 *
 * @example
 * suppressRule(bastionSg, "open-ingress", "SSH from the office only through the VPN appliance: ticket OPS-142");
 */
export function suppressRule(resource: IConstruct, rule: string, reason: string): void {
  const ids = RULES.map((r) => r.id);
  if (!ids.includes(rule)) throw new Error(`${resource.node.path}: ${JSON.stringify(rule)} is not a guardrail rule.${didYouMean(rule, ids)} Rules: docs/guardrails.md`);
  if (reason.trim().length < 20) throw new Error(`${resource.node.path}: suppressing guardrail ${rule} needs a reason of at least 20 characters, got ${JSON.stringify(reason)}`);
  suppressions.set(resource, [...(suppressions.get(resource) ?? []), { rule, reason: reason.trim() }]);
}

/** Every suppression on `resource`. */
export function suppressionsOf(resource: IConstruct): readonly Suppression[] {
  return suppressions.get(resource) ?? [];
}

/** The suppression of `rule` on `resource`, if any. */
export function suppressionOf(resource: IConstruct, rule: string): Suppression | undefined {
  return suppressions.get(resource)?.find((s) => s.rule === rule);
}

/** Records that a suppression silenced a finding in `stack` (Guardrails calls this). */
export function recordApplied(stack: IConstruct, suppression: AppliedSuppression): void {
  const list = applied.get(stack) ?? [];
  if (!list.some((s) => s.path === suppression.path && s.rule === suppression.rule)) list.push(suppression);
  applied.set(stack, list);
}

/** The suppressions of `stack` at its last synth, silencing or stale (for plan summaries). */
export function appliedSuppressions(stack: IConstruct): readonly AppliedSuppression[] {
  return applied.get(stack) ?? [];
}

/** A suppression as configuration names it: the resource by construct path below the stack. */
export interface SuppressionAt extends Suppression {
  /** Construct path below the stack, e.g. `load-balancer/security-group`. */
  readonly path: string;
}

/**
 * Applies configured suppressions (an environment's `guardrailSuppressions`) to the resources
 * below `scope`. A path that names no resource fails, naming the entry and the resources nearby.
 */
export function applySuppressions(scope: IConstruct, entries: readonly SuppressionAt[]): void {
  if (!entries.length) return;
  const byPath = resourcesByPath(scope);
  entries.forEach((e, i) => {
    const resource = byPath.get(e.path);
    if (!resource) throw new ConfigError(scope, `guardrailSuppressions[${i}].path`, noResourceAt(byPath, e.path));
    suppressRule(resource, e.rule, e.reason);
  });
}
