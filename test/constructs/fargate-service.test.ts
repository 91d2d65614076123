import { Testing } from "cdktf";
import { FargateService, HEALTH_CHECK } from "../../lib/compute/fargate-service";
import { ECS_EXEC_WRITABLE_PATHS, FargateTask } from "../../lib/compute/fargate-task";
import { OWNER_FIRST_PRIORITY, planRoutes, previewSlots } from "../../lib/compute/route-plan";
import { lifecycleOf, type SafetyTier } from "../../lib/core/lifecycle";
import { Names } from "../../lib/core/naming";
import { ephemeral, prod, staging } from "../../environments";
import { resources, synthEnv, type SynthJson } from "../helpers";

const service = (json: SynthJson, kind: string) => resources(json, "aws_ecs_service").find((s) => String(s.name).endsWith(`-${kind}`))!;
const taskDef = (json: SynthJson, family: string) => resources(json, "aws_ecs_task_definition").find((t) => t.family === family)!;
const containers = (td: Record<string, unknown>) => td.container_definitions as string;
const ruleFor = (json: SynthJson, kind: string) => resources(json, "aws_lb_listener_rule").find((r) => JSON.stringify(r.action).includes(`${kind}-service_target-group`))!;

describe("ECS cluster and ECR", () => {
  const json = synthEnv(prod);
  test("cluster has Container Insights and both Fargate capacity providers", () => {
    expect(resources(json, "aws_ecs_cluster")[0]).toMatchObject({ setting: [{ name: "containerInsights", value: "enabled" }] });
    expect(resources(json, "aws_ecs_cluster_capacity_providers")[0]).toMatchObject({ capacity_providers: ["FARGATE", "FARGATE_SPOT"] });
  });
  test("repositories: immutable tags, scan on push, keep the last N images", () => {
    const repos = resources(json, "aws_ecr_repository");
    expect(repos.map((r) => r.name).sort()).toEqual(["shipkit-prod-backend", "shipkit-prod-web"]);
    for (const r of repos) expect(r).toMatchObject({ image_tag_mutability: "IMMUTABLE", image_scanning_configuration: { scan_on_push: true }, force_delete: false });
    const policy = JSON.parse(String(resources(json, "aws_ecr_lifecycle_policy")[0]!.policy));
    expect(policy.rules[0].selection).toEqual({ tagStatus: "any", countType: "imageCountMoreThan", countNumber: prod.app.ecrKeepImages });
  });
});

