import { TerraformStack, Testing } from "cdktf";
import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { DbParameterGroup } from "@cdktf/provider-aws/lib/db-parameter-group";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { ruleContext } from "../../lib/policy/rule";
import { dbParameterGroupFamily as rule } from "../../lib/policy/rules/db-parameter-group-family";

function stackWith(family: string, engineVersion = "16.4"): { stack: TerraformStack; primary: DbInstance; replica: DbInstance } {
  const stack = new TerraformStack(Testing.app(), "s");
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  const group = new DbParameterGroup(stack, "pg", { name: "app-pg", family });
  const primary = new DbInstance(stack, "primary", { identifier: "app-db", engine: "postgres", engineVersion, instanceClass: "db.t4g.medium", allocatedStorage: 20, parameterGroupName: group.name, backupRetentionPeriod: 7 });
  const replica = new DbInstance(stack, "replica", { identifier: "app-db-replica", instanceClass: "db.t4g.medium", replicateSourceDb: primary.identifier, parameterGroupName: group.name });
  return { stack, primary, replica };
}

describe("db-parameter-group-family", () => {
  test("fires on the primary and its replica when the group's family is another major's", () => {
    const { stack, primary, replica } = stackWith("postgres15");
    const findings = rule.check(ruleContext(stack, "standard"));
    expect(findings.map((f) => f.resource)).toEqual([primary, replica]);
    expect(findings[0]!.message).toBe("runs PostgreSQL 16.4 with parameter group s/pg of family postgres15; RDS refuses it (InvalidParameterCombination): use a group of family postgres16");
  });

  test("quiet when the family matches the major (a major or a major.minor version)", () => {
    expect(rule.check(ruleContext(stackWith("postgres16").stack, "standard"))).toEqual([]);
    expect(rule.check(ruleContext(stackWith("postgres16", "16").stack, "standard"))).toEqual([]);
  });

});
