import { Testing } from "cdktf";
import { Names } from "../../lib/core/naming";
import { EnvironmentBudget } from "../../lib/observability/environment-budget";
import { resources, type SynthJson } from "../helpers";

const TOPIC = "arn:aws:sns:us-east-1:111111111111:shipkit-prod-alarms";
const synth = (monthlyUsd: number): SynthJson =>
  JSON.parse(Testing.synthScope((s) => new EnvironmentBudget(s, "budget", { names: new Names("shipkit", "prod"), monthlyUsd, topicArn: TOPIC }))) as SynthJson;

describe("EnvironmentBudget", () => {
  test("a monthly cost budget of the environment's account (previews count in staging's), alerting at 80 % and 100 % actual and 100 % forecast", () => {
    const [budget] = resources(synth(1500), "aws_budgets_budget");
    expect(budget).toMatchObject({ name: "shipkit-prod-monthly", budget_type: "COST", time_unit: "MONTHLY", limit_amount: "1500.00", limit_unit: "USD" });
    expect(budget).not.toHaveProperty("cost_filter");
    const tagged = resources(JSON.parse(Testing.synthScope((s) => new EnvironmentBudget(s, "budget", { names: new Names("shipkit", "prod"), monthlyUsd: 100, topicArn: TOPIC, tagKey: "environment" }))) as SynthJson, "aws_budgets_budget")[0];
    expect(tagged).toMatchObject({ cost_filter: [{ name: "TagKeyValue", values: ["user:environment$prod"] }] });
    expect((budget!.notification as Record<string, unknown>[]).map((n) => [n.notification_type, n.threshold, n.subscriber_sns_topic_arns])).toEqual([
      ["ACTUAL", 80, [TOPIC]], ["ACTUAL", 100, [TOPIC]], ["FORECASTED", 100, [TOPIC]],
    ]);
  });
  test.each([0, -5, Number.NaN])("refuses %p as an amount, naming the prop", (amount) => {
    expect(() => synth(amount)).toThrow(/budget: "monthlyUsd" .* is not an amount/);
  });
});
