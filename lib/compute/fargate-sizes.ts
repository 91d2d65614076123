/** Fargate CPU units. */
export type FargateCpu = 256 | 512 | 1024 | 2048 | 4096;

/**
 * Fargate's accepted memory (MiB) per CPU value (Amazon ECS Developer Guide, "Task CPU and memory":
 * any other pair is refused when the task definition is registered, which `terraform plan` does not check).
 */
export const FARGATE_MEMORY: Readonly<Record<FargateCpu, readonly number[]>> = {
  256: [512, 1024, 2048],
  512: [1024, 2048, 3072, 4096],
  1024: [2048, 3072, 4096, 5120, 6144, 7168, 8192],
  2048: Array.from({ length: 13 }, (_, i) => 4096 + i * 1024),
  4096: Array.from({ length: 23 }, (_, i) => 8192 + i * 1024),
};
