import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { replicaSourceOf } from "../rds";
import { defineRule, type Finding } from "../rule";

/**
 * Where AWS documents the rule: creating a read replica is unsupported when the source manages its
 * master password in Secrets Manager (every engine but SQL Server).
 */
export const RDS_MANAGED_PASSWORD_LIMITATION =
  'RDS User Guide, "Password management with Amazon RDS and AWS Secrets Manager" > "Limitations for Secrets Manager integration with Amazon RDS"';

/** No RDS read replica of an instance whose master password RDS manages. */
export const replicaOfManagedPassword = defineRule({
  id: "replica-of-managed-password",
  severity: "error",
  kind: "apply-time",
  summary: "No RDS read replica of an instance that sets manage_master_user_password (a replica named by reference or by a literal identifier of the same stack).",
  why: "terraform plan accepts it; the apply fails with InvalidParameterValue and nothing that references the replica is created. It reads the typed input: a value set through addOverride escapes it.",
  source: {
    title: "Amazon RDS User Guide: Password management with Amazon RDS and AWS Secrets Manager, Limitations",
    url: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html#rds-secrets-manager-limitations",
    quote: "Creating a read replica when the source DB or DB cluster manages credentials with Secrets Manager. This applies to all DB engines except RDS for SQL Server.",
  },
  check: (ctx) => {
    const instances = ctx.all(DbInstance);
    const findings: Finding[] = [];
    for (const replica of instances.filter((i) => i.replicateSourceDbInput !== undefined)) {
      const primary = replicaSourceOf(ctx, replica, instances);
      if (primary?.manageMasterUserPasswordInput === true)
        findings.push({
          resource: replica,
          message: `replicates ${primary.node.path}, whose master password RDS manages in Secrets Manager; AWS refuses to create that replica at apply (InvalidParameterValue), see ${RDS_MANAGED_PASSWORD_LIMITATION}. Give the source a kit-managed master secret instead (PostgresDatabase masterPassword: password_wo from an ephemeral variable)`,
        });
    }
    return findings;
  },
});
