/**
 * The object store of one invocation, budgeted by the function's remaining time: reads stop with
 * TimeBudgetExceeded while there is still time to report it, so a test too long for one function
 * ends as a recorded `error` with its reason, not as a Lambda timeout.
 */
import type { Context } from 'aws-lambda';
import { budgetedStore, timeBudget, type ObjectStore } from '../core/storage';

export function invocationStore(
  store: ObjectStore,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
): ObjectStore {
  return budgetedStore(store, timeBudget({ remainingMs: () => context.getRemainingTimeInMillis() }));
}
