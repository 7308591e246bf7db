/**
 * Xen's behaviour across releases (4.12 .. 4.22, and seed 002's Xen 3.4): the corrections of the modelled
 * handlers against the code, and the release flags, one `it` per branch, each citing the line it models.
 */
import { describe, expect, it } from 'vitest';
import { sysFor, logLines } from '../testkit.ts';
import { enabledActions, findScenario, initialWorld } from '../scenarios.ts';
import { findVariant, type Flags } from '../variants.ts';
import { resolveConfig } from '../config.ts';
import { apply } from '../step.ts';
import { findInvariant } from '../invariants.ts';
import type { World } from '../world.ts';
import type { Action } from '../actions.ts';
import * as xen from './xen.ts';
import { ERRNO, DOMID_IO } from '../types.ts';
import { VARIANTS } from '../variants.ts';

const D = 1;
const A = 0;

function xenFlags(id: string): Partial<Flags> {
  return findVariant('xen', id)!.flags;
}

function mapMsix(s: ReturnType<typeof sysFor>, pirq: number, entry = 0) {
  return xen.PHYSDEVOP_map_pirq(s, { domid: D, pirq, dev: A, entry_nr: entry, msix: true });
}

/** nvme-hvm's device without pciback's prepare_msix: used_entries 0, owned by dom1. */
function unprepared(flags: Partial<Flags> = {}) {
  const s = sysFor('nvme-hvm', flags);
  s.w.xen.pdevs[A]!.msix.used_entries = 0;
  return s;
}

describe('msix_capability_init: first map by dom0 for a domU with used_entries == 0', () => {
  it("'crash' (4245d331e0; msi.c:msix_capability_init @RELEASE-4.12.0 lines 1013-1024): prints the warning, crashes the owner, and the map still succeeds", () => {
    const s = unprepared(xenFlags('4.12'));
    expect(mapMsix(s, 55)).toBe(55);
    expect(logLines(s)).toContain('(XEN) Potentially insecure use of MSI-X on 0000:01:00.0 by Dom1');
    expect(logLines(s)).toContain('(XEN) Domain 1 reported crashed by domain 0 on cpu#0:');
    expect(s.w.xen.domains[D]!.shutdown).toBe('crash');
    expect(s.w.xen.pdevs[A]!.msix.used_entries).toBe(1);
    expect(s.w.xen.pdevs[A]!.msix.host_maskall).toBe(false);
    expect(findInvariant('no-domain-crash')!.check(s.w as World)?.text).toContain('dom1 was crashed by Xen');
  });
  it("'enodata' (beb54596cf; msix_capability_init @RELEASE-4.15.0 lines 818-885): -ENODATA, control as read, host_maskall left 1, no crash, the irq destroyed", () => {
    const s = unprepared(xenFlags('4.15'));
    s.w.hw[A]!.msix.enable = true;
    expect(mapMsix(s, 55)).toBe(-ERRNO.ENODATA);
    expect(s.w.xen.domains[D]!.shutdown).toBeUndefined();
    expect(s.w.hw[A]!.msix).toMatchObject({ enable: true, maskall: false });
    expect(s.w.xen.pdevs[A]!.msix).toMatchObject({ used_entries: 0, host_maskall: true });
    expect(s.w.xen.irqs[48]).toBeUndefined();
    expect(logLines(s).join('\n')).not.toContain('Potentially insecure');
  });
  it('a device dom0 owns is set up without a warning (d == currd), whichever release', () => {
    for (const f of [xenFlags('4.12'), xenFlags('4.15')]) {
      const s = unprepared(f);
      s.w.xen.pdevs[A]!.domain = 0;
      expect(xen.msix_capability_init(s, A, 0)).toBe(0);
      expect(logLines(s)).toEqual([]);
      expect(s.w.xen.domains[D]!.shutdown).toBeUndefined();
    }
  });
  it('PHYSDEVOP_prepare_msix (desc == NULL) never crashes: the block is under `if ( desc )`', () => {
    const s = unprepared(xenFlags('4.12'));
    expect(xen.PHYSDEVOP_prepare_msix(s, A, false)).toBe(0);
    expect(s.w.xen.domains[D]!.shutdown).toBeUndefined();
    expect(mapMsix(s, 55)).toBe(55);
    expect(s.w.xen.domains[D]!.shutdown).toBeUndefined();
  });
});

