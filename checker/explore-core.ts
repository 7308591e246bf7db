/**
 * The expansion step of the breadth-first explorer, shared by the main thread and the worker threads: take
 * a slice of one BFS level (states as state encodings), generate every successor by every enabled action,
 * check the invariants on each generated successor, and return each successor's fingerprint and encoding.
 *
 * State encoding. A world is plain JSON data (model/world.ts). Its `audit` field records what the hypercalls
 * of the last step returned: it is a history variable that the invariants read, but `apply` clears it
 * before every step and `enabledActions` never reads it, so two worlds that differ only in `audit` have the
 * same successors. The explorer therefore
 *   1. checks the invariants on every generated successor with its audit (before any deduplication), and
 *   2. identifies states by the encoding with `audit` emptied.
 * Skipping step 1 for duplicates would be unsound for the invariants that read the audit: the same state reached
 * by a different last step can carry an audit that violates `map-success-means-mapped` where the first copy did
 * not. Those are marked `transition`; the others are functions of the state class and are checked only on a
 * successor whose class is new (`transitionInvariants`).
 *
 * The encoding is JSON.stringify, which is deterministic for a given construction order (integer-keyed
 * records enumerate in ascending order). Equal encodings mean equal worlds, so deduplication never merges two
 * different states; a world built with its fields in another order would only be kept twice (more states,
 * never a missed one). States are stored as 128-bit fingerprints of that encoding, kept as 16-character
 * one-byte ('binary') strings (FP_BYTES):
 *   - without symmetry, the incremental fingerprint of checker/fingerprint.ts, a sum of hashes of the JSON
 *     structure's elements, computed for a successor from its parent's by walking only what the step changed
 *     (a step shares everything else with the parent, model/step.ts); it is a function of the encoding;
 *   - with a reduced identity (checker/identity.ts: numbers renamed canonically, presence and unread fields
 *     projected, the two devices swapped), a 128-bit hash of that projection, computed from the whole world
 *     (the records a step did not replace are hashed once, checker/identity.ts).
 * Two distinct states share a fingerprint only by a hash collision: for n states the probability is about
 * n²/2¹²⁹, below 10⁻²⁴ for 10⁷ states (the inputs are model states, not adversarial data). A collision would
 * merge two states and could hide the successors of one of them; docs/performance.md records this bound.
 */
import { hash } from 'node:crypto';
import type { MessagePort } from 'node:worker_threads';
import type { Config, Resolved } from '../model/config.ts';
import { violations, type Invariant } from '../model/invariants.ts';
import { enabledActions } from '../model/scenarios.ts';
import { apply } from '../model/step.ts';
import type { World } from '../model/world.ts';
import { successorFingerprint, worldFingerprint } from './fingerprint.ts';
import { readGuard, type Identity, type IdentityOptions } from './identity.ts';
import { takeTouched } from '../model/read-view.ts';

/** Bytes of a state fingerprint. */
export const FP_BYTES = 16;

/** The encoding a state is identified by: the world with its last-step audit emptied. */
export function stateEncoding(w: World): string {
  return w.audit.length === 0 ? JSON.stringify(w) : JSON.stringify({ ...w, audit: [] });
}

/**
 * `stateEncoding` of a world the caller owns and nobody else has seen yet (a fresh successor): the audit is
 * swapped out and back instead of copying the world's top level. A world `apply` froze (model/cow.ts) cannot
 * be written: its top level (eight fields) is copied instead.
 */
export function ownEncoding(w: World): string {
  if (w.audit.length === 0) return JSON.stringify(w);
  if (Object.isFrozen(w)) return JSON.stringify({ ...w, audit: [] });
  const m = w as { audit: World['audit'] };
  const audit = m.audit;
  m.audit = [];
  try {
    return JSON.stringify(w);
  } finally {
    m.audit = audit;
  }
}

/** The first FP_BYTES bytes of the SHA-1 of an encoding. */
export function fingerprint(enc: string): string {
  return hash('sha1', enc, 'binary').slice(0, FP_BYTES);
}

/**
 * The fingerprint a state is stored under: with an identity (checker/identity.ts: canonical renaming,
 * projection, device swap), its key; without, the incremental fingerprint of the concrete world.
 */
