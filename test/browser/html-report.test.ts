/**
 * The HTML report in a real browser (Chromium through playwright-core; see launch-chromium.ts for
 * where the binary comes from): hostile values in the data show as text and never run, the page
 * loads nothing from anywhere, and the charts are drawn with a real size. Skips nothing: without a
 * Chromium every test fails and says to set PRT_CHROMIUM.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';

import { objectPk } from '../../lambdas/core/registry/output-registry';
import { renderHtmlReport } from '../../lambdas/core/reporting/render-html-report';
import { renderRunReportHtml } from '../../lambdas/core/reporting/render-run-report-html';
import { buildRunReport } from '../../lambdas/core/reporting/run-report';
import {
  crowdedQuantilesReport,
  hostileReport,
  IMG_ONERROR,
  JS_URI,
  ordersReport,
  SCRIPT_TAG,
  SINGLE_QUOTE_BREAK,
  warnOnlyPassedReport,
  wideReport,
} from '../fixtures/report-fixtures';
import { launchChromium } from './launch-chromium';

const SCREENSHOT = '/tmp/report.png';

/**
 * What the hostile values would set if any of them ran. Page code is passed as text: the project's
 * tsconfig has no DOM types, and it runs in the browser anyway.
 */
const PWNED = 'window.__pwned';

let browser: BrowserContext | undefined;
let page: Page;
let requests: string[];
let problems: string[];
let folder: string | undefined;
/** Why the browser could not start: every test then fails with it (vitest would call them skipped). */
let unavailable: Error | undefined;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'prt-report-'));
  try {
    browser = await launchChromium(join(folder, 'profile'), { width: 1280, height: 900 });
  } catch (error) {
    unavailable = error as Error;
  }
});

