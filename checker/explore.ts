/**
 * Exhaustive breadth-first exploration of the enabled-action graph (the TLC/SPIN mode of pirqcheck).
 *
 * Level-synchronous BFS from the initial world: level d holds the states first reached in d steps. Every
 * successor generated is checked against the invariants before it is deduplicated (explore-core.ts says why),
 * so the first violating successor met in (level, frontier order, enabled-action order) ends the search and
 * its parent pointers give a shortest counterexample. With workers (checker/explore-worker.ts), the states are
 * partitioned by fingerprint: each worker keeps its part of the seen set and of the frontier, successors go
 * from worker to worker as encodings, and the main thread only merges the keys (parent position, action
 * index) of the new states, so the states, their numbering, the counts and the counterexample are the same
 * for any number of workers.
 *
 * `symmetry` stores one state per pair that differs by swapping the two devices (checker/explore-symmetry.ts);
 * docs/performance.md says why that reduction is sound and the others (pirq, domid renaming) are not.
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { getHeapStatistics } from 'node:v8';
import type { Action } from '../model/actions.ts';
import { ConfigError, type Resolved } from '../model/config.ts';
import { INVARIANTS, violations, type Invariant, type Violation } from '../model/invariants.ts';
import { enabledActions, initialWorld } from '../model/scenarios.ts';
import { apply } from '../model/step.ts';
import { ACTION_RADIX, expandWorlds, ownerOf, stateEncoding, stateFingerprint, type SliceResult } from './explore-core.ts';
import { hasDeviceSymmetry } from './explore-symmetry.ts';
import type { World } from '../model/world.ts';
import { execute, type TraceStep } from './run.ts';

export interface ExploreOptions {
  /** Largest number of steps from the initial world. */
  readonly depth: number;
  /** Stop once this many distinct states are stored. */
  readonly maxStates: number;
  readonly invariants: readonly Invariant[];
  /** Worker threads expanding each level (1 = expand on the calling thread). */
  readonly workers?: number;
  /** Called after each expanded slice. */
  readonly onProgress?: (p: ExploreProgress) => void;
  /** Stop when the V8 heap passes this fraction of its limit (default 0.7). */
  readonly heapFraction?: number;
  /**
   * With workers: levels with fewer states than this are expanded on the calling thread (the workers start
   * meanwhile); the first level at least this large, and every later one, is partitioned over the workers.
   * Default 1024.
   */
  readonly parallelFrom?: number;
  /**
   * Device symmetry reduction (checker/explore-symmetry.ts): store one state per pair {s, π s} where π swaps the
   * two devices. Refused for a scenario whose devices are not interchangeable.
   */
  readonly symmetry?: boolean;
  /** Variant files (api/load.ts) the configuration needs: each worker thread loads them before it starts. */
  readonly variantFiles?: readonly string[];
}

export interface ExploreProgress {
  readonly depth: number;
  readonly maxDepth: number;
  readonly distinctStates: number;
  readonly transitions: number;
  readonly frontier: number;
  readonly elapsedMs: number;
}

export interface ExploreStats {
  readonly distinctStates: number;
  /** Successors generated (edges of the state graph walked, duplicates included). */
  readonly transitions: number;
  /** Deepest level with at least one state stored. */
  readonly depthReached: number;
  /** Distinct states per level, level 0 first. */
  readonly levels: readonly number[];
  readonly elapsedMs: number;
  readonly statesPerSecond: number;
  readonly transitionsPerSecond: number;
  readonly workers: number;
  readonly memory: { readonly rssBytes: number; readonly heapUsedBytes: number };
}

export type ExploreVerdict =
  /** A reachable state violates an invariant; `actions` is a shortest path to one. */
  | 'violated'
  /** Every state reachable within `depth` steps was checked; `complete` says whether that is all of them. */
  | 'holds'
  /** Stopped by --max-states or the heap guard before the bound was covered. */
  | 'stopped';

export interface ExploreResult {
  readonly verdict: ExploreVerdict;
  readonly depth: number;
  /** With 'holds': no state has a successor beyond the last level (the whole reachable graph was covered). */
  readonly complete: boolean;
  readonly stopReason: string | null;
  /** Whether the device symmetry reduction was on (the state counts are then of pairs {s, π s}). */
  readonly symmetry: boolean;
  readonly violation: Violation | null;
  readonly alsoViolated: readonly string[];
  readonly actions: readonly Action[] | null;
  readonly steps: readonly TraceStep[] | null;
  readonly stats: ExploreStats;
  /** One sentence: the certificate, the stop reason, or the violation. */
  readonly summary: string;
}

