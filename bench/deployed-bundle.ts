/**
 * One handler bundled the way the stack bundles it (lib/function-bundling.ts: esbuild, CommonJS,
 * minified, source map, target and the AWS SDK inside as deployed), so the start-up and memory
 * benchmarks load what Lambda loads. The options are read from the stack's own definition: a change
 * of bundling there reaches the benchmarks without a second copy to keep in step.
 */
import { build } from 'esbuild';
import { FUNCTION_BUILD } from '../lib/function-bundling';

export async function bundleAsDeployed(entry: string, outfile: string): Promise<void> {
  const { format, minify, sourceMap, target } = FUNCTION_BUILD.bundling;
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format,
    target,
    minify,
    sourcemap: sourceMap,
    logLevel: 'warning',
  });
}
