import { Construct } from "constructs";
import { Fn } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import type { Lifecycle } from "../core/lifecycle";
import { mergeConnections, type Connection, type TaskSecret } from "./connection";

/** How the container health check fetches the health path: the image must contain the tool (and `/bin/sh`). */
export type ContainerHealthCheck = "wget" | "curl" | "node";
import { FARGATE_MEMORY, type FargateCpu } from "./fargate-sizes";
import type { ImageSource } from "./container-repository";
import { ConfigError } from "../core/errors";
import type { Names } from "../core/naming";

export type { TaskSecret };

/** A helper container next to the app's (a metrics collector): not essential, same log group and writable /tmp. */
export interface SidecarContainer {
  /** Container name, unique in the task (not the app container's). */
  readonly name: string;
  /** Image with a pinned tag. */
  readonly image: string;
  /** Plain environment variables (no secrets). @default {} */
  readonly environment?: Readonly<Record<string, string>>;
  /** Memory the sidecar reserves in MiB, out of the task's. @default 64 */
  readonly memoryReservationMiB?: number;
}

export interface FargateTaskProps {
  /** Safety tier: log retention, and ECS Exec (its SSM channel and writable agent paths) outside the protected tier. */
  readonly lifecycle: Lifecycle;
  /** AWS region of the log group (the awslogs driver needs it). */
  readonly region: string;
  /** Naming helper of the stack. */
  readonly names: Names;
  /** Task family part, e.g. `web`, `migrate`, `cron-nightly-report`. */
  readonly name: string;
  /** Repository the image comes from. */
  readonly image: ImageSource;
  /** Image tag: the git SHA, from CI (a Terraform variable, so a new image changes only task definitions). */
  readonly imageTag: string;
  /** Task CPU units. */
  readonly cpu: FargateCpu;
  /** Task memory in MiB (a pair Fargate accepts for `cpu`). */
  readonly memoryMiB: number;
  /** Command override. @default the image's CMD */
  readonly command?: readonly string[];
  /** Port the container listens on. @default none (workers, one-off tasks) */
  readonly port?: number;
  /** Plain, non-secret environment variables. @default {} */
  readonly environment?: Readonly<Record<string, string>>;
  /** Secrets by variable name, injected by ECS from Secrets Manager / SSM. @default {} */
  readonly secrets?: Readonly<Record<string, TaskSecret>>;
  /**
   * Typed connections (database, upload bucket, ...): their variables and secrets are merged in
   * (after `environment` / `secrets`), and each is bound to this task's roles and security group.
   * @default []
   */
  readonly connections?: readonly Connection[];
  /** Helper containers that run beside the app container (they never stop the task). @default [] */
  readonly sidecars?: readonly SidecarContainer[];
  /** Security group the task runs in, handed to connections' `bind`. @default none (connections that need it fail) */
  readonly securityGroupId?: string;
  /**
   * Container health check command. @default an HTTP GET of `healthCheckPath` on `port` with
   * `healthCheckTool` when a port is set; none otherwise (one-off tasks and cron jobs simply exit).
   */
  readonly healthCheckCommand?: readonly string[];
  /** Tool the default health check runs inside the image. @default "wget" */
  readonly healthCheckTool?: ContainerHealthCheck;
  /** Path for the default health check command. @default "/healthz" */
  readonly healthCheckPath?: string;
  /** Log retention in days. @default the safety tier's logRetentionDays (90 / 30 / 7) */
  readonly logRetentionDays?: number;
}

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

/** `CMD-SHELL` health checks by tool: exit 0 when GET `url` answers below 400 (the target group's matcher). */
export function healthCheckCommand(tool: ContainerHealthCheck, url: string): string[] {
  const script: Record<ContainerHealthCheck, string> = {
    wget: `wget -q -O /dev/null ${url} || exit 1`,
    curl: `curl -fsS -o /dev/null ${url} || exit 1`,
    node: `node -e "fetch('${url}').then((r) => process.exit(r.status < 400 ? 0 : 1), () => process.exit(1))"`,
  };
  return ["CMD-SHELL", script[tool]];
}

/**
 * Paths the ECS Exec agent (SSM) writes to. With a read-only root filesystem the agent crashes
 * unless they are writable volumes (aws/containers-roadmap#1359), so tasks with ECS Exec mount them.
 */
export const ECS_EXEC_WRITABLE_PATHS = { "exec-managed-agents": "/managed-agents", "exec-ssm-lib": "/var/lib/amazon/ssm", "exec-ssm-log": "/var/log/amazon/ssm" } as const;

