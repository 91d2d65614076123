import { DefaultTokenResolver, StringConcat, TerraformResource, Tokenization, type TerraformStack } from "cdktf";
import type { IConstruct } from "constructs";
import type { SafetyTier } from "../core/lifecycle";

/** `error` fails synth; `warning` is printed and synth goes on. */
export type RuleSeverity = "error" | "warning";

/**
 * What a rule prevents: an `apply-time` refusal by an AWS API, a `runtime` failure after a
 * successful apply, or a `policy` of this kit (a safe default AWS itself does not enforce).
 */
export type RuleKind = "apply-time" | "runtime" | "policy";

/** The AWS (or Terraform) document a rule comes from, with the sentence that makes it a rule. */
export interface RuleSource {
  /** Document and section, e.g. `Amazon RDS User Guide: Limitations for Secrets Manager integration`. */
  readonly title: string;
  /** https link to the page (anchor where there is one). */
  readonly url: string;
  /** The rule in the document's words (a short quote). */
  readonly quote: string;
}

/** What a rule sees: one synthesized stack. */
export interface RuleContext {
  /** The stack being checked. */
  readonly stack: TerraformStack;
  /** Every construct of the stack. */
  readonly constructs: readonly IConstruct[];
  /** The stack's safety tier. */
  readonly tier: SafetyTier;
  /** Every construct of the stack that is an instance of `type`. */
  all<T extends IConstruct>(type: abstract new (...args: never[]) => T): T[];
  /** A value as Terraform will see it: tokens resolved to their `${...}` text, literals as they are. */
  resolve(value: unknown): unknown;
  /** Whether `value` is a reference to `resource` (any of `attributes`, or the resource itself). */
  refersTo(value: unknown, resource: TerraformResource, attributes?: readonly string[]): boolean;
}

/** One violation: the resource it is about and what is wrong there, with the fix. */
export interface Finding {
  /** The construct (usually a Terraform resource) the annotation goes on. */
  readonly resource: IConstruct;
  /** What is wrong, with the fix; the rule id and the source link are added by Guardrails. */
  readonly message: string;
}

/**
 * A guardrail rule: a rule AWS enforces at apply time (or that breaks at runtime) which
 * `terraform plan` does not check, with the document it comes from. One rule per file in
 * lib/policy/rules/, registered in rules/index.ts; docs/guardrails.md is generated from them.
 */
export interface GuardrailRule {
  /** Kebab-case id, quoted in every message (`[guardrail:<id>]`) and used to suppress the rule. */
  readonly id: string;
  /** Whether a finding fails synth. */
  readonly severity: RuleSeverity;
  /** What the rule prevents. */
  readonly kind: RuleKind;
  /**
   * What of this rule the AWS provider already refuses at `terraform plan`, when it does (`all`: the
   * rule only fails earlier, at synth on the construct with the fix; `part`: `detail` says which
   * part). @default none: plan checks none of it
   */
  readonly planOverlap?: { readonly scope: "all" | "part"; readonly detail: string };
  /** One line: what the rule requires. */
  readonly summary: string;
  /** What happens without it: the apply error or the runtime failure. */
  readonly why: string;
  /** Where AWS says so. */
  readonly source: RuleSource;
  /** The findings in one stack (none when it complies). */
  check(ctx: RuleContext): Finding[];
}

const RULE_ID = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Declares a rule, checking its metadata (a rule without a source is not a rule here). */
export function defineRule(rule: GuardrailRule): GuardrailRule {
  if (!RULE_ID.test(rule.id)) throw new Error(`guardrail rule id ${JSON.stringify(rule.id)} is not kebab-case`);
  if (!/^https:\/\//.test(rule.source.url)) throw new Error(`guardrail rule ${rule.id}: source.url must be an https link to the document`);
  if (rule.source.quote.trim().length < 20) throw new Error(`guardrail rule ${rule.id}: source.quote must quote the document`);
  if (!rule.summary.trim() || !rule.why.trim()) throw new Error(`guardrail rule ${rule.id}: summary and why are required`);
  return rule;
}

/** The context of one stack. */
export function ruleContext(stack: TerraformStack, tier: SafetyTier): RuleContext {
  const constructs = stack.node.findAll();
  const resolve = (value: unknown): unknown =>
    value === undefined ? undefined : Tokenization.resolve(value, { scope: stack, resolver: new DefaultTokenResolver(new StringConcat()) });
  return {
    stack,
    constructs,
    tier,
    all: <T extends IConstruct>(type: abstract new (...args: never[]) => T) => constructs.filter((c): c is T => c instanceof type),
    resolve,
    refersTo: (value, resource, attributes) => {
      const text = resolve(value);
      if (typeof text !== "string") return false;
      const address = `${resource.terraformResourceType}.${resource.friendlyUniqueId}`;
      return (attributes ?? [""]).some((attr) => text === `\${${address}${attr ? `.${attr}` : ""}}`);
    },
  };
}

/** `v` if it is an array, else `[]` (for parsed JSON of unknown shape). */
export const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** `v` if it is a plain object, else `{}` (for parsed JSON of unknown shape). */
export const asRecord = (v: unknown): Record<string, unknown> => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** A resource's Terraform address, `aws_sqs_queue_policy.uploads_policy_1A2B3C4D`, as `depends_on` lists it. */
export const addressOf = (r: TerraformResource): string => `${r.terraformResourceType}.${r.friendlyUniqueId}`;

/** Whether `resource` lists `target` in its `depends_on`. */
export function dependsOnResource(ctx: RuleContext, resource: TerraformResource, target: TerraformResource): boolean {
  return (resource.dependsOn ?? []).some((d) => ctx.resolve(d) === addressOf(target));
}

/** Whether a rule is an AWS rule that `terraform plan` does not already enforce in full. */
export function beyondPlan(rule: GuardrailRule): boolean {
  return rule.kind !== "policy" && rule.planOverlap?.scope !== "all";
}

/** The resource's Terraform address, for messages: `aws_db_instance.database_primary_…` and its construct path. */
export function describe(resource: IConstruct): string {
  return resource instanceof TerraformResource ? `${resource.node.path} (${resource.terraformResourceType})` : resource.node.path;
}
