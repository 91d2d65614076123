import { Construct } from "constructs";
import { BudgetsBudget } from "@cdktf/provider-aws/lib/budgets-budget";
import { ConfigError } from "../core/errors";
import type { Names } from "../core/naming";

/** Percentages of the monthly amount that notify: actual spend at 80 % and 100 %, forecast at 100 %. */
export const BUDGET_ALERTS = [
  { type: "ACTUAL", percent: 80 },
  { type: "ACTUAL", percent: 100 },
  { type: "FORECASTED", percent: 100 },
] as const;

export interface EnvironmentBudgetProps {
  /** Naming helper of the stack: the budget is `<app>-<env>-monthly`; its `envName` is the cost filter's tag value. */
  readonly names: Names;
  /** Monthly amount in USD the environment should stay under (more than 0). */
  readonly monthlyUsd: number;
  /** SNS topic the alerts go to (the alarm topic: its policy and key must admit budgets.amazonaws.com, as AlarmTopic's do). */
  readonly topicArn: string;
  /**
   * Cost allocation tag that tells this environment's costs apart when accounts are shared (the kit
   * tags every resource `environment=<env>`; activate the tag once in Billing → Cost allocation tags,
   * or the budget sees no cost). @default none: the whole account's costs (the kit gives each
   * environment its own account, so previews count in staging's budget)
   */
  readonly tagKey?: string;
}

/**
 * A monthly AWS Budgets cost budget for one environment: its account's costs (or, with `tagKey`,
 * its tagged resources' in a shared account), with alerts to the alarm topic when actual spend passes 80 %
 * and 100 % of the amount, and when the month's forecast passes 100 % (a runaway NAT gateway or a
 * forgotten preview shows up mid-month, not on the invoice).
 *
 * @example new EnvironmentBudget(this, "budget", { names, monthlyUsd: 1500, topicArn: alarms.arn });
 * Cost: the first two budgets of an account are free, then $0.02 per budget-day. Tested via: test/observability/environment-budget.test.ts
 */
export class EnvironmentBudget extends Construct {
  readonly resources: { readonly budget: BudgetsBudget };

  constructor(scope: Construct, id: string, props: EnvironmentBudgetProps) {
    super(scope, id);
    if (!Number.isFinite(props.monthlyUsd) || props.monthlyUsd <= 0)
      throw new ConfigError(this, "monthlyUsd", `${JSON.stringify(props.monthlyUsd)} is not an amount; use the monthly USD the environment should stay under, e.g. 1500`);

    const budget = new BudgetsBudget(this, "budget", {
      name: props.names.of("monthly"),
      budgetType: "COST",
      timeUnit: "MONTHLY",
      limitAmount: props.monthlyUsd.toFixed(2),
      limitUnit: "USD",
      costFilter: props.tagKey ? [{ name: "TagKeyValue", values: [`user:${props.tagKey}$${props.names.envName}`] }] : undefined,
      notification: BUDGET_ALERTS.map((a) => ({
        comparisonOperator: "GREATER_THAN",
        notificationType: a.type,
        threshold: a.percent,
        thresholdType: "PERCENTAGE",
        subscriberSnsTopicArns: [props.topicArn],
      })),
    });
    this.resources = { budget };
  }
}
