/**
 * The cross-validation compatibility aggregate as terminal text: one block per output, worst
 * first, with its columns' level counts. The aggregate itself is computed in the core
 * (lambdas/core/reporting/aggregate-compatibility.ts); only its console form lives with the CLI.
 */
import { LEVEL_ORDER, type CompatibilityAggregate, formatCount } from '../../../lambdas/core/reporting';
import { terminalColors } from './terminal-colors';
import { renderTextTable, terminalText } from './text-table';

export interface CompatibilityTextOptions {
  readonly color?: boolean;
  /** List every column, not only those that were ever worse than strict (default false). */
  readonly allColumns?: boolean;
}

function plural(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;
}

/** The aggregate as text: one block per output, worst first, with its columns' level counts. */
export function renderCompatibilityText(
  aggregate: CompatibilityAggregate,
  options: CompatibilityTextOptions = {},
): string {
  const paint = terminalColors(options.color === true);
  const out: string[] = [
    `Schema compatibility across ${plural(aggregate.validations, 'validation')} of ${plural(aggregate.outputs.length, 'output')}: ` +
      `worst ${paint.level(aggregate.worst)(aggregate.worst)}`,
  ];
  for (const o of aggregate.outputs) {
    out.push('');
    const statuses = Object.entries(o.statuses)
      .map(([s, n]) => `${paint.status(s)(terminalText(s))} ${formatCount(n)}`)
      .join(' · ');
    const span =
      o.firstValidatedAt !== undefined
        ? `  ${terminalText(o.firstValidatedAt)} … ${terminalText(o.lastValidatedAt ?? '')}`
        : '';
    out.push(
      `${paint.bold(terminalText(o.output))}  ${plural(o.validations, 'validation')}  worst ${paint.level(o.worst)(o.worst)}` +
        `${o.accepted ? ` (accepts ${o.accepted})` : ''}  ${statuses}${span}`,
    );
    out.push(`  overall: ${LEVEL_ORDER.map((l) => `${l} ${formatCount(o.levels[l])}`).join(', ')}`);
    const columns = options.allColumns ? o.columns : o.columns.filter((c) => c.worst !== 'strict');
    if (columns.length === 0) {
      out.push(
        `  ${o.columns.length > 0 ? `all ${plural(o.columns.length, 'column')} strict in every validation` : 'no columns compared'}`,
      );
      continue;
    }
    const rows = columns.map((c) => [
      c.name,
      { text: c.worst, paint: paint.level(c.worst) },
      ...LEVEL_ORDER.map((l) => formatCount(c.levels[l])),
      Object.entries(c.findings)
        .filter(([f]) => f !== 'ok')
        .map(([f, n]) => `${f.replace(/_/g, ' ')} ${formatCount(n)}`)
        .join(', '),
      c.worst === 'strict'
        ? ''
        : [c.worstSeen.object, c.worstSeen.validatedAt].filter((x) => x !== undefined).join(' at '),
    ]);
    out.push(
      ...renderTextTable(
        [
          { header: 'column', maxWidth: 32 },
          { header: 'worst' },
          ...LEVEL_ORDER.map((l) => ({ header: l, align: 'right' as const })),
          { header: 'findings', maxWidth: 48 },
          { header: 'worst first seen', maxWidth: 80 },
        ],
        rows,
        { headerPaint: paint.dim },
      ),
    );
  }
  return `${out.join('\n')}\n`;
}
