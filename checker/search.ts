/**
 * Random search with fast-check. A run is a sequence of choices, each read against the actions enabled
 * in the state it meets, so every generated step is possible; fast-check shrinks the choice sequence, and
 * `minimize` then removes any single step the violation does not need.
 */
import fc from 'fast-check';
import type { Action } from '../model/actions.ts';
import { ACTION_KINDS } from '../model/actions.ts';
import type { Resolved } from '../model/config.ts';
import type { Invariant, Violation } from '../model/invariants.ts';
import { execute, interpret, minimize, type TraceStep } from './run.ts';

export interface SearchOptions {
  readonly seed: number;
  readonly runs: number;
  /** Longest choice sequence generated. */
  readonly maxSteps: number;
  readonly invariants: readonly Invariant[];
}

export interface SearchResult {
  readonly verdict: 'holds' | 'violated';
  readonly violation: Violation | null;
  /** Every invariant violated at the failing step of the minimal counterexample. */
  readonly alsoViolated: readonly string[];
  readonly actions: readonly Action[] | null;
  readonly steps: readonly TraceStep[] | null;
  readonly seed: number;
  readonly runs: number;
  /** Runs executed before the first failure (all of them when none failed). */
  readonly runsExecuted: number;
  /** How often each action kind ran during the search, before shrinking. */
  readonly coverage: Readonly<Record<string, number>>;
}

export const DEFAULT_MAX_STEPS = 40;

export function search(r: Resolved, o: SearchOptions): SearchResult {
  const counts = new Map<string, number>();
  let executed = 0;
  let shrinking = false;
  const prop = fc.property(fc.array(fc.nat({ max: 0xffff }), { minLength: 1, maxLength: o.maxSteps }), (choices) => {
    if (!shrinking) executed++;
    const res = interpret(r, choices, o.invariants, shrinking ? undefined : counts);
    if (res.violation) {
      shrinking = true;
      return false;
    }
    return true;
  });
  const details = fc.check(prop, { seed: o.seed, numRuns: o.runs });
  const coverage = Object.fromEntries(ACTION_KINDS.map((k) => [k, counts.get(k) ?? 0]));
  if (!details.failed || !details.counterexample) {
    return { verdict: 'holds', violation: null, alsoViolated: [], actions: null, steps: null, seed: o.seed, runs: o.runs, runsExecuted: executed, coverage };
  }
  const [choices] = details.counterexample;
  const first = interpret(r, choices, o.invariants);
  const inv = first.violation!.invariant;
  const minimal = minimize(r, first.actions, inv, o.invariants);
  const ex = execute(r, minimal, o.invariants);
  const violation = ex.violations.find((v) => v.invariant === inv) ?? ex.violations[0] ?? first.violation!;
  return {
    verdict: 'violated',
    violation,
    alsoViolated: ex.violations.map((v) => v.invariant),
    actions: ex.actions,
    steps: ex.steps,
    seed: o.seed,
    runs: o.runs,
    runsExecuted: executed,
    coverage,
  };
}
