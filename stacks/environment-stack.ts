import { Construct } from "constructs";
import { Aspects, Fn, TerraformOutput, TerraformStack, TerraformVariable, Token } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import type { EnvironmentConfig } from "../environments/types";
import { AlarmTopic } from "../lib/observability/alarm-topic";
import { databaseSettings, type DbEndpoints, type DbProcessKind } from "../lib/data/database-connection";
import { DatabaseBackups } from "../lib/data/database-backups";
import { PostgresDatabase } from "../lib/data/postgres-database";
import { PreviewDatabaseTasks, previewDbConnection } from "../lib/data/preview-database-tasks";
import { ContainerRepository, type ImageSource } from "../lib/compute/container-repository";
import { EcsCluster, type ClusterAttributes } from "../lib/compute/ecs-cluster";
import { FargateService } from "../lib/compute/fargate-service";
import { FargateTask } from "../lib/compute/fargate-task";
import { Guardrails } from "../lib/policy/guardrails";
import { LoadBalancer, acceptedOriginValues, type LoadBalancerAttachment } from "../lib/compute/load-balancer";
import { Names } from "../lib/core/naming";
import { ScheduleGroup } from "../lib/compute/schedule-group";
import { ScheduledTask } from "../lib/compute/scheduled-task";
import { UploadBucket } from "../lib/storage/upload-bucket";
import { Network, type NetworkAttributes } from "../lib/network/network";
import { awsProviderConfig, useStackBackend, type Deployment } from "./deployment";
import { ORIGIN_SECRET_PREVIOUS_VARIABLE, ORIGIN_SECRET_VARIABLE, ORIGIN_VERIFY_HEADER, certificateOutput } from "./edge-contract";
import { readEdgeState } from "./edge-state";
import { SHARED_OUTPUTS, publishShared, readShared } from "./shared-state";

/** Tag value every resource carries in `managed-by`. */
export const MANAGED_BY = "shipkit-cdktf";

/** Terraform variable carrying the image tag (the git SHA) that CI deploys: `TF_VAR_image_tag`. */
export const IMAGE_TAG_VARIABLE = "image_tag";

/** Terraform variable for running a migration ahead of the services: `TF_VAR_migration_image_tag`. */
export const MIGRATION_IMAGE_TAG_VARIABLE = "migration_image_tag";

export interface EnvironmentStackProps {
  /** The validated environment this stack builds. */
  readonly env: EnvironmentConfig;
  /** Online (S3 state, assumed role) or offline (local state, dummy credentials). */
  readonly deployment: Deployment;
  /**
   * The environment whose state bucket holds the zone's edge state (stacks/edge-state.ts
   * `edgeStateOwner`); only read online. buildApp always passes it.
   * @default env itself (right for the zone's owner, prod)
   */
  readonly edgeOwner?: EnvironmentConfig;
}

/** Default tags for an environment: app, environment, managed-by, and pr for previews. */
export function defaultTags(env: EnvironmentConfig): Record<string, string> {
  return {
    app: env.appName,
    environment: env.name,
    "managed-by": MANAGED_BY,
    ...(env.preview ? { pr: String(env.preview.prNumber) } : {}),
  };
}

/**
 * One stack class for every AWS environment. prod and staging own their network, ALB, cluster and
 * image repositories; a preview (`pr-<n>`) builds its services on staging's, read from staging's
 * state, and adds host-header rules to staging's listener.
 *
 * Deploy-time inputs (never literals): `TF_VAR_image_tag` (git SHA), `TF_VAR_origin_verify_secret`
 * and, while rotating, `TF_VAR_origin_verify_secret_previous`.
 *
 * Tested via: test/stacks/environment-stack.test.ts and test/stacks/plan.test.ts (real plans)
 */
