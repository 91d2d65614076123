import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { Token } from "cdktf";
import { rdsInstanceClassProblem } from "../../data/rds-instance-classes";
import { defineRule, type Finding } from "../rule";
import { engineOf } from "../rds";

/** An RDS for PostgreSQL DB instance (or a replica of one) uses a DB instance class RDS offers for PostgreSQL. */
export const rdsInstanceClassExists = defineRule({
  id: "rds-instance-class-exists",
  severity: "error",
  kind: "apply-time",
  summary:
    "Every PostgreSQL DbInstance (engine postgres, or a replica of one in the same stack) sets an instance_class RDS for PostgreSQL offers (the table in lib/data/rds-instance-classes.ts); tokens are skipped.",
  why: "terraform plan accepts any string; the apply fails with InvalidParameterCombination (RDS does not support creating a DB instance with the following combination: DBInstanceClass=…, Engine=postgres, …) and nothing that depends on the instance is created. Support for the newest families also depends on the engine version, which this table does not check.",
  source: {
    title: "Amazon RDS API Reference: CreateDBInstance (DBInstanceClass); the classes per engine: RDS User Guide, Supported DB engines for DB instance classes",
    url: "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html",
    quote:
      "Not all DB instance classes are available in all Amazon Web Services Regions, or for all database engines. For the full list of DB instance classes, and availability for your engine, see DB instance classes in the Amazon RDS User Guide",
  },
  check: (ctx) => {
    const instances = ctx.all(DbInstance);
    const findings: Finding[] = [];
    for (const instance of instances) {
      const cls = instance.instanceClassInput;
      if (cls === undefined || Token.isUnresolved(cls) || engineOf(ctx, instance, instances) !== "postgres") continue;
      const problem = rdsInstanceClassProblem(cls);
      if (problem) findings.push({ resource: instance, message: `instance_class ${problem} RDS refuses it at apply (InvalidParameterCombination); pick a class from RDS_POSTGRES_INSTANCE_CLASSES (lib/data/rds-instance-classes.ts)` });
    }
    return findings;
  },
});
