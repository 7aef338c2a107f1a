/**
 * The compiled CLI carries the data path's packages inside its chunks and leaves the rest (the AWS
 * SDK above all) as imports: built here with esbuild as bin/build.mjs builds, from a small entry.
 */
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledPackagesPlugin, BUNDLED_PACKAGES, REQUIRE_BANNER } from '../../../bin/bundled-packages.mjs';
import { PROJECT_ROOT } from '../../../lib/config/project-paths';

async function bundle(source: string): Promise<string> {
  const result = await build({
    // Resolved from the project's root, as the CLI's own sources are.
    stdin: { contents: source, loader: 'ts', resolveDir: PROJECT_ROOT },
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    plugins: [bundledPackagesPlugin()],
    banner: { js: REQUIRE_BANNER },
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

describe('bundled packages', () => {
  it('bundles a listed package and its own dependencies, leaves the AWS SDK an import', async () => {
    // Arrange
    const source = [
      "import { parse } from 'yaml';",
      "import { tableFromArrays } from 'apache-arrow';",
      "import { S3Client } from '@aws-sdk/client-s3';",
      "import { readFileSync } from 'node:fs';",
      'export const all = [parse, tableFromArrays, S3Client, readFileSync];',
    ].join('\n');

    // Act
    const out = await bundle(source);

    // Assert
    expect(out).toMatch(/from "@aws-sdk\/client-s3"/);
    expect(out).toMatch(/from "node:fs"/);
    expect(out).not.toMatch(/from "yaml"/);
    expect(out).not.toMatch(/from "apache-arrow"/);
    // apache-arrow's own dependency comes along rather than staying an import.
    expect(out).not.toMatch(/from "flatbuffers"/);
  });

  it('runs bundled CommonJS that requires node modules, in a plain node process', async () => {
    // Arrange
    const out = await bundle(
      "import { Command } from 'commander';\nprocess.stdout.write(new Command('x').name());\n",
    );
    const file = join(mkdtempSync(join(tmpdir(), 'prt-bundled-')), 'out.mjs');
    writeFileSync(file, out);

    // Act
    const printed = execFileSync(process.execPath, [file], { encoding: 'utf8' });

    // Assert
    expect(out).not.toMatch(/from "commander"/);
    expect(printed).toBe('x');
  });

  it('lists only packages the project depends on', () => {
    // Arrange
    const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const hyparquetCompressors = JSON.parse(
      readFileSync(join(PROJECT_ROOT, 'node_modules/hyparquet-compressors/package.json'), 'utf8'),
    ) as { dependencies: Record<string, string> };
    const known = new Set([
      ...Object.keys(pkg.dependencies),
      ...Object.keys(hyparquetCompressors.dependencies),
    ]);

    // Act
    const unknown = BUNDLED_PACKAGES.filter((name) => !known.has(name));

    // Assert
    expect(unknown).toEqual([]);
  });
});
