/**
 * The exhaustive side of a matrix row: breadth-first exploration (checker/explore.ts) with the same
 * exclusion loop as the random search's violatedSet (checker/matrix.ts). Explore every invariant; on a
 * violation, drop the invariants violated in that state and explore again; stop when the rest holds or the
 * state budget runs out.
 *
 * Why this is exact: BFS stops at the shallowest state that violates any invariant of the set, at depth d.
 * Every invariant violated in that state has no violating state shallower than d (or BFS would have stopped
 * there), so d is its shortest counterexample, the same number an exploration of that invariant alone gives.
 *
 * The lifecycle scenarios (igbvf-pv, reboot-hvm) and nvme-msi-hvm have small reachable graphs (tens to a
 * few thousand states), so their 'holds' are complete: every reachable state was checked, a proof within the
 * model rather than evidence. nvme-hvm's graph is far larger; there the result is a bound (every state within
 * `depth` levels, or the first `maxStates` states).
 */
import type { Config } from '../model/config.ts';
import { resolveConfig } from '../model/config.ts';
import type { Invariant } from '../model/invariants.ts';
import type { Action } from '../model/actions.ts';
import { explore } from './explore.ts';
import type { IdentityOptions } from './identity.ts';

/** The budget of a matrix row's exploration: enough for every lifecycle graph to be complete. */
export const EXHAUSTIVE_BUDGET = { depth: 60, maxStates: 3000 } as const;

export interface ExhaustiveViolation {
  readonly invariant: string;
  /** Length of a shortest counterexample. */
  readonly steps: number;
  readonly actions: readonly Action[];
  readonly evidence: string;
}

export interface ExhaustiveSet {
  /** Every reachable state was checked for the invariants that hold. */
  readonly complete: boolean;
  /** Distinct states of the last exploration (the one over the invariants that hold). */
  readonly states: number;
  /** Deepest level that exploration reached. */
  readonly depth: number;
  /** Invariants violated in some explored state, each with its shortest length, in the order found. */
  readonly violated: readonly ExhaustiveViolation[];
  /** Invariants no explored state violates (all reachable states when `complete`). */
  readonly holds: readonly string[];
}

export async function exhaustiveSet(
  config: Config,
  invs: readonly Invariant[],
  budget: { readonly depth: number; readonly maxStates: number } = EXHAUSTIVE_BUDGET,
  identity?: IdentityOptions,
): Promise<ExhaustiveSet> {
  const r = resolveConfig(config);
  const violated: ExhaustiveViolation[] = [];
  let left = [...invs];
  for (;;) {
    if (left.length === 0) return { complete: true, states: 0, depth: 0, violated, holds: [] };
    const res = await explore(r, { depth: budget.depth, maxStates: budget.maxStates, invariants: left, ...(identity ? { identity } : {}) });
    if (res.verdict === 'violated' && res.violation && res.actions) {
      const names = [...new Set([res.violation.invariant, ...res.alsoViolated])];
      for (const n of names) {
        violated.push({ invariant: n, steps: res.actions.length, actions: res.actions, evidence: n === res.violation.invariant ? res.violation.evidence.text : '' });
      }
      left = left.filter((i) => !names.includes(i.name));
      continue;
    }
    return {
      complete: res.verdict === 'holds' && res.complete,
      states: res.stats.distinctStates,
      depth: res.stats.depthReached,
      violated,
      holds: left.map((i) => i.name),
    };
  }
}

/** One line for the matrix: what exploration adds to (or misses of) the random search's violated set. */
export function exhaustiveSummary(e: ExhaustiveSet, searchViolated: readonly string[]): string {
  const scope = e.complete ? `complete graph, ${e.states} states` : `bounded: ${e.states} states, depth ${e.depth}`;
  const onlyExplore = e.violated.filter((v) => !searchViolated.includes(v.invariant)).map((v) => `${v.invariant} (${v.steps})`);
  const found = new Set(e.violated.map((v) => v.invariant));
  const onlySearch = searchViolated.filter((n) => !found.has(n));
  const parts = [scope];
  if (onlyExplore.length) parts.push(`also violated: ${onlyExplore.join(', ')}`);
  if (onlySearch.length) parts.push(`not reached: ${onlySearch.join(', ')}`);
  if (!onlyExplore.length && !onlySearch.length) parts.push('same set');
  return parts.join('; ');
}
