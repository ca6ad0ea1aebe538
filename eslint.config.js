// Lint: ESLint's and typescript-eslint's recommended rules, the few that catch real mistakes
// in this code base (promises left floating, unused code), and the architecture: which folder
// may import which (README, "Architecture"), no import cycles, and SQL only in repositories.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { importX } from 'eslint-plugin-import-x';

// The layers, lowest first; a layer imports only from the layers before it (and itself).
const DOMAIN = ['src/domain'];
const INFRA = ['src/infra', 'src/http', 'src/config.ts'];
const MODULES = ['src/modules'];
const APP = ['src/app.ts', 'src/app-deps.ts', 'src/runtime.ts', 'jobs'];
const MAIN = ['src/main.ts', 'src/cli.ts', 'src/cli-extensions.ts'];
// The simulator and the benches are tools beside the service: the service never imports them.
const TOOLS = ['src/simulate', 'bench'];

const above = (layers) => layers.flat();
const layerZones = [
  { target: DOMAIN, from: above([INFRA, MODULES, APP, MAIN, TOOLS]), message: 'the domain imports only the domain' },
  { target: INFRA, from: above([MODULES, APP, MAIN, TOOLS]), message: 'infra (and the HTTP edge) import only the domain and infra' },
  { target: MODULES, from: above([APP, MAIN, TOOLS]), message: 'features import the domain, infra and other features, never the app or main layers' },
  { target: APP, from: above([MAIN, TOOLS]), message: 'the app layer never imports main or the tools' },
  { target: ['migrations'], from: above([INFRA, MODULES, APP, MAIN, TOOLS]), message: 'a migration stands alone' },
].map((z) => ({ ...z, target: z.target.map((t) => `./${t}`), from: z.from.map((f) => `./${f}`) }));

export default tseslint.config(
  { ignores: ['node_modules/', '.data/', 'test-artifacts/', 'bench-results/', 'sim-out/', 'dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['src/**/*.ts', 'jobs/**/*.ts', 'migrations/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [importX.createNodeResolver({ extensions: ['.ts', '.js'] })],
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: layerZones }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    // SQL lives in repositories and infra: services, routes and jobs call them.
    files: ['src/**/*.ts', 'jobs/**/*.ts'],
    ignores: ['src/infra/**', 'src/**/repository.ts', 'src/**/*-repository.ts', 'src/simulate/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'kysely', importNames: ['sql'], message: 'SQL belongs in a repository (src/modules/*/repository.ts) or src/infra', allowTypeImports: true },
            { name: 'pg', message: 'SQL belongs in a repository or src/infra', allowTypeImports: true },
            { name: 'pg-copy-streams', message: 'COPY belongs in a repository', allowTypeImports: true },
          ],
        },
      ],
    },
  },
  {
    files: ['src/web/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
