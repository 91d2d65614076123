/**
 * End to end: runtime/uploads.ts against a real S3-compatible server (s3rver) on 127.0.0.1.
 * A browser-style multipart form POST uploads through the presigned POST, the S3 event the server
 * emits goes through the event parser, the app promotes the upload, and a presigned GET returns
 * the same bytes. Offline, no AWS account.
 *
 * What s3rver 3.7.1 enforces, and what it does not (read from its source, lib/middleware/authentication.js
 * and lib/controllers/object.js):
 * - Presigned GET (SigV4 query): enforces a known access key id and the expiry (X-Amz-Date + X-Amz-Expires).
 *   It does NOT verify the signature itself, and it serves anonymous requests.
 * - Form POST: enforces nothing of the policy. The Policy and X-Amz-Signature fields are ignored, so the
 *   expiration, bucket, key, Content-Type and content-length-range conditions are not checked.
 * To close those gaps honestly:
 * - A small gate in front of s3rver plays the parts of a private S3 bucket: it refuses requests that
 *   carry no credentials (403, like a bucket with Block Public Access and no public policy) and
 *   verifies SigV4 query signatures of GETs with the secret key (403 SignatureDoesNotMatch).
 * - For the POST policy, the test decodes the policy document the helper produced and asserts its
 *   conditions, and checks the SigV4 POST signature over it; real S3 enforces them (docs/uploads.md).
 */
import { createHash, createHmac, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import S3rver = require("s3rver");
import {
  createPresignedDownload,
  createPresignedUpload,
  parseUploadEvent,
  promoteUpload,
  servedKey,
  uploadIdFromKey,
  UploadEventError,
  UploadRequestError,
  uploadSettingsFromEnv,
  UploadSettingsError,
  type UploadSettings,
} from "../../runtime/uploads";

const BUCKET = "shipkit-e2e-uploads";
const REGION = "us-east-1";
// s3rver's built-in dummy account; not a secret.
const ACCESS_KEY = "S3RVER";
const SECRET_KEY = "S3RVER";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const hmac = (key: string | Buffer, data: string): Buffer => createHmac("sha256", key).update(data, "utf8").digest();
const signingKey = (secret: string, date: string, region: string, service: string): Buffer =>
  hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), "aws4_request");
const rfc3986 = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** Verifies a SigV4 query-signed request (what S3 does and s3rver skips). Returns an error code or undefined. */
function verifyQuerySignature(req: http.IncomingMessage, url: URL): string | undefined {
  const q = url.searchParams;
  const [accessKey, date, region, service] = (q.get("X-Amz-Credential") ?? "").split("/");
  if (accessKey !== ACCESS_KEY || !date || !region || !service) return "InvalidAccessKeyId";
  const signedHeaders = (q.get("X-Amz-SignedHeaders") ?? "").split(";");
  const canonicalQuery = [...q.entries()]
    .filter(([k]) => k !== "X-Amz-Signature")
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const canonicalHeaders = signedHeaders.map((h) => `${h}:${String(req.headers[h] ?? "").trim()}\n`).join("");
  const canonicalRequest = [req.method, url.pathname, canonicalQuery, canonicalHeaders, signedHeaders.join(";"), q.get("X-Amz-Content-Sha256") ?? "UNSIGNED-PAYLOAD"].join("\n");
  const stringToSign = ["AWS4-HMAC-SHA256", q.get("X-Amz-Date"), `${date}/${region}/${service}/aws4_request`, createHash("sha256").update(canonicalRequest).digest("hex")].join("\n");
  const expected = createHmac("sha256", signingKey(SECRET_KEY, date, region, service)).update(stringToSign).digest("hex");
  return expected === q.get("X-Amz-Signature") ? undefined : "SignatureDoesNotMatch";
}

