/**
 * The settings contract between the UploadBucket construct (which sets these environment
 * variables on services) and runtime/uploads.ts (which reads them in the app). No AWS SDK
 * imports here: constructs load this file at synth time.
 */

/** Environment variable names the construct sets and the runtime reads. */
export const UPLOAD_ENV = {
  /** Bucket name. */
  bucket: "UPLOAD_BUCKET",
  /** Bucket region (the app's S3 client must sign for this region). */
  region: "UPLOAD_REGION",
  /** Prefix browsers upload into, ending in "/", e.g. `pending/`. */
  uploadPrefix: "UPLOAD_PREFIX",
  /** Prefix the app serves (signs GETs) from after promoting an upload, e.g. `files/`. */
  servePrefix: "UPLOAD_SERVE_PREFIX",
  /** Largest upload a presigned POST admits, in bytes (decimal integer). */
  maxBytes: "UPLOAD_MAX_BYTES",
  /** URL of the SQS queue that receives the bucket's ObjectCreated events for the upload prefix. */
  queueUrl: "UPLOAD_QUEUE_URL",
} as const;

export type UploadEnvName = (typeof UPLOAD_ENV)[keyof typeof UPLOAD_ENV];

/** 5 GiB: the largest object a single POST or PUT may carry (S3 limit). */
export const MAX_SINGLE_UPLOAD_BYTES = 5 * 1024 ** 3;

/** Characters S3 documents as safe in object keys; prefixes are limited to these (plus "/"). */
export const SAFE_PREFIX = /^(?:[A-Za-z0-9!_.*'()-]+\/)+$/;
