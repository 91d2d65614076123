/**
 * Issue 17, "an origin lock that holds": the edge state (`edge-<zone>`) holds every class's
 * origin-verify secret, so no environment stack reads it. prod and staging find their certificates
 * with an ACM lookup in their own account (offline: stand-in ARNs); previews read only staging's
 * state. Offline plans give each stack its own class's stand-in secret, and real offline plans show
 * that prod's never reaches staging's or a preview's plan.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildApp } from "../../app";
import { prod, staging } from "../../environments";
import type { EnvironmentConfig, ServicesConfig } from "../../environments/types";
import { ORIGIN_SECRET_VARIABLE, offlineCertificateArn, offlineOriginSecret } from "../../stacks/edge-contract";
import { EDGE_CERTIFICATE_LOOKUP, edgeCertificateTags } from "../../stacks/edge-state";
import type { Deployment } from "../../stacks/deployment";
import { seedBaseUpstreams } from "../../scripts/lib/base-state";
import { findProviderMirror, planStack, pool, requireTerraform, seedOfflineUpstreams, stackOriginSecretEnv, terraformEnv, writeCliConfig, type PlanSummary } from "../../scripts/lib/offline";
import { resources, type SynthJson } from "../helpers";

type Json = SynthJson & { data?: Record<string, Record<string, Record<string, unknown>>> };
const ENV_STACKS = ["prod", "staging", "pr-42"] as const;
const work = fs.mkdtempSync(path.join(os.tmpdir(), "shipkit-origin-"));
const stateDir = path.join(work, "state");
const OFFLINE_HERE: Deployment = { mode: "offline", stateDir };

/** prod with a service on its own host (api.example.com): a second certificate, attached to the listener. */
const prodWithApi: EnvironmentConfig = {
  ...prod,
  services: { api: { ...prod.services.web!, kind: "http", repository: "web", route: { hosts: ["api.example.com"] }, healthCheckPath: "/healthz" }, ...prod.services } as ServicesConfig,
};

/** Synthesizes the app (pr-42 included) and returns each stack's JSON by name. */
function synthApp(mode: "online" | "offline", environments?: { prod: EnvironmentConfig; staging: EnvironmentConfig }): Record<string, Json> {
  const outdir = path.join(work, `${mode}${environments ? "-api" : ""}`);
  const { app, stacks } = buildApp({ prNumber: 42, deployment: mode === "online" ? { mode: "online" } : OFFLINE_HERE, outdir, ...(environments ? { environments } : {}) });
  app.synth();
  return Object.fromEntries(stacks.map((s) => [s.name, JSON.parse(fs.readFileSync(path.join(outdir, "stacks", s.name, "cdk.tf.json"), "utf8")) as Json]));
}

