/**
 * The HTML page of one validation: status, summary, rule table, schema compatibility table,
 * per-column charts (null rate, histogram, quantile box, most frequent values), history findings
 * and the link to every failed row.
 *
 * The page is self-contained (inline CSS, inline SVG; no script, font, image or stylesheet to
 * fetch) so it can be stored next to the JSON report and opened from S3, a CI artifact or an
 * e-mail attachment. A Content-Security-Policy meta tag forbids scripts and every external load,
 * and every data value is escaped: column names, values and URIs come from whoever wrote the
 * object, so a value such as `<script>` must show as text. Built by string concatenation, no
 * template engine: a report with hundreds of columns renders in milliseconds.
 */
import type { ColumnReport, HistoryCheck, HistoryFinding, RuleResult } from '../validation/validation-report';
import { metricText } from '../history/history-findings';
import type { ColumnProfile } from '../metrics/column-profile';
import { DDSKETCH_RELATIVE_ACCURACY } from '../metrics/ddsketch';
import { describeCondition } from './describe-condition';
import { escapeHtml } from './escape-html';
import { finiteOrUndefined, formatBytes, formatCount, formatNumber, formatPercent } from './format-numbers';
import type { ReportDocument } from './report-document';
import { histogramChart, nullRateBar, quantileBox, rowCountTrend, topValuesChart } from './svg-charts';

export interface HtmlReportOptions {
  /**
   * Where the failed-rows link points: a presigned URL, a console link or a path relative to the
   * page. Only http(s), file and relative links are used; anything else (javascript:, data:...) is
   * shown as text, never as a link.
   */
  readonly quarantineHref?: string;
}

export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const STATUSES = ['passed', 'warned', 'failed'] as const;
const LEVELS = ['strict', 'compatible', 'convertible', 'incompatible'] as const;

/** Class names come from fixed lists, never from the data. */
function pick<T extends string>(allowed: readonly T[], value: unknown, fallback: string): string {
  return allowed.includes(value as T) ? (value as string) : fallback;
}

/**
 * Whether a link target is safe to put in an href: http(s), file or relative (none can run code).
 * Browsers drop tabs, newlines and leading spaces from URLs, so `java\tscript:` is checked as
 * `javascript:`.
 */
export function isSafeHref(href: string): boolean {
  // eslint-disable-next-line no-control-regex -- browsers drop control characters and spaces from URLs
  const compact = href.replace(/[\u0000-\u0020\u007f-\u009f]/g, '');
  if (compact === '') return false;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(compact);
  // No scheme: relative (or protocol-relative), so it resolves against the page's own http(s) or file URL.
  return scheme ? /^(https?|file)$/i.test(scheme[1]!) : true;
}

