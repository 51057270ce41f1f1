// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const IO_MODULES = [
  'kafkajs',
  'pg',
  'fastify',
  'prom-client',
  '@kafkajs/*',
  '@fastify/*',
  'node:*',
  'fs',
  'net',
  'http',
];

export default tseslint.config(
  { ignores: ['**/node_modules/**', 'coverage/**', 'docs/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // kafkajs hands its callbacks (heartbeat, resolveOffset, …) over to be destructured; they are bound.
      '@typescript-eslint/unbound-method': 'off',
      // fastify plugins and handlers are async by contract even when they await nothing.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['**/*.test.ts'],
    rules: {
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // The domain stays pure: time and ids arrive as data; no I/O library may be imported.
    files: ['packages/domain/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: IO_MODULES.map((group) => ({ group: [group], message: 'domain code is pure: no I/O' })) },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'Date', message: 'take the time as data, not from the clock' },
      ],
    },
  },
  {
    files: ['packages/contract/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: IO_MODULES.map((group) => ({ group: [group], message: 'the contract is pure: no I/O' })),
        },
      ],
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
