import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { FARGATE_MEMORY } from "../../compute/fargate-sizes";
import { defineRule, type Finding, type RuleContext } from "../rule";

const range = (from: number, to: number, step: number): number[] => Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);

/**
 * Every task CPU/memory pair Fargate accepts: the kit's FARGATE_MEMORY (what FargateTask offers,
 * up to 4 vCPU) plus the two larger sizes AWS also takes (8 and 16 vCPU, Linux platform 1.4.0+), so
 * a hand-written task definition of that size is not reported.
 */
export const FARGATE_TASK_SIZES: Readonly<Record<number, readonly number[]>> = {
  ...FARGATE_MEMORY,
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};

/**
 * A task-size string as ECS reads it: CPU units (`"512"`) or vCPU (`"0.5 vCPU"`), memory in MiB
 * (`"1024"`) or GB (`"1 GB"`); `undefined` for a reference or anything else this rule cannot read.
 */
function parseSize(ctx: RuleContext, value: unknown, unit: RegExp): number | undefined {
  const text = ctx.resolve(value);
  if (typeof text === "number") return text;
  if (typeof text !== "string" || text.includes("${")) return undefined;
  const plain = /^\s*(\d+)\s*$/.exec(text);
  if (plain) return Number(plain[1]);
  const scaled = new RegExp(`^\\s*(\\d*\\.?\\d+)\\s*${unit.source}\\s*$`, "i").exec(text);
  return scaled ? Math.round(Number(scaled[1]) * 1024) : undefined;
}

/**
 * A task definition that requires FARGATE sets task-level cpu and memory to a pair Fargate offers.
 * Literal values only (plain numbers, "N vCPU", "N GB"); a value from a reference is skipped.
 * The table is the Linux one; Windows tasks (1 vCPU minimum) are not told apart.
 */
export const fargateCpuMemory = defineRule({
  id: "fargate-cpu-memory",
  severity: "error",
  kind: "apply-time",
  summary: "An aws_ecs_task_definition requiring FARGATE sets task cpu and memory to a pair Fargate supports (e.g. 256 with 512, 1024 or 2048 MiB).",
  why: "RegisterTaskDefinition refuses any other pair (ClientException: No Fargate configuration exists for given values), so the task definition and everything that runs it fail at apply; the provider does not check the pair, so plan passes.",
  source: {
    title: "Amazon ECS Developer Guide: Troubleshoot Amazon ECS task definition invalid CPU or memory errors",
    url: "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-cpu-memory-error.html",
    quote: "For task definitions that specify FARGATE for the requiresCompatibilities parameter (even if EC2 is also specified), you must use one of the values in the following table.",
  },
  check: (ctx) => {
    const findings: Finding[] = [];
    for (const task of ctx.all(EcsTaskDefinition)) {
      const compat = ctx.resolve(task.requiresCompatibilitiesInput);
      if (!Array.isArray(compat) || !compat.includes("FARGATE")) continue;
      if (task.cpuInput === undefined || task.memoryInput === undefined) {
        findings.push({ resource: task, message: `requires FARGATE but sets no task-level ${task.cpuInput === undefined ? "cpu" : "memory"}; Fargate needs both, e.g. cpu "256" with memory "512"` });
        continue;
      }
      const cpu = parseSize(ctx, task.cpuInput, /vcpu/);
      const memory = parseSize(ctx, task.memoryInput, /gb/);
      if (cpu === undefined || memory === undefined) continue;
      const allowed = FARGATE_TASK_SIZES[cpu];
      if (!allowed)
        findings.push({ resource: task, message: `cpu ${JSON.stringify(ctx.resolve(task.cpuInput))} (${cpu} units) is not a Fargate size; use one of ${Object.keys(FARGATE_TASK_SIZES).join(", ")}` });
      else if (!allowed.includes(memory))
        findings.push({
          resource: task,
          message: `memory ${JSON.stringify(ctx.resolve(task.memoryInput))} (${memory} MiB) is not offered with cpu ${cpu} on Fargate; use ${allowed.length > 8 ? `${allowed[0]}–${allowed[allowed.length - 1]} in steps of ${allowed[1]! - allowed[0]!}` : allowed.join(", ")} MiB, or another cpu`,
        });
    }
    return findings;
  },
});