/** Growable Int32 column. */
class IntColumn {
  a = new Int32Array(1024);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  get(i: number): number {
    return this.a[i]!;
  }
}

/** Largest slice expanded on the calling thread between progress ticks and heap checks. */
const MAX_SLICE = 2048;

/** The worker threads of a partitioned exploration (checker/explore-worker.ts gives the protocol). */
class Pool {
  private readonly workers: Worker[];
  private readonly queues: ((m: unknown) => void)[][];
  private failure: Error | null = null;
  constructor(n: number, r: Resolved, invariants: readonly Invariant[], symmetry: boolean, variantFiles: readonly string[] = []) {
    const names = invariants.map((i) => i.name);
    for (const n of names) {
      if (!INVARIANTS.some((i) => i.name === n)) throw new Error(`invariant '${n}' is not in INVARIANTS and cannot be sent to a worker`);
    }
    this.queues = Array.from({ length: n }, () => []);
    this.workers = Array.from({ length: n }, (_, index) => {
      const w = new Worker(new URL('./explore-worker-boot.mjs', import.meta.url), {
        workerData: { config: r.config, invariants: names, index, count: n, symmetry, variantFiles },
      });
      w.on('message', (m: unknown) => this.queues[index]!.shift()?.(m));
      w.on('error', (e: Error) => {
        this.failure = e;
        for (const q of this.queues) for (const done of q.splice(0)) done({ error: e });
      });
      return w;
    });
  }
  get size(): number {
    return this.workers.length;
  }
  /** Post `msg` to worker `k` and wait for its reply (each worker replies to every command, in order). */
  ask<T>(k: number, msg: unknown, transfer: (ArrayBuffer | MessagePort)[] = []): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      this.queues[k]!.push((m) => ((m as { error?: Error }).error ? reject((m as { error: Error }).error) : resolve(m as T)));
      this.workers[k]!.postMessage(msg, transfer as never);
    });
  }
  all<T>(msg: (k: number) => unknown, transfer: (k: number) => (ArrayBuffer | MessagePort)[] = () => []): Promise<T[]> {
    return Promise.all(this.workers.map((_, k) => this.ask<T>(k, msg(k), transfer(k))));
  }
  /** Connect every pair of workers by a MessageChannel. */
  async connect(): Promise<void> {
    const n = this.size;
    const ports: (MessagePort | null)[][] = Array.from({ length: n }, () => Array<MessagePort | null>(n).fill(null));
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++) {
        const c = new MessageChannel();
        ports[i]![j] = c.port1;
        ports[j]![i] = c.port2;
      }
    await this.all((k) => ({ cmd: 'peers', ports: ports[k] }), (k) => ports[k]!.filter((p): p is MessagePort => p !== null));
  }
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

