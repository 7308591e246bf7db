/** Worker thread of the fix report (api/compare.ts): computes the side verdicts the main thread posts. */
import { parentPort, workerData } from 'node:worker_threads';
import { loadVariantFile } from './load.ts';
import { sideVerdict, type SearchBudget } from './compare.ts';
import type { Config } from '../model/config.ts';

const init = workerData as { budget: SearchBudget; variantFiles: readonly string[] };
for (const f of init.variantFiles) await loadVariantFile(f);

parentPort!.on('message', (m: { id: number; config: Config; watch: readonly string[] }) => {
  void sideVerdict(m.config, m.watch, init.budget).then((side) => parentPort!.postMessage({ id: m.id, side }));
});
