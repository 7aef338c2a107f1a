import { describe, expect, it } from 'vitest';

import { escapeHtml } from '../../../../lambdas/core/reporting/escape-html';
import {
  isSafeHref,
  REPORT_CSP,
  renderHtmlReport,
} from '../../../../lambdas/core/reporting/render-html-report';
import type { ReportDocument } from '../../../../lambdas/core/reporting/report-document';
import type { ValidationReport } from '../../../../lambdas/core/validation/validation-report';
import { CHART_WIDTH, LABEL_MIN_GAP, placeLabels } from '../../../../lambdas/core/reporting/svg-charts';
import { ValidationState } from '../../../../lambdas/core/validation/validate-records';
import { column, loadContract, validate } from '../../../fixtures/validation-fixtures';
import {
  CROWDED_QUANTILES,
  crowdedQuantilesReport,
  hostileReport,
  IMG_ONERROR,
  JS_URI,
  markerEtagDatasetReport,
  ordersReport,
  SCRIPT_TAG,
  SINGLE_QUOTE_BREAK,
  warnOnlyPassedReport,
  wideReport,
} from '../../../fixtures/report-fixtures';

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
      const amount = html.slice(html.indexOf('aria-label="histogram of amount'));
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

  describe('what the figures mean', () => {
    it('Noncompliance 1: a passed report does not call rows that broke only warn rules failed rows', () => {
      // Prepare
      const report = warnOnlyPassedReport();

      // Act
      const html = renderHtmlReport(report);

      // Assess
      expect(html).not.toContain('<dt>failed rows</dt>');
      expect(html).toContain('<dt>rows breaking an error check</dt><dd>0</dd>');
      expect(html).toContain('<dt>rows breaking only warn rules</dt><dd>2,857</dd>');
      const failed = html.slice(html.indexOf('<section id="failed-rows">'));
      expect(failed).toContain('0 rows broke an error check');
      expect(failed).toContain('2,857 rows broke only warn rules.');
      expect(failed).toContain('The output passed');
      expect(failed).toContain('this validation had no quarantine object');
    });

    it('Compliance: rows are split by the severity of what they broke, from the engine through the page', async () => {
      // Prepare: row 1 clean, rows 2-3 break only the warn rule, rows 4-5 the error rule; in a
      // second file a value that is not an int64 (a schema finding) breaks no rule but is no warning
      const contract = loadContract({
        schema: ['{ name: x, type: int64 }'],
        quality: [
          '{ name: below_100, field: x, condition: less_than, value: 100, threshold: 0.1, severity: warn }',
          '{ name: positive, field: x, condition: greater_than, value: 0, threshold: 0.1 }',
        ],
      });
      const rows = column('5', '200', '300', '-400', '-7');

      // Act
      const report = await validate(contract, ['x'], rows);
      const html = renderHtmlReport(report);
      const schemaOnly = await validate(contract, ['x'], column('abc'));

      // Assess
      expect(report.status).toBe('passed');
      expect(report.failedRowCount).toBe(4);
      expect(report.warnOnlyRowCount).toBe(2);
      expect(html).toContain(
        '<dt>rows breaking an error check</dt><dd>2 <span class="muted">(within thresholds)</span></dd>',
      );
      expect(html).toContain('<dt>rows breaking only warn rules</dt><dd>2</dd>');
      expect(schemaOnly).toMatchObject({ failedRowCount: 1, warnOnlyRowCount: 0 });
    });

    it('Compliance: partition states merge the warn-only count (and a state stored without it counts none)', async () => {
      // Prepare
      const contract = loadContract({
        schema: ['{ name: x, type: int64 }'],
        quality: ['{ name: below_100, field: x, condition: less_than, value: 100, severity: warn }'],
      });
      const first = new ValidationState(contract);
      await first.add({ columns: ['x'], rows: [['200'], ['1']], firstRow: 1 });
      const second = new ValidationState(contract);
      await second.add({ columns: ['x'], rows: [['300']], firstRow: 1 });
      const { warnOnlyRowCount: _dropped, ...older } = second.toJSON();

      // Act
      const merged = ValidationState.fromJSON(contract, first.toJSON());
      merged.merge(ValidationState.fromJSON(contract, second.toJSON()));
      const withOlder = ValidationState.fromJSON(contract, first.toJSON());
      withOlder.merge(ValidationState.fromJSON(contract, older));

      // Assess
      expect(merged.finish()).toMatchObject({ failedRowCount: 2, warnOnlyRowCount: 2 });
      expect(withOlder.finish()).toMatchObject({ failedRowCount: 2, warnOnlyRowCount: 1 });
    });

    it('Compliance: sketch figures carry ≈ and the page says what ≈ means; exact ones do not', () => {
      // Prepare
      const report = ordersReport();

      // Act
      const html = renderHtmlReport(report);

      // Assess
      expect(html).toContain('<p class="legend" id="estimates">≈ marks an estimate from a sketch');
      const card = (name: string): string => {
        const at = html.indexOf(`<span class="name">${name}</span>`);
        return html.slice(at, html.indexOf('</article>', at));
      };
      // amount: HyperLogLog distinct and DDSketch quantiles, all marked
      expect(card('amount')).toContain(
        '<dt>distinct</dt><dd><span class="estimate">≈950</span> <span class="muted">(HyperLogLog estimate, ±1.63%)</span></dd>',
      );
      expect(card('amount')).toContain('>median ≈41.2</text>');
      expect(card('amount')).toContain('<title>estimates (DDSketch, ±1% relative): p1 ≈3, ');
      expect(card('amount')).toContain('histogram ≈ (estimated from the quantile sketch)');
      // customer_id: exact distinct, exact mean; only the sketch figures are marked
      expect(card('customer_id')).toContain('<dt>distinct</dt><dd>412</dd>');
      expect(card('customer_id')).toContain('<dt>mean</dt><dd>4890.5</dd>');
      expect(card('channel')).not.toContain('≈');
    });

    it('Compliance: a unique column whose exact uniqueness check held shows its exact distinct count', async () => {
      // Prepare: 12,000 distinct ids (past the profile's exact bound of 10,000) and a few nulls
      const contract = loadContract({ schema: ['{ name: id, type: int64, unique: true }'] });
      const rows = column(...Array.from({ length: 12_000 }, (_, i) => String(i * 7 + 1)), null, null);

      // Act
      const report = await validate(contract, ['id'], rows);
      const html = renderHtmlReport(report);

      // Assess
      expect(report.profile?.[0]?.distinct).toEqual({ value: 12_000, exact: true, relativeError: 0 });
      expect(html).toContain('<dt>distinct</dt><dd>12,000</dd>');
      expect(html).not.toMatch(/<dt>distinct<\/dt><dd>[^<]*≈/);
    });

    it('Noncompliance 1: a unique column with a duplicate keeps its estimate', async () => {
      // Prepare
      const contract = loadContract({ schema: ['{ name: id, type: int64, unique: true }'] });
      const rows = column(...Array.from({ length: 12_000 }, (_, i) => String(i + 1)), '5');

      // Act
      const report = await validate(contract, ['id'], rows);

      // Assess
      expect(report.profile?.[0]?.distinct.exact).toBe(false);
      expect(renderHtmlReport(report)).toContain('<dt>distinct</dt><dd><span class="estimate">≈');
    });

    it("Compliance: a partitioned output shows its folder, marker and parts, never the marker's ETag", () => {
      // Prepare
      const report = markerEtagDatasetReport();
      const current: ReportDocument = {
        ...report,
        object: {
          uri: 's3://landing/sales/export/orders_parts/',
          version: 'marker-0062F1A5B3C4D5E6F7',
          size: 48_213,
          marker: 's3://landing/sales/export/orders_parts/_SUCCESS',
        },
      };

      // Act
      const stored = renderHtmlReport(report);
      const html = renderHtmlReport(current);

      // Assess
      for (const page of [stored, html]) {
        expect(page).toContain(
          '<dt>folder</dt><dd><code>s3://landing/sales/export/orders_parts/</code></dd>',
        );
        expect(page).toContain(
          '<dt>version</dt><dd><code>marker-0062F1A5B3C4D5E6F7</code> <span class="muted">(of its completion marker)</span>',
        );
        expect(page).toContain('<dt>parts</dt><dd>8 of 8 validated</dd>');
        expect(page).not.toContain('d41d8cd98f00b204e9800998ecf8427e');
        expect(page).not.toContain('<dt>etag</dt>');
        expect(page).not.toContain('<dt>object</dt>');
      }
      expect(html).toContain(
        '<dt>marker</dt><dd><code>s3://landing/sales/export/orders_parts/_SUCCESS</code></dd>',
      );
    });
  });

  describe('quantile labels', () => {
    /** Generous advance of one character at the charts' 10px size (DejaVu Sans digits are ~6.4px). */
    const CHAR_ADVANCE = 6.5;

    /** The labels of every quantile chart of a page, as [left, right] on their line. */
    function quantileLabels(
      html: string,
    ): { chart: number; y: string; left: number; right: number; text: string }[] {
      const charts = [...html.matchAll(/<svg[^>]*class="chart quantiles"[^>]*>(.*?)<\/svg>/gs)];
      return charts.flatMap((chart, i) =>
        [
          ...chart[1]!.matchAll(
            /<text[^>]* x="([\d.-]+)" y="([\d.]+)" text-anchor="(start|middle|end)">([^<]*)<\/text>/g,
          ),
        ].map((m) => {
          const x = Number(m[1]);
          const text = m[4]!.replace(/&[a-z#0-9]+;/g, '&');
          const width = [...text].length * CHAR_ADVANCE;
          const left = m[3] === 'start' ? x : m[3] === 'middle' ? x - width / 2 : x - width;
          return { chart: i, y: m[2]!, left, right: left + width, text };
        }),
      );
    }

    it('Noncompliance 1: crowded quantiles get labels that neither overlap nor leave the chart', () => {
      // Prepare
      const report = crowdedQuantilesReport();

      // Act
      const labels = quantileLabels(renderHtmlReport(report));

      // Assess
      expect(new Set(labels.map((l) => l.chart)).size).toBe(CROWDED_QUANTILES.length);
      const problems: string[] = [];
      for (const a of labels) {
        if (a.left < -0.05 || a.right > CHART_WIDTH + 0.05) problems.push(`${a.text} leaves the chart`);
        for (const b of labels) {
          if (a === b || a.chart !== b.chart || a.y !== b.y) continue;
          const apart = a.right + LABEL_MIN_GAP - 0.1 <= b.left || b.right + LABEL_MIN_GAP - 0.1 <= a.left;
          if (!apart) problems.push(`${a.text} overlaps ${b.text}`);
        }
      }
      expect(problems).toEqual([]);
    });

    it('Compliance: labels that fit stay on one line, each over its own value', () => {
      // Prepare
      const requests = [
        { x: 20, text: 'p1 ≈3' },
        { x: 130, text: 'median ≈41' },
        { x: 240, text: 'p99 ≈118' },
      ];

      // Act
      const placed = placeLabels(requests);

      // Assess
      expect(placed.map((p) => p.line)).toEqual([0, 0, 0]);
      expect(placed[1]!.x).toBe(130);
      expect(placed[0]!.x - placed[0]!.width / 2).toBeGreaterThanOrEqual(0);
      expect(placed[2]!.x + placed[2]!.width / 2).toBeLessThanOrEqual(CHART_WIDTH);
    });

    it('Compliance: labels too wide for one line go on two, in order', () => {
      // Prepare: three labels of 18 characters (117px each) cannot share 260px
      const text = 'x'.repeat(18);
      const requests = [0, 130, 260].map((x) => ({ x, text }));

      // Act
      const placed = placeLabels(requests);

      // Assess
      expect(placed.map((p) => p.line)).toEqual([0, 1, 0]);
      expect(placed[0]!.x + placed[0]!.width / 2 + LABEL_MIN_GAP).toBeLessThanOrEqual(
        placed[2]!.x - placed[2]!.width / 2,
      );
    });
  });

  describe('size', () => {
    it('Compliance: a 200-column report with histograms, quantiles and top values stays under 10 KiB a column', () => {
      // Prepare
      const report = wideReport(200);

      // Act
      const html = renderHtmlReport(report);

      // Assess: bounded by bytes of markup per column, not by time (which depends on the machine)
      expect(html.match(/<article class="col"/g)).toHaveLength(200);
      expect(html.match(/class="chart histogram"/g)).toHaveLength(200);
      expect(html.match(/class="chart quantiles"/g)).toHaveLength(200);
      expect(Buffer.byteLength(html) / 200).toBeLessThan(10 * 1024);
    });
  });
});