const STYLE = `
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--card:#f6f8fa;--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--info:#0969da;--bar:#0969da}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1280px;margin:0 auto;padding:20px 24px 40px}
h1{font-size:20px;margin:0;word-break:break-all}
h2{font-size:16px;margin:28px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
h3{font-size:14px;margin:0 0 6px;display:flex;gap:6px;align-items:baseline;flex-wrap:wrap}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
.title{display:flex;gap:12px;align-items:center;flex-wrap:wrap}
.badge{display:inline-block;padding:3px 10px;border-radius:12px;font-weight:700;font-size:13px;letter-spacing:.04em;color:#fff;background:var(--muted)}
.badge.passed,.lvl.strict,.out.pass{background:var(--ok)}
.badge.warned,.lvl.convertible,.sev.warn{background:var(--warn)}
.badge.failed,.lvl.incompatible,.out.fail,.sev.error{background:var(--bad)}
.lvl.compatible{background:var(--info)}
.lvl,.out,.sev{display:inline-block;padding:1px 7px;border-radius:10px;color:#fff;font-size:12px;background:var(--muted);white-space:nowrap}
.summary{margin:10px 0 14px;font-size:15px}
.facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(210px,1fr));gap:8px 16px;margin:0}
.facts div{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:6px 10px;min-width:0}
.facts dt{color:var(--muted);font-size:12px}
.facts dd{margin:0;overflow-wrap:anywhere}
nav{margin:16px 0 0;display:flex;gap:14px;flex-wrap:wrap;font-size:13px}
a{color:var(--info)}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:var(--card);font-weight:600;white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.failing td{background:#fff5f5}
tr.warning td{background:#fff8e6}
.meter{display:inline-block;width:60px;height:6px;background:var(--line);border-radius:3px;margin-left:6px;vertical-align:middle;overflow:hidden}
.meter i{display:block;height:100%;background:var(--ok)}
.failing .meter i{background:var(--bad)}
.warning .meter i{background:var(--warn)}
.note{display:block;color:var(--muted);font-size:12px}
.muted{color:var(--muted);fill:var(--muted)}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(292px,1fr));gap:12px}
.col{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 12px;min-width:0}
.col .name{font-weight:700;overflow-wrap:anywhere}
.col .type{color:var(--muted);font-size:12px}
.col dl{display:grid;grid-template-columns:auto 1fr;gap:1px 10px;margin:6px 0 0;font-size:12px}
.col dt{color:var(--muted)}
.col dd{margin:0;overflow-wrap:anywhere}
figure{margin:8px 0 0}
figcaption{font-size:11px;color:var(--muted);margin-bottom:2px}
svg.chart{display:block;overflow:visible}
svg.chart text{font:10px system-ui,sans-serif;fill:var(--fg)}
svg.chart text.muted{fill:var(--muted)}
svg .track{fill:var(--line)}
svg.nullrate.ok .fill{fill:var(--ok)}
svg.nullrate.some .fill{fill:var(--warn)}
svg.nullrate.many .fill{fill:var(--bad)}
svg .bar{fill:var(--bar)}
svg .axis,svg .whisker,svg .tick{stroke:var(--muted);stroke-width:1}
svg .box{fill:#ddf4ff;stroke:var(--info)}
svg .median{stroke:var(--bad);stroke-width:2}
svg .band{fill:#ddf4ff}
svg .band-median{stroke:var(--info);stroke-dasharray:4 3}
svg .trend{stroke:var(--bar);stroke-width:1.5}
svg .point{fill:var(--bar)}
svg .current{fill:var(--ok)}
svg .current.anomaly{fill:var(--bad)}
.empty{color:var(--muted);font-style:italic}
.legend{color:var(--muted);font-size:12px;margin:0 0 10px}
footer{margin-top:32px;color:var(--muted);font-size:12px}
`;

/** Quantiles and histograms come from a DDSketch: estimates within this relative accuracy. */
const QUANTILE_ACCURACY = `±${DDSKETCH_RELATIVE_ACCURACY * 100}% relative`;

const ESTIMATES_LEGEND =
  `≈ marks an estimate from a sketch: quantiles and histograms (DDSketch, ${QUANTILE_ACCURACY}) and ` +
  'distinct counts past the exact bound (HyperLogLog, ± its standard error). Every other figure is exact.';

function plural(n: number, one: string, many: string): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/**
 * Rows that broke an error check (a schema finding, a constraint or an error-severity rule) and
 * rows that broke only warn rules, told apart: a warned or passed output can have thousands of the
 * latter, and "failed rows" next to PASSED reads as a contradiction. A report made before the split
 * was counted (no warnOnlyRowCount) says only that the rows broke a check.
 */
function failedRowSplit(report: ReportDocument): { error: number; warnOnly: number } | undefined {
  const warnOnly = finiteOrUndefined(report.warnOnlyRowCount);
  const total = finiteOrUndefined(report.failedRowCount);
  if (warnOnly === undefined || total === undefined) return undefined;
  return { error: total - warnOnly, warnOnly };
}

function failedRowFacts(report: ReportDocument): string[] {
  const split = failedRowSplit(report);
  if (!split) return [fact('rows breaking a check', formatCount(report.failedRowCount))];
  const within =
    report.status === 'passed' && split.error > 0 ? ' <span class="muted">(within thresholds)</span>' : '';
  return [
    fact('rows breaking an error check', `${formatCount(split.error)}${within}`),
    fact('rows breaking only warn rules', formatCount(split.warnOnly)),
  ];
}

function failedRowSentence(report: ReportDocument): string {
  const split = failedRowSplit(report);
  if (!split) return `${plural(report.failedRowCount, 'row', 'rows')} broke at least one check.`;
  return (
    `${plural(split.error, 'row', 'rows')} broke an error check (schema, constraint or error rule); ` +
    `${plural(split.warnOnly, 'row', 'rows')} broke only warn rules.`
  );
}

function fact(label: string, valueHtml: string): string {
  return `<div><dt>${escapeHtml(label)}</dt><dd>${valueHtml}</dd></div>`;
}