describe("FargateService in prod", () => {
  const json = synthEnv(prod);
  const backend = service(json, "backend");
  test("rolling 100/200 with circuit breaker rollback, private subnets, no public IP, ECS Exec off", () => {
    expect(backend).toMatchObject({
      deployment_minimum_healthy_percent: 100,
      deployment_maximum_percent: 200,
      deployment_circuit_breaker: { enable: true, rollback: true },
      enable_execute_command: false,
      network_configuration: { assign_public_ip: false },
      health_check_grace_period_seconds: 30,
    });
    expect(String((backend.network_configuration as { subnets: string }).subnets)).toContain("network_private-");
  });
  test("desired_count does not fight autoscaling or CI deploys", () => {
    expect(backend.desired_count).toBe(prod.services.backend!.size.minTasks);
    expect(backend.lifecycle).toEqual({ ignore_changes: ["desired_count"] });
  });
  test("prod runs on on-demand Fargate only", () => {
    expect(backend.capacity_provider_strategy).toEqual([{ capacity_provider: "FARGATE", weight: 1 }]);
  });
  test("task: typed cpu/memory, image tag from the deploy-time variable, read-only root with writable /tmp, awslogs, health check", () => {
    const td = taskDef(json, "shipkit-prod-backend");
    expect(td).toMatchObject({ cpu: "1024", memory: "2048", network_mode: "awsvpc", requires_compatibilities: ["FARGATE"], volume: [{ name: "tmp" }], skip_destroy: true });
    const c = containers(td);
    expect(c).toContain("${aws_ecr_repository.backend-repository_repo_");
    expect(c).toContain(":${var.image_tag}");
    expect(c).toMatch(/"readonlyRootFilesystem"\s*=\s*true/);
    expect(c).toMatch(/"privileged"\s*=\s*false/);
    expect(c).toMatch(/"containerPath"\s*=\s*"\/tmp"/);
    expect(c).toMatch(/"logDriver"\s*=\s*"awslogs"/);
    expect(c).toContain("wget -q -O /dev/null http://127.0.0.1:8080/backend/healthz");
    expect(json).toHaveProperty("variable.image_tag.validation");
  });
  test("separate execution and task roles; the execution role pulls only its repository and writes only its log group", () => {
    const td = taskDef(json, "shipkit-prod-backend");
    expect(td.execution_role_arn).not.toEqual(td.task_role_arn);
    const doc = Object.entries(json.data!.aws_iam_policy_document!).find(([k]) => k.startsWith("backend-service_task_execution-policy"))![1];
    const statements = doc.statement as { sid: string; resources: string[] }[];
    expect(statements.find((s) => s.sid === "PullImage")!.resources).toEqual([expect.stringContaining("aws_ecr_repository.backend-repository_repo")]);
    expect(statements.find((s) => s.sid === "WriteLogs")!.resources).toEqual([expect.stringMatching(/aws_cloudwatch_log_group\.backend-service_task_logs_[0-9A-F]+\.arn\}:\*$/)]);
    expect(resources(json, "aws_cloudwatch_log_group").find((g) => g.name === "/shipkit/prod/backend")).toMatchObject({ retention_in_days: 90 });
  });
  test("autoscaling on CPU and on ALB requests per target", () => {
    const policies = resources(json, "aws_appautoscaling_policy").filter((p) => String(p.name).includes("backend"));
    const metrics = policies.map((p) => (p.target_tracking_scaling_policy_configuration as { predefined_metric_specification: { predefined_metric_type: string; resource_label?: string } }).predefined_metric_specification);
    expect(metrics.map((m) => m.predefined_metric_type).sort()).toEqual(["ALBRequestCountPerTarget", "ECSServiceAverageCPUUtilization"]);
    expect(metrics.find((m) => m.resource_label)!.resource_label).toMatch(/arn_suffix\}\/\$\{aws_lb_target_group\.backend-service_target-group_[0-9A-F]+\.arn_suffix\}$/);
    expect(resources(json, "aws_appautoscaling_target").find((t) => String(t.resource_id).includes("backend"))).toMatchObject({ min_capacity: 2, max_capacity: 20 });
  });
  test("fast rollout: health checks every 5 s, healthy after 2, drain = 25 s timeout + 5 s", () => {
    const tg = resources(json, "aws_lb_target_group").find((t) => t.name === "shipkit-prod-backend-8080")!;
    expect(tg).toMatchObject({ deregistration_delay: "30", target_type: "ip", health_check: { path: "/backend/healthz", interval: 5, healthy_threshold: 2, matcher: "200-399" } });
    expect(json.output?.modeled_rollout_seconds?.value).toBe(HEALTH_CHECK.intervalSeconds * HEALTH_CHECK.healthyThreshold + Number(tg.deregistration_delay));
  });
  test("alarms to the environment topic: 5xx ratio, p95, unhealthy targets, tasks below desired (missing = breaching)", () => {
    // The service's own symptom alarms (its SLO burn-rate alarms are checked in test/stacks/observability.test.ts).
    const alarms = resources(json, "aws_cloudwatch_metric_alarm").filter((a) => String(a.alarm_name).startsWith("shipkit-prod-backend-") && !String(a.alarm_name).includes("-slo-"));
    expect(alarms.map((a) => String(a.alarm_name).replace("shipkit-prod-backend-", "")).sort()).toEqual(["5xx-ratio", "p95-latency", "tasks-below-desired", "unhealthy-targets"]);
    for (const a of alarms) expect(a.alarm_actions).toEqual(["${aws_sns_topic.alarms_topic_" + String(a.alarm_actions).split("alarms_topic_")[1]]);
    expect(alarms.find((a) => String(a.alarm_name).endsWith("tasks-below-desired"))).toMatchObject({ treat_missing_data: "breaching" });
    expect(alarms.find((a) => String(a.alarm_name).endsWith("p95-latency"))).toMatchObject({ extended_statistic: "p95", threshold: 10 });
  });
});

