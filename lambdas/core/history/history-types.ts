/**
 * What the history judgement of a version records in its report: every metric judged, with the
 * band the history expected it in, and the findings (the metrics outside their band). The report
 * types import these, so this file imports nothing of validation.
 */

/** The metrics a version is judged on against the earlier versions of its output. */
export const HISTORY_METRICS = [
  'row_count',
  'null_rate',
  'mean',
  'distinct_count',
  'arrival_time_of_day',
  'arrival_interval',
] as const;

export type HistoryMetric = (typeof HISTORY_METRICS)[number];

/** Where the history expected a value: its median and the band `median ± threshold × scale`. */
export interface ExpectedBand {
  readonly median: number;
  readonly low: number;
  readonly high: number;
}

/** One metric of the new version judged against its history. */
export interface MetricJudgement {
  readonly metric: HistoryMetric;
  readonly column?: string;
  /** The new version's value (arrival time of day: seconds after midnight UTC; interval: seconds). */
  readonly value: number;
  readonly expected: ExpectedBand;
  /** Robust z-score: (value − median) / robust scale; outside ±threshold is an anomaly. */
  readonly score: number;
  /** `weekday`: against earlier versions that arrived on the same weekday (UTC); `all`: every one. */
  readonly basis: 'weekday' | 'all';
  /** Earlier values the band was drawn from. */
  readonly samples: number;
  readonly anomalous: boolean;
}

/**
 * A metric outside the band its history expects. `severity` is `warn`: an anomaly is reported
 * beside the rules and does not change the version's status (as the previous-version comparison
 * did before it). Reports made before the history judgement carry `previous`, `change` and
 * `bound` (the previous version's value, the change and its bound) instead of a band.
 */
export interface HistoryFinding {
  readonly metric: string;
  readonly column?: string;
  readonly current: number;
  readonly expected?: ExpectedBand;
  readonly score?: number;
  readonly basis?: 'weekday' | 'all';
  readonly severity?: 'warn';
  readonly message: string;
  readonly previous?: number;
  readonly change?: number;
  readonly bound?: number;
}

/** One version in the row-count trend the report draws, oldest first. */
export interface HistoryTrendPoint {
  readonly version: string;
  readonly arrival: string;
  readonly status: string;
  readonly rowCount: number | null;
}

/** The history judgement of one version, as its report keeps it. */
export interface HistoryCheck {
  readonly method: 'median_mad';
  /** `not_enough_history`: fewer earlier versions than `minVersions`; nothing was judged. */
  readonly state: 'judged' | 'not_enough_history';
  /** The last N versions the output is judged against (the contract's `history.versions`). */
  readonly window: number;
  readonly minVersions: number;
  readonly threshold: number;
  /** Earlier versions found (passed or warned, arrived before this one), at most `window`. */
  readonly versions: number;
  /** Earlier versions whose report could not be read: only their row count and arrival were judged. */
  readonly unreadReports: number;
  readonly message: string;
  readonly judged: readonly MetricJudgement[];
  /** Row counts of the earlier versions and of this one (last), oldest first, for the trend chart. */
  readonly trend: readonly HistoryTrendPoint[];
  /** The row-count band, repeated here so a chart needs no search through `judged`. */
  readonly rowCountBand?: ExpectedBand;
}

/** How a contract asks its versions to be judged (`history:` in the contract). */
export interface HistorySettings {
  /** N: the last N earlier versions of the output make the history. */
  readonly versions: number;
  /** Fewer earlier versions than this: "not enough history", nothing judged. */
  readonly minVersions: number;
  /** Robust z-score beyond which a metric is an anomaly. */
  readonly threshold: number;
}

/**
 * Defaults: 30 versions (a month of a daily output, so four of each weekday); at least 10, below
 * which a median and MAD are too unsteady to draw a band; 3.5, the modified z-score bound of
 * Iglewicz and Hoaglin, measured on seeded series in test/unit/core/history (docs/decisions/0017).
 */
export const DEFAULT_HISTORY_SETTINGS: HistorySettings = { versions: 30, minVersions: 10, threshold: 3.5 };

/** Bounds of the contract keys (a window of a year of daily versions at most). */
export const HISTORY_LIMITS = { maxVersions: 365, leastVersions: 3 } as const;
