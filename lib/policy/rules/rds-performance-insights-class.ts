import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { Token } from "cdktf";
import { defineRule, type Finding } from "../rule";
import { engineOf } from "../rds";

/**
 * Instance classes Performance Insights (Database Insights) refuses, per engine, from the RDS User
 * Guide's "instance class restrictions" column. RDS for PostgreSQL lists none, so a PostgreSQL
 * instance never fires; only RDS for MySQL and MariaDB do.
 */
export const PERFORMANCE_INSIGHTS_UNSUPPORTED_CLASSES: Readonly<Record<string, readonly string[]>> = {
  mysql: ["db.t2.micro", "db.t2.small", "db.t3.micro", "db.t3.small", "db.t4g.micro", "db.t4g.small"],
  mariadb: ["db.t2.micro", "db.t2.small", "db.t3.micro", "db.t3.small", "db.t4g.micro", "db.t4g.small"],
};

/** No Performance Insights on an instance class the engine does not support it on. */
export const rdsPerformanceInsightsClass = defineRule({
  id: "rds-performance-insights-class",
  severity: "error",
  kind: "apply-time",
  summary:
    "performance_insights_enabled only on an instance class the engine supports it on: not db.t2/db.t3/db.t4g micro or small for RDS for MySQL and MariaDB (RDS for PostgreSQL has no class restriction, so PostgreSQL instances always pass).",
  why: "terraform plan accepts it; RDS rejects Performance Insights on those classes when the instance is created or modified, so the apply fails on that instance and nothing that depends on it is created.",
  source: {
    title: "Amazon RDS User Guide: Amazon RDS DB engine, Region, and instance class support for Database Insights (RDS for MariaDB and RDS for MySQL rows)",
    url: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_DatabaseInsights.Engines.html",
    quote: "Database Insights isn't supported for the following instance classes: db.t2.micro, db.t2.small, db.t3.micro, db.t3.small, db.t4g.micro, db.t4g.small",
  },
  check: (ctx) => {
    const instances = ctx.all(DbInstance);
    const findings: Finding[] = [];
    for (const instance of instances) {
      const cls = instance.instanceClassInput;
      if (instance.performanceInsightsEnabledInput !== true || cls === undefined || Token.isUnresolved(cls)) continue;
      const engine = engineOf(ctx, instance, instances);
      if (engine !== undefined && PERFORMANCE_INSIGHTS_UNSUPPORTED_CLASSES[engine]?.includes(cls))
        findings.push({
          resource: instance,
          message: `enables Performance Insights on ${cls}, which RDS for ${engine} does not support it on (no micro or small burstable class); RDS rejects it at apply. Use db.t3.medium/db.t4g.medium or larger, or set performanceInsightsEnabled: false`,
        });
    }
    return findings;
  },
});
