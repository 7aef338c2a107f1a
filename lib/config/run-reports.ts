/**
 * The run report function's settings shared by its construct (lib/run-report-writer.ts) and the
 * embedded stack, which gives the local subscriber the same timeout.
 *
 * Five minutes: a run at the report's bound (10,000 registered objects) reads as many stored
 * reports, eight at a time, and may write the report more than once when outputs keep landing.
 */
export const RUN_REPORT_FUNCTION_TIMEOUT_SECONDS = 300;
