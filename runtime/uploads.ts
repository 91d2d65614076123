/**
 * Upload helpers for the app: presigned POSTs into the upload prefix, presigned GETs for
 * downloads, promotion of a completed upload, and the S3 event contract the app consumes from the
 * upload queue. Settings come from the environment variables the UploadBucket construct sets
 * (runtime/upload-contract.ts); the app passes `process.env`, this module never reads it.
 *
 * Flow and contract: docs/uploads.md. Tested via: test/e2e/uploads.e2e.test.ts (against s3rver).
 *
 * @example
 * const settings = uploadSettingsFromEnv(process.env);
 * const s3 = new S3Client({ region: settings.region });
 * const { url, fields, key } = await createPresignedUpload(s3, settings, { contentType: "image/png", contentLength: 52_113 });
 */
import { randomUUID } from "node:crypto";
import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { createPresignedPost } from "@aws-sdk/s3-presigned-post";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { MAX_SINGLE_UPLOAD_BYTES, SAFE_PREFIX, UPLOAD_ENV } from "./upload-contract";

export { UPLOAD_ENV, MAX_SINGLE_UPLOAD_BYTES } from "./upload-contract";

/** Typed upload settings, read once at startup with `uploadSettingsFromEnv`. */
export interface UploadSettings {
  readonly bucket: string;
  readonly region: string;
  /** Prefix browsers upload into, ending in "/" (e.g. `pending/`). */
  readonly uploadPrefix: string;
  /** Prefix the app serves from after promotion, ending in "/" (e.g. `files/`). */
  readonly servePrefix: string;
  /** Largest upload admitted, in bytes. */
  readonly maxBytes: number;
  /** URL of the upload event queue. */
  readonly queueUrl: string;
}

/** A setting is missing or malformed: the message names the variable. Fail at startup. */
export class UploadSettingsError extends Error {
  constructor(variable: string, problem: string) {
    super(`${variable} ${problem}`);
    this.name = "UploadSettingsError";
  }
}

/** A request the app should refuse with 4xx (bad content type, too large, bad key). */
export class UploadRequestError extends Error {
  constructor(readonly field: string, problem: string) {
    super(`${field} ${problem}`);
    this.name = "UploadRequestError";
  }
}

/** Default lifetime of a presigned POST or GET, in seconds. */
export const DEFAULT_EXPIRES_SECONDS = 300;
/** Longest lifetime this module signs for, in seconds. */
export const MAX_EXPIRES_SECONDS = 3600;

/** Reads and validates the upload settings from an environment (pass `process.env`). */
export function uploadSettingsFromEnv(env: Readonly<Record<string, string | undefined>>): UploadSettings {
  const need = (name: string): string => {
    const v = env[name]?.trim();
    if (!v) throw new UploadSettingsError(name, "is not set; the UploadBucket construct sets it on the service (uploads.environment)");
    return v;
  };
  const prefix = (name: string): string => {
    const v = need(name);
    if (!SAFE_PREFIX.test(v)) throw new UploadSettingsError(name, `is ${JSON.stringify(v)}; expected path segments each ending in "/", e.g. "pending/"`);
    return v;
  };
  const maxRaw = need(UPLOAD_ENV.maxBytes);
  const maxBytes = Number(maxRaw);
  if (!/^\d+$/.test(maxRaw) || maxBytes < 1 || maxBytes > MAX_SINGLE_UPLOAD_BYTES)
    throw new UploadSettingsError(UPLOAD_ENV.maxBytes, `is ${JSON.stringify(maxRaw)}; expected whole bytes from 1 to ${MAX_SINGLE_UPLOAD_BYTES}`);
  const settings: UploadSettings = {
    bucket: need(UPLOAD_ENV.bucket),
    region: need(UPLOAD_ENV.region),
    uploadPrefix: prefix(UPLOAD_ENV.uploadPrefix),
    servePrefix: prefix(UPLOAD_ENV.servePrefix),
    maxBytes,
    queueUrl: need(UPLOAD_ENV.queueUrl),
  };
  if (settings.servePrefix.startsWith(settings.uploadPrefix) || settings.uploadPrefix.startsWith(settings.servePrefix))
    throw new UploadSettingsError(UPLOAD_ENV.servePrefix, `${JSON.stringify(settings.servePrefix)} overlaps ${UPLOAD_ENV.uploadPrefix} ${JSON.stringify(settings.uploadPrefix)}`);
  return settings;
}

/** What the browser needs to upload one file with a multipart form POST. */
export interface PresignedUpload {
  /** Form action: POST the fields, then the file as the last field named `file`. */
  readonly url: string;
  /** Form fields to send as-is, before the file. */
  readonly fields: Readonly<Record<string, string>>;
  /** Object key the upload will have: `<uploadPrefix><uuid>`. Record it as a pending upload. */
  readonly key: string;
  /** The upload id (the uuid in the key). */
  readonly id: string;
  /** When the form stops being accepted. */
  readonly expiresAt: Date;
}

