import { describe, expect, it } from 'vitest';

import {
  formatBytes,
  formatCount,
  formatNumber,
  formatPercent,
} from '../../../../lambdas/core/reporting/format-numbers';
import { renderConsoleReport } from '../../../../lib/cli/reporting/render-console-report';
import { terminalText } from '../../../../lib/cli/reporting/text-table';
import { ordersReport, TERMINAL_ESCAPE, wideReport } from '../../../fixtures/report-fixtures';

const ESC = '\u001b[';

/** Removes SGR sequences (ESC [ n m). */
function stripAnsi(text: string): string {
  return text
    .split(ESC)
    .map((part, i) => (i === 0 ? part : part.replace(/^\d+m/, '')))
    .join('');
}

describe('renderConsoleReport', () => {
  it('Compliance: status, counts, rules with pass rates, column findings and the summary', () => {
    // Prepare
    const report = ordersReport();

    // Act
    const text = renderConsoleReport(report);

    // Assess
    const lines = text.split('\n');
    expect(lines[0]).toBe('FAILED  sales/preprocessing/training_data');
    expect(lines[1]).toBe(
      '  1,000 rows · 74 failed rows · schema incompatible (accepts compatible) · 2 of 5 rules passed',
    );
    expect(text).toMatch(/^ {2}outcome +rule +field +condition +pass rate +threshold +failed +severity$/m);
    expect(text).toMatch(/^ {2}FAIL +amount_positive +amount +> 0 +94\.13% +95\.00% +58 +error$/m);
    expect(text).toMatch(
      /^ {2}FAIL +in_range +customer_id +between 1 and 10,000 +98\.50% +99\.00% +15 +warn$/m,
    );
    expect(text).toMatch(
      /^ {2}pass +customer_id_present +customer_id +not null +100\.00% +100\.00% +0 +error$/m,
    );
    // Failing errors, then failing warnings, then passes.
    expect(text.indexOf('channel.allowed')).toBeLessThan(text.indexOf('in_range'));
    expect(text.indexOf('in_range')).toBeLessThan(text.indexOf('customer_id_present'));
    // Only columns with a finding, worst first.
    expect(text).toContain('Columns with findings (3 of 6)');
    expect(text).toMatch(
      /^ {2}ordered_at +timestamp +type mismatch +incompatible +0 +3 +row 5: 'yesterday'$/m,
    );
    expect(text).toMatch(
      /^ {2}amount +decimal +unexpected nulls +convertible +12 +0 +cast: declare amount nullable/m,
    );
    expect(text).not.toMatch(/^ {2}order_id /m);
    expect(text).toContain(`Failed rows: ${report.quarantineUri}`);
    expect(lines.at(-2)).toBe(report.summary);
    expect(text).not.toContain(ESC);
  });

  it('Compliance: colour only when asked', () => {
    // Act
    const plain = renderConsoleReport(ordersReport(), { color: false });
    const coloured = renderConsoleReport(ordersReport(), { color: true });

    // Assess
    expect(plain).not.toContain(ESC);
    expect(coloured).toContain('\u001b[31mFAILED\u001b[39m');
    expect(coloured).toContain('\u001b[31mincompatible\u001b[39m');
    // Colour does not change the layout.
    expect(stripAnsi(coloured)).toBe(plain);
  });

  it('Compliance: --passing-rules false lists failing rules only; long lists are cut with a count', () => {
    // Act
    const failing = renderConsoleReport(ordersReport(), { passingRules: false });
    const wide = renderConsoleReport(wideReport(80), { maxRows: 10 });

    // Assess
    expect(failing).not.toContain('customer_id_present');
    expect(failing).toContain('amount_positive');
    expect(wide).toContain('… and 70 more rules');
    expect(wide).toContain('All 80 columns match the contract (strict).');
  });

  it('Noncompliance 1: terminal control sequences in the data are shown escaped, never sent', () => {
    // Prepare
    const base = ordersReport();
    const report = {
      ...base,
      output: TERMINAL_ESCAPE,
      schema: {
        ...base.schema,
        columns: [
          { ...base.schema.columns[4]!, name: TERMINAL_ESCAPE, example: { row: 1, value: '\u0007bell' } },
        ],
      },
    };

    // Act
    const text = renderConsoleReport(report);

    // Assess
    expect([...text].filter((c) => c < ' ' && c !== '\n')).toEqual([]);
    expect(text).toContain('\\x1B[2J\\x1B[31mred\\x0Dover');
    expect(text).toContain("row 1: '\\x07bell'");
  });

  it('Compliance: terminalText keeps printable text as it is', () => {
    expect(terminalText('plain — ✓ 日本')).toBe('plain — ✓ 日本');
    expect(terminalText('a\nb')).toBe('a\\x0Ab');
  });
});

describe('format-numbers', () => {
  it.each([
    [1, '100.00%'],
    [0, '0.00%'],
    [0.5, '50.00%'],
    [0.99999, '>99.99%'],
    [0.00001, '<0.01%'],
    [0.9413, '94.13%'],
    [null, '–'],
    [NaN, '–'],
  ])('formatPercent(%s) is %s', (rate, text) => {
    expect(formatPercent(rate)).toBe(text);
  });

  it.each([
    [1234567, '1,234,567'],
    [-1234, '-1,234'],
    [0, '0'],
    [999, '999'],
  ])('formatCount(%s) is %s', (n, text) => {
    expect(formatCount(n)).toBe(text);
  });

  it.each([
    [41.23456789, '41.2346'],
    [10000, '10,000'],
    [1e20, '1e+20'],
    [0.00001234, '1.234e-5'],
    [-0.5, '-0.5'],
    [Infinity, '–'],
    [NaN, '–'],
    [12n, '12'],
  ])('formatNumber(%s) is %s', (n, text) => {
    expect(formatNumber(n)).toBe(text);
  });

  it('Compliance: byte sizes in binary units', () => {
    expect(formatBytes(10)).toBe('10 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(5 * 1024 ** 3)).toBe('5 GiB');
  });
});
