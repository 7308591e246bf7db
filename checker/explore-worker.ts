/**
 * Worker thread of the explorer: resolves the configuration once, then expands the slices of BFS levels the
 * main thread posts (checker/explore-core.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { resolveConfig, type Config } from '../model/config.ts';
import { INVARIANTS } from '../model/invariants.ts';
import { expandSlice } from './explore-core.ts';

interface Init {
  readonly config: Config;
  readonly invariants: readonly string[];
}

const init = workerData as Init;
const r = resolveConfig(init.config);
const invs = INVARIANTS.filter((i) => init.invariants.includes(i.name));

parentPort!.on('message', (msg: { readonly id: number; readonly states: readonly string[] }) => {
  const res = expandSlice(r, invs, msg.states);
  parentPort!.postMessage({ id: msg.id, res });
});