describe('msi_set_mask_bit with memory decoding off (msi.c:msi_set_mask_bit @RELEASE-4.12.0 lines 415-463)', () => {
  function mapped() {
    const s = sysFor('nvme-hvm');
    expect(mapMsix(s, 55)).toBe(55);
    s.w.hw[A]!.msix.enable = true;
    s.w.xen.irqs[48]!.msi_desc = { ...s.w.xen.irqs[48]!.msi_desc!, host_masked: false, guest_masked: true };
    s.w.hw[A]!.command.memory = false;
    return s;
  }
  it('an unmask leaves host_masked/guest_masked as they were', () => {
    const s = mapped();
    xen.msi_set_mask_bit(s, 48, false, false);
    expect(s.w.xen.irqs[48]!.msi_desc).toMatchObject({ host_masked: false, guest_masked: true });
    expect(s.w.hw[A]!.msix.maskall).toBe(false);
  });
  it('a mask with MASKALL already set leaves them too, and prints nothing', () => {
    const s = mapped();
    s.w.hw[A]!.msix.maskall = true;
    xen.msi_set_mask_bit(s, 48, true, false);
    expect(s.w.xen.irqs[48]!.msi_desc).toMatchObject({ host_masked: false, guest_masked: true });
    expect(logLines(s).join('\n')).not.toContain('cannot mask');
  });
  it('a mask with MASKALL clear sets MASKALL ("cannot mask IRQ") and leaves them too', () => {
    const s = mapped();
    xen.msi_set_mask_bit(s, 48, true, true);
    expect(s.w.hw[A]!.msix.maskall).toBe(true);
    expect(s.w.xen.pdevs[A]!.msix.host_maskall).toBe(true);
    expect(s.w.xen.irqs[48]!.msi_desc).toMatchObject({ host_masked: false, guest_masked: true });
    expect(logLines(s).join('\n')).toContain("cannot mask IRQ 48: masking MSI-X on Dom1's 0000:01:00.0");
  });
});

describe('XEN_DOMCTL_assign_device (iommu_do_pci_domctl @RELEASE-4.12.0 lines 1689-1694)', () => {
  it('a dying domain is -EINVAL', () => {
    const s = sysFor('nvme-hvm');
    s.w.xen.pdevs[1]!.domain = 0;
    s.w.xen.domains[D]!.dying = true;
    expect(xen.XEN_DOMCTL_assign_device(s, D, 1)).toBe(-ERRNO.EINVAL);
    expect(s.w.xen.pdevs[1]!.domain).toBe(0);
  });
  it('a domain that does not exist is -ESRCH (do_domctl: rcu_lock_domain_by_id)', () => {
    const s = sysFor('nvme-hvm');
    expect(xen.XEN_DOMCTL_assign_device(s, 7, 1)).toBe(-ERRNO.ESRCH);
  });
});

