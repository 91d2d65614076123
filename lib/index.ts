/**
 * The library: reusable constructs grouped by concern, each with narrow typed props. It never
 * imports the app (environments/, stacks/, app.ts, main.ts): lint enforces it. Import from here, or
 * from a concern's file when only one construct is needed (faster to load).
 *
 * - ci: GitHub Actions OIDC roles (one trusted subject each)
 * - core: naming, errors, IPv4 maths, safety tiers (Lifecycle), the escape hatch (transform)
 * - network: VPC, subnets, NAT, endpoints, flow logs
 * - compute: ECS cluster, ECR, Fargate tasks and services, listener routing, ALB + WAF, schedules
 * - data: Postgres, read replicas, backups, preview databases, typed database access
 * - storage: private upload bucket, access-log bucket, Terraform state bucket
 * - edge: Cloudflare zone settings, rulesets, DNS, certificates, plan limits
 * - observability: alarm topic, service / database / queue alarms
 * - policy: the guardrails aspect
 */
export * from "./ci/github-oidc-role";
export * from "./compute/connection";
export * from "./compute/container-repository";
export * from "./compute/ecs-cluster";
export * from "./compute/fargate-service";
export * from "./compute/fargate-sizes";
export * from "./compute/fargate-task";
export * from "./compute/load-balancer";
export * from "./compute/route-plan";
export * from "./compute/schedule-expression";
export * from "./compute/schedule-group";
export * from "./compute/scheduled-task";
export * from "./compute/web-acl";
export * from "./core/errors";
export * from "./core/ipv4";
export * from "./core/lifecycle";
export * from "./core/naming";
export * from "./core/transform";
export * from "./data/database-access";
export * from "./data/database-admin-tasks";
export * from "./data/database-backups";
export * from "./data/database-connection";
export * from "./data/database-roles";
export * from "./data/postgres-database";
export * from "./data/preview-database-tasks";
export * from "./edge/cloudflare-ips";
export * from "./edge/edge-certificates";
export * from "./edge/edge-dns-records";
export * from "./edge/edge-plan-limits";
export * from "./edge/edge-rulesets";
export * from "./edge/edge-zone-settings";
export * from "./edge/origin-verify";
export * from "./network/network";
export * from "./observability/alarm-topic";
export * from "./observability/database-alarms";
export * from "./observability/queue-alarms";
export * from "./observability/service-alarms";
export * from "./policy/guardrails";
export * from "./storage/access-log-bucket";
export * from "./storage/state-bucket";
export * from "./storage/upload-bucket";
