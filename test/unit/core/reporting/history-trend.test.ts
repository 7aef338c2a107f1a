/**
 * The History section of the HTML report: the judgement's sentence, an inline SVG trend of the row
 * count with the expected band (the anomalous version drawn apart), and the findings with their
 * band; version labels are data and stay text.
 */
import { describe, expect, it } from 'vitest';
import { judgeAgainstHistory } from '../../../../lambdas/core/history/history-detector';
import type { VersionMetrics } from '../../../../lambdas/core/history/history-detector';
import { historyFindings } from '../../../../lambdas/core/history/history-findings';
import { DEFAULT_HISTORY_SETTINGS } from '../../../../lambdas/core/history/history-types';
import { REPORT_CSP, renderHtmlReport } from '../../../../lambdas/core/reporting/render-html-report';
import { rowCountTrend } from '../../../../lambdas/core/reporting/svg-charts';
import { ordersReport, SCRIPT_TAG } from '../../../fixtures/report-fixtures';

const DAY = 86_400_000;
const START = Date.UTC(2026, 10, 2, 6);

function versionOf(i: number, rowCount: number, label = `v${i}`): VersionMetrics {
  return {
    version: label,
    arrival: new Date(START + i * DAY).toISOString(),
    status: 'passed',
    rowCount,
    columns: [],
  };
}

/** The fixture report without its own (older) history findings. */
function withoutHistory() {
  const { history: _older, ...rest } = ordersReport();
  return rest;
}

function judged(currentRows: number) {
  const history = Array.from({ length: 12 }, (_, i) =>
    versionOf(i, 1_000 + (i % 4) * 10, i === 3 ? SCRIPT_TAG : `v${i}`),
  ).reverse();
  const historyCheck = judgeAgainstHistory(versionOf(12, currentRows), history, DEFAULT_HISTORY_SETTINGS);
  const findings = historyFindings(historyCheck);
  return { ...withoutHistory(), historyCheck, ...(findings.length > 0 ? { history: findings } : {}) };
}

describe('History section of the HTML report', () => {
  it('Compliance: draws the row-count trend over its band and lists the anomaly with its band', () => {
    // Act
    const html = renderHtmlReport(judged(3_000));

    // Assess
    const section = html.slice(
      html.indexOf('<section id="history">'),
      html.indexOf('<section id="failed-rows">'),
    );
    expect(section).toContain('3 metrics judged against 12 earlier versions: 1 anomaly');
    expect(section).toContain('<svg xmlns="http://www.w3.org/2000/svg" class="chart trend"');
    expect(section.match(/<circle class="point"/g)).toHaveLength(12);
    expect(section).toContain('<circle class="current anomaly"');
    expect(section).toContain('<rect class="band"');
    expect(section).toMatch(
      /<td>row_count<\/td><td><code><\/code><\/td><td class="num">3,000<\/td><td class="num">[\d,]+ – [\d,]+<\/td>/,
    );
    expect(section).toContain(`<title>${'&lt;script&gt;'}`);
    expect(html).not.toContain(SCRIPT_TAG);
    expect(html).toContain(REPORT_CSP);
    expect(html).not.toMatch(/<script|src=|href="http/);
  });

  it('Compliance: a version inside its band is drawn as usual and no finding is listed', () => {
    // Act
    const html = renderHtmlReport(judged(1_010));

    // Assess
    expect(html).toContain('<circle class="current"');
    expect(html).not.toContain('current anomaly');
    expect(html).toContain('No anomaly against earlier versions of this output.');
  });

  it('Noncompliance 1: fewer than two row counts draw no chart', () => {
    // Act
    const svg = rowCountTrend([{ label: 'v1', value: 5 }], { low: 1, high: 9, median: 5 });

    // Assess
    expect(svg).toBe('');
  });

  it('Compliance: "not enough history" is said, with the trend so far and no band', () => {
    // Arrange
    const historyCheck = judgeAgainstHistory(
      versionOf(3, 1_000),
      [versionOf(2, 990), versionOf(1, 1_020), versionOf(0, 1_000)],
      DEFAULT_HISTORY_SETTINGS,
    );

    // Act
    const html = renderHtmlReport({ ...withoutHistory(), historyCheck });

    // Assess
    expect(html).toContain('not enough history: 3 earlier versions passed or warned, 10 needed');
    expect(html).toContain('class="chart trend"');
    expect(html).not.toContain('<rect class="band"');
  });
});
