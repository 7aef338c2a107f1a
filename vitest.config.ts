import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Test tiers as separate projects: unit (no network), infra (CDK templates, ASL validation),
// integration (real SDK clients against the embedded stack or any configured endpoint).
const env = {
  // The SDK's Node 22 notice is noise in test output; Lambdas deploy on Node 22.
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  // Powertools: quiet logs, no EMF metrics printed, during tests.
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_DISABLED: 'true',
};

export default defineConfig({
  test: {
    // vitest's default is one worker less than the cores: on a 2-core machine (CI's) that is one, and
    // the suite ran file after file (576 s). At least two workers, and integration files side by side
    // (each starts its own embedded stack on free ports, in its own process): 330 s.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // Time limits catch hangs, not slowness: property tests take 2–3 s on an idle 2-core machine
          // and several times that beside other work, which vitest's default 5 s turned into failures.
          testTimeout: 30_000,
          setupFiles: ['test/setup/no-network.ts', 'test/setup/private-tmpdir.ts'],
          // Unit tests mock the document client; idempotency's own DynamoDB client would reach
          // for the network, so the unit tier runs handlers with idempotency off.
          env: { ...env, POWERTOOLS_IDEMPOTENCY_DISABLED: 'true' },
        },
      },
      {
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          // Each file synthesizes into a temporary folder of its own, removed after it.
          setupFiles: ['test/setup/private-tmpdir.ts'],
          testTimeout: 120_000,
          // A synth bundles every function with esbuild: 20-40 s on a quiet 2-core machine, past
          // 120 s when other work holds both cores. The limit guards against a hang, not a slow synth.
          hookTimeout: 300_000,
          env,
        },
      },
      {
        test: {
          // The HTML report in a real browser: @sparticuz/chromium through playwright-core (Linux
          // x64), else PRT_CHROMIUM or /usr/bin/chromium; see test/browser/launch-chromium.ts.
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          setupFiles: ['test/setup/no-network.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
          env,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // The embedded S3 server (s3rver) makes ListObjectsV2 continuation tokens with DES, which
          // OpenSSL 3 offers only through its legacy provider (bin/prt.mjs does the same for the CLI).
          execArgv: ['--openssl-legacy-provider'],
          setupFiles: ['test/setup/private-tmpdir.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          env,
        },
      },
    ],
  },
});
