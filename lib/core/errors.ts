import type { IConstruct } from "constructs";

/** A construct prop that cannot work. The message names the construct path, the prop and the fix. */
export class ConfigError extends Error {
  constructor(scope: IConstruct, prop: string, problem: string) {
    super(`${scope.node.path}: "${prop}" ${problem}`);
    this.name = "ConfigError";
  }
}
