import { TerraformVariable, Testing, TerraformStack } from "cdktf";
import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { RDS_POSTGRES_INSTANCE_CLASSES, rdsInstanceClassProblem } from "../../lib/data/rds-instance-classes";
import { ruleContext } from "../../lib/policy/rule";
import { rdsInstanceClassExists as rule } from "../../lib/policy/rules/rds-instance-class-exists";

function stackWith(build: (stack: TerraformStack) => void): TerraformStack {
  const stack = new TerraformStack(Testing.app(), "s");
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  build(stack);
  return stack;
}
const postgres = (s: TerraformStack, id: string, instanceClass: string, extra: Partial<ConstructorParameters<typeof DbInstance>[2]> = {}) =>
  new DbInstance(s, id, { identifier: id, engine: "postgres", instanceClass, allocatedStorage: 20, username: "app", ...extra });

describe("rds-instance-class-exists", () => {
  test("fires on a size the family does not have, naming the value and the nearest size", () => {
    let db!: DbInstance;
    const findings = rule.check(ruleContext(stackWith((s) => (db = postgres(s, "db", "db.r6g.medium"))), "standard"));
    expect(findings).toHaveLength(1);
    expect(findings[0]?.resource).toBe(db);
    expect(findings[0]?.message).toMatch(/"db\.r6g\.medium" is not a DB instance class RDS for PostgreSQL offers .*did you mean db\.r6g\.large\?/);
    expect(findings[0]?.message).toMatch(/InvalidParameterCombination/);
  });

  test("fires on a replica (engine inherited from its source) with a class that does not exist", () => {
    let replica!: DbInstance;
    const stack = stackWith((s) => {
      const primary = postgres(s, "primary", "db.r6g.large", { backupRetentionPeriod: 7 });
      replica = new DbInstance(s, "replica", { instanceClass: "db.t4g.24xlarge", replicateSourceDb: primary.identifier });
    });
    const findings = rule.check(ruleContext(stack, "standard"));
    expect(findings.map((f) => f.resource)).toEqual([replica]);
    expect(findings[0]?.message).toMatch(/did you mean db\.t4g\.2xlarge\?/);
  });

  test("is quiet on offered classes, tokens, and engines other than postgres", () => {
    const stack = stackWith((s) => {
      postgres(s, "a", "db.t4g.micro");
      postgres(s, "b", "db.r6g.large");
      postgres(s, "c", "db.m7g.16xlarge");
      postgres(s, "d", new TerraformVariable(s, "db_class", { type: "string" }).stringValue);
      new DbInstance(s, "mysql", { engine: "mysql", instanceClass: "db.r6g.medium", allocatedStorage: 20 });
    });
    expect(rule.check(ruleContext(stack, "standard"))).toEqual([]);
  });

});

describe("rdsInstanceClassProblem", () => {
  test("accepts every class of the table", () => {
    for (const [family, sizes] of Object.entries(RDS_POSTGRES_INSTANCE_CLASSES)) for (const size of sizes) expect(rdsInstanceClassProblem(`${family}.${size}`)).toBeUndefined();
  });
  test.each([
    ["db.r6g.medium", "db.r6g.large"],
    ["db.t4g.24xlarge", "db.t4g.2xlarge"],
    ["db.m6g.6xlarge", "db.m6g.8xlarge"],
    ["db.r6g.larg", "db.r6g.large"],
    ["db.r6q.large", "db.r6g.large"],
    ["db.t2.micro", "db.t3.micro"],
    ["r6g.large", "db.r6g.large"],
  ])("%s: did you mean %s?", (cls, suggestion) => {
    expect(rdsInstanceClassProblem(cls)).toContain(`did you mean ${suggestion}?`);
  });
  test("says why: unknown size, deprecated family, unknown family, not a class", () => {
    expect(rdsInstanceClassProblem("db.r6g.medium")).toMatch(/db\.r6g comes in large, xlarge, .*16xlarge/);
    expect(rdsInstanceClassProblem("db.t2.micro")).toMatch(/db\.t2 is deprecated for RDS for PostgreSQL/);
    expect(rdsInstanceClassProblem("db.z1d.large")).toMatch(/RDS for PostgreSQL offers no db\.z1d family/);
    expect(rdsInstanceClassProblem("r6g.large")).toMatch(/is not an RDS DB instance class \(db\.<family>\.<size>/);
  });
});
