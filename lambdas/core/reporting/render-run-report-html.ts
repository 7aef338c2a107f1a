/**
 * The HTML page of a pipeline run (run-report.ts): the run's status, one row per output with its
 * objects, rows, failed rules and links to their reports and failing rows, the rows flowing from
 * step to step, and the schema compatibility of the run's validations.
 *
 * Self-contained and locked down like the validation page (render-html-report.ts): inline CSS, no
 * script, a Content-Security-Policy that forbids every load, every value escaped, links only where
 * isSafeHref allows them (names, rules and URIs come from whoever wrote the objects).
 */
import { escapeHtml } from './escape-html';
import { formatBytes, formatCount } from './format-numbers';
import { isSafeHref, REPORT_CSP } from './render-html-report';
import type { RunFlow, RunOutputSummary, RunReport } from './run-report';

export interface RunReportHtmlOptions {
  /** Turns an s3:// URI into the link the page shows (a console or presigned URL); the URI itself by default. */
  readonly href?: (uri: string) => string;
}

const STATUS_CLASSES = ['passed', 'warned', 'failed', 'error', 'pending'] as const;
const LEVEL_CLASSES = ['strict', 'compatible', 'convertible', 'incompatible'] as const;

/** Class names come from fixed lists, never from the data. */
function pick(allowed: readonly string[], value: string): string {
  return allowed.includes(value) ? value : 'other';
}

const STYLE = `
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--card:#f6f8fa;--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--info:#0969da}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--fg)}
main{max-width:1280px;margin:0 auto;padding:20px 24px 40px}
h1{font-size:20px;margin:0;word-break:break-all}
h2{font-size:16px;margin:28px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
.title{display:flex;gap:12px;align-items:center;flex-wrap:wrap}
.badge,.st,.lvl{display:inline-block;border-radius:12px;color:#fff;background:var(--muted);white-space:nowrap}
.badge{padding:3px 10px;font-weight:700;font-size:13px;letter-spacing:.04em}
.st,.lvl{padding:1px 7px;font-size:12px}
.passed,.strict{background:var(--ok)}
.warned,.convertible,.pending{background:var(--warn)}
.failed,.error,.incompatible{background:var(--bad)}
.compatible{background:var(--info)}
.summary{margin:10px 0 14px;font-size:15px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:var(--card);font-weight:600;white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
ul{margin:0;padding-left:18px}
a{color:var(--info)}
.muted{color:var(--muted)}
`;

function status(value: string, cls = 'st'): string {
  return `<span class="${cls} ${pick(STATUS_CLASSES, value)}">${escapeHtml(value)}</span>`;
}

function link(uri: string, label: string, options: RunReportHtmlOptions): string {
  const href = options.href ? options.href(uri) : uri;
  return isSafeHref(href)
    ? `<a href="${escapeHtml(href)}">${escapeHtml(label)}</a>`
    : `<span class="mono">${escapeHtml(uri)}</span>`;
}

function counts(statuses: Readonly<Record<string, number | undefined>>): string {
  return Object.entries(statuses)
    .filter(([, n]) => n !== undefined && n > 0)
    .map(([s, n]) => `${formatCount(n)} ${escapeHtml(s)}`)
    .join(', ');
}

function outputRow(o: RunOutputSummary, options: RunReportHtmlOptions): string {
  const rules =
    o.failedRules.length === 0
      ? '<span class="muted">none</span>'
      : `<ul>${o.failedRules.map((r) => `<li>${escapeHtml(r.rule)} <span class="muted">(${formatCount(r.objects)} of ${formatCount(o.objects)})</span></li>`).join('')}</ul>`;
  const reports = o.reports.map((u, i) =>
    link(u, o.reports.length > 1 ? `report ${i + 1}` : 'report', options),
  );
  const quarantines = o.quarantines.map((u, i) =>
    link(u, o.quarantines.length > 1 ? `failing rows ${i + 1}` : 'failing rows', options),
  );
  const errors =
    o.errors.length === 0 ? '' : `<ul>${o.errors.map((e) => `<li>${escapeHtml(e)}</li>`).join('')}</ul>`;
  const rows = `${formatCount(o.rows)}${o.rowsUnknown > 0 ? ` <span class="muted">(+${formatCount(o.rowsUnknown)} objects unknown)</span>` : ''}`;
  return `<tr><td>${status(o.status)}</td><td class="mono">${escapeHtml(o.output)}</td><td class="num">${formatCount(o.objects)}${o.superseded > 0 ? ` <span class="muted">(${formatCount(o.superseded)} replaced)</span>` : ''}</td><td class="num">${rows}</td><td class="num">${formatBytes(o.bytes)}</td><td>${rules}${errors}</td><td>${[...reports, ...quarantines].join('<br>')}</td></tr>`;
}

