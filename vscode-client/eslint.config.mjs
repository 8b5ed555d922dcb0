// ESLint flat config for the extension (`npm run lint`, part of `make lint`).
// typescript-eslint's recommended rules with type information off: fast, and stable while the
// code changes; tsc (strict, noUnused*) already covers what type-aware rules would add.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["out/**", "node_modules/**", "*.vsix", "e2e/**/node_modules/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      // tsc's noUnusedLocals/noUnusedParameters report these already, with the same meaning.
      "@typescript-eslint/no-unused-vars": "off",
      eqeqeq: ["error", "always", { null: "ignore" }],
      "no-console": "off",
    },
  },
  {
    // The end-to-end driver: a plain CommonJS extension that VS Code loads as is.
    files: ["**/*.js"],
    languageOptions: {
      sourceType: "commonjs",
      globals: {
        require: "readonly", module: "writable", exports: "writable", __dirname: "readonly",
        process: "readonly", console: "readonly", setTimeout: "readonly", clearTimeout: "readonly",
      },
    },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