export interface PresignedUploadRequest {
  /** Exact MIME type the file must be sent with, e.g. `image/png`. No wildcards. */
  readonly contentType: string;
  /** Size the browser declared, in bytes; pins the upload to exactly this size. @default any size 1..maxBytes */
  readonly contentLength?: number;
  /** Lifetime of the form, in seconds (1..3600). @default 300 */
  readonly expiresInSeconds?: number;
}

const MIME = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/i;

function expiry(field: string, seconds: number | undefined): number {
  const s = seconds ?? DEFAULT_EXPIRES_SECONDS;
  if (!Number.isInteger(s) || s < 1 || s > MAX_EXPIRES_SECONDS)
    throw new UploadRequestError(field, `is ${s}; use whole seconds from 1 to ${MAX_EXPIRES_SECONDS}`);
  return s;
}

/**
 * A presigned POST for one new upload at `<uploadPrefix><uuid>`. The signed policy pins the bucket,
 * the exact key, the exact Content-Type and the size range, and expires after `expiresInSeconds`.
 */
export async function createPresignedUpload(client: S3Client, settings: UploadSettings, request: PresignedUploadRequest): Promise<PresignedUpload> {
  const { contentType, contentLength } = request;
  if (!MIME.test(contentType)) throw new UploadRequestError("contentType", `is ${JSON.stringify(contentType)}; expected an exact type/subtype, e.g. "image/png"`);
  if (contentLength !== undefined && (!Number.isInteger(contentLength) || contentLength < 1 || contentLength > settings.maxBytes))
    throw new UploadRequestError("contentLength", `is ${contentLength}; uploads must be 1 to ${settings.maxBytes} bytes`);
  const expiresIn = expiry("expiresInSeconds", request.expiresInSeconds);
  const id = randomUUID();
  const key = `${settings.uploadPrefix}${id}`;
  const [min, max] = contentLength === undefined ? [1, settings.maxBytes] : [contentLength, contentLength];
  const signedAt = Date.now();
  const post = await createPresignedPost(client, {
    Bucket: settings.bucket,
    Key: key, // the presigner adds {"key": key} (exact match) and {"bucket": ...} to the policy
    Conditions: [
      ["content-length-range", min, max],
      ["eq", "$Content-Type", contentType],
    ],
    Fields: { "Content-Type": contentType },
    Expires: expiresIn,
  });
  return { url: post.url, fields: post.fields, key, id, expiresAt: new Date(signedAt + expiresIn * 1000) };
}

/** The keys the app may sign GETs for: promoted files and, before promotion, pending uploads. */
function assertOwnKey(settings: UploadSettings, key: string): void {
  const prefixed = [settings.servePrefix, settings.uploadPrefix].find((p) => key.startsWith(p));
  if (!prefixed || key.length === prefixed.length || key.includes(".."))
    throw new UploadRequestError("key", `${JSON.stringify(key)} is not under ${settings.servePrefix} or ${settings.uploadPrefix}`);
}

export interface PresignedDownloadOptions {
  /** Lifetime of the URL, in seconds (1..3600). @default 300 */
  readonly expiresInSeconds?: number;
  /** Sets Content-Disposition: attachment with this file name on the response. @default none (inline) */
  readonly downloadAs?: string;
}

/** A presigned GET for `key` (under the serve or upload prefix), valid for a short time. */
export async function createPresignedDownload(client: S3Client, settings: UploadSettings, key: string, options: PresignedDownloadOptions | number = {}): Promise<string> {
  const opts = typeof options === "number" ? { expiresInSeconds: options } : options;
  assertOwnKey(settings, key);
  const expiresIn = expiry("expiresInSeconds", opts.expiresInSeconds);
  const disposition = opts.downloadAs === undefined ? undefined : `attachment; filename="${opts.downloadAs.replace(/["\\\r\n]/g, "_")}"`;
  return getSignedUrl(client, new GetObjectCommand({ Bucket: settings.bucket, Key: key, ResponseContentDisposition: disposition }), { expiresIn });
}

/** The serve key for a pending upload key: `<servePrefix><uuid>`. */
export function servedKey(settings: UploadSettings, pendingKey: string): string {
  const id = uploadIdFromKey(settings, pendingKey);
  if (!id) throw new UploadRequestError("key", `${JSON.stringify(pendingKey)} is not <${settings.uploadPrefix}><uuid>`);
  return `${settings.servePrefix}${id}`;
}

/**
 * Promotes a completed upload: server-side copy `pending/<uuid>` → `<servePrefix><uuid>`, then
 * deletes the pending object (lifecycle would expire it anyway). Idempotent: safe to repeat when
 * the same event is delivered twice. Returns the serve key.
 */
