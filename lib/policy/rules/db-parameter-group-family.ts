import { Token } from "cdktf";
import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { DbParameterGroup } from "@cdktf/provider-aws/lib/db-parameter-group";
import { engineOf, replicaSourceOf } from "../rds";
import { defineRule, type Finding } from "../rule";

/** A PostgreSQL DbInstance's parameter group belongs to the family of the engine's major version. */
export const dbParameterGroupFamily = defineRule({
  id: "db-parameter-group-family",
  severity: "error",
  kind: "apply-time",
  summary: "A PostgreSQL DbInstance (or a replica of one) uses a parameter group of the stack whose family is postgres<major> of its engine_version (16.4 → postgres16).",
  why: "terraform plan accepts any pair; CreateDBInstance (and a major upgrade) fails with InvalidParameterCombination (\"The parameter group ... with DBParameterGroupFamily postgres15 cannot be used for this instance\") and nothing that references the instance is created.",
  source: {
    title: "Amazon RDS API Reference: CreateDBParameterGroup (DBParameterGroupFamily)",
    url: "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBParameterGroup.html",
    quote: "A DB parameter group can be associated with one and only one DB parameter group family, and can be applied only to a DB instance running a database engine and engine version compatible with that DB parameter group family.",
  },
  check: (ctx) => {
    const instances = ctx.all(DbInstance);
    const groups = ctx.all(DbParameterGroup);
    const findings: Finding[] = [];
    for (const instance of instances) {
      if (engineOf(ctx, instance, instances) !== "postgres") continue;
      const group = groups.find((g) => ctx.refersTo(instance.parameterGroupNameInput, g, ["name", "id"]));
      // A replica runs its source's version.
      const versioned = instance.engineVersionInput !== undefined ? instance : replicaSourceOf(ctx, instance, instances);
      const version = versioned?.engineVersionInput;
      if (!group || version === undefined || Token.isUnresolved(version) || Token.isUnresolved(group.familyInput)) continue;
      const family = `postgres${version.split(".")[0]}`;
      if (group.familyInput !== family)
        findings.push({ resource: instance, message: `runs PostgreSQL ${version} with parameter group ${group.node.path} of family ${group.familyInput}; RDS refuses it (InvalidParameterCombination): use a group of family ${family}` });
    }
    return findings;
  },
});