describe('xen-3.4 (seed 002 era): msi.c @3.4.0-rc3', () => {
  it('msix_capability_init: no decoding test, the control word restored as read, no host_maskall, no crash', () => {
    const s = unprepared(xenFlags('xen-3.4'));
    s.w.hw[A]!.command.memory = false;
    s.w.hw[A]!.msix.enable = true;
    s.w.hw[A]!.msix.entries[0]!.masked = false;
    expect(mapMsix(s, 55)).toBe(55);
    expect(s.w.hw[A]!.msix).toMatchObject({ enable: true, maskall: false });
    expect(s.w.xen.pdevs[A]!.msix).toMatchObject({ host_maskall: false, used_entries: 1 });
    expect(s.w.xen.domains[D]!.shutdown).toBeUndefined();
    // "Mask interrupt here" is a table write the function drops without decoding.
    expect(s.w.hw[A]!.msix.entries[0]!.masked).toBe(false);
  });
  it('msi_set_mask_bit: a table write only, no MASKALL fallback, no warning', () => {
    const s = unprepared(xenFlags('xen-3.4'));
    expect(mapMsix(s, 55)).toBe(55);
    s.w.hw[A]!.command.memory = false;
    s.w.hw[A]!.msix.enable = true;
    xen.msi_set_mask_bit(s, 48, true, true);
    expect(s.w.hw[A]!.msix.maskall).toBe(false);
    expect(s.w.xen.pdevs[A]!.msix.host_maskall).toBe(false);
    expect(logLines(s).join('\n')).not.toContain('cannot mask');
  });
  it('PHYSDEVOP_prepare_msix does not exist: -ENOSYS', () => {
    const s = unprepared(xenFlags('xen-3.4'));
    expect(xen.PHYSDEVOP_prepare_msix(s, A, false)).toBe(-ERRNO.ENOSYS);
  });
  it('map_domain_pirq: a pirq mapped to another vector is -EINVAL (before bfc341a65c), a device of another owner is found (before 3308374b1b)', () => {
    const s = unprepared(xenFlags('xen-3.4'));
    expect(mapMsix(s, 55)).toBe(55);
    expect(xen.PHYSDEVOP_map_pirq(s, { domid: D, pirq: 55, dev: 1, entry_nr: 0, msix: true })).toBe(-ERRNO.EINVAL);
    s.w.xen.pdevs[1]!.domain = 0;
    expect(xen.PHYSDEVOP_map_pirq(s, { domid: D, pirq: 54, dev: 1, entry_nr: 0, msix: true })).toBe(54);
  });
  it('destroy: pci_release_devices runs pci_cleanup_msi (ENABLE cleared, descriptors freed) before the deassign', () => {
    const s = unprepared(xenFlags('xen-3.4'));
    expect(mapMsix(s, 55)).toBe(55);
    s.w.hw[A]!.msix.enable = true;
    expect(xen.XEN_DOMCTL_destroydomain(s, D)).toBe(0);
    expect(s.log.calls.map((c) => c.fn)).toContain('pci_cleanup_msi');
    expect(s.w.hw[A]!.msix.enable).toBe(false);
    expect(s.w.xen.irqs[48]).toBeUndefined();
    expect(s.w.xen.pdevs[A]!.msix.used_entries).toBe(0);
  });
});

