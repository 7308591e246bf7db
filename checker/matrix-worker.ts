/** Worker thread of the parallel matrix: computes the rows whose indices the main thread posts. */
import { parentPort, workerData } from 'node:worker_threads';
import { matrixEntries, matrixRow, toWire, type SearchParams } from './matrix.ts';

const params = workerData as SearchParams;
const entries = matrixEntries();

parentPort!.on('message', (m: { slot: number; i: number }) => {
  parentPort!.postMessage({ slot: m.slot, row: toWire(matrixRow(entries[m.i]!, params)) });
});
