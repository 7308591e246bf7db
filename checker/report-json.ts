/** The stable JSON shapes of `check --json` and `matrix --json`. */
import type { Config } from '../model/config.ts';
import type { SearchResult } from './search.ts';
import type { TraceStep } from './run.ts';

export interface CheckJson {
  readonly config: Config;
  readonly verdict: 'holds' | 'violated';
  readonly violation: { readonly invariant: string; readonly evidence: string; readonly facts: unknown } | null;
  /** Every invariant violated at the failing step. */
  readonly alsoViolated: readonly string[];
  readonly counterexample: { readonly steps: readonly JsonStep[] } | null;
  readonly seed: number;
  readonly runs: number;
  readonly runsExecuted: number;
  readonly coverage: Readonly<Record<string, number>>;
  /** Action kinds that never ran during the search (ACTION_KINDS order). */
  readonly neverRan: readonly string[];
}

export interface JsonStep {
  readonly n: number;
  readonly component: string;
  readonly action: string;
  readonly device: string | null;
  readonly args: string;
  readonly result: string;
  readonly log: readonly string[];
  readonly calls: readonly { component: string; fn: string; args: string; result: string; log: readonly string[]; depth: number }[];
}

export function jsonStep(s: TraceStep): JsonStep {
  return {
    n: s.n,
    component: s.component,
    action: s.action,
    device: s.device,
    args: s.args,
    result: s.result,
    log: s.log,
    calls: s.calls.map((c) => ({ component: c.component, fn: c.fn, args: c.args, result: c.result, log: c.log, depth: c.depth })),
  };
}

export function checkJson(config: Config, r: SearchResult): CheckJson {
  return {
    config,
    verdict: r.verdict,
    violation: r.violation ? { invariant: r.violation.invariant, evidence: r.violation.evidence.text, facts: r.violation.evidence.facts } : null,
    alsoViolated: r.alsoViolated,
    counterexample: r.steps ? { steps: r.steps.map(jsonStep) } : null,
    seed: r.seed,
    runs: r.runs,
    runsExecuted: r.runsExecuted,
    coverage: r.coverage,
    neverRan: neverRan(r.coverage),
  };
}

/** The action kinds with a zero count in a search's coverage, in coverage order. */
export function neverRan(coverage: Readonly<Record<string, number>>): string[] {
  return Object.entries(coverage)
    .filter(([, n]) => n === 0)
    .map(([k]) => k);
}