export function stateFingerprint(w: World, ident: Identity | null): string {
  return ident ? ident.key(w) : worldFingerprint(w);
}

/** `stateFingerprint` of a successor of `parent` (without an identity, computed from the parent's). */
export function nextFingerprint(parent: World, next: World, ident: Identity | null): string {
  return ident ? ident.key(next) : successorFingerprint(parent, next);
}

/**
 * `nextFingerprint`, and the guard this successor alone raises (null if none), whatever the identity met before:
 * a dangling reference into a renamed namespace, or a projected field that a variant's own code read or wrote
 * in the step that made it (model/read-view.ts; `next` must be the world the last `apply` returned). The
 * explorers decide in search order whether a guard or a violation comes first, so each successor's own guard
 * is needed. The identity's `guard` field is left as it was.
 */
export function keyAndGuard(parent: World, next: World, ident: Identity | null): { fp: string; guard: Identity['guard'] } {
  const touched = takeTouched();
  if (!ident) return { fp: nextFingerprint(parent, next, null), guard: null };
  const before = ident.guard;
  ident.guard = null;
  const fp = ident.key(next);
  const guard = (touched && readGuard(ident.options, touched)) || ident.guard;
  ident.guard = before;
  return { fp, guard };
}

/** Successor keys are `position of the parent in its level * ACTION_RADIX + action index`. */
export const ACTION_RADIX = 65536;


/** One expanded slice. Successors are listed in (frontier order, enabled-action order). */
export interface SliceResult {
  /** Index, within the slice, of the parent of each successor. */
  readonly parent: number[];
  /** Index of the action in `enabledActions(parent)`. */
  readonly action: number[];
  readonly fp: string[];
  /** The state encodings (only when asked for). */
  readonly enc: string[];
  /** The successor worlds (only when asked for: the explorer keeps its frontier as worlds). */
  readonly worlds: World[];
  /**
   * The first successor (in list order) violating an invariant; the slice stops there, so it is the last
   * entry of the lists. Null when none.
   */
  readonly violated: { readonly invariants: readonly string[] } | null;
  /**
   * The first successor (in list order) with a dangling reference into a renamed namespace (checker/identity.ts
   * `Identity.guard`), when it comes before any violation: the slice stops there, so it is the last entry of
   * the lists. Null when none.
   */
  readonly guarded: NonNullable<Identity['guard']> | null;
}

/**
 * The invariants to check on a successor whose state class was met before (`Invariant.transition`: those that read
 * the step's audit). The others are functions of the class: its first successor was checked for them, earlier in
 * the search order, so a violation there would have stopped the search first; skipping them on a repeat leaves the
 * first violating successor, and the invariants it violates, unchanged.
 */
export function transitionInvariants(invs: readonly Invariant[]): readonly Invariant[] {
  return invs.filter((i) => i.transition === true);
}

/**
 * Expand a slice of states (the single-threaded explorer); `keep` says whether to return encodings or worlds.
 * `seen`: the classes stored at earlier levels (a successor in it, or repeating one earlier in the slice, is checked
 * for the transition invariants only).
 */
export function expandWorlds(
  r: Resolved,
  invs: readonly Invariant[],
  states: readonly World[],
  keep: 'enc' | 'worlds',
  ident: Identity | null = null,
  seen: ReadonlySet<string> | null = null,
): SliceResult {
  const parent: number[] = [];
  const action: number[] = [];
  const fp: string[] = [];
  const enc: string[] = [];
  const worlds: World[] = [];
  const onRepeat = seen ? transitionInvariants(invs) : invs;
  const mine = seen ? new Set<string>() : null;
  for (let i = 0; i < states.length; i++) {
    const w = states[i]!;
    const en = enabledActions(w, r.scenario);
    for (let k = 0; k < en.length; k++) {
      const next = apply(w, en[k]!, r, true).world;
      const { fp: f, guard } = keyAndGuard(w, next, ident);
      parent.push(i);
      action.push(k);
      fp.push(f);
      if (keep === 'enc') enc.push(ownEncoding(next));
      else worlds.push(next);
      let repeat = false;
      if (seen && mine) {
        repeat = seen.has(f) || mine.has(f);
        if (!repeat) mine.add(f);
      }
      const v = violations(next, repeat ? onRepeat : invs);
      // A violation comes first; a violating successor is not stored, so its own dangling reference does not count.
      if (v.length) return { parent, action, fp, enc, worlds, violated: { invariants: v.map((x) => x.invariant) }, guarded: null };
      if (guard) return { parent, action, fp, enc, worlds, violated: null, guarded: guard };
    }
  }
  return { parent, action, fp, enc, worlds, violated: null, guarded: null };
}

