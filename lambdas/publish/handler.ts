/** Publish: copies a gated output's tested version to its published path when its status allows it. */
import { InvalidInputError } from '../core/errors';
import { publishOutput, type PublishResult } from '../core/publishing';
import { createObservability } from '../runtime/observability';
import { publishDependencies } from '../runtime/publish-dependencies';
import { stepHandler } from '../runtime/step-handler';
import { countPublication } from '../runtime/step-metrics';
import { requireField, requireObjectRef, requireOutput } from '../runtime/step-input';

const o = createObservability('publish');
const deps = publishDependencies();

export const handler = stepHandler<PublishResult>(o, 'Publish', async (event) => {
  const status = (event as { status?: unknown } | null)?.status;
  if (typeof status !== 'string')
    throw new InvalidInputError(`status must be a string; got ${JSON.stringify(status)}`);
  const result = await publishOutput(
    {
      object: requireObjectRef(event),
      output: requireOutput(event),
      status,
      manifest: requireField<{ bucket: string; key: string } | null>(event, 'manifest', 'object|null'),
    },
    deps,
  );
  countPublication(o.metrics, result);
  return result;
});
