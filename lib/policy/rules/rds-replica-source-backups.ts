import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { Token } from "cdktf";
import { replicaSourceOf } from "../rds";
import { defineRule, type Finding } from "../rule";

/** The source of an RDS read replica keeps automated backups on (backup_retention_period ≥ 1). */
export const rdsReplicaSourceBackups = defineRule({
  id: "rds-replica-source-backups",
  severity: "error",
  kind: "apply-time",
  summary:
    "The source of an RDS read replica (a DbInstance of the same stack) has automated backups: backup_retention_period ≥ 1, set explicitly when the source is itself a replica (replicas are created with backups off).",
  why: "terraform plan accepts it; the CreateDBInstanceReadReplica call fails at apply because automated backups are not enabled on the source, and nothing that depends on the replica is created. Retention left unset on a plain instance is RDS's default of 1 day and passes; on a source restored from a snapshot it is inherited and not checked here.",
  source: {
    title: "Amazon RDS User Guide: Creating a read replica",
    url: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.Create.html",
    quote:
      "First, you must enable automatic backups on the source DB instance by setting the backup retention period to a value other than 0. This requirement also applies to a read replica that is the source DB instance for another read replica.",
  },
  check: (ctx) => {
    const instances = ctx.all(DbInstance);
    const findings: Finding[] = [];
    for (const replica of instances) {
      const source = replicaSourceOf(ctx, replica, instances);
      if (!source) continue;
      const days = source.backupRetentionPeriodInput;
      if (days !== undefined && Token.isUnresolved(days)) continue;
      // Unset: RDS's default (1 day) for a new instance, but a replica starts with backups off.
      const off = days === 0 || (days === undefined && source.replicateSourceDbInput !== undefined);
      if (off)
        findings.push({
          resource: replica,
          message: `replicates ${source.node.path}, whose backup_retention_period is ${days === undefined ? "unset (a replica starts with backups off)" : "0"}; RDS refuses a read replica of a source without automated backups. Set backupRetentionPeriod to 1–35 days on ${source.node.path} (or drop the replica)`,
        });
    }
    return findings;
  },
});