/**
 * cdktf renders the argument of Fn.jsonencode as HCL but escapes only `${` in string literals: a
 * `"` or `\` (e.g. a shell command such as a cron job's timeout wrapper) would end the string or
 * start an escape and fail the plan. Escape them (and `%{`, a template directive) in every literal;
 * token markers contain none of these and pass through.
 */
function hclLiterals<T>(value: T): T {
  if (typeof value === "string") return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/%\{/g, "%%{") as T;
  if (Array.isArray(value)) return value.map((v) => hclLiterals(v)) as T;
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, hclLiterals(v)])) as T;
  return value;
}

/**
 * One Fargate task definition with its log group and two least-privilege roles:
 * - execution role: pull this repository's image, write this log group, read exactly the listed secrets;
 * - task role: what the app itself may do (empty until constructs grant to it; ECS Exec's
 *   SSM channel outside the protected tier).
 * The container runs with a read-only root filesystem (a writable `/tmp` volume), unprivileged,
 * with init as PID 1, logging to CloudWatch. Old revisions are kept (`skip_destroy`) so a rollback
 * can point the service at the previous one, except in the ephemeral tier (previews), whose
 * revisions are deregistered when replaced and on teardown.
 *
 * Used by FargateService (HTTP services, workers), one-off tasks (migration) and scheduled tasks.
 * Tested via: test/constructs/fargate-service.test.ts
 */
export class FargateTask extends Construct {
  readonly family: string;
  readonly taskDefinitionArn: string;
  readonly containerName: string;
  readonly taskRole: IamRole;
  readonly executionRole: IamRole;
  readonly logGroupName: string;
  readonly resources: { readonly taskDefinition: EcsTaskDefinition; readonly logGroup: CloudwatchLogGroup };

