import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, resolveConfig, type Config } from '../model/config.ts';
import { search } from '../checker/search.ts';
import { execute } from '../checker/run.ts';
import { findInvariant, type Invariant } from '../model/invariants.ts';
import type { Action } from '../model/actions.ts';

const inv = (n: string): Invariant => {
  const i = findInvariant(n);
  if (!i) throw new Error(`no invariant ${n}`);
  return i;
};
const cfg = (c: Partial<Config>): Config => ({ ...DEFAULT_CONFIG, ...c });
const SEED = 1;
const run = (c: Partial<Config>, invs: string[], runs = 300) =>
  search(resolveConfig(cfg(c)), { seed: SEED, runs, maxSteps: 30, invariants: invs.map(inv) });

describe('seed 002: igbvf-pv', () => {
  it(`xen-2.6.18 violates pv-vectors-bound with the seed's log lines (seed ${SEED})`, () => {
    const r = run({ scenario: 'igbvf-pv', dom0: 'xen-2.6.18' }, ['pv-vectors-bound']);
    expect(r.verdict).toBe('violated');
    const lines = (r.steps ?? []).flatMap((s) => s.log);
    expect(lines.some((l) => /^msix entry \d for dev 01:10:0 are not freed before acquire again\.$/.test(l))).toBe(true);
    expect(lines.some((l) => l.startsWith('Failed to obtain physical IRQ'))).toBe(true);
    expect(r.actions?.map((a) => a.kind)).toContain('guest.igbvf_shutdown');
  });
  it(`xen-2.6.18-prune holds for pv-vectors-bound and dom0-no-stale-msix-entries (seed ${SEED})`, () => {
    const r = run({ scenario: 'igbvf-pv', dom0: 'xen-2.6.18-prune' }, ['pv-vectors-bound', 'dom0-no-stale-msix-entries', 'no-stale-pirq-after-destroy']);
    expect(r.verdict).toBe('holds');
  });
});

describe('seeds 003/004: reboot-hvm', () => {
  const base = { scenario: 'reboot-hvm', dom0: 'pvops', xen: '4.12', toolstack: 'libxl' };
  it(`pvops + 4.12 + libxl violates maskall-clear-after-assign across the reboot (seed ${SEED})`, () => {
    const r = run(base, ['maskall-clear-after-assign']);
    expect(r.verdict).toBe('violated');
    const steps = r.steps ?? [];
    const zero = steps.findIndex((s) => s.calls.some((c) => c.fn === 'pci_write_config_word' && c.args === 'PCI_COMMAND 0' && s.action === 'libxl__destroy_domid'));
    const mask = steps.findIndex((s) => s.log.some((l) => l.includes('cannot mask IRQ')));
    expect(zero).toBeGreaterThanOrEqual(0);
    expect(mask).toBe(zero); // same destroy step: PCI_COMMAND=0 in pcistub_put_pci_dev, then Xen masks
    const calls = steps[zero]!.calls;
    const zeroAt = calls.find((c) => c.args === 'PCI_COMMAND 0')!.at;
    const maskAt = calls.find((c) => c.log.some((l) => l.includes('cannot mask IRQ')))!.at;
    expect(zeroAt).toBeLessThan(maskAt);
  });
  it(`pciback unbind and rebind before the reboot recovers it (seed ${SEED})`, () => {
    const r = run(base, ['maskall-clear-after-assign']);
    const acts = [...(r.actions ?? [])];
    const last = acts.pop()!;
    expect(last.kind).toBe('toolstack.libxl__device_pci_add');
    const fixed: Action[] = [...acts, { kind: 'dom0.pcistub_remove', dev: 0 }, { kind: 'dom0.pcistub_probe', dev: 0 }, last];
    const ex = execute(resolveConfig(cfg(base)), fixed, [inv('maskall-clear-after-assign')]);
    expect(ex.refused).toBeNull();
    expect(ex.failedAt).toBeNull();
    expect(ex.world.xen.pdevs[0]?.msix.host_maskall).toBe(false);
  });
  it(`xen 4.13 holds maskall-clear-after-assign (seed ${SEED})`, () => {
    expect(run({ ...base, xen: '4.13' }, ['maskall-clear-after-assign']).verdict).toBe('holds');
  });
});

describe('witnesses: each new invariant can fail', () => {
  const cases: [string, Partial<Config>][] = [
    ['pv-vectors-bound', { scenario: 'igbvf-pv', dom0: 'xen-2.6.18' }],
    ['dom0-no-stale-msix-entries', { scenario: 'igbvf-pv', dom0: 'xen-2.6.18' }],
    ['dom0-flag-matches-holdings', { scenario: 'igbvf-pv', dom0: 'xen-2.6.18' }],
    ['no-stale-pirq-after-destroy', { scenario: 'igbvf-pv', dom0: 'xen-2.6.18' }],
    ['maskall-clear-after-assign', { scenario: 'reboot-hvm', dom0: 'pvops' }],
    ['no-carried-over-mask', { scenario: 'reboot-hvm', dom0: 'pvops' }],
    ['no-mask-without-decoding', { scenario: 'reboot-hvm', dom0: 'pvops' }],
    ['clean-handover', { scenario: 'reboot-hvm', dom0: 'pvops' }],
    ['host-maskall-not-guest-clearable', { scenario: 'igbvf-pv', dom0: 'xen-2.6.18-prune' }],
  ];
  for (const [name, c] of cases) {
    it(`${name} violated on ${JSON.stringify(c)} (seed ${SEED})`, () => {
      const r = run(c, [name]);
      expect(r.verdict).toBe('violated');
      expect(r.violation?.invariant).toBe(name);
    });
  }
});
