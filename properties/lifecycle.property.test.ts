import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, resolveConfig, type Config } from '../model/config.ts';
import { search } from '../checker/search.ts';
import { execute } from '../checker/run.ts';
import { explore } from '../checker/explore.ts';
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
    const r = run({ scenario: 'igbvf-pv', dom0: 'xen-2.6.18', xen: 'xen-3.4' }, ['pv-vectors-bound']);
    expect(r.verdict).toBe('violated');
    const lines = (r.steps ?? []).flatMap((s) => s.log);
    expect(lines.some((l) => /^msix entry \d for dev 01:10:0 are not freed before acquire again\.$/.test(l))).toBe(true);
    expect(lines.some((l) => l.startsWith('Failed to obtain physical IRQ'))).toBe(true);
    expect(r.actions?.map((a) => a.kind)).toContain('guest.igbvf_shutdown');
  });
  it(`xen-2.6.18-prune holds for pv-vectors-bound and dom0-no-stale-msix-entries (seed ${SEED})`, () => {
    const r = run({ scenario: 'igbvf-pv', dom0: 'xen-2.6.18-prune', xen: 'xen-3.4' }, ['pv-vectors-bound', 'dom0-no-stale-msix-entries', 'no-stale-pirq-after-destroy']);
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
    // Xen's masking at destroy (pci_clean_dpci_irqs / free_domain_pirqs); on 4.12 its "cannot mask IRQ" line
    // is not printed for a device dom0 owns again (`warned` starts at 0 up to 4.18).
    const masks = (c: { fn: string }) => c.fn === 'pci_clean_dpci_irqs' || c.fn === 'free_domain_pirqs';
    const mask = steps.findIndex((s) => s.action === 'libxl__destroy_domid' && s.calls.some(masks));
    expect(zero).toBeGreaterThanOrEqual(0);
    expect(mask).toBe(zero); // same destroy step: PCI_COMMAND=0 in pcistub_put_pci_dev, then Xen masks
    const calls = steps[zero]!.calls;
    const zeroAt = calls.find((c) => c.args === 'PCI_COMMAND 0')!.at;
    const maskAt = calls.find(masks)!.at;
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
    ['pv-vectors-bound', { scenario: 'igbvf-pv', dom0: 'xen-2.6.18', xen: 'xen-3.4' }],
    ['dom0-no-stale-msix-entries', { scenario: 'igbvf-pv', dom0: 'xen-2.6.18', xen: 'xen-3.4' }],
    ['dom0-flag-matches-holdings', { scenario: 'igbvf-pv', dom0: 'xen-2.6.18', xen: 'xen-3.4' }],
    ['no-stale-pirq-after-destroy', { scenario: 'igbvf-pv', dom0: 'xen-2.6.18', xen: 'xen-3.4' }],
    ['maskall-clear-after-assign', { scenario: 'reboot-hvm', dom0: 'pvops' }],
    ['no-carried-over-mask', { scenario: 'reboot-hvm', dom0: 'pvops' }],
    ['no-mask-without-decoding', { scenario: 'reboot-hvm', dom0: 'pvops' }],
    ['clean-handover', { scenario: 'reboot-hvm', dom0: 'pvops' }],
    ['no-domain-crash', { scenario: 'igbvf-pv', dom0: 'xen-2.6.18', xen: '4.12' }],
    ['used-entries-accounting', { scenario: 'admin-unbind-hvm', dom0: 'pvops' }],
    ['no-stuck-pirq', { scenario: 'reboot-hvm', dom0: 'pvops', xen: '4.12' }],
  ];
  for (const [name, c] of cases) {
    it(`${name} violated on ${JSON.stringify(c)} (seed ${SEED})`, () => {
      const r = run(c, [name], 600);
      expect(r.verdict).toBe('violated');
      expect(r.violation?.invariant).toBe(name);
    });
  }
});

/**
 * Seed 004's question: are pirqs stuck if QEMU or pciback never unbind/unmap after chao-v6's forced unmap?
 * Hot-unplug (xl pci-detach) from a running HVM guest whose device model was killed after the guest bound
 * its vector: nobody but Xen and the toolstack can release the pirq.
 */
