import { Construct } from "constructs";
import { EcsCluster as EcsClusterResource } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EcsClusterCapacityProviders } from "@cdktf/provider-aws/lib/ecs-cluster-capacity-providers";
import type { Names } from "../core/naming";

/** What tasks and services need of a cluster. */
export interface ClusterAttributes {
  /**
   * Cluster name. EcsCluster gives it through the capacity-provider association, so services that
   * use it wait until FARGATE_SPOT is attached; previews read staging's from shared state.
   */
  readonly clusterName: string;
  /** Cluster ARN (scheduler targets and their `ecs:cluster` IAM condition). */
  readonly clusterArn: string;
}

export interface EcsClusterProps {
  /** Naming helper of the stack; the cluster is `<app>-<env>-cluster`. */
  readonly names: Names;
  /** Container Insights level. @default "enabled" ("enhanced" adds per-container metrics at extra cost) */
  readonly containerInsights?: "enabled" | "enhanced";
}

/**
 * ECS cluster with Container Insights (the running-vs-desired task alarms need its metrics) and
 * both Fargate capacity providers, so services can mix on-demand and Spot.
 * Tested via: test/constructs/fargate-service.test.ts
 */
export class EcsCluster extends Construct implements ClusterAttributes {
  readonly clusterName: string;
  readonly clusterArn: string;

  constructor(scope: Construct, id: string, props: EcsClusterProps) {
    super(scope, id);
    const cluster = new EcsClusterResource(this, "cluster", {
      name: props.names.of("cluster"),
      setting: [{ name: "containerInsights", value: props.containerInsights ?? "enabled" }],
    });
    const capacity = new EcsClusterCapacityProviders(this, "capacity", {
      clusterName: cluster.name,
      capacityProviders: ["FARGATE", "FARGATE_SPOT"],
      defaultCapacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1, base: 0 }],
    });
    // Through the capacity-provider association, so services wait until FARGATE_SPOT is attached.
    this.clusterName = capacity.clusterName;
    this.clusterArn = cluster.arn;
  }
}
