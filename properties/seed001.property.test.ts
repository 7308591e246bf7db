/**
 * Seed 001's table, from the model: two QEMU versions times two guest kernels, plus the 2.6.39-4.10
 * kernel, in MSI-X and MSI mode. The expectations below are the claims of the Launchpad bug (LP: #1657489)
 * and of the c74fd80f commit message; the verdicts come from search. The verdict tests read only the verdict
 * (searchVerdict: the same runs as search(), without shrinking the counterexample); the last block reads the
 * shrunk counterexamples.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, resolveConfig, type Config } from '../model/config.ts';
import { INVARIANTS } from '../model/invariants.ts';
import { search } from '../checker/search.ts';
import { searchVerdict } from '../checker/matrix.ts';
import { propertySeeds, PROPERTY_RUNS } from './seeds.ts';

const cells: { guest: string; qemu: string; seedSays: 'holds' | 'violated'; cell: string }[] = [
  { guest: 'reuse-pirq', qemu: 'keep-pirqs', seedSays: 'holds', cell: '1) qemu not patched, guest not patched: CORRECT' },
  { guest: 'fresh-pirq', qemu: 'keep-pirqs', seedSays: 'violated', cell: '2) qemu not patched, guest patched: INCORRECT' },
  { guest: 'reuse-pirq', qemu: 'unmap-on-disable', seedSays: 'violated', cell: '3) qemu patched, guest not patched: INCORRECT' },
  { guest: 'fresh-pirq', qemu: 'unmap-on-disable', seedSays: 'holds', cell: '4) qemu patched, guest patched: CORRECT' },
];

for (const seed of propertySeeds()) {
  for (const scenario of ['nvme-hvm', 'nvme-msi-hvm']) {
    describe(`seed 001 matrix, ${scenario} (seed: ${seed}, runs: ${PROPERTY_RUNS})`, () => {
      for (const c of cells) {
        it(`${c.cell}: ${c.guest} x ${c.qemu} ${c.seedSays}`, () => {
          const cfg: Config = { scenario, guest: c.guest, qemu: c.qemu, xen: '4.12', dom0: DEFAULT_CONFIG.dom0, toolstack: DEFAULT_CONFIG.toolstack };
          const res = searchVerdict(resolveConfig(cfg), INVARIANTS, { seed, runs: PROPERTY_RUNS, maxSteps: 40 });
          expect(res.verdict, `first failing run ${res.runsExecuted}: ${res.invariant}`).toBe(c.seedSays);
        });
      }
      it('the 2.6.39-4.10 kernel (reuse only while a live irq holds the pirq) fails with either QEMU', () => {
        for (const qemu of ['keep-pirqs', 'unmap-on-disable']) {
          const res = searchVerdict(resolveConfig({ scenario, guest: 'reuse-pirq-live', qemu, xen: '4.12', dom0: DEFAULT_CONFIG.dom0, toolstack: DEFAULT_CONFIG.toolstack }), INVARIANTS, { seed, runs: PROPERTY_RUNS, maxSteps: 40 });
          expect(res.verdict, qemu).toBe('violated');
        }
      });
    });
  }
}

describe('the counterexamples read like the bug reports', () => {
  const seed = propertySeeds()[0]!;
  it(`(fresh-pirq, keep-pirqs): re-enable after disable binds a pirq QEMU never mapped (seed ${seed})`, () => {
    const res = search(resolveConfig({ scenario: 'nvme-hvm', guest: 'fresh-pirq', qemu: 'keep-pirqs', xen: '4.12', dom0: DEFAULT_CONFIG.dom0, toolstack: DEFAULT_CONFIG.toolstack }), { seed, runs: PROPERTY_RUNS, maxSteps: 40, invariants: INVARIANTS });
    const calls = res.steps!.flatMap((s) => s.calls);
    const binds = calls.filter((c) => c.fn === 'XEN_DOMCTL_bind_pt_irq');
    expect(binds.some((c) => c.result === '-EINVAL')).toBe(true);
    expect(res.steps!.flatMap((s) => s.log).some((l) => l.includes('Updating of MSI-X failed. (rc: -1)'))).toBe(true);
    const kinds = res.steps!.map((s) => s.action);
    expect(kinds.filter((k) => k === 'pci_enable_msix')).toHaveLength(2);
    expect(kinds).toContain('pci_disable_msix');
    expect(res.steps!.length).toBeLessThanOrEqual(10);
  });
  it(`(reuse-pirq-live, unmap-on-disable): a second device is given the first one's pirq, which the first then reuses (seed ${seed})`, () => {
    const res = search(resolveConfig({ scenario: 'nvme-hvm', guest: 'reuse-pirq-live', qemu: 'unmap-on-disable', xen: '4.12', dom0: DEFAULT_CONFIG.dom0, toolstack: DEFAULT_CONFIG.toolstack }), { seed, runs: PROPERTY_RUNS, maxSteps: 40, invariants: INVARIANTS });
    const logs = res.steps!.flatMap((s) => s.log);
    expect(logs.some((l) => /xen: msi already bound to pirq=\d+/.test(l))).toBe(true);
    expect(new Set(res.steps!.map((s) => s.device)).size).toBe(2);
    expect(res.violation!.invariant).toBe('pirq-single-owner');
  });
  it(`(reuse-pirq-live, unmap-on-disable) in MSI mode: QEMU maps a pirq that is another device's and Xen says success (seed ${seed})`, () => {
    const res = search(resolveConfig({ scenario: 'nvme-msi-hvm', guest: 'reuse-pirq-live', qemu: 'unmap-on-disable', xen: '4.12', dom0: DEFAULT_CONFIG.dom0, toolstack: DEFAULT_CONFIG.toolstack }), { seed, runs: PROPERTY_RUNS, maxSteps: 40, invariants: INVARIANTS });
    expect(res.alsoViolated).toContain('map-success-means-mapped');
    expect(res.steps!.flatMap((s) => s.log).some((l) => l.includes('already mapped'))).toBe(true);
  });
});
