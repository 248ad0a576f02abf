// One lint configuration for every workspace, type-aware so that floating promises are caught.
import js from '@eslint/js';
import { importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/*.js', '**/*.cjs', '.local/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    rules: {
      // Imports in one order everywhere: Node's own, then packages (ours among them), then the
      // workspace's own modules; each group alphabetical, a blank line between groups.
      'import-x/order': [
        'error',
        {
          groups: ['builtin', 'external', ['internal', 'parent', 'sibling', 'index']],
          pathGroups: [{ pattern: '@orderpulse/**', group: 'external' }],
          pathGroupsExcludedImportTypes: ['builtin'],
          'newlines-between': 'always',
          alphabetize: { order: 'asc', caseInsensitive: true },
        },
      ],
      '@typescript-eslint/no-floating-promises': 'error',
      // Handlers keep the async signature their caller expects even when they await nothing.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@orderpulse/*/*'], message: 'import a workspace package through its root only' }] },
      ],
    },
  },
  {
    // Layers (docs/architecture.md): a service's domain is pure. It never loads an adapter
    // (data-access, providers), an entry point or an infrastructure client at run time; ports are
    // types only, wired in by the service's composition root. layers.test.ts shows this failing.
    files: ['services/*/src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@orderpulse/*/*'], message: 'import a workspace package through its root only' },
            {
              group: [
                '**/data-access/**',
                '**/providers/**',
                '**/entry-points/**',
                '**/*-service',
                '**/main',
                '**/config',
              ],
              message:
                'domain code imports no adapter, entry point or wiring at run time: declare a port (a type) and have the service wire it',
              allowTypeImports: true,
            },
            {
              group: [
                'kafkajs',
                'mongoose',
                'mongodb',
                'bullmq',
                'ioredis',
                'express',
                '@aws-sdk/*',
                'sharp',
                'prom-client',
                'pino',
                '@opentelemetry/*',
                '@orderpulse/kafka',
                '@orderpulse/jobs',
                '@orderpulse/outbox',
                '@orderpulse/object-store',
                '@orderpulse/telemetry',
              ],
              message: 'domain code loads no infrastructure client at run time: take what it needs through a port',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    // The scripts (infra/local, bench, fuzz/run.mjs): plain ES modules, type-checked by
    // tsconfig.scripts.json from their JSDoc, linted here without the type-aware rules.
    files: ['**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    rules: {
      ...tseslint.configs.disableTypeChecked.rules,
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    files: ['**/test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
      // jest's asymmetric matchers are typed as any, and tests read JSON bodies they then assert on.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
