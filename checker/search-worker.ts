/**
 * Worker thread of an interactive `pirqcheck check`: runs the same search() as the command would on its own
 * thread, so that the calling thread stays free to draw progress and to take Ctrl-C (a signal reaches
 * JavaScript only between tasks of the event loop, never during a synchronous search). Posts progress every
 * few runs and the result; the result is the one search() gives on any thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../model/config.ts';
import { resolveConfig } from '../model/config.ts';
import { INVARIANTS } from '../model/invariants.ts';
import { search } from './search.ts';

export interface SearchWorkerInit {
  readonly config: Config;
  readonly seed: number;
  readonly runs: number;
  readonly maxSteps: number;
  readonly invariants: readonly string[];
  readonly variantFiles: readonly string[];
}

const init = workerData as SearchWorkerInit;
if (init.variantFiles.length) {
  const { loadVariantFile } = await import('../api/load.ts');
  for (const f of init.variantFiles) await loadVariantFile(f);
}
const invs = init.invariants.map((n) => INVARIANTS.find((i) => i.name === n)!);
const res = search(resolveConfig(init.config), {
  seed: init.seed,
  runs: init.runs,
  maxSteps: init.maxSteps,
  invariants: invs,
  onRun: (n) => {
    if (n % 5 === 0 || n === init.runs) parentPort!.postMessage({ kind: 'run', n });
  },
  onFirstFailure: () => parentPort!.postMessage({ kind: 'failure' }),
});
parentPort!.postMessage({ kind: 'done', res });
