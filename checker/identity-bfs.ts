/**
 * A plain breadth-first search over a given state identity, for checking the identity against the concrete
 * graph (checker/identity.test.ts, bench/identity-check.ts): no invariants, no parent pointers.
 */
import type { Resolved } from '../model/config.ts';
import { enabledActions, initialWorld } from '../model/scenarios.ts';
import { apply } from '../model/step.ts';
import type { World } from '../model/world.ts';

/** Every state within `depth` steps, one world per distinct key, level by level. */
export function bfsByKey(r: Resolved, depth: number, key: (w: World) => string, limit = 2_000_000, keep = true): { worlds: World[]; count: number; levels: number[]; complete: boolean } {
  const seen = new Set<string>();
  const w0 = initialWorld(r.scenario);
  seen.add(key(w0));
  const worlds = [w0];
  const levels = [1];
  let frontier = [w0];
  for (let d = 0; d < depth && frontier.length; d++) {
    const next: World[] = [];
    for (const w of frontier) {
      for (const a of enabledActions(w, r.scenario)) {
        const x = apply(w, a, r).world;
        const k = key(x);
        if (seen.has(k)) continue;
        seen.add(k);
        next.push(x);
        if (keep) worlds.push(x);
        if (seen.size > limit) throw new Error(`bfsByKey: more than ${limit} states`);
      }
    }
    frontier = next;
    if (next.length) levels.push(next.length);
  }
  return { worlds, count: seen.size, levels, complete: frontier.length === 0 };
}
