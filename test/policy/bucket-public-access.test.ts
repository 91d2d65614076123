import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { bucketPublicAccess as rule } from "../../lib/policy/rules/bucket-public-access";
import { findingsOf, stackWith } from "./helpers";

const bucketWith = (block: "none" | "three" | "four") =>
  stackWith((s) => {
    const b = new S3Bucket(s, "b", { bucket: "b" });
    if (block !== "none") new S3BucketPublicAccessBlock(s, "pab", { bucket: b.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: block === "four" });
  });

describe("bucket-public-access", () => {
  test("fires on a bucket without a block, or with a block missing a switch", () => {
    expect(findingsOf(rule, bucketWith("none"))[0]?.message).toMatch(/^has no public access block with all four switches on/);
    expect(findingsOf(rule, bucketWith("three"))).toHaveLength(1);
  });
  test("quiet with all four switches on", () => expect(findingsOf(rule, bucketWith("four"))).toEqual([]));
});
