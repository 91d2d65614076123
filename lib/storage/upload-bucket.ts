import { Construct } from "constructs";
import { Token } from "cdktf";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { deadLetterQueueAlarm } from "../observability/queue-alarms";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import type { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketCorsConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-cors-configuration";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketNotification } from "@cdktf/provider-aws/lib/s3-bucket-notification";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { SqsQueueRedriveAllowPolicy } from "@cdktf/provider-aws/lib/sqs-queue-redrive-allow-policy";
import type { Lifecycle, SafetyTier } from "../core/lifecycle";
import { MAX_SINGLE_UPLOAD_BYTES, SAFE_PREFIX, UPLOAD_ENV, type UploadEnvName } from "../../runtime/upload-contract";
import { ConfigError } from "../core/errors";
import type { Connection } from "../compute/connection";
import type { Names } from "../core/naming";

/** Server-side encryption at rest: S3-managed keys, or KMS with the AWS-managed `aws/s3` key (+ S3 Bucket Keys). */
export type UploadEncryption = "sse-s3" | "sse-kms";

/** Noncurrent-version retention per safety tier, in days (how long an overwritten or deleted file stays recoverable). */
const NONCURRENT_DAYS: Readonly<Record<SafetyTier, number>> = { protected: 30, standard: 7, ephemeral: 1 };

/** Methods presigned uploads and downloads need from a browser: POST (form upload), PUT (single-request upload), GET (download). */
export const UPLOAD_CORS_METHODS = ["GET", "POST", "PUT"] as const;

export interface UploadBucketProps {
  /** Naming helper of the stack: the bucket is `<app>-<env>-uploads-<accountId>`, queues and alarms `<app>-<env>-uploads-*`. */
  readonly names: Names;
  /**
   * Lifecycle of the environment: `forceDestroy` lets `destroy` empty the bucket (ephemeral only),
   * `protectState` puts `prevent_destroy` on it, and the tier sets the default noncurrent retention.
   */
  readonly lifecycle: Lifecycle;
  /**
   * 12-digit id of the AWS account the bucket lives in: part of the (globally unique) bucket name,
   * and the only account whose S3 may send events to the queue (`aws:SourceAccount`).
   */
  readonly accountId: string;
  /** AWS region of the bucket, e.g. `us-east-1`; services receive it as `UPLOAD_REGION` to sign URLs. */
  readonly region: string;
  /**
   * Browser origins allowed by CORS, each `https://host[:port]` with no path and no wildcard, e.g.
   * the app's own hostname and the ones that redirect to it. At least one. No default: a CORS
   * wildcard would let any site upload with a user's presigned form.
   */
  readonly allowedOrigins: readonly string[];
  /**
   * Where the queue-backlog and dead-letter alarms publish, or `off` (previews: their noise would
   * page staging's on-call).
   */
  readonly alarms: { readonly topicArn: string } | "off";
  /**
   * Encryption at rest. `"sse-kms"` uses the AWS-managed `aws/s3` key with S3 Bucket Keys (CloudTrail
   * records each key use; costs KMS requests). Changing it affects new objects only.
   * @default "sse-s3"
   */
  readonly encryption?: UploadEncryption;
  /**
   * Prefix browsers upload into (keys are `<uploadPrefix><uuid>`). Ends in "/". Only this prefix
   * raises ObjectCreated events, and objects here expire after `pendingExpiryDays`.
   * @default "pending/"
   */
  readonly uploadPrefix?: string;
  /**
   * Prefix the app serves files from (it signs GETs here) after promoting a completed upload out
   * of `uploadPrefix` with a server-side copy. Ends in "/"; must not overlap `uploadPrefix`.
   * @default "files/"
   */
  readonly servePrefix?: string;
  /**
   * Days after which objects under `uploadPrefix` expire (uploads never completed or never promoted).
   * At least 1.
   * @default 7
   */
  readonly pendingExpiryDays?: number;
  /**
   * Days an overwritten or deleted version stays recoverable before it is expired. At least 1.
   * @default by the lifecycle's tier: protected 30, standard 7, ephemeral 1
   */
  readonly noncurrentVersionExpiryDays?: number;
  /**
   * Largest upload a presigned POST admits, in bytes (1 byte to 5 GiB, the single-request limit).
   * Reaches the app as `UPLOAD_MAX_BYTES`.
   * @default 10485760 (10 MiB)
   */
  readonly maxUploadBytes?: number;
  /**
   * Age of the oldest unconsumed upload event that raises the backlog alarm, in seconds.
   * @default 900 (15 minutes: the app should mark uploads complete within seconds)
   */
  readonly maxEventAgeSeconds?: number;
}

/** Raw resources, for reading attributes. Review any change made through them. */
export interface UploadBucketResources {
  /** The bucket itself (`<app>-<env>-uploads-<account>`). */
  readonly bucket: S3Bucket;
  /** All four public-access blocks. */
  readonly publicAccessBlock: S3BucketPublicAccessBlock;
  /** Bucket policy that denies requests without TLS. */
  readonly bucketPolicy: S3BucketPolicy;
  /** Lifecycle rules: incomplete multipart uploads, `uploadPrefix` expiry, noncurrent versions, delete markers. */
  readonly lifecycle: S3BucketLifecycleConfiguration;
  /** CORS rules for the allowed origins and GET/POST/PUT. */
  readonly cors: S3BucketCorsConfiguration;
  /** ObjectCreated notification under `uploadPrefix` to `queue`. */
  readonly notification: S3BucketNotification;
  /** Queue of upload events the app consumes. */
  readonly queue: SqsQueue;
  /** Where `queue` moves an event after 5 failed receives. */
  readonly deadLetterQueue: SqsQueue;
  /** Backlog (oldest event age) and dead-letter alarms; absent with `alarms: "off"`. */
  readonly alarms?: { readonly oldestEvent: CloudwatchMetricAlarm; readonly deadLetters: CloudwatchMetricAlarm };
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const ORIGIN = /^https:\/\/(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?::\d{1,5})?$/;

/**
 * Private upload bucket for browser uploads through presigned POSTs, with upload state tracked
 * through S3 events on an SQS queue. See docs/uploads.md for the flow and the message contract.
 *
 * - Bucket: all four public-access blocks, ACLs disabled (BucketOwnerEnforced), default encryption,
 *   a policy that denies non-TLS requests, versioning, lifecycle (abort incomplete multipart uploads
 *   after 1 day, expire `uploadPrefix` after `pendingExpiryDays`, expire noncurrent versions and
 *   leftover delete markers), CORS for the given https origins and GET/POST/PUT only.
 *   force_destroy only in the ephemeral tier; prevent_destroy in the protected tier.
 * - Events: ObjectCreated under `uploadPrefix` → SQS queue (SQS-managed SSE, TLS-only, sendable only
 *   by this bucket in this account) with a dead-letter queue; alarms on the age of the oldest event
 *   and on any dead letter, to the alarm topic (unless `alarms: "off"`).
 * - Workloads: `connection()` is the typed connection a task takes (`connections: [uploads.connection()]`):
 *   the settings runtime/uploads.ts reads, and a least-privilege grant to the task's role
 *   (`grantTo(role)`), bound when the task's roles exist.
 *
 * @example
 * const uploads = new UploadBucket(this, "uploads", {
 *   names, lifecycle: lifecycleOf("standard"), accountId: "111111111111", region: "us-east-1",
 *   allowedOrigins: ["https://www.example.com"], alarms: { topicArn: alarmTopicArn },
 * });
 * new FargateService(this, "backend-service", { ..., task: { ..., connections: [uploads.connection()] } });
 * Rough cost at defaults: storage $0.023/GB-month + requests; SQS and 2 alarms ~ $0.20/month.
 * Tested via: test/constructs/upload-bucket.test.ts, test/e2e/uploads.e2e.test.ts (runtime helper)
 */
export class UploadBucket extends Construct {
  /** Bucket name (token). */
  readonly bucketName: string;
  /** Bucket ARN (token). */
  readonly bucketArn: string;
  /** Queue URL of the upload events (token). */
  readonly queueUrl: string;
  /** Queue ARN of the upload events (token). */
  readonly queueArn: string;
  /** Prefix browsers upload into, ending in "/". */
  readonly uploadPrefix: string;
  /** Prefix the app serves from, ending in "/". */
  readonly servePrefix: string;
  /** Largest upload in bytes. */
  readonly maxUploadBytes: number;
  /** CORS origins in force. */
  readonly allowedOrigins: readonly string[];
  /**
   * Settings for services, as plain environment variables (none is secret): bucket, region,
   * prefixes, max bytes and queue URL. Read in the app with `uploadSettingsFromEnv(process.env)`.
   */
  readonly environment: Readonly<Record<UploadEnvName, string>>;
  readonly resources: UploadBucketResources;

  private readonly names: Names;

  constructor(scope: Construct, id: string, props: UploadBucketProps) {
    super(scope, id);
    const { names } = props;
    // `lifecycle` below is the bucket's lifecycle configuration; the safety switches are `safety`.
    const safety = props.lifecycle;
    const cfg = {
      encryption: props.encryption ?? "sse-s3",
      uploadPrefix: props.uploadPrefix ?? "pending/",
      servePrefix: props.servePrefix ?? "files/",
      pendingExpiryDays: props.pendingExpiryDays ?? 7,
      noncurrentVersionExpiryDays: props.noncurrentVersionExpiryDays ?? NONCURRENT_DAYS[safety.tier],
      maxUploadBytes: props.maxUploadBytes ?? 10 * 1024 ** 2,
      allowedOrigins: props.allowedOrigins,
      maxEventAgeSeconds: props.maxEventAgeSeconds ?? 900,
    };
    this.validate(cfg);
    const bucketName = names.of(`uploads-${props.accountId}`, { max: 63 });
    if (!Token.isUnresolved(bucketName) && !BUCKET_NAME.test(bucketName))
      throw new ConfigError(this, "names", `gives the bucket name ${JSON.stringify(bucketName)}, which S3 rejects; use lowercase letters, digits and "-" only in the app and environment names`);
    this.names = names;

    const bucket = new S3Bucket(this, "bucket", {
      bucket: bucketName,
      forceDestroy: safety.forceDestroy,
      lifecycle: { preventDestroy: safety.protectState },
    });
    const publicAccessBlock = new S3BucketPublicAccessBlock(this, "public-access-block", {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, "ownership", { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } });
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: bucket.id,
      rule: [cfg.encryption === "sse-kms"
        ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }
        : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    });
    const versioning = new S3BucketVersioningA(this, "versioning", { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } });

    const tlsOnly = new DataAwsIamPolicyDocument(this, "bucket-policy-document", {
      statement: [{
        sid: "DenyInsecureTransport",
        effect: "Deny",
        principals: [{ type: "*", identifiers: ["*"] }],
        actions: ["s3:*"],
        resources: [bucket.arn, `${bucket.arn}/*`],
        condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
      }],
    });
    // S3 rejects concurrent policy and access-block writes on one bucket ("OperationAborted"): order them.
    const bucketPolicy = new S3BucketPolicy(this, "bucket-policy", { bucket: bucket.id, policy: tlsOnly.json, dependsOn: [publicAccessBlock] });

    const lifecycle = new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket: bucket.id,
      rule: [
        { id: "abort-incomplete-multipart", status: "Enabled", filter: [{ prefix: "" }], abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }] },
        { id: "expire-pending-uploads", status: "Enabled", filter: [{ prefix: cfg.uploadPrefix }], expiration: [{ days: cfg.pendingExpiryDays }] },
        {
          id: "expire-noncurrent-versions",
          status: "Enabled",
          filter: [{ prefix: "" }],
          noncurrentVersionExpiration: [{ noncurrentDays: cfg.noncurrentVersionExpiryDays }],
          expiration: [{ expiredObjectDeleteMarker: true }],
        },
      ],
      // Lifecycle rules on a bucket whose versioning is still being enabled can be rejected; AWS docs ask for this order.
      dependsOn: [versioning],
    });

    const cors = new S3BucketCorsConfiguration(this, "cors", {
      bucket: bucket.id,
      corsRule: [{
        allowedOrigins: [...cfg.allowedOrigins],
        allowedMethods: [...UPLOAD_CORS_METHODS],
        // Content-Type for PUT; x-amz-* for the checksum headers SDK-presigned PUTs carry.
        allowedHeaders: ["content-type", "x-amz-*"],
        exposeHeaders: ["ETag"],
        maxAgeSeconds: 3600,
      }],
    });

    // Queues use SQS-managed SSE: S3 cannot publish to a queue encrypted with the AWS-managed aws/sqs KMS key.
    const deadLetterQueue = new SqsQueue(this, "dead-letter-queue", {
      name: names.of("uploads-dlq", { max: 80 }),
      sqsManagedSseEnabled: true,
      messageRetentionSeconds: 14 * 24 * 3600,
    });
    const queue = new SqsQueue(this, "queue", {
      name: names.of("uploads-events", { max: 80 }),
      sqsManagedSseEnabled: true,
      messageRetentionSeconds: 4 * 24 * 3600,
      // Long enough for the app to promote a file (server-side copy) before the message reappears.
      visibilityTimeoutSeconds: 60,
      receiveWaitTimeSeconds: 20,
      redrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetterQueue.arn, maxReceiveCount: 5 }),
    });
    new SqsQueueRedriveAllowPolicy(this, "dead-letter-allow", {
      queueUrl: deadLetterQueue.url,
      redriveAllowPolicy: JSON.stringify({ redrivePermission: "byQueue", sourceQueueArns: [queue.arn] }),
    });
    const queuePolicyDocument = new DataAwsIamPolicyDocument(this, "queue-policy-document", {
      statement: [
        {
          sid: "AllowThisBucketOnly",
          principals: [{ type: "Service", identifiers: ["s3.amazonaws.com"] }],
          actions: ["sqs:SendMessage"],
          resources: [queue.arn],
          condition: [
            { test: "ArnEquals", variable: "aws:SourceArn", values: [bucket.arn] },
            { test: "StringEquals", variable: "aws:SourceAccount", values: [props.accountId] },
          ],
        },
        {
          sid: "DenyInsecureTransport",
          effect: "Deny",
          principals: [{ type: "*", identifiers: ["*"] }],
          actions: ["sqs:*"],
          resources: [queue.arn],
          condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
        },
      ],
    });
    const queuePolicy = new SqsQueuePolicy(this, "queue-policy", { queueUrl: queue.url, policy: queuePolicyDocument.json });
    // S3 validates that it may publish when the notification is saved, so the queue policy must exist first.
    const notification = new S3BucketNotification(this, "notification", {
      bucket: bucket.id,
      queue: [{ id: "uploads", queueArn: queue.arn, events: ["s3:ObjectCreated:*"], filterPrefix: cfg.uploadPrefix }],
      dependsOn: [queuePolicy],
    });

    let alarms: UploadBucketResources["alarms"];
    if (props.alarms !== "off") {
      const alarmActions = [props.alarms.topicArn];
      const oldestEvent = new CloudwatchMetricAlarm(this, "oldest-event-alarm", {
        alarmName: names.of("uploads-events-backlog"),
        alarmDescription: `Upload events wait over ${cfg.maxEventAgeSeconds} s: the app is not marking uploads complete (consumer down or failing). Runbook: docs/uploads.md#message-contract-sqs-body--s3-event-notification-not-wrapped-in-sns`,
        namespace: "AWS/SQS",
        metricName: "ApproximateAgeOfOldestMessage",
        dimensions: { QueueName: queue.name },
        statistic: "Maximum",
        period: 60,
        evaluationPeriods: 5,
        threshold: cfg.maxEventAgeSeconds,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "notBreaching",
        alarmActions,
        okActions: alarmActions,
      });
      const deadLetters = deadLetterQueueAlarm(this, "dead-letter-alarm", {
        alarmName: names.of("uploads-events-dead-letters"),
        description: "Upload events failed 5 times and sit in the dead-letter queue; inspect and redrive them. Runbook: docs/uploads.md#message-contract-sqs-body--s3-event-notification-not-wrapped-in-sns",
        queueName: deadLetterQueue.name,
        topicArns: alarmActions,
      });
      alarms = { oldestEvent, deadLetters };
    }

    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.queueUrl = queue.url;
    this.queueArn = queue.arn;
    this.uploadPrefix = cfg.uploadPrefix;
    this.servePrefix = cfg.servePrefix;
    this.maxUploadBytes = cfg.maxUploadBytes;
    this.allowedOrigins = cfg.allowedOrigins;
    this.environment = {
      [UPLOAD_ENV.bucket]: bucket.bucket,
      [UPLOAD_ENV.region]: props.region,
      [UPLOAD_ENV.uploadPrefix]: cfg.uploadPrefix,
      [UPLOAD_ENV.servePrefix]: cfg.servePrefix,
      [UPLOAD_ENV.maxBytes]: String(cfg.maxUploadBytes),
      [UPLOAD_ENV.queueUrl]: queue.url,
    };
    this.resources = { bucket, publicAccessBlock, bucketPolicy, lifecycle, cors, notification, queue, deadLetterQueue, alarms };
  }

  /**
   * Lets a service's task role use the uploads, and nothing else in the bucket: sign POSTs into
   * `uploadPrefix`, read a pending upload and promote it (server-side copy) into `servePrefix`,
   * delete the pending copy, sign GETs under `servePrefix`, and consume the event queue.
   * No bucket-level actions (no listing, no ACLs, no policy changes).
   *
   * @param role the task role
   * @param id construct id of the inline policy, unique per grant; keep it stable
   * @returns the inline role policy
   */
  grantTo(role: IamRole, id = "task"): IamRolePolicy {
    const policyId = `${id}-access`;
    if (this.node.tryFindChild(policyId))
      throw new ConfigError(this, "grantTo", `already granted with id "${id}"; pass a distinct id for each role`);
    const { bucket, queue } = this.resources;
    const under = (prefix: string) => `${bucket.arn}/${prefix}*`;
    const doc = new DataAwsIamPolicyDocument(this, `${id}-access-document`, {
      statement: [
        { sid: "PresignUploads", actions: ["s3:PutObject"], resources: [under(this.uploadPrefix)] },
        { sid: "ReadPendingUploads", actions: ["s3:GetObject", "s3:DeleteObject"], resources: [under(this.uploadPrefix)] },
        { sid: "PromoteAndServe", actions: ["s3:GetObject", "s3:PutObject"], resources: [under(this.servePrefix)] },
        { sid: "ConsumeUploadEvents", actions: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"], resources: [queue.arn] },
      ],
    });
    return new IamRolePolicy(this, policyId, {
      name: this.names.of(`uploads-${id}`, { max: 128 }),
      role: role.name,
      policy: doc.json,
    });
  }

  /**
   * The bucket as a typed connection for a workload: its settings as plain variables and, once the
   * task's roles exist, `grantTo(taskRole, <workload name>)`.
   */
  connection(): Connection {
    return { environment: this.environment, bind: (_scope, workload) => this.grantTo(workload.taskRole, workload.name) };
  }

  private validate(cfg: {
    uploadPrefix: string; servePrefix: string; pendingExpiryDays: number; noncurrentVersionExpiryDays: number;
    maxUploadBytes: number; allowedOrigins: readonly string[]; maxEventAgeSeconds: number;
  }): void {
    for (const prop of ["uploadPrefix", "servePrefix"] as const) {
      const v = cfg[prop];
      if (!SAFE_PREFIX.test(v))
        throw new ConfigError(this, prop, `${JSON.stringify(v)} must be one or more path segments of letters, digits and !_.*'()- each ending in "/", e.g. "pending/"`);
    }
    if (cfg.servePrefix.startsWith(cfg.uploadPrefix) || cfg.uploadPrefix.startsWith(cfg.servePrefix))
      throw new ConfigError(this, "servePrefix", `${JSON.stringify(cfg.servePrefix)} overlaps uploadPrefix ${JSON.stringify(cfg.uploadPrefix)}; served files would expire with pending uploads. Use e.g. "files/"`);
    const wholeDays = (prop: "pendingExpiryDays" | "noncurrentVersionExpiryDays") => {
      const v = cfg[prop];
      if (!Token.isUnresolved(v) && (!Number.isInteger(v) || v < 1)) throw new ConfigError(this, prop, `is ${v}; S3 lifecycle needs a whole number of days, at least 1`);
    };
    wholeDays("pendingExpiryDays");
    wholeDays("noncurrentVersionExpiryDays");
    const max = cfg.maxUploadBytes;
    if (!Number.isInteger(max) || max < 1 || max > MAX_SINGLE_UPLOAD_BYTES)
      throw new ConfigError(this, "maxUploadBytes", `is ${max}; use a whole number of bytes from 1 to ${MAX_SINGLE_UPLOAD_BYTES} (5 GiB, the single POST limit)`);
    if (cfg.allowedOrigins.length === 0) throw new ConfigError(this, "allowedOrigins", "is empty; browsers could not upload at all. List the app's own https origins, e.g. [\"https://www.example.com\"]");
    for (const o of cfg.allowedOrigins)
      if (!ORIGIN.test(o)) throw new ConfigError(this, "allowedOrigins", `has ${JSON.stringify(o)}; each origin must be https://<lowercase host>[:port], no path, no wildcard`);
    if (!Number.isInteger(cfg.maxEventAgeSeconds) || cfg.maxEventAgeSeconds < 60)
      throw new ConfigError(this, "maxEventAgeSeconds", `is ${cfg.maxEventAgeSeconds}; use whole seconds, at least 60 (the metric's resolution)`);
  }
}
