import { Testing } from "cdktf";
import { ephemeral, prod, staging } from "../../environments";
import type { EnvironmentConfig } from "../../environments/types";
import { DnsStack } from "../../stacks/dns-stack";
import { ALB_DNS_NAME_OUTPUT, CLOUDFLARE_ZONE_ID_VARIABLE } from "../../stacks/edge-state";
import type { Deployment } from "../../stacks/deployment";
import { OFFLINE, OFFLINE_STATE_DIR, ONLINE, resources, synthStrict, type SynthJson } from "../helpers";

const synthDns = (env: EnvironmentConfig, deployment: Deployment = OFFLINE): SynthJson & { variable?: Record<string, unknown> } => synthStrict(new DnsStack(Testing.app(), { env, deployment }));
const records = (json: SynthJson) => resources(json, "cloudflare_dns_record");

describe("DnsStack", () => {
  test.each([
    [prod, "prod-dns"],
    [staging, "staging-dns"],
    [ephemeral(42), "pr-42-dns"],
  ] as const)("%s.name → stack %s", (env, name) => {
    expect(new DnsStack(Testing.app(), { env, deployment: OFFLINE }).node.id).toBe(name);
  });

  test("prod: proxied CNAMEs for www and the apex to prod's ALB, FQDN names, ttl 1, commented with the env", () => {
    const json = synthDns(prod);
    const rs = records(json);
    expect(rs.map((r) => r.name).sort()).toEqual(["example.com", "www.example.com"]);
    for (const r of rs) {
      expect(r).toMatchObject({ type: "CNAME", proxied: true, ttl: 1, zone_id: `\${var.${CLOUDFLARE_ZONE_ID_VARIABLE}}`, content: `\${data.terraform_remote_state.prod-state.outputs.${ALB_DNS_NAME_OUTPUT}}` });
      expect(String(r.comment)).toMatch(/^prod: /);
      expect(String(r.name)).not.toMatch(/\.$/);
    }
    expect(rs.find((r) => r.name === "example.com")!.comment).toMatch(/redirects to the app hostname \(edge-stack rule\)/);
  });

  test("prod-dns holds no ruleset: the redirect rule lives in the edge stack", () => {
    expect(resources(synthDns(prod), "cloudflare_ruleset")).toHaveLength(0);
  });

  test("staging: one record to staging's ALB", () => {
    const rs = records(synthDns(staging));
    expect(rs).toEqual([expect.objectContaining({ name: "staging.example.com", content: `\${data.terraform_remote_state.staging-state.outputs.${ALB_DNS_NAME_OUTPUT}}`, proxied: true, ttl: 1 })]);
  });

  test("a preview: pr-<n>-staging.<zone>, one label below the zone, pointing at staging's shared ALB", () => {
    const json = synthDns(ephemeral(42));
    expect(records(json)).toEqual([expect.objectContaining({ name: "pr-42-staging.example.com", content: `\${data.terraform_remote_state.staging-state.outputs.${ALB_DNS_NAME_OUTPUT}}`, proxied: true, ttl: 1, comment: expect.stringMatching(/^pr-42: /) })]);
    expect(json.data?.terraform_remote_state?.["staging-state"]).toMatchObject({ backend: "local", config: { path: `${OFFLINE_STATE_DIR}/staging.tfstate` } });
  });

  test("online: reads the env's S3 state with its deploy role; its own state key in the env's bucket", () => {
    const json = synthDns(ephemeral(7), ONLINE);
    // A preview reads staging's state with the preview role (it may read that one key: stacks/bootstrap-stack.ts).
    expect(json.data?.terraform_remote_state?.["staging-state"]).toMatchObject({ backend: "s3", config: { bucket: staging.aws.stateBucket, key: "staging/terraform.tfstate", assume_role: { role_arn: ephemeral(7).aws.deployRoleArn } } });
    expect(json.terraform?.backend?.s3).toMatchObject({ bucket: staging.aws.stateBucket, key: "pr-7-dns/terraform.tfstate", encrypt: true, use_lockfile: true });
    expect(synthDns(prod, ONLINE).terraform?.backend?.s3).toMatchObject({ bucket: prod.aws.stateBucket, key: "prod-dns/terraform.tfstate", assume_role: { role_arn: prod.aws.deployRoleArn } });
  });

  test("Cloudflare only: no AWS provider or resource; token from the environment", () => {
    const json = synthDns(prod, ONLINE);
    expect(Object.keys(json.provider ?? {})).toEqual(["cloudflare"]);
    expect(json.provider!.cloudflare).toEqual([{}]);
    expect(Object.keys(json.resource ?? {}).filter((t) => !t.startsWith("cloudflare_"))).toEqual([]);
  });
});