export class EnvironmentStack extends TerraformStack {
  readonly env: EnvironmentConfig;
  readonly names: Names;
  /** The network the environment's workloads run in (own, or the base environment's). */
  readonly network: NetworkAttributes;
  /** SNS topic every alarm of this environment publishes to (previews: staging's). */
  readonly alarmTopicArn: string;
  /** Security group for this environment's app tasks (egress only; services add their ingress). */
  readonly appSecurityGroup: SecurityGroup;
  readonly cluster: ClusterAttributes;
  readonly loadBalancer: LoadBalancerAttachment;
  readonly images: { readonly web: ImageSource; readonly backend: ImageSource };
  readonly imageTag: string;
  readonly services: { readonly web: FargateService; readonly backend: FargateService };
  /** Database endpoints services connect to (previews: their own logical database on staging's instance). */
  readonly database: DbEndpoints;
  /** Private upload bucket with its event queue (previews get their own small, force-destroy one). */
  readonly uploads: UploadBucket;
  /** One-off migration task: run it before the services move to a new image (docs/runbook.md). */
  readonly migrationTask: FargateTask;
  /** Scheduled jobs of this environment (env.cron.jobs that list it; previews: those listing "preview"). */
  readonly scheduledTasks: readonly ScheduledTask[];
  /** Longest modeled rollout wait of the routed services, in seconds. */
  readonly modeledRolloutSeconds: number;

