/**
 * Worker thread of the explorer (checker/explore.ts, `--workers` > 1). The states are partitioned by
 * fingerprint: worker k owns the states whose fingerprint's first byte is k modulo the number of workers, keeps
 * their fingerprints (its part of the seen set) and its part of the frontier as worlds. The main thread expands
 * the first, small levels itself and then hands each worker its part (`load`). Per BFS level after that:
 *   expand   expand the owned frontier; send each successor (key, fingerprint, encoding) to its owner over the
 *            direct worker-to-worker channel, and the keys of all successors and the first violation to the
 *            main thread;
 *   dedup    once the batches of every worker have arrived, sort them by key (the position of the parent in
 *            the level, then the action index: the order the single-threaded explorer meets them), drop those
 *            at or after `cutoff` (the first violation of the level), keep the first of each new fingerprint,
 *            and return the keys of the new states;
 *   advance  the main thread has merged the new keys of all owners; take the positions it assigned (in the
 *            next level) to the first `positions.length` new states, which become the owned frontier.
 * Only numbers cross the main thread; encodings go from worker to worker, each fingerprint at most once per
 * sending worker. The result (states, numbering,
 * counts, counterexample) is the same as with one thread.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { resolveConfig, type Config } from '../model/config.ts';
import { loadVariantFile } from '../api/load.ts';
import { INVARIANTS, violations } from '../model/invariants.ts';
import { enabledActions } from '../model/scenarios.ts';
import { apply } from '../model/step.ts';
import type { World } from '../model/world.ts';
import { decodeState, ownEncoding, ownerOf, stateFingerprint, ACTION_RADIX } from './explore-core.ts';

interface Init {
  readonly config: Config;
  readonly invariants: readonly string[];
  readonly index: number;
  readonly count: number;
  readonly symmetry: boolean;
  /** Variant files the configuration names (loaded here too: a worker has its own variant registry). */
  readonly variantFiles?: readonly string[];
}

interface Batch {
  readonly key: number[];
  readonly fp: string[];
  readonly enc: string[];
  /** The successor worlds of a batch a worker keeps for itself (no encoding round trip). */
  readonly worlds?: World[];
}

const init = workerData as Init;
for (const f of init.variantFiles ?? []) await loadVariantFile(f);
const r = resolveConfig(init.config);
const invs = INVARIANTS.filter((i) => init.invariants.includes(i.name));
const seen = new Set<string>();
/**
 * Fingerprints this worker has already sent to their owner (in this level or an earlier one). A second copy
 * cannot be new: the first has a smaller key in this level, or was stored (or found stored) by its owner in an
 * earlier one. Skipping it saves the encoding's transfer and the owner's work; its key still counts as a
 * transition.
 */
const sent = new Set<string>();
let frontier: World[] = [];
let positions: Int32Array = new Int32Array(0);
let peers: (MessagePort | null)[] = [];
let inbox: Batch[] = [];
let pendingCutoff: number | null = null;
let pendingNew: (World | string)[] = [];

function reply(m: unknown, transfer: ArrayBuffer[] = []): void {
  parentPort!.postMessage(m, transfer);
}

function expand(): void {
  const keys: number[] = [];
  const out: Batch[] = Array.from({ length: init.count }, (_, j) => (j === init.index ? { key: [], fp: [], enc: [], worlds: [] } : { key: [], fp: [], enc: [] }));
  let violated: { key: number; invariants: string[] } | null = null;
  outer: for (let i = 0; i < frontier.length; i++) {
    const w = frontier[i]!;
    const base = positions[i]! * ACTION_RADIX;
    const en = enabledActions(w, r.scenario);
    if (en.length >= ACTION_RADIX) throw new Error(`more than ${ACTION_RADIX - 1} enabled actions in one state`);
    for (let k = 0; k < en.length; k++) {
      const next = apply(w, en[k]!, r).world;
      const key = base + k;
      keys.push(key);
      const v = violations(next, invs);
      if (v.length) {
        violated = { key, invariants: v.map((x) => x.invariant) };
        break outer;
      }
      const e = ownEncoding(next);
      const f = stateFingerprint(next, e, init.symmetry);
      if (sent.has(f)) continue;
      sent.add(f);
      const b = out[ownerOf(f, init.count)]!;
      b.key.push(key);
      b.fp.push(f);
      if (b.worlds) b.worlds.push(next);
      else b.enc.push(e);
    }
  }
  for (let j = 0; j < init.count; j++) {
    if (j === init.index) receive(out[j]!);
    else peers[j]!.postMessage(out[j]);
  }
  const k = Float64Array.from(keys);
  reply({ keys: k, violated }, [k.buffer]);
}

function receive(b: Batch): void {
  inbox.push(b);
  tryDedup();
}

function tryDedup(): void {
  if (pendingCutoff === null || inbox.length < init.count) return;
  const cutoff = pendingCutoff;
  pendingCutoff = null;
  const batches = inbox;
  inbox = [];
  const all: { key: number; fp: string; state: World | string }[] = [];
  for (const b of batches)
    for (let i = 0; i < b.key.length; i++) if (b.key[i]! < cutoff) all.push({ key: b.key[i]!, fp: b.fp[i]!, state: b.worlds ? b.worlds[i]! : b.enc[i]! });
  all.sort((a, b) => a.key - b.key);
  const newKeys: number[] = [];
  pendingNew = [];
  for (const x of all) {
    if (seen.has(x.fp)) continue;
    seen.add(x.fp);
    newKeys.push(x.key);
    pendingNew.push(x.state);
  }
  const k = Float64Array.from(newKeys);
  reply({ newKeys: k, heapUsed: process.memoryUsage().heapUsed }, [k.buffer]);
}

parentPort!.on('message', (m: { cmd: string; [k: string]: unknown }) => {
  switch (m.cmd) {
    case 'peers':
      peers = m.ports as (MessagePort | null)[];
      for (const p of peers) p?.on('message', (b: Batch) => receive(b));
      reply({ ok: true });
      break;
    case 'load': {
      // The states stored so far that this worker owns, and its part of the current level.
      for (const f of m.fps as string[]) {
        seen.add(f);
        sent.add(f);
      }
      positions = m.positions as Int32Array;
      frontier = (m.enc as string[]).map(decodeState);
      reply({ ok: true });
      break;
    }
    case 'expand':
      expand();
      break;
    case 'dedup':
      pendingCutoff = m.cutoff as number;
      tryDedup();
      break;
    case 'advance': {
      positions = m.positions as Int32Array;
      frontier = Array.from({ length: positions.length }, (_, i) => {
        const x = pendingNew[i]!;
        return typeof x === 'string' ? decodeState(x) : x;
      });
      pendingNew = [];
      reply({ ok: true });
      break;
    }
  }
});
