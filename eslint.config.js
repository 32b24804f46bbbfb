import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const noImport = (patterns, message) => ({
  'no-restricted-imports': ['error', { patterns: patterns.map((group) => ({ group: [group], message })) }],
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'renderer/**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js', 'bin/dovetail.js'] }, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      'no-console': 'error',
    },
  },
  { files: ['eslint.config.js', 'bin/*.js'], ...tseslint.configs.disableTypeChecked, languageOptions: { globals: globals.node } },
  {
    files: ['src/protocol/**'],
    rules: noImport(['../*', 'node:*', 'fastify', 'better-sqlite3', 'axios'], 'protocol holds wire types only (zod)'),
  },
  {
    files: ['src/core/**'],
    rules: noImport(['electron', '**/hub/**', '**/cli/**', '**/console/**', '**/main/**', '**/renderer/**'], 'core is free of Electron, UI and the hub'),
  },
  {
    files: ['src/hub/**'],
    rules: noImport(['electron', '**/core/**', '**/cli/**', '**/console/**'], 'the hub depends on protocol only'),
  },
  {
    files: ['src/cli/**', 'scripts/**'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['test/**'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-unsafe-assignment': 'off', '@typescript-eslint/no-unsafe-member-access': 'off' },
  },
);
