/**
 * The exhaustive side of a matrix row: breadth-first exploration (checker/explore.ts) with the same
 * exclusion loop as the random search's violatedSet (checker/matrix.ts). Explore every invariant; on a
 * violation, drop the invariants violated in that state and explore again; stop when the rest holds (on the
 * whole reachable graph: the matrix's budget has no depth bound) or the state budget runs out.
 *
 * Why this is exact: BFS stops at the shallowest state that violates any invariant of the set, at depth d.
 * Every invariant violated in that state has no violating state shallower than d (or BFS would have stopped
 * there), so d is its shortest counterexample, the same number an exploration of that invariant alone gives.
 *
 * With the state identity of checker/identity.ts (irqs and ports renamed canonically, the two devices swapped)
 * every matrix row's reachable graph is finite and small enough to be explored to the end, so every 'holds' is
 * complete: every reachable state was checked, a proof within the model rather than evidence. The corpus keeps
 * the earlier bounded budget (CORPUS_BUDGET) and the concrete identity, so its files do not change with it.
 */
import { stateWorker } from './worker-heap.ts';
import type { Config } from '../model/config.ts';
import { resolveConfig, type Resolved } from '../model/config.ts';
import type { Invariant } from '../model/invariants.ts';
import type { Action } from '../model/actions.ts';
import { explore } from './explore.ts';
import { CONCRETE, type IdentityOptions } from './identity.ts';

export interface ExhaustiveBudget {
  /** Largest depth (Infinity: until the graph is complete). */
  readonly depth: number;
  readonly maxStates: number;
  /** The state identity (default: explore's, checker/identity.ts `defaultIdentity`). */
  readonly identity?: IdentityOptions;
}

/** The budget of a matrix row's exploration: no depth bound, 1,000,000 classes (every row but today's hostile-hvm completes: docs/performance.md). */
export const EXHAUSTIVE_BUDGET: ExhaustiveBudget = { depth: Infinity, maxStates: 1_000_000 };

/**
 * The budget of the corpus's exploration (counterexamples/corpus.ts and its test): every state within 60 steps,
 * at most 3,000, concrete states, as before the state identity (so that the committed corpus is unchanged).
 */
export const CORPUS_BUDGET: ExhaustiveBudget = { depth: 60, maxStates: 3000, identity: CONCRETE };

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
  config: Config | Resolved,
  invs: readonly Invariant[],
  budget: ExhaustiveBudget = EXHAUSTIVE_BUDGET,
  identity: IdentityOptions | undefined = budget.identity,
): Promise<ExhaustiveSet> {
  // A Resolved is taken as is (the fix report passes one whose flags record what is read).
  const r = 'flags' in config ? config : resolveConfig(config);
  const violated: ExhaustiveViolation[] = [];
  let left = [...invs];
  for (;;) {
    if (left.length === 0) return { complete: true, states: 0, depth: 0, violated, holds: [] };
    const res = await explore(r, { ...(Number.isFinite(budget.depth) ? { depth: budget.depth } : {}), maxStates: budget.maxStates, invariants: left, ...(identity ? { identity } : {}) });
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

/**
 * The order in which the threads take the configurations: the scenarios with the largest graphs first
 * (docs/performance.md, "Exhaustive exploration in the matrix": today's hostile-hvm row alone is most of the
 * matrix's exploration time, then the nvme-hvm rows), so that the last configurations a thread takes are small
 * ones and the threads finish together. Only the timing depends on it, not the results or their order.
 */
const SCENARIO_WEIGHT: Readonly<Record<string, number>> = { 'hostile-hvm': 3, 'nvme-hvm': 2, 'nvme-hvm-vmsi': 2, 'handover-hvm': 1 };

/** Indices of `configs` in the order the threads take them (stable within a weight). */
export function takeOrder(configs: readonly Config[]): number[] {
  const w = (c: Config) => SCENARIO_WEIGHT[c.scenario] ?? 0;
  return configs.map((_, i) => i).sort((a, b) => w(configs[b]!) - w(configs[a]!) || a - b);
}

/**
 * `exhaustiveSet` of each configuration on `workers` threads (each takes the next configuration, in `takeOrder`,
 * when it is done with one); the results are in the order of `configs` and the same for any number of threads.
 */
export async function exhaustiveSets(
  configs: readonly Config[],
  invs: readonly Invariant[],
  opts: { readonly budget?: ExhaustiveBudget; readonly workers: number; readonly variantFiles?: readonly string[] },
): Promise<ExhaustiveSet[]> {
  const budget = opts.budget ?? EXHAUSTIVE_BUDGET;
  const n = Math.min(Math.max(1, Math.floor(opts.workers)), configs.length);
  if (n <= 1) {
    const out: ExhaustiveSet[] = [];
    for (const c of configs) out.push(await exhaustiveSet(c, invs, budget));
    return out;
  }
  const out: (ExhaustiveSet | undefined)[] = new Array(configs.length);
  const order = takeOrder(configs);
  let next = 0;
  const init = { invariants: invs.map((i) => i.name), budget, variantFiles: opts.variantFiles ?? [] };
  const workers = Array.from({ length: n }, () => stateWorker(new URL('./exhaustive-worker-boot.mjs', import.meta.url), { workerData: init }));
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const give = () => {
              if (next >= configs.length) return resolve();
              const slot = order[next++]!;
              w.postMessage({ slot, config: configs[slot] });
            };
            w.on('message', (m: { slot: number; set?: ExhaustiveSet; error?: string }) => {
              if (m.error !== undefined) return reject(new Error(m.error));
              out[m.slot] = m.set;
              give();
            });
            w.on('error', reject);
            give();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return out as ExhaustiveSet[];
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
