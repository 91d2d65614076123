/**
 * Which previews exist: the `pr-<n>/terraform.tfstate` objects in staging's state bucket (each
 * preview stack keeps its state there, stacks/deployment.ts `stateKey`), with their LastModified
 * (the last apply: Terraform writes the state object on every apply or destroy, never on a plan)
 * and whether the state still holds resources: `cdktf destroy` leaves an empty state object
 * behind, so a key alone does not mean a live preview.
 *
 * AWS rules relied on: ListObjectsV2 returns at most 1,000 keys per call and a continuation token
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html).
 */
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";

/** The two S3 calls used. */
export interface StateBucketApi {
  /** One page of keys under `prefix`. */
  list(bucket: string, prefix: string, continuationToken?: string): Promise<{ readonly keys: readonly { readonly key: string; readonly lastModified: Date }[]; readonly next?: string }>;
  /** An object's body as text. */
  read(bucket: string, key: string): Promise<string>;
}

export function s3StateBucketApi(client: S3Client): StateBucketApi {
  return {
    async list(bucket, prefix, continuationToken) {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: continuationToken }));
      return {
        keys: (page.Contents ?? []).filter((o) => o.Key && o.LastModified).map((o) => ({ key: o.Key!, lastModified: o.LastModified! })),
        next: page.IsTruncated ? page.NextContinuationToken : undefined,
      };
    },
    async read(bucket, key) {
      const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return object.Body ? object.Body.transformToString("utf8") : "";
    },
  };
}

/** A preview stack's state object. */
export interface PreviewState {
  readonly pr: number;
  readonly key: string;
  /** When its state was last written (last deploy or destroy). */
  readonly lastModified: Date;
  /** Managed resources in the state: 0 after a destroy (or a deploy that created nothing). */
  readonly resources: number;
}

/** `pr-<n>/terraform.tfstate` only: not `pr-<n>-dns/...`, not lock files. */
const PREVIEW_STATE_KEY = /^pr-([1-9][0-9]{0,4})\/terraform\.tfstate$/;

/** Managed resources in a Terraform state document (data sources do not count). */
export function managedResources(stateText: string): number {
  if (stateText.trim() === "") return 0;
  const state = JSON.parse(stateText) as { resources?: { mode?: string }[] };
  return (state.resources ?? []).filter((r) => r.mode === "managed").length;
}

/** Every preview state object in `bucket`, sorted by PR number, with its resource count. */
export async function listPreviewStates(api: StateBucketApi, bucket: string): Promise<PreviewState[]> {
  const found: { pr: number; key: string; lastModified: Date }[] = [];
  let token: string | undefined;
  do {
    const page = await api.list(bucket, "pr-", token);
    for (const { key, lastModified } of page.keys) {
      const m = PREVIEW_STATE_KEY.exec(key);
      if (m) found.push({ pr: Number(m[1]), key, lastModified });
    }
    token = page.next;
  } while (token);
  found.sort((a, b) => a.pr - b.pr);
  return Promise.all(found.map(async (f) => ({ ...f, resources: managedResources(await api.read(bucket, f.key)) })));
}

/** Previews that are up (state with resources), other than `except`. */
export const otherLivePreviews = (states: readonly PreviewState[], except: number): PreviewState[] => states.filter((s) => s.resources > 0 && s.pr !== except);