export async function explore(r: Resolved, o: ExploreOptions): Promise<ExploreResult> {
  const t0 = performance.now();
  const nWorkers = Math.max(1, Math.floor(o.workers ?? 1));
  const sym = o.symmetry ?? false;
  if (sym && !hasDeviceSymmetry(r.scenario)) {
    throw new ConfigError(`--symmetry: the devices of scenario '${r.scenario.id}' are not interchangeable (it needs exactly two devices with the same parameters)`);
  }
  const heapLimit = getHeapStatistics().heap_size_limit * (o.heapFraction ?? 0.7);
  const seen = new Set<string>();
  const parentOf = new IntColumn();
  const actionOf = new IntColumn();
  const levels: number[] = [];
  let transitions = 0;
  let stopReason: string | null = null;
  let violatingState: { parent: number; action: number; invariants: readonly string[] } | null = null;

  const w0 = initialWorld(r.scenario);
  const e0 = stateEncoding(w0);
  seen.add(stateFingerprint(w0, e0, sym));
  parentOf.push(-1);
  actionOf.push(-1);
  levels.push(1);
  const v0 = violations(w0, o.invariants);

  let frontier: World[] = [w0];
  /** Size of the current level (with workers the states themselves are held by their owners). */
  let frontierSize = 1;
  let frontierStart = 0; // id of the first state of the current level
  let depth = 0;
  const pool = nWorkers > 1 && v0.length === 0 && o.depth > 0 ? new Pool(nWorkers, r, o.invariants, sym, o.variantFiles ?? []) : null;
  let distinct = 1;
  const progress = () =>
    o.onProgress?.({ depth, maxDepth: o.depth, distinctStates: distinct, transitions, frontier: frontierSize, elapsedMs: performance.now() - t0 });
  const heapStop = () =>
    `stopped: heap use passed ${Math.round((o.heapFraction ?? 0.7) * 100)}% of the V8 limit at ${distinct} states (raise --max-old-space-size or lower --depth)`;

  try {
    const connected = pool?.connect();
    connected?.catch(() => {}); // awaited (and its failure thrown) at the hand-over; never if there is none
    let handedOver = false;
    while (v0.length === 0 && depth < o.depth && frontierSize > 0 && !violatingState && !stopReason) {
      if (pool && !handedOver && frontierSize >= (o.parallelFrom ?? 1024)) {
        // Hand the seen set and the frontier to their owners; from here on the workers hold them.
        await connected;
        const fps: string[][] = Array.from({ length: pool.size }, () => []);
        for (const f of seen) fps[ownerOf(f, pool.size)]!.push(f);
        const enc: string[][] = Array.from({ length: pool.size }, () => []);
        const pos: number[][] = Array.from({ length: pool.size }, () => []);
        frontier.forEach((w, i) => {
          const e = stateEncoding(w);
          const k = ownerOf(stateFingerprint(w, e, sym), pool.size);
          enc[k]!.push(e);
          pos[k]!.push(i);
        });
        await pool.all((k) => ({ cmd: 'load', fps: fps[k], enc: enc[k], positions: Int32Array.from(pos[k]!) }));
        seen.clear();
        frontier = [];
        handedOver = true;
      }
      if (pool && handedOver) {
        const n = await parallelLevel(pool);
        frontierStart += frontierSize;
        frontierSize = n;
      } else {
        const next: World[] = [];
        const merge = (offset: number, res: SliceResult): boolean => {
          for (let j = 0; j < res.fp.length; j++) {
            transitions++;
            const parent = frontierStart + offset + res.parent[j]!;
            if (res.violated && j === res.fp.length - 1) {
              violatingState = { parent, action: res.action[j]!, invariants: res.violated.invariants };
              return false;
            }
            const f = res.fp[j]!;
            if (seen.has(f)) continue;
            if (seen.size >= o.maxStates) {
              stopReason = `stopped at --max-states ${o.maxStates} while expanding depth ${depth + 1}`;
              return false;
            }
            seen.add(f);
            parentOf.push(parent);
            actionOf.push(res.action[j]!);
            next.push(res.worlds[j]!);
          }
          distinct = seen.size;
          if (process.memoryUsage().heapUsed > heapLimit) {
            stopReason = heapStop();
            return false;
          }
          return true;
        };
        // Slices of this level, in frontier order.
        for (let i = 0; i < frontier.length; i += MAX_SLICE) {
          if (!merge(i, expandWorlds(r, o.invariants, frontier.slice(i, i + MAX_SLICE), 'worlds', sym))) break;
          progress();
        }
        distinct = seen.size;
        if (violatingState || stopReason) break;
        frontierStart += frontier.length;
        frontier = next;
        frontierSize = next.length;
      }
      if (violatingState || stopReason) break;
      depth++;
      if (frontierSize > 0) levels.push(frontierSize);
      progress();
    }
  } finally {
    await pool?.close();
  }

  /**
   * One level with the states partitioned over the workers (checker/explore-worker.ts). The successors are
   * ordered by key (parent position, action index), the order the single-threaded loop meets them, so the
   * same states get the same numbers, the same first violation is found and the counts agree.
   */
  async function parallelLevel(p: Pool): Promise<number> {
    const ex = await p.all<{ keys: Float64Array; violated: { key: number; invariants: string[] } | null }>(() => ({ cmd: 'expand' }));
    let vkey = Infinity;
    let vinv: string[] = [];
    for (const x of ex) if (x.violated && x.violated.key < vkey) ((vkey = x.violated.key), (vinv = x.violated.invariants));
    const dd = await p.all<{ newKeys: Float64Array; heapUsed: number }>(() => ({ cmd: 'dedup', cutoff: vkey }));
    // Merge the owners' new keys (each sorted) into the order of the next level.
    const owner: number[] = [];
    const keys: number[] = [];
    const idx = dd.map(() => 0);
    for (;;) {
      let best = -1;
      for (let k = 0; k < dd.length; k++) if (idx[k]! < dd[k]!.newKeys.length && (best < 0 || dd[k]!.newKeys[idx[k]!]! < dd[best]!.newKeys[idx[best]!]!)) best = k;
      if (best < 0) break;
      keys.push(dd[best]!.newKeys[idx[best]!++]!);
      owner.push(best);
    }
    // Where the single-threaded loop would stop in this level: the first violation, or the first new state
    // beyond --max-states (counted as a transition, not stored).
    let limit = vkey;
    let kept = keys.length;
    const room = o.maxStates - distinct;
    if (keys.length > room) {
      kept = Math.max(0, room);
      limit = keys[kept]!;
      stopReason = `stopped at --max-states ${o.maxStates} while expanding depth ${depth + 1}`;
    }
    for (const x of ex) for (const k of x.keys) if (k <= limit) transitions++;
    const positions = dd.map(() => [] as number[]);
    for (let i = 0; i < kept; i++) {
      const key = keys[i]!;
      parentOf.push(frontierStart + Math.floor(key / ACTION_RADIX));
      actionOf.push(key % ACTION_RADIX);
      positions[owner[i]!]!.push(i);
    }
    distinct += kept;
    if (!stopReason && vkey !== Infinity) {
      violatingState = { parent: frontierStart + Math.floor(vkey / ACTION_RADIX), action: vkey % ACTION_RADIX, invariants: vinv };
    }
    if (!stopReason && !violatingState && Math.max(process.memoryUsage().heapUsed, ...dd.map((d) => d.heapUsed)) > heapLimit) stopReason = heapStop();
    if (stopReason || violatingState) return kept;
    await p.all(
      (k) => ({ cmd: 'advance', positions: Int32Array.from(positions[k]!) }),
    );
    return kept;
  }

  const elapsedMs = performance.now() - t0;
  const mem = process.memoryUsage();
  const stats: ExploreStats = {
    distinctStates: distinct,
    transitions,
    depthReached: levels.length - 1,
    levels,
    elapsedMs,
    statesPerSecond: elapsedMs > 0 ? (distinct / elapsedMs) * 1000 : 0,
    transitionsPerSecond: elapsedMs > 0 ? (transitions / elapsedMs) * 1000 : 0,
    workers: nWorkers,
    memory: { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed },
  };

  if (v0.length || violatingState) {
    const vs = violatingState as { parent: number; action: number; invariants: readonly string[] } | null;
    const actions = vs ? pathTo(r, parentOf, actionOf, vs.parent, vs.action) : [];
    const ex = execute(r, actions, o.invariants);
    const violation = ex.violations[0] ?? v0[0] ?? null;
    return {
      verdict: 'violated',
      depth: o.depth,
      complete: false,
      stopReason: null,
      symmetry: sym,
      violation,
      alsoViolated: (ex.violations.length ? ex.violations : v0).map((v) => v.invariant),
      actions: ex.actions,
      steps: ex.steps,
      stats,
      summary: `invariant ${violation?.invariant ?? '?'} violated after ${actions.length} steps (shortest counterexample; ${distinct} states explored)`,
    };
  }
  if (stopReason) {
    return {
      verdict: 'stopped',
      depth: o.depth,
      complete: false,
      stopReason,
      symmetry: sym,
      violation: null,
      alsoViolated: [],
      actions: null,
      steps: null,
      stats,
      summary: `${stopReason}: no violation among the ${distinct} states stored; every state within ${depth} steps was checked (no certificate for depth ${o.depth})`,
    };
  }
  const complete = frontierSize === 0;
  const symNote = sym ? ' up to swapping the two devices (--symmetry)' : '';
  return {
    verdict: 'holds',
    depth: o.depth,
    complete,
    stopReason: null,
    symmetry: sym,
    violation: null,
    alsoViolated: [],
    actions: null,
    steps: null,
    stats,
    summary: complete
      ? `all invariants hold in every reachable state: ${distinct} states${symNote} (the state graph is exhausted at depth ${stats.depthReached})`
      : `all invariants hold in every state reachable within ${o.depth} steps: ${distinct} states${symNote}`,
  };
}

/** The actions from the initial world to `parent` and then the action numbered `last` there. */
function pathTo(r: Resolved, parentOf: IntColumn, actionOf: IntColumn, parent: number, last: number): Action[] {
  const idx: number[] = [last];
  for (let s = parent; s > 0; s = parentOf.get(s)) idx.push(actionOf.get(s));
  idx.reverse();
  let w = initialWorld(r.scenario);
  const out: Action[] = [];
  for (const k of idx) {
    const a = enabledActions(w, r.scenario)[k]!;
    out.push(a);
    w = apply(w, a, r).world;
  }
  return out;
}
