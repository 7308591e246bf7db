/**
 * Worker thread of the explorer (checker/explore.ts, `--workers` K > 1: the calling thread is participant 0,
 * the K - 1 worker threads are participants 1 .. K-1). States never move between threads except to even out
 * the shares: a thread keeps the successor worlds it generated, and the calling thread, which holds the only
 * seen set, tells it which of them are new and where they stand in the next level. Protocol, one `step` per
 * BFS level from the calling thread over `parentPort`:
 *   1. take the share of this level: on the first parallel level the worlds sent in `load`; afterwards the
 *      successors of the previous step listed in `kept`, at the positions `positions` (ascending);
 *   2. `give`: send the last `n` states of the share (highest positions) to participant `to` over the direct
 *      MessageChannel between the two (as one JSON text of the world array, with their positions);
 *   3. expand the share: every successor's key (position of the parent * ACTION_RADIX + action index), its
 *      fingerprint and its world, in key order, stopping each parent at its first violating successor and
 *      skipping the parents after the share's first violation; a successor whose fingerprint this worker has
 *      reported before (`sent`) cannot be new and is dropped at once, only its key kept (`dupKeys`);
 *   4. `take`: receive one batch from each participant listed, expand it the same way, merge by key;
 *   5. reply with the keys and dupKeys (Float64Arrays), the FP_BYTES-byte fingerprints packed in one
 *      ArrayBuffer (all transferred, not copied), the first violation and the heap in use; keep the successor
 *      worlds until the next step says which of them are new.
 * The worker holds no seen set and no parent pointers.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { getHeapStatistics } from 'node:v8';
import { resolveConfig } from '../model/config.ts';
import { INVARIANTS } from '../model/invariants.ts';
import type { World } from '../model/world.ts';
import { makeIdentity } from './identity.ts';
import { emptyShare, expandShare, FP_BYTES, expandTaken, give, Inbox, type Batch, type ShareResult, type Step, type StepReply, type WorkerInit } from './explore-core.ts';

const init = workerData as WorkerInit;
if (init.watch) (await import('../model/overrides.ts')).watchOverrides(init.watch);
if (init.variantFiles?.length) {
  // Imported only when needed: api/load.ts brings in zod, about 0.2 s of the worker's start-up.
  const { loadVariantFile } = await import('../api/load.ts');
  for (const f of init.variantFiles) await loadVariantFile(f);
}
const r = resolveConfig(init.config);
const invs = INVARIANTS.filter((i) => init.invariants.includes(i.name));
const inboxes = init.ports.map((p) => {
  if (!p) return null;
  const box = new Inbox<Batch>();
  p.on('message', (b: Batch) => box.push(b));
  return box;
});
/** The fingerprints this worker has reported (explore-core.ts, `Known`). */
const sent = { set: new Set<string>(), add: true };
const ident = init.identity ? makeIdentity(init.identity) : null;
const expand = (states: World[], positions: ArrayLike<number>, out: ShareResult) => expandShare(r, invs, states, positions, ident, sent, out);
/** The successors of the last step, in the order of its reply. */
let pending: World[] = [];
const steps = new Inbox<Step>();
parentPort!.on('message', (m: Step) => steps.push(m));
parentPort!.postMessage({ ready: true });
for (;;) {
  const m = await steps.next();
  let frontier: World[];
  let positions: number[];
  if (m.load) {
    frontier = JSON.parse(m.load.worlds) as World[];
    positions = Array.from(m.load.positions);
  } else {
    frontier = Array.from(m.kept!, (i) => pending[i]!);
    positions = Array.from(m.positions!);
  }
  pending = [];
  for (const g of m.give) give(init.ports[g.to]!, frontier, positions, g.n);
  let res = emptyShare();
  expand(frontier, positions, res);
  frontier = [];
  res = await expandTaken(inboxes, m.take, res, expand);
  pending = res.worlds;
  const keys = Float64Array.from(res.keys);
  const fps = new ArrayBuffer(res.fps.length * FP_BYTES);
  const buf = Buffer.from(fps);
  for (let i = 0; i < res.fps.length; i++) buf.write(res.fps[i]!, i * FP_BYTES, FP_BYTES, 'latin1');
  const dupKeys = Float64Array.from(res.dupKeys);
  const reply: StepReply = { keys, fps, dupKeys, violated: res.violated, heapUsed: getHeapStatistics().used_heap_size, guarded: res.guarded };
  parentPort!.postMessage(reply, [keys.buffer, fps, dupKeys.buffer]);
}
