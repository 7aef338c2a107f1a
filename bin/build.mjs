#!/usr/bin/env node
// Compiles the `prt` CLI (bin/prt.ts and everything it reaches: the commands, the embedded stack and
// the handlers it runs) to JavaScript in dist/cli, which bin/prt.mjs runs. npm runs this as the
// `prepare` script, so `npm ci` leaves a fresh build; `npm run build` rebuilds on demand.
//
// The data path's pure-JavaScript packages are bundled in, the rest stay imports (node_modules is
// there at run time; bin/bundled-packages.mjs says which and why), and each command's module stays
// its own chunk, loaded only when that command runs. Beside the code it writes:
//   commands.json  what the top-level help lists, so `prt --help` loads no command module;
//   build.json     when the build started and which source files it read, so bin/prt.mjs can tell
//                  a build that predates an edit.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILD_DIR, BUILD_RECORD } from './build-freshness.mjs';
import { bundledPackagesPlugin, REQUIRE_BANNER } from './bundled-packages.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const target = join(root, BUILD_DIR);
// Built beside the target, then swapped in, so an interrupted build never leaves a half-written CLI.
const staging = `${target}.tmp-${process.pid}`;

// Taken before esbuild reads any source: a file saved while the build runs counts as newer than it.
const builtAt = Date.now();
rmSync(staging, { recursive: true, force: true });
try {
  const result = await build({
    absWorkingDir: root,
    entryPoints: ['bin/prt.ts', 'bin/describe-commands.ts'],
    outdir: staging,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    splitting: true,
    plugins: [bundledPackagesPlugin()],
    banner: { js: REQUIRE_BANNER },
    metafile: true,
    logLevel: 'warning',
  });

  // Every file must sit directly in dist/cli, two folders below the root like lib/config/: code that
  // finds repository files from its own location (lib/config/project-paths.ts) then finds the same ones.
  const nested = readdirSync(staging, { withFileTypes: true }).filter((entry) => !entry.isFile());
  if (nested.length > 0)
    throw new Error(`build: ${nested.map((e) => e.name).join(', ')} nested in ${staging}`);

  const summaries = execFileSync(process.execPath, [join(staging, 'describe-commands.js')], {
    encoding: 'utf8',
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...process.env },
  });
  // Only JSON gets written; its shape is checked where it is read (lib/cli/command-summaries.ts).
  JSON.parse(summaries);
  writeFileSync(join(staging, 'commands.json'), summaries);

  const inputs = [
    ...Object.keys(result.metafile.inputs).filter((input) => !input.includes('node_modules/')),
    // esbuild reads these too: compiler options and the module type.
    'tsconfig.json',
    'package.json',
    relative(root, fileURLToPath(import.meta.url)),
    relative(root, fileURLToPath(new URL('./build-freshness.mjs', import.meta.url))),
    relative(root, fileURLToPath(new URL('./bundled-packages.mjs', import.meta.url))),
  ];
  writeFileSync(join(staging, BUILD_RECORD), `${JSON.stringify({ builtAt, inputs }, null, 2)}\n`);

  rmSync(target, { recursive: true, force: true });
  renameSync(staging, target);
} finally {
  rmSync(staging, { recursive: true, force: true });
}