  constructor(scope: Construct, id: string, props: FargateTaskProps) {
    super(scope, id);
    const { names } = props;
    const tier = props.lifecycle;
    const connections = props.connections ?? [];
    const connected = mergeConnections(connections);
    const cfg = {
      environment: { ...props.environment, ...connected.environment },
      secrets: { ...props.secrets, ...connected.secrets },
      logRetentionDays: props.logRetentionDays ?? tier.logRetentionDays,
      healthCheckPath: props.healthCheckPath ?? "/healthz",
    };
    const allowed: readonly number[] | undefined = FARGATE_MEMORY[props.cpu];
    if (!allowed) throw new ConfigError(this, "cpu", `${props.cpu} is not a Fargate CPU value; use 256, 512, 1024, 2048 or 4096`);
    if (!allowed.includes(props.memoryMiB)) throw new ConfigError(this, "memoryMiB", `${props.memoryMiB} is not valid with cpu ${props.cpu}; use one of ${allowed.join(", ")}`);
    for (const key of [...Object.keys(cfg.environment), ...Object.keys(cfg.secrets)])
      if (!ENV_NAME.test(key)) throw new ConfigError(this, "environment", `${JSON.stringify(key)} is not an environment variable name; use UPPER_SNAKE_CASE`);
    const clash = Object.keys(cfg.environment).find((k) => k in cfg.secrets);
    if (clash) throw new ConfigError(this, "secrets", `${clash} is both a plain variable and a secret; keep it only in secrets`);
    if (props.port !== undefined && (props.port < 1024 || props.port > 65535)) throw new ConfigError(this, "port", `${props.port} must be 1024–65535 (containers run unprivileged)`);

    this.family = names.of(props.name);
    this.containerName = props.name;
    const logGroup = new CloudwatchLogGroup(this, "logs", { name: names.logGroup(props.name), retentionInDays: cfg.logRetentionDays });

    const ecsAssume = new DataAwsIamPolicyDocument(this, "assume", {
      statement: [{ actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["ecs-tasks.amazonaws.com"] }] }],
    });
    const executionRole = new IamRole(this, "execution-role", { name: names.of(`${props.name}-exec`, { max: 64 }), assumeRolePolicy: ecsAssume.json });
    const secretArns = [...new Set(Object.values(cfg.secrets).map((s) => s.arn))];
    const execPolicy = new DataAwsIamPolicyDocument(this, "execution-policy", {
      statement: [
        { sid: "EcrAuth", actions: ["ecr:GetAuthorizationToken"], resources: ["*"] },
        { sid: "PullImage", actions: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"], resources: [props.image.repositoryArn] },
        { sid: "WriteLogs", actions: ["logs:CreateLogStream", "logs:PutLogEvents"], resources: [`${logGroup.arn}:*`] },
        ...(secretArns.length ? [{ sid: "ReadSecrets", actions: ["secretsmanager:GetSecretValue", "ssm:GetParameters"], resources: secretArns }] : []),
      ],
    });
    new IamRolePolicy(this, "execution-inline", { role: executionRole.id, policy: execPolicy.json });

    const taskRole = new IamRole(this, "task-role", { name: names.of(`${props.name}-task`, { max: 64 }), assumeRolePolicy: ecsAssume.json });
    if (!tier.protectState) {
      const execChannel = new DataAwsIamPolicyDocument(this, "exec-channel", {
        statement: [{ sid: "EcsExec", actions: ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"], resources: ["*"] }],
      });
      new IamRolePolicy(this, "exec-channel-inline", { role: taskRole.id, policy: execChannel.json });
    }

    const healthCheck = props.healthCheckCommand ?? (props.port ? healthCheckCommand(props.healthCheckTool ?? "wget", `http://127.0.0.1:${props.port}${cfg.healthCheckPath}`) : undefined);
    // ECS Exec (non-protected tiers) needs its agent's paths writable; prod runs without it.
    const writable: Record<string, string> = { tmp: "/tmp", ...(tier.protectState ? {} : ECS_EXEC_WRITABLE_PATHS) };
    const container = {
      name: this.containerName,
      image: `${props.image.repositoryUrl}:${props.imageTag}`,
      essential: true,
      readonlyRootFilesystem: true,
      privileged: false,
      linuxParameters: { initProcessEnabled: true },
      mountPoints: Object.entries(writable).map(([sourceVolume, containerPath]) => ({ sourceVolume, containerPath, readOnly: false })),
      ...(props.command ? { command: [...props.command] } : {}),
      ...(props.port ? { portMappings: [{ containerPort: props.port, protocol: "tcp" }] } : {}),
      environment: Object.entries(cfg.environment).map(([name, value]) => ({ name, value })),
      secrets: Object.entries(cfg.secrets).map(([name, s]) => ({ name, valueFrom: s.jsonKey ? `${s.arn}:${s.jsonKey}::` : s.arn })),
      ...(healthCheck ? { healthCheck: { command: [...healthCheck], interval: 10, timeout: 5, retries: 3, startPeriod: 15 } } : {}),
      logConfiguration: {
        logDriver: "awslogs",
        options: { "awslogs-group": logGroup.name, "awslogs-region": props.region, "awslogs-stream-prefix": props.name },
      },
    };
    const sidecars = (props.sidecars ?? []).map((sc, i) => {
      if (sc.name === this.containerName || (props.sidecars ?? []).findIndex((o) => o.name === sc.name) !== i)
        throw new ConfigError(this, `sidecars[${i}].name`, `${JSON.stringify(sc.name)} is used twice in the task; give each container its own name`);
      return {
        name: sc.name,
        image: sc.image,
        essential: false,
        readonlyRootFilesystem: true,
        privileged: false,
        memoryReservation: sc.memoryReservationMiB ?? 64,
        mountPoints: [{ sourceVolume: "tmp", containerPath: "/tmp", readOnly: false }],
        environment: Object.entries(sc.environment ?? {}).map(([name, value]) => ({ name, value })),
        logConfiguration: {
          logDriver: "awslogs",
          options: { "awslogs-group": logGroup.name, "awslogs-region": props.region, "awslogs-stream-prefix": `${props.name}-${sc.name}` },
        },
      };
    });
    const taskDefinition = new EcsTaskDefinition(this, "task", {
      family: this.family,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: String(props.cpu),
      memory: String(props.memoryMiB),
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
      executionRoleArn: executionRole.arn,
      taskRoleArn: taskRole.arn,
      volume: Object.keys(writable).map((name) => ({ name })),
      containerDefinitions: Fn.jsonencode([hclLiterals(container), ...sidecars.map((sc) => hclLiterals(sc))]),
      // Rollback needs old revisions (protected, standard tiers). A preview has no rollback and its
      // teardown must leave nothing: Terraform deregisters a revision it replaces or destroys. Safe
      // while tasks still run it: "Existing tasks and services that reference an INACTIVE task
      // definition revision continue to run without disruption" (Amazon ECS Developer Guide,
      // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deregister-task-definition-v2.html).
      skipDestroy: tier.tier !== "ephemeral",
    });

    this.taskDefinitionArn = taskDefinition.arn;
    this.taskRole = taskRole;
    this.executionRole = executionRole;
    this.logGroupName = logGroup.name;
    this.resources = { taskDefinition, logGroup };
    if (connections.some((c) => c.bind) && !props.securityGroupId)
      throw new ConfigError(this, "securityGroupId", "is required when a connection binds to the task (database, uploads); pass the task's security group");
    for (const c of connections) c.bind?.(this, { name: props.name, taskRole, executionRole, securityGroupId: props.securityGroupId ?? "" });
  }
}
