/**
 * Device symmetry for `explore --symmetry`: in a scenario whose two devices have the same parameters (all but
 * the BDF and guest slot, which are labels), swapping them is a symmetry of the model, checked by
 * bench/symmetry-check.ts on every state reachable within its bound (docs/performance.md gives the argument and
 * the figures). With the swap on (the default for these scenarios) the state identity (checker/identity.ts)
 * is the same for s and π s, so the explorer stores one state per pair {s, π s}. `checkDeviceSymmetry` (run by checker/explore.test.ts and
 * bench/symmetry-check.ts) checks that π is a symmetry. It keeps expanding the world it actually reached (not the image), so
 * the parent pointers and action indices still replay from the initial world.
 *
 * π swaps device indices 0 and 1: the keys of every record named `hw`, `pdevs` or `devices`, and every numeric
 * field named `dev`; the labels `bdf` and `vslot` stay with their index, as in every reachable state. This is a
 * convention over field names, not per-field code: a new field holding a device index under another name would
 * break it, which `checkDeviceSymmetry` detects.
 */
import type { Action } from '../model/actions.ts';
import type { Resolved } from '../model/config.ts';
import { violations, type Invariant } from '../model/invariants.ts';
import { enabledActions, initialWorld, type Scenario } from '../model/scenarios.ts';
import { apply } from '../model/step.ts';
import type { World } from '../model/world.ts';
import { stateEncoding } from './explore-core.ts';

const KEYED = new Set(['hw', 'pdevs', 'devices']);
const LABELS = ['bdf', 'vslot'] as const;

/** Whether the scenario's devices are interchangeable: exactly two, equal in everything but their labels. */
export function hasDeviceSymmetry(sc: Scenario): boolean {
  if (sc.lifecycle || sc.devices.length !== 2) return false;
  const strip = (d: Scenario['devices'][number]) => JSON.stringify({ ...d, bdf: '', vslot: '' });
  return strip(sc.devices[0]!) === strip(sc.devices[1]!);
}

function swapKey(k: string): string {
  return k === '0' ? '1' : k === '1' ? '0' : k;
}

/** π applied to plain data (a world or an action). */
export function swapDevices<T>(x: T): T {
  return perm(x, '') as T;
}

function perm(x: unknown, parentKey: string): unknown {
  if (Array.isArray(x)) return x.map((v) => perm(v, ''));
  if (typeof x !== 'object' || x === null) return x;
  const o = x as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const keyed = KEYED.has(parentKey);
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (k === 'dev' && typeof v === 'number') out[k] = v === 0 ? 1 : v === 1 ? 0 : v;
    else out[keyed ? swapKey(k) : k] = perm(v, k);
  }
  if (keyed) {
    for (const k of ['0', '1']) {
      const mine = out[k] as Record<string, unknown> | undefined;
      const orig = o[k] as Record<string, unknown> | undefined;
      if (mine && orig) for (const l of LABELS) if (l in orig) mine[l] = orig[l];
    }
  }
  return out;
}

/**
 * Check that π is a symmetry on every state reachable within `depth` steps: for every such s and enabled a,
 * enabledActions(π s) = π enabledActions(s) (as sets), enc(step(π s, π a)) = enc(π step(s, a)), and the same
 * invariants are violated in s and π s. Returns the first failure of each kind (empty when none) and counts.
 */
export function checkDeviceSymmetry(
  r: Resolved,
  depth: number,
  invariants: readonly Invariant[],
  pi: <T>(x: T) => T = swapDevices,
): { states: number; transitions: number; failures: Record<string, string> } {
  const key = (a: Action) => JSON.stringify(a);
  const seen = new Set<string>();
  let frontier: World[] = [initialWorld(r.scenario)];
  seen.add(stateEncoding(frontier[0]!));
  let transitions = 0;
  const failures: Record<string, string> = {};
  for (let d = 0; d < depth && frontier.length; d++) {
    const next: World[] = [];
    for (const s of frontier) {
      const ps = pi(s);
      const en = enabledActions(s, r.scenario);
      const penA = new Set(enabledActions(ps, r.scenario).map(key));
      const penB = new Set(en.map((a) => key(pi(a))));
      if (!failures['enabled'] && (penA.size !== penB.size || [...penA].some((k) => !penB.has(k)))) failures['enabled'] = `depth ${d}: ${[...penA].join(' ')} vs ${[...penB].join(' ')}`;
      const vA = violations(s, invariants).map((v) => v.invariant).sort().join(',');
      const vB = violations(ps, invariants).map((v) => v.invariant).sort().join(',');
      if (!failures['invariants'] && vA !== vB) failures['invariants'] = `depth ${d}: s violates [${vA}], π s violates [${vB}]`;
      for (const a of en) {
        const x = apply(s, a, r).world;
        transitions++;
        if (penA.has(key(pi(a)))) {
          const y = apply(ps, pi(a), r).world;
          if (!failures['step'] && stateEncoding(pi(x)) !== stateEncoding(y)) failures['step'] = `depth ${d}, action ${key(a)}: π step(s,a) = ${stateEncoding(pi(x))}; step(π s,π a) = ${stateEncoding(y)}`;
        }
        const e = stateEncoding(x);
        if (!seen.has(e)) {
          seen.add(e);
          next.push(x);
        }
      }
    }
    frontier = next;
  }
  return { states: seen.size, transitions, failures };
}
