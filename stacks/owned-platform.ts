import { TerraformOutput, Token, type TerraformStack } from "cdktf";
import type { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { ContainerRepository } from "../lib/compute/container-repository";
import { EcsCluster } from "../lib/compute/ecs-cluster";
import { LoadBalancer } from "../lib/compute/load-balancer";
import { lifecycleOf } from "../lib/core/lifecycle";
import type { Names } from "../lib/core/naming";
import { DatabaseBackups } from "../lib/data/database-backups";
import { PostgresDatabase } from "../lib/data/postgres-database";
import { DatabaseAdminTasks, psqlScript } from "../lib/data/database-admin-tasks";
import { ADOPT_PUBLIC_SQL, BOOTSTRAP_SQL } from "../lib/data/database-roles";
import { declareAlertWebhooks, declareMasterPassword } from "./stack-inputs";
import { ORIGIN_VERIFY_HEADER } from "../lib/edge/origin-verify";
import { Network } from "../lib/network/network";
import { AlarmTopic, type AlertTarget } from "../lib/observability/alarm-topic";
import { EnvironmentBudget } from "../lib/observability/environment-budget";
import { MetricsWorkspace, type MetricsTarget } from "../lib/observability/prometheus-metrics";
import type { EnvironmentConfig } from "../environments/types";
import { PREVIEW_BASE, previewRepository } from "../environments/schema";
import { previewCapacity } from "../environments/preview-capacity";
import { createAppSecurityGroup } from "./app-security-group";
import type { Deployment } from "./deployment";
import { hostsWithOwnCertificate } from "./edge-contract";
import { LbListenerCertificate } from "@cdktf/provider-aws/lib/lb-listener-certificate";
import { edgeCertificateArn } from "./edge-state";
import type { Platform } from "./platform";
import { publishShared, repositoriesOf } from "./shared-state";

export interface OwnedPlatformProps {
  /** The environment (prod or staging). */
  readonly env: EnvironmentConfig;
  /** Naming helper of the stack. */
  readonly names: Names;
  /** Online (the certificates are looked up in ACM) or offline (stand-in certificate ARNs). */
  readonly deployment: Deployment;
  /** Origin-verify values the listener accepts (current, and previous while rotating). */
  readonly originVerifyValues: string[];
  /** Provider for a second region (the backup copy vault), made on demand. */
  readonly providerIn: (region: string) => AwsProvider;
}

/**
 * The platform of an environment that owns it (prod, staging): network, app security group,
 * alarm topic, Postgres (+ AWS Backup), ECS cluster, one ECR repository per repository its services
 * and jobs name (staging: plus one preview repository each), and the ALB with its WAF; everything
 * previews borrow is published as outputs.
 *
 * Not a Construct on purpose: its resources are created directly on the stack, under the construct
 * ids deployments already have in state (`network`, `database`, `web-repository`, ...), so this
 * refactor moves no Terraform address (a new parent construct would replace the database).
 *
 * Tested via: test/stacks/environment-stack.test.ts, test/stacks/plan.test.ts, test/stacks/addresses.test.ts
 */
export class OwnedPlatform implements Platform {
  readonly network: Network;
  readonly appSecurityGroupId: string;
  readonly alarmTopicArn: string;
  readonly alarms: AlertTarget;
  readonly metrics?: MetricsTarget;
  readonly cluster: EcsCluster;
  readonly loadBalancer: LoadBalancer["attachment"];
  readonly routePlacement = { kind: "owner" } as const;
  readonly repositories: Readonly<Record<string, ContainerRepository>>;
  /**
   * The preview base (staging) only: per repository, the one preview builds push `pr-<n>-<sha>` to
   * and previews pull from (`<app>-staging-<repository>-previews`). Empty for prod.
   */
  readonly previewRepositories: Readonly<Record<string, ContainerRepository>>;
  readonly database: PostgresDatabase;
  /** The ALB (DNS stacks point the hostname at its DNS name through the shared outputs). */
  readonly lb: LoadBalancer;

  constructor(stack: TerraformStack, props: OwnedPlatformProps) {
    const { env, names } = props;
    const lifecycle = lifecycleOf(env.safetyTier);
    this.network = new Network(stack, "network", { names, lifecycle, cidr: env.network.cidr, availabilityZones: env.aws.availabilityZones, region: env.aws.region, nat: env.network.nat });
    this.appSecurityGroupId = createAppSecurityGroup(stack, names, this.network.vpcId).id;
    const alarmTopic = new AlarmTopic(stack, "alarms", {
      names,
      lifecycle,
      accountId: env.aws.accountId,
      subscriptions: env.observability.emails.map((endpoint) => ({ protocol: "email" as const, endpoint })),
      webhooks: declareAlertWebhooks(stack, env.observability.webhooks ?? []),
    });
    if (env.observability.budgetUsd !== undefined) new EnvironmentBudget(stack, "budget", { names, monthlyUsd: env.observability.budgetUsd, topicArn: alarmTopic.arn });
    // An Amazon Managed Prometheus workspace when a service exposes metrics.
    this.metrics = Object.values(env.services).some((s) => s.metrics) ? new MetricsWorkspace(stack, "metrics", { names, region: env.aws.region }).target : undefined;
    this.alarmTopicArn = alarmTopic.arn;
    this.alarms = { topicArn: alarmTopic.arn, deadLetterArn: alarmTopic.deadLetterArn };
    new TerraformOutput(stack, "alarm_fallback_topic_arn", { value: alarmTopic.fallbackTopicArn, description: "Subscribe on-call here too: the undelivered-alerts alarm also publishes here, in case the alarm topic is what broke" });
    this.database = new PostgresDatabase(stack, "database", {
      names,
      lifecycle,
      database: env.database,
      availabilityZones: env.aws.availabilityZones,
      region: env.aws.region,
      network: this.network,
      alarmTopicArn: this.alarmTopicArn,
      allowFrom: [this.appSecurityGroupId],
      masterPassword: { value: declareMasterPassword(stack), version: env.database.masterPasswordVersion },
    });
    // The one-off tasks that read the master secret: db-bootstrap creates the app's users and grants
    // (idempotent); db-adopt-public moves a pre-IAM install's tables out of public, once (docs/database.md).
    const admin = new DatabaseAdminTasks(stack, "database-admin", {
      names,
      lifecycle,
      region: env.aws.region,
      engineVersion: env.database.engineVersion,
      database: this.database.primary,
      masterSecretArn: this.database.secretArn,
      tasks: {
        "db-bootstrap": { script: psqlScript(BOOTSTRAP_SQL), environment: { PGDATABASE: this.database.primary.databaseName } },
        "db-adopt-public": { script: psqlScript(ADOPT_PUBLIC_SQL), environment: { PGDATABASE: this.database.primary.databaseName } },
      },
    });
    new TerraformOutput(stack, "db_bootstrap_task_family", { value: admin.families["db-bootstrap"], description: "One-off task creating the database users and grants (aws ecs run-task; docs/database.md)" });
    if (env.database.backupPlan) {
      const copyRegion = env.database.backupPlan.copyToRegion;
      new DatabaseBackups(stack, "database-backups", { names, lifecycle, backupPlan: env.database.backupPlan, instanceArn: this.database.instanceArn, alarmTopicArn: this.alarmTopicArn, alertDeadLetterArn: alarmTopic.deadLetterArn, copyRegionProvider: copyRegion ? props.providerIn(copyRegion) : undefined });
    }
    this.cluster = new EcsCluster(stack, "cluster", { names });
    this.repositories = Object.fromEntries(
      repositoriesOf(env).map((name) => [name, new ContainerRepository(stack, `${name}-repository`, { names, lifecycle, name, keepImages: env.app.ecrKeepImages })]),
    );
    // Previews get their own repositories, never a pr- rule in staging's. ECR user guide, "Lifecycle
    // policy evaluation rules" (https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html):
    // "Rules can never mark images that are marked by higher priority rules, but can still identify
    // them as if they haven't been expired." So staging's keep-the-last-N rule (tagStatus any) counts
    // every pr- image too, and 30 PR pushes would expire the image staging runs (CannotPullContainerError
    // on the next task it starts); guardrail ecr-lifecycle-any-rule-counts-every-image flags such a policy.
    // Each preview repository keeps enough images for every open preview (previewCapacity).
    this.previewRepositories =
      env.name === PREVIEW_BASE
        ? Object.fromEntries(
            repositoriesOf(env).map((name) => [
              name,
              new ContainerRepository(stack, `${name}-preview-repository`, { names, lifecycle, name: previewRepository(name), keepImages: previewCapacity(env).ecrKeepImages }),
            ]),
          )
        : {};
    // Certificates the edge stack issued in this account and region, found in ACM: no environment
    // stack reads the edge state, which holds every class's origin-verify secret.
    const longLived = { ...env, name: env.name as "prod" | "staging" };
    this.lb = new LoadBalancer(stack, "load-balancer", {
      names,
      lifecycle,
      accountId: env.aws.accountId,
      region: env.aws.region,
      network: this.network,
      waf: env.app.waf,
      idleTimeoutSeconds: env.app.idleTimeoutSeconds,
      certificateArn: edgeCertificateArn(stack, "certificate", { env: longLived, deployment: props.deployment }),
      originVerifyHeader: ORIGIN_VERIFY_HEADER,
      originVerifyValues: props.originVerifyValues,
    });
    this.loadBalancer = this.lb.attachment;
    // Services routed by their own hostname: that host's certificate (edge stack) as an extra SNI certificate.
    for (const host of hostsWithOwnCertificate(env)) {
      const id = host.replace(/[^a-z0-9]+/g, "-");
      new LbListenerCertificate(stack, `listener-certificate-${id}`, {
        listenerArn: this.loadBalancer.httpsListenerArn,
        certificateArn: edgeCertificateArn(stack, `certificate-${id}`, { env: longLived, host, deployment: props.deployment }),
      });
    }
    publishShared(
      stack,
      {
        vpcId: this.network.vpcId,
        vpcCidr: this.network.vpcCidr,
        publicSubnetIds: this.network.publicSubnetIds,
        privateSubnetIds: this.network.privateSubnetIds,
        isolatedSubnetIds: this.network.isolatedSubnetIds,
        alarmTopicArn: this.alarmTopicArn,
        httpsListenerArn: this.loadBalancer.httpsListenerArn,
        albSecurityGroupId: this.loadBalancer.securityGroupId,
        albArnSuffix: this.loadBalancer.arnSuffix,
        albDnsName: this.lb.dnsName,
        clusterName: this.cluster.clusterName,
        clusterArn: this.cluster.clusterArn,
        dbHost: this.database.primary.host,
        dbPort: Token.asString(this.database.primary.port),
        dbSecretArn: this.database.secretArn,
        dbConnectArnPrefix: this.database.primary.connectArnPrefix,
        dbSecurityGroupId: this.database.securityGroupId,
      },
      this.repositories,
      this.previewRepositories,
    );
  }
}