  constructor(scope: Construct, props: EnvironmentStackProps) {
    const { env, deployment } = props;
    super(scope, env.name);
    this.env = env;
    this.names = new Names(env.appName, env.name);
    new AwsProvider(this, "aws", awsProviderConfig(env, deployment, { tags: defaultTags(env) }));
    useStackBackend(this, env.name, env, deployment);
    Aspects.of(this).add(new Guardrails({ tier: env.safetyTier }));

    this.imageTag = new TerraformVariable(this, IMAGE_TAG_VARIABLE, {
      type: "string",
      description: "Image tag to run (the git SHA CI built); a new value changes only task definitions and services",
      validation: [{ condition: `\${can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.${IMAGE_TAG_VARIABLE}))}`, errorMessage: "image_tag must be a Docker tag (letters, digits, _ . -), e.g. the git SHA." }],
    }).stringValue;
    // Migrate first: deploy with the running tag in image_tag and the new one here, and only the
    // migration task definition changes; run it; then deploy the new image_tag (docs/runbook.md).
    const migrationImageTag = new TerraformVariable(this, MIGRATION_IMAGE_TAG_VARIABLE, {
      type: "string",
      default: "",
      description: "Image tag of the migration task when it must run ahead of the services; empty = image_tag",
      validation: [{ condition: `\${var.${MIGRATION_IMAGE_TAG_VARIABLE} == "" || can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.${MIGRATION_IMAGE_TAG_VARIABLE}))}`, errorMessage: "migration_image_tag must be empty or a Docker tag, e.g. the git SHA." }],
    }).stringValue;
    new TerraformOutput(this, "services_image_tag", { value: this.imageTag, description: "Image tag the services run (CI reads it to migrate ahead of a deploy)" });
    const originCurrent = new TerraformVariable(this, ORIGIN_SECRET_VARIABLE, {
      type: "string",
      sensitive: true,
      description: "Origin-verify secret Cloudflare sends (from Secrets Manager via CI); never commit it",
      validation: [{ condition: `\${can(regex("^[A-Za-z0-9]{32,128}$", var.${ORIGIN_SECRET_VARIABLE}))}`, errorMessage: "origin_verify_secret must be 32-128 letters and digits (no * or ?, which ALB treats as wildcards)." }],
    });
    const originPrevious = new TerraformVariable(this, ORIGIN_SECRET_PREVIOUS_VARIABLE, {
      type: "string",
      sensitive: true,
      default: "",
      description: "Previous origin-verify secret, accepted too while rotating; empty otherwise",
    });
    const originVerifyValues = acceptedOriginValues(originCurrent.stringValue, originPrevious.stringValue);

    if (env.preview) {
      const shared = readShared(this, env, deployment);
      this.network = shared;
      this.appSecurityGroup = this.createAppSecurityGroup(env, shared.vpcId);
      // A logical database pr_<n> on staging's instance; db-init / db-drop tasks manage it.
      this.database = { primary: previewDbConnection(shared, env.preview.prNumber) };
      new PreviewDatabaseTasks(this, "database-tasks", { env, names: this.names, database: this.database.primary, appSecurityGroupId: this.appSecurityGroup.id });
      this.alarmTopicArn = shared.alarmTopicArn;
      this.cluster = { clusterName: shared.clusterName, clusterArn: shared.clusterArn };
      // What `aws ecs run-task` needs (migration, db-init / db-drop), under the names the base publishes.
      new TerraformOutput(this, SHARED_OUTPUTS.clusterName.output, { value: shared.clusterName, description: "Cluster the preview runs in (staging's)" });
      new TerraformOutput(this, SHARED_OUTPUTS.privateSubnetIds.output, { value: shared.privateSubnetIds, description: "Subnets for one-off tasks (staging's)" });
      this.loadBalancer = {
        httpsListenerArn: shared.httpsListenerArn,
        securityGroupId: shared.albSecurityGroupId,
        arnSuffix: shared.albArnSuffix,
        vpcId: shared.vpcId,
        originVerifyHeader: ORIGIN_VERIFY_HEADER,
        originVerifyValues,
      };
      this.images = {
        web: { repositoryUrl: shared.webRepositoryUrl, repositoryArn: shared.webRepositoryArn },
        backend: { repositoryUrl: shared.backendRepositoryUrl, repositoryArn: shared.backendRepositoryArn },
      };
    } else {
      this.network = new Network(this, "network", { env, names: this.names });
      this.appSecurityGroup = this.createAppSecurityGroup(env, this.network.vpcId);
      this.alarmTopicArn = new AlarmTopic(this, "alarms", { env, names: this.names }).arn;
      const db = new PostgresDatabase(this, "database", { env, names: this.names, network: this.network, alarmTopicArn: this.alarmTopicArn, allowFrom: [this.appSecurityGroup.id] });
      this.database = db;
      if (env.database.backupPlan) {
        const copyRegion = env.database.backupPlan.copyToRegion;
        const copyRegionProvider = copyRegion ? this.awsProviderIn(copyRegion, deployment) : undefined;
        new DatabaseBackups(this, "database-backups", { env, names: this.names, instanceArn: db.instanceArn, alarmTopicArn: this.alarmTopicArn, copyRegionProvider });
      }
      this.cluster = new EcsCluster(this, "cluster", { names: this.names });
      this.images = {
        web: new ContainerRepository(this, "web-repository", { env, names: this.names, name: "web" }),
        backend: new ContainerRepository(this, "backend-repository", { env, names: this.names, name: "backend" }),
      };
      const edge = readEdgeState(this, "edge-state", { zone: env.cloudflare.zone, owner: props.edgeOwner ?? env, reader: env, deployment });
      const lb = new LoadBalancer(this, "load-balancer", {
        env,
        names: this.names,
        network: this.network,
        certificateArn: edge.getString(certificateOutput(env.name as "prod" | "staging")),
        originVerifyHeader: ORIGIN_VERIFY_HEADER,
        originVerifyValues,
      });
      this.loadBalancer = lb.attachment;
      publishShared(this, {
        vpcId: this.network.vpcId,
        vpcCidr: this.network.vpcCidr,
        publicSubnetIds: this.network.publicSubnetIds,
        privateSubnetIds: this.network.privateSubnetIds,
        isolatedSubnetIds: this.network.isolatedSubnetIds,
        alarmTopicArn: this.alarmTopicArn,
        httpsListenerArn: lb.attachment.httpsListenerArn,
        albSecurityGroupId: lb.attachment.securityGroupId,
        albArnSuffix: lb.attachment.arnSuffix,
        albDnsName: lb.dnsName,
        clusterName: this.cluster.clusterName,
        clusterArn: this.cluster.clusterArn,
        webRepositoryUrl: this.images.web.repositoryUrl,
        webRepositoryArn: this.images.web.repositoryArn,
        backendRepositoryUrl: this.images.backend.repositoryUrl,
        backendRepositoryArn: this.images.backend.repositoryArn,
        dbHost: db.primary.host,
        dbPort: Token.asString(db.primary.port),
        dbSecretArn: db.secretArn,
        dbSecurityGroupId: db.securityGroupId,
      });
    }


    const alarms = env.preview ? "off" : { topicArn: this.alarmTopicArn };
    this.uploads = new UploadBucket(this, "uploads", { env, names: this.names, alarms });
    new TerraformOutput(this, "upload_bucket_name", { value: this.uploads.bucketName });

    // Plain settings plus the database endpoints for a process kind (PGAPPNAME = <app>-<env>-<kind>,
    // so pg_stat_activity shows who holds a lock); credentials travel as ECS secrets.
    const appEnvironment = { APP_ENV: env.name, PUBLIC_URL: `https://${env.hostnames.app}`, REQUEST_TIMEOUT_SECONDS: String(env.app.requestTimeoutSeconds) };
    const runtime = (kind: DbProcessKind) => {
      const db = databaseSettings(this.database, kind, this.names.prefix);
      return {
        environment: { ...appEnvironment, ...db.environment },
        secrets: db.secrets,
      };
    };
    const withUploads = (r: ReturnType<typeof runtime>) => ({ ...r, environment: { ...r.environment, ...this.uploads.environment } });
    const common = { env, names: this.names, cluster: this.cluster, subnetIds: this.network.privateSubnetIds, securityGroupId: this.appSecurityGroup.id, alarms } as const;
    const hostHeader = env.preview ? env.hostnames.app : undefined;
    // Backend first: its /backend/* rule must win over web's catch-all at the same host.
    const backend = new FargateService(this, "backend-service", {
      ...common,
      kind: "backend",
      size: env.sizes.backend,
      task: { image: this.images.backend, imageTag: this.imageTag, ...withUploads(runtime("backend")) },
      routing: { loadBalancer: this.loadBalancer, pathPatterns: ["/backend/*"], hostHeader, healthCheckPath: env.app.healthCheckPaths.backend },
    });
    const web = new FargateService(this, "web-service", {
      ...common,
      kind: "web",
      size: env.sizes.web,
      task: { image: this.images.web, imageTag: this.imageTag, ...runtime("web") },
      routing: { loadBalancer: this.loadBalancer, hostHeader, healthCheckPath: env.app.healthCheckPaths.web },
    });
    this.services = { web, backend };
    // Only the backend signs upload forms and consumes upload events.
    this.uploads.grantTo(backend.task.taskRole.name, "backend");
    this.migrationTask = new FargateTask(this, "migrate", {
      env,
      names: this.names,
      name: "migrate",
      image: this.images.backend,
      imageTag: Fn.coalesce([migrationImageTag, this.imageTag]),
      cpu: env.sizes.backend.cpu,
      memoryMiB: env.sizes.backend.memoryMiB,
      command: env.app.migrationCommand,
      ...runtime("migration"),
    });
    // Cron: jobs are data (env.cron.jobs); each runs where its `environments` lists this one.
    // ScheduledTask adds the job's database settings (replica unless it writes).
    const cronWhere = env.preview ? "preview" : (env.name as "prod" | "staging");
    const jobs = env.cron.jobs.filter((job) => job.environments.includes(cronWhere));
    const cronGroup = jobs.length ? new ScheduleGroup(this, "cron", { names: this.names, alarms }) : undefined;
    this.scheduledTasks = cronGroup
      ? jobs.map((job) => new ScheduledTask(this, `cron-${job.name}`, {
          env,
          names: this.names,
          job,
          group: cronGroup,
          cluster: this.cluster,
          image: this.images[job.image ?? "backend"],
          imageTag: this.imageTag,
          subnetIds: this.network.privateSubnetIds,
          securityGroupId: this.appSecurityGroup.id,
          database: this.database,
          environment: appEnvironment,
          alarms,
        }))
      : [];
    this.modeledRolloutSeconds = Math.max(web.modeledRolloutSeconds, backend.modeledRolloutSeconds);
    new TerraformOutput(this, "migration_task_family", { value: this.migrationTask.family, description: "Run before services move to a new image: aws ecs run-task --task-definition <family>" });
    new TerraformOutput(this, "modeled_rollout_seconds", { value: this.modeledRolloutSeconds, description: "Health checks to healthy + connection draining" });
  }

  /** The app tasks' security group (egress only; services and the database add their ingress). */
  private createAppSecurityGroup(env: EnvironmentConfig, vpcId: string): SecurityGroup {
    const sg = new SecurityGroup(this, "app-sg", {
      name: this.names.of("app"),
      description: `App tasks of ${env.name}`,
      vpcId,
      tags: { Name: this.names.of("app") },
    });
    new VpcSecurityGroupEgressRule(this, "app-egress", {
      securityGroupId: sg.id,
      cidrIpv4: "0.0.0.0/0",
      ipProtocol: "-1",
      description: "Outbound via NAT / S3 endpoint",
    });
    new TerraformOutput(this, "app_security_group_id", { value: sg.id });
    return sg;
  }

  /** An aliased AWS provider for a second region (e.g. the backup copy vault). */
  private awsProviderIn(region: string, deployment: Deployment): AwsProvider {
    return new AwsProvider(this, `aws-${region}`, awsProviderConfig(this.env, deployment, { tags: defaultTags(this.env), region, alias: region }));
  }
}
