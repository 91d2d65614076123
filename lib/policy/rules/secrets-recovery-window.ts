import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { Token } from "cdktf";
import { TIER_POLICY } from "../../core/lifecycle";
import { defineRule } from "../rule";

/** In a tier that does not protect state, a secret with a fixed name is deleted without a recovery window. */
export const secretsRecoveryWindow = defineRule({
  id: "secrets-recovery-window",
  severity: "error",
  kind: "apply-time",
  summary:
    "In a tier that does not protect state (standard, ephemeral), every Secrets Manager secret with a fixed name sets recovery_window_in_days = 0, so destroy deletes it at once (unset means the provider's default of 30 days). Secrets named by name_prefix are exempt.",
  why: "Deleting a secret only schedules it for deletion (7–30 days; 0 forces deletion without recovery). Until then its name stays taken: the next apply that re-creates the environment fails at CreateSecret with InvalidRequestException (\"You can't create this secret because a secret with this name is already scheduled for deletion\"). terraform plan cannot see it: it checks the 0 or 7–30 range, not what destroy leaves behind.",
  source: {
    title: "AWS Secrets Manager API Reference: DeleteSecret",
    url: "https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DeleteSecret.html",
    quote: "The default recovery window is 30 days. Secrets Manager attaches a DeletionDate stamp to the secret that specifies the end of the recovery window. At the end of the recovery window, Secrets Manager deletes the secret permanently.",
  },
  check: (ctx) => {
    if (TIER_POLICY[ctx.tier].protectState) return [];
    return ctx
      .all(SecretsmanagerSecret)
      .filter((s) => s.nameInput !== undefined)
      .filter((s) => s.recoveryWindowInDaysInput === undefined || (!Token.isUnresolved(s.recoveryWindowInDaysInput) && s.recoveryWindowInDaysInput !== 0))
      .map((s) => ({
        resource: s,
        message: `keeps its fixed name for ${s.recoveryWindowInDaysInput ?? "30 (the default)"} days after destroy in the ${ctx.tier} tier, so re-creating the environment fails at CreateSecret (name already scheduled for deletion); set recoveryWindowInDays: TIER_POLICY[tier].protectState ? 30 : 0`,
      }));
  },
});
