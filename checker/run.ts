/**
 * Running action sequences through the model without any generator: the shared core of search, replay
 * and minimisation.
 */
import type { Action } from '../model/actions.ts';
import { componentOf, deviceOf, functionOf } from '../model/actions.ts';
import type { Resolved } from '../model/config.ts';
import { violations, type Invariant, type Violation } from '../model/invariants.ts';
import { initialWorld, enabledActions } from '../model/scenarios.ts';
import { apply, step } from '../model/step.ts';
import type { Call } from '../model/types.ts';
import type { World } from '../model/world.ts';
import { shortBdf } from '../model/components/device.ts';
import { fingerprint, stateEncoding } from './explore-core.ts';

/** One executed step as a user reads it. */
export interface TraceStep {
  readonly n: number;
  readonly component: string;
  readonly action: string;
  readonly device: string | null;
  readonly args: string;
  readonly result: string;
  readonly log: readonly string[];
  readonly calls: readonly Call[];
}

export interface Execution {
  readonly steps: readonly TraceStep[];
  readonly actions: readonly Action[];
  /** The violations at the first failing step (empty if none). */
  readonly violations: readonly Violation[];
  /** 1-based index of the failing step, or null. */
  readonly failedAt: number | null;
  /** Set if an action could not run in the state it met. */
  readonly refused: { readonly n: number; readonly action: Action; readonly reason: string } | null;
  readonly world: World;
}

export function toStep(n: number, a: Action, calls: readonly Call[], w: World): TraceStep {
  const dev = deviceOf(a);
  const top = calls[0];
  const argParts = Object.entries(a)
    .filter(([k]) => k !== 'kind' && k !== 'dev' && k !== 'domid')
    .map(([k, v]) => `${k}=${String(v)}`);
  return {
    n,
    component: componentOf(a),
    action: functionOf(a),
    device: dev === null ? null : shortBdf(w.hw[dev]?.bdf ?? `dev${dev}`),
    // Actions that do not act on a domain (pciback bind, libxl's add, which creates one) name none.
    args: [...('domid' in a ? [`dom${a.domid}`] : []), ...argParts].join(' '),
    result: top?.result ?? '',
    log: calls.flatMap((c) => c.log),
    calls,
  };
}

/**
 * Execute `actions` from the initial world, checking `invs` after every step, stopping at the first
 * violation or at the first action that is not possible.
 */
export function execute(r: Resolved, actions: readonly Action[], invs: readonly Invariant[]): Execution {
  let w = initialWorld(r.scenario);
  const steps: TraceStep[] = [];
  for (let i = 0; i < actions.length; i++) {
    const a = actions[i]!;
    const res = step(w, a, r);
    if (res.refused) {
      return { steps, actions: actions.slice(0, i), violations: [], failedAt: null, refused: { n: i + 1, action: a, reason: res.refused }, world: w };
    }
    w = res.world;
    steps.push(toStep(i + 1, a, res.calls, w));
    const v = violations(w, invs);
    if (v.length) return { steps, actions: actions.slice(0, i + 1), violations: v, failedAt: i + 1, refused: null, world: w };
  }
  return { steps, actions, violations: [], failedAt: null, refused: null, world: w };
}

/**
 * Interpret a choice sequence against the enabled actions of each state (choice modulo the number
 * enabled), checking invariants after each step. Returns the actions taken and the first violation.
 */
export function interpret(r: Resolved, choices: readonly number[], invs: readonly Invariant[], kindCounts?: Map<string, number>): { actions: Action[]; violation: Violation | null } {
  let w = initialWorld(r.scenario);
  const actions: Action[] = [];
  for (const c of choices) {
    const en = enabledActions(w, r.scenario);
    if (en.length === 0) break;
    const a = en[c % en.length]!;
    w = apply(w, a, r).world;
    actions.push(a);
    if (kindCounts) kindCounts.set(a.kind, (kindCounts.get(a.kind) ?? 0) + 1);
    const v = violations(w, invs);
    if (v.length) return { actions, violation: v[0]! };
  }
  return { actions, violation: null };
}

