/**
 * Row verdicts in the seeds' words. Every invariant is a `failure` (a user or operator sees it) or a
 * `hazard` (components disagree, nothing observes it yet; model/invariants.ts). A configuration:
 *   fails   some failure invariant is violated (it has a counterexample, the shortest is named);
 *   hazard  only hazard invariants are violated;
 *   holds   nothing is violated;
 * and the verdict is `proved` when the complete reachable graph was explored (so the sets of failures and
 * hazards are exact within the model) or `bounded` (within the search and exploration bounds; a listed
 * violation has its counterexample either way).
 */
import { INVARIANTS, findInvariant, type InvariantKind } from '../model/invariants.ts';

export type Outcome = 'fails' | 'hazard' | 'holds';

export function kindOf(invariant: string): InvariantKind {
  return findInvariant(invariant)?.kind ?? 'failure';
}

export const FAILURE_INVARIANTS = INVARIANTS.filter((i) => i.kind === 'failure');
export const HAZARD_INVARIANTS = INVARIANTS.filter((i) => i.kind === 'hazard');

/** One violated invariant of a row: its shortest known counterexample and which engine found that. */
export interface Found {
  readonly invariant: string;
  readonly kind: InvariantKind;
  /** Steps of the shortest counterexample known (the search's shrunk one, or exploration's if shorter). */
  readonly steps: number;
  /** 'search' when the random search found it (its trace is the corpus's), 'explore' when only exploration did. */
  readonly by: 'search' | 'explore';
}

export interface RowVerdict {
  readonly outcome: Outcome;
  readonly proved: boolean;
  /** Violated failure invariants, in INVARIANTS order. */
  readonly failures: readonly Found[];
  /** Violated hazard invariants, in INVARIANTS order. */
  readonly hazards: readonly Found[];
}

/**
 * The verdict of a row from what the random search found (name -> shrunk steps) and what exploration found
 * (name -> shortest steps), and whether exploration covered the complete graph.
 */
export function rowVerdict(search: ReadonlyMap<string, number>, explore: ReadonlyMap<string, number>, complete: boolean): RowVerdict {
  const found: Found[] = [];
  for (const inv of INVARIANTS) {
    const s = search.get(inv.name);
    const x = explore.get(inv.name);
    if (s === undefined && x === undefined) continue;
    found.push({ invariant: inv.name, kind: inv.kind, steps: s === undefined ? x! : Math.min(s, x ?? s), by: s === undefined ? 'explore' : 'search' });
  }
  const failures = found.filter((f) => f.kind === 'failure');
  const hazards = found.filter((f) => f.kind === 'hazard');
  return { outcome: outcomeOf(found.map((f) => f.invariant)), proved: complete, failures, hazards };
}

export function outcomeOf(violated: Iterable<string>): Outcome {
  let hazard = false;
  for (const n of violated) {
    if (kindOf(n) === 'failure') return 'fails';
    hazard = true;
  }
  return hazard ? 'hazard' : 'holds';
}

/** "fails, proved", "hazard, bounded", ... */
export function outcomeText(v: { readonly outcome: Outcome; readonly proved: boolean }): string {
  return `${v.outcome}, ${v.proved ? 'proved' : 'bounded'}`;
}

/** "enabled-vector-delivers (8), no-stuck-pirq (explore: 9)" */
export function foundText(fs: readonly Found[]): string {
  return fs.map((f) => `${f.invariant} (${f.by === 'explore' ? 'explore: ' : ''}${f.steps})`).join(', ');
}

/** Whether an exit status should be 1: a failure, or with `--fail-on hazard` a hazard too. */
export function exitFor(outcome: Outcome, failOn: 'failure' | 'hazard'): number {
  return outcome === 'fails' || (failOn === 'hazard' && outcome === 'hazard') ? 1 : 0;
}

/** The shortest of a row's failures (the one to read first), or undefined. */
export function shortestFailure(v: RowVerdict): Found | undefined {
  let best: Found | undefined;
  for (const f of v.failures) if (!best || f.steps < best.steps) best = f;
  return best;
}
