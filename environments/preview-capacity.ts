import { ALB_RULES_QUOTA } from "../lib/policy/rules/alb-listener-rules-quota";
import { ALB_TARGET_GROUPS_QUOTA } from "../lib/policy/rules/alb-target-groups-quota";
import { ECR_MIN_KEPT_IMAGES } from "../lib/policy/rules/ecr-lifecycle-keeps-running-images";
import { PREVIEW_BASE } from "./schema";
import type { ServicesConfig } from "./service-schema";
import type { EnvironmentConfig } from "./types";

/**
 * How many previews fit on the preview base's (staging's) ALB, from the ALB quotas. Previews borrow
 * staging's load balancer: each HTTP service of a preview adds one listener rule and one target
 * group to it (lib/compute/fargate-service.ts, priorities from lib/compute/route-plan.ts), next to
 * staging's own one rule and one target group per HTTP service.
 *
 * Elastic Load Balancing User Guide, "Quotas for your Application Load Balancers"
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html):
 * "Target Groups per Application Load Balancer: 100, Adjustable: No" and "Rules per Application Load
 * Balancer (excluding default rules): 100, Adjustable: Yes". Past either, CreateTargetGroup's
 * attachment or CreateRule fails at apply (TooManyUniqueTargetGroupsPerLoadBalancer / TooManyRules),
 * which `terraform plan` never checks: the preview deploy half-applies. The guardrails
 * alb-target-groups-quota and alb-listener-rules-quota see one stack only; this is the cross-stack
 * count (staging + every open preview), checked at synth.
 *
 * Tested via: test/environments/preview-capacity.test.ts
 */

/** Images each preview repository keeps per allowed open preview, by default (headroom for pushes to other PRs while a quiet preview runs). */
export const PREVIEW_IMAGES_PER_OPEN_PREVIEW = 10;

/** ALB resources one environment's HTTP services use. */
export interface AlbUse {
  /** Listener rules (one per HTTP service). */
  readonly listenerRules: number;
  /** Target groups (one per HTTP service). */
  readonly targetGroups: number;
}

/** The open-preview cap of a preview base and how it was derived. */
export interface PreviewCapacity {
  /** The base environment (staging). */
  readonly base: string;
  /** Previews allowed open at once: `previews.maxOpen` when set, else `limit`. */
  readonly maxOpen: number;
  /** Most previews the ALB quotas allow (the default of maxOpen). Infinity when previews have no HTTP service. */
  readonly limit: number;
  /** Which quota sets `limit`: "target groups" (100, not adjustable), "listener rules" (albRulesQuota), or "none" (no HTTP service). */
  readonly binding: "target groups" | "listener rules" | "none";
  /** What one preview adds to the base's ALB. */
  readonly perPreview: AlbUse;
  /** What the base's own services use. */
  readonly baseUse: AlbUse;
  /** The quotas counted against. */
  readonly quotas: { readonly listenerRules: number; readonly targetGroups: number };
  /** Images each preview repository keeps (`previews.ecrKeepImages`, default 10 x maxOpen, at least 10). */
  readonly ecrKeepImages: number;
  /** One line for messages: `100 target groups per ALB, not adjustable; each preview adds 2`. */
  readonly reason: string;
}

/** Previews allowed open when previews add nothing to the ALB (no HTTP service): a kit bound, not an AWS quota. */
export const PREVIEW_CAP_WITHOUT_HTTP = 100;

const httpServices = (services: ServicesConfig): number => Object.values(services).filter((s) => s.kind === "http").length;

/**
 * The open-preview cap of `base` (staging): from its HTTP services (each preview runs every one of
 * them: environments/ephemeral.ts) and the ALB quotas, or its `previews.maxOpen` when set. Does not
 * validate: validateEnvironment reports a maxOpen above the limit.
 * @example previewCapacity(staging) // { maxOpen: 49, limit: 49, binding: "target groups", perPreview: { listenerRules: 2, targetGroups: 2 }, ... }
 */
export function previewCapacity(base: EnvironmentConfig): PreviewCapacity {
  const n = httpServices(base.services as ServicesConfig);
  const quotas = { listenerRules: base.previews?.albRulesQuota ?? ALB_RULES_QUOTA, targetGroups: ALB_TARGET_GROUPS_QUOTA };
  const use: AlbUse = { listenerRules: n, targetGroups: n };
  const byTargetGroups = n === 0 ? Infinity : Math.max(0, Math.floor((quotas.targetGroups - use.targetGroups) / n));
  const byRules = n === 0 ? Infinity : Math.max(0, Math.floor((quotas.listenerRules - use.listenerRules) / n));
  const limit = Math.min(byTargetGroups, byRules);
  const binding = n === 0 ? "none" : byTargetGroups <= byRules ? "target groups" : "listener rules";
  const reason =
    binding === "none"
      ? `previews route no HTTP service, so they add nothing to ${base.name}'s ALB; ${PREVIEW_CAP_WITHOUT_HTTP} is the kit's bound`
      : binding === "target groups"
        ? `${quotas.targetGroups} target groups per ALB, not adjustable; ${base.name} uses ${use.targetGroups} and each preview adds ${n}`
        : `${quotas.listenerRules} listener rules per ALB${base.previews?.albRulesQuota ? " (previews.albRulesQuota)" : " (the default quota, adjustable)"}; ${base.name} uses ${use.listenerRules} and each preview adds ${n}`;
  const maxOpen = base.previews?.maxOpen ?? (binding === "none" ? PREVIEW_CAP_WITHOUT_HTTP : limit);
  return {
    base: base.name,
    maxOpen,
    limit,
    binding,
    perPreview: use,
    baseUse: use,
    quotas,
    ecrKeepImages: base.previews?.ecrKeepImages ?? Math.max(ECR_MIN_KEPT_IMAGES, Math.min(10000, PREVIEW_IMAGES_PER_OPEN_PREVIEW * maxOpen)),
    reason,
  };
}

/**
 * The problem with opening one more preview (`pr-<n>`) while `openOthers` other previews are open,
 * or undefined when it fits. The message names the limit and the fix.
 */
export function openPreviewProblem(prName: string, openOthers: number, cap: PreviewCapacity): string | undefined {
  if (openOthers + 1 <= cap.maxOpen) return undefined;
  const fits = cap.maxOpen === cap.limit ? `${cap.base}'s ALB fits ${cap.limit} (${cap.reason})` : `${cap.base}'s previews.maxOpen is ${cap.maxOpen} (the ALB fits ${cap.limit}: ${cap.reason})`;
  return `${prName}: ${openOthers} other preview${openOthers === 1 ? " is" : "s are"} open and ${fits}: close a PR or run \`npm run previews:sweep -- --apply\` to destroy the previews of closed PRs, then retry`;
}

/** True for the environment previews borrow from (only it may set `previews`). */
export const isPreviewBase = (env: Pick<EnvironmentConfig, "name">): boolean => env.name === PREVIEW_BASE;