describe("routing on the ALB", () => {
  test("prod: /backend/* to backend (kept prefix), everything else to web; backend evaluated first", () => {
    const json = synthEnv(prod);
    const backendRule = ruleFor(json, "backend");
    const webRule = ruleFor(json, "web");
    // Pinned in environments/services.ts to the priorities deployments already have.
    expect(backendRule.priority).toBe(49000);
    expect(webRule.priority).toBe(49001);
    expect(backendRule.condition).toEqual(expect.arrayContaining([{ path_pattern: { values: ["/backend/*"] } }]));
    expect(JSON.stringify(webRule.condition)).not.toContain("path_pattern");
    // Host-bound: both rules match only prod's own host (issue 17), priorities unchanged.
    for (const rule of [backendRule, webRule]) expect(rule.condition).toEqual(expect.arrayContaining([{ host_header: { values: ["www.example.com"] } }]));
  });
  test("a preview adds host-header rules on staging's shared listener, ahead of staging's own", () => {
    const json = synthEnv(ephemeral(42));
    for (const kind of ["backend", "web"]) {
      const rule = ruleFor(json, kind);
      expect(rule.listener_arn).toBe("${data.terraform_remote_state.staging-state.outputs.https_listener_arn}");
      expect(rule.condition).toEqual(expect.arrayContaining([{ host_header: { values: ["pr-42-staging.example.com"] } }]));
      expect(rule.priority).toBeLessThan(OWNER_FIRST_PRIORITY);
    }
    expect(ruleFor(json, "backend").priority).toBe(346);
    expect(ruleFor(json, "web").priority).toBe(347);
  });
  test("priorities are derived and never collide across previews, nor with staging", () => {
    const routes = [{ service: "backend", pathPatterns: ["/backend/*"], priority: 49000 }, { service: "web", priority: 49001 }];
    const used = new Set<number>(planRoutes(routes, { kind: "owner" }).map((r) => r.priority));
    for (let pr = 1; pr <= previewSlots(); pr += 1) {
      for (const { priority: p } of planRoutes(routes, { kind: "preview", prNumber: pr })) {
        expect(used.has(p)).toBe(false);
        expect(p).toBeGreaterThanOrEqual(1);
        expect(p).toBeLessThanOrEqual(50000);
        used.add(p);
      }
    }
  });
  test("a preview runs all-Spot, one task, ECS Exec on, no alarms (they would page staging)", () => {
    const json = synthEnv(ephemeral(7));
    const web = service(json, "web");
    expect(web).toMatchObject({ capacity_provider_strategy: [{ capacity_provider: "FARGATE_SPOT", weight: 1 }], desired_count: 1, enable_execute_command: true });
    expect(resources(json, "aws_appautoscaling_target")).toHaveLength(0);
    expect(resources(json, "aws_cloudwatch_metric_alarm")).toHaveLength(0);
  });
  test("with ECS Exec on, the agent's paths are writable volumes (a read-only root would crash it)", () => {
    const td = taskDef(synthEnv(ephemeral(7)), "shipkit-pr-7-web");
    expect((td.volume as { name: string }[]).map((v) => v.name).sort()).toEqual(["exec-managed-agents", "exec-ssm-lib", "exec-ssm-log", "tmp"]);
    for (const path of Object.values(ECS_EXEC_WRITABLE_PATHS)) expect(containers(td)).toMatch(new RegExp(`"containerPath"\\s*=\\s*"${path}", "readOnly"\\s*=\\s*false`));
    expect(containers(td)).toMatch(/"readonlyRootFilesystem"\s*=\s*true/);
  });
  test.each([prod, staging, ephemeral(7)])("$name: the ALB is admitted to the app port once, however many services share group and port", (env) => {
    const rules = resources(synthEnv(env), "aws_vpc_security_group_ingress_rule").filter((r) => r.referenced_security_group_id && r.from_port === env.app.containerPort);
    const keys = rules.map((r) => `${r.security_group_id}|${r.referenced_security_group_id}|${r.from_port}-${r.to_port}`);
    expect(keys.length).toBeGreaterThan(0);
    expect(new Set(keys).size).toBe(keys.length);
    expect(rules.filter((r) => String(r.security_group_id).includes("app-sg"))).toHaveLength(1);
  });
  test("staging mixes on-demand (base 1) and Spot by its configured share", () => {
    expect(service(synthEnv(staging), "web").capacity_provider_strategy).toEqual([
      { capacity_provider: "FARGATE", weight: 50, base: 1 },
      { capacity_provider: "FARGATE_SPOT", weight: 50 },
    ]);
  });
});