export async function promoteUpload(client: S3Client, settings: UploadSettings, pendingKey: string): Promise<string> {
  const target = servedKey(settings, pendingKey);
  await client.send(new CopyObjectCommand({ Bucket: settings.bucket, Key: target, CopySource: `${settings.bucket}/${pendingKey}` }));
  await client.send(new DeleteObjectCommand({ Bucket: settings.bucket, Key: pendingKey }));
  return target;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The upload id of `<uploadPrefix><uuid>`, or undefined for any other key. */
export function uploadIdFromKey(settings: Pick<UploadSettings, "uploadPrefix">, key: string): string | undefined {
  if (!key.startsWith(settings.uploadPrefix)) return undefined;
  const id = key.slice(settings.uploadPrefix.length);
  return UUID.test(id) ? id : undefined;
}

// ---------------------------------------------------------------------------------------------
// Upload event contract: the body of each SQS message on UPLOAD_QUEUE_URL is an S3 event
// notification (delivered directly by S3, not wrapped in SNS). Only the fields below are relied on.
// ---------------------------------------------------------------------------------------------

/** One record of an S3 event notification (the fields the app relies on). */
export interface S3EventRecord {
  readonly eventVersion: string;
  readonly eventSource: "aws:s3";
  readonly awsRegion: string;
  readonly eventTime: string;
  /** e.g. `ObjectCreated:Post`, `ObjectCreated:Put`, `ObjectCreated:CompleteMultipartUpload`. */
  readonly eventName: string;
  readonly s3: {
    readonly bucket: { readonly name: string; readonly arn?: string };
    readonly object: {
      /** URL-encoded key (spaces as "+"). */
      readonly key: string;
      readonly size?: number;
      readonly eTag?: string;
      readonly versionId?: string;
      /** Orders events for the same key: compare as hex strings of equal length. */
      readonly sequencer?: string;
    };
  };
}

/** An S3 event notification message: `{ "Records": [...] }`. */
export interface S3EventMessage {
  readonly Records: readonly S3EventRecord[];
}

/** The one-off message S3 sends when the notification is configured. Delete it and move on. */
export interface S3TestEventMessage {
  readonly Service: "Amazon S3";
  readonly Event: "s3:TestEvent";
  readonly Bucket: string;
  readonly Time: string;
}

/** A completed upload, as the app records it. */
export interface CompletedUpload {
  readonly bucket: string;
  /** Decoded object key, e.g. `pending/6f1c...`. */
  readonly key: string;
  /** Size in bytes, when S3 reports it. */
  readonly size?: number;
  readonly eTag?: string;
  readonly versionId?: string;
  readonly sequencer?: string;
  readonly eventName: string;
  readonly eventTime: string;
}

export type UploadEvent =
  | { readonly kind: "test"; readonly bucket: string }
  | { readonly kind: "uploads"; readonly uploads: readonly CompletedUpload[] };

/** The message body is not an S3 event notification. Send it to the dead-letter queue (do not delete). */
export class UploadEventError extends Error {
  constructor(problem: string) {
    super(`not an S3 upload event: ${problem}`);
    this.name = "UploadEventError";
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Parses one SQS message body from the upload queue. Returns `{ kind: "test" }` for S3's test event,
 * otherwise the created objects (keys decoded). Records that are not ObjectCreated are skipped.
 * Throws UploadEventError for anything else.
 */
export function parseUploadEvent(body: string): UploadEvent {
  let msg: unknown;
  try {
    msg = JSON.parse(body);
  } catch {
    throw new UploadEventError("body is not JSON");
  }
  if (!isObject(msg)) throw new UploadEventError("body is not a JSON object");
  if (msg.Event === "s3:TestEvent") return { kind: "test", bucket: String(msg.Bucket ?? "") };
  if (!Array.isArray(msg.Records)) throw new UploadEventError("no Records array");
  const uploads: CompletedUpload[] = [];
  for (const [i, r] of (msg.Records as unknown[]).entries()) {
    if (!isObject(r) || !isObject(r.s3) || !isObject(r.s3.bucket) || !isObject(r.s3.object)) throw new UploadEventError(`Records[${i}] has no s3.bucket / s3.object`);
    const eventName = String(r.eventName ?? "");
    if (!eventName.startsWith("ObjectCreated:")) continue;
    const { bucket, object } = r.s3;
    if (typeof bucket.name !== "string" || typeof object.key !== "string") throw new UploadEventError(`Records[${i}] has no bucket name or object key`);
    let key: string;
    try {
      key = decodeURIComponent(object.key.replace(/\+/g, " "));
    } catch {
      throw new UploadEventError(`Records[${i}] key ${JSON.stringify(object.key)} is not URL-encoded`);
    }
    uploads.push({
      bucket: bucket.name,
      key,
      size: typeof object.size === "number" ? object.size : undefined,
      eTag: typeof object.eTag === "string" ? object.eTag : undefined,
      versionId: typeof object.versionId === "string" ? object.versionId : undefined,
      sequencer: typeof object.sequencer === "string" ? object.sequencer : undefined,
      eventName,
      eventTime: String(r.eventTime ?? ""),
    });
  }
  return { kind: "uploads", uploads };
}
