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
import { violations } from '../model/invariants.ts';
import { enabledActions, initialWorld } from '../model/scenarios.ts';
import { apply } from '../model/step.ts';

/** `interpret` restricted to a swarm subset of action kinds (falling back to all when the subset has none). */
export function interpretSwarm(
  r: Resolved,
  kinds: readonly string[],
  choices: readonly number[],
  invs: readonly Invariant[],
  kindCounts?: Map<string, number>,
): { actions: Action[]; violation: Violation | null } {
  let w = initialWorld(r.scenario);
  const actions: Action[] = [];
  const allowed = new Set(kinds);
  for (const c of choices) {
    const all = enabledActions(w, r.scenario);
    if (all.length === 0) break;
    const some = all.filter((a) => allowed.has(a.kind));
    const en = some.length ? some : all;
    const a = en[c % en.length]!;
    w = apply(w, a, r).world;
    actions.push(a);
    if (kindCounts) kindCounts.set(a.kind, (kindCounts.get(a.kind) ?? 0) + 1);
    const v = violations(w, invs);
    if (v.length) return { actions, violation: v[0]! };
  }
  return { actions, violation: null };
}

export interface SearchOptions {
  readonly seed: number;
  readonly runs: number;
  /** Longest choice sequence generated. */
  readonly maxSteps: number;
  readonly invariants: readonly Invariant[];
  /**
   * Swarm testing (Groce et al., ISSTA 2012): each run also draws a non-empty subset of the action kinds and
   * takes only actions of those kinds; an action of another kind is taken only when no action of the subset
   * is enabled, so a run never stalls. fast-check shrinks the subset with the choices.
   */
  readonly swarm?: boolean;
  /** Called once, when the first failing run is found (before shrinking); used by the benchmarks. */
  readonly onFirstFailure?: () => void;
  /** Called after each generated run (not the shrinking ones) with the number run so far: progress lines. */
  readonly onRun?: (executed: number) => void;
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
  const kindsArb = o.swarm ? fc.subarray([...ACTION_KINDS], { minLength: 1 }) : fc.constant([] as string[]);
  const run = (kinds: readonly string[], choices: readonly number[], c?: Map<string, number>) =>
    o.swarm ? interpretSwarm(r, kinds, choices, o.invariants, c) : interpret(r, choices, o.invariants, c);
  const prop = fc.property(kindsArb, fc.array(fc.nat({ max: 0xffff }), { minLength: 1, maxLength: o.maxSteps }), (kinds, choices) => {
    if (!shrinking) executed++;
    const res = run(kinds, choices, shrinking ? undefined : counts);
    if (!shrinking) o.onRun?.(executed);
    if (res.violation) {
      if (!shrinking) o.onFirstFailure?.();
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
  const [kinds, choices] = details.counterexample;
  const first = run(kinds, choices);
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
