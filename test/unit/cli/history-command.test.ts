/**
 * `prt history`: its settings (the flags, else the contract's, else the defaults, each bounded) and
 * its usage errors, which stop it before any AWS call. The series it prints from a real registry is
 * tested in test/integration/history-anomalies.test.ts.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerHistoryCommand, settingsOf } from '../../../lib/cli/history-command';
import { runPrt } from '../../fixtures/prt-in-process';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('prt history settings', () => {
  it('takes the defaults without a contract or flags', () => {
    // Act
    const settings = settingsOf({}, undefined);

    // Assess
    expect(settings).toEqual({ versions: 30, minVersions: 10, threshold: 3.5 });
  });

  it("takes the contract's, and the flags over them", () => {
    // Arrange
    const contract = { history: { versions: 60, minVersions: 20, threshold: 4 } };

    // Act
    const fromContract = settingsOf({}, contract);
    const fromFlags = settingsOf({ versions: '8', threshold: '3' }, contract);

    // Assess
    expect(fromContract).toEqual({ versions: 60, minVersions: 20, threshold: 4 });
    expect(fromFlags).toEqual({ versions: 8, minVersions: 8, threshold: 3 });
  });

  it.each([
    [{ versions: '2' }, '--versions 2: expected 3 to 365'],
    [{ versions: '10', minVersions: '12' }, '--min-versions 12 exceeds --versions 10'],
    [{ threshold: 'x' }, '--threshold x: expected a number from 1 to 20'],
  ])('refuses %j', (flags, message) => {
    // Act
    const act = () => settingsOf(flags, undefined);

    // Assess
    expect(act).toThrow(message);
  });

  it('exits 2 on a bad --format or output name before reaching the registry', async () => {
    // Arrange
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: unknown) => void errors.push(String(line)));

    // Act
    const badFormat = await runPrt(
      [registerHistoryCommand],
      ['history', 'sales/export/orders', '--format', 'csv'],
    );
    const badName = await runPrt([registerHistoryCommand], ['history', 'orders']);

    // Assess
    expect(badFormat).toBe(2);
    expect(badName).toBe(2);
    expect(errors.join('\n')).toContain('--format csv: expected text or json');
    expect(errors.join('\n')).toContain("'orders' is not a logical output name");
  });
});
