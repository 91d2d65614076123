import * as path from "node:path";
import { type App, Aspects, LocalBackend, TerraformStack, Testing } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { AlarmTopic } from "../../lib/observability/alarm-topic";
import { OFFLINE_AWS_SETTINGS } from "../../stacks/deployment";
import { Guardrails } from "../../lib/policy/guardrails";
import { lifecycleOf, type SafetyTier } from "../../lib/core/lifecycle";
import { Names } from "../../lib/core/naming";
import { UploadBucket, type UploadBucketProps } from "../../lib/storage/upload-bucket";
import { uploadSettingsFromEnv } from "../../runtime/uploads";
import { bareStack, planApp, resources, synthStrict, tempApp, type SynthJson } from "../helpers";

const TOPIC = "arn:aws:sns:us-east-1:111111111111:shipkit-alarms";
type Extra = Partial<UploadBucketProps>;

/** Where a bucket lives: its environment name (in `names`), safety tier, account and CORS origins. */
interface Target { readonly name: string; readonly tier: SafetyTier; readonly accountId: string; readonly origins: readonly string[] }
const prod: Target = { name: "prod", tier: "protected", accountId: "111111111111", origins: ["https://www.example.com", "https://example.com"] };
const staging: Target = { name: "staging", tier: "standard", accountId: "222222222222", origins: ["https://staging.example.com"] };
const preview = (pr: number): Target => ({ name: `pr-${pr}`, tier: "ephemeral", accountId: staging.accountId, origins: [`https://pr-${pr}-staging.example.com`] });

const props = (t: Target, extra: Extra = {}): UploadBucketProps => ({
  names: new Names("shipkit", t.name), lifecycle: lifecycleOf(t.tier), accountId: t.accountId, region: "us-east-1", allowedOrigins: t.origins, alarms: { topicArn: TOPIC }, ...extra,
});

/**
 * A stack like EnvironmentStack's offline mode (dummy credentials, local state, guardrails for the
 * tier) holding only the uploads, a task role and an alarm topic, so its plan tests this construct alone.
 */
function uploadsStack(app: App, t: Target): { stack: TerraformStack; uploads: UploadBucket } {
  const stack = new TerraformStack(app, `uploads-${t.name}`);
  new AwsProvider(stack, "aws", {
    region: "us-east-1",
    ...OFFLINE_AWS_SETTINGS,
  });
  new LocalBackend(stack, { path: path.join(app.outdir, `${t.name}.tfstate`) });
  Aspects.of(stack).add(new Guardrails({ tier: t.tier }));
  const names = new Names("shipkit", t.name);
  const alarms = new AlarmTopic(stack, "alarms", { names, lifecycle: lifecycleOf(t.tier), accountId: t.accountId });
  const uploads = new UploadBucket(stack, "uploads", props(t, { alarms: { topicArn: alarms.arn } }));
  const role = new IamRole(stack, "task-role", {
    name: names.of("web-task", { max: 64 }),
    assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
  });
  uploads.grantTo(role);
  return { stack, uploads };
}

const synthUploads = (t: Target, extra: Extra = {}, grant?: string): SynthJson =>
  JSON.parse(
    Testing.synthScope((s) => {
      const u = new UploadBucket(s, "uploads", props(t, extra));
      if (grant) u.grantTo(new IamRole(s, "role", { name: grant, assumeRolePolicy: "{}" }));
    }),
  ) as SynthJson;

const one = (json: SynthJson, type: string): Record<string, unknown> => {
  const all = resources(json, type);
  expect(all).toHaveLength(1);
  return all[0]!;
};
const policyDoc = (json: SynthJson, idPart: string) => {
  const [, doc] = Object.entries(json.data?.aws_iam_policy_document ?? {}).find(([id]) => id.includes(idPart))!;
  return doc as { statement: { sid?: string; effect?: string; actions: string[]; resources: string[]; condition?: { test: string; variable: string; values: string[] }[] }[] };
};

