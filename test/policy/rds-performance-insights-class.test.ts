import { Testing, TerraformStack } from "cdktf";
import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { ruleContext } from "../../lib/policy/rule";
import { rdsPerformanceInsightsClass as rule } from "../../lib/policy/rules/rds-performance-insights-class";

function stackWith(build: (stack: TerraformStack) => void): TerraformStack {
  const stack = new TerraformStack(Testing.app(), "s");
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  build(stack);
  return stack;
}
const db = (s: TerraformStack, id: string, engine: string, instanceClass: string, performanceInsightsEnabled = true) =>
  new DbInstance(s, id, { identifier: id, engine, instanceClass, allocatedStorage: 20, username: "app", performanceInsightsEnabled, backupRetentionPeriod: 1 });

describe("rds-performance-insights-class", () => {
  test("fires on Performance Insights on a micro/small class of MySQL or MariaDB, and on a replica of one", () => {
    let mysql!: DbInstance;
    let replica!: DbInstance;
    const stack = stackWith((s) => {
      mysql = db(s, "mysql", "mysql", "db.t4g.micro");
      const source = db(s, "mariadb-source", "mariadb", "db.t4g.large");
      replica = new DbInstance(s, "replica", { instanceClass: "db.t3.small", replicateSourceDb: source.identifier, performanceInsightsEnabled: true });
    });
    const findings = rule.check(ruleContext(stack, "standard"));
    expect(findings.map((f) => f.resource)).toEqual([mysql, replica]);
    expect(findings[0]?.message).toMatch(/enables Performance Insights on db\.t4g\.micro, which RDS for mysql does not support/);
    expect(findings[1]?.message).toMatch(/db\.t3\.small, which RDS for mariadb/);
  });

  test("is quiet on PostgreSQL (no class restriction), on medium and larger, and with Performance Insights off", () => {
    const stack = stackWith((s) => {
      db(s, "pg-micro", "postgres", "db.t4g.micro");
      db(s, "pg-small", "postgres", "db.t3.small");
      db(s, "mysql-medium", "mysql", "db.t4g.medium");
      db(s, "mysql-off", "mysql", "db.t3.micro", false);
    });
    expect(rule.check(ruleContext(stack, "standard"))).toEqual([]);
  });

});
