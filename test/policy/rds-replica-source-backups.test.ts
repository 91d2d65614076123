import { TerraformVariable, Testing, TerraformStack } from "cdktf";
import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { ruleContext } from "../../lib/policy/rule";
import { rdsReplicaSourceBackups as rule } from "../../lib/policy/rules/rds-replica-source-backups";

function stackWith(build: (stack: TerraformStack) => void): TerraformStack {
  const stack = new TerraformStack(Testing.app(), "s");
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  build(stack);
  return stack;
}
const primary = (s: TerraformStack, backupRetentionPeriod?: number) =>
  new DbInstance(s, "primary", { identifier: "app-db", engine: "postgres", instanceClass: "db.t4g.medium", allocatedStorage: 20, username: "app", backupRetentionPeriod });
const replicaOf = (s: TerraformStack, id: string, source: string, backupRetentionPeriod?: number) =>
  new DbInstance(s, id, { identifier: id, instanceClass: "db.t4g.medium", replicateSourceDb: source, backupRetentionPeriod });

describe("rds-replica-source-backups", () => {
  test("fires on a replica (by reference or by literal identifier) of a source with backup_retention_period 0", () => {
    let byRef!: DbInstance;
    let byName!: DbInstance;
    const stack = stackWith((s) => {
      const p = primary(s, 0);
      byRef = replicaOf(s, "replica-0", p.identifier);
      byName = replicaOf(s, "replica-1", "app-db");
    });
    const findings = rule.check(ruleContext(stack, "standard"));
    expect(findings.map((f) => f.resource)).toEqual([byRef, byName]);
    expect(findings[0]?.message).toMatch(/replicates s\/primary, whose backup_retention_period is 0; RDS refuses a read replica of a source without automated backups\. Set backupRetentionPeriod to 1–35 days/);
  });

  test("fires on a cascading replica whose source replica leaves backups unset", () => {
    let cascade!: DbInstance;
    const stack = stackWith((s) => {
      const first = replicaOf(s, "replica-0", primary(s, 7).identifier);
      cascade = replicaOf(s, "replica-1", first.identifier);
    });
    const findings = rule.check(ruleContext(stack, "standard"));
    expect(findings.map((f) => f.resource)).toEqual([cascade]);
    expect(findings[0]?.message).toMatch(/replicates s\/replica-0, whose backup_retention_period is unset \(a replica starts with backups off\)/);
  });

  test("is quiet when the source keeps backups (set, or RDS's default of 1 day when unset), and on a token", () => {
    const quiet = (build: (s: TerraformStack) => void) => expect(rule.check(ruleContext(stackWith(build), "standard"))).toEqual([]);
    quiet((s) => replicaOf(s, "replica-0", primary(s, 7).identifier));
    quiet((s) => replicaOf(s, "replica-0", primary(s).identifier));
    quiet((s) => replicaOf(s, "replica-1", replicaOf(s, "replica-0", primary(s, 7).identifier, 1).identifier));
    quiet((s) => {
      const p = new DbInstance(s, "primary", { identifier: "app-db", engine: "postgres", instanceClass: "db.t4g.medium", allocatedStorage: 20, backupRetentionPeriod: new TerraformVariable(s, "days", { type: "number" }).numberValue });
      replicaOf(s, "replica-0", p.identifier);
    });
    // A source outside the stack is not this rule's to judge.
    quiet((s) => replicaOf(s, "replica-0", "arn:aws:rds:us-east-1:123456789012:db:elsewhere"));
  });

});
