/**
 * Exhaustive breadth-first exploration of the enabled-action graph (the TLC/SPIN mode of pirqcheck).
 *
 * Level-synchronous BFS from the initial world: level d holds the states first reached in d steps. Every
 * successor generated is checked against the invariants before it is deduplicated (explore-core.ts says why),
 * so the first violating successor met in (level, frontier order, enabled-action order) ends the search and
 * its parent pointers give a shortest counterexample. With workers, a level is cut into contiguous slices
 * expanded in parallel and merged back in slice order, so the states, their numbering, the counts and the
 * counterexample are the same for any number of workers.
 *
 * No symmetry reduction is applied; docs/explore.md gives the reasons.
 */
import { Worker } from 'node:worker_threads';
import { getHeapStatistics } from 'node:v8';
import type { Action } from '../model/actions.ts';
import type { Resolved } from '../model/config.ts';
import { INVARIANTS, violations, type Invariant, type Violation } from '../model/invariants.ts';
import { enabledActions, initialWorld } from '../model/scenarios.ts';
import { apply } from '../model/step.ts';
import { expandSlice, expandWorlds, fingerprint, stateEncoding, type SliceResult } from './explore-core.ts';
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

/** Levels smaller than this are expanded on the calling thread even when workers exist. */
const MIN_PARALLEL_LEVEL = 64;
/** Largest slice posted to a worker at once (bounds the message size and gives progress ticks). */
const MAX_SLICE = 2048;

class Pool {
  private readonly workers: Worker[];
  private nextId = 0;
  private readonly waiting = new Map<number, (r: SliceResult) => void>();
  constructor(n: number, r: Resolved, invariants: readonly Invariant[]) {
    const names = invariants.map((i) => i.name);
    for (const n of names) {
      if (!INVARIANTS.some((i) => i.name === n)) throw new Error(`invariant '${n}' is not in INVARIANTS and cannot be sent to a worker`);
    }
    this.workers = Array.from({ length: n }, () => {
      const w = new Worker(new URL('./explore-worker-boot.mjs', import.meta.url), {
        workerData: { config: r.config, invariants: names },
      });
      w.on('message', (m: { id: number; res: SliceResult }) => {
        const done = this.waiting.get(m.id);
        this.waiting.delete(m.id);
        done?.(m.res);
      });
      return w;
    });
  }
  get size(): number {
    return this.workers.length;
  }
  run(worker: number, states: readonly string[]): Promise<SliceResult> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, resolve);
      const w = this.workers[worker]!;
      w.once('error', reject);
      w.postMessage({ id, states });
    });
  }
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

function cut<T>(xs: readonly T[], parts: number): T[][] {
  const out: T[][] = [];
  const size = Math.ceil(xs.length / parts);
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

export async function explore(r: Resolved, o: ExploreOptions): Promise<ExploreResult> {
  const t0 = performance.now();
  const nWorkers = Math.max(1, Math.floor(o.workers ?? 1));
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
  seen.add(fingerprint(e0));
  parentOf.push(-1);
  actionOf.push(-1);
  levels.push(1);
  const v0 = violations(w0, o.invariants);

  // The calling thread keeps the frontier as worlds; with workers it is kept as encodings to post them.
  let frontier: World[] | string[] = nWorkers > 1 ? [e0] : [w0];
  let frontierStart = 0; // id of frontier[0]
  let depth = 0;
  const pool = nWorkers > 1 ? new Pool(nWorkers, r, o.invariants) : null;
  const progress = () =>
    o.onProgress?.({ depth, maxDepth: o.depth, distinctStates: seen.size, transitions, frontier: frontier.length, elapsedMs: performance.now() - t0 });

  try {
    while (v0.length === 0 && depth < o.depth && frontier.length > 0 && !violatingState && !stopReason) {
      const next: (World | string)[] = [];
      // Slices of this level, in frontier order; each is merged as soon as it and all before it are done.
      const slices: { offset: number; states: World[] | string[] }[] = [];
      for (let i = 0; i < frontier.length; i += MAX_SLICE) slices.push({ offset: i, states: frontier.slice(i, i + MAX_SLICE) });
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
          next.push(pool ? res.enc[j]! : res.worlds[j]!);
        }
        if (process.memoryUsage().heapUsed > heapLimit) {
          stopReason = `stopped: heap use passed ${Math.round((o.heapFraction ?? 0.7) * 100)}% of the V8 limit at ${seen.size} states (raise --max-old-space-size or lower --depth)`;
          return false;
        }
        return true;
      };
      if (!pool || frontier.length < MIN_PARALLEL_LEVEL) {
        for (const s of slices) {
          const res = pool ? expandSlice(r, o.invariants, s.states as string[]) : expandWorlds(r, o.invariants, s.states as World[], 'worlds');
          if (!merge(s.offset, res)) break;
          progress();
        }
      } else {
        // Split each slice across the workers; keep at most one batch in flight per worker.
        for (const s of slices) {
          const parts = cut(s.states as string[], pool.size);
          let off = s.offset;
          const offs = parts.map((p) => {
            const x = off;
            off += p.length;
            return x;
          });
          const results = await Promise.all(parts.map((p, k) => pool.run(k, p)));
          let go = true;
          for (let k = 0; k < results.length && go; k++) go = merge(offs[k]!, results[k]!);
          if (!go) break;
          progress();
        }
      }
      if (violatingState || stopReason) break;
      frontierStart += frontier.length;
      frontier = next as World[] | string[];
      depth++;
      if (next.length > 0) levels.push(next.length);
      progress();
    }
  } finally {
    await pool?.close();
  }

  const elapsedMs = performance.now() - t0;
  const mem = process.memoryUsage();
  const stats: ExploreStats = {
    distinctStates: seen.size,
    transitions,
    depthReached: levels.length - 1,
    levels,
    elapsedMs,
    statesPerSecond: elapsedMs > 0 ? (seen.size / elapsedMs) * 1000 : 0,
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
      violation,
      alsoViolated: (ex.violations.length ? ex.violations : v0).map((v) => v.invariant),
      actions: ex.actions,
      steps: ex.steps,
      stats,
      summary: `invariant ${violation?.invariant ?? '?'} violated after ${actions.length} steps (shortest counterexample; ${seen.size} states explored)`,
    };
  }
  if (stopReason) {
    return {
      verdict: 'stopped',
      depth: o.depth,
      complete: false,
      stopReason,
      violation: null,
      alsoViolated: [],
      actions: null,
      steps: null,
      stats,
      summary: `${stopReason}: no violation among the ${seen.size} states stored; every state within ${depth} steps was checked (no certificate for depth ${o.depth})`,
    };
  }
  const complete = frontier.length === 0;
  return {
    verdict: 'holds',
    depth: o.depth,
    complete,
    stopReason: null,
    violation: null,
    alsoViolated: [],
    actions: null,
    steps: null,
    stats,
    summary: complete
      ? `all invariants hold in every reachable state: ${seen.size} states (the state graph is exhausted at depth ${stats.depthReached})`
      : `all invariants hold in every state reachable within ${o.depth} steps: ${seen.size} states`,
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
