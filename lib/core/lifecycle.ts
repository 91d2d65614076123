/**
 * The safety tier drives every lifecycle decision (deletion protection, final snapshots,
 * force-destroy, log retention, backup length). Never hard-code those: read the tier.
 * - `protected`: prod. Stateful things cannot be deleted by a plan without a config change first.
 * - `standard`: staging. Recoverable, but cheaper and shorter retention.
 * - `ephemeral`: previews. Everything must tear down cleanly in minutes.
 */
export type SafetyTier = "protected" | "standard" | "ephemeral";

/** What each safety tier means in numbers and switches. Constructs read this; nothing hard-codes it. */
export interface TierPolicy {
  /** Deletion protection / prevent_destroy on stateful resources. */
  readonly protectState: boolean;
  /** Buckets may be emptied and deleted by `destroy` (previews only). */
  readonly forceDestroy: boolean;
  /** CloudWatch retention for application and platform logs, in days. */
  readonly logRetentionDays: number;
  /** CloudWatch retention for VPC flow logs, in days. */
  readonly flowLogRetentionDays: number;
}

export const TIER_POLICY: Readonly<Record<SafetyTier, TierPolicy>> = {
  protected: { protectState: true, forceDestroy: false, logRetentionDays: 90, flowLogRetentionDays: 90 },
  standard: { protectState: false, forceDestroy: false, logRetentionDays: 30, flowLogRetentionDays: 14 },
  ephemeral: { protectState: false, forceDestroy: true, logRetentionDays: 7, flowLogRetentionDays: 3 },
};

/** Retention values CloudWatch Logs accepts. */
export const CLOUDWATCH_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/**
 * The lifecycle/safety object constructs take instead of a whole environment: the tier's name (for
 * messages) and what it means. Build it with `lifecycleOf(tier)`.
 */
export interface Lifecycle extends TierPolicy {
  /** The tier these switches come from. */
  readonly tier: SafetyTier;
}

/** The Lifecycle of a safety tier. */
export function lifecycleOf(tier: SafetyTier): Lifecycle {
  return { tier, ...TIER_POLICY[tier] };
}