describe('seed 004: hot-unplug with a live guest and QEMU killed (no-stuck-pirq)', () => {
  const hotUnplug: Action[] = [
    { kind: 'dom0.pcistub_probe', dev: 0 },
    { kind: 'toolstack.libxl__device_pci_add', dev: 0 },
    { kind: 'guest.pci_enable_msix', domid: 1, dev: 0, nvec: 1 },
    { kind: 'guest.pci_msix_clear_and_set_ctrl', domid: 1, dev: 0 },
    { kind: 'guest.request_irq', domid: 1, dev: 0, entry: 0 },
    { kind: 'qemu.sigkill', domid: 1 },
    { kind: 'toolstack.libxl__device_pci_remove', domid: 1, dev: 0 },
  ];
  const exec = (c: Partial<Config>, acts: Action[]) => execute(resolveConfig(cfg({ scenario: 'reboot-hvm', dom0: 'pvops', ...c })), acts, [inv('no-stuck-pirq')]);
  it('4.12: the pirq stays mapped and dpci-bound for a device the guest no longer owns', () => {
    const ex = exec({ xen: '4.12' }, hotUnplug);
    expect(ex.refused).toBeNull();
    expect(ex.failedAt).toBe(7);
    expect(ex.world.xen.domains[1]?.pirqs[55]).toMatchObject({ irq: 48, emuirq: -2 });
  });
  for (const xen of ['chao-v6', 'chao-v6-esrch']) {
    it(`${xen}: Xen unmaps on deassign, but emuirq IRQ_PT keeps the pirq from being free while the guest lives`, () => {
      const ex = exec({ xen }, hotUnplug);
      expect(ex.failedAt).toBe(7);
      expect(ex.world.xen.domains[1]?.pirqs[55]).toMatchObject({ irq: 0, emuirq: -2 });
      expect(ex.world.xen.domains[1]?.forced[55]).toEqual({ unmapped: true, unbound: true });
      expect(ex.violations[0]!.evidence.text).toContain('force_unmapped=1');
      // the guest closing its event channel does not help: evtchn_close clears emuirq only while mapped
      const more = exec({ xen }, [...hotUnplug.slice(0, 6), hotUnplug[6]!]);
      expect(more.failedAt).toBe(7);
    });
    it(`${xen}: once the domain is destroyed nothing is stuck`, () => {
      const ex = execute(resolveConfig(cfg({ scenario: 'reboot-hvm', dom0: 'pvops', xen })), [...hotUnplug, { kind: 'toolstack.libxl__destroy_domid', domid: 1, dev: 0 }], [inv('no-stuck-pirq'), inv('no-stale-pirq-after-destroy')]);
      // no-stuck-pirq is checked after each step, so the run stops at step 7; replay without it
      expect(ex.failedAt).toBe(7);
      const after = execute(resolveConfig(cfg({ scenario: 'reboot-hvm', dom0: 'pvops', xen })), [...hotUnplug, { kind: 'toolstack.libxl__destroy_domid', domid: 1, dev: 0 }], [inv('no-stale-pirq-after-destroy')]);
      expect(after.failedAt).toBeNull();
      expect(after.world.xen.domains[1]).toBeUndefined();
      expect(inv('no-stuck-pirq').check(after.world)).toBeUndefined();
    });
  }
  it('unbind-before-reset (the toolstack fix): the toolstack unbinds and unmaps, the pirq is free', () => {
    const ex = exec({ toolstack: 'unbind-before-reset' }, hotUnplug);
    expect(ex.failedAt).toBeNull();
    expect(ex.world.xen.domains[1]?.pirqs[55]).toMatchObject({ irq: 0, emuirq: -1 }); // free (is_free_pirq)
  });
  it('with QEMU alive the guest ejects, QEMU unmaps, and every version is clean', () => {
    const clean = hotUnplug.filter((a) => a.kind !== 'qemu.sigkill');
    for (const xen of ['4.12', 'chao-v6']) {
      const ex = execute(resolveConfig(cfg({ scenario: 'reboot-hvm', dom0: 'pvops-7681f31e', xen })), clean, [inv('no-stuck-pirq'), inv('clean-handover'), inv('no-mask-without-decoding')]);
      expect(ex.failedAt, ex.violations[0]?.evidence.text).toBeNull();
      expect(ex.steps.at(-1)!.calls.map((c) => c.fn)).toEqual(expect.arrayContaining(['acpiphp_disable_and_eject_slot', 'xen_pt_destroy', 'PHYSDEVOP_unmap_pirq', 'pci_reset_function', 'XEN_DOMCTL_deassign_device']));
    }
  });
  it('a guest whose device model is dead is offered no step that traps into it', () => {
    const ex = exec({ xen: '4.12' }, [hotUnplug[0]!, hotUnplug[1]!, { kind: 'qemu.sigkill', domid: 1 }, { kind: 'guest.pci_enable_msix', domid: 1, dev: 0, nvec: 1 }]);
    expect(ex.refused?.n).toBe(4);
  });
});

