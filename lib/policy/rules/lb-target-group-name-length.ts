import { AlbTargetGroup } from "@cdktf/provider-aws/lib/alb-target-group";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { defineRule, type Finding, type RuleContext } from "../rule";

/** Longest target group name ELB accepts. */
export const TARGET_GROUP_NAME_MAX = 32;

/** Longest `name_prefix`: Terraform appends a 26-character unique suffix to reach the 32-character name. */
export const TARGET_GROUP_NAME_PREFIX_MAX = 6;

const NAME_CHARS = /^[0-9A-Za-z-]+$/;

/**
 * The characters of `value` that are certain: a literal counts whole; in a template
 * (`shipkit-${var.env}-web`) only the literal parts count, a lower bound of the final length.
 */
function literalPart(ctx: RuleContext, value: unknown): { text: string; exact: boolean } | undefined {
  const resolved = ctx.resolve(value);
  if (typeof resolved !== "string") return undefined;
  if (!resolved.includes("${")) return { text: resolved, exact: true };
  // Interpolations may nest (`${format("%s", var.x)}`); drop each balanced `${...}`.
  let out = "";
  let depth = 0;
  for (let i = 0; i < resolved.length; i++) {
    if (resolved.startsWith("${", i)) {
      depth++;
      i++;
    } else if (depth > 0 && resolved[i] === "{") depth++;
    else if (depth > 0 && resolved[i] === "}") depth--;
    else if (depth === 0) out += resolved[i];
  }
  return { text: out, exact: false };
}

/**
 * Target group `name` fits ELB's 32 characters (and `name_prefix` Terraform's 6), alphanumerics and
 * hyphens, no hyphen at either end. A literal name is checked exactly; a name built from references
 * is checked on its literal parts only (their length is a lower bound; the characters of the
 * references are unknown until apply).
 *
 * Note: the AWS provider's own schema validation (`terraform validate`/`plan`) also rejects a known
 * over-long name; this rule reports it at synth, on the construct, with the kit's fix.
 */
export const lbTargetGroupNameLength = defineRule({
  id: "lb-target-group-name-length",
  severity: "error",
  kind: "apply-time",
  planOverlap: { scope: "all", detail: "the provider validates the literal name (32 characters, letters, digits, hyphens) and name_prefix (6); the rule only reports it at synth, on the construct, with the fix" },
  summary: `Every aws_lb_target_group name is at most ${TARGET_GROUP_NAME_MAX} characters (name_prefix at most ${TARGET_GROUP_NAME_PREFIX_MAX}), alphanumerics and hyphens only, with no hyphen at either end.`,
  why: "CreateTargetGroup refuses any other name, so nothing that forwards to the group (listener rule, ECS service) is created. The provider's schema check catches a known literal at plan too; this reports it at synth on the construct, and also catches a name whose literal parts alone are too long.",
  source: {
    title: "Elastic Load Balancing API (CreateTargetGroup): Name",
    url: "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html",
    quote: "This name must be unique per region per account, can have a maximum of 32 characters, must contain only alphanumeric characters or hyphens, and must not begin or end with a hyphen.",
  },
  check: (ctx) => {
    const findings: Finding[] = [];
    for (const group of [...ctx.all(LbTargetGroup), ...ctx.all(AlbTargetGroup)]) {
      const name = literalPart(ctx, group.nameInput);
      if (name) {
        if (name.text.length > TARGET_GROUP_NAME_MAX)
          findings.push({
            resource: group,
            message: `name ${JSON.stringify(ctx.resolve(group.nameInput))} is ${name.exact ? "" : "at least "}${name.text.length} characters, over ELB's ${TARGET_GROUP_NAME_MAX}; build it with names.of(part, { max: ${TARGET_GROUP_NAME_MAX} }) (truncates with a hash)`,
          });
        if (name.exact && !NAME_CHARS.test(name.text))
          findings.push({ resource: group, message: `name ${JSON.stringify(name.text)} has characters other than letters, digits and hyphens; ELB refuses it, use names.of(part, { max: ${TARGET_GROUP_NAME_MAX} })` });
        if (name.exact && (name.text.startsWith("-") || name.text.endsWith("-")))
          findings.push({ resource: group, message: `name ${JSON.stringify(name.text)} begins or ends with a hyphen; ELB refuses it, drop the hyphen` });
      }
      const prefix = literalPart(ctx, group.namePrefixInput);
      if (prefix && prefix.text.length > TARGET_GROUP_NAME_PREFIX_MAX)
        findings.push({
          resource: group,
          message: `name_prefix ${JSON.stringify(ctx.resolve(group.namePrefixInput))} is ${prefix.exact ? "" : "at least "}${prefix.text.length} characters; Terraform adds a 26-character suffix, so at most ${TARGET_GROUP_NAME_PREFIX_MAX} fit in ${TARGET_GROUP_NAME_MAX}: shorten it or set a full name with names.of(part, { max: ${TARGET_GROUP_NAME_MAX} })`,
        });
    }
    return findings;
  },
});