/**
 * States each shortening search of `minimize` may store before it gives up: the search over every enabled
 * action (a bounded explore for the one invariant) and the search over the actions of the list.
 */
export const SHORTEN_MAX_STATES = { any: 2_000, same: 10_000 } as const;

/**
 * Make a violating action list short: first 1-minimal (drop single actions while the rest still runs, every
 * action possible where it meets the state, and still violates the same invariant), then replace it by a
 * shorter violating list when a bounded breadth-first search finds one (`shortenOverActions`): first over
 * every enabled action (the shortest list for this invariant, if the search stays under
 * `SHORTEN_MAX_STATES.any` states), else over the actions of the list. The result is deterministic: every
 * pass depends only on the list, the configuration and the invariants.
 */
export function minimize(r: Resolved, actions: readonly Action[], invariant: string, invs: readonly Invariant[]): Action[] {
  const one = deleteSingles(r, actions, invariant, invs);
  const shorter =
    shortenOverActions(r, one, invariant, invs, SHORTEN_MAX_STATES.any, true) ?? shortenOverActions(r, one, invariant, invs, SHORTEN_MAX_STATES.same, false);
  return shorter && shorter.length < one.length ? shorter : one;
}

/**
 * Breadth-first search from the initial world, for a state violating `invariant`, to depth
 * `actions.length - 1`, over every enabled action (`anyAction`) or only over the transitions labelled by an
 * action that occurs in `actions` (the same kind and arguments). Deleting single steps cannot remove a
 * device's whole enable/disable cycle at once, nor reorder steps; this search does both, and gives the
 * shortest list over those actions. States are deduplicated as in explore (checker/explore-core.ts). Null
 * when none is shorter or when more than `maxStates` states would be stored.
 */
export function shortenOverActions(
  r: Resolved,
  actions: readonly Action[],
  invariant: string,
  invs: readonly Invariant[],
  maxStates: number,
  anyAction = false,
): Action[] | null {
  const target = invs.filter((i) => i.name === invariant);
  if (target.length === 0 || actions.length < 2) return null;
  const allowed = new Set(actions.map((a) => JSON.stringify(a)));
  const w0 = initialWorld(r.scenario);
  const seen = new Set<string>([fingerprint(stateEncoding(w0))]);
  const parentOf: number[] = [-1];
  const actionOf: (Action | null)[] = [null];
  let frontier: { w: World; id: number }[] = [{ w: w0, id: 0 }];
  const path = (id: number, last: Action): Action[] => {
    const out = [last];
    for (let s = id; s > 0; s = parentOf[s]!) out.push(actionOf[s]!);
    return out.reverse();
  };
  for (let depth = 1; depth < actions.length && frontier.length; depth++) {
    const next: { w: World; id: number }[] = [];
    for (const { w, id } of frontier) {
      for (const a of enabledActions(w, r.scenario)) {
        if (!anyAction && !allowed.has(JSON.stringify(a))) continue;
        const x = apply(w, a, r).world;
        if (violations(x, target).length) return path(id, a);
        const f = fingerprint(stateEncoding(x));
        if (seen.has(f)) continue;
        if (seen.size >= maxStates) return null;
        seen.add(f);
        parentOf.push(id);
        actionOf.push(a);
        next.push({ w: x, id: parentOf.length - 1 });
      }
    }
    frontier = next;
  }
  return null;
}

function deleteSingles(r: Resolved, actions: readonly Action[], invariant: string, invs: readonly Invariant[]): Action[] {
  let cur = [...actions];
  const target = invs.filter((i) => i.name === invariant);
  let changed = true;
  while (changed) {
    changed = false;
    for (let i = 0; i < cur.length; i++) {
      const cand = cur.slice(0, i).concat(cur.slice(i + 1));
      const ex = execute(r, cand, target);
      if (!ex.refused && ex.failedAt !== null) {
        cur = [...ex.actions];
        changed = true;
        break;
      }
    }
  }
  return cur;
}