const json: Record<"online" | "offline", Record<string, Json>> = { online: {}, offline: {} };
beforeAll(() => {
  json.online = synthApp("online");
  json.offline = synthApp("offline");
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** Every `terraform_remote_state` of a stack: where it reads (S3 bucket + key, or the local path). */
const remoteStates = (j: Json) =>
  Object.values(j.data?.terraform_remote_state ?? {}).map((r) => {
    const config = (r.config ?? {}) as { bucket?: string; key?: string; path?: string };
    return { bucket: config.bucket, where: config.key ?? config.path ?? "" };
  });
const httpsListener = (j: Json) => resources(j, "aws_lb_listener").find((l) => l.port === 443);
const lookups = (j: Json) => j.data?.aws_acm_certificate ?? {};

describe.each(["online", "offline"] as const)("%s synth", (mode) => {
  test.each(ENV_STACKS)("%s reads no edge state, and only staging's state when it is a preview", (stack) => {
    const reads = remoteStates(json[mode][stack]!);
    expect(reads.filter((r) => r.where.includes("edge-"))).toEqual([]);
    // `staging/terraform.tfstate` (S3 key) or `<stateDir>/staging.tfstate` (offline): the stack read.
    expect(reads.map((r) => path.basename(r.where.replace(/\/terraform\.tfstate$/, "").replace(/\.tfstate$/, "")))).toEqual(stack === "pr-42" ? ["staging"] : []);
  });

  test.each(["staging", "pr-42"])("%s reads nothing from prod's state", (stack) => {
    const j = json[mode][stack]!;
    for (const r of remoteStates(j)) {
      expect(r.bucket === undefined || r.bucket === staging.aws.stateBucket).toBe(true);
      expect(r.where).not.toMatch(/(^|\/)prod(\.tfstate|\/)/);
    }
    if (mode === "online") expect(j.terraform?.backend?.s3).toMatchObject({ bucket: staging.aws.stateBucket });
    expect(prod.aws.stateBucket).not.toBe(staging.aws.stateBucket);
  });
});

describe("online: the certificates come from ACM lookups in the environment's own account", () => {
  test.each(["prod", "staging"] as const)("%s: the HTTPS listener uses a lookup of its primary name, with the filters that pick the edge stack's certificate", (name) => {
    const env = name === "prod" ? prod : staging;
    const j = json.online[name]!;
    const entries = Object.entries(lookups(j));
    expect(entries).toHaveLength(1);
    const [id, lookup] = entries[0]!;
    expect(httpsListener(j)!.certificate_arn).toBe(`\${data.aws_acm_certificate.${id}.arn}`);
    expect(lookup).toMatchObject({ domain: env.hostnames.app, statuses: ["ISSUED"], types: ["AMAZON_ISSUED"], key_types: ["RSA_2048"], most_recent: true });
    expect(lookup).not.toHaveProperty("provider"); // the stack's own provider: its account, region and role
    const [condition] = (lookup.lifecycle as { postcondition: { condition: string }[] }).postcondition;
    for (const [k, v] of Object.entries(edgeCertificateTags(env))) expect(condition!.condition).toContain(`lookup(self.tags, "${k}", "") == "${v}"`);
  });

  test("a preview looks up nothing: it rides on staging's listener", () => {
    expect(lookups(json.online["pr-42"]!)).toEqual({});
    expect(resources(json.online["pr-42"]!, "aws_lb_listener")).toEqual([]);
  });

  test("a host with its own certificate: one more lookup, of that host, attached as a listener certificate", () => {
    const j = synthApp("online", { prod: prodWithApi, staging })["prod"]!;
    const byDomain = Object.fromEntries(Object.entries(lookups(j)).map(([id, l]) => [String(l.domain), { id, l }]));
    expect(Object.keys(byDomain).sort()).toEqual(["api.example.com", "www.example.com"]);
    expect(byDomain["api.example.com"]!.l).toMatchObject({ statuses: ["ISSUED"], types: ["AMAZON_ISSUED"], key_types: ["RSA_2048"], most_recent: true });
    expect(resources(j, "aws_lb_listener_certificate")).toEqual([expect.objectContaining({ certificate_arn: `\${data.aws_acm_certificate.${byDomain["api.example.com"]!.id}.arn}` })]);
  });

  test("the lookups match what the edge stack issues: primary name, key algorithm, account and region, tags", () => {
    const edge = json.online["edge-example-com"]!;
    const certs = resources(edge, "aws_acm_certificate");
    for (const env of [prod, staging]) {
      const mine = certs.filter((c) => c.provider === `aws.${env.name}`);
      const lookup = Object.values(lookups(json.online[env.name]!))[0]!;
      // ACM's DomainName is the certificate's primary name; the data source matches that alone.
      expect(mine.map((c) => c.domain_name)).toContain(lookup.domain);
      for (const c of mine) expect(EDGE_CERTIFICATE_LOOKUP.keyTypes).toContain(c.key_algorithm);
      const provider = (edge.provider?.aws ?? []).find((p) => p.alias === env.name)!;
      const own = json.online[env.name]!.provider!.aws![0]!;
      expect(provider).toMatchObject({ region: own.region, allowed_account_ids: own.allowed_account_ids });
      expect((provider.default_tags as { tags: Record<string, string> }[])[0]!.tags).toMatchObject(edgeCertificateTags(env));
    }
  });
});

describe("offline: stand-in ARNs, no lookup (dummy credentials cannot call ACM)", () => {
  test.each(["prod", "staging"] as const)("%s", (name) => {
    const env = name === "prod" ? prod : staging;
    const j = json.offline[name]!;
    expect(lookups(j)).toEqual({});
    expect(httpsListener(j)!.certificate_arn).toBe(offlineCertificateArn(env.aws.accountId, env.aws.region, name));
  });

  test("a base from before this change still plans: seedBaseUpstreams writes the edge state it reads, with the head's stand-in ARNs", () => {
    const baseOut = path.join(work, "legacy-base");
    const dir = path.join(work, "legacy-state");
    fs.mkdirSync(path.join(baseOut, "stacks", "prod"), { recursive: true });
    const edgeState = path.join(dir, "edge-example-com.tfstate");
    fs.writeFileSync(path.join(baseOut, "stacks", "prod", "cdk.tf.json"), JSON.stringify({ data: { terraform_remote_state: { "edge-state": { backend: "local", config: { path: edgeState } } } } }));
    expect(seedBaseUpstreams(baseOut, dir, [prod, staging])).toEqual([edgeState]);
    const outputs = (JSON.parse(fs.readFileSync(edgeState, "utf8")) as { outputs: Record<string, { value: string }> }).outputs;
    expect(outputs.certificate_arn_prod!.value).toBe(httpsListener(json.offline.prod!)!.certificate_arn);
    expect(outputs.certificate_arn_staging!.value).toBe(httpsListener(json.offline.staging!)!.certificate_arn);
    // A base that reads no edge state gets none.
    expect(seedBaseUpstreams(path.join(work, "offline"), path.join(work, "no-legacy"), [prod, staging])).toEqual([]);
    expect(fs.existsSync(path.join(work, "no-legacy"))).toBe(false);
  });
});

describe("each stack plans with its own class's offline secret", () => {
  const key = `TF_VAR_${ORIGIN_SECRET_VARIABLE}`;
  test.each([
    ["prod", "prod"],
    ["staging", "staging"],
    ["pr-42", "staging"],
    ["pr-7", "staging"],
  ] as const)("%s gets offlineOriginSecret(%s), whichever stand-in the process has", (stack, cls) => {
    for (const from of ["prod", "staging"] as const) expect(stackOriginSecretEnv(stack, { [key]: offlineOriginSecret(from) })[key]).toBe(offlineOriginSecret(cls));
  });

  test("a real secret and stacks of no class are left alone", () => {
    expect(stackOriginSecretEnv("prod", { [key]: "r".repeat(40) })[key]).toBe("r".repeat(40));
    expect(stackOriginSecretEnv("bootstrap-111111111111", { [key]: offlineOriginSecret("staging") })[key]).toBe(offlineOriginSecret("staging"));
    expect(stackOriginSecretEnv("staging", {})[key]).toBeUndefined();
  });
});

describe("real offline plans: each class's secret stays in its own stacks", () => {
  let plans: Record<string, PlanSummary> = {};
  beforeAll(async () => {
    const env = terraformEnv(writeCliConfig(findProviderMirror(process.env.SHIPKIT_PROVIDER_MIRROR), work), process.env);
    requireTerraform(env);
    seedOfflineUpstreams(stateDir, [prod, staging]);
    const results = await pool(
      ENV_STACKS.map((s) => () => planStack(s, path.join(work, "offline", "stacks", s), env)),
      2,
    );
    plans = Object.fromEntries(results.map((r) => [r.stack, r]));
  }, 600_000);

  /** The header values of every listener rule the plan creates or changes. */
  const ruleHeaderValues = (stack: string): string[] =>
    (plans[stack]!.plan?.resource_changes ?? [])
      .filter((r) => r.type === "aws_lb_listener_rule")
      .flatMap((r) => ((r.change.after as { condition?: { http_header?: { values?: string[] }[] }[] } | null)?.condition ?? []).flatMap((c) => (c.http_header ?? []).flatMap((h) => h.values ?? [])));

  test.each(ENV_STACKS)("%s plans", (stack) => {
    expect(plans[stack]?.error ?? "").toBe("");
    expect(plans[stack]?.plan).toBeDefined();
  });

  test("prod's plan carries prod's secret in its listener rules, and never staging's", () => {
    expect(ruleHeaderValues("prod").length).toBeGreaterThan(0);
    expect(new Set(ruleHeaderValues("prod"))).toEqual(new Set([offlineOriginSecret("prod")]));
    expect(JSON.stringify(plans.prod!.plan)).not.toContain(offlineOriginSecret("staging"));
  });

  test.each(["staging", "pr-42"])("%s's plan carries staging's secret and never prod's, anywhere in terraform show -json", (stack) => {
    expect(new Set(ruleHeaderValues(stack))).toEqual(new Set([offlineOriginSecret("staging")]));
    expect(JSON.stringify(plans[stack]!.plan)).not.toContain(offlineOriginSecret("prod"));
  });
});
