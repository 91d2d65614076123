import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { logRetention as rule } from "../../lib/policy/rules/log-retention";
import { findingsOf, stackWith } from "./helpers";

describe("log-retention", () => {
  test("fires on a log group without retention", () => {
    expect(findingsOf(rule, stackWith((s) => new CloudwatchLogGroup(s, "lg", { name: "x" })))[0]?.message).toMatch(/^has no retention/);
  });
  test("quiet with a retention", () => {
    expect(findingsOf(rule, stackWith((s) => new CloudwatchLogGroup(s, "lg", { name: "x", retentionInDays: 30 })))).toEqual([]);
  });
});
