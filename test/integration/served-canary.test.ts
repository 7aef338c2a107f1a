/**
 * `npx prt canary` against `npm start -- --serve`: the served stack answers the Step Functions API
 * for its canary and prepare-inputs state machines, the environment it writes for other shells
 * names them, and the command's served path (runServedCanary, the SDK client and adapter the
 * `--remote` commands use) starts the canary there and reads its verdict. A file of its own: the
 * handlers keep the clients of the first stack they ran against, one per process.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runServedCanary } from '../../lib/cli/canary-command';
import { SERVED_WORKFLOW_ENV, serveEnvironment } from '../../lib/cli/serve-environment';
import { PROJECT_ROOT } from '../../lib/config/project-paths';
import { startHarness, type Harness } from './embedded-stack-harness';

const ROWS = 40;

describe('prt canary on a served stack', () => {
  let h: Harness;
  let env: ReadonlyMap<string, string>;

  beforeAll(async () => {
    h = await startHarness();
    await h.stack.serveWorkflows({ repoRoot: PROJECT_ROOT });
    // As a shell that sourced the served stack's environment file.
    env = serveEnvironment(h.stack);
    for (const [name, value] of env) vi.stubEnv(name, value);
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    await h.close();
  });

  it('writes the Step Functions endpoint and both state machines into the served environment', () => {
    // Assess
    expect(env.get('AWS_ENDPOINT_URL_SFN')).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(env.get(SERVED_WORKFLOW_ENV.canary)).toMatch(/^arn:aws:states:.+:stateMachine:.+-canary$/);
    expect(env.get(SERVED_WORKFLOW_ENV.prepareInputs)).toMatch(/:stateMachine:prt-.+-prepare-inputs$/);
  });

  it('runs the canary there through the CLI path: it passes and exits 0', async () => {
    // Arrange
    const printed: string[] = [];
    const before = h.stack.publishedEvents.filter((e) => e.detailType === 'Canary Passed').length;

    // Act
    const code = await runServedCanary(
      env.get(SERVED_WORKFLOW_ENV.canary)!,
      { rows: ROWS },
      { json: false, pollMs: 200 },
      (line) => printed.push(line),
    );

    // Assess
    expect({ code, printed }).toMatchObject({ code: 0 });
    expect(printed.join('\n')).toMatch(/^canary PASSED: \d+ generated outputs, 0 differences/);
    // The served stack ran it: its own Canary Passed event, and the outputs it tested.
    expect(h.stack.publishedEvents.filter((e) => e.detailType === 'Canary Passed')).toHaveLength(before + 1);
    expect(h.stack.executions.some((e) => e.input.detail.object.key.startsWith('canary/'))).toBe(true);
  }, 240_000);

  it('answers an unknown state machine as Step Functions does', async () => {
    // Act
    const run = runServedCanary(
      env.get(SERVED_WORKFLOW_ENV.canary)!.replace(/-canary$/, '-nothing'),
      {},
      { json: false, pollMs: 200 },
      () => undefined,
    );

    // Assess
    await expect(run).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
  });

  it('reports a canary that cannot run (a malformed request) as a failure, exit 1', async () => {
    // Arrange
    const printed: string[] = [];

    // Act
    const code = await runServedCanary(
      env.get(SERVED_WORKFLOW_ENV.canary)!,
      { rows: 0 },
      { json: false, pollMs: 200 },
      (line) => printed.push(line),
    );

    // Assess
    expect(code).toBe(1);
    expect(printed.join('\n')).toMatch(/^canary ERROR \(FAILED\): .*rows must be a whole number/);
  }, 60_000);
});
