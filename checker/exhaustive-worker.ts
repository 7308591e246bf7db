/**
 * Worker thread of `exhaustiveSets`: computes the exhaustive side of the matrix rows whose configurations the
 * calling thread posts, one at a time (checker/exhaustive.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../model/config.ts';
import { INVARIANTS } from '../model/invariants.ts';
import { exhaustiveSet, type ExhaustiveBudget } from './exhaustive.ts';

const init = workerData as { readonly invariants: readonly string[]; readonly budget: ExhaustiveBudget; readonly variantFiles: readonly string[] };
if (init.variantFiles.length) {
  const { loadVariantFile } = await import('../api/load.ts');
  for (const f of init.variantFiles) await loadVariantFile(f);
}
const invs = INVARIANTS.filter((i) => init.invariants.includes(i.name));
parentPort!.on('message', (m: { slot: number; config: Config }) => {
  exhaustiveSet(m.config, invs, init.budget).then(
    (set) => parentPort!.postMessage({ slot: m.slot, set }),
    (e: unknown) => parentPort!.postMessage({ slot: m.slot, error: String((e as Error)?.stack ?? e) }),
  );
});
