/**
 * Exhaustive breadth-first exploration of the enabled-action graph (the TLC/SPIN mode of pirqcheck).
 *
 * Level-synchronous BFS from the initial world: level d holds the states first reached in d steps. Every
 * successor generated is checked against the invariants before it is deduplicated (explore-core.ts says why),
 * so the first violating successor met in (level, frontier order, enabled-action order) ends the search and
 * its parent pointers give a shortest counterexample. With `workers` K > 1 (checker/explore-worker.ts), the
 * calling thread and K - 1 worker threads share each level: a thread keeps the successor worlds it generates and
 * sends the calling thread only their keys (parent position, action index) and fingerprints; the calling thread
 * holds the one seen set, merges the lists by key (the order the single-threaded loop meets the successors),
 * keeps the first occurrence of each new fingerprint and tells each thread which of its successors are kept and
 * at which positions of the next level. States move between threads only to even out the shares. The states,
 * their numbering, the parent pointers, the counts, the verdict and the counterexample are decided by the keys
 * alone, so they are the same for any number of workers and any timing.
 *
 * States are identified by a projection of the world (checker/identity.ts: Xen irqs, Linux irqs and ports
 * renamed canonically, presence where only presence is read, unread fields left out, the two devices swapped),
 * while the worlds expanded, replayed and reported stay concrete; docs/performance.md ("State identity") says why
 * that is sound and why pirqs and domids are not renamed. A renamed namespace met with a dangling reference is
 * made concrete, and a projected field a variant's own code reads is kept (model/read-view.ts), and the
 * exploration run again (`identityFallbacks`).
 */
import { stateWorker } from './worker-heap.ts';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { getHeapStatistics } from 'node:v8';
import type { Action } from '../model/actions.ts';
import { ConfigError, type Resolved } from '../model/config.ts';
import { INVARIANTS, violations, type Invariant, type Violation } from '../model/invariants.ts';
import { enabledActions, initialWorld } from '../model/scenarios.ts';
import { apply } from '../model/step.ts';
import {
  ACTION_RADIX,
  emptyShare,
  expandShare,
  expandTaken,
  expandWorlds,
  give,
  Inbox,
  stateFingerprint,
  FP_BYTES,
  type Batch,
  type ShareResult,
  type SliceResult,
  type Step,
  type StepReply,
  type WorkerInit,
} from './explore-core.ts';
import { hasDeviceSymmetry } from './explore-symmetry.ts';
import { watchSlot } from '../model/overrides.ts';
import { defaultIdentity, describeIdentity, makeIdentity, READS_MODEL, readsOf, withoutGuarded, type Identity, type IdentityGuard, type IdentityOptions, type Reads } from './identity.ts';
import type { World } from '../model/world.ts';
import { execute, type TraceStep } from './run.ts';

