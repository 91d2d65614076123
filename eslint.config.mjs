// ESLint flat config (style guide §9: documented props, enforced by lint).
// Not type-checked on purpose: syntax-only rules keep `npm run lint` fast.
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import cdk from "eslint-cdk-plugin";
import jsdoc from "eslint-plugin-jsdoc";
import tseslint from "typescript-eslint";

// Every property of an exported interface is public API: it needs a JSDoc block with a description.
const exportedInterfaceProperty = "ExportNamedDeclaration > TSInterfaceDeclaration > TSInterfaceBody > TSPropertySignature";

export default defineConfig(
  {
    // Only TypeScript is linted; the two CommonJS files (jest config, jest reporter) are left out.
    ignores: ["node_modules/", "cdktf.out/", ".gen/", "coverage/", ".offline/", "**/*.js", "**/*.cjs", "**/*.mjs"],
  },
  {
    files: ["**/*.ts"],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    rules: {
      // Destructuring a property out to drop it from `...rest` is how the code omits keys (scripts/lib/edge-checks.ts).
      "@typescript-eslint/no-unused-vars": ["error", { ignoreRestSiblings: true }],
      // `import x = require("m")` is TypeScript's typed import of a CommonJS `export =` module (s3rver).
      "@typescript-eslint/no-require-imports": ["error", { allowAsImport: true }],
      // One place reads the environment: main.ts for the app, plus the CLI entry points (scripts/, bench/)
      // and the tests. Constructs, stacks and runtime code receive settings as arguments.
      "no-restricted-properties": [
        "error",
        { object: "process", property: "env", message: "Only main.ts and the CLI entry points (scripts/, bench/) read process.env; pass settings in as arguments." },
      ],
    },
  },
  {
    // The library never imports the app: it takes narrow props, so another team can reuse it.
    files: ["lib/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/environments", "**/environments/**", "**/stacks", "**/stacks/**", "**/app", "**/main", "**/scripts/**", "**/bench/**", "**/test/**"],
              message: "lib/ is the library: it must not import the app (environments/, stacks/, app.ts, main.ts, scripts/). Take the value as a prop instead.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["main.ts", "scripts/**/*.ts", "bench/**/*.ts", "test/**/*.ts"],
    rules: { "no-restricted-properties": "off" },
  },
  {
    // Optional props of every `*Props` interface say what the code does when they are left out.
    files: ["**/*.ts"],
    ignores: ["test/**"],
    plugins: { cdk },
    rules: { "cdk/require-props-default-doc": "error" },
  },
  {
    // Documented public API: constructs and the environment config types.
    files: ["lib/**/*.ts", "environments/types.ts", "environments/schema.ts"],
    plugins: { jsdoc },
    settings: { jsdoc: { mode: "typescript" } },
    rules: {
      "jsdoc/require-jsdoc": [
        "error",
        {
          publicOnly: false,
          require: { FunctionDeclaration: false },
          contexts: [exportedInterfaceProperty],
        },
      ],
      "jsdoc/require-description": ["error", { contexts: [exportedInterfaceProperty] }],
      "jsdoc/check-tag-names": "error",
    },
  },
);