/** The private-bucket gate in front of s3rver (see the file comment). */
function privateBucketGate(next: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  return (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const deny = (code: string) => {
      res.writeHead(403, { "content-type": "application/xml" });
      res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>refused by the private-bucket gate</Message></Error>`);
    };
    const headerSigned = "authorization" in req.headers;
    const querySigned = url.searchParams.has("X-Amz-Signature");
    // Form POSTs carry their credentials in the body; s3rver ignores them (policy asserted below instead).
    const formPost = req.method === "POST" && String(req.headers["content-type"]).startsWith("multipart/form-data");
    if (!headerSigned && !querySigned && !formPost) return deny("AccessDenied");
    if (querySigned) {
      const problem = verifyQuerySignature(req, url);
      if (problem) return deny(problem);
    }
    next(req, res);
  };
}

let dir: string;
let s3rver: S3rver;
let server: http.Server;
let endpoint: string;
let client: S3Client;
let settings: UploadSettings;
const events: unknown[] = [];

const clientWith = (extra: Partial<ConstructorParameters<typeof S3Client>[0]> = {}) =>
  new S3Client({ region: REGION, endpoint, forcePathStyle: true, credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY }, ...extra });

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "shipkit-s3rver-"));
  s3rver = new S3rver({ silent: true, directory: dir, vhostBuckets: false, configureBuckets: [{ name: BUCKET }] });
  s3rver.on("event", (e: unknown) => events.push(e));
  await s3rver.configureBuckets();
  server = http.createServer(privateBucketGate(s3rver.callback()));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve)); // port 0: a free port chosen by the OS
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  client = clientWith();
  settings = uploadSettingsFromEnv({
    UPLOAD_BUCKET: BUCKET,
    UPLOAD_REGION: REGION,
    UPLOAD_PREFIX: "pending/",
    UPLOAD_SERVE_PREFIX: "files/",
    UPLOAD_MAX_BYTES: String(1024 * 1024),
    UPLOAD_QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/111111111111/shipkit-e2e-uploads-events",
  });
});

afterAll(async () => {
  client?.destroy();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  s3rver?.logger.exceptions.unhandle();
  s3rver?.logger.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Uploads `bytes` the way a browser does: the presigned fields, then the file, as multipart/form-data. */
async function browserUpload(contentType: string, bytes: Buffer): Promise<{ key: string; status: number }> {
  const post = await createPresignedUpload(client, settings, { contentType, contentLength: bytes.length });
  const form = new FormData();
  for (const [k, v] of Object.entries(post.fields)) form.append(k, v);
  form.append("file", new Blob([bytes], { type: contentType }), "photo.png");
  const res = await fetch(post.url, { method: "POST", body: form });
  await res.arrayBuffer();
  return { key: post.key, status: res.status };
}

describe("uploads end to end (s3rver on 127.0.0.1)", () => {
  test("presigned POST → S3 event → promote → presigned GET returns the same bytes", async () => {
    const bytes = randomBytes(64 * 1024);
    const { key, status } = await browserUpload("image/png", bytes);
    expect(status).toBe(204);
    expect(key).toMatch(/^pending\/[0-9a-f-]{36}$/);
    expect(uploadIdFromKey(settings, key)).toMatch(UUID);

    // The event S3 would put on the queue: the app parses it and marks the upload complete.
    const messages = events.map((e) => parseUploadEvent(JSON.stringify(e)));
    const created = messages.flatMap((m) => (m.kind === "uploads" ? m.uploads : [])).find((u) => u.key === key);
    expect(created).toMatchObject({ bucket: BUCKET, key, eventName: "ObjectCreated:Post" });

    const served = await promoteUpload(client, settings, key);
    expect(served).toBe(servedKey(settings, key));
    expect(served).toBe(`files/${uploadIdFromKey(settings, key)}`);

    const res = await fetch(await createPresignedDownload(client, settings, served));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);

    // Promotion removed the pending copy.
    const gone = await fetch(await createPresignedDownload(client, settings, key));
    expect(gone.status).toBe(404);
  });

  test("a download name sets Content-Disposition", async () => {
    const { key } = await browserUpload("text/plain", Buffer.from("hello"));
    const res = await fetch(await createPresignedDownload(client, settings, key, { downloadAs: "report \"q3\".txt" }));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="report _q3_.txt"');
    expect(await res.text()).toBe("hello");
  });

  test("an unsigned GET is refused", async () => {
    const { key } = await browserUpload("text/plain", Buffer.from("private"));
    const res = await fetch(`${endpoint}/${BUCKET}/${key}`);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("<Code>AccessDenied</Code>");
  });

  test("a presigned GET with a tampered signature or another key is refused", async () => {
    const { key } = await browserUpload("text/plain", Buffer.from("private"));
    const url = await createPresignedDownload(client, settings, key);
    const other = url.replace(`/${key}?`, `/${key}x?`);
    const tampered = url.replace(/X-Amz-Signature=([0-9a-f])/, (_, c: string) => `X-Amz-Signature=${c === "0" ? "1" : "0"}`);
    expect(new Set([url, other, tampered]).size).toBe(3);
    for (const bad of [tampered, other]) {
      const res = await fetch(bad);
      expect(res.status).toBe(403);
      expect(await res.text()).toContain("SignatureDoesNotMatch");
    }
  });

  test("an expired presigned GET is refused", async () => {
    const { key } = await browserUpload("text/plain", Buffer.from("soon gone"));
    // The presigner ignores the client's systemClockOffset, so sign for 1 s and wait until the
    // URL's own X-Amz-Date + X-Amz-Expires has passed (at most ~2 s), rather than faking clocks.
    const url = await createPresignedDownload(client, settings, key, 1);
    const q = new URL(url).searchParams;
    const signed = Date.parse(q.get("X-Amz-Date")!.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z"));
    const expiresAt = signed + Number(q.get("X-Amz-Expires")) * 1000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt - Date.now()) + 1100));
    const res = await fetch(url);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("Request has expired");
  });

  test("the presigned POST policy pins bucket, key, exact Content-Type, size range and a short expiry, signed with SigV4", async () => {
    // s3rver enforces none of these conditions (see the file comment); real S3 rejects a POST that breaks any of them.
    const post = await createPresignedUpload(client, settings, { contentType: "image/jpeg" });
    const policy = JSON.parse(Buffer.from(post.fields.Policy!, "base64").toString("utf8")) as { expiration: string; conditions: unknown[] };
    expect(policy.conditions).toEqual(expect.arrayContaining([
      ["content-length-range", 1, settings.maxBytes],
      ["eq", "$Content-Type", "image/jpeg"],
      { bucket: BUCKET },
      { key: post.key },
      { "X-Amz-Algorithm": "AWS4-HMAC-SHA256" },
    ]));
    // No starts-with on the key: the browser cannot choose another key, nor leave the upload prefix.
    expect(JSON.stringify(policy.conditions)).not.toContain("starts-with");
    expect(post.key).toMatch(/^pending\/[0-9a-f-]{36}$/);
    expect(post.fields).toMatchObject({ key: post.key, "Content-Type": "image/jpeg" });

    // Expiry: 300 s after the signing time the form carries (both come from one call, whole seconds).
    const amzDate = post.fields["X-Amz-Date"]!.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z");
    const lifetime = (Date.parse(policy.expiration) - Date.parse(amzDate)) / 1000;
    expect(lifetime).toBeGreaterThanOrEqual(299);
    expect(lifetime).toBeLessThanOrEqual(301);

    // SigV4 POST signature = HMAC(signing key, base64 policy).
    const [, date, region, service] = post.fields["X-Amz-Credential"]!.split("/");
    expect(createHmac("sha256", signingKey(SECRET_KEY, date!, region!, service!)).update(post.fields.Policy!).digest("hex")).toBe(post.fields["X-Amz-Signature"]);
  });

  test("a declared size pins the range to exactly that size", async () => {
    const post = await createPresignedUpload(client, settings, { contentType: "application/pdf", contentLength: 4242, expiresInSeconds: 60 });
    const policy = JSON.parse(Buffer.from(post.fields.Policy!, "base64").toString("utf8")) as { conditions: unknown[] };
    expect(policy.conditions).toContainEqual(["content-length-range", 4242, 4242]);
  });
});

describe("upload helper input checks", () => {
  const env = {
    UPLOAD_BUCKET: "b-uploads",
    UPLOAD_REGION: "us-east-1",
    UPLOAD_PREFIX: "pending/",
    UPLOAD_SERVE_PREFIX: "files/",
    UPLOAD_MAX_BYTES: "1000",
    UPLOAD_QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/111111111111/q",
  };

  test.each<[string, Record<string, string | undefined>, RegExp]>([
    ["a missing bucket", { UPLOAD_BUCKET: undefined }, /^UPLOAD_BUCKET is not set/],
    ["a prefix without trailing slash", { UPLOAD_PREFIX: "pending" }, /^UPLOAD_PREFIX is "pending"; expected path segments/],
    ["a max that is not a number", { UPLOAD_MAX_BYTES: "10MB" }, /^UPLOAD_MAX_BYTES is "10MB"/],
    ["a max over 5 GiB", { UPLOAD_MAX_BYTES: String(5 * 1024 ** 3 + 1) }, /^UPLOAD_MAX_BYTES is "5368709121"/],
    ["overlapping prefixes", { UPLOAD_SERVE_PREFIX: "pending/done/" }, /^UPLOAD_SERVE_PREFIX "pending\/done\/" overlaps UPLOAD_PREFIX/],
  ])("settings: %s", (_, patch, message) => {
    expect(() => uploadSettingsFromEnv({ ...env, ...patch })).toThrow(UploadSettingsError);
    expect(() => uploadSettingsFromEnv({ ...env, ...patch })).toThrow(message);
  });

  test.each<[string, Parameters<typeof createPresignedUpload>[2], RegExp]>([
    ["a wildcard content type", { contentType: "image/*" }, /^contentType is "image\/\*"/],
    ["an empty content type", { contentType: "" }, /^contentType is ""/],
    ["a declared size over the max", { contentType: "image/png", contentLength: 1001 }, /^contentLength is 1001; uploads must be 1 to 1000 bytes/],
    ["an empty file", { contentType: "image/png", contentLength: 0 }, /^contentLength is 0/],
    ["an expiry over an hour", { contentType: "image/png", expiresInSeconds: 3601 }, /^expiresInSeconds is 3601/],
  ])("upload request: %s", async (_, request, message) => {
    const s = uploadSettingsFromEnv(env);
    const c = new S3Client({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });
    await expect(createPresignedUpload(c, s, request)).rejects.toThrow(UploadRequestError);
    await expect(createPresignedUpload(c, s, request)).rejects.toThrow(message);
    c.destroy();
  });

  test("downloads are signed only under the serve and upload prefixes", async () => {
    const s = uploadSettingsFromEnv(env);
    const c = new S3Client({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });
    for (const key of ["secrets/x", "files/", "files/../secrets/x", "pendingx"])
      await expect(createPresignedDownload(c, s, key)).rejects.toThrow(/^key .* is not under files\/ or pending\//);
    c.destroy();
  });
});

describe("parseUploadEvent (the queue message contract)", () => {
  test("S3's test event", () => {
    expect(parseUploadEvent(JSON.stringify({ Service: "Amazon S3", Event: "s3:TestEvent", Time: "2026-11-23T00:00:00.000Z", Bucket: "b", RequestId: "r", HostId: "h" })))
      .toEqual({ kind: "test", bucket: "b" });
  });

  test("an ObjectCreated record: key decoded, size and sequencer kept; other events skipped", () => {
    const body = JSON.stringify({
      Records: [
        {
          eventVersion: "2.1", eventSource: "aws:s3", awsRegion: "us-east-1", eventTime: "2026-11-23T10:00:00.000Z", eventName: "ObjectCreated:Post",
          s3: { s3SchemaVersion: "1.0", configurationId: "uploads", bucket: { name: "b", arn: "arn:aws:s3:::b" }, object: { key: "pending/a+b%C3%A9", size: 12, eTag: "e", versionId: "v1", sequencer: "0055AED6DCD90281E5" } },
        },
        { eventVersion: "2.1", eventSource: "aws:s3", eventName: "ObjectRemoved:Delete", s3: { bucket: { name: "b" }, object: { key: "pending/x" } } },
      ],
    });
    expect(parseUploadEvent(body)).toEqual({
      kind: "uploads",
      uploads: [{ bucket: "b", key: "pending/a bé", size: 12, eTag: "e", versionId: "v1", sequencer: "0055AED6DCD90281E5", eventName: "ObjectCreated:Post", eventTime: "2026-11-23T10:00:00.000Z" }],
    });
  });

  test.each([
    ["not JSON", "{", /body is not JSON/],
    ["an array", "[]", /body is not a JSON object/],
    ["an SNS envelope", JSON.stringify({ Type: "Notification", Message: "{}" }), /no Records array/],
    ["a record without s3", JSON.stringify({ Records: [{ eventName: "ObjectCreated:Put" }] }), /Records\[0\] has no s3.bucket/],
  ])("rejects %s", (_, body, message) => {
    expect(() => parseUploadEvent(body)).toThrow(UploadEventError);
    expect(() => parseUploadEvent(body)).toThrow(message);
  });
});
