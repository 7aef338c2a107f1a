#!/usr/bin/env node
// Entry point of the `prt` command. It runs the CLI compiled to dist/cli (bin/build.mjs, which npm
// runs at install as the `prepare` script), so a command starts without compiling TypeScript.
//
// A build older than the sources would run code that is no longer there, so the build is used only
// when none of the files it was made from has changed since (build.json lists them); otherwise the
// CLI runs from source through tsx, as slow as before the build existed but never out of date.
// Falling back rather than rebuilding here: checking costs a stat per source file (about 200; 8–40 ms
// measured on 2 cores at load ~12), while a rebuild takes seconds, and several `prt` processes
// started at once (the integration tests run side by side) would rebuild into the folder the others
// run from.
// `npm run build` makes it fast again.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BUILD_DIR, buildIsFresh } from './build-freshness.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const compiled = join(root, BUILD_DIR);
const args = process.argv.slice(2);

// The embedded S3 server (s3rver, started only by `prt local`) encrypts ListObjectsV2 continuation
// tokens with DES, which OpenSSL 3 offers only through its legacy provider, and the provider can be
// enabled only when node starts: that command re-executes node once with it. The other commands talk
// to S3 as clients and need no legacy cipher, so they skip the second process start.
const LEGACY = '--openssl-legacy-provider';
const needsLegacy = args[0] === 'local';
const enabled = process.execArgv.includes(LEGACY) || (process.env.NODE_OPTIONS ?? '').includes(LEGACY);

// The SDK warns at every start that its 2027 releases need Node 22. The deployed Lambdas run Node 22;
// the local tooling runs on the machine's Node 20 with SDK releases that support it. An explicit
// setting is kept.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

if (needsLegacy && !enabled) {
  const child = spawn(
    process.execPath,
    [LEGACY, ...process.execArgv, fileURLToPath(import.meta.url), ...args],
    {
      stdio: 'inherit',
    },
  );
  // The child receives terminal signals itself (same process group); the parent only waits.
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else if (buildIsFresh(root)) {
  await import(pathToFileURL(join(compiled, 'prt.js')).href);
} else {
  if (process.stderr.isTTY)
    process.stderr.write(
      'prt: running from source (slower): the sources changed since the last `npm run build`\n',
    );
  const { register } = await import('tsx/esm/api');
  register();
  await import('./prt.ts');
}
