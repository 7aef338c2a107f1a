#!/usr/bin/env node
// Entry point of the `prt` command. It runs the TypeScript CLI (bin/prt.ts) through tsx, so
// `npx prt` works straight after `npm ci` with no build step. The embedded S3 server encrypts
// ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only offers through its legacy
// provider: the CLI re-executes itself once with that provider enabled.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const LEGACY = '--openssl-legacy-provider';

const enabled = process.execArgv.includes(LEGACY) || (process.env.NODE_OPTIONS ?? '').includes(LEGACY);

if (!enabled) {
  const child = spawn(
    process.execPath,
    [LEGACY, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    {
      stdio: 'inherit',
      // The SDK warns at every start that its 2027 releases need Node 22. The deployed Lambdas run
      // Node 22; the local tooling runs on the machine's Node 20 with SDK releases that support it.
      env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...process.env },
    },
  );
  // The child receives terminal signals itself (same process group); the parent only waits.
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./prt.ts');
}
