/**
 * The rule pack: every guardrail rule, one per file. Guardrails runs them all on every stack;
 * docs/guardrails.md is generated from this list (npm run docs:guardrails), in this order.
 */
import type { GuardrailRule } from "../rule";
import { acmLookupKeyTypes } from "./acm-lookup-key-types";
import { acmLookupMostRecent } from "./acm-lookup-most-recent";
import { albCertificatesPerLoadBalancer } from "./alb-certificates-per-load-balancer";
import { alarmEvaluationRange } from "./alarm-evaluation-range";
import { compositeAlarmChildren } from "./composite-alarm-children";
import { albListenerRulesQuota } from "./alb-listener-rules-quota";
import { albTargetGroupsQuota } from "./alb-target-groups-quota";
import { alertTargetRetryDlq } from "./alert-target-retry-dlq";
import { bucketPublicAccess } from "./bucket-public-access";
import { dbParameterGroupFamily } from "./db-parameter-group-family";
import { ecrLifecycleAnyRuleCountsEveryImage } from "./ecr-lifecycle-any-rule-counts-every-image";
import { ecrLifecycleKeepsRunningImages } from "./ecr-lifecycle-keeps-running-images";
import { ecsSecretValueFrom } from "./ecs-secret-valuefrom";
import { fargateCpuMemory } from "./fargate-cpu-memory";
import { fargateSpotPlatform } from "./fargate-spot-platform";
import { iamRoleTrustPolicySize } from "./iam-role-trust-policy-size";
import { lbAccessLogsAfterBucketPolicy } from "./lb-access-logs-after-bucket-policy";
import { lbTargetGroupNameLength } from "./lb-target-group-name-length";
import { listenerRuleConditionValues } from "./listener-rule-condition-values";
import { logRetention } from "./log-retention";
import { logRetentionValues } from "./log-retention-values";
import { oidcProviderUniqueUrl } from "./oidc-provider-unique-url";
import { openIngress } from "./open-ingress";
import { rdsInstanceClassExists } from "./rds-instance-class-exists";
import { rdsPerformanceInsightsClass } from "./rds-performance-insights-class";
import { rdsReplicaSourceBackups } from "./rds-replica-source-backups";
import { replicaOfManagedPassword } from "./replica-of-managed-password";
import { s3NotificationAfterQueuePolicy } from "./s3-notification-after-queue-policy";
import { schedulerFlexibleWindow } from "./scheduler-flexible-window";
import { schedulerRetryPolicyRange } from "./scheduler-retry-policy-range";
import { secretsRecoveryWindow } from "./secrets-recovery-window";
import { sqsDlqRetention } from "./sqs-dlq-retention";
import { statefulProtection } from "./stateful-protection";
import { wafRateLimitMinimum } from "./waf-rate-limit-minimum";

export const RULES: readonly GuardrailRule[] = [
  // Stateful resources and exposure
  statefulProtection,
  openIngress,
  bucketPublicAccess,
  // Identity (IAM roles, OIDC providers)
  iamRoleTrustPolicySize,
  oidcProviderUniqueUrl,
  // Database (RDS for PostgreSQL, Secrets Manager)
  replicaOfManagedPassword,
  rdsReplicaSourceBackups,
  rdsInstanceClassExists,
  rdsPerformanceInsightsClass,
  dbParameterGroupFamily,
  secretsRecoveryWindow,
  // Compute and load balancing (ECS, ECR, ALB)
  fargateCpuMemory,
  fargateSpotPlatform,
  ecsSecretValueFrom,
  ecrLifecycleKeepsRunningImages,
  ecrLifecycleAnyRuleCountsEveryImage,
  lbTargetGroupNameLength,
  listenerRuleConditionValues,
  albListenerRulesQuota,
  albTargetGroupsQuota,
  lbAccessLogsAfterBucketPolicy,
  // Certificates (ACM lookups)
  acmLookupMostRecent,
  acmLookupKeyTypes,
  albCertificatesPerLoadBalancer,
  // Events, alerts, logs, storage, WAF
  alertTargetRetryDlq,
  schedulerRetryPolicyRange,
  schedulerFlexibleWindow,
  s3NotificationAfterQueuePolicy,
  sqsDlqRetention,
  alarmEvaluationRange,
  compositeAlarmChildren,
  logRetention,
  logRetentionValues,
  wafRateLimitMinimum,
];
