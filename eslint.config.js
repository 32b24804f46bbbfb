import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const noImport = (patterns, message) => ({
  'no-restricted-imports': ['error', { patterns: patterns.map((group) => ({ group: [group], message })) }],
});

/** Folder import rules plus: raw ipcMain/ipcRenderer only through the typed wrappers. */
const desktopImports = (patterns, message) => ({
  'no-restricted-imports': [
    'error',
    {
      paths: [{ name: 'electron', importNames: ['ipcMain', 'ipcRenderer'], message: 'use the typed IPC wrappers (src/main/ipc.ts, src/preload/ipc.ts)' }],
      patterns: patterns.map((group) => ({ group: [group], message })),
    },
  ],
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'renderer/**/*.js', 'renderer/dist/**', 'renderer/.dist-*/**'] },
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
    files: ['src/contract/**'],
    rules: noImport(['node:*', '**/core/**', '**/hub/**', '**/cli/**', '**/console/**', '**/service/**', 'fastify', 'electron'], 'the contract holds types and zod schemas only'),
  },
  {
    files: ['src/service/**'],
    rules: noImport(['electron', '**/hub/**', '**/cli/**', '**/console/**', 'fastify'], 'the AgentApi implementation depends on core and the contract only'),
  },
  {
    files: ['src/console/**'],
    rules: noImport(['electron', '**/hub/**', '**/cli/**'], 'the console depends on core, service and the contract'),
  },
  // The Electron shell. Raw ipcMain/ipcRenderer only inside the typed wrappers (src/main/ipc.ts,
  // src/preload/ipc.ts); main never reaches the hub, CLI or renderer; the preload holds the bridge only.
  {
    // Main and preload are typed against Electron's bundled types (tsconfig.desktop.json).
    files: ['src/main/**', 'src/preload/**'],
    languageOptions: { parserOptions: { projectService: false, project: './tsconfig.desktop.json', tsconfigRootDir: import.meta.dirname } },
  },
  {
    files: ['src/main/**'],
    rules: desktopImports(['**/hub/**', '**/cli/**', '**/renderer/**', '**/preload/**'], 'main depends on core, service and the contract'),
  },
  {
    files: ['src/main/ipc.ts'],
    rules: noImport(['**/hub/**', '**/cli/**', '**/renderer/**', '**/preload/**'], 'main depends on core, service and the contract'),
  },
  {
    files: ['src/preload/**'],
    rules: desktopImports(['node:*', '**/core/**', '**/service/**', '**/console/**', '**/main/**', '**/hub/**', '**/cli/**', '**/renderer/**'], 'the preload imports the contract and electron only'),
  },
  {
    files: ['src/preload/ipc.ts'],
    rules: noImport(['node:*', '**/core/**', '**/service/**', '**/console/**', '**/main/**', '**/hub/**', '**/cli/**', '**/renderer/**'], 'the preload imports the contract and electron only'),
  },
  {
    files: ['renderer/**'],
    languageOptions: { globals: globals.browser },
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', 'electron', 'zod', '**/core/**', '**/hub/**', '**/cli/**', '**/console/**', '**/service/**', '**/protocol/**'], message: 'the windows run in a browser and speak the AgentApi contract only' },
            { group: ['**/contract/**'], allowTypeImports: true, message: 'the windows import contract types only (no runtime code)' },
          ],
        },
      ],
    },
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
