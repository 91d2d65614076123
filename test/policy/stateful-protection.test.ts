import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { statefulProtection as rule } from "../../lib/policy/rules/stateful-protection";
import { findingsOf, stackWith } from "./helpers";

const db = (protectedDb: boolean) =>
  stackWith((s) => new DbInstance(s, "db", { instanceClass: "db.t4g.micro", engine: "postgres", allocatedStorage: 20, deletionProtection: protectedDb, lifecycle: { preventDestroy: protectedDb } }));
const bucket = (forceDestroy: boolean, preventDestroy: boolean) => stackWith((s) => new S3Bucket(s, "b", { bucket: "b", forceDestroy, lifecycle: { preventDestroy } }));

describe("stateful-protection", () => {
  test("fires in the protected tier on an unprotected database and on a force-destroy or destroyable bucket", () => {
    expect(findingsOf(rule, db(false), "protected").map((f) => f.message)).toEqual([expect.stringMatching(/^deletion_protection is off/), expect.stringMatching(/^lifecycle\.prevent_destroy is off/)]);
    expect(findingsOf(rule, bucket(true, false), "protected").map((f) => f.message)).toEqual([expect.stringMatching(/^force_destroy is on/), expect.stringMatching(/^lifecycle\.prevent_destroy is off/)]);
  });
  test("quiet on protected resources, and in tiers that do not protect state", () => {
    expect(findingsOf(rule, db(true), "protected")).toEqual([]);
    expect(findingsOf(rule, bucket(false, true), "protected")).toEqual([]);
    expect(findingsOf(rule, db(false), "standard")).toEqual([]);
    expect(findingsOf(rule, bucket(true, false), "ephemeral")).toEqual([]);
  });
});
