import { AlbListenerRule } from "@cdktf/provider-aws/lib/alb-listener-rule";
import { LbListenerRule } from "@cdktf/provider-aws/lib/lb-listener-rule";
import { asRecord, asArray, defineRule, type Finding } from "../rule";

/** Comparison strings (condition values) one listener rule may carry in total. */
export const MAX_CONDITION_VALUES_PER_RULE = 5;

/** Comparison strings one condition may carry. */
export const MAX_CONDITION_VALUES_PER_CONDITION = 3;


/** The condition blocks of the provider's `condition` argument that carry values, by block name. */
const VALUE_BLOCKS = { hostHeader: "host_header", pathPattern: "path_pattern", httpHeader: "http_header", httpRequestMethod: "http_request_method", sourceIp: "source_ip" } as const;

/**
 * Values of one condition block: a literal list counts exactly; a list that is a token (a
 * variable, `compact([...])`) counts as 1, the least a condition can hold, so the total is a lower
 * bound and the rule fires only when the literal values alone are too many.
 */
const countValues = (values: unknown): { count: number; exact: boolean } =>
  Array.isArray(values) ? { count: values.length, exact: true } : values === undefined ? { count: 0, exact: true } : { count: 1, exact: false };

/**
 * An ALB listener rule carries at most MAX_CONDITION_VALUES_PER_RULE comparison strings in total
 * (host_header + path_pattern + http_header + http_request_method + source_ip values, one per
 * query_string pair) and at most MAX_CONDITION_VALUES_PER_CONDITION in one condition. It reads the
 * typed `condition` argument; values set through addOverride escape it.
 */
export const listenerRuleConditionValues = defineRule({
  id: "listener-rule-condition-values",
  severity: "error",
  kind: "apply-time",
  summary: `An aws_lb_listener_rule has at most ${MAX_CONDITION_VALUES_PER_RULE} condition values in total (host headers, paths, header values, methods, source IPs, query-string pairs) and at most ${MAX_CONDITION_VALUES_PER_CONDITION} in one condition.`,
  why: "ELB refuses the rule at apply (CreateRule/ModifyRule) and the service behind it gets no traffic; the provider accepts any number of values, so plan passes. Token lists (the origin-verify values) count as one, a lower bound.",
  source: {
    title: "Elastic Load Balancing: Listener rules for your Application Load Balancer, Rule basics",
    url: "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-rules.html",
    quote: "You can specify up to three comparison strings per condition and up to five per rule.",
  },
  check: (ctx) => {
    const findings: Finding[] = [];
    for (const rule of [...ctx.all(LbListenerRule), ...ctx.all(AlbListenerRule)]) {
      let total = 0;
      let exact = true;
      const parts: string[] = [];
      for (const condition of asArray(ctx.resolve(rule.conditionInput))) {
        const c = asRecord(condition);
        for (const [key, block] of Object.entries(VALUE_BLOCKS)) {
          if (c[key] === undefined) continue;
          const n = countValues(asRecord(c[key]).values);
          total += n.count;
          exact &&= n.exact;
          parts.push(`${block} ${n.exact ? n.count : "≥1"}`);
          if (n.count > MAX_CONDITION_VALUES_PER_CONDITION)
            findings.push({ resource: rule, message: `its ${block} condition has ${n.count} values, over ELB's ${MAX_CONDITION_VALUES_PER_CONDITION} per condition; split it into rules of at most ${MAX_CONDITION_VALUES_PER_CONDITION} or use a wildcard (e.g. "/api/*")` });
        }
        if (c.queryString !== undefined) {
          const n = countValues(c.queryString);
          total += n.count;
          exact &&= n.exact;
          parts.push(`query_string ${n.exact ? n.count : "≥1"}`);
          if (n.count > MAX_CONDITION_VALUES_PER_CONDITION)
            findings.push({ resource: rule, message: `its query_string condition has ${n.count} key/value pairs, over ELB's ${MAX_CONDITION_VALUES_PER_CONDITION} per condition; split it` });
        }
      }
      if (total > MAX_CONDITION_VALUES_PER_RULE)
        findings.push({
          resource: rule,
          message: `has ${exact ? "" : "at least "}${total} condition values (${parts.join(", ")}), over ELB's ${MAX_CONDITION_VALUES_PER_RULE} per rule; use fewer paths or hosts per rule (a wildcard such as "/api/*", or a second rule), remembering the origin-verify header takes up to 2`,
        });
    }
    return findings;
  },
});