describe('a crashed domain is a state the model carries on from', () => {
  /** Run actions by kind through the real step, taking the first enabled action of that kind. */
  function runKinds(config: Parameters<typeof resolveConfig>[0], kinds: readonly Action['kind'][]) {
    const r = resolveConfig(config);
    let w = initialWorld(findScenario(config.scenario)!);
    const lines: string[] = [];
    for (const k of kinds) {
      const res = apply(w, requireEnabled(w, r, k), r);
      for (const c of res.calls) lines.push(...c.log);
      w = res.world;
    }
    return { w, lines };
  }
  function requireEnabled(w: World, r: ReturnType<typeof resolveConfig>, k: Action['kind']): Action {
    const a = enabled(w, r).find((x) => x.kind === k);
    if (!a) throw new Error(`${k} not enabled`);
    return a;
  }
  const base = { guest: 'fresh-pirq', qemu: 'unmap-on-disable', dom0: 'xen-2.6.18', toolstack: 'libxl', scenario: 'igbvf-pv' };
  it("seed 002's 2.6.18 dom0 on Xen 4.12: igbvf's first MSI-X map crashes the PV guest; xl reports it, libxl destroys it and its pirqs go", () => {
    const { w, lines } = runKinds({ ...base, xen: '4.12' }, ['dom0.pcistub_probe', 'toolstack.libxl__device_pci_add', 'guest.igbvf_probe']);
    expect(lines).toContain('(XEN) Potentially insecure use of MSI-X on 0000:01:10.0 by Dom1');
    expect(lines).toContain('xl: Domain 1 has shut down, reason code 3 0x3');
    expect(w.xen.domains[1]!.shutdown).toBe('crash');
    expect(w.toolstack.domains[1]!.state).toBe('shutdown');
    expect(findInvariant('no-domain-crash')!.check(w)).toBeDefined();
    // The guest is stopped: nothing of it is offered any more; the toolstack's destroy is.
    const kinds = enabled(w, resolveConfig({ ...base, xen: '4.12' })).map((a) => a.kind);
    expect(kinds).not.toContain('guest.igbvf_remove');
    expect(kinds).toContain('toolstack.libxl__destroy_domid');
    const after = runKinds({ ...base, xen: '4.12' }, ['dom0.pcistub_probe', 'toolstack.libxl__device_pci_add', 'guest.igbvf_probe', 'toolstack.libxl__destroy_domid']).w;
    expect(after.xen.domains[1]).toBeUndefined();
    expect(Object.keys(after.xen.irqs)).toEqual([]);
    expect(findInvariant('no-domain-crash')!.check(after)).toBeUndefined();
  });
  it('the same pairing on xen-3.4 (the seed\'s system) maps without a crash', () => {
    const { w, lines } = runKinds({ ...base, xen: 'xen-3.4' }, ['dom0.pcistub_probe', 'toolstack.libxl__device_pci_add', 'guest.igbvf_probe']);
    expect(lines.join('\n')).not.toContain('Potentially insecure');
    expect(w.xen.domains[1]!.shutdown).toBeUndefined();
    expect(findInvariant('no-domain-crash')!.check(w)).toBeUndefined();
  });
});

function enabled(w: World, r: ReturnType<typeof resolveConfig>): Action[] {
  return enabledActions(w, r.scenario);
}

describe('device quarantine (319f9a0ba9, ba2ab00bbb; pci.c:deassign_device @RELEASE-4.13.0)', () => {
  function owned(flags: Partial<Flags>) {
    const s = sysFor('nvme-hvm', flags);
    return s;
  }
  it("4.12 ('off'): a deassigned device goes back to dom0", () => {
    const s = owned(xenFlags('4.12'));
    expect(xen.XEN_DOMCTL_deassign_device(s, D, A)).toBe(0);
    expect(s.w.xen.pdevs[A]!.domain).toBe(0);
    expect(s.w.xen.pdevs[A]!.quarantine).toBeUndefined();
  });
  it("4.13 ('basic', the default): it goes to dom_io, marked quarantined; assign accepts it from there", () => {
    const s = owned(xenFlags('4.13'));
    expect(xen.XEN_DOMCTL_deassign_device(s, D, A)).toBe(0);
    expect(s.w.xen.pdevs[A]).toMatchObject({ domain: DOMID_IO, quarantine: true });
    s.w.xen.domains[2] = xen.newDomain(2, true, 56);
    expect(xen.XEN_DOMCTL_assign_device(s, 2, A)).toBe(0);
    expect(s.w.xen.pdevs[A]!.domain).toBe(2);
  });
  it('iommu=no-quarantine (off on a 4.13+ release): a device not quarantined before goes to dom0, a quarantined one to dom_io', () => {
    const s = owned({ ...xenFlags('4.22'), xenQuarantine: 'off' });
    expect(xen.XEN_DOMCTL_deassign_device(s, D, A)).toBe(0);
    expect(s.w.xen.pdevs[A]!.domain).toBe(0);
    s.w.xen.pdevs[1]!.quarantine = true;
    expect(xen.XEN_DOMCTL_deassign_device(s, D, 1)).toBe(0);
    expect(s.w.xen.pdevs[1]!.domain).toBe(DOMID_IO);
  });
  it('pci_release_devices at destroy uses the same target', () => {
    const s = owned(xenFlags('4.17'));
    expect(xen.XEN_DOMCTL_destroydomain(s, D)).toBe(0);
    expect(s.w.xen.pdevs[A]!.domain).toBe(DOMID_IO);
    expect(s.w.xen.pdevs[1]!.domain).toBe(DOMID_IO);
  });
  it('the "cannot mask" warning names dom_io as the owner (Dom32753)', () => {
    const s = owned({ ...xenFlags('4.13'), xenMsixWarnDom0First: true });
    expect(mapMsix(s, 55)).toBe(55);
    s.w.xen.pdevs[A]!.domain = DOMID_IO;
    s.w.hw[A]!.command.memory = false;
    xen.msi_set_mask_bit(s, 48, true, true);
    expect(logLines(s).join('\n')).toContain("masking MSI-X on Dom32753's 0000:01:00.0");
  });
});

