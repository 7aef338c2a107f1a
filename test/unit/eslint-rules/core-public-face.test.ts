/**
 * The core-public-face rule: outside core and its tests, a core area is imported through its
 * index.ts; a deep import into one of its files fails with the rule's message, however it is
 * written. Core itself goes deep, and a file directly in core is a face of its own.
 */
import plugin from '../../../eslint-rules/index.js';
import { FIXTURE_ROOT, fixture, ruleTester } from './rule-tester';

const options: [{ root: string }] = [{ root: FIXTURE_ROOT }];
const handler = fixture('lambdas/register/handler.ts').filename;

ruleTester.run('prt/core-public-face', plugin.rules['core-public-face'], {
  valid: [
    fixture('lambdas/runtime/dependencies.ts'),
    fixture('lambdas/adapters/aws/s3-store.ts'),
    // A file directly in core (like errors.ts) is its own face.
    fixture('lambdas/register/handler.ts'),
    // Core's own files import each other deep.
    fixture('lambdas/core/count-bytes.ts'),
    // The index named explicitly is still the index.
    { filename: handler, options, code: "export type { ObjectStore } from '../core/ports/index';" },
    // Tests reach behind the face.
    {
      filename: `${FIXTURE_ROOT}test/unit/object-store.test.ts`,
      options,
      code: "import type { ObjectStore } from '../../lambdas/core/ports/object-store';\nexport type S = ObjectStore;",
    },
  ],
  invalid: [
    {
      ...fixture('lambdas/adapters/aws/wrong/deep-port.ts'),
      errors: [
        {
          message:
            'lambdas/adapters/aws/wrong/deep-port.ts (layer adapters): import lambdas/core/ports (its index.ts), not lambdas/core/ports/object-store.ts',
        },
      ],
    },
    // Export-from, `.js` specifiers and dynamic imports are judged like static imports.
    {
      filename: handler,
      options,
      code: [
        "export type { ObjectStore } from '../core/ports/object-store.js';",
        "export const load = () => import('../core/ports/object-store');",
      ].join('\n'),
      errors: [
        {
          message:
            'lambdas/register/handler.ts (layer handlers): import lambdas/core/ports (its index.ts), not lambdas/core/ports/object-store.ts',
        },
        {
          message:
            'lambdas/register/handler.ts (layer handlers): import lambdas/core/ports (its index.ts), not lambdas/core/ports/object-store.ts',
        },
      ],
    },
    // The CDK and configuration layers are held to it as well (the layers rule judges the direction).
    {
      filename: fixture('lib/config/function-environment.ts').filename,
      options,
      code: "import type { ObjectStore } from '../../lambdas/core/ports/object-store';\nexport type S = ObjectStore;",
      errors: [
        {
          message:
            'lib/config/function-environment.ts (layer config): import lambdas/core/ports (its index.ts), not lambdas/core/ports/object-store.ts',
        },
      ],
    },
  ],
});
