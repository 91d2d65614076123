import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { defineRule } from "../rule";

/** Every bucket has a public access block with all four switches on. */
export const bucketPublicAccess = defineRule({
  id: "bucket-public-access",
  severity: "error",
  kind: "policy",
  summary: "Every S3 bucket has an aws_s3_bucket_public_access_block with all four settings on.",
  why: "A later ACL or bucket policy (a typo, a copied snippet) could otherwise make private uploads or logs public; the block overrides them.",
  source: {
    title: "Amazon S3 User Guide: Blocking public access to your Amazon S3 storage",
    url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html",
    quote: "We recommend that you turn on all four settings for block public access for your account and your buckets.",
  },
  check: (ctx) => {
    // A block refers to its bucket as ${aws_s3_bucket.<id>.id} (or .bucket).
    const blocks = ctx
      .all(S3BucketPublicAccessBlock)
      .filter((b) => b.blockPublicAclsInput === true && b.blockPublicPolicyInput === true && b.ignorePublicAclsInput === true && b.restrictPublicBucketsInput === true);
    return ctx
      .all(S3Bucket)
      .filter((bucket) => !blocks.some((b) => ctx.refersTo(b.bucketInput, bucket, ["id", "bucket"])))
      .map((bucket) => ({ resource: bucket, message: "has no public access block with all four switches on; add an S3BucketPublicAccessBlock for it" }));
  },
});
