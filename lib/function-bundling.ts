/**
 * How every function of the stack is built and run: Node.js 24 on ARM (Graviton: cheaper per
 * GB-second for the same work), bundled by esbuild locally (no Docker) into one minified CommonJS
 * file with source maps, the AWS SDK included so the code runs against the SDK version it was
 * tested with rather than the one the runtime happens to carry. One definition, spread into each
 * NodejsFunction (lib/workflow-functions.ts, generate-function.ts, prepare-inputs-workflow.ts,
 * synthetic-canary.ts, canary-after-deploy.ts, openlineage-emitter.ts, run-report-writer.ts), so a change of runtime or bundling reaches all.
 */
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { OutputFormat, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';

export const FUNCTION_BUILD = {
  handler: 'handler',
  runtime: Runtime.NODEJS_24_X,
  architecture: Architecture.ARM_64,
  bundling: {
    format: OutputFormat.CJS,
    minify: true,
    sourceMap: true,
    target: 'node22',
    bundleAwsSDK: true,
    forceDockerBundling: false,
  },
} as const satisfies NodejsFunctionProps;