function level(value: unknown): string {
  return `<span class="lvl ${pick(LEVELS, value, 'unknown')}">${escapeHtml(value)}</span>`;
}

function header(report: ReportDocument): string {
  const status = pick(STATUSES, report.status, 'unknown');
  const rules = report.rules ?? [];
  const passed = rules.filter((r) => r.outcome === 'pass').length;
  const facts = [
    fact('rows', formatCount(report.rowCount)),
    ...failedRowFacts(report),
    fact(
      'schema',
      `${level(report.schema?.level)} <span class="muted">accepts</span> ${level(report.schema?.accepted)}`,
    ),
    fact('rules passed', `${formatCount(passed)} of ${formatCount(rules.length)}`),
  ];
  const f = report.format;
  if (f) {
    const detected = `${escapeHtml(f.detected ?? '–')}${f.compression && f.compression !== 'none' ? ` (${escapeHtml(f.compression)})` : ''}`;
    facts.push(
      fact(
        'format',
        f.matches === false
          ? `<span class="out fail">mismatch</span> expected ${escapeHtml(f.expected)}, found ${detected}`
          : `${detected}${f.expected && f.expected !== f.detected ? ` (expected ${escapeHtml(f.expected)})` : ''}`,
      ),
    );
  }
  const o = report.object;
  // A partitioned output is a folder: its identity is the folder, the marker's version and its
  // parts; the ETag a report made before that was known carries is the empty marker's, not shown.
  const folder = report.parts !== undefined || o?.marker !== undefined;
  if (o) {
    facts.push(fact(folder ? 'folder' : 'object', `<code>${escapeHtml(o.uri)}</code>`));
    if (o.version !== undefined)
      facts.push(
        fact(
          'version',
          `<code>${escapeHtml(o.version)}</code>${folder ? ' <span class="muted">(of its completion marker)</span>' : ''}`,
        ),
      );
    if (o.size !== undefined)
      facts.push(
        fact(
          folder ? 'size of parts' : 'size',
          `${formatBytes(o.size)} <span class="muted">(${formatCount(o.size)} bytes)</span>`,
        ),
      );
    if (o.etag !== undefined && !folder) facts.push(fact('etag', `<code>${escapeHtml(o.etag)}</code>`));
    if (o.marker !== undefined) facts.push(fact('marker', `<code>${escapeHtml(o.marker)}</code>`));
  }
  const parts = report.parts;
  if (parts) {
    const trouble = [
      parts.unreadable > 0 ? `<span class="out fail">${formatCount(parts.unreadable)} unreadable</span>` : '',
      parts.notValidated > 0
        ? `<span class="out fail">${formatCount(parts.notValidated)} not validated</span>`
        : '',
    ].filter(Boolean);
    const first = parts.unreadableParts?.[0];
    facts.push(
      fact(
        'parts',
        `${formatCount(parts.validated)} of ${formatCount(parts.total)} validated${trouble.length ? `; ${trouble.join(', ')}` : ''}` +
          (first
            ? ` <span class="muted">first: <code>${escapeHtml(first.part)}</code> ${escapeHtml(first.error)}</span>`
            : ''),
      ),
    );
  }
  if (report.validatedAt !== undefined) facts.push(fact('validated at', escapeHtml(report.validatedAt)));
  return (
    `<header><div class="title"><span class="badge ${status}">${escapeHtml(String(report.status).toUpperCase())}</span>` +
    `<h1>${escapeHtml(report.output)}</h1></div>` +
    `<p class="summary">${escapeHtml(report.summary)}</p><dl class="facts">${facts.join('')}</dl></header>`
  );
}

const OUTCOME_ORDER = (r: RuleResult): number => (r.outcome !== 'fail' ? 2 : r.severity === 'error' ? 0 : 1);

