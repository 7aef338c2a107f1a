/**
 * Compatibility across many validations: per output and per column, the worst level seen, how
 * many validations saw each level and each finding, and where the worst was first seen. It
 * answers "has this output ever drifted, in which columns, and since when" from stored reports.
 *
 * Reports are added one at a time and only counts are kept, so thousands of reports (read one by
 * one from S3) aggregate in memory proportional to the outputs and columns, not the reports.
 */
import type { CompatibilityLevel } from '../contracts/output-contract';
import type { ReportDocument } from './report-document';

export const LEVEL_ORDER: readonly CompatibilityLevel[] = [
  'strict',
  'compatible',
  'convertible',
  'incompatible',
];

export type LevelCounts = Readonly<Record<CompatibilityLevel, number>>;

/** Where a level was seen: the object and time of the validation, and what it found. */
export interface LevelSighting {
  readonly object?: string;
  readonly validatedAt?: string;
  readonly finding: string;
  readonly castPlan?: string;
}

export interface ColumnCompatibility {
  readonly name: string;
  readonly worst: CompatibilityLevel;
  /** Validations that reported the column, per level. */
  readonly levels: LevelCounts;
  /** Validations per finding (ok, missing, extra, type_mismatch, unexpected_nulls...). */
  readonly findings: Readonly<Record<string, number>>;
  readonly validations: number;
  /** The earliest validation (by validatedAt, else order added) at the worst level. */
  readonly worstSeen: LevelSighting;
}

export interface OutputCompatibility {
  readonly output: string;
  readonly validations: number;
  /** Worst overall schema level of any validation. */
  readonly worst: CompatibilityLevel;
  /** Validations per overall schema level. */
  readonly levels: LevelCounts;
  /** Validations per status (passed, warned, failed). */
  readonly statuses: Readonly<Record<string, number>>;
  /** The level the contract accepted in the most recent validation. */
  readonly accepted?: CompatibilityLevel;
  readonly firstValidatedAt?: string;
  readonly lastValidatedAt?: string;
  /** Worst first, then by name. */
  readonly columns: readonly ColumnCompatibility[];
}

export interface CompatibilityAggregate {
  readonly validations: number;
  readonly worst: CompatibilityLevel;
  /** Worst first, then by name. */
  readonly outputs: readonly OutputCompatibility[];
}

/** Unknown levels (a report from a newer engine, a damaged file) count as the worst: never hide a problem. */
function rankOf(level: unknown): number {
  const i = LEVEL_ORDER.indexOf(level as CompatibilityLevel);
  return i < 0 ? LEVEL_ORDER.length - 1 : i;
}

function zero(): Record<CompatibilityLevel, number> {
  return { strict: 0, compatible: 0, convertible: 0, incompatible: 0 };
}

/** Whether sighting `a` came before `b`: by time when both have one, else by insertion order. */
function earlier(a: { at?: string; seq: number }, b: { at?: string; seq: number }): boolean {
  if (a.at !== undefined && b.at !== undefined && a.at !== b.at) return a.at < b.at;
  return a.seq < b.seq;
}

interface ColumnState {
  rank: number;
  levels: Record<CompatibilityLevel, number>;
  findings: Record<string, number>;
  validations: number;
  worstSeen: LevelSighting & { seq: number; at?: string };
}

interface OutputState {
  validations: number;
  rank: number;
  levels: Record<CompatibilityLevel, number>;
  statuses: Record<string, number>;
  accepted?: { level: CompatibilityLevel; at?: string; seq: number };
  first?: string;
  last?: string;
  columns: Map<string, ColumnState>;
}

export class CompatibilityAggregator {
  private readonly outputs = new Map<string, OutputState>();
  private seq = 0;
  private count = 0;

