import { Annotations, TerraformStack, type IAspect } from "cdktf";
import type { IConstruct } from "constructs";
import type { SafetyTier } from "../core/lifecycle";
import { describe, ruleContext, type GuardrailRule } from "./rule";
import { RULES } from "./rules";
import { recordApplied, suppressionOf, suppressionsOf } from "./suppressions";

export { RDS_MANAGED_PASSWORD_LIMITATION } from "./rules/replica-of-managed-password";
export { WEB_PORTS } from "./rules/open-ingress";

export interface GuardrailsProps {
  /** The stack's safety tier: decides whether stateful resources must be protected. */
  readonly tier: SafetyTier;
  /** The rules to run. @default RULES (the whole pack, lib/policy/rules/) */
  readonly rules?: readonly GuardrailRule[];
}

/**
 * Synth-time checks in the spirit of cdk-nag: the rule pack of lib/policy/rules/, each rule an
 * apply-time or runtime rule of AWS that `terraform plan` does not check, with the document it
 * comes from (docs/guardrails.md lists them). Each finding is an annotation on the offending
 * resource: an `error` fails `cdktf synth` with `[guardrail:<id>]`, the resource path, the fix and
 * the document's link; a `warning` is printed. A finding on a resource with `suppressRule(resource,
 * id, reason)` is silenced and recorded, and the plan summary prints every suppression.
 * Added to every stack by EnvironmentStack.
 *
 * Tested via: test/constructs/guardrails.test.ts, test/policy/*.test.ts
 */
export class Guardrails implements IAspect {
  private readonly rules: readonly GuardrailRule[];

  constructor(private readonly props: GuardrailsProps) {
    this.rules = props.rules ?? RULES;
  }

  visit(node: IConstruct): void {
    // Work once per stack, so rules that relate two resources (bucket + its access block) see both.
    if (!TerraformStack.isStack(node)) return;
    const ctx = ruleContext(node, this.props.tier);
    const used = new Set<string>();
    for (const rule of this.rules) {
      for (const finding of rule.check(ctx)) {
        const suppression = suppressionOf(finding.resource, rule.id);
        if (suppression) {
          recordApplied(node, { ...suppression, path: finding.resource.node.path });
          used.add(`${finding.resource.node.path}\n${rule.id}`);
          continue;
        }
        const text = `[guardrail:${rule.id}] ${finding.message} (${describe(finding.resource)}; ${rule.source.url})`;
        if (rule.severity === "error") Annotations.of(finding.resource).addError(text);
        else Annotations.of(finding.resource).addWarning(text);
      }
    }
    // A suppression that silences nothing is stale: say so, so it gets removed.
    for (const c of ctx.constructs)
      for (const s of suppressionsOf(c))
        if (!used.has(`${c.node.path}\n${s.rule}`) && this.rules.some((r) => r.id === s.rule)) {
          recordApplied(node, { ...s, path: c.node.path, silenced: false });
          Annotations.of(c).addWarning(`[guardrail:${s.rule}] suppression on ${c.node.path} silences nothing (the resource complies): remove it`);
        }
  }
}
