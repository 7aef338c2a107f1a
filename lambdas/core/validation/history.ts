/**
 * Compares a validation with the previous registered version of the same output: row count
 * change, null-rate jumps and mean shifts beyond the bounds become warnings in the report.
 */
import type { HistoryFinding, ValidationReport } from './validation-report';

export interface HistoryBounds {
  /** Relative change of the row count, e.g. 0.5 = ±50%. */
  readonly rowCountChange: number;
  /** Absolute change of a column's null rate, e.g. 0.1 = 10 points. */
  readonly nullRateJump: number;
  /** Shift of a column's mean, in standard deviations of the previous version. */
  readonly meanShiftStddevs: number;
}

export const DEFAULT_HISTORY_BOUNDS: HistoryBounds = {
  rowCountChange: 0.5,
  nullRateJump: 0.1,
  meanShiftStddevs: 3,
};

export function compareWithPrevious(
  current: ValidationReport,
  previous: Pick<ValidationReport, 'rowCount' | 'profile'>,
  bounds: HistoryBounds = DEFAULT_HISTORY_BOUNDS,
): HistoryFinding[] {
  const out: HistoryFinding[] = [];
  if (previous.rowCount > 0) {
    const change = (current.rowCount - previous.rowCount) / previous.rowCount;
    if (Math.abs(change) > bounds.rowCountChange) {
      out.push({
        metric: 'row_count',
        previous: previous.rowCount,
        current: current.rowCount,
        change,
        bound: bounds.rowCountChange,
        message: `row count changed ${(change * 100).toFixed(1)}% (${previous.rowCount} → ${current.rowCount}); bound ±${bounds.rowCountChange * 100}%`,
      });
    }
  }
  for (const col of current.profile ?? []) {
    const prev = previous.profile?.find((p) => p.name === col.name);
    if (!prev) continue;
    const jump = col.nullRate - prev.nullRate;
    if (Math.abs(jump) > bounds.nullRateJump) {
      out.push({
        metric: 'null_rate',
        column: col.name,
        previous: prev.nullRate,
        current: col.nullRate,
        change: jump,
        bound: bounds.nullRateJump,
        message: `${col.name}: null rate ${(prev.nullRate * 100).toFixed(1)}% → ${(col.nullRate * 100).toFixed(1)}%`,
      });
    }
    if (col.mean !== undefined && prev.mean !== undefined && prev.stddev !== undefined) {
      const scale = prev.stddev > 0 ? prev.stddev : Math.abs(prev.mean) || 1;
      const shift = (col.mean - prev.mean) / scale;
      if (Math.abs(shift) > bounds.meanShiftStddevs) {
        out.push({
          metric: 'mean_shift',
          column: col.name,
          previous: prev.mean,
          current: col.mean,
          change: shift,
          bound: bounds.meanShiftStddevs,
          message: `${col.name}: mean ${prev.mean.toPrecision(6)} → ${col.mean.toPrecision(6)} (${shift.toFixed(1)} previous stddevs)`,
        });
      }
    }
  }
  return out;
}