describe('XSA-360: destroy of an HVM guest with dpci-bound pirqs (xenCleanDpciDropsPirq)', () => {
  function boundAtDestroy(id: string) {
    const s = sysFor('nvme-hvm', xenFlags(id));
    expect(mapMsix(s, 55)).toBe(55);
    expect(xen.XEN_DOMCTL_bind_pt_irq(s, D, 55, 0)).toBe(0);
    expect(xen.XEN_DOMCTL_destroydomain(s, D)).toBe(0);
    return s;
  }
  it('4.13.1 and 4.14 (6a1036e282, 5b58dad089; pci_clean_dpci_irq @RELEASE-4.13.1): the irq, its msi_desc and used_entries leak', () => {
    for (const id of ['4.13.1', '4.14']) {
      const s = boundAtDestroy(id);
      expect(s.w.xen.irqs[48]).toMatchObject({ msi_desc: { dev: A, entry_nr: 0 }, guests: [] });
      expect(s.w.xen.pdevs[A]!.msix.used_entries).toBe(2);
    }
  });
  it('4.13, 4.13.3 and 4.15 (58427889f5, e4161938b3): free_domain_pirqs unmaps it', () => {
    for (const id of ['4.13', '4.13.3', '4.15']) {
      const s = boundAtDestroy(id);
      expect(s.w.xen.irqs[48]).toBeUndefined();
      expect(s.w.xen.pdevs[A]!.msix.used_entries).toBe(1);
    }
  });
});

describe('allocate_pirq for an irq that already has a pirq (0d2b87b5ad)', () => {
  it('a force-unbound current pirq is -EBUSY and the created irq is destroyed (allocate_and_map_msi_pirq `done:`)', () => {
    const s = sysFor('nvme-hvm');
    s.w.xen.domains[D]!.irq_pirq[48] = -55;
    expect(mapMsix(s, -1)).toBe(-ERRNO.EBUSY);
    expect(s.w.xen.irqs[48]).toBeUndefined();
  });
  it('a mapped current pirq: 4.18 returns the caller\'s -1 (and destroys the irq), 4.19 maps that pirq', () => {
    const a = sysFor('nvme-hvm', xenFlags('4.18'));
    a.w.xen.domains[D]!.irq_pirq[48] = 54;
    expect(mapMsix(a, -1)).toBe(-1);
    expect(a.w.xen.irqs[48]).toBeUndefined();
    const b = sysFor('nvme-hvm', xenFlags('4.19'));
    b.w.xen.domains[D]!.irq_pirq[48] = 54;
    expect(mapMsix(b, -1)).toBe(54);
  });
});

describe('"cannot mask IRQ" for a Dom0-owned device (e9607d4061)', () => {
  function dom0Owned(id: string) {
    const s = sysFor('nvme-hvm', xenFlags(id));
    expect(mapMsix(s, 55)).toBe(55);
    s.w.xen.pdevs[A]!.domain = 0;
    s.w.hw[A]!.command.memory = false;
    xen.msi_set_mask_bit(s, 48, true, true);
    return logLines(s).join('\n');
  }
  it('up to 4.18 the first one is not printed (warned starts at 0)', () => {
    expect(dom0Owned('4.18')).not.toContain('cannot mask');
  });
  it('4.19 prints it (MSIX_CHECK_WARN)', () => {
    expect(dom0Owned('4.19')).toContain("cannot mask IRQ 48: masking MSI-X on Dom0's 0000:01:00.0");
  });
});

