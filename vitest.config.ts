import { defineConfig } from 'vitest/config';

// Test tiers as separate projects: unit (no network), infra (CDK templates, ASL validation),
// integration (real SDK clients against the embedded stack or any configured endpoint).
export default defineConfig({
  test: {
    // The SDK's Node 22 notice is noise in test output; Lambdas deploy on Node 22.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    projects: [
      {
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], setupFiles: ['test/setup/no-network.ts'] },
      },
      {
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
