/**
 * The no-cycles rule over the fixture tree: the a → b → c → a cycle is reported once, on the
 * import that leads into its first file, naming every file of the cycle; imports outside a cycle
 * pass.
 */
import plugin from '../../../eslint-rules/index.js';
import { FIXTURE_ROOT, fixture, ruleTester } from './rule-tester';

const options: [{ root: string }] = [{ root: FIXTURE_ROOT }];

ruleTester.run('prt/no-cycles', plugin.rules['no-cycles'], {
  valid: [
    fixture('lambdas/register/handler.ts'),
    fixture('lambdas/runtime/dependencies.ts'),
    // a and b are in the cycle too; it is named once, by the import into a.
    fixture('lambdas/core/cycle/a.ts'),
    fixture('lambdas/core/cycle/b.ts'),
    // An index only re-exports its area's files: importing it closes no cycle.
    fixture('lambdas/core/ports/index.ts'),
  ],
  invalid: [
    {
      ...fixture('lambdas/core/cycle/c.ts'),
      errors: [
        {
          message:
            'importing lambdas/core/cycle/a.ts closes an import cycle: lambdas/core/cycle/a.ts → lambdas/core/cycle/b.ts → lambdas/core/cycle/c.ts → lambdas/core/cycle/a.ts',
        },
      ],
    },
    // The linted text wins over the file on disk: a new import that closes a cycle is seen at once.
    {
      filename: fixture('lambdas/core/ports/object-store.ts').filename,
      options,
      code: "export { S3Store } from '../../adapters/aws/s3-store';",
      errors: [
        {
          message:
            'importing lambdas/adapters/aws/s3-store.ts closes an import cycle: lambdas/adapters/aws/s3-store.ts → lambdas/core/ports/index.ts → lambdas/core/ports/object-store.ts → lambdas/adapters/aws/s3-store.ts',
        },
      ],
    },
    // An area's own file importing the area's index: the index re-exports that file, so they form a cycle.
    {
      filename: fixture('lambdas/core/ports/object-store.ts').filename,
      options,
      code: "export type { ObjectStore as Store } from './index';",
      errors: [
        {
          message:
            'importing lambdas/core/ports/index.ts closes an import cycle: lambdas/core/ports/index.ts → lambdas/core/ports/object-store.ts → lambdas/core/ports/index.ts',
        },
      ],
    },
  ],
});