describe("deploys", () => {
  test.each([prod, staging, ephemeral(42)])("$name: a new image tag reaches only task definitions and what runs them (services, cron schedules)", (env) => {
    const json = synthEnv(env);
    // Walk what a new var.image_tag changes through the resource graph. A task definition is
    // replaced (every attribute is new: its ARN, revision); a service is updated in place, so only
    // its task_definition attribute changes and names or ids others reference stay put.
    const all = Object.entries(json.resource ?? {}).flatMap(([type, byName]) => Object.entries(byName).map(([name, body]) => ({ address: `${type}.${name}`, type, text: JSON.stringify(body) })));
    const reached = new Set<string>();
    let changedRefs = ["var.image_tag"];
    while (changedRefs.length) {
      const next = all.filter((r) => !reached.has(r.address) && changedRefs.some((ref) => r.text.includes(ref)));
      next.forEach((r) => reached.add(r.address));
      // Services and schedules are updated in place: only their pointer to the revision changes.
      changedRefs = next.map((r) => (r.type === "aws_ecs_task_definition" ? `${r.address}.` : `${r.address}.task_definition`));
    }
    const types = new Set([...reached].map((a) => a.split(".")[0]));
    expect(types.has("aws_ecs_task_definition") && types.has("aws_ecs_service")).toBe(true);
    expect([...types].filter((t) => !["aws_ecs_task_definition", "aws_ecs_service", "aws_scheduler_schedule"].includes(t!))).toEqual([]);
  });

  test("migrate first: migration_image_tag reaches only the migration task definition", () => {
    const json = synthEnv(prod);
    const users = Object.entries(json.resource ?? {}).flatMap(([type, byName]) => Object.entries(byName).filter(([, body]) => JSON.stringify(body).includes("var.migration_image_tag")).map(([name]) => `${type}.${name}`));
    expect(users).toEqual([expect.stringMatching(/^aws_ecs_task_definition\.migrate_task_/)]);
    expect(containers(taskDef(json, "shipkit-prod-migrate"))).toContain("coalesce(var.migration_image_tag, var.image_tag)");
    expect(json).toHaveProperty("variable.migration_image_tag.default", "");
    expect(json.output?.services_image_tag?.value).toBe("${var.image_tag}");
  });

  test("a one-off migration task runs the backend image with the migration command", () => {
    const json = synthEnv(prod);
    const td = taskDef(json, "shipkit-prod-migrate");
    expect(containers(td)).toContain("backend-repository_repo");
    expect(containers(td)).toMatch(/"command"\s*=\s*\["npm", "run", "migrate"\]/);
    expect(containers(td)).not.toContain("portMappings");
    expect(json.output?.migration_task_family?.value).toBe("shipkit-prod-migrate");
    expect(json.output?.modeled_rollout_seconds?.value).toBe(40);
  });
});

