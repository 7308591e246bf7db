/**
 * `Invariant.transition` (model/invariants.ts): the explorer checks an invariant without it only on a successor
 * whose state class is new (checker/explore-core.ts `transitionInvariants`), which is sound only if its verdict
 * does not depend on the last step's audit. Checked here on reachable worlds of every scenario, audits included.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, resolveConfig, type Config } from './config.ts';
import { INVARIANTS } from './invariants.ts';
import { enabledActions, initialWorld } from './scenarios.ts';
import { apply } from './step.ts';
import type { World } from './world.ts';

const CONFIGS: Config[] = [
  { ...DEFAULT_CONFIG, scenario: 'nvme-hvm', guest: 'reuse-pirq', qemu: 'unmap-on-disable', xen: '4.12' },
  { ...DEFAULT_CONFIG, scenario: 'nvme-msi-hvm', guest: 'reuse-pirq-live', qemu: 'unmap-on-disable', xen: '4.12' },
  { ...DEFAULT_CONFIG, scenario: 'igbvf-pv', dom0: 'xen-2.6.18', xen: 'xen-3.4', toolstack: 'libxl' },
  { ...DEFAULT_CONFIG, scenario: 'reboot-hvm', dom0: 'pvops', xen: '4.12', toolstack: 'libxl' },
  { ...DEFAULT_CONFIG, scenario: 'reboot-hvm', dom0: 'xen-2.6.18', xen: '4.12', toolstack: 'libxl' },
  { ...DEFAULT_CONFIG, scenario: 'reboot-hvm', dom0: 'pvops-msix-reset', xen: '4.12', toolstack: 'libxl' },
  { ...DEFAULT_CONFIG, scenario: 'handover-hvm', dom0: 'pvops-7681f31e', xen: '4.13', toolstack: 'libxl' },
  { scenario: 'hostile-hvm', guest: 'linux-6x', qemu: 'bind-unmasked', xen: '4.22', dom0: 'pvops-6x', toolstack: 'libxl-4.22' },
  { scenario: 'admin-unbind-hvm', guest: 'linux-6x', qemu: 'bind-unmasked', xen: '4.22', dom0: 'pvops-6x', toolstack: 'libxl-4.22' },
];

/** Every successor (with its audit) of the first `n` states of a breadth-first walk, repeats included. */
function successors(c: Config, n: number): World[] {
  const r = resolveConfig(c);
  const seen = new Set<string>();
  const out: World[] = [];
  const queue = [initialWorld(r.scenario)];
  for (let i = 0; i < queue.length && i < n; i++) {
    for (const a of enabledActions(queue[i]!, r.scenario)) {
      const x = apply(queue[i]!, a, r).world;
      out.push(x);
      const k = JSON.stringify({ ...x, audit: [] });
      if (!seen.has(k)) (seen.add(k), queue.push(x));
    }
  }
  return out;
}

describe('invariants: which read the step, which only the state', () => {
  const worlds = CONFIGS.flatMap((c) => successors(c, 1500));

  it('an invariant not marked transition gives the same verdict and evidence with the audit emptied', () => {
    const withAudit = worlds.filter((w) => w.audit.length > 0);
    expect(withAudit.length).toBeGreaterThan(1000);
    for (const inv of INVARIANTS.filter((i) => !i.transition)) {
      for (const w of withAudit) expect(inv.check({ ...w, audit: [] }), `${inv.name}`).toEqual(inv.check(w));
    }
  });

  it('each invariant marked transition reads the audit: some reachable successor is violated only with it', () => {
    for (const inv of INVARIANTS.filter((i) => i.transition)) {
      const hit = worlds.some((w) => inv.check(w) !== undefined && inv.check({ ...w, audit: [] }) === undefined);
      expect(hit, inv.name).toBe(true);
    }
  });
});
