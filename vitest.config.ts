// Three projects: unit tests sit next to code; integration (real Xvnc) and e2e (real Chromium) under test/.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'test/architecture.test.ts',
            'contract/**/*.test.ts',
            'cmd/**/*.test.ts',
            'server/**/*.test.ts',
            'agents/**/*.test.ts',
            'client/src/**/*.test.ts',
            'bench/lib/**/*.test.ts',
          ],
          exclude: ['**/*.integration.test.ts'],
          testTimeout: 15_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', '**/*.integration.test.ts'],
          exclude: ['node_modules/**'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      { test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000, fileParallelism: false } },
    ],
  },
});
