import { ephemeral, prod, staging } from "../../environments";
import { SHARED_OUTPUTS } from "../../stacks/shared-state";
import { OFFLINE_STATE_DIR, ONLINE, resources, synthEnv } from "../helpers";

describe("EnvironmentStack online", () => {
  test.each([prod, staging])("$name: S3 state per stack, encrypted, native lock file", (env) => {
    const json = synthEnv(env, ONLINE);
    expect(json.terraform?.backend?.s3).toEqual(
      expect.objectContaining({ bucket: env.aws.stateBucket, key: `${env.name}/terraform.tfstate`, encrypt: true, use_lockfile: true, assume_role: { role_arn: env.aws.deployRoleArn } }),
    );
    expect(json.terraform?.backend?.local).toBeUndefined();
  });

  test("provider assumes the environment's deploy role and refuses other accounts", () => {
    const [provider] = synthEnv(prod, ONLINE).provider!.aws!;
    expect(provider).toMatchObject({
      region: "us-east-1",
      allowed_account_ids: ["111111111111"],
      assume_role: [{ role_arn: "arn:aws:iam::111111111111:role/shipkit-deploy-prod" }],
      default_tags: [{ tags: { app: "shipkit", environment: "prod", "managed-by": "shipkit-cdktf" } }],
    });
    expect(provider).not.toHaveProperty("access_key");
    expect(provider).not.toHaveProperty("skip_credentials_validation");
  });

  test("a preview is tagged with its PR and reads staging's network from staging's S3 state", () => {
    const json = synthEnv(ephemeral(42), ONLINE);
    expect(json.provider!.aws![0]).toMatchObject({ default_tags: [{ tags: { environment: "pr-42", pr: "42" } }], allowed_account_ids: [staging.aws.accountId] });
    expect(json.terraform?.backend?.s3).toMatchObject({ key: "pr-42/terraform.tfstate" });
    expect(json.data?.terraform_remote_state).toEqual({
      "staging-state": expect.objectContaining({ backend: "s3", config: expect.objectContaining({ bucket: staging.aws.stateBucket, key: "staging/terraform.tfstate" }) }),
    });
  });
});

describe("EnvironmentStack offline", () => {
  test("local state, dummy credentials, the skip flags, no assume_role", () => {
    const json = synthEnv(prod);
    expect(json.terraform?.backend).toEqual({ local: { path: `${OFFLINE_STATE_DIR}/prod.tfstate` } });
    const [provider] = json.provider!.aws!;
    expect(provider).toMatchObject({ skip_credentials_validation: true, skip_requesting_account_id: true, skip_metadata_api_check: "true" });
    expect(provider).not.toHaveProperty("assume_role");
    expect(provider).not.toHaveProperty("allowed_account_ids");
  });

  test("a preview reads staging's outputs from the seeded local state", () => {
    const json = synthEnv(ephemeral(9));
    expect(json.data?.terraform_remote_state?.["staging-state"]).toMatchObject({ backend: "local", config: { path: `${OFFLINE_STATE_DIR}/staging.tfstate` } });
  });
});

describe("what each environment builds", () => {
  test.each([prod, staging])("$name owns a VPC and publishes the outputs previews read", (env) => {
    const json = synthEnv(env);
    expect(resources(json, "aws_vpc")).toHaveLength(1);
    expect(Object.keys(json.output ?? {})).toEqual(expect.arrayContaining(Object.values(SHARED_OUTPUTS).map((o) => o.output)));
  });

  test("a preview builds no VPC, subnets, NAT or flow logs; its app security group sits in staging's VPC", () => {
    const json = synthEnv(ephemeral(42));
    for (const type of ["aws_vpc", "aws_subnet", "aws_nat_gateway", "aws_eip", "aws_flow_log", "aws_internet_gateway"]) expect(resources(json, type)).toHaveLength(0);
    const [sg] = resources(json, "aws_security_group");
    expect(sg).toMatchObject({ name: "shipkit-pr-42-app", vpc_id: "${data.terraform_remote_state.staging-state.outputs.vpc_id}" });
  });

  test.each([prod, staging, ephemeral(42)])("$name outputs everything the runbook's migrate-first commands read", (env) => {
    const outputs = synthEnv(env).output ?? {};
    for (const name of ["services_image_tag", "migration_task_family", "ecs_cluster_name", "private_subnet_ids", "app_security_group_id"]) expect(outputs).toHaveProperty(name);
  });

  test("prod and staging own an alarm topic; a preview publishes to staging's", () => {
    // The alarm topic, and the fallback topic only the undelivered-alerts alarm also publishes to.
    expect(resources(synthEnv(prod), "aws_sns_topic").map((t) => t.name).sort()).toEqual(["shipkit-prod-alarms", "shipkit-prod-alarms-fallback"]);
    expect(resources(synthEnv(ephemeral(3)), "aws_sns_topic")).toHaveLength(0);
  });

  test("no ingress rule is open to the world", () => {
    for (const env of [prod, staging, ephemeral(1)]) {
      const rules = resources(synthEnv(env), "aws_vpc_security_group_ingress_rule");
      expect(rules.filter((r) => r.cidr_ipv4 === "0.0.0.0/0")).toEqual([]);
    }
  });
});

describe("uploads wiring", () => {
  test.each([prod, staging, ephemeral(42)])("$name: the backend gets the upload settings and the only upload grant", (env) => {
    const json = synthEnv(env);
    const backendTask = resources(json, "aws_ecs_task_definition").find((t) => t.family === `shipkit-${env.name}-backend`)!;
    for (const name of ["UPLOAD_BUCKET", "UPLOAD_PREFIX", "UPLOAD_MAX_BYTES", "UPLOAD_QUEUE_URL"]) expect(String(backendTask.container_definitions)).toContain(`"${name}"`);
    const webTask = resources(json, "aws_ecs_task_definition").find((t) => t.family === `shipkit-${env.name}-web`)!;
    expect(String(webTask.container_definitions)).not.toContain("UPLOAD_BUCKET");
    const grants = resources(json, "aws_iam_role_policy").filter((p) => String(p.role).includes("backend-service_task_task-role"));
    expect(grants.some((p) => String(p.policy).includes("aws_iam_policy_document.uploads"))).toBe(true);
  });
});

describe("database wiring", () => {
  test.each([prod, staging])("$name: ports reach containers as strings (ECS rejects numbers in environment values)", (env) => {
    const json = synthEnv(env);
    const backend = String(resources(json, "aws_ecs_task_definition").find((t) => t.family === `shipkit-${env.name}-backend`)!.container_definitions);
    for (const name of ["DATABASE_PORT", "DATABASE_READ_PORT", "PGPORT"]) expect(backend).toMatch(new RegExp(`"name" = "${name}", "value" = tostring\\(aws_db_instance\\.`));
    // IAM database auth: the user by name, no password or secret of any kind.
    expect(backend).toContain('"name" = "DATABASE_USER", "value" = "app_writer"');
    expect(backend).not.toMatch(/PASSWORD/);
    expect(backend).toContain('"secrets" = []');
  });
});

describe("toolchain", () => {
  test.each([prod, staging, ephemeral(42)])("$name requires Terraform 1.11+ (write-only attributes)", (env) => {
    expect((synthEnv(env).terraform as { required_version?: string }).required_version).toBe(">= 1.11");
  });
});
