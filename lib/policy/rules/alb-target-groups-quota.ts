import type { IConstruct } from "constructs";
import { AlbListener } from "@cdktf/provider-aws/lib/alb-listener";
import { AlbListenerRule } from "@cdktf/provider-aws/lib/alb-listener-rule";
import { AlbTargetGroup } from "@cdktf/provider-aws/lib/alb-target-group";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { LbListenerRule } from "@cdktf/provider-aws/lib/lb-listener-rule";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { asRecord, asArray, defineRule, type Finding, type RuleContext } from "../rule";
import { loadBalancerOfListener, loadBalancerScope, type LoadBalancerScope } from "./alb-listener-rules-quota";

/** Quota "Target Groups per Application Load Balancer" (not adjustable). */
export const ALB_TARGET_GROUPS_QUOTA = 100;

/** Quota "Target Groups per Action per Application Load Balancer" (not adjustable): a weighted forward lists at most this many. */
export const ALB_TARGET_GROUPS_PER_ACTION = 5;


/** The target group ARNs one resolved action forwards to: `target_group_arn` and every `forward.target_group[].arn`. */
function forwardTargets(action: unknown): unknown[] {
  const a = asRecord(action);
  const weighted = asRecord(a.forward);
  return [...(a.targetGroupArn !== undefined ? [a.targetGroupArn] : []), ...asArray(weighted.targetGroup).map((t) => asRecord(t).arn).filter((arn) => arn !== undefined)];
}

/** How a target group is told apart: the group of the stack it refers to, else its ARN text. */
function targetGroupKey(ctx: RuleContext, groups: readonly (LbTargetGroup | AlbTargetGroup)[], arn: unknown): string {
  const group = groups.find((g) => ctx.refersTo(arn, g, ["arn", "id"]));
  return group ? `tg:${group.node.path}` : `arn:${String(ctx.resolve(arn))}`;
}

/**
 * At most ALB_TARGET_GROUPS_QUOTA distinct target groups per Application Load Balancer, and at most
 * ALB_TARGET_GROUPS_PER_ACTION in one (weighted) forward action.
 *
 * Approximation: ELB counts unique target groups per load balancer across all its listeners (a
 * group used by several actions counts once; the `TooManyUniqueTargetGroupsPerLoadBalancer` error).
 * This rule counts, per load balancer as `loadBalancerScope` groups them, the distinct target groups
 * that the stack's listener rules and listener default actions forward to: a group of the stack
 * counts once however it is referenced (`arn` or `id`); any other is told apart by its ARN text.
 * Target groups that other stacks attach to the same load balancer (staging's, when previews add
 * rules to its listener) are not seen, so the count is a lower bound: the rule fires only when
 * this stack alone exceeds the quota. Across stacks (staging + every open preview), the open-preview
 * cap (environments/preview-capacity.ts) keeps the shared ALB within the quota at synth.
 */
export const albTargetGroupsQuota = defineRule({
  id: "alb-target-groups-quota",
  severity: "error",
  kind: "apply-time",
  summary: `At most ${ALB_TARGET_GROUPS_QUOTA} distinct target groups forwarded to per Application Load Balancer within one stack, and at most ${ALB_TARGET_GROUPS_PER_ACTION} in one forward action.`,
  why: `ELB refuses the listener rule (or listener) that would attach a target group beyond ${ALB_TARGET_GROUPS_QUOTA} per load balancer (TooManyUniqueTargetGroupsPerLoadBalancer) or a forward action with more than ${ALB_TARGET_GROUPS_PER_ACTION} groups; the quotas cannot be raised, and plan does not count.`,
  source: {
    title: "Elastic Load Balancing: Quotas for your Application Load Balancers, Load balancers (columns: Name, Default, Adjustable)",
    url: "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html#load-balancers-quotas",
    quote: "Target Groups per Action per Application Load Balancer 5 No Target Groups per Application Load Balancer 100 No",
  },
  check: (ctx) => {
    const groups = [...ctx.all(LbTargetGroup), ...ctx.all(AlbTargetGroup)];
    const findings: Finding[] = [];
    const byScope = new Map<string, { scope: LoadBalancerScope; groups: Set<string>; resources: IConstruct[] }>();
    const attach = (scope: LoadBalancerScope, resource: IConstruct, actions: unknown) => {
      const entry = byScope.get(scope.key) ?? { scope, groups: new Set<string>(), resources: [] };
      for (const action of asArray(ctx.resolve(actions))) {
        const targets = forwardTargets(action);
        if (targets.length > ALB_TARGET_GROUPS_PER_ACTION)
          findings.push({ resource, message: `a forward action lists ${targets.length} target groups, over ELB's ${ALB_TARGET_GROUPS_PER_ACTION} per action; split the traffic over at most ${ALB_TARGET_GROUPS_PER_ACTION} groups` });
        for (const arn of targets) {
          const key = targetGroupKey(ctx, groups, arn);
          if (!entry.groups.has(key)) {
            entry.groups.add(key);
            entry.resources.push(resource);
          }
        }
      }
      byScope.set(scope.key, entry);
    };
    for (const listener of [...ctx.all(LbListener), ...ctx.all(AlbListener)]) attach(loadBalancerOfListener(ctx, listener), listener, listener.defaultActionInput);
    for (const rule of [...ctx.all(LbListenerRule), ...ctx.all(AlbListenerRule)]) attach(loadBalancerScope(ctx, rule.listenerArnInput), rule, rule.actionInput);
    for (const { scope, groups: seen, resources } of byScope.values()) {
      if (seen.size <= ALB_TARGET_GROUPS_QUOTA) continue;
      findings.push({
        // On the load balancer (or listener) when the stack has it; else on the resource that attaches group 101.
        resource: scope.owner ?? resources[ALB_TARGET_GROUPS_QUOTA]!,
        message: `${scope.label} forwards to ${seen.size} distinct target groups from this stack, over ELB's ${ALB_TARGET_GROUPS_QUOTA} per Application Load Balancer (not adjustable); share target groups between rules or move services to a second load balancer`,
      });
    }
    return findings;
  },
});
