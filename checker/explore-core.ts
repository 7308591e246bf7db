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
 * Skipping step 1 for duplicates would be unsound: the same state reached by a different last step can carry
 * an audit that violates `map-success-means-mapped` where the first copy did not.
 *
 * The encoding is JSON.stringify, which is deterministic for a given construction order (integer-keyed
 * records enumerate in ascending order). Equal encodings mean equal worlds, so deduplication never merges two
 * different states; a world built with its fields in another order would only be kept twice (more states,
 * never a missed one). States are stored as 160-bit SHA-1 fingerprints of that encoding, kept as 20-character
 * one-byte ('binary') strings. Two distinct states share a fingerprint only by a hash collision: for n states the
 * probability is about n²/2¹⁶¹, below 10⁻³⁴ for 10⁷ states (the inputs are model states, not adversarial
 * data, so SHA-1's known chosen-prefix weakness does not apply). A collision would merge two states and could
 * hide the successors of one of them; docs/performance.md records this bound.
 */
import { hash } from 'node:crypto';
import type { Resolved } from '../model/config.ts';
import { violations, type Invariant } from '../model/invariants.ts';
import { enabledActions } from '../model/scenarios.ts';
import { apply } from '../model/step.ts';
import type { World } from '../model/world.ts';
import { canonicalEncoding } from './explore-symmetry.ts';

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

export function fingerprint(enc: string): string {
  return hash('sha1', enc, 'binary');
}

/** The fingerprint a state is stored under: of its encoding, or with `symmetry` of its canonical encoding. */
export function stateFingerprint(w: World, enc: string, symmetry: boolean): string {
  return fingerprint(symmetry ? canonicalEncoding(w, enc, stateEncoding) : enc);
}

/** Successor keys are `position of the parent in its level * ACTION_RADIX + action index`. */
export const ACTION_RADIX = 65536;

/** The worker owning a state (partition of the seen set by fingerprint). */
export function ownerOf(fp: string, workers: number): number {
  return fp.charCodeAt(0) % workers;
}

export function decodeState(enc: string): World {
  return JSON.parse(enc) as World;
}

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
}

/** Expand a slice of states (the single-threaded explorer); `keep` says whether to return encodings or worlds. */
export function expandWorlds(r: Resolved, invs: readonly Invariant[], states: readonly World[], keep: 'enc' | 'worlds', symmetry = false): SliceResult {
  const parent: number[] = [];
  const action: number[] = [];
  const fp: string[] = [];
  const enc: string[] = [];
  const worlds: World[] = [];
  for (let i = 0; i < states.length; i++) {
    const w = states[i]!;
    const en = enabledActions(w, r.scenario);
    for (let k = 0; k < en.length; k++) {
      const next = apply(w, en[k]!, r).world;
      const e = ownEncoding(next);
      parent.push(i);
      action.push(k);
      fp.push(stateFingerprint(next, e, symmetry));
      if (keep === 'enc') enc.push(e);
      else worlds.push(next);
      const v = violations(next, invs);
      if (v.length) return { parent, action, fp, enc, worlds, violated: { invariants: v.map((x) => x.invariant) } };
    }
  }
  return { parent, action, fp, enc, worlds, violated: null };
}
