import type { IConstruct } from "constructs";

/** A construct prop that cannot work. The message names the construct path, the prop and the fix. */
export class ConfigError extends Error {
  constructor(scope: IConstruct, prop: string, problem: string) {
    super(`${scope.node.path}: "${prop}" ${problem}`);
    this.name = "ConfigError";
  }

  /** The same error for a construct not created yet (a subclass checking props before `super`). */
  static before(scope: IConstruct, id: string, prop: string, problem: string): ConfigError {
    const error = new ConfigError(scope, prop, problem);
    error.message = `${scope.node.path ? `${scope.node.path}/` : ""}${id}: "${prop}" ${problem}`;
    return error;
  }
}
