/**
 * The edge stack cannot be planned offline (no Cloudflare provider binary), but its AWS half can:
 * with every cloudflare_* resource stubbed as a built-in terraform_data, a real `terraform plan`
 * with the AWS provider checks the ACM certificates, the grouped validation-record for_each
 * (apex + wildcard → one record), the variables and their validations, and every reference.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Testing } from "cdktf";
import { prod, staging } from "../../environments";
import { EdgeStack } from "../../stacks/edge-stack";
import { edgeOriginSecretVariable, offlineOriginSecret } from "../../stacks/edge-contract";
import { stubCloudflareForPlan } from "../../scripts/lib/edge-checks";
import { findProviderMirror, planStack, terraformEnv, writeCliConfig, type PlanSummary } from "../../scripts/lib/offline";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "shipkit-edge-plan-"));
const ZONE_ID = "0123456789abcdef0123456789abcdef";
const SECRETS = { [`TF_VAR_${edgeOriginSecretVariable("prod")}`]: offlineOriginSecret("prod"), [`TF_VAR_${edgeOriginSecretVariable("staging")}`]: offlineOriginSecret("staging") };

function stubbedEdgeDir(): string {
  const stack = new EdgeStack(Testing.app(), { zone: "example.com", plan: "free", envs: [prod, staging], deployment: { mode: "offline", stateDir: path.join(work, "state") } });
  const dir = path.join(Testing.fullSynth(stack), "stacks", stack.node.id);
  const file = path.join(dir, "cdk.tf.json");
  fs.writeFileSync(file, JSON.stringify(stubCloudflareForPlan(JSON.parse(fs.readFileSync(file, "utf8")))));
  return dir;
}
const plan = (vars: Record<string, string>): Promise<PlanSummary> => {
  const env = terraformEnv(writeCliConfig(findProviderMirror(process.env.SHIPKIT_PROVIDER_MIRROR), work), { ...process.env, ...vars });
  return planStack("edge-example-com", stubbedEdgeDir(), env, { review: "counts" });
};

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

test("the stub keeps no Cloudflare resource or provider", () => {
  const json = JSON.parse(fs.readFileSync(path.join(stubbedEdgeDir(), "cdk.tf.json"), "utf8")) as { resource: Record<string, unknown>; provider: Record<string, unknown> };
  expect(Object.keys(json.resource).filter((t) => t.startsWith("cloudflare_"))).toEqual([]);
  expect(json.provider).not.toHaveProperty("cloudflare");
  expect(JSON.stringify(json)).not.toMatch(/cloudflare_(dns_record|ruleset|zone_setting)\./);
});

test("the AWS half plans: two certificates, one validation record per distinct name, two validations", async () => {
  const s = await plan({ TF_VAR_cloudflare_zone_id: ZONE_ID, ...SECRETS });
  expect(s.error ?? "").toBe("");
  expect(s.ok).toBe(true);
  expect(s.toAdd.aws_acm_certificate).toBe(2);
  expect(s.toAdd.aws_acm_certificate_validation).toBe(2);
  // 4 rulesets + 7 zone settings + validation records: prod {www, apex} and staging {staging, apex-from-wildcard} = 4
  expect(s.toAdd.terraform_data).toBe(4 + 7 + 4);
});

test("the variable validations reject a bad zone id, a weak secret of either class and a missing one", async () => {
  const badZone = await plan({ TF_VAR_cloudflare_zone_id: "example.com", ...SECRETS });
  expect(badZone.ok).toBe(false);
  expect(badZone.error).toMatch(/cloudflare_zone_id must be the 32-hex-digit id of zone example\.com/);
  const weak = await plan({ TF_VAR_cloudflare_zone_id: ZONE_ID, ...SECRETS, [`TF_VAR_${edgeOriginSecretVariable("staging")}`]: "short*secret" });
  expect(weak.ok).toBe(false);
  expect(weak.error).toMatch(/origin_verify_secret_staging must be 32-128 letters and digits/);
  // An edge deploy always needs both classes' values: without prod's, Terraform stops (TF_INPUT=0).
  const missing = await plan({ TF_VAR_cloudflare_zone_id: ZONE_ID, [`TF_VAR_${edgeOriginSecretVariable("staging")}`]: offlineOriginSecret("staging") });
  expect(missing.ok).toBe(false);
  expect(missing.error).toMatch(/origin_verify_secret_prod/);
});
