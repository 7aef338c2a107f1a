// The layer table: the one place that says which folder may import which. Imports point down only,
// so the domain (core) can be tested and reused without AWS, and every AWS SDK call sits behind one
// adapter with one error mapping. docs/architecture.md explains each layer.
//
// A file belongs to the FIRST layer whose globs match its repo-relative path (`*` is one path
// segment, `**` any depth), so narrower folders come before the folders that contain them.
// `mayImport` names layers and package groups; a layer lists itself when its files import each other.

/** Bare package specifiers that belong to one platform; any other npm package is free everywhere. */
export const PACKAGE_GROUPS = {
  '@aws-sdk': ['@aws-sdk/**'],
  cdk: ['aws-cdk-lib', 'aws-cdk-lib/**', 'constructs', 'constructs/**', 'cdk-nag', 'cdk-nag/**'],
  powertools: ['@aws-lambda-powertools/**'],
  middy: ['@middy/**'],
};

/** @type {ReadonlyArray<{ name: string, files: string[], mayImport: string[] | '*', why: string }>} */
export const LAYERS = [
  {
    name: 'core',
    files: ['lambdas/core/**'],
    mayImport: ['core'],
    why: 'the domain: runs anywhere, owns the ports the adapters implement',
  },
  {
    name: 'adapters',
    files: ['lambdas/adapters/**'],
    mayImport: ['adapters', 'core', '@aws-sdk'],
    why: 'every AWS SDK call, implementing the ports of core',
  },
  {
    name: 'runtime',
    files: ['lambdas/runtime/**'],
    mayImport: ['runtime', 'adapters', 'core', 'powertools', 'middy'],
    why: 'the one wiring point: environment names, config, dependencies, the handler wrapper',
  },
  {
    name: 'handlers',
    files: ['lambdas/*/handler.ts'],
    mayImport: ['runtime', 'core'],
    why: 'thin: parse the event, call core, shape the result',
  },
  {
    name: 'cli',
    files: ['lib/cli/**'],
    // `prt local` starts the embedded stack, which sits below the CLI.
    mayImport: ['cli', 'config', 'local', 'runtime', 'adapters', 'core'],
    why: 'the same core through the same wiring, for people',
  },
  {
    name: 'local',
    files: ['lib/local/**'],
    // The embedded stand-in for AWS runs the real handlers and seeds its servers with SDK calls.
    mayImport: ['local', 'config', 'handlers', 'runtime', 'adapters', 'core', '@aws-sdk', 'powertools'],
    why: 'the embedded AWS stand-in behind `npm start` and the integration tests',
  },
  {
    name: 'config',
    files: ['lib/config/**'],
    mayImport: ['config', 'runtime'],
    why: 'project and environment configuration shared by the CDK app, the CLI and the embedded stack',
  },
  {
    name: 'cdk',
    files: ['lib/**'],
    // Functions are configured with environment-variable names the runtime reads.
    mayImport: ['cdk', 'config', 'runtime'],
    why: 'the CDK constructs that deploy the functions, never run inside them',
  },
  { name: 'bin', files: ['bin/**'], mayImport: '*', why: 'entry points wire everything' },
  { name: 'test', files: ['test/**'], mayImport: '*', why: 'tests reach every layer' },
];

/** The layer the process.env ban applies to: configuration is read once, in the runtime. */
export const NO_PROCESS_ENV_LAYERS = ['core'];

/**
 * Core's areas (its folders) each have one public face, their index.ts: the names other layers use.
 * Files of these layers import an area through it, so an area can rearrange its files without its
 * importers noticing; core itself (an area's own files, core-to-core imports) and tests may go deep.
 */
export const CORE_FACES = { root: 'lambdas/core', face: 'index.ts', deepAllowed: ['core', 'test'] };
