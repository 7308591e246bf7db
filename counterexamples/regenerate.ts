/**
 * Regenerate the regression corpus: `npm run corpus`. Deterministic: no timestamps, no absolute paths,
 * stable key order; running it twice gives byte-identical files.
 */
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';
import { buildCorpus, withExploration, writeCorpus } from './corpus.ts';

const dir = dirname(fileURLToPath(import.meta.url));
const started = performance.now();
let cells = 0;
let violated = 0;
const corpus = await withExploration(buildCorpus((_c, _inv, v) => {
  cells++;
  if (v === 'violated') violated++;
}));
const { written, removed } = writeCorpus(dir, corpus);
const secs = ((performance.now() - started) / 1000).toFixed(1);
process.stdout.write(
  `corpus: ${corpus.expectations.configurations.length} configurations x ${corpus.expectations.invariants.length} invariants = ${cells} cells, ${violated} violated; ${written} files written${removed.length ? `, ${removed.length} stale files removed` : ''} (${secs} s)\n`,
);