/**
 * Bug 3/4 as the guest sees it (I8): the rebooted guest enables and requests its vector, and the interrupt
 * never arrives because Xen keeps MASKALL forced. The 10-step sequence is pinned: random runs rarely
 * drive two guest programs that far.
 */
describe('seeds 003/004: the rebooted guest\'s vector never delivers (enabled-vector-delivers)', () => {
  const reboot: Action[] = [
    { kind: 'dom0.pcistub_probe', dev: 0 },
    { kind: 'toolstack.libxl__device_pci_add', dev: 0 },
    { kind: 'guest.pci_enable_msix', domid: 1, dev: 0, nvec: 1 },
    { kind: 'guest.pci_msix_clear_and_set_ctrl', domid: 1, dev: 0 },
    { kind: 'toolstack.libxl__destroy_domid', domid: 1, dev: 0 },
    { kind: 'toolstack.libxl__device_pci_add', dev: 0 },
    { kind: 'guest.pci_enable_msix', domid: 2, dev: 0, nvec: 1 },
    { kind: 'guest.pci_msix_clear_and_set_ctrl', domid: 2, dev: 0 },
    { kind: 'guest.request_irq', domid: 2, dev: 0, entry: 0 },
  ];
  const exec = (c: Partial<Config>) => execute(resolveConfig(cfg({ scenario: 'reboot-hvm', ...c })), reboot, [inv('enabled-vector-delivers')]);
  it('pvops + 4.12 + libxl: MASKALL is forced on in hardware', () => {
    const ex = exec({ dom0: 'pvops', xen: '4.12' });
    expect(ex.failedAt).toBe(9);
    expect(ex.violations[0]!.evidence.text).toContain('MSI-X MASKALL is set in hardware');
  });
  for (const c of [{ dom0: 'pvops-7681f31e', xen: '4.12' }, { dom0: 'pvops', xen: '4.13' }, { dom0: 'pvops', xen: 'chao-v6' }, { dom0: 'pvops', xen: '4.12', toolstack: 'unbind-before-reset' }]) {
    it(`${JSON.stringify(c)}: the vector delivers`, () => {
      const ex = exec(c);
      expect(ex.refused).toBeNull();
      expect(ex.failedAt, ex.violations[0]?.evidence.text).toBeNull();
    });
  }
  it('pvops-msix-reset: the export\'s prepare_msix fails with -ENXIO (PCI_COMMAND=0), so the reboot gets no device', () => {
    const ex = exec({ dom0: 'pvops-msix-reset', xen: '4.12' });
    expect(ex.refused?.n).toBe(7);
    const add = ex.steps[5]!;
    expect(add.calls.find((c) => c.fn === 'PHYSDEVOP_prepare_msix')?.result).toBe('-ENXIO');
    expect(add.result).toBe('-ENXIO');
  });
});

/**
 * libxl 4.12's hot-unplug race (toolstack variant libxl-4.12-async-del, docs/model-lifecycle.md): device_del
 * returns before the guest ejects, so libxl's reset, xc_deassign_device and xenstore removal are steps of
 * their own and the eject (guest.acpiphp_eject) can come before, between or after them, or never.
 */