afterAll(async () => {
  await browser?.close();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

beforeEach(async () => {
  if (unavailable || !browser) throw unavailable ?? new Error('the browser did not start');
  page = await browser.newPage();
  requests = [];
  problems = [];
  // Anything the page tries to fetch is recorded and refused: a self-contained report fetches nothing.
  await page.route('**/*', async (route) => {
    const url = route.request().url();
    if (url.startsWith('file:') && route.request().isNavigationRequest()) return route.continue();
    requests.push(url);
    return route.abort();
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('console', (message) => problems.push(`console ${message.type()}: ${message.text()}`));
});

afterEach(async () => {
  await page?.close();
});

async function hoverEverything(): Promise<void> {
  // Event-handler attributes would fire on hover or error; there must be none to fire.
  const targets = (await page.$$('td, code, span, text, dd')).slice(0, 150);
  for (const handle of targets) await handle.hover({ force: true, timeout: 1000 }).catch(() => undefined);
}

async function expectHostileShownAsText(): Promise<void> {
  expect(await page.evaluate(PWNED)).toBeUndefined();
  const text = (await page.textContent('body')) ?? '';
  for (const value of [SCRIPT_TAG, IMG_ONERROR, JS_URI, SINGLE_QUOTE_BREAK]) expect(text).toContain(value);
  expect(await page.locator('script').count()).toBe(0);
  expect(await page.locator('img, iframe, object, embed, link').count()).toBe(0);
  expect(await page.locator('a[href^="javascript" i]').count()).toBe(0);
  const handlers = await page.evaluate<string[]>(
    "[...document.querySelectorAll('*')].flatMap((el) => [...el.attributes].map((a) => a.name).filter((n) => n.startsWith('on')))",
  );
  expect(handlers).toEqual([]);
  expect(await page.title()).toContain(SCRIPT_TAG);
  expect(requests).toEqual([]);
  expect(problems).toEqual([]);
}

describe('HTML report in Chromium', () => {
  it('Compliance: hostile values set with setContent show as text and never run', async () => {
    // Prepare
    const html = renderHtmlReport(hostileReport(), { quarantineHref: JS_URI });

    // Act
    await page.setContent(html, { waitUntil: 'load' });
    await hoverEverything();

    // Assess
    await expectHostileShownAsText();
    expect(await page.locator('#failed-rows').textContent()).toContain('link withheld');
  });

  it('Compliance: the same page opened from a file:// URL', async () => {
    // Prepare
    const file = join(folder!, 'hostile.html');
    writeFileSync(file, renderHtmlReport(hostileReport()));

    // Act
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    await hoverEverything();

    // Assess
    expect(page.url()).toMatch(/^file:/);
    await expectHostileShownAsText();
  });

  it('Compliance: the CSP is in force (an injected inline script would be refused)', async () => {
    // Prepare
    await page.setContent(renderHtmlReport(ordersReport()), { waitUntil: 'load' });

    // Act: a script element added after load, as an injection would be, is blocked by the CSP
    const ran = await page.evaluate(
      `(() => { const s = document.createElement('script'); s.textContent = '${PWNED} = 9'; document.body.appendChild(s); return ${PWNED}; })()`,
    );

    // Assess
    expect(ran).toBeUndefined();
    problems = problems.filter((p) => !p.includes('Content Security Policy'));
    expect(problems).toEqual([]);
  });

  it('Compliance: every chart is drawn with a nonzero size; screenshot to /tmp/report.png', async () => {
    // Prepare
    const report = hostileReport();
    const profiles = report.profile ?? [];

    // Act
    await page.setContent(renderHtmlReport(report), { waitUntil: 'load' });

    // Assess
    const cards = page.locator('article.col');
    expect(await cards.count()).toBe(8);
    const kinds = {
      nullrate: 8,
      histogram: profiles.filter((p) => p.histogram).length,
      quantiles: profiles.filter((p) => p.quantiles).length,
      'top-values': profiles.filter((p) => p.top).length,
    };
    for (const [kind, expected] of Object.entries(kinds)) {
      const charts = page.locator(`svg.chart.${kind}`);
      expect(await charts.count(), `${kind}`).toBe(expected);
      for (const chart of await charts.all()) {
        const box = await chart.boundingBox();
        expect(box?.width, `${kind}`).toBeGreaterThan(100);
        expect(box?.height, `${kind}`).toBeGreaterThan(5);
      }
    }
    // Bars inside the charts are drawn too, not only their frames.
    const bars = await page.locator('svg.chart.histogram rect.bar').all();
    expect(bars.length).toBeGreaterThan(0);
    const heights = await Promise.all(bars.map(async (bar) => (await bar.boundingBox())?.height ?? 0));
    expect(Math.max(...heights)).toBeGreaterThan(30);
    const fill = await page
      .locator('svg.chart.nullrate.many rect.fill, svg.chart.nullrate.some rect.fill')
      .first()
      .boundingBox();
    expect(fill?.width).toBeGreaterThan(0);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);
  });

  it('Noncompliance 1: crowded quantile labels, as drawn, neither overlap nor leave their chart', async () => {
    // Prepare
    const html = renderHtmlReport(crowdedQuantilesReport()) + renderHtmlReport(ordersReport());

    // Act
    await page.setContent(html, { waitUntil: 'load' });
    const charts = await page.locator('svg.chart.quantiles').all();
    const drawn = await Promise.all(
      charts.map(async (chart) => ({
        frame: (await chart.boundingBox())!,
        labels: await Promise.all(
          (await chart.locator('text').all()).map(async (t) => ({
            text: (await t.textContent()) ?? '',
            box: (await t.boundingBox())!,
          })),
        ),
      })),
    );

    // Assess
    expect(drawn.length).toBeGreaterThanOrEqual(6);
    const problems: string[] = [];
    for (const { frame, labels } of drawn) {
      expect(labels.length).toBeGreaterThanOrEqual(1);
      for (const a of labels) {
        expect(a.box.width).toBeGreaterThan(0);
        if (a.box.x < frame.x - 0.5 || a.box.x + a.box.width > frame.x + frame.width + 0.5)
          problems.push(`${a.text} leaves its chart`);
        for (const b of labels) {
          if (a === b) continue;
          const apart =
            a.box.x + a.box.width <= b.box.x ||
            b.box.x + b.box.width <= a.box.x ||
            a.box.y + a.box.height <= b.box.y ||
            b.box.y + b.box.height <= a.box.y;
          if (!apart) problems.push(`${a.text} overlaps ${b.text}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('Compliance: a passed report with warn-only rows says so, and marks sketch figures as estimates', async () => {
    // Prepare
    const html = renderHtmlReport(warnOnlyPassedReport());

    // Act
    await page.setContent(html, { waitUntil: 'load' });

    // Assess
    const facts = (await page.locator('header dl.facts').textContent()) ?? '';
    expect(facts).toContain('rows breaking an error check0');
    expect(facts).toContain('rows breaking only warn rules2,857');
    expect(facts).not.toContain('failed rows');
    await page.setContent(renderHtmlReport(ordersReport()), { waitUntil: 'load' });
    expect(await page.locator('#estimates').textContent()).toContain('≈ marks an estimate');
    expect(await page.locator('svg.chart.quantiles text').first().textContent()).toContain('≈');
  });

  it('Compliance: a 200-column report loads and lays out every card', async () => {
    // Prepare
    const html = renderHtmlReport(wideReport(200));

    // Act
    await page.setContent(html, { waitUntil: 'load' });
    const last = await page.locator('article.col').last().boundingBox();

    // Assess
    expect(await page.locator('article.col').count()).toBe(200);
    expect(await page.locator('svg.chart.histogram').count()).toBe(200);
    expect(last?.height).toBeGreaterThan(100);
    expect(requests).toEqual([]);
  });

  it('Compliance: the run report shows hostile names, rules, reasons and links as text', async () => {
    // Prepare: a run whose id, output, failed rule, error and quarantine link are hostile
    const uri = 's3://data/pipelines/sales/run/x.csv';
    const report = buildRunReport({
      pipeline: 'sales',
      runId: SCRIPT_TAG,
      entries: [
        {
          pk: objectPk(uri),
          sk: 'VER#v1',
          uri,
          bucket: 'data',
          key: 'pipelines/sales/run/x.csv',
          versionId: 'v1',
          etag: 'e',
          size: 10,
          status: 'failed',
          dataType: 'pipeline',
          registeredAt: '2026-12-01T00:00:00.000Z',
          eventTime: '2026-12-01T00:00:00.000Z',
          pipeline: 'sales',
          step: 'ingestion',
          output: SINGLE_QUOTE_BREAK,
          runId: SCRIPT_TAG,
          rowCount: 3,
          failedRules: new Set([IMG_ONERROR]),
          quarantineUri: JS_URI,
        },
      ],
      reports: new Map(),
      edges: [],
      generatedAt: '2026-12-02T00:00:00.000Z',
    });

    // Act
    await page.setContent(renderRunReportHtml(report), { waitUntil: 'load' });
    await hoverEverything();

    // Assess
    await expectHostileShownAsText();
    expect(await page.locator('table').count()).toBe(1);
  });
});