function flowRow(f: RunFlow): string {
  const change =
    f.rowsFrom !== undefined && f.rowsTo !== undefined && f.rowsFrom > 0
      ? `${(((f.rowsTo - f.rowsFrom) / f.rowsFrom) * 100).toFixed(1)}%`
      : '–';
  const rows = (n: number | undefined) =>
    n === undefined ? '<span class="muted">outside the run</span>' : formatCount(n);
  return `<tr><td class="mono">${escapeHtml(f.from)}</td><td class="mono">${escapeHtml(f.to)}</td><td>${escapeHtml(f.kind)}</td><td class="num">${rows(f.rowsFrom)}</td><td class="num">${rows(f.rowsTo)}</td><td class="num">${change}</td></tr>`;
}

export function renderRunReportHtml(report: RunReport, options: RunReportHtmlOptions = {}): string {
  const title = `${report.pipeline} run ${report.runId}`;
  const outputs =
    report.outputs.length === 0
      ? '<p class="muted">No object is registered in this run.</p>'
      : `<table><thead><tr><th>Status</th><th>Output</th><th class="num">Objects</th><th class="num">Rows</th><th class="num">Size</th><th>Failed rules / errors</th><th>Reports</th></tr></thead><tbody>${report.outputs.map((o) => outputRow(o, options)).join('')}</tbody></table>`;
  const flow =
    report.flow.length === 0
      ? '<p class="muted">No lineage edge leads into this run\'s objects.</p>'
      : `<table><thead><tr><th>From</th><th>To</th><th>Edge</th><th class="num">Rows from</th><th class="num">Rows to</th><th class="num">Change</th></tr></thead><tbody>${report.flow.map(flowRow).join('')}</tbody></table>`;
  const compatibility =
    report.compatibility.outputs.length === 0
      ? '<p class="muted">No validation report of this run could be read.</p>'
      : `<table><thead><tr><th>Output</th><th>Worst level</th><th>Columns below strict</th></tr></thead><tbody>${report.compatibility.outputs
          .map((o) => {
            const columns = o.columns.filter((c) => c.worst !== 'strict');
            const list =
              columns.length === 0
                ? '<span class="muted">none</span>'
                : columns
                    .map(
                      (c) =>
                        `${escapeHtml(c.name)} <span class="lvl ${pick(LEVEL_CLASSES, c.worst)}">${escapeHtml(c.worst)}</span>`,
                    )
                    .join(', ');
            return `<tr><td class="mono">${escapeHtml(o.output)}</td><td><span class="lvl ${pick(LEVEL_CLASSES, o.worst)}">${escapeHtml(o.worst)}</span></td><td>${list}</td></tr>`;
          })
          .join('')}</tbody></table>`;
  const missing =
    report.reportsMissing.length === 0
      ? ''
      : `<h2>Reports that could not be read</h2><ul>${report.reportsMissing.map((u) => `<li class="mono">${escapeHtml(u)}</li>`).join('')}</ul>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>
<div class="title">${status(report.status, 'badge')}<h1>${escapeHtml(title)}</h1></div>
<p class="summary">${formatCount(report.objects)} objects in ${formatCount(report.outputs.length)} outputs: ${counts(report.statuses) || 'none'}. Generated ${escapeHtml(report.generatedAt)}.</p>
<h2>Outputs</h2>${outputs}
<h2>Rows from step to step</h2>${flow}
<h2>Schema compatibility</h2>${compatibility}
${missing}
</main></body></html>
`;
}