describe('libxl 4.12: device_del returns before the guest ejects (libxl-4.12-async-del)', () => {
  const upTo: Action[] = [
    { kind: 'dom0.pcistub_probe', dev: 0 },
    { kind: 'toolstack.libxl__device_pci_add', dev: 0 },
    { kind: 'guest.pci_enable_msix', domid: 1, dev: 0, nvec: 1 },
    { kind: 'guest.pci_msix_clear_and_set_ctrl', domid: 1, dev: 0 },
    { kind: 'guest.request_irq', domid: 1, dev: 0, entry: 0 },
    { kind: 'toolstack.libxl__device_pci_remove', domid: 1, dev: 0 },
  ];
  const reset: Action = { kind: 'toolstack.libxl__device_pci_reset', domid: 1, dev: 0 };
  const deassign: Action = { kind: 'toolstack.xc_deassign_device', domid: 1, dev: 0 };
  const xenstore: Action = { kind: 'toolstack.libxl__device_pci_remove_xenstore', domid: 1, dev: 0 };
  const eject: Action = { kind: 'guest.acpiphp_eject', domid: 1, dev: 0 };
  const invs = ['clean-handover', 'enabled-vector-delivers', 'no-stuck-pirq', 'no-mask-without-decoding', 'no-stale-pirq-after-destroy'];
  const exec = (toolstack: string, acts: Action[], names = invs) =>
    execute(resolveConfig(cfg({ scenario: 'reboot-hvm', toolstack })), acts, names.map(inv));

  it('the reset before the eject: the guest\'s vector is still mapped and requested when dom0 resets the device', () => {
    const ex = exec('libxl-4.12-async-del', [...upTo, reset]);
    expect(ex.refused).toBeNull();
    expect(ex.failedAt).toBe(7);
    expect(ex.violations.map((v) => v.invariant).sort()).toEqual(['clean-handover', 'enabled-vector-delivers']);
    expect(ex.steps[5]!.calls.map((c) => c.fn)).toEqual(['libxl__device_pci_remove', 'QMP device_del']);
    expect(ex.world.qemu[1]?.pcihp_down).toEqual([0]);
    expect(ex.world.xen.domains[1]?.pirqs[55]).toMatchObject({ irq: 48, emuirq: -2 });
    // The FLR cleared MSI-X ENABLE in hardware and dom0's restore does not set it again (dom0's
    // dev->msix_enabled is 0 for an HVM guest's device), while QEMU and the guest still have it enabled.
    expect(ex.world.hw[0]!.msix.enable).toBe(false);
    expect(ex.world.qemu[1]?.devices[0]?.msix.enabled).toBe(true);
    // Without the variant (4.13's wait) the eject runs inside device_del, before the reset: the same steps
    // hold, and there is no separate reset step to take.
    const sync = exec('libxl', upTo);
    expect(sync.failedAt, sync.violations[0]?.evidence.text).toBeNull();
    expect(sync.steps[5]!.calls.map((c) => c.fn)).toEqual(expect.arrayContaining(['acpiphp_disable_and_eject_slot', 'xen_pt_destroy', 'pci_reset_function']));
    expect(exec('libxl', [...upTo, reset]).refused?.n).toBe(7);
  });

  it('the eject before the reset is 4.13\'s order: every invariant holds, and the reset finds nothing mapped', () => {
    const ex = exec('libxl-4.12-async-del', [...upTo, eject, reset, deassign, xenstore]);
    expect(ex.refused).toBeNull();
    expect(ex.failedAt, ex.violations[0]?.evidence.text).toBeNull();
    expect(ex.steps[7]!.calls.map((c) => c.fn)).toEqual(['libxl__device_pci_reset', 'pci_reset_function']);
  });

  it('the eject after the deassign: QEMU unbinds and unmaps the pirq of a device dom0 owns again', () => {
    const inv2 = invs.filter((n) => n !== 'clean-handover' && n !== 'enabled-vector-delivers');
    const ex = exec('libxl-4.12-async-del', [...upTo, reset, deassign, eject, xenstore], inv2);
    expect(ex.refused).toBeNull();
    expect(ex.failedAt, ex.violations[0]?.evidence.text).toBeNull();
    const ej = ex.steps[8]!.calls.map((c) => c.fn);
    expect(ej).toEqual(expect.arrayContaining(['acpiphp_disable_and_eject_slot', 'XEN_DOMCTL_unbind_pt_irq', 'PHYSDEVOP_unmap_pirq', 'xen_pt_destroy']));
    expect(ex.steps[8]!.calls.find((c) => c.fn === 'PHYSDEVOP_unmap_pirq')?.result).toBe('0');
    expect(ex.world.xen.pdevs[0]?.domain).toBe(0);
    expect(ex.world.xen.domains[1]?.pirqs[55]).toBeUndefined(); // unmapped, unbound, event channel closed: freed
    expect(ex.world.qemu[1]?.devices[0]).toBeUndefined();
    expect(ex.world.qemu[1]?.pcihp_down).toBeUndefined();
    expect(ex.world.toolstack.domains[1]).toEqual({ hvm: true, state: 'running', attached: false });
  });

  it('the domain destroyed before the guest ejected: the eject never comes, xc_domain_destroy frees the pirq', () => {
    const acts = [...upTo, reset, deassign, xenstore, { kind: 'toolstack.libxl__destroy_domid', domid: 1, dev: 0 } as Action];
    const ex = exec('libxl-4.12-async-del', acts, ['no-stuck-pirq', 'no-stale-pirq-after-destroy', 'no-mask-without-decoding']);
    expect(ex.failedAt, ex.violations[0]?.evidence.text).toBeNull();
    expect(ex.world.xen.domains[1]).toBeUndefined();
    expect(exec('libxl-4.12-async-del', [...acts, eject], ['no-stuck-pirq']).refused?.n).toBe(11);
  });

  it('the explorer: enabled-vector-delivers holds in every reachable state of reboot-hvm with libxl, not with the variant', async () => {
    const base = { depth: 60, maxStates: 20_000, invariants: [inv('enabled-vector-delivers')] };
    const sync = await explore(resolveConfig(cfg({ scenario: 'reboot-hvm' })), base);
    expect(sync.verdict).toBe('holds');
    expect(sync.complete).toBe(true);
    const race = await explore(resolveConfig(cfg({ scenario: 'reboot-hvm', toolstack: 'libxl-4.12-async-del' })), base);
    expect(race.verdict).toBe('violated');
    expect(race.actions?.map((a) => a.kind)).toEqual([
      'dom0.pcistub_probe',
      'toolstack.libxl__device_pci_add',
      'toolstack.libxl__device_pci_remove',
      'guest.pci_enable_msix',
      'guest.pci_msix_clear_and_set_ctrl',
      'toolstack.libxl__device_pci_reset',
      'guest.request_irq',
    ]);
    expect(race.violation?.evidence.text).toContain('MSI-X ENABLE is clear in hardware');
  });
});

