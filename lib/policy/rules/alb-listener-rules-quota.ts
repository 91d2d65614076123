import type { IConstruct } from "constructs";
import { Alb } from "@cdktf/provider-aws/lib/alb";
import { AlbListener } from "@cdktf/provider-aws/lib/alb-listener";
import { AlbListenerRule } from "@cdktf/provider-aws/lib/alb-listener-rule";
import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { LbListenerRule } from "@cdktf/provider-aws/lib/lb-listener-rule";
import { defineRule, type RuleContext } from "../rule";

/** Default quota "Rules per Application Load Balancer (excluding default rules)" (adjustable through Service Quotas). */
export const ALB_RULES_QUOTA = 100;

/** The load balancer (or, when only that is known, the listener) a set of rules and actions lives on. */
export interface LoadBalancerScope {
  /** Identity used to group: the same key means the same load balancer as far as this stack can tell. */
  readonly key: string;
  /** For messages: `load balancer prod/load-balancer/alb`, or the ARN text when the ALB is outside the stack. */
  readonly label: string;
  /** The construct a finding about the whole scope goes on, when the ALB or listener is in the stack. */
  readonly owner?: IConstruct;
}

/** A literal listener ARN names its load balancer: `…:listener/app/<name>/<lb-id>/<listener-id>`. */
const LITERAL_LISTENER_ARN = /^(arn:[^:]+:elasticloadbalancing:[^:]*:[^:]*:)listener\/(app\/[^/]+\/[^/]+)\/[^/]+$/;

/**
 * The load balancer a listener ARN (the `listener_arn` of a rule) belongs to, as far as this stack
 * shows it: a listener of the stack → its load balancer (an `aws_lb` of the stack, or the text of
 * its `load_balancer_arn`); a literal listener ARN → the load balancer in it; anything else (a
 * listener from remote state, as previews use) → that listener alone, so rules that other stacks
 * put on the same load balancer are not seen.
 */
export function loadBalancerScope(ctx: RuleContext, listenerArn: unknown): LoadBalancerScope {
  const listener = [...ctx.all(LbListener), ...ctx.all(AlbListener)].find((l) => ctx.refersTo(listenerArn, l, ["arn", "id"]));
  if (listener) return loadBalancerOfListener(ctx, listener);
  const text = String(ctx.resolve(listenerArn));
  const literal = LITERAL_LISTENER_ARN.exec(text);
  if (literal) return { key: `lb:${literal[1]}loadbalancer/${literal[2]}`, label: `load balancer ${literal[1]}loadbalancer/${literal[2]}` };
  return { key: `listener:${text}`, label: `listener ${text} (its other rules, from other stacks, are not counted)` };
}

/** The load balancer of a listener of the stack. */
export function loadBalancerOfListener(ctx: RuleContext, listener: LbListener | AlbListener): LoadBalancerScope {
  const lb = [...ctx.all(Lb), ...ctx.all(Alb)].find((b) => ctx.refersTo(listener.loadBalancerArnInput, b, ["arn", "id"]));
  if (lb) return { key: `lb:${lb.node.path}`, label: `load balancer ${lb.node.path}`, owner: lb };
  const text = String(ctx.resolve(listener.loadBalancerArnInput));
  return { key: `lb:${text}`, label: `load balancer ${text}`, owner: listener };
}

/**
 * At most ALB_RULES_QUOTA listener rules per Application Load Balancer, counted over every listener
 * of the load balancer that this stack shows (default rules do not count).
 *
 * Scope: one stack. Rules that other stacks add to the same load balancer (previews add theirs to
 * staging's shared listener; staging's own rules live in the staging stack) are invisible here, so
 * the count is a lower bound and the rule fires only when this stack alone is over the quota. What
 * the shared ALB holds across stacks (staging + every open preview) is checked at synth by the
 * open-preview cap (environments/preview-capacity.ts, SHIPKIT_OPEN_PREVIEWS).
 */
export const albListenerRulesQuota = defineRule({
  id: "alb-listener-rules-quota",
  severity: "error",
  kind: "apply-time",
  summary: `At most ${ALB_RULES_QUOTA} aws_lb_listener_rule per Application Load Balancer within one stack (the default quota; default rules do not count).`,
  why: `Once the load balancer holds ${ALB_RULES_QUOTA} rules, CreateRule fails with TooManyRules at apply and the rule's service gets no traffic; plan does not count. The quota is adjustable: an account with a raised quota suppresses this with the ticket.`,
  source: {
    title: "Elastic Load Balancing API errors (CreateRule): TooManyRules; quota \"Rules per Application Load Balancer\" in Quotas for your Application Load Balancers",
    url: "https://docs.aws.amazon.com/botocore/latest/reference/services/elbv2/client/exceptions/TooManyRulesException.html",
    quote: "You’ve reached the limit on the number of rules per load balancer.",
  },
  check: (ctx) => {
    const byScope = new Map<string, { scope: LoadBalancerScope; rules: IConstruct[] }>();
    for (const rule of [...ctx.all(LbListenerRule), ...ctx.all(AlbListenerRule)]) {
      const scope = loadBalancerScope(ctx, rule.listenerArnInput);
      const entry = byScope.get(scope.key) ?? { scope, rules: [] };
      entry.rules.push(rule);
      byScope.set(scope.key, entry);
    }
    return [...byScope.values()]
      .filter((e) => e.rules.length > ALB_RULES_QUOTA)
      .map(({ scope, rules }) => ({
        // On the load balancer (or listener) when the stack has it; else on the first rule past the quota.
        resource: scope.owner ?? rules[ALB_RULES_QUOTA]!,
        message: `${scope.label} gets ${rules.length} listener rules from this stack, over the ${ALB_RULES_QUOTA} rules per Application Load Balancer (default rules excluded); route several paths per rule (fewer services or wildcard patterns), move services to a second load balancer, or raise the quota and suppress this with the quota ticket`,
      }));
  },
});
