// Entry of the worker threads the CLI starts. A worker thread does not inherit the TypeScript
// loader the main thread runs under (tsx, registered by bin/prt.mjs or `node --import tsx`), and
// Node 20 refuses a .ts entry given to `new Worker`: this plain module registers the loader in the
// thread, then imports the worker module named in workerData.entry.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
