/**
 * The layers rule: an import pointing down the layer table passes, one pointing up (or at a
 * platform package the layer may not use) fails with the rule's message, and core may not read
 * process.env however it reaches it.
 */
import plugin from '../../../eslint-rules/index.js';
import { FIXTURE_ROOT, fixture, ruleTester } from './rule-tester';

const options: [{ root: string }] = [{ root: FIXTURE_ROOT }];

ruleTester.run('prt/layers', plugin.rules.layers, {
  valid: [
    fixture('lambdas/core/count-bytes.ts'),
    fixture('lambdas/adapters/aws/s3-store.ts'),
    fixture('lambdas/runtime/dependencies.ts'),
    fixture('lambdas/register/handler.ts'),
    fixture('lib/config/function-environment.ts'),
    // Packages outside the platform groups are free in core.
    {
      ...fixture('lambdas/core/count-bytes.ts'),
      code: "import { z } from 'zod';\nexport const s = z.string();",
    },
    // process.stdout is not configuration.
    { ...fixture('lambdas/core/count-bytes.ts'), code: 'export const tty = process.stdout.isTTY;' },
    // Runtime may read the environment: it is the one place that does.
    { ...fixture('lambdas/runtime/dependencies.ts'), code: 'export const b = process.env.BUCKET;' },
  ],
  invalid: [
    {
      ...fixture('lambdas/core/wrong/imports-adapter.ts'),
      errors: [
        {
          message:
            'lambdas/core/wrong/imports-adapter.ts (layer core) must not import lambdas/adapters/aws/s3-store.ts (layer adapters): core may import core',
        },
      ],
    },
    {
      ...fixture('lambdas/core/wrong/imports-sdk.ts'),
      errors: [
        {
          message:
            'lambdas/core/wrong/imports-sdk.ts (layer core) must not import @aws-sdk/client-s3 (package group @aws-sdk): core may import core',
        },
      ],
    },
    {
      ...fixture('lambdas/core/wrong/reads-env.ts'),
      errors: [
        {
          message:
            'lambdas/core/wrong/reads-env.ts (layer core) must not read process.env: the runtime reads configuration once and passes it in',
        },
      ],
    },
    {
      ...fixture('lib/function-construct.ts'),
      errors: [
        {
          message:
            'lib/function-construct.ts (layer cdk) must not import lambdas/core/count-bytes.ts (layer core): cdk may import cdk, config, runtime',
        },
      ],
    },
    // A handler may not build its own clients or reach past the runtime into an adapter.
    {
      filename: fixture('lambdas/register/handler.ts').filename,
      options,
      code: "import { s3Store } from '../adapters/aws/s3-store';\nimport middy from '@middy/core';\nexport { s3Store, middy };",
      errors: [
        {
          message:
            'lambdas/register/handler.ts (layer handlers) must not import lambdas/adapters/aws/s3-store.ts (layer adapters): handlers may import runtime, core',
        },
        {
          message:
            'lambdas/register/handler.ts (layer handlers) must not import @middy/core (package group middy): handlers may import runtime, core',
        },
      ],
    },
    // Adapters implement core's ports; they never call up into the wiring.
    {
      filename: fixture('lambdas/adapters/aws/s3-store.ts').filename,
      options,
      code: "export { ENV } from '../../runtime/env-names';",
      errors: [
        {
          message:
            'lambdas/adapters/aws/s3-store.ts (layer adapters) must not import lambdas/runtime/env-names.ts (layer runtime): adapters may import adapters, core, @aws-sdk',
        },
      ],
    },
    // Dynamic imports and `.js` specifiers are judged like static ones.
    {
      filename: fixture('lambdas/core/count-bytes.ts').filename,
      options,
      code: "export const load = () => import('../runtime/dependencies.js');",
      errors: [
        {
          message:
            'lambdas/core/count-bytes.ts (layer core) must not import lambdas/runtime/dependencies.ts (layer runtime): core may import core',
        },
      ],
    },
    // A file outside every layer (a test helper) is no dependency of production code.
    {
      filename: fixture('lambdas/core/count-bytes.ts').filename,
      options,
      code: "import '../../../../unit/eslint-rules/rule-tester';",
      errors: [{ messageId: 'outside' }],
    },
    // Every way of reaching the environment from core.
    {
      filename: fixture('lambdas/core/count-bytes.ts').filename,
      options,
      code: [
        "import { env } from 'node:process';",
        'const { env: e } = process;',
        "export const values = [env, e, process['env']];",
      ].join('\n'),
      errors: [{ messageId: 'processEnv' }, { messageId: 'processEnv' }, { messageId: 'processEnv' }],
    },
  ],
});
