import { Testing } from "cdktf";
import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { prod, staging } from "../../environments";
import { applyTransforms, transform } from "../../lib/core/transform";
import { EnvironmentStack } from "../../stacks/environment-stack";
import { OFFLINE, resources, synthEnv, synthStrict } from "../helpers";

describe("the escape hatch (lib/core/transform.ts)", () => {
  test("changes a property of a resource the kit created, by construct path", () => {
    const env = { ...staging, transforms: [transform(DbInstance, "database/primary", "Performance Insights for the load test", (db) => { db.performanceInsightsRetentionPeriod = 31; })] };
    const db = resources(synthEnv(env), "aws_db_instance").find((d) => d.identifier === "shipkit-staging-db")!;
    expect(db.performance_insights_retention_period).toBe(31);
  });

  test("the guardrails still check the result: prod's database cannot lose its deletion protection", () => {
    const env = { ...prod, transforms: [transform(DbInstance, "database/primary", "turn protection off to delete the instance", (db) => { db.deletionProtection = false; })] };
    expect(() => synthStrict(new EnvironmentStack(Testing.app(), { env, deployment: OFFLINE }))).toThrow(/\[guardrail:stateful-protection\] deletion_protection is off in the protected tier/);
  });

  test("a path that matches nothing lists what is there", () => {
    const env = { ...staging, transforms: [transform(DbInstance, "database/primari", "typo in the path here", () => undefined)] };
    expect(() => new EnvironmentStack(Testing.app(), { env, deployment: OFFLINE })).toThrow(/"transforms\[0\]\.path" "database\/primari" matches no resource; resources there: .*database\/primary/);
  });

  test("the wrong resource class and a missing reason are errors", () => {
    const wrongClass = { ...staging, transforms: [transform(S3Bucket, "database/primary", "bucket settings for the db", () => undefined)] };
    expect(() => new EnvironmentStack(Testing.app(), { env: wrongClass, deployment: OFFLINE })).toThrow(/the resource there is a aws_db_instance, not a S3Bucket/);
    const stack = new EnvironmentStack(Testing.app(), { env: staging, deployment: OFFLINE });
    expect(() => applyTransforms(stack, [transform(DbInstance, "database/primary", "why", () => undefined)])).toThrow(/"transforms\[0\]\.reason" "why" is too short/);
  });
});
