/**
 * Stateful Terraform addresses survive refactors: every database, bucket, KMS key, log group, ECR
 * repository, queue, secret, backup vault and network resource that prod, staging and pr-42 had
 * before the library/app restructuring (test/fixtures/addresses-before.json, taken from the
 * synthesized stacks at that commit) still has the same address, or the stack ships a `moved`
 * block from it. Otherwise `cdktf deploy` would destroy and recreate it.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildApp } from "../../app";
import type { SynthJson } from "../helpers";

/** Types whose replacement loses data or breaks everything that points at them. */
const STATEFUL = [
  "aws_db_instance", "aws_db_parameter_group", "aws_db_subnet_group", "aws_s3_bucket", "aws_kms_key", "aws_kms_alias",
  "aws_cloudwatch_log_group", "aws_ecr_repository", "aws_sqs_queue", "aws_secretsmanager_secret", "aws_backup_vault",
  "aws_backup_plan", "aws_sns_topic", "aws_vpc", "aws_subnet", "aws_nat_gateway", "aws_eip", "aws_lb", "aws_ecs_cluster",
];

const before = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "fixtures", "addresses-before.json"), "utf8")) as Record<string, string[]>;
const out = fs.mkdtempSync(path.join(os.tmpdir(), "shipkit-addresses-"));
const { app } = buildApp({ prNumber: 42, deployment: { mode: "offline", stateDir: path.join(out, "state") }, outdir: out });
app.synth();
const now = (stack: string): { addresses: Set<string>; movedFrom: Set<string> } => {
  const json = JSON.parse(fs.readFileSync(path.join(out, "stacks", stack, "cdk.tf.json"), "utf8")) as SynthJson & { moved?: { from: string }[] };
  const addresses = new Set(Object.entries(json.resource ?? {}).flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`)));
  return { addresses, movedFrom: new Set((json.moved ?? []).map((m) => m.from)) };
};
afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

describe("stateful addresses are stable or moved", () => {
  test.each(["prod", "staging", "pr-42"])("%s", (stack) => {
    const stateful = before[stack]!.filter((a) => STATEFUL.includes(a.split(".")[0]!));
    expect(stateful.length).toBeGreaterThan(stack === "pr-42" ? 3 : 30);
    const { addresses, movedFrom } = now(stack);
    const lost = stateful.filter((a) => !addresses.has(a) && !movedFrom.has(a));
    expect(lost).toEqual([]);
  });

  test("the check can fail: a renamed database is reported", () => {
    const { addresses } = now("prod");
    const db = before.prod!.find((a) => a.startsWith("aws_db_instance.database_primary"))!;
    expect(addresses.has(db)).toBe(true);
    expect(addresses.has(db.replace("database_primary", "data_primary"))).toBe(false);
  });
});
