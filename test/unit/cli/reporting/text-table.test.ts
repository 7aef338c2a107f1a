import { describe, expect, it } from 'vitest';
import { formatTable } from '../../../../lib/cli/reporting/text-table';

describe('formatTable (the cache, download and outputs listings)', () => {
  it('prints control characters in a cell escaped, so a key cannot repaint the terminal', () => {
    // Prepare: an S3 key may hold any character, ESC and CR included.
    const key = 'runs/\u001b[2Jcleared\rfake.csv';

    // Act
    const text = formatTable(['key', 'status'], [[key, 'passed']]);

    // Assess
    expect(text.includes('\u001b') || text.includes('\r')).toBe(false);
    expect(text.split('\n')[1]).toBe('runs/\\x1B[2Jcleared\\x0Dfake.csv  passed');
  });

  it('aligns columns by characters, counting a surrogate pair once', () => {
    // Act
    const text = formatTable(
      ['name', 'n'],
      [
        ['\u{1F600}x', '1'],
        ['abc', '22'],
      ],
    );

    // Assess
    expect(text.split('\n')).toEqual(['name  n', '\u{1F600}x    1', 'abc   22']);
  });
});
