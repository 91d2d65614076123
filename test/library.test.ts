/**
 * The library/app split: lib/ never imports the app and no library construct takes the app's
 * EnvironmentConfig; lib/index.ts is the one entry point and exports the public constructs.
 * (ESLint's no-restricted-imports enforces the first at lint time; this checks the built tree.)
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as lib from "../lib";

const LIB = path.join(__dirname, "..", "lib");
const files = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []));

describe("the library", () => {
  const sources = files(LIB).map((f) => ({ file: path.relative(LIB, f), text: fs.readFileSync(f, "utf8") }));

  test("is grouped by concern", () => {
    expect([...new Set(sources.map((s) => s.file.split(path.sep)[0]))].filter((d) => !d!.endsWith(".ts")).sort()).toEqual(["ci", "compute", "core", "cost", "data", "edge", "network", "observability", "policy", "storage"]);
  });

  test("imports nothing from the app", () => {
    const offending = sources.filter((s) => /from\s+["'](\.\.\/)+(environments|stacks|scripts|bench|test|app|main)\b/.test(s.text)).map((s) => s.file);
    expect(offending).toEqual([]);
  });

  test("no construct takes the app's EnvironmentConfig", () => {
    expect(sources.filter((s) => /\bEnvironmentConfig\b/.test(s.text)).map((s) => s.file)).toEqual([]);
  });

  test("one entry point exports the public constructs and helpers", () => {
    for (const name of ["Network", "FargateService", "FargateTask", "ScheduledTask", "LoadBalancer", "PostgresDatabase", "UploadBucket", "Guardrails", "GithubOidcRole", "StateBucket", "planRoutes", "databaseAccess", "transform", "lifecycleOf", "Names"])
      expect(lib).toHaveProperty(name);
  });
});