export interface ExploreOptions {
  /** Largest number of steps from the initial world (default: none, until the graph is complete or --max-states). */
  readonly depth?: number;
  /** Stop once this many distinct states are stored. */
  readonly maxStates: number;
  readonly invariants: readonly Invariant[];
  /** Threads expanding each level: the calling thread and `workers - 1` worker threads (1 = the calling thread alone). */
  readonly workers?: number;
  /** Called after each expanded slice. */
  readonly onProgress?: (p: ExploreProgress) => void;
  /** Stop when the V8 heap passes this fraction of its limit (default 0.7). */
  readonly heapFraction?: number;
  /**
   * With workers: levels with fewer states than this are expanded on the calling thread alone while the worker
   * threads start; the first level at least this large (or an earlier one of at least 128 states, if the workers
   * are already up), and every later one, is shared by all threads. Default 1024.
   */
  readonly parallelFrom?: number;
  /**
   * Device symmetry reduction (checker/explore-symmetry.ts): store one state per pair {s, π s} where π swaps the
   * two devices. Refused (true) for a scenario whose devices are not interchangeable; default: on where they are.
   */
  readonly symmetry?: boolean;
  /**
   * The state identity (checker/identity.ts). Default: `defaultIdentity(config, symmetry)` (renaming and
   * projection off the lifecycle scenarios, device swap where the devices are interchangeable).
   */
  readonly identity?: IdentityOptions;
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
  /** The state identity the counts are of (checker/identity.ts, `describeIdentity`). */
  readonly identity: string;
  /**
   * Namespaces whose renaming was given up because a reachable state holds a dangling reference into them (the
   * exploration was then run again with those numbers concrete), with the reference met.
   */
  readonly identityFallbacks: readonly IdentityGuard[];
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

/** What each participant does at one parallel level (index 0: the calling thread). */
interface Plan {
  /** First parallel level: each worker's share, as the JSON text of its worlds (index 0 unused). */
  readonly load?: readonly string[];
  /** Which of its successors at the previous level each participant keeps (indices into its key order)... */
  readonly kept: readonly Int32Array[];
  /** ... and their positions in this level (ascending). */
  readonly positions: readonly Int32Array[];
  readonly give: readonly (readonly { to: number; n: number }[])[];
  readonly take: readonly (readonly number[])[];
}

/**
 * The transfers that even out the shares of the next level (`count[p]` new states kept by participant p) when
 * the largest and the smallest differ by more than BALANCE_SLACK: each participant above the mean gives its
 * excess to those below it. Decided from the counts alone, so it does not depend on the timing.
 */
function balance(count: readonly number[]): Pick<Plan, 'give' | 'take'> {
  const k = count.length;
  const give = count.map(() => [] as { to: number; n: number }[]);
  const take = count.map(() => [] as number[]);
  if (Math.max(...count) - Math.min(...count) <= BALANCE_SLACK) return { give, take };
  const total = count.reduce((a, b) => a + b, 0);
  const excess = count.map((c, p) => c - (Math.floor(total / k) + (p < total % k ? 1 : 0)));
  for (let g = 0; g < k; g++)
    for (let t = 0; t < k && excess[g]! > 0; t++) {
      if (excess[t]! >= 0) continue;
      const n = Math.min(excess[g]!, -excess[t]!);
      give[g]!.push({ to: t, n });
      take[t]!.push(g);
      excess[g]! -= n;
      excess[t]! += n;
    }
  return { give, take };
}

/** A level at least this large is handed over to the workers before `parallelFrom` if they are ready. */
const EARLY_HANDOVER = 128;

/** Largest slice expanded on the calling thread between progress ticks and heap checks. */
const MAX_SLICE = 2048;

/** Level size difference (in states) between two threads' shares below which no state is moved. */
const BALANCE_SLACK = 32;

/**
 * The worker threads of a parallel exploration (participants 1 .. K-1; the calling thread is participant 0;
 * checker/explore-worker.ts gives the protocol).
 */
class Pool {
  private readonly workers: Worker[];
  /** Replies of each worker (index 1 .. K-1; the first one is its `ready`). */
  readonly replies: Inbox<unknown>[];
  /** The calling thread's end of its channel to each worker, and the batches arriving on it. */
  readonly ports: (MessagePort | null)[];
  readonly inboxes: (Inbox<Batch> | null)[];
  constructor(k: number, r: Resolved, invariants: readonly Invariant[], identity: IdentityOptions | null, variantFiles: readonly string[] = []) {
    const names = invariants.map((i) => i.name);
    for (const n of names) {
      if (!INVARIANTS.some((i) => i.name === n)) throw new Error(`invariant '${n}' is not in INVARIANTS and cannot be sent to a worker`);
    }
    // One MessageChannel per pair of participants.
    const ports: (MessagePort | null)[][] = Array.from({ length: k }, () => Array<MessagePort | null>(k).fill(null));
    for (let i = 0; i < k; i++)
      for (let j = i + 1; j < k; j++) {
        const c = new MessageChannel();
        ports[i]![j] = c.port1;
        ports[j]![i] = c.port2;
      }
    this.ports = ports[0]!;
    this.inboxes = this.ports.map((p) => {
      if (!p) return null;
      const box = new Inbox<Batch>();
      p.on('message', (b: Batch) => box.push(b));
      return box;
    });
    this.replies = [new Inbox<unknown>()];
    this.workers = [];
    for (let index = 1; index < k; index++) {
      const box = new Inbox<unknown>();
      this.replies.push(box);
      const mine = ports[index]!.filter((p): p is MessagePort => p !== null);
      const watch = watchSlot();
      const init: WorkerInit = { config: r.config, invariants: names, index, identity, variantFiles, ports: ports[index]!, ...(watch ? { watch } : {}) };
      const w = stateWorker(new URL('./explore-worker-boot.mjs', import.meta.url), { workerData: init, transferList: mine });
      w.on('message', (m: unknown) => box.push(m));
      w.on('error', (e: Error) => {
        for (const b of this.replies) b.fail(e);
        for (const b of this.inboxes) b?.fail(e);
      });
      this.workers.push(w);
    }
  }
  /** Participants, the calling thread included. */
  get size(): number {
    return this.workers.length + 1;
  }
  post(k: number, m: Step, transfer: ArrayBuffer[]): void {
    this.workers[k - 1]!.postMessage(m, transfer);
  }
  async close(): Promise<void> {
    for (const p of this.ports) p?.close();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

export async function explore(r: Resolved, o: ExploreOptions): Promise<ExploreResult> {
  if (o.symmetry === true && !hasDeviceSymmetry(r.scenario)) {
    throw new ConfigError(`--symmetry: the devices of scenario '${r.scenario.id}' are not interchangeable (it needs exactly two devices with the same parameters)`);
  }
  let idOpts = o.identity ?? defaultIdentity(r, o.symmetry);
  if (idOpts.symmetry && !hasDeviceSymmetry(r.scenario)) throw new ConfigError(`identity: the devices of scenario '${r.scenario.id}' are not interchangeable`);
  const fallbacks: IdentityGuard[] = [];
  for (;;) {
    const res = await exploreOnce(r, o, idOpts);
    if (!res.guard) return { ...res.result, identityFallbacks: fallbacks };
    fallbacks.push(res.guard);
    // The reduction is not justified for this configuration (checker/identity.ts): explore again without it.
    idOpts = withoutGuarded(idOpts, res.guard);
  }
}

async function exploreOnce(
  r: Resolved,
  o: ExploreOptions,
  idOpts: IdentityOptions,
): Promise<{ result: Omit<ExploreResult, 'identityFallbacks'>; guard: Identity['guard'] }> {
  const t0 = performance.now();
  const maxDepth = o.depth ?? Infinity;
  const nWorkers = Math.max(1, Math.floor(o.workers ?? 1));
  const sym = idOpts.symmetry;
  const reduced = idOpts.rename.length > 0 || idOpts.project || idOpts.symmetry;
  const ident: Identity | null = reduced ? makeIdentity(idOpts) : null;
  const identity = describeIdentity(idOpts);
  let guard: Identity['guard'] = null;
  const heapLimit = getHeapStatistics().heap_size_limit * (o.heapFraction ?? 0.7);
  const seen = new Set<string>();
  const parentOf = new IntColumn();
  const actionOf = new IntColumn();
  const levels: number[] = [];
  let transitions = 0;
  let stopReason: string | null = null;
  let violatingState: { parent: number; action: number; invariants: readonly string[] } | null = null;

  const w0 = initialWorld(r.scenario);
  seen.add(stateFingerprint(w0, ident));
  // (The successors' dangling references are events of the search order: SliceResult.guarded, ShareResult.guarded.)
  if (ident?.guard) guard = ident.guard;
  parentOf.push(-1);
  actionOf.push(-1);
  levels.push(1);
  const v0 = violations(w0, o.invariants);

  let frontier: World[] = [w0];
  /** Size of the current level (with workers the states themselves are held by the threads sharing it). */
  let frontierSize = 1;
  let frontierStart = 0; // id of the first state of the current level
  let depth = 0;
  const pool = nWorkers > 1 && v0.length === 0 && maxDepth > 0 ? new Pool(nWorkers, r, o.invariants, reduced ? idOpts : null, o.variantFiles ?? []) : null;
  let distinct = 1;
  const progress = () =>
    o.onProgress?.({ depth, maxDepth, distinctStates: distinct, transitions, frontier: frontierSize, elapsedMs: performance.now() - t0 });
  const heapStop = () =>
    `stopped: heap use passed ${Math.round((o.heapFraction ?? 0.7) * 100)}% of the V8 limit at ${distinct} states (raise --max-old-space-size or lower --depth)`;

  /** With workers: what each participant does at the next parallel level. */
  let plan: Plan | null = null;
  /** The calling thread's successors at the last parallel level, in the order of its share's keys. */
  let mine: World[] = [];
  try {
    // Awaited (and its failure thrown) at the hand-over; never if there is none.
    const ready = pool ? Promise.all(pool.replies.slice(1).map((b) => b.next())) : null;
    let isReady = false;
    ready?.then(() => (isReady = true), () => {});
    ready?.catch(() => {});
    while (v0.length === 0 && depth < maxDepth && frontierSize > 0 && !violatingState && !stopReason && !guard) {
      const from = o.parallelFrom ?? 1024;
      // Let the workers' `ready` arrive (the single-threaded levels do not otherwise yield).
      if (pool && !plan && !isReady && frontierSize >= EARLY_HANDOVER) await new Promise((resolve) => setImmediate(resolve));
      if (pool && !plan && (frontierSize >= from || (isReady && frontierSize >= Math.min(from, EARLY_HANDOVER)))) {
        // Hand over: participant (i + 1) mod K takes the state at position i of this level (so the first
        // position, where the smallest keys are, goes to a worker thread, and the calling thread takes none of
        // a level smaller than K).
        await ready;
        const k = pool.size;
        const worlds: World[][] = Array.from({ length: k }, () => []);
        const positions: number[][] = Array.from({ length: k }, () => []);
        frontier.forEach((w, i) => {
          worlds[(i + 1) % k]!.push(w);
          positions[(i + 1) % k]!.push(i);
        });
        mine = worlds[0]!;
        plan = {
          load: worlds.map((w, p) => (p === 0 ? '' : JSON.stringify(w))),
          kept: positions.map((x, p) => (p === 0 ? Int32Array.from(x.keys()) : new Int32Array(0))),
          positions: positions.map((x) => Int32Array.from(x)),
          give: worlds.map(() => []),
          take: worlds.map(() => []),
        };
        frontier = [];
      }
      if (pool && plan) {
        const n = await parallelLevel(pool, plan);
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
            if (res.guarded && j === res.fp.length - 1) {
              guard = res.guarded;
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
          if (getHeapStatistics().used_heap_size > heapLimit) {
            stopReason = heapStop();
            return false;
          }
          return true;
        };
        // Slices of this level, in frontier order.
        for (let i = 0; i < frontier.length; i += MAX_SLICE) {
          if (!merge(i, expandWorlds(r, o.invariants, frontier.slice(i, i + MAX_SLICE), 'worlds', ident, seen))) break;
          progress();
        }
        distinct = seen.size;
        if (violatingState || stopReason || guard) break;
        frontierStart += frontier.length;
        frontier = next;
        frontierSize = next.length;
      }
      if (violatingState || stopReason || guard) break;
      depth++;
      if (frontierSize > 0) levels.push(frontierSize);
      progress();
    }
  } finally {
    await pool?.close();
  }

  /**
   * One level expanded by all participants (checker/explore-worker.ts gives the protocol). Each thread's
   * successors are in key order (parent position, action index); merged by key, they are in the order the
   * single-threaded loop meets them, so the same states get the same numbers, the same first violation is
   * found, and the counts and the --max-states stop agree. Only the keys decide, never the timing.
   */
  async function parallelLevel(pool: Pool, pl: Plan): Promise<number> {
    const k = pool.size;
    for (let p = 1; p < k; p++) {
      const kept = pl.kept[p]!;
      const positions = pl.positions[p]!;
      const step: Step = pl.load
        ? { cmd: 'step', load: { worlds: pl.load[p]!, positions }, give: pl.give[p]!, take: pl.take[p]! }
        : { cmd: 'step', kept, positions, give: pl.give[p]!, take: pl.take[p]! };
      pool.post(p, step, pl.load ? [positions.buffer as ArrayBuffer] : [kept.buffer as ArrayBuffer, positions.buffer as ArrayBuffer]);
    }
    // The calling thread's own share.
    const frontier = Array.from(pl.kept[0]!, (i) => mine[i]!);
    const positions = Array.from(pl.positions[0]!);
    mine = [];
    for (const g of pl.give[0]!) give(pool.ports[g.to]!, frontier, positions, g.n);
    const expand = (states: World[], pos: ArrayLike<number>, out: ShareResult) => expandShare(r, o.invariants, states, pos, ident, { set: seen, add: false }, out);
    let own = emptyShare();
    expand(frontier, positions, own);
    frontier.length = 0;
    own = await expandTaken(pool.inboxes, pl.take[0]!, own, expand);
    mine = own.worlds;
    const replies: StepReply[] = [];
    for (let p = 1; p < k; p++) replies.push((await pool.replies[p]!.next()) as StepReply);
    // The level's first event in key order, as the single-threaded loop meets it: a violation, or a successor
    // with a dangling reference (the level is then explored again with that namespace concrete), or the
    // --max-states stop below.
    let gkey = Infinity;
    let gwhat: Identity['guard'] = null;
    for (const g of [own.guarded, ...replies.map((x) => x.guarded)]) if (g && g.key < gkey) ((gkey = g.key), (gwhat = g.guard));

    // Merge by key, cut at the level's first violation or guard.
    const keys: ArrayLike<number>[] = [own.keys, ...replies.map((x) => x.keys)];
    const fpBytes = [null, ...replies.map((x) => Buffer.from(x.fps))];
    const fpOf = (p: number, i: number): string => (p === 0 ? own.fps[i]! : fpBytes[p]!.toString('latin1', i * FP_BYTES, i * FP_BYTES + FP_BYTES));
    let vkey = Infinity;
    let vinv: readonly string[] = [];
    for (const v of [own.violated, ...replies.map((x) => x.violated)]) if (v && v.key < vkey) ((vkey = v.key), (vinv = v.invariants));
    const stopAt = Math.min(vkey, gkey);
    let cut = vkey;
    const idx = keys.map(() => 0);
    const kept = keys.map(() => [] as number[]);
    const next = keys.map(() => [] as number[]);
    let n = 0;
    for (;;) {
      let best = -1;
      let key = stopAt;
      for (let p = 0; p < k; p++) if (idx[p]! < keys[p]!.length && keys[p]![idx[p]!]! < key) ((best = p), (key = keys[p]![idx[p]!]!));
      if (best < 0) break;
      const i = idx[best]!++;
      transitions++;
      const f = fpOf(best, i);
      if (seen.has(f)) continue;
      if (seen.size >= o.maxStates) {
        stopReason = `stopped at --max-states ${o.maxStates} while expanding depth ${depth + 1}`;
        cut = key;
        break;
      }
      seen.add(f);
      parentOf.push(frontierStart + Math.floor(key / ACTION_RADIX));
      actionOf.push(key % ACTION_RADIX);
      kept[best]!.push(i);
      next[best]!.push(n++);
    }
    distinct = seen.size;
    if (!stopReason && gkey < vkey) {
      guard = gwhat;
      return 0;
    }
    // The successors dropped as known duplicates before the cut are transitions too.
    for (const d of [own.dupKeys, ...replies.map((x) => x.dupKeys)]) for (const x of d) if (x < cut) transitions++;
    if (!stopReason && vkey !== Infinity) {
      transitions++;
      violatingState = { parent: frontierStart + Math.floor(vkey / ACTION_RADIX), action: vkey % ACTION_RADIX, invariants: vinv };
    }
    if (!stopReason && !violatingState && Math.max(getHeapStatistics().used_heap_size, ...replies.map((x) => x.heapUsed)) > heapLimit) stopReason = heapStop();
    plan = { kept: kept.map((x) => Int32Array.from(x)), positions: next.map((x) => Int32Array.from(x)), ...balance(kept.map((x) => x.length)) };
    return n;
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

  if (guard) return { result: { verdict: 'stopped', depth: maxDepth, complete: false, stopReason: 'identity guard', symmetry: sym, identity, violation: null, alsoViolated: [], actions: null, steps: null, stats, summary: '' }, guard };
  if (v0.length || violatingState) {
    const vs = violatingState as { parent: number; action: number; invariants: readonly string[] } | null;
    const actions = vs ? pathTo(r, parentOf, actionOf, vs.parent, vs.action) : [];
    const ex = execute(r, actions, o.invariants);
    const violation = ex.violations[0] ?? v0[0] ?? null;
    return { guard: null, result: {
      verdict: 'violated',
      depth: maxDepth,
      complete: false,
      stopReason: null,
      symmetry: sym,
      identity,
      violation,
      alsoViolated: (ex.violations.length ? ex.violations : v0).map((v) => v.invariant),
      actions: ex.actions,
      steps: ex.steps,
      stats,
      summary: `invariant ${violation?.invariant ?? '?'} violated after ${actions.length} steps (shortest counterexample; ${distinct} states explored)`,
    } };
  }
  if (stopReason) {
    return { guard: null, result: {
      verdict: 'stopped',
      depth: maxDepth,
      complete: false,
      stopReason,
      symmetry: sym,
      identity,
      violation: null,
      alsoViolated: [],
      actions: null,
      steps: null,
      stats,
      summary: `${stopReason}: no violation among the ${distinct} states stored; every state within ${depth} steps was checked (${maxDepth === Infinity ? 'the graph is not complete' : `no certificate for depth ${maxDepth}`})`,
    } };
  }
  const complete = frontierSize === 0;
  const symNote = ident ? ` (${idNote(idOpts, r)})` : '';
  return { guard: null, result: {
    verdict: 'holds',
    depth: maxDepth,
    complete,
    stopReason: null,
    symmetry: sym,
    identity,
    violation: null,
    alsoViolated: [],
    actions: null,
    steps: null,
    stats,
    summary: complete
      ? `all invariants hold in every reachable state: ${distinct} states${symNote} (the state graph is exhausted at depth ${stats.depthReached})`
      : `all invariants hold in every state reachable within ${maxDepth} steps: ${distinct} states${symNote}`,
  } };
}

/** What a state count counts, for the summary. */
/** Names of the projected fields, for the summary. */
const FIELD_NAMES: Readonly<Record<keyof Reads, string>> = {
  qemuMaskall: "QEMU's maskall",
  pirqToIrq: 'pirq_to_irq',
  pirqToIrqValues: 'pirq_to_irq',
  programmedXenIrq: 'the programmed xen_irq',
  unassignedCommitted: 'the committed message of QEMU entries without a pirq',
  unassignedMessage: 'the message of QEMU entries without a pirq',
};

function idNote(o: IdentityOptions, r: Resolved): string {
  const parts: string[] = [];
  if (o.rename.length) parts.push(`${o.rename.map((n) => (n === 'xen-irq' ? 'Xen irqs' : n === 'guest-irq' ? 'guest irqs' : 'ports')).join(', ')} renamed`);
  if (o.project) {
    // What a variant's own code was seen to read is kept (model/read-view.ts): say which.
    const base = readsOf(r);
    const rd = o.reads ?? READS_MODEL;
    const kept = r.user === null ? [] : [...new Set((Object.keys(FIELD_NAMES) as (keyof Reads)[]).filter((f) => rd[f] && !base[f]).map((f) => FIELD_NAMES[f]))];
    const but = kept.length ? ` but ${kept.join(' and ')}, which the variant's own code reads` : '';
    parts.push(`fields the configuration does not read left out${but}`);
  }
  if (o.symmetry) parts.push('up to swapping the two devices');
  return `classes: ${parts.join(', ')}`;
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