  add(report: ReportDocument): this {
    const seq = this.seq++;
    this.count++;
    const at = report.validatedAt;
    let out = this.outputs.get(report.output);
    if (!out) {
      out = { validations: 0, rank: 0, levels: zero(), statuses: {}, columns: new Map() };
      this.outputs.set(report.output, out);
    }
    out.validations++;
    const rank = rankOf(report.schema?.level);
    out.rank = Math.max(out.rank, rank);
    out.levels[LEVEL_ORDER[rank]!]++;
    const status = String(report.status);
    out.statuses[status] = (out.statuses[status] ?? 0) + 1;
    const accepted = report.schema?.accepted;
    if (
      accepted !== undefined &&
      (!out.accepted || !earlier({ ...(at !== undefined ? { at } : {}), seq }, out.accepted))
    ) {
      out.accepted = { level: LEVEL_ORDER[rankOf(accepted)]!, seq, ...(at !== undefined ? { at } : {}) };
    }
    if (at !== undefined) {
      if (out.first === undefined || at < out.first) out.first = at;
      if (out.last === undefined || at > out.last) out.last = at;
    }
    for (const c of report.schema?.columns ?? []) {
      const cRank = rankOf(c.level);
      const sighting = {
        seq,
        finding: c.finding,
        ...(at !== undefined ? { at, validatedAt: at } : {}),
        ...(report.object?.uri !== undefined ? { object: report.object.uri } : {}),
        ...(c.castPlan !== undefined ? { castPlan: c.castPlan } : {}),
      };
      let col = out.columns.get(c.name);
      if (!col) {
        col = { rank: cRank, levels: zero(), findings: {}, validations: 0, worstSeen: sighting };
        out.columns.set(c.name, col);
      } else if (cRank > col.rank || (cRank === col.rank && earlier(sighting, col.worstSeen))) {
        col.worstSeen = sighting;
      }
      col.rank = Math.max(col.rank, cRank);
      col.levels[LEVEL_ORDER[cRank]!]++;
      col.findings[c.finding] = (col.findings[c.finding] ?? 0) + 1;
      col.validations++;
    }
    return this;
  }

  result(): CompatibilityAggregate {
    const outputs = [...this.outputs].map(([output, s]): OutputCompatibility => {
      const columns = [...s.columns]
        .map(([name, c]): ColumnCompatibility => {
          const { seq: _seq, at: _at, ...worstSeen } = c.worstSeen;
          return {
            name,
            worst: LEVEL_ORDER[c.rank]!,
            levels: { ...c.levels },
            findings: { ...c.findings },
            validations: c.validations,
            worstSeen,
          };
        })
        .sort(
          (a, b) => rankOf(b.worst) - rankOf(a.worst) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
        );
      return {
        output,
        validations: s.validations,
        worst: LEVEL_ORDER[s.rank]!,
        levels: { ...s.levels },
        statuses: { ...s.statuses },
        ...(s.accepted ? { accepted: s.accepted.level } : {}),
        ...(s.first !== undefined ? { firstValidatedAt: s.first } : {}),
        ...(s.last !== undefined ? { lastValidatedAt: s.last } : {}),
        columns,
      };
    });
    outputs.sort(
      (a, b) => rankOf(b.worst) - rankOf(a.worst) || (a.output < b.output ? -1 : a.output > b.output ? 1 : 0),
    );
    const worst = outputs.reduce((acc, o) => Math.max(acc, rankOf(o.worst)), 0);
    return { validations: this.count, worst: LEVEL_ORDER[worst]!, outputs };
  }
}

/**
 * Aggregates the schema compatibility of several validation reports (stored JSON reports or
 * `prt validate --json` output).
 *
 * @example
 * const aggregate = aggregateCompatibility(reports);
 * console.log(renderCompatibilityJson(aggregate));
 */
export function aggregateCompatibility(reports: Iterable<ReportDocument>): CompatibilityAggregate {
  const aggregator = new CompatibilityAggregator();
  for (const report of reports) aggregator.add(report);
  return aggregator.result();
}

/** The aggregate as JSON for machines (stable key order, two-space indent). */
export function renderCompatibilityJson(aggregate: CompatibilityAggregate): string {
  return `${JSON.stringify(aggregate, null, 2)}\n`;
}
