// Lint: typescript-eslint's type-aware recommended rules (a floating promise in a Pulumi program
// is an update that never waits, an unsafe `any` hides a wrong field name); Prettier formats.
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "**/*.js", "**/*.mjs", "**/*.cjs"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Dynamic-provider methods and test callbacks are async by contract, awaiting or not.
      "@typescript-eslint/require-await": "off",
      // Its fix drops widening casts (`x as string`) that steer a generic's inference: tsc then fails.
      "@typescript-eslint/no-unnecessary-type-assertion": "off",
      // `_name` marks a value left out on purpose (destructuring it away, an unused parameter).
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
    },
  },
  {
    // Tests read JSON from CLIs and state files and reach into providers: `any` is the data there.
    files: ["test/**/*.ts", "bench/**/*.ts"],
    rules: {
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/unbound-method": "off",
      // Modules load after pulumi.runtime.setMocks, so they are required inside the tests.
      "@typescript-eslint/no-require-imports": "off",
    },
  },
  prettier,
);
