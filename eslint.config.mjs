import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Layers only look down (docs/architecture.md): each block below lists what a layer may NOT
// import. A relative import that climbs out (`../`) into a layer folder is matched by that folder's
// name, so `../../store/x` from shared/domain/probes/ and `../store/x` from shared/domain/ both count
// (a sibling file such as `./http` does not). test/, bench/, scripts/ and
// infra/local, infra/aws may import anything. test/unit/layers.test.ts proves each rule fires.
const relativeInto = (...dirs) => `^(\\.\\./)+(shared/)?(${dirs.join('|')})/`;
const upward = (message, ...dirs) => ({ regex: relativeInto(...dirs), message });
const layerRule = (patterns, paths = []) => ['error', { patterns, paths }];
const noIo = [
  { name: 'node:fs', message: 'The domain does no I/O: read files in store/adapters/infra and pass the data in.' },
  {
    name: 'node:fs/promises',
    message: 'The domain does no I/O: read files in store/adapters/infra and pass the data in.',
  },
  { name: 'node:http', message: 'The domain does no I/O: HTTP clients live in shared/adapters/.' },
  { name: 'node:https', message: 'The domain does no I/O: HTTP clients live in shared/adapters/.' },
  // isIP is a pure check; sockets are I/O.
  {
    name: 'node:net',
    allowImportNames: ['isIP'],
    message: 'The domain does no I/O: sockets live in functions/ or shared/adapters/.',
  },
];
const noAwsSdk = {
  group: ['@aws-sdk/*'],
  message: 'No AWS SDK in the domain: DynamoDB lives in shared/store/, other services in shared/adapters/.',
};
const domainPatterns = [
  upward(
    'shared/domain/ is pure: it imports only the domain and events/ (contracts sit below the domain).',
    'store',
    'adapters',
    'app',
    'http',
    'api',
    'observability',
    'functions',
    'infra',
  ),
];

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', '.local/', '.tools/', 'coverage/', 'docs/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // Bundle size (docs/decisions/0011): esbuild drops the unused parts of zod only through a namespace
    // import; `import { z } from 'zod'` (a re-exported namespace) keeps all of it, ~95 KB more per bundle.
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "ImportDeclaration[source.value=/^zod/][importKind='value'] > ImportSpecifier[imported.name='z'][importKind='value']",
          message:
            "Import zod as `import * as z from 'zod'`: `import { z }` bundles all of zod (~95 KB more; docs/decisions/0011).",
        },
      ],
    },
  },
  {
    files: ['events/**/*.ts'],
    rules: {
      'no-restricted-imports': layerRule([
        {
          regex: '^\\.\\./',
          message: 'events/ (the published contracts) imports nothing from the rest of the project.',
        },
      ]),
    },
  },
  {
    files: ['shared/domain/**/*.ts'],
    rules: { 'no-restricted-imports': layerRule([...domainPatterns, noAwsSdk], noIo) },
  },
  {
    files: ['shared/store/**/*.ts', 'shared/adapters/**/*.ts', 'shared/observability/**/*.ts'],
    rules: {
      'no-restricted-imports': layerRule([
        upward(
          'shared/store/, shared/adapters/ and shared/observability/ sit below the application layer: no app/, http/, api/ or functions/.',
          'app',
          'http',
          'api',
          'functions',
          'infra',
        ),
      ]),
    },
  },
  {
    files: ['shared/app/**/*.ts'],
    rules: {
      'no-restricted-imports': layerRule([
        upward(
          'shared/app/ (orchestration) sits below the HTTP layer and the function entries: no http/, api/ or functions/.',
          'http',
          'api',
          'functions',
          'infra',
        ),
      ]),
    },
  },
  {
    files: ['shared/http/**/*.ts', 'shared/api/**/*.ts'],
    rules: {
      'no-restricted-imports': layerRule([upward('shared/ never imports functions/ or infra/.', 'functions', 'infra')]),
    },
  },
  {
    // A function's folder is its own: what two functions share goes to shared/.
    files: ['functions/**/*.ts'],
    rules: {
      'no-restricted-imports': layerRule([
        {
          regex: '^\\.\\./(?!\\.)',
          message: "A function imports no other function's folder: move what they share to shared/app/ (or below).",
        },
        upward('functions/ do not import infra/: the catalog wires them, not the other way round.', 'infra'),
      ]),
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        __dirname: 'readonly',
        console: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
