import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assembleReliabilityDoc, recordFigures } from '../../fixtures/reliability-report';

describe('reliability figures', () => {
  let dir: string;
  const saved = process.env['PRT_RELIABILITY_DIR'];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'prt-reliability-'));
    process.env['PRT_RELIABILITY_DIR'] = join(dir, 'figures');
  });
  afterEach(() => {
    if (saved === undefined) delete process.env['PRT_RELIABILITY_DIR'];
    else process.env['PRT_RELIABILITY_DIR'] = saved;
  });

  it('a run writes its section to the figures folder, not to the document', () => {
    // Prepare
    const doc = join(dir, 'reliability.md');
    writeFileSync(doc, 'unchanged');

    // Act
    recordFigures({ id: 'burst-load', title: 'Burst load', body: '| a |\n| --- |\n| 1 |' });

    // Assess
    expect(readFileSync(doc, 'utf8')).toBe('unchanged');
    expect(readFileSync(join(dir, 'figures', 'burst-load.md'), 'utf8')).toContain('| 1 |');
  });

  it('assembly replaces the sections that ran and keeps the others, in the document order', () => {
    // Prepare
    const doc = join(dir, 'reliability.md');
    writeFileSync(
      doc,
      '# old\n<!-- section:security-review -->\n## Security review\nkept\n<!-- /section:security-review -->\n' +
        '<!-- section:burst-load -->\n## Burst load\nold figures\n<!-- /section:burst-load -->\n',
    );
    recordFigures({ id: 'burst-load', title: 'Burst load', body: 'new figures' });

    // Act
    const fresh = assembleReliabilityDoc(doc, join(dir, 'figures'));

    // Assess
    const text = readFileSync(doc, 'utf8');
    expect(fresh).toEqual(['burst-load']);
    expect(text).toContain('new figures');
    expect(text).not.toContain('old figures');
    expect(text).toContain('kept');
    expect(text.indexOf('Burst load')).toBeLessThan(text.indexOf('Security review'));
  });
});
