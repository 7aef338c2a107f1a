/**
 * The run report function's settings shared by its construct (lib/run-report-writer.ts) and the
 * embedded stack, which gives the local subscriber the same timeout.
 *
 * Five minutes: a run at the report's bound (10,000 registered objects) reads as many stored
 * reports, eight at a time, and may write the report more than once when outputs keep landing.
 */
export const RUN_REPORT_FUNCTION_TIMEOUT_SECONDS = 300;

/**
 * Events per invocation: a burst of part files of one run (a Spark job writes a hundred at a
 * time) is written in one pass of the run instead of a hundred.
 */
export const RUN_REPORT_BATCH_SIZE = 100;

/**
 * How long the queue gathers events before it invokes the function with fewer than a full batch,
 * and so the staleness bound of a run report: a report holds each recorded output within this
 * window plus one write. Thirty seconds covers the spread of a burst's Output Tested events (each
 * output's test ends at its own time) while a person waiting for the report hardly notices it.
 */
export const RUN_REPORT_BATCH_WINDOW_SECONDS = 30;

/**
 * Receives of a message before the dead-letter queue keeps it: a run whose write fails returns
 * its messages, and five tries (spread over the visibility timeout) outlast a throttled table.
 */
export const RUN_REPORT_MAX_RECEIVES = 5;

/**
 * Invocations of the function at once (the event source mapping's MaximumConcurrency; two is the
 * least SQS allows): the fewer pollers share a burst, the fewer batches each run is spread over.
 */
export const RUN_REPORT_MAX_CONCURRENCY = 2;