function rulesSection(rules: readonly RuleResult[]): string {
  if (rules.length === 0)
    return `<section id="rules"><h2>Rules</h2><p class="empty">No rules were evaluated.</p></section>`;
  const sorted = rules
    .map((r, i) => ({ r, i }))
    .sort((a, b) => OUTCOME_ORDER(a.r) - OUTCOME_ORDER(b.r) || a.i - b.i);
  const rows = sorted.map(({ r }) => {
    const failing = r.outcome === 'fail';
    const rowClass = failing ? (r.severity === 'error' ? ' class="failing"' : ' class="warning"') : '';
    const rate = finiteOrUndefined(r.passRate);
    const meter =
      rate === undefined
        ? ''
        : `<span class="meter"><i style="width:${(Math.min(1, Math.max(0, rate)) * 100).toFixed(1)}%"></i></span>`;
    const type = r.constraint !== undefined ? `${r.type} (${r.constraint})` : r.type;
    return (
      `<tr${rowClass}><td><code>${escapeHtml(r.name)}</code>${r.note !== undefined ? `<span class="note">${escapeHtml(r.note)}</span>` : ''}</td>` +
      `<td>${escapeHtml(type)}</td><td><code>${escapeHtml(r.field ?? '')}</code></td>` +
      `<td>${escapeHtml(describeCondition(r.condition, r.constraint))}</td>` +
      `<td class="num">${formatPercent(r.threshold)}</td><td class="num">${formatPercent(r.passRate)}${meter}</td>` +
      `<td class="num">${formatCount(r.evaluated)}</td><td class="num">${formatCount(r.failed)}</td>` +
      `<td><span class="sev ${pick(['error', 'warn'], r.severity, 'unknown')}">${escapeHtml(r.severity)}</span></td>` +
      `<td><span class="out ${pick(['pass', 'fail'], r.outcome, 'unknown')}">${escapeHtml(r.outcome)}</span></td></tr>`
    );
  });
  return (
    `<section id="rules"><h2>Rules</h2><table><thead><tr><th>Rule</th><th>Type</th><th>Field</th><th>Condition</th>` +
    `<th class="num">Threshold</th><th class="num">Pass rate</th><th class="num">Evaluated</th><th class="num">Failed</th>` +
    `<th>Severity</th><th>Outcome</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`
  );
}

function exampleText(c: ColumnReport): string {
  if (!c.example) return '';
  const value = c.example.value === null ? 'null' : `'${c.example.value}'`;
  return `row ${formatCount(c.example.row)}: ${value}`;
}

function schemaSection(report: ReportDocument, anchors: ReadonlyMap<string, string>): string {
  const columns = report.schema?.columns ?? [];
  const head = `<section id="schema"><h2>Schema compatibility</h2>`;
  if (columns.length === 0) return `${head}<p class="empty">No columns were compared.</p></section>`;
  const rank = (c: ColumnReport): number => -Math.max(0, LEVELS.indexOf(c.level));
  const sorted = columns.map((c, i) => ({ c, i })).sort((a, b) => rank(a.c) - rank(b.c) || a.i - b.i);
  const rows = sorted.map(({ c }) => {
    const anchor = anchors.get(c.name);
    const name = `<code>${escapeHtml(c.name)}</code>`;
    const rowClass =
      c.level === 'incompatible' ? ' class="failing"' : c.level === 'convertible' ? ' class="warning"' : '';
    return (
      `<tr${rowClass}><td>${anchor ? `<a href="#${anchor}">${name}</a>` : name}</td><td>${escapeHtml(c.expectedType ?? '–')}</td>` +
      `<td>${escapeHtml(c.finding.replace(/_/g, ' '))}</td><td>${level(c.level)}</td>` +
      `<td class="num">${formatCount(c.nulls)}</td><td class="num">${formatCount(c.nonConforming)}</td>` +
      `<td>${escapeHtml(c.castPlan ?? '')}</td><td><code>${escapeHtml(exampleText(c))}</code></td></tr>`
    );
  });
  return (
    `${head}<table><thead><tr><th>Column</th><th>Expected type</th><th>Finding</th><th>Level</th>` +
    `<th class="num">Nulls</th><th class="num">Non-conforming</th><th>Cast plan</th><th>Example</th></tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table></section>`
  );
}

function figure(caption: string, svg: string): string {
  return svg === '' ? '' : `<figure><figcaption>${escapeHtml(caption)}</figcaption>${svg}</figure>`;
}