describe("validation", () => {
  const names = new Names("shipkit", "staging");
  const base = (tier: SafetyTier) => ({
    lifecycle: lifecycleOf(tier), region: "us-east-1", names, name: "svc", cluster: { clusterName: "c", clusterArn: "arn:c" }, subnetIds: ["s"], securityGroupId: "sg",
    task: { image: { repositoryUrl: "r", repositoryArn: "arn:r" }, imageTag: "abc" }, size: { cpu: 256, memoryMiB: 512, minTasks: 1, maxTasks: 2 } as const,
  });
  const lb = { httpsListenerArn: "l", securityGroupId: "sg-alb", arnSuffix: "app/x/y", vpcId: "v", originVerifyValues: ["a"], originVerifyHeader: "x-origin-verify" };
  const synth = (fn: (s: import("constructs").Construct) => void) => () => Testing.synthScope(fn);
  test("web without routing", () => expect(synth((s) => new FargateService(s, "svc", { ...base("standard"), kind: "http" }))).toThrow(/svc: "routing" is required for an http service/));
  test("worker with routing", () => expect(synth((s) => new FargateService(s, "svc", { ...base("standard"), kind: "worker", routing: { loadBalancer: lb, healthCheckPath: "/", priority: 49000 } }))).toThrow(/"routing" must not be set for a worker/));
  test("Spot in the protected tier", () => expect(synth((s) => new FargateService(s, "svc", { ...base("protected"), kind: "worker", spotPercent: 20 }))).toThrow(/"spotPercent" 20 must be 0 in the protected tier/));
  test("a spot share out of range", () => expect(synth((s) => new FargateService(s, "svc", { ...base("standard"), kind: "worker", spotPercent: 120 }))).toThrow(/"spotPercent" 120 must be 0–100/));
  test("a request timeout the drain cannot cover", () => expect(synth((s) => new FargateService(s, "svc", { ...base("standard"), kind: "worker", requestTimeoutSeconds: 3599 }))).toThrow(/"requestTimeoutSeconds" 3599 must be 1–3595 s/));
  test("a path pattern without a leading slash", () => expect(synth((s) => new FargateService(s, "svc", { ...base("standard"), kind: "http", routing: { loadBalancer: lb, healthCheckPath: "/", pathPatterns: ["backend/*"], priority: 49000 } }))).toThrow(/"routing.pathPatterns" must all start with \//));
  const task = (extra: Record<string, unknown>) => synth((s) => new FargateTask(s, "t", { lifecycle: lifecycleOf("standard"), region: "us-east-1", names, name: "job", image: { repositoryUrl: "r", repositoryArn: "arn:r" }, imageTag: "abc", cpu: 256, memoryMiB: 512, ...extra }));
  test("a cpu/memory pair Fargate rejects", () => expect(task({ memoryMiB: 4096 })).toThrow(/t: "memoryMiB" 4096 is not valid with cpu 256; use one of 512, 1024, 2048/));
  test("a bad environment variable name", () => expect(task({ environment: { "bad-name": "x" } })).toThrow(/"environment" "bad-name" is not an environment variable name/));
  test("a variable that is both plain and secret", () => expect(task({ environment: { TOKEN: "x" }, secrets: { TOKEN: { arn: "arn:s" } } })).toThrow(/"secrets" TOKEN is both a plain variable and a secret/));
  test("a privileged port", () => expect(task({ port: 80 })).toThrow(/"port" 80 must be 1024–65535/));
  test.each([
    ["curl", /"CMD-SHELL", "curl -fsS -o \/dev\/null http:\/\/127\.0\.0\.1:8080\/healthz \|\| exit 1"/],
    ["node", /"CMD-SHELL", "node -e \\"fetch\('http:\/\/127\.0\.0\.1:8080\/healthz'\)\.then\(\(r\) => process\.exit\(r\.status < 400 \? 0 : 1\)/],
  ] as const)("app.containerHealthCheck %s: the container health check uses the tool the image has", (tool, expected) => {
    const json = JSON.parse(Testing.synthScope((s) => new FargateTask(s, "t", { lifecycle: lifecycleOf("standard"), region: "us-east-1", healthCheckTool: tool, names, name: "web", image: { repositoryUrl: "r", repositoryArn: "arn:r" }, imageTag: "abc", cpu: 256, memoryMiB: 512, port: 8080 }))) as SynthJson;
    const c = containers(resources(json, "aws_ecs_task_definition")[0]!);
    expect(c).toMatch(expected);
    expect(c).not.toContain("wget");
  });
  test("secrets reach the container through ECS secrets, and only the execution role reads them", () => {
    const json = JSON.parse(Testing.synthScope((s) => new FargateTask(s, "t", { lifecycle: lifecycleOf("standard"), region: "us-east-1", names, name: "job", image: { repositoryUrl: "r", repositoryArn: "arn:r" }, imageTag: "abc", cpu: 256, memoryMiB: 512, secrets: { DATABASE_PASSWORD: { arn: "arn:aws:secretsmanager:us-east-1:222222222222:secret:db-AbCd", jsonKey: "password" } } }))) as SynthJson;
    const td = resources(json, "aws_ecs_task_definition")[0]!;
    expect(containers(td)).toContain('"valueFrom" = "arn:aws:secretsmanager:us-east-1:222222222222:secret:db-AbCd:password::"');
    const exec = Object.entries(json.data!.aws_iam_policy_document!).find(([k]) => k.startsWith("t_execution-policy"))![1];
    expect(exec.statement).toEqual(expect.arrayContaining([expect.objectContaining({ sid: "ReadSecrets", resources: ["arn:aws:secretsmanager:us-east-1:222222222222:secret:db-AbCd"] })]));
  });
});

describe("FargateService on its own small stack", () => {
  const names = new Names("team", "dev");
  const cluster = { clusterName: "team-dev-cluster", clusterArn: "arn:aws:ecs:eu-west-1:123456789012:cluster/team-dev-cluster" };
  const lb = { httpsListenerArn: "arn:listener", securityGroupId: "sg-alb", arnSuffix: "app/team/abc", vpcId: "vpc-1", originVerifyValues: ["v"], originVerifyHeader: "x-origin-verify" };
  const common = {
    lifecycle: lifecycleOf("standard"), region: "eu-west-1", names, cluster, subnetIds: ["subnet-a"], securityGroupId: "sg-app", alarms: { topicArn: "arn:aws:sns:eu-west-1:123456789012:alarms" },
    task: { image: { repositoryUrl: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team-dev-api", repositoryArn: "arn:aws:ecr:eu-west-1:123456789012:repository/team-dev-api" }, imageTag: "abc" },
    size: { cpu: 256, memoryMiB: 512, minTasks: 1, maxTasks: 4 } as const,
  };
  const synth = (fn: (s: import("constructs").Construct) => void) => JSON.parse(Testing.synthScope(fn)) as SynthJson;

  test("an http service: target group, listener rule at the given priority and hosts, CPU + request scaling, 4 alarms", () => {
    const json = synth((s) => new FargateService(s, "api", { ...common, kind: "http", name: "api", spotPercent: 100, routing: { loadBalancer: lb, pathPatterns: ["/api/*"], hosts: ["api.example.com"], healthCheckPath: "/api/healthz", priority: 49007 } }));
    expect(resources(json, "aws_lb_target_group")[0]).toMatchObject({ name: "team-dev-api-8080", vpc_id: "vpc-1", health_check: expect.objectContaining({ path: "/api/healthz" }) });
    expect(resources(json, "aws_lb_listener_rule")[0]).toMatchObject({
      priority: 49007,
      condition: expect.arrayContaining([{ path_pattern: { values: ["/api/*"] } }, { host_header: { values: ["api.example.com"] } }, { http_header: { http_header_name: "x-origin-verify", values: ["v"] } }]),
    });
    expect(resources(json, "aws_appautoscaling_policy").map((p) => p.name).sort()).toEqual(["team-dev-api-cpu", "team-dev-api-requests"]);
    expect(resources(json, "aws_cloudwatch_metric_alarm")).toHaveLength(4);
    expect(resources(json, "aws_ecs_service")[0]).toMatchObject({ name: "team-dev-api", capacity_provider_strategy: [{ capacity_provider: "FARGATE_SPOT", weight: 1 }], enable_execute_command: true });
    expect(String(resources(json, "aws_ecs_task_definition")[0]!.container_definitions)).toContain('"awslogs-region" = "eu-west-1"');
  });

  test("a worker: no load balancer, backlog-per-task scaling on the named queue, one alarm", () => {
    const json = synth((s) => new FargateService(s, "jobs", { ...common, kind: "worker", name: "jobs", scaling: { on: "queue-backlog", queueName: "team-dev-jobs", targetMessagesPerTask: 50 } }));
    expect(resources(json, "aws_lb_target_group")).toHaveLength(0);
    expect(resources(json, "aws_ecs_service")[0]!.load_balancer).toBeUndefined();
    const backlog = resources(json, "aws_appautoscaling_policy").find((p) => p.name === "team-dev-jobs-backlog")!;
    expect(JSON.stringify(backlog)).toContain('"value":"team-dev-jobs"');
    expect(resources(json, "aws_cloudwatch_metric_alarm").map((a) => a.alarm_name)).toEqual(["team-dev-jobs-tasks-below-desired"]);
  });

  test("a fixed-size worker gets no scaling at all, and a backlog target below 1 is refused", () => {
    const fixed = synth((s) => new FargateService(s, "jobs", { ...common, kind: "worker", name: "jobs", size: { ...common.size, maxTasks: 1 }, scaling: { on: "queue-backlog", queueName: "q", targetMessagesPerTask: 5 } }));
    expect(resources(fixed, "aws_appautoscaling_target")).toHaveLength(0);
    expect(() => synth((s) => new FargateService(s, "jobs", { ...common, kind: "worker", name: "jobs", scaling: { on: "queue-backlog", queueName: "q", targetMessagesPerTask: 0 } }))).toThrow(/"scaling.targetMessagesPerTask" 0 must be at least 1/);
  });

  test("connections: settings merged into the container, bound to the task's roles", () => {
    const bound: string[] = [];
    const json = synth((s) => new FargateService(s, "api", {
      ...common, kind: "worker", name: "api",
      task: { ...common.task, environment: { A: "1" }, connections: [{ environment: { B: "2" }, secrets: { C: { arn: "arn:aws:ssm:eu-west-1:123456789012:parameter/c" } }, bind: (_scope, w) => bound.push(`${w.name}:${w.securityGroupId}`) }] },
    }));
    const c = String(resources(json, "aws_ecs_task_definition")[0]!.container_definitions);
    expect(c).toMatch(/"name" = "A", "value" = "1"\}, \{"name" = "B", "value" = "2"/);
    expect(c).toContain('"valueFrom" = "arn:aws:ssm:eu-west-1:123456789012:parameter/c"');
    expect(bound).toEqual(["api:sg-app"]);
  });
});
