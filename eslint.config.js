import js from "@eslint/js";
import tseslint from "typescript-eslint";

/**
 * The layers of src/, lowest first. A module may import its own layer and the ones below it, never one
 * above: core ← net ← config ← auth ← api ← tools ← mcp ← terminal (runtime.ts and cli.ts, at the
 * root, compose them). The message names the rule a reader needs to fix the import.
 */
const LAYERS = ["core", "net", "config", "auth", "api", "tools", "mcp", "terminal"];
const above = (layer) => LAYERS.slice(LAYERS.indexOf(layer) + 1);
const layerRules = LAYERS.map((layer) => ({
  files: [`src/${layer}/**/*.ts`],
  rules: {
    "no-restricted-imports": [
      "error",
      {
        patterns: [
          {
            group: [...above(layer).map((up) => `**/${up}/**`), "**/runtime.js", "**/cli.js"],
            message: `src/${layer} may import only its own layer and the ones below it (core ← net ← config ← auth ← api ← tools ← mcp ← terminal): depend downwards, or move the shared piece down.`,
          },
          ...(layer === "tools"
            ? [
                {
                  group: ["**/auth/store/**", "**/auth/flows/**", "**/auth/session.js", "**/auth/signin.js", "**/net/**"],
                  message:
                    "Tools reach Cronicorn only through the API client (src/api/client.ts) and sign-in only through the gate in their context: never a store, a flow, the session or the network layer.",
                },
              ]
            : []),
          ...(layer === "api"
            ? [
                {
                  group: ["**/auth/store/**", "**/auth/flows/**", "**/auth/session.js", "**/auth/signin.js"],
                  message: "The API client sees credentials only through the Authorizer seam (src/auth/credential.ts).",
                },
              ]
            : []),
        ],
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**", ".stryker-tmp/**", "reports/**", ".bench/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  {
    files: ["src/**/*.ts"],
    ignores: ["src/cli.ts"],
    rules: {
      // stdout carries JSON-RPC: diagnostics go through src/core/log.ts to stderr.
      "no-console": "error",
    },
  },
  {
    files: ["src/**/*.ts"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector: "ImportDeclaration[source.value='zod'] > ImportSpecifier[imported.name='z']",
          message: 'Use `import * as z from "zod"`: the named `z` pulls all of zod (every locale) into the bundle.',
        },
      ],
    },
  },
  ...layerRules,
  {
    files: ["test/**/*.mjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly" } },
  },
  {
    // CommonJS (bin/package.json): the process entry starts without Node's ES module loader; and a test's
    // preload (node -r), which runs before it.
    files: ["bin/**/*.js", "test/**/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: { require: "readonly", process: "readonly", console: "readonly" } },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