function columnCard(
  anchor: string,
  name: string,
  profile: ColumnProfile | undefined,
  column: ColumnReport | undefined,
  rowCount: number,
): string {
  const type = profile?.type ?? column?.expectedType ?? null;
  const nulls = profile?.nulls ?? column?.nulls ?? 0;
  const nullRate = finiteOrUndefined(profile?.nullRate) ?? (rowCount > 0 ? nulls / rowCount : 0);
  const stats: string[] = [];
  const stat = (label: string, html: string): void => {
    stats.push(`<dt>${escapeHtml(label)}</dt><dd>${html}</dd>`);
  };
  if (profile) {
    stat('values', formatCount(profile.count));
    const d = profile.distinct;
    if (d)
      stat(
        'distinct',
        d.exact
          ? formatCount(d.value)
          : `<span class="estimate">≈${formatCount(d.value)}</span> <span class="muted">(HyperLogLog estimate, ±${formatPercent(d.relativeError)})</span>`,
      );
    if (profile.nonConforming > 0) stat('non-conforming', formatCount(profile.nonConforming));
    if (profile.min !== undefined) stat('min', `<code>${escapeHtml(profile.min)}</code>`);
    if (profile.max !== undefined) stat('max', `<code>${escapeHtml(profile.max)}</code>`);
    if (finiteOrUndefined(profile.mean) !== undefined) stat('mean', formatNumber(profile.mean));
    if (finiteOrUndefined(profile.stddev) !== undefined) stat('stddev', formatNumber(profile.stddev));
    if (profile.length)
      stat('length', `${formatCount(profile.length.min)} – ${formatCount(profile.length.max)}`);
  } else if (column) {
    stat('non-conforming', formatCount(column.nonConforming));
  }
  const charts = [
    figure(`null rate ${formatPercent(nullRate)} (${formatCount(nulls)} nulls)`, nullRateBar(name, nullRate)),
    profile?.histogram
      ? figure('histogram ≈ (estimated from the quantile sketch)', histogramChart(name, profile.histogram))
      : '',
    profile?.quantiles
      ? figure(
          `quantiles p1 · p5 · p25 · p50 · p75 · p95 · p99 ≈ (DDSketch estimates, ${QUANTILE_ACCURACY})`,
          quantileBox(name, profile.quantiles),
        )
      : '',
    profile?.top ? figure('most frequent values', topValuesChart(name, profile.top, profile.count)) : '',
  ];
  return (
    `<article class="col" id="${anchor}"><h3><span class="name">${escapeHtml(name)}</span>` +
    `<span class="type">${escapeHtml(type ?? 'unknown type')}</span>${column ? level(column.level) : ''}</h3>` +
    `${charts.join('')}${stats.length > 0 ? `<dl>${stats.join('')}</dl>` : ''}</article>`
  );
}

function columnsSection(report: ReportDocument, anchors: Map<string, string>): string {
  const profiles = report.profile ?? [];
  const columns = report.schema?.columns ?? [];
  const byName = new Map(columns.map((c) => [c.name, c]));
  const names: string[] = [];
  const seen = new Set<string>();
  for (const n of [...profiles.map((p) => p.name), ...columns.map((c) => c.name)]) {
    if (!seen.has(n)) {
      seen.add(n);
      names.push(n);
    }
  }
  const head = `<section id="columns"><h2>Columns</h2>`;
  if (names.length === 0) return `${head}<p class="empty">No column was profiled.</p></section>`;
  const profileOf = new Map(profiles.map((p) => [p.name, p]));
  // Anchors are positions, not names: a name can hold any character.
  names.forEach((n, i) => anchors.set(n, `col-${i + 1}`));
  const cards = names.map((n) =>
    columnCard(anchors.get(n)!, n, profileOf.get(n), byName.get(n), report.rowCount),
  );
  const legend = profiles.length > 0 ? `<p class="legend" id="estimates">${ESTIMATES_LEGEND}</p>` : '';
  return `${head}${legend}<div class="grid">${cards.join('')}</div></section>`;
}

/** A finding's expected values: the band of a history judgement, or the bound of an older report. */
function expectedCell(h: HistoryFinding): string {
  if (h.expected !== undefined)
    return `${escapeHtml(metricText(h.metric, h.expected.low))} – ${escapeHtml(metricText(h.metric, h.expected.high))}`;
  if (h.previous !== undefined) return `previous ${formatNumber(h.previous)}, bound ${formatNumber(h.bound)}`;
  return '–';
}