describe('the release ids', () => {
  const ids = ['4.13', '4.13.1', '4.13.3', '4.14', '4.15', '4.16', '4.17', '4.18', '4.19', '4.20', '4.21', '4.22'];
  it('every id of 4.13 .. 4.22 exists with its tag and the id before it', () => {
    for (const id of ids) {
      const v = findVariant('xen', id);
      expect(v?.release?.tag, id).toBe(`RELEASE-${id.split('.').length === 2 ? `${id}.0` : id}`);
      expect(v!.release!.previous, id).not.toBeNull();
      expect(findVariant('xen', v!.release!.previous!), id).toBeDefined();
    }
  });
  it('releases with the same modelled behaviour share flags, and the groups are the ones the code has', () => {
    const key = (id: string) => JSON.stringify(Object.entries({ ...findVariant('xen', id)!.flags }).sort());
    const groups = new Map<string, string[]>();
    for (const id of ids) groups.set(key(id), [...(groups.get(key(id)) ?? []), id]);
    expect([...groups.values()]).toEqual([['4.13'], ['4.13.1', '4.14'], ['4.13.3', '4.15', '4.16', '4.17', '4.18'], ['4.19', '4.20', '4.21'], ['4.22']]);
    expect(VARIANTS.filter((v) => v.component === 'xen' && v.release).length).toBe(ids.length + 2); // + 4.12, xen-3.4
  });
});

describe('libxl per release', () => {
  const base = { guest: 'fresh-pirq', qemu: 'unmap-on-disable', dom0: 'pvops-7681f31e', scenario: 'reboot-hvm', xen: '4.22' };
  function destroyLines(toolstack: string, killQemu: boolean): string[] {
    const r = resolveConfig({ ...base, toolstack });
    let w = initialWorld(findScenario('reboot-hvm')!);
    const lines: string[] = [];
    const kinds: Action['kind'][] = ['dom0.pcistub_probe', 'toolstack.libxl__device_pci_add', ...(killQemu ? (['qemu.sigkill'] as const) : []), 'toolstack.libxl__destroy_domid'];
    for (const k of kinds) {
      const a = enabled(w, r).find((x) => x.kind === k)!;
      const res = apply(w, a, r);
      for (const c of res.calls) lines.push(...c.log);
      w = res.world;
    }
    return lines;
  }
  const line = 'libxl: warning: libxl_pci.c: pci_remove_timeout: Domain 1:timed out waiting for DM to remove pci-pt-03_00.0';
  it('4.13 .. 4.22: destroy with the device model alive waits for an eject that never comes, warns and goes on (pci_remove_timeout @RELEASE-4.13.0 line 2140)', () => {
    for (const ts of ['libxl', 'libxl-4.15', 'libxl-4.18', 'libxl-4.22']) expect(destroyLines(ts, false), ts).toContain(line);
  });
  it('with the device model dead the QMP send fails at once: no timeout line', () => {
    expect(destroyLines('libxl', true)).not.toContain(line);
  });
  it('4.12 (libxl-4.12-async-del): device_del does not wait, no timeout', () => {
    expect(destroyLines('libxl-4.12-async-del', false)).not.toContain(line);
  });
  it('every toolstack release id has its tag and the id before it', () => {
    for (const id of ['libxl', 'libxl-4.14', 'libxl-4.15', 'libxl-4.16', 'libxl-4.17', 'libxl-4.18', 'libxl-4.19', 'libxl-4.20', 'libxl-4.21', 'libxl-4.22']) {
      const v = findVariant('toolstack', id)!;
      expect(v.release?.tag, id).toMatch(/^RELEASE-4\.\d+\.0$/);
      expect(findVariant('toolstack', v.release!.previous!), id).toBeDefined();
    }
  });
});
