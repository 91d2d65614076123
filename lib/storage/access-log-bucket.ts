import { Construct } from "constructs";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import type { Lifecycle } from "../core/lifecycle";
import { ConfigError } from "../core/errors";
import type { Names } from "../core/naming";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";

/**
 * ELB's log-delivery accounts for regions that predate the log-delivery service principal
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html).
 * Newer regions use the service principal, which the policy always grants too.
 */
export const ELB_LOG_ACCOUNTS: Readonly<Record<string, string>> = {
  "us-east-1": "127311923021", "us-east-2": "033677994240", "us-west-1": "027434742980", "us-west-2": "797873946194",
  "eu-west-1": "156460612806", "eu-west-2": "652711504416", "eu-west-3": "009996457667", "eu-central-1": "054676820928",
  "eu-north-1": "897822967062", "ap-southeast-1": "114774131450", "ap-southeast-2": "783225319266", "ap-northeast-1": "582318560864",
  "ap-south-1": "718504428378", "ca-central-1": "985666609251", "sa-east-1": "507241528517",
};

export interface AccessLogBucketProps {
  /** Naming helper of the stack: the bucket is `<app>-<env>-alb-logs-<accountId>`. */
  readonly names: Names;
  /**
   * Lifecycle of the environment: `protectState` puts `prevent_destroy` on the bucket and keeps
   * logs longer; otherwise (or with `forceDestroy`) `destroy` may empty and delete it.
   */
  readonly lifecycle: Lifecycle;
  /** 12-digit id of the AWS account: part of the bucket name and of the `AWSLogs/<account>/` prefix ELB writes to. */
  readonly accountId: string;
  /** AWS region of the bucket and the ALB, e.g. `us-east-1`; older regions also need their ELB account admitted. */
  readonly region: string;
  /** Days before access logs expire. @default 90 when the lifecycle protects state, else 30 */
  readonly expireAfterDays?: number;
}

/**
 * Private bucket for ALB access logs: SSE-S3 (the only encryption ALB log delivery supports),
 * all public access blocked, owner-enforced, delivery allowed to ELB only, logs expire.
 * @example new AccessLogBucket(this, "access-logs", { names, lifecycle: lifecycleOf("protected"), accountId: "111111111111", region: "us-east-1" });
 * Tested via: test/constructs/load-balancer.test.ts
 */
export class AccessLogBucket extends Construct {
  readonly bucketName: string;
  /** Resource to depend on so the ALB is only configured once delivery is allowed. */
  readonly policy: S3BucketPolicy;

  constructor(scope: Construct, id: string, props: AccessLogBucketProps) {
    super(scope, id);
    const { names, lifecycle } = props;
    const expireAfterDays = props.expireAfterDays ?? (lifecycle.protectState ? 90 : 30);
    if (expireAfterDays < 1) throw new ConfigError(this, "expireAfterDays", `${expireAfterDays} must be at least 1`);

    const bucket = new S3Bucket(this, "bucket", {
      bucket: names.of(`alb-logs-${props.accountId}`, { max: 63 }),
      forceDestroy: lifecycle.forceDestroy || !lifecycle.protectState, // logs are disposable outside prod
      lifecycle: { preventDestroy: lifecycle.protectState },
    });
    const publicAccess = new S3BucketPublicAccessBlock(this, "public-access", { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
    new S3BucketOwnershipControls(this, "ownership", { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } });
    new S3BucketServerSideEncryptionConfigurationA(this, "sse", { bucket: bucket.id, rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] });
    // Versioned: an overwritten or deleted log object (a mistake, or someone covering tracks) stays
    // readable for the same retention as the logs themselves.
    const versioning = new S3BucketVersioningA(this, "versioning", { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } });
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket: bucket.id,
      rule: [
        {
          id: "expire-logs",
          status: "Enabled",
          filter: [{ prefix: "" }],
          expiration: [{ days: expireAfterDays }],
          noncurrentVersionExpiration: [{ noncurrentDays: expireAfterDays }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
        },
      ],
      // Lifecycle rules on a bucket whose versioning is still being enabled can be rejected.
      dependsOn: [versioning],
    });
    const legacyAccount = ELB_LOG_ACCOUNTS[props.region];
    const doc = new DataAwsIamPolicyDocument(this, "policy-doc", {
      statement: [
        {
          sid: "ElbLogDelivery",
          actions: ["s3:PutObject"],
          resources: [`${bucket.arn}/AWSLogs/${props.accountId}/*`],
          principals: [
            { type: "Service", identifiers: ["logdelivery.elasticloadbalancing.amazonaws.com"] },
            ...(legacyAccount ? [{ type: "AWS", identifiers: [`arn:aws:iam::${legacyAccount}:root`] }] : []),
          ],
        },
        {
          sid: "DenyInsecureTransport",
          effect: "Deny",
          actions: ["s3:*"],
          resources: [bucket.arn, `${bucket.arn}/*`],
          principals: [{ type: "*", identifiers: ["*"] }],
          condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
        },
      ],
    });
    // After the public access block: S3 answers OperationAborted when both change at once.
    this.policy = new S3BucketPolicy(this, "policy", { bucket: bucket.id, policy: doc.json, dependsOn: [publicAccess] });
    this.bucketName = bucket.bucket;
  }
}
