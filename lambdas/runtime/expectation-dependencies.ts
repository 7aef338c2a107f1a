/**
 * The ledger of pending relative expectations, in the function's registry table (built once per
 * container, from the same clients as the registry).
 */
import { DynamoExpectationLedger } from '../adapters/aws/dynamo-expectation-ledger';
import type { ExpectationLedger } from '../core/expectations';
import type { FunctionDependencies } from './dependencies';
import { requireSetting } from './function-config';

export function expectationLedger(deps: FunctionDependencies): ExpectationLedger {
  return new DynamoExpectationLedger(deps.clients.db, requireSetting(deps.config, 'registryTable'));
}
