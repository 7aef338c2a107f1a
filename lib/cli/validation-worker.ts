/**
 * A worker thread of a parallel validation (parallel-validation.ts): validates the ranges the
 * parent posts, one at a time, and posts back each range's result. The parent hands out the next
 * range when a lane finishes one, so a thread that started late simply takes fewer ranges.
 */
import { parentPort } from 'node:worker_threads';
import { validateRange, type RangeTask } from './range-task';

const port = parentPort;
// The first message says the code is loaded: the parent hands this thread no range before.
port?.postMessage({ ready: true });
if (port) port.on('message', (task: RangeTask) => void validateRange(task).then((r) => port.postMessage(r)));
