import { describe, expect, it } from 'vitest';

import { escapeHtml } from '../../../lambdas/core/reporting/escape-html';
import { isSafeHref, REPORT_CSP, renderHtmlReport } from '../../../lambdas/core/reporting/render-html-report';
import type { ReportDocument } from '../../../lambdas/core/reporting/report-document';
import type { ValidationReport } from '../../../lambdas/core/validation/validation-report';
import {
  hostileReport,
  IMG_ONERROR,
  JS_URI,
  ordersReport,
  SCRIPT_TAG,
  SINGLE_QUOTE_BREAK,
  wideReport,
} from './report-fixtures';

/** Every start tag in the page with its attribute names (data cannot open a tag once escaped). */
function tags(html: string): { name: string; attributes: string[] }[] {
  return [...html.matchAll(/<([a-zA-Z][a-zA-Z0-9-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/g)].map((m) => ({
    name: m[1]!.toLowerCase(),
    attributes: [...m[2]!.matchAll(/\s([^\s=/>"']+)(?:=(?:"[^"]*"|'[^']*'|[^\s>]+))?/g)].map((a) =>
      a[1]!.toLowerCase(),
    ),
  }));
}

const ALLOWED_TAGS = new Set(
  'html head meta title style body main header div span h1 h2 h3 p dl dt dd nav a section table thead tbody tr th td code i article figure figcaption svg rect line text g footer'.split(
    ' ',
  ),
);
const ALLOWED_ATTRIBUTES = new Set(
  'lang charset http-equiv content name class id href rel style xmlns width height viewbox role aria-label x y x1 x2 y1 y2 rx text-anchor'.split(
    ' ',
  ),
);

describe('renderHtmlReport', () => {
  describe('structure', () => {
    it('Compliance: a self-contained page with a CSP that forbids scripts and external loads', () => {
      // Prepare
      const report = ordersReport();

      // Act
      const html = renderHtmlReport(report);

      // Assess
      expect(html.startsWith('<!doctype html><html lang="en"><head><meta charset="utf-8">')).toBe(true);
      expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">`);
      expect(REPORT_CSP).toBe("default-src 'none'; style-src 'unsafe-inline'; img-src data:");
      expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
      expect(html).not.toMatch(/\s(src|srcset|action|formaction)=/i);
      for (const tag of tags(html)) {
        expect(ALLOWED_TAGS, `tag <${tag.name}>`).toContain(tag.name);
        for (const attribute of tag.attributes)
          expect(ALLOWED_ATTRIBUTES, `attribute ${attribute} on <${tag.name}>`).toContain(attribute);
      }
    });

    it('Compliance: header, rule table, compatibility table, column charts, history and failed rows', () => {
      // Prepare
      const report = ordersReport();

      // Act
      const html = renderHtmlReport(report);

      // Assess
      expect(html).toContain(
        '<span class="badge failed">FAILED</span><h1>sales/preprocessing/training_data</h1>',
      );
      expect(html).toContain(escapeHtml(report.summary));
      for (const id of ['rules', 'schema', 'columns', 'history', 'failed-rows'])
        expect(html).toContain(`<section id="${id}">`);
      const ruleRows = html
        .slice(html.indexOf('<section id="rules">'), html.indexOf('<section id="schema">'))
        .match(/<tr/g);
      expect(ruleRows).toHaveLength(report.rules.length + 1);
      // Failing error rules first, then failing warnings, then passes.
      const order = [
        'amount_positive',
        'channel.allowed',
        'in_range',
        'customer_id_present',
        'order_id.unique',
      ].map((n) => html.indexOf(`<code>${n}</code>`));
      expect([...order].sort((a, b) => a - b)).toEqual(order);
      expect(html).toContain('<td>between 1 and 10,000</td>');
      // Compatibility: worst level first, with cast plan and example.
      const schema = html.slice(
        html.indexOf('<section id="schema">'),
        html.indexOf('<section id="columns">'),
      );
      expect(schema.indexOf('ordered_at')).toBeLessThan(schema.indexOf('amount'));
      expect(schema).toContain('declare amount nullable, or fill its 12 nulls');
      expect(schema).toContain(escapeHtml("row 5: 'yesterday'"));
      // One card per column, each with a null-rate bar; charts where the profile has the data.
      expect(html.match(/<article class="col"/g)).toHaveLength(6);
      expect(html.match(/class="chart nullrate/g)).toHaveLength(6);
      expect(html.match(/class="chart histogram"/g)).toHaveLength(2);
      expect(html.match(/class="chart quantiles"/g)).toHaveLength(2);
      expect(html.match(/class="chart top-values"/g)).toHaveLength(2);
      expect(html).toContain('row count fell 32.4% (bound 25%)');
      expect(html).toContain(`<code>${report.quarantineUri}</code>`);
    });

    it('Compliance: histogram bars are proportional to their counts', () => {
      // Prepare
      const report = ordersReport();

      // Act
      const html = renderHtmlReport(report);

      // Assess
      const amount = html.slice(html.indexOf('aria-label="histogram of amount"'));
      const heights = [
        ...amount.slice(0, amount.indexOf('</svg>')).matchAll(/<rect class="bar"[^>]* height="([\d.]+)"/g),
      ].map((m) => Number(m[1]));
      const counts = report.profile![2]!.histogram!.map((b) => b.count);
      expect(heights).toHaveLength(counts.length);
      const tallest = Math.max(...heights);
      // Bars of non-empty bins are at least 1 px high, so they stay visible.
      heights.forEach((h, i) =>
        expect(h).toBeCloseTo(Math.max(1, (counts[i]! / Math.max(...counts)) * tallest), 0),
      );
    });

    it('Compliance: the schema table links each column to its card', () => {
      // Act
      const html = renderHtmlReport(ordersReport());

      // Assess
      const link = /<a href="#(col-\d+)"><code>amount<\/code><\/a>/.exec(html);
      expect(link).not.toBeNull();
      expect(html).toContain(`<article class="col" id="${link![1]}"><h3><span class="name">amount</span>`);
    });

    it('Compliance: a bare ValidationReport (no object, no profile, no history) renders', () => {
      // Prepare
      const report: ValidationReport = {
        output: 'a/b/c',
        status: 'failed',
        rowCount: 0,
        schema: { level: 'incompatible', accepted: 'compatible', columns: [] },
        rules: [],
        failedRules: ['format'],
        failedRowCount: 0,
        summary: 'FAILED: expected csv, found parquet',
      };

      // Act
      const html = renderHtmlReport(report);

      // Assess
      expect(html).toContain('No rules were evaluated.');
      expect(html).toContain('No columns were compared.');
      expect(html).toContain('No column was profiled.');
      expect(html).toContain('No row failed a check.');
      expect(html).not.toContain('<section id="history">');
    });

    it('Compliance: a partitioned output shows its parts, the first unreadable one escaped', () => {
      // Prepare
      const report = {
        output: 'sales/export/orders_parts',
        status: 'failed' as const,
        rowCount: 24,
        schema: { level: 'strict' as const, accepted: 'compatible' as const, columns: [] },
        rules: [],
        failedRules: ['parts_readable'],
        failedRowCount: 0,
        summary: 'FAILED: 24 rows in 3 parts; 1 of 3 parts unreadable',
        parts: {
          total: 3,
          validated: 2,
          unreadable: 1,
          notValidated: 0,
          unreadableParts: [
            { part: 'x/<b>part-2</b>.csv', error: 'FormatError: expected csv, found parquet' },
          ],
        },
      };

      // Act
      const html = renderHtmlReport(report);

      // Assess
      expect(html).toContain('2 of 3 validated');
      expect(html).toContain('1 unreadable');
      expect(html).toContain('x/&lt;b&gt;part-2&lt;/b&gt;.csv');
      expect(html).not.toContain('<b>part-2</b>');
    });

    it('Compliance: a report read back from JSON (NaN and infinities became null) shows no NaN or undefined', () => {
      // Prepare
      const base = ordersReport();
      const damaged = {
        ...base,
        profile: base.profile!.map((p) => ({
          ...p,
          mean: NaN,
          stddev: Infinity,
          quantiles: { p50: NaN, p99: 3 },
        })),
        rules: base.rules.map((r) => ({ ...r, passRate: NaN })),
      };
      const readBack = JSON.parse(JSON.stringify(damaged)) as ReportDocument;

      // Act
      const html = renderHtmlReport(readBack);

      // Assess
      expect(html).not.toMatch(/NaN|undefined|Infinity|null%/);
      expect(html).toContain('<td class="num">–</td>');
    });
  });

  describe('escaping', () => {
    it('Compliance: markup, attribute breakers and javascript: URIs in the data appear as text', () => {
      // Prepare
      const report = hostileReport();

      // Act
      const html = renderHtmlReport(report);

      // Assess
      expect(html).not.toMatch(/<script|<img/i);
      expect(html).not.toContain(SCRIPT_TAG);
      expect(html).not.toContain(IMG_ONERROR);
      expect(html).not.toContain(SINGLE_QUOTE_BREAK);
      expect(html).toContain(escapeHtml(SCRIPT_TAG));
      expect(html).toContain(escapeHtml(IMG_ONERROR));
      expect(html).toContain(escapeHtml(SINGLE_QUOTE_BREAK));
      expect(html).not.toMatch(/href="\s*javascript:/i);
      for (const tag of tags(html)) {
        expect(ALLOWED_TAGS).toContain(tag.name);
        for (const attribute of tag.attributes)
          expect(ALLOWED_ATTRIBUTES, `attribute ${attribute} on <${tag.name}>`).toContain(attribute);
      }
    });

    it('Compliance: escapeHtml escapes the five special characters and nothing else', () => {
      expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe(
        '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;',
      );
      expect(escapeHtml('plain — text ✓')).toBe('plain — text ✓');
      expect(escapeHtml(null)).toBe('');
      expect(escapeHtml(12n)).toBe('12');
      // Repeated calls are independent (no regex state carried between them).
      expect([escapeHtml('<'), escapeHtml('<'), escapeHtml('<')]).toEqual(['&lt;', '&lt;', '&lt;']);
    });

    it.each([
      ['https://console.aws.amazon.com/s3/object/b?prefix=k', true],
      ['http://example.com/a', true],
      ['file:///tmp/failed.jsonl', true],
      ['failed-rows.jsonl', true],
      ['../quarantine/v1.jsonl', true],
      ['javascript:alert(1)', false],
      ['  JavaScript:alert(1)', false],
      ['java\tscript:alert(1)', false],
      ['java\nscript:alert(1)', false],
      ['\u0000javascript:alert(1)', false],
      ['data:text/html,<script>alert(1)</script>', false],
      ['vbscript:msgbox', false],
      ['', false],
    ])('isSafeHref(%j) is %s', (href, safe) => {
      expect(isSafeHref(href)).toBe(safe);
    });

    it('Compliance: a safe quarantine link is used, escaped', () => {
      // Prepare
      const href = 'https://example.com/q?a=1&b="2"';

      // Act
      const html = renderHtmlReport(ordersReport(), { quarantineHref: href });

      // Assess
      expect(html).toContain(
        `<a href="https://example.com/q?a=1&amp;b=&quot;2&quot;" rel="noopener noreferrer">`,
      );
    });

    it('Noncompliance 1: a javascript: quarantine link is withheld and shown as text', () => {
      // Act
      const html = renderHtmlReport(ordersReport(), { quarantineHref: JS_URI });

      // Assess
      expect(html).not.toContain(`href="${JS_URI}`);
      expect(html).toContain('link withheld');
    });

    it('Noncompliance 2: a javascript: quarantine URI in the report is never linked', () => {
      // Act
      const html = renderHtmlReport(hostileReport());

      // Assess
      const failed = html.slice(html.indexOf('<section id="failed-rows">'));
      expect(failed).not.toContain('<a ');
      expect(failed).toContain(`<code>${escapeHtml(JS_URI)}</code>`);
    });
  });

  describe('speed', () => {
    it('Compliance: a 200-column report with histograms, quantiles and top values renders in milliseconds', () => {
      // Prepare
      const report = wideReport(200);
      renderHtmlReport(report); // warm up

      // Act
      const times: number[] = [];
      let html = '';
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        html = renderHtmlReport(report);
        times.push(performance.now() - started);
      }

      // Assess
      times.sort((a, b) => a - b);
      expect(html.match(/<article class="col"/g)).toHaveLength(200);
      expect(html.match(/class="chart histogram"/g)).toHaveLength(200);
      // Typically 8-20 ms on the team's 2-core machines; the bound leaves room for a loaded CI.
      expect(times[2]).toBeLessThan(250);
    });
  });
});
