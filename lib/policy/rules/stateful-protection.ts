import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { RdsCluster } from "@cdktf/provider-aws/lib/rds-cluster";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { TIER_POLICY } from "../../core/lifecycle";
import { defineRule, type Finding } from "../rule";

/** In a tier that protects state: databases with deletion protection and `prevent_destroy`, buckets with `prevent_destroy` and no force-destroy. */
export const statefulProtection = defineRule({
  id: "stateful-protection",
  severity: "error",
  kind: "policy",
  summary: "In a tier that protects state, RDS instances and clusters have deletion protection and prevent_destroy; buckets have prevent_destroy and no force_destroy.",
  why: "One wrong plan (a rename, a replaced instance) would otherwise delete the data with nothing in the way: RDS refuses a delete only while deletion protection is on.",
  source: {
    title: "Amazon RDS User Guide: Deleting a DB instance (deletion protection)",
    url: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_DeleteInstance.html",
    quote: "You can only delete instances that don't have deletion protection enabled.",
  },
  check: (ctx) => {
    if (!TIER_POLICY[ctx.tier].protectState) return [];
    const findings: Finding[] = [];
    for (const db of [...ctx.all(DbInstance), ...ctx.all(RdsCluster)]) {
      if (db.deletionProtectionInput !== true)
        findings.push({ resource: db, message: `deletion_protection is off in the ${ctx.tier} tier; set deletionProtection: TIER_POLICY[tier].protectState` });
      if (!db.lifecycle?.preventDestroy)
        findings.push({ resource: db, message: `lifecycle.prevent_destroy is off in the ${ctx.tier} tier; set lifecycle: { preventDestroy: true }` });
    }
    for (const bucket of ctx.all(S3Bucket)) {
      if (bucket.forceDestroyInput === true)
        findings.push({ resource: bucket, message: `force_destroy is on in the ${ctx.tier} tier; only ephemeral buckets may be force-destroyed` });
      if (!bucket.lifecycle?.preventDestroy)
        findings.push({ resource: bucket, message: `lifecycle.prevent_destroy is off in the ${ctx.tier} tier; set lifecycle: { preventDestroy: true }` });
    }
    return findings;
  },
});