function historySection(
  history: readonly HistoryFinding[] | undefined,
  check: HistoryCheck | undefined,
): string {
  if (history === undefined && check === undefined) return '';
  const head = `<section id="history"><h2>History</h2>`;
  const note = check !== undefined ? `<p class="legend">${escapeHtml(check.message)}</p>` : '';
  const trend =
    check !== undefined
      ? rowCountTrend(
          check.trend.flatMap((p) =>
            p.rowCount === null
              ? []
              : [{ label: `${p.version} · ${p.arrival} · ${p.status}`, value: p.rowCount }],
          ),
          check.rowCountBand,
        )
      : '';
  const chart =
    trend === ''
      ? ''
      : `<figure><figcaption>Row count of the earlier versions and this one, with the expected band</figcaption>${trend}</figure>`;
  if (history === undefined || history.length === 0)
    return `${head}${note}${chart}<p class="empty">No anomaly against earlier versions of this output.</p></section>`;
  const rows = history.map(
    (h) =>
      `<tr class="warning"><td>${escapeHtml(h.metric)}</td><td><code>${escapeHtml(h.column ?? '')}</code></td>` +
      `<td class="num">${escapeHtml(metricText(h.metric, h.current))}</td><td class="num">${expectedCell(h)}</td>` +
      `<td>${escapeHtml(h.message)}</td></tr>`,
  );
  return (
    `${head}${note}${chart}<table><thead><tr><th>Metric</th><th>Column</th><th class="num">Value</th><th class="num">Expected</th>` +
    `<th>Finding</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`
  );
}

function failedRowsSection(report: ReportDocument, options: HtmlReportOptions): string {
  const head = `<section id="failed-rows"><h2>Failed rows</h2>`;
  const uri = report.quarantineUri ?? null;
  if (report.failedRowCount === 0 && uri === null)
    return `${head}<p class="empty">No row failed a check.</p></section>`;
  const counted = `${failedRowSentence(report)}${report.status === 'passed' ? ' The output passed: every rule stayed within its threshold.' : ''}`;
  if (uri === null) {
    // prt validate makes a report without a quarantine sink (no quarantineUri at all); the
    // workflow records null only when no row was quarantined.
    const where =
      report.quarantineUri === undefined
        ? 'They were counted, not stored: this validation had no quarantine object to write them to.'
        : 'They were not written to a quarantine object.';
    return `${head}<p>${counted} ${where}</p></section>`;
  }
  const href = options.quarantineHref ?? (/^(https?|file):/i.test(uri) ? uri : undefined);
  const target =
    href !== undefined && isSafeHref(href)
      ? `<a href="${escapeHtml(href)}" rel="noopener noreferrer"><code>${escapeHtml(uri)}</code></a>`
      : `<code>${escapeHtml(uri)}</code>${href !== undefined ? ' <span class="muted">(link withheld: not an http(s), file or relative address)</span>' : ''}`;
  return (
    `${head}<p>${counted} ` +
    `Every one of them (not a sample) is in ${target}: JSON Lines with the row number, its values and the checks it broke.</p></section>`
  );
}

/**
 * Renders the self-contained HTML page of a validation report (a StoredReport or a bare
 * ValidationReport).
 *
 * @example
 * const html = renderHtmlReport(stored, { quarantineHref: presignedUrl });
 * await store.write(bucket, key.replace(/\.json$/, '.html'), html, 'text/html; charset=utf-8');
 */
export function renderHtmlReport(report: ReportDocument, options: HtmlReportOptions = {}): string {
  const anchors = new Map<string, string>();
  // Columns first: the schema table links to the cards by their anchors.
  const columns = columnsSection(report, anchors);
  const ruleCount = report.rules?.length ?? 0;
  const nav = [
    `<a href="#rules">Rules (${ruleCount})</a>`,
    `<a href="#schema">Schema compatibility</a>`,
    `<a href="#columns">Columns (${anchors.size})</a>`,
    report.history !== undefined || report.historyCheck !== undefined
      ? `<a href="#history">History (${report.history?.length ?? 0})</a>`
      : '',
    `<a href="#failed-rows">Failed rows (${formatCount(report.failedRowCount)})</a>`,
  ].join('');
  const title = `${String(report.status).toUpperCase()} · ${report.output} · prt validation report`;
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">` +
    `<meta name="referrer" content="no-referrer">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>` +
    header(report) +
    `<nav>${nav}</nav>` +
    rulesSection(report.rules ?? []) +
    schemaSection(report, anchors) +
    columns +
    historySection(report.history, report.historyCheck) +
    failedRowsSection(report, options) +
    `<footer>Pipeline Runtime Testing (prt) validation report${report.validatedAt !== undefined ? ` · ${escapeHtml(report.validatedAt)}` : ''}.</footer>` +
    `</main></body></html>\n`
  );
}