describe('handover-hvm: the failures behind no-stuck-pirq (forced detach after QEMU died, then the device moves on)', () => {
  const detach: Action[] = [
    { kind: 'dom0.pcistub_probe', dev: 0 },
    { kind: 'toolstack.libxl__device_pci_add', dev: 0 },
    { kind: 'guest.pci_enable_msix', domid: 1, dev: 0, nvec: 1 },
    { kind: 'guest.pci_msix_clear_and_set_ctrl', domid: 1, dev: 0 },
    { kind: 'qemu.sigkill', domid: 1 },
    { kind: 'toolstack.libxl__device_pci_remove', domid: 1, dev: 0 },
  ];
  const newest = { scenario: 'handover-hvm', dom0: 'pvops-7681f31e', xen: '4.13' };
  const exec = (c: Partial<Config>, acts: Action[], names: string[]) => execute(resolveConfig(cfg({ ...newest, ...c })), acts, names.map(inv));
  it('(i) a pciback unbind after the forced detach logs "MSI-X release failed (-16)"', () => {
    const ex = exec({}, [...detach, { kind: 'dom0.pcistub_remove', dev: 0 }], ['pciback-msix-calls-succeed']);
    expect(ex.failedAt).toBe(7);
    expect(ex.steps.flatMap((s) => s.log)).toContain('pciback 0000:03:00.0: MSI-X release failed (-16)');
    // The stuck pirq is what is behind it: the same steps without the unbind violate no-stuck-pirq only.
    expect(exec({}, detach, ['no-stuck-pirq']).failedAt).toBe(6);
  });
  const handover: Action[] = [
    ...detach,
    { kind: 'toolstack.libxl__device_pci_add', dev: 0 },
    { kind: 'guest.pci_enable_msix', domid: 2, dev: 0, nvec: 1 },
    { kind: 'guest.pci_msix_clear_and_set_ctrl', domid: 2, dev: 0 },
    { kind: 'guest.request_irq', domid: 2, dev: 0, entry: 0 },
    { kind: 'toolstack.libxl__destroy_domid', domid: 1, dev: 0 },
  ];
  it('(ii) the old domain\'s teardown masks the entry the new owner uses: its vector never delivers', () => {
    // Before the old domain is destroyed the new owner's vector delivers.
    expect(exec({}, handover.slice(0, -1), ['enabled-vector-delivers']).failedAt).toBeNull();
    const ex = exec({}, handover, ['enabled-vector-delivers']);
    expect(ex.failedAt).toBe(11);
    expect(ex.violations[0]!.evidence.text).toMatch(/never reaches guest irq \d+ of dom2 .*MSI-X entry 0 is masked in hardware/);
    expect(ex.steps[10]!.calls.map((c) => c.fn)).toEqual(expect.arrayContaining(['pci_clean_dpci_irqs', 'free_domain_pirqs']));
  });
  it('(ii) is the shortest path to a lost interrupt there, found by exploration', async () => {
    const x = await explore(resolveConfig(cfg(newest)), { depth: 12, maxStates: 20_000, invariants: [inv('enabled-vector-delivers')] });
    expect(x.verdict).toBe('violated');
    expect(x.actions?.length).toBe(11);
  });
  it('libxl unbinding before the reset (unbind-before-reset) or Xen unmapping on deassign (chao-v6) avoids both', () => {
    for (const c of [{ toolstack: 'unbind-before-reset' }, { xen: 'chao-v6' }]) {
      expect(exec(c, [...detach, { kind: 'dom0.pcistub_remove', dev: 0 }], ['pciback-msix-calls-succeed']).failedAt).toBeNull();
      expect(exec(c, handover, ['enabled-vector-delivers']).failedAt).toBeNull();
    }
  });
});
