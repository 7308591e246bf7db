/**
 * Every invariant can fail: for each one, a configuration whose search reaches a violation of that
 * invariant alone. And the fixed configuration keeps all of them.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig, type Config } from '../model/config.ts';
import { INVARIANTS, findInvariant } from '../model/invariants.ts';
import { search } from '../checker/search.ts';
import { propertySeeds, PROPERTY_RUNS } from './seeds.ts';

const witnesses: Record<string, Config> = {
  'enabled-vector-delivers': { scenario: 'nvme-hvm', guest: 'fresh-pirq', qemu: 'keep-pirqs', xen: '4.12' },
  'guest-xen-agree': { scenario: 'nvme-hvm', guest: 'fresh-pirq', qemu: 'keep-pirqs', xen: '4.12' },
  'pirq-single-owner': { scenario: 'nvme-hvm', guest: 'reuse-pirq-live', qemu: 'unmap-on-disable', xen: '4.12' },
  'no-duplicate-guest-pirq': { scenario: 'nvme-hvm', guest: 'reuse-pirq-live', qemu: 'unmap-on-disable', xen: '4.12' },
  'cached-pirq-is-hint': { scenario: 'nvme-hvm', guest: 'reuse-pirq', qemu: 'unmap-on-disable', xen: '4.12' },
  'map-success-means-mapped': { scenario: 'nvme-msi-hvm', guest: 'reuse-pirq-live', qemu: 'unmap-on-disable', xen: '4.12' },
  'qemu-xen-agree': { scenario: 'nvme-msi-hvm', guest: 'reuse-pirq-live', qemu: 'unmap-on-disable', xen: '4.12' },
  'no-leaked-irq': { scenario: 'nvme-msi-hvm', guest: 'reuse-pirq-live', qemu: 'unmap-on-disable', xen: '4.12' },
  'free-pirq-has-no-evtchn': { scenario: 'hostile-hvm', guest: 'fresh-pirq', qemu: 'unmap-on-disable', xen: '4.12' },
};

const seed = propertySeeds()[0]!;

describe(`every invariant has a violating configuration (seed: ${seed})`, () => {
  for (const inv of INVARIANTS) {
    const cfg = witnesses[inv.name];
    it(`${inv.name} is violated by ${cfg ? `${cfg.scenario} ${cfg.guest} x ${cfg.qemu}` : '(no witness configured)'}`, () => {
      expect(cfg, `no witness configuration for ${inv.name}`).toBeDefined();
      const res = search(resolveConfig(cfg!), { seed, runs: PROPERTY_RUNS, maxSteps: 40, invariants: [findInvariant(inv.name)!] });
      expect(res.verdict).toBe('violated');
      expect(res.violation!.invariant).toBe(inv.name);
      expect(res.violation!.evidence.text.length).toBeGreaterThan(20);
    });
  }
});

for (const s of propertySeeds()) {
  describe(`the fixed configurations keep every invariant (seed: ${s}, runs: ${PROPERTY_RUNS})`, () => {
    for (const scenario of ['nvme-hvm', 'nvme-msi-hvm']) {
      it(`${scenario}: fresh-pirq x unmap-on-disable holds`, () => {
        const res = search(resolveConfig({ scenario, guest: 'fresh-pirq', qemu: 'unmap-on-disable', xen: '4.12' }), { seed: s, runs: PROPERTY_RUNS, maxSteps: 40, invariants: INVARIANTS });
        expect(res.verdict, res.violation?.evidence.text).toBe('holds');
        // the search really drove the workload: every action kind of the scenario ran
        for (const k of scenario === 'nvme-hvm'
          ? ['guest.pci_enable_msix', 'guest.pci_msix_clear_and_set_ctrl', 'guest.request_irq', 'guest.free_irq', 'guest.pci_disable_msix']
          : ['guest.pci_enable_msi', 'guest.request_irq', 'guest.free_irq', 'guest.pci_disable_msi']) {
          expect(res.coverage[k], k).toBeGreaterThan(0);
        }
      });
    }
  });
}
