/** Inspect (download): confirms the object version and detects its format and compression. */
import middy from '@middy/core';
import { S3ObjectStore } from '../core/storage/s3-object-store';
import { inspectOutput } from '../core/workflow/inspect-output';
import type { InspectResult } from '../core/workflow/workflow-types';
import { createS3Client } from '../shared/aws-clients';
import { requireObjectRef, requireOutput } from '../shared/step-input';

const deps = { store: new S3ObjectStore(createS3Client(process.env)) };

export const handler = middy<unknown, InspectResult>().handler((event) =>
  inspectOutput({ object: requireObjectRef(event), output: requireOutput(event) }, deps),
);
