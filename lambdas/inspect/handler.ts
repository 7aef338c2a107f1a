/** Inspect (download): confirms the object version and detects its format and compression. */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { S3ObjectStore } from '../adapters/aws/s3-object-store';
import { inspectOutput } from '../core/workflow/inspect-output';
import type { InspectResult } from '../core/workflow/workflow-types';
import { createS3Client } from '../shared/aws-clients';
import { createObservability } from '../shared/observability';
import { stepHandler } from '../shared/step-handler';
import { requireObjectRef, requireOutput } from '../shared/step-input';

const o = createObservability('inspect');
const deps = { store: new S3ObjectStore(createS3Client(process.env)) };

export const handler = stepHandler<InspectResult>(o, 'Inspect', async (event) => {
  const result = await inspectOutput({ object: requireObjectRef(event), output: requireOutput(event) }, deps);
  o.metrics.addMetric('BytesInspected', MetricUnit.Bytes, result.size);
  return result;
});