/**
 * The successors of one thread's share of a BFS level (the parallel explorer, checker/explore.ts), in key order
 * (key = position of the parent in its level * ACTION_RADIX + action index). The violating successor is not
 * listed: `violated` holds its key.
 */
export interface ShareResult {
  readonly keys: number[];
  readonly fps: string[];
  readonly worlds: World[];
  /** Keys of successors known not to be new (their fingerprint is in `known`): counted, not listed. */
  readonly dupKeys: number[];
  /** The first violation (smallest key) among the successors generated; null when none. */
  violated: { readonly key: number; readonly invariants: string[] } | null;
  /** The first successor (smallest key) with a dangling reference that does not violate an invariant; null when none. */
  guarded: { readonly key: number; readonly guard: NonNullable<Identity['guard']> } | null;
}

export function emptyShare(): ShareResult {
  return { keys: [], fps: [], worlds: [], dupKeys: [], violated: null, guarded: null };
}

/** The smaller key of a share's first violation and first guard (Infinity: neither). */
function firstEvent(out: ShareResult): number {
  return Math.min(out.violated?.key ?? Infinity, out.guarded?.key ?? Infinity);
}

/**
 * Fingerprints a thread knows cannot be new: the calling thread's seen set (the states stored at earlier
 * levels), or a worker's own record of the fingerprints it has reported (`add`: at this level or an earlier
 * one; a repeat is either stored already or has a smaller key at this level, so it is not new either).
 */
export interface Known {
  readonly set: Set<string>;
  readonly add: boolean;
}

/**
 * Expand `states` (at the given positions of the level, ascending) into `out`, which may already hold the
 * successors of another run of the same share: a parent whose successors all come after the share's first
 * violation so far is skipped, and each parent stops at its first violating successor. The successors of one
 * call are in key order; `mergeShares` merges two runs.
 */
export function expandShare(
  r: Resolved,
  invs: readonly Invariant[],
  states: readonly World[],
  positions: ArrayLike<number>,
  ident: Identity | null,
  known: Known,
  out: ShareResult,
): void {
  // A successor whose class was stored at an earlier level is checked for the transition invariants only
  // (transitionInvariants). That is the calling thread's `known` (add: false); a worker's also holds what it
  // reported at this level, possibly with a larger key than the repeat's (a batch taken from another thread is
  // expanded after its own share), so a worker checks every successor and the first violation stays the one of
  // the single-threaded order.
  const onRepeat = known.add ? invs : transitionInvariants(invs);
  for (let i = 0; i < states.length; i++) {
    const base = positions[i]! * ACTION_RADIX;
    if (base > firstEvent(out)) break;
    const w = states[i]!;
    const en = enabledActions(w, r.scenario);
    if (en.length >= ACTION_RADIX) throw new Error(`more than ${ACTION_RADIX - 1} enabled actions in one state`);
    for (let k = 0; k < en.length; k++) {
      const next = apply(w, en[k]!, r, true).world;
      const { fp: f, guard } = keyAndGuard(w, next, ident);
      const repeat = known.set.has(f);
      const v = violations(next, repeat ? onRepeat : invs);
      if (v.length) {
        // The violating successor is not stored, so its own dangling reference does not count.
        if (!out.violated || base + k < out.violated.key) out.violated = { key: base + k, invariants: v.map((x) => x.invariant) };
        break;
      }
      if (guard) {
        // The level is explored again with that namespace concrete; the key decides against a violation.
        if (!out.guarded || base + k < out.guarded.key) out.guarded = { key: base + k, guard };
        break;
      }
      if (repeat) {
        out.dupKeys.push(base + k);
        continue;
      }
      if (known.add) known.set.add(f);
      out.keys.push(base + k);
      out.fps.push(f);
      out.worlds.push(next);
    }
  }
}

