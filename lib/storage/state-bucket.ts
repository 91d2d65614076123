import { Construct } from "constructs";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { ConfigError } from "../core/errors";

export interface StateBucketProps {
  /** Globally unique bucket name (the environments' `aws.stateBucket`). */
  readonly bucketName: string;
  /** AWS partition of the ARNs, `aws` outside China and GovCloud. @default "aws" */
  readonly partition?: string;
  /** Days a replaced or deleted state version is kept (older state to roll back to), 1 or more. @default 90 */
  readonly noncurrentVersionDays?: number;
}

/**
 * The Terraform state bucket of one AWS account: versioned (every state write is a version, so a
 * bad apply can be rolled back), SSE-S3 encrypted by default, all four public access block switches
 * on, owner-enforced object ownership (ACLs disabled), a bucket policy that refuses any request
 * without TLS, and noncurrent versions expiring after `noncurrentVersionDays`. Never destroyed
 * by a plan (`prevent_destroy`). No other account is granted anything: a state holds secrets in
 * plaintext (prod's holds prod's origin-verify secret), so a stack never reads another account's
 * state (docs/edge.md, "Who holds which secret"). SSE-S3 rather than KMS: S3 encrypts with it at no
 * cost, and a customer key would add a key policy to keep in step with the bucket's.
 *
 * Sources: S3 User Guide "Blocking public access" (all four settings), "Controlling ownership of
 * objects" (BucketOwnerEnforced disables ACLs), "Security best practices for Amazon S3" (deny
 * `aws:SecureTransport` false: https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html),
 * Terraform S3 backend ("enable Bucket Versioning on the S3 bucket to allow for state recovery":
 * https://developer.hashicorp.com/terraform/language/backend/s3).
 *
 * @example new StateBucket(this, "state", { bucketName: "shipkit-terraform-state-111111111111" });
 * Cost: cents per month (a few MB of state and its versions). Tested via: test/stacks/bootstrap.test.ts
 */
export class StateBucket extends Construct {
  /** The bucket's name. */
  readonly bucketName: string;
  /** The bucket's ARN (literal: `arn:<partition>:s3:::<name>`). */
  readonly bucketArn: string;
  readonly bucket: S3Bucket;

  constructor(scope: Construct, id: string, props: StateBucketProps) {
    super(scope, id);
    const noncurrentDays = props.noncurrentVersionDays ?? 90;
    if (!Number.isInteger(noncurrentDays) || noncurrentDays < 1) throw new ConfigError(this, "noncurrentVersionDays", `${noncurrentDays} must be a whole number of days, 1 or more`);
    const partition = props.partition ?? "aws";
    this.bucketName = props.bucketName;
    this.bucketArn = `arn:${partition}:s3:::${props.bucketName}`;

    this.bucket = new S3Bucket(this, "bucket", { bucket: props.bucketName, lifecycle: { preventDestroy: true } });
    const publicAccess = new S3BucketPublicAccessBlock(this, "public-access", { bucket: this.bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
    new S3BucketOwnershipControls(this, "ownership", { bucket: this.bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } });
    new S3BucketServerSideEncryptionConfigurationA(this, "sse", { bucket: this.bucket.id, rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] });
    const versioning = new S3BucketVersioningA(this, "versioning", { bucket: this.bucket.id, versioningConfiguration: { status: "Enabled" } });
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket: this.bucket.id,
      rule: [
        {
          id: "expire-noncurrent-state",
          status: "Enabled",
          filter: [{ prefix: "" }],
          noncurrentVersionExpiration: [{ noncurrentDays }],
          // Lock files and aborted uploads leave delete markers and parts behind.
          expiration: [{ expiredObjectDeleteMarker: true }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
        },
      ],
      // Lifecycle rules on a bucket whose versioning is still being enabled can be rejected.
      dependsOn: [versioning],
    });
    const policy = {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: [this.bucketArn, `${this.bucketArn}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    };
    // After the public access block: S3 answers OperationAborted when both change at once.
    new S3BucketPolicy(this, "policy", { bucket: this.bucket.id, policy: JSON.stringify(policy), dependsOn: [publicAccess] });
  }
}