describe("UploadBucket", () => {
  test("bucket is private: four public-access blocks, ACLs off, TLS-only policy, versioned, encrypted", () => {
    const json = synthUploads(staging);
    expect(one(json, "aws_s3_bucket")).toMatchObject({ bucket: `shipkit-staging-uploads-${staging.accountId}` });
    expect(one(json, "aws_s3_bucket_public_access_block")).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    expect(one(json, "aws_s3_bucket_ownership_controls")).toMatchObject({ rule: { object_ownership: "BucketOwnerEnforced" } });
    expect(one(json, "aws_s3_bucket_versioning")).toMatchObject({ versioning_configuration: { status: "Enabled" } });
    expect(one(json, "aws_s3_bucket_server_side_encryption_configuration")).toMatchObject({ rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }] });
    const deny = policyDoc(json, "bucket-policy-document").statement;
    expect(deny).toEqual([expect.objectContaining({ effect: "Deny", actions: ["s3:*"], condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }] })]);
    expect(deny[0]!.resources).toHaveLength(2);
    expect(one(json, "aws_s3_bucket_policy").depends_on).toEqual([expect.stringContaining("aws_s3_bucket_public_access_block.")]);
  });

  test("sse-kms uses aws:kms with bucket keys", () => {
    expect(one(synthUploads(staging, { encryption: "sse-kms" }), "aws_s3_bucket_server_side_encryption_configuration")).toMatchObject({
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms" }, bucket_key_enabled: true }],
    });
  });

  test("lifecycle aborts multipart uploads after 1 day, expires pending uploads and noncurrent versions", () => {
    const lc = one(synthUploads(staging, { pendingExpiryDays: 3 }), "aws_s3_bucket_lifecycle_configuration");
    expect(lc.rule).toEqual([
      expect.objectContaining({ id: "abort-incomplete-multipart", status: "Enabled", abort_incomplete_multipart_upload: [{ days_after_initiation: 1 }] }),
      expect.objectContaining({ id: "expire-pending-uploads", filter: [{ prefix: "pending/" }], expiration: [{ days: 3 }] }),
      expect.objectContaining({ id: "expire-noncurrent-versions", noncurrent_version_expiration: [{ noncurrent_days: 7 }], expiration: [{ expired_object_delete_marker: true }] }),
    ]);
    expect(lc.depends_on).toEqual([expect.stringContaining("aws_s3_bucket_versioning")]);
  });

  test.each([
    ["prod", prod, { force_destroy: false, prevent_destroy: true, noncurrent: 30 }],
    ["staging", staging, { force_destroy: false, prevent_destroy: false, noncurrent: 7 }],
    ["preview", preview(42), { force_destroy: true, prevent_destroy: false, noncurrent: 1 }],
  ] as const)("tier: %s", (_, target, want) => {
    const json = synthUploads(target);
    const bucket = one(json, "aws_s3_bucket");
    expect(bucket.force_destroy).toBe(want.force_destroy);
    expect((bucket.lifecycle as { prevent_destroy?: boolean }).prevent_destroy).toBe(want.prevent_destroy);
    const rules = one(json, "aws_s3_bucket_lifecycle_configuration").rule as { id: string; noncurrent_version_expiration?: { noncurrent_days: number }[] }[];
    expect(rules.find((r) => r.id === "expire-noncurrent-versions")!.noncurrent_version_expiration).toEqual([{ noncurrent_days: want.noncurrent }]);
  });

  test("previews get their own bucket name", () => {
    expect(one(synthUploads(preview(42)), "aws_s3_bucket")).toMatchObject({ bucket: `shipkit-pr-42-uploads-${staging.accountId}` });
  });

  test("CORS allows only the given https origins and the presigned methods", () => {
    const rule = (one(synthUploads(prod), "aws_s3_bucket_cors_configuration").cors_rule as Record<string, unknown>[])[0]!;
    expect(rule.allowed_origins).toEqual(["https://www.example.com", "https://example.com"]);
    expect([...(rule.allowed_methods as string[])].sort()).toEqual(["GET", "POST", "PUT"]);
    const previewRule = (one(synthUploads(preview(7)), "aws_s3_bucket_cors_configuration").cors_rule as Record<string, unknown>[])[0]!;
    expect(previewRule.allowed_origins).toEqual(["https://pr-7-staging.example.com"]);
    const custom = (one(synthUploads(staging, { allowedOrigins: ["https://app.example.org:8443"] }), "aws_s3_bucket_cors_configuration").cors_rule as Record<string, unknown>[])[0]!;
    expect(custom.allowed_origins).toEqual(["https://app.example.org:8443"]);
  });

  test("ObjectCreated events under the upload prefix go to an encrypted queue only this bucket may send to", () => {
    const json = synthUploads(staging, { uploadPrefix: "incoming/" });
    const n = one(json, "aws_s3_bucket_notification");
    expect(n.queue).toEqual([expect.objectContaining({ events: ["s3:ObjectCreated:*"], filter_prefix: "incoming/" })]);
    expect(n.depends_on).toEqual([expect.stringContaining("aws_sqs_queue_policy.")]);
    const queues = resources(json, "aws_sqs_queue");
    expect(queues).toHaveLength(2);
    expect(queues.every((q) => q.sqs_managed_sse_enabled === true)).toBe(true);
    const main = queues.find((q) => q.redrive_policy)!;
    expect(main.name).toBe("shipkit-staging-uploads-events");
    expect(String(main.redrive_policy)).toMatch(/"maxReceiveCount":5/);
    const allow = policyDoc(json, "queue-policy-document").statement.find((s) => s.sid === "AllowThisBucketOnly")!;
    expect(allow.actions).toEqual(["sqs:SendMessage"]);
    expect(allow.condition).toEqual([
      { test: "ArnEquals", variable: "aws:SourceArn", values: [expect.stringMatching(/aws_s3_bucket\.uploads_bucket_\w+\.arn/)] },
      { test: "StringEquals", variable: "aws:SourceAccount", values: [staging.accountId] },
    ]);
  });

  test("alarms can be turned off (previews)", () => {
    expect(resources(synthUploads(staging, { alarms: "off" }), "aws_cloudwatch_metric_alarm")).toHaveLength(0);
  });

  test("alarms on the oldest upload event and on dead letters publish to the alarm topic", () => {
    const alarms = resources(synthUploads(staging, { maxEventAgeSeconds: 600 }), "aws_cloudwatch_metric_alarm");
    expect(alarms).toEqual(expect.arrayContaining([
      expect.objectContaining({ metric_name: "ApproximateAgeOfOldestMessage", namespace: "AWS/SQS", threshold: 600, alarm_actions: [TOPIC] }),
      expect.objectContaining({ metric_name: "ApproximateNumberOfMessagesVisible", threshold: 0, comparison_operator: "GreaterThanThreshold", alarm_actions: [TOPIC] }),
    ]));
  });

  test("grantTo scopes S3 to the prefixes and SQS to the queue; nothing bucket-wide", () => {
    const json = synthUploads(staging, {}, "shipkit-staging-web-task");
    expect(one(json, "aws_iam_role_policy")).toMatchObject({ role: "${aws_iam_role.role.name}", name: "shipkit-staging-uploads-task" });
    const statements = policyDoc(json, "task-access-document").statement;
    const s3Resources = statements.filter((s) => s.actions.some((a) => a.startsWith("s3:"))).flatMap((s) => s.resources);
    expect(s3Resources.every((r) => /\.arn\}\/(pending|files)\/\*$/.test(r))).toBe(true);
    const put = statements.filter((s) => s.actions.includes("s3:PutObject")).flatMap((s) => s.resources);
    expect(put.map((r) => r.replace(/^.*\}\//, ""))).toEqual(["pending/*", "files/*"]);
    expect(statements.flatMap((s) => s.actions).filter((a) => a.startsWith("s3:")).sort()).toEqual(["s3:DeleteObject", "s3:GetObject", "s3:GetObject", "s3:PutObject", "s3:PutObject"]);
    const sqs = statements.find((s) => s.sid === "ConsumeUploadEvents")!;
    expect(sqs.actions.sort()).toEqual(["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"]);
    expect(sqs.resources).toEqual([expect.stringMatching(/aws_sqs_queue\.uploads_queue_\w+\.arn/)]);
  });

  test("a second grant with the same id is refused", () => {
    expect(() => Testing.synthScope((s) => {
      const u = new UploadBucket(s, "uploads", props(staging));
      u.grantTo(new IamRole(s, "a", { name: "a", assumeRolePolicy: "{}" }));
      u.grantTo(new IamRole(s, "b", { name: "b", assumeRolePolicy: "{}" }));
    })).toThrow(/uploads: "grantTo" already granted with id "task"; pass a distinct id/);
  });

  test("environment carries the settings the runtime helper reads", () => {
    const stack = bareStack();
    const u = new UploadBucket(stack, "uploads", props(staging, { maxUploadBytes: 1234, region: "eu-west-1" }));
    expect(Object.keys(u.environment).sort()).toEqual(["UPLOAD_BUCKET", "UPLOAD_MAX_BYTES", "UPLOAD_PREFIX", "UPLOAD_QUEUE_URL", "UPLOAD_REGION", "UPLOAD_SERVE_PREFIX"]);
    // Tokens stand in for the bucket and queue until deploy; the runtime accepts the rest as-is.
    const settings = uploadSettingsFromEnv({ ...u.environment, UPLOAD_BUCKET: "b", UPLOAD_QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/111111111111/q" });
    expect(settings).toMatchObject({ region: "eu-west-1", uploadPrefix: "pending/", servePrefix: "files/", maxBytes: 1234 });
  });

  test.each([prod, staging, preview(42)])("guardrails pass in the $tier tier ($name)", (target) => {
    expect(() => synthStrict(uploadsStack(Testing.app(), target).stack)).not.toThrow();
  });

  describe("ConfigError", () => {
    test.each<[string, Extra, RegExp]>([
      ["uploadPrefix without trailing slash", { uploadPrefix: "pending" }, /uploads: "uploadPrefix" "pending" must be one or more path segments/],
      ["uploadPrefix with a leading slash", { uploadPrefix: "/pending/" }, /"uploadPrefix" "\/pending\/" must be/],
      ["servePrefix without trailing slash", { servePrefix: "files" }, /"servePrefix" "files" must be/],
      ["servePrefix overlapping uploadPrefix", { servePrefix: "pending/done/" }, /"servePrefix" "pending\/done\/" overlaps uploadPrefix "pending\/"/],
      ["pendingExpiryDays below 1", { pendingExpiryDays: 0 }, /"pendingExpiryDays" is 0; S3 lifecycle needs a whole number of days, at least 1/],
      ["noncurrentVersionExpiryDays fractional", { noncurrentVersionExpiryDays: 1.5 }, /"noncurrentVersionExpiryDays" is 1.5/],
      ["maxUploadBytes zero", { maxUploadBytes: 0 }, /"maxUploadBytes" is 0; use a whole number of bytes from 1 to 5368709120/],
      ["maxUploadBytes over 5 GiB", { maxUploadBytes: 5 * 1024 ** 3 + 1 }, /"maxUploadBytes" is 5368709121/],
      ["no allowed origin", { allowedOrigins: [] }, /uploads: "allowedOrigins" is empty; browsers could not upload at all/],
      ["a plain-http origin", { allowedOrigins: ["http://www.example.com"] }, /"allowedOrigins" has "http:\/\/www.example.com"; each origin must be https:/],
      ["a wildcard origin", { allowedOrigins: ["https://*.example.com"] }, /"allowedOrigins" has "https:\/\/\*.example.com"/],
      ["an origin with a path", { allowedOrigins: ["https://www.example.com/app"] }, /"allowedOrigins" has "https:\/\/www.example.com\/app"/],
      ["maxEventAgeSeconds below the metric resolution", { maxEventAgeSeconds: 30 }, /"maxEventAgeSeconds" is 30; use whole seconds, at least 60/],
    ])("%s", (_, extra, message) => {
      expect(() => synthUploads(staging, extra)).toThrow(message);
    });

    test("an app name S3 cannot use in a bucket name", () => {
      expect(() => synthUploads(staging, { names: new Names("ship_kit", "staging") })).toThrow(/uploads: "names" gives the bucket name "ship_kit-staging-uploads-\d{12}", which S3 rejects/);
    });
  });

  test("offline terraform plan passes for prod, staging and a preview", async () => {
    const app = tempApp();
    const targets = [prod, staging, preview(42)];
    const stacks = targets.map((t) => uploadsStack(app, t).stack.node.id);
    const plans = await planApp(app, stacks);
    for (const name of stacks) {
      const plan = plans[name]!;
      expect(plan.error).toBeUndefined();
      expect(plan.ok).toBe(true);
      expect(plan.warnings).toEqual([]);
      expect(plan.toAdd).toMatchObject({
        aws_s3_bucket: 1, aws_s3_bucket_public_access_block: 1, aws_s3_bucket_policy: 1, aws_s3_bucket_notification: 1,
        // Queues: the upload events and their DLQ, plus the alarm topic's undelivered-alerts queue (and its alarm).
        aws_s3_bucket_lifecycle_configuration: 1, aws_s3_bucket_cors_configuration: 1, aws_sqs_queue: 3, aws_cloudwatch_metric_alarm: 3, aws_iam_role_policy: expect.any(Number),
      });
    }
  });
});