/** Two runs of one share (each in key order; no key in both) merged into key order. */
export function mergeShares(a: ShareResult, b: ShareResult): ShareResult {
  const violated = !a.violated ? b.violated : !b.violated || a.violated.key < b.violated.key ? a.violated : b.violated;
  const guarded = !a.guarded ? b.guarded : !b.guarded || a.guarded.key < b.guarded.key ? a.guarded : b.guarded;
  const out: ShareResult = { keys: [], fps: [], worlds: [], dupKeys: a.dupKeys.concat(b.dupKeys), violated, guarded };
  let i = 0;
  let j = 0;
  while (i < a.keys.length || j < b.keys.length) {
    const x = j >= b.keys.length || (i < a.keys.length && a.keys[i]! < b.keys[j]!) ? a : b;
    const k = x === a ? i++ : j++;
    out.keys.push(x.keys[k]!);
    out.fps.push(x.fps[k]!);
    out.worlds.push(x.worlds[k]!);
  }
  return out;
}

/** The messages of the parallel explorer (checker/explore-worker.ts gives the protocol). */
export interface WorkerInit {
  readonly config: Config;
  readonly invariants: readonly string[];
  readonly index: number;
  /** The state identity (checker/identity.ts); null: the concrete world's incremental fingerprint. */
  readonly identity: IdentityOptions | null;
  /** Variant files the configuration names (loaded here too: a worker has its own variant registry). */
  readonly variantFiles?: readonly string[];
  /** The watchdog buffer of the calling thread (model/overrides.ts watchOverrides), when it is watched. */
  readonly watch?: SharedArrayBuffer;
  /** The direct channel to each other participant (null at this worker's own index). */
  readonly ports: readonly (MessagePort | null)[];
}

export interface Step {
  readonly cmd: 'step';
  readonly load?: { readonly worlds: string; readonly positions: Int32Array };
  readonly kept?: Int32Array;
  readonly positions?: Int32Array;
  readonly give: readonly { readonly to: number; readonly n: number }[];
  readonly take: readonly number[];
}

export interface Batch {
  readonly worlds: string;
  readonly positions: Int32Array;
}

export interface StepReply {
  readonly keys: Float64Array;
  /** FP_BYTES bytes per successor, in the order of `keys`. */
  readonly fps: ArrayBuffer;
  /** Keys of the successors known not to be new (not listed in `keys`). */
  readonly dupKeys: Float64Array;
  readonly violated: { readonly key: number; readonly invariants: string[] } | null;
  readonly heapUsed: number;
  /** The share's first successor (smallest key) with a dangling reference into a renamed namespace, if any. */
  readonly guarded: ShareResult['guarded'];
}

/** Messages arriving on a port, taken one at a time. */
export class Inbox<T> {
  private readonly queue: T[] = [];
  private readonly waiting: { resolve: (m: T) => void; reject: (e: Error) => void }[] = [];
  private failure: Error | null = null;
  push(m: T): void {
    const w = this.waiting.shift();
    if (w) w.resolve(m);
    else this.queue.push(m);
  }
  fail(e: Error): void {
    this.failure = e;
    for (const w of this.waiting.splice(0)) w.reject(e);
  }
  next(): Promise<T> {
    if (this.queue.length) return Promise.resolve(this.queue.shift()!);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }
}

/** Send the last `n` states of a share to another participant. */
export function give(port: MessagePort, frontier: World[], positions: number[], n: number): void {
  const worlds = frontier.splice(frontier.length - n, n);
  const pos = Int32Array.from(positions.splice(positions.length - n, n));
  const b: Batch = { worlds: JSON.stringify(worlds), positions: pos };
  port.postMessage(b, [pos.buffer]);
}

/** Expand the received batches as further runs of the share. */
export async function expandTaken(
  inboxes: readonly (Inbox<Batch> | null)[],
  take: readonly number[],
  res: ShareResult,
  expand: (states: World[], positions: Int32Array, out: ShareResult) => void,
): Promise<ShareResult> {
  for (const from of take) {
    const b = await inboxes[from]!.next();
    const run = emptyShare();
    run.violated = res.violated;
    run.guarded = res.guarded;
    expand(JSON.parse(b.worlds) as World[], b.positions, run);
    res = mergeShares(res, run);
  }
  return res;
}

