/**
 * Coverage guard: in a search of a scenario, every action kind the scenario can produce must run at least
 * once. "Can produce" is derived, not listed: a bounded breadth-first exploration from the scenario's
 * initial world collects every action kind that enabledActions offers in some reachable state. A kind
 * that is offered but never runs in the search (or a guard that never offers what the workload reaches)
 * is a silent hole in every verdict of that scenario.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, resolveConfig, type Config, type Resolved } from '../model/config.ts';
import { SCENARIOS, enabledActions, initialWorld } from '../model/scenarios.ts';
import { apply } from '../model/step.ts';
import { encodeWorld, type World } from '../model/world.ts';
import { matrixConfigs } from './matrix.ts';
import { search, DEFAULT_MAX_STEPS } from './search.ts';
import { neverRan } from './report-json.ts';

const SEED = 1;
const RUNS = 300;
const MAX_STATES = 4000;

/** Action kinds offered in states reachable within `depth` steps (at most MAX_STATES states visited). */
export function reachableKinds(r: Resolved, depth: number): Set<string> {
  const kinds = new Set<string>();
  const seen = new Set<string>();
  let frontier: World[] = [initialWorld(r.scenario)];
  for (let d = 0; d <= depth && frontier.length && seen.size < MAX_STATES; d++) {
    const next: World[] = [];
    for (const w of frontier) {
      const key = encodeWorld({ ...w, audit: [] });
      if (seen.has(key)) continue;
      seen.add(key);
      for (const a of enabledActions(w, r.scenario)) {
        kinds.add(a.kind);
        next.push(apply(w, a, r).world);
      }
      if (seen.size >= MAX_STATES) break;
    }
    frontier = next;
  }
  return kinds;
}

/**
 * Known holes, found by this guard: kinds a scenario reaches that a search of RUNS runs does not run. Each
 * is reachable (the exploration saw it offered) but improbable for the uniform choice among enabled actions;
 * the verdicts of these scenarios say nothing about those paths. The test fails if an entry goes stale.
 *   reboot-hvm: with the lifecycle actions (QEMU kill, power-off, destroy, pciback rebind) also enabled,
 *   the driver's unload path is rarely reached; at seed 1, 3000 runs ran free_irq 22 times and
 *   pci_disable_msix 5 times, 300 runs none. reboot-hvm-vmsi is the same workload on the native MSI path.
 */
const KNOWN_HOLES: Readonly<Record<string, readonly string[]>> = {
  'reboot-hvm': ['guest.pci_disable_msix'],
  'admin-unbind-hvm': ['guest.pci_disable_msix'],
  // reboot-hvm's workload with more lifecycle actions enabled (a new owner, an unbind after detach): the
  // same hole.
  'handover-hvm': ['guest.pci_disable_msix'],
  'reboot-hvm-vmsi': ['guest.pci_disable_msix'],
};

// Each scenario with the default variants, then every matrix configuration not already listed.
const configs: Config[] = [];
for (const c of [...SCENARIOS.map((s) => ({ ...DEFAULT_CONFIG, scenario: s.id })), ...matrixConfigs()]) {
  if (!configs.some((x) => JSON.stringify(x) === JSON.stringify(c))) configs.push(c);
}

describe(`every action kind a scenario can produce runs in a search of it (seed ${SEED}, ${RUNS} runs, no invariant stops the search)`, () => {
  it.each(configs.map((c) => [Object.values(c).join(' '), c] as const))('%s', (_l, c) => {
    const r = resolveConfig(c);
    const can = reachableKinds(r, DEFAULT_MAX_STEPS);
    expect(can.size).toBeGreaterThan(0);
    const res = search(r, { seed: SEED, runs: RUNS, maxSteps: DEFAULT_MAX_STEPS, invariants: [] });
    expect(res.verdict).toBe('holds');
    const never = new Set(neverRan(res.coverage));
    const holes = [...can].filter((k) => never.has(k)).sort();
    // A known hole of the scenario that this configuration never offers (a guest Xen crashes before its
    // driver unloads) is no hole here.
    const known = [...(KNOWN_HOLES[c.scenario] ?? [])].filter((k) => can.has(k)).sort();
    expect(holes, `offered by the scenario but never ran: ${holes.join(', ')} (known: ${known.join(', ') || 'none'})`).toEqual(known);
    // And the converse: nothing ran that exploration never saw offered.
    const ran = Object.entries(res.coverage).filter(([, n]) => n > 0).map(([k]) => k);
    expect(ran.filter((k) => !can.has(k))).toEqual([]);
  });
});
