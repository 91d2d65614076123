import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { defineRule } from "../rule";

/** Longest role trust policy IAM accepts by default, in characters without white space (adjustable to 4,096 in Service Quotas). */
export const IAM_TRUST_POLICY_MAX = 2048;
/** Longest total of a role's inline policies, in characters without white space (not adjustable). */
export const IAM_INLINE_POLICIES_MAX = 10240;

/** A policy's size as IAM counts it: white space outside strings is not counted. */
export function policySize(json: string): number {
  try {
    return JSON.stringify(JSON.parse(json)).length;
  } catch {
    return json.replace(/\s+/g, "").length;
  }
}

/**
 * A role's trust policy (assume_role_policy) fits IAM's 2,048-character quota. Checks trust policies
 * that are literal JSON at synth (the GitHub OIDC roles of the bootstrap stacks); a policy that is
 * a `${...}` reference (an aws_iam_policy_document) is only known at apply and not read.
 */
export const iamRoleTrustPolicySize = defineRule({
  id: "iam-role-trust-policy-size",
  severity: "error",
  kind: "apply-time",
  summary: `An aws_iam_role's literal assume_role_policy is at most ${IAM_TRUST_POLICY_MAX} characters, white space not counted.`,
  why: "terraform plan does not measure policies; CreateRole and UpdateAssumeRolePolicy refuse a longer trust policy (LimitExceeded: Cannot exceed quota for ACLSizePerRole), so the apply fails halfway through a bootstrap. Trusting more GitHub subjects in one role grows it fastest: prefer one role per subject.",
  source: {
    title: "IAM User Guide: IAM and AWS STS quotas (IAM object quotas)",
    url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html",
    quote: "Role trust policy length: 2,048 characters. IAM doesn't count white space when calculating the size of a policy against these quotas.",
  },
  check: (ctx) =>
    ctx
      .all(IamRole)
      .map((role) => ({ role, policy: ctx.resolve(role.assumeRolePolicyInput) }))
      .filter((r): r is { role: IamRole; policy: string } => typeof r.policy === "string" && !r.policy.includes("${") && policySize(r.policy) > IAM_TRUST_POLICY_MAX)
      .map(({ role, policy }) => ({
        resource: role,
        message: `has a trust policy of ${policySize(policy)} characters (without white space), over IAM's ${IAM_TRUST_POLICY_MAX}: split the trusted subjects over more roles, or raise the quota "Role trust policy length" in Service Quotas (up to 4,096) and suppress this rule with that reason`,
      })),
});
