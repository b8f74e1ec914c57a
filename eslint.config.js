import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      '.wrangler/',
      'dist/',
      'worker/worker-configuration.d.ts',
      'bench/results/',
      'dashboard/public/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          allowDefaultProject: ['eslint.config.js'],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Shipped bundles: `import { z }` pulls all of zod (its locales too) into the Worker and the
    // sidecar; the namespace import lets esbuild keep only what is used (sidecar.mjs 1.1 → 0.55 MB).
    files: ['worker/**/*.ts', 'origin/**/*.ts', 'contracts/**/*.ts', 'dashboard/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...[
          // import { z } / import z (zod's default export is the same object) / export { z }
          "ImportDeclaration[source.value=/^zod(\\/|$)/][importKind!='type'] > ImportSpecifier[imported.name='z'][importKind!='type']",
          "ImportDeclaration[source.value=/^zod(\\/|$)/][importKind!='type'] > ImportDefaultSpecifier",
          'ExportNamedDeclaration[source.value=/^zod(\\/|$)/]',
        ].map((selector) => ({
          selector,
          message: "Use `import * as z from 'zod'` so bundles keep only what they use.",
        })),
      ],
    },
  },
  {
    // `expect.any()` and friends are typed `any`; tests use them on purpose.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
  {
    files: ['eslint.config.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
