import { describe, expect, it } from 'vitest';
import { sysFor, logLines, results } from '../testkit.ts';
import * as qemu from './qemu.ts';
import * as xen from './xen.ts';
import { xen_msi_compose_msg } from './guest.ts';
import { XEN_PT_UNASSIGNED_PIRQ } from '../types.ts';

const D = 1;
const A = 0;
const newQemu = { qemuUnmapOnDisable: true, qemuRewriteIfUnassigned: true };
const oldQemu = { qemuUnmapOnDisable: false, qemuRewriteIfUnassigned: false };

function entry(s: ReturnType<typeof sysFor>, k = 0) {
  return s.w.qemu[D]!.devices[A]!.msix.msix_entry[k]!;
}

/** Guest writes the message for `pirq` into entry 0, enables MSI-X masked, then clears MASKALL. */
function enable(s: ReturnType<typeof sysFor>, pirq: number) {
  qemu.pci_msix_write(s, D, A, 0, xen_msi_compose_msg(pirq));
  qemu.xen_pt_msixctrl_reg_write(s, D, A, true, true);
  qemu.xen_pt_msixctrl_reg_write(s, D, A, true, false);
}

describe('qemu.pci_msix_write', () => {
  it('stores a changed message and sets updated', () => {
    const s = sysFor('nvme-hvm', newQemu);
    qemu.pci_msix_write(s, D, A, 0, xen_msi_compose_msg(55));
    expect(entry(s)).toMatchObject({ addr_lo: 0xfee37000, data: 0x4300, updated: true });
  });
  it('ignores an unchanged message while the entry has a pirq', () => {
    const s = sysFor('nvme-hvm', newQemu);
    xen.PHYSDEVOP_get_free_pirq(s, D);
    enable(s, 55);
    expect(entry(s)).toMatchObject({ pirq: 55, updated: false });
    qemu.xen_pt_msixctrl_reg_write(s, D, A, false, false);
    qemu.pci_msix_write(s, D, A, 1, xen_msi_compose_msg(54));
    expect(entry(s, 1).updated).toBe(true);
  });
  it('with the unassigned-pirq rule, treats an unchanged message as new when the entry has no pirq', () => {
    const s = sysFor('nvme-hvm', newQemu);
    xen.PHYSDEVOP_get_free_pirq(s, D);
    enable(s, 55);
    qemu.xen_pt_msixctrl_reg_write(s, D, A, false, false); // unmaps, forgets the pirq, keeps the message
    expect(entry(s)).toMatchObject({ pirq: XEN_PT_UNASSIGNED_PIRQ, updated: false, addr_lo: 0xfee37000 });
    qemu.pci_msix_write(s, D, A, 0, xen_msi_compose_msg(55));
    expect(entry(s).updated).toBe(true);
  });
  it('without it, an unchanged message is ignored', () => {
    const s = sysFor('nvme-hvm', oldQemu);
    qemu.pci_msix_write(s, D, A, 0, xen_msi_compose_msg(55));
    const before = entry(s);
    s.w.qemu[D]!.devices[A]!.msix.msix_entry[0] = { ...before, updated: false };
    qemu.pci_msix_write(s, D, A, 0, xen_msi_compose_msg(55));
    expect(entry(s).updated).toBe(false);
  });
  it('refuses a write while MSI-X is enabled and the entry is unmasked in hardware', () => {
    const s = sysFor('nvme-hvm', newQemu);
    xen.PHYSDEVOP_get_free_pirq(s, D);
    enable(s, 55);
    xen.EVTCHNOP_bind_pirq(s, D, 55); // unmasks the vector
    qemu.pci_msix_write(s, D, A, 0, xen_msi_compose_msg(54));
    expect(logLines(s)).toContain("[00:04.0] pci_msix_write: Can't update msix entry 0 since MSI-X is already enabled.");
    expect(entry(s).addr_lo).toBe(0xfee37000);
  });
});

describe('qemu.xen_pt_msixctrl_reg_write', () => {
  it('maps and binds updated entries when ENABLE is written without MASKALL', () => {
    const s = sysFor('nvme-hvm', newQemu);
    xen.PHYSDEVOP_get_free_pirq(s, D);
    enable(s, 55);
    expect(results(s, 'PHYSDEVOP_map_pirq')).toEqual(['0, pirq=55']);
    expect(results(s, 'XEN_DOMCTL_bind_pt_irq')).toEqual(['0']);
    expect(s.w.hw[A]!.msix).toMatchObject({ enable: true, maskall: false });
  });
  it('does not map while MASKALL is written', () => {
    const s = sysFor('nvme-hvm', newQemu);
    qemu.pci_msix_write(s, D, A, 0, xen_msi_compose_msg(55));
    qemu.xen_pt_msixctrl_reg_write(s, D, A, true, true);
    expect(results(s, 'PHYSDEVOP_map_pirq')).toEqual([]);
  });
  it('unbinds, unmaps and forgets every pirq on disable after c976437c', () => {
    const s = sysFor('nvme-hvm', newQemu);
    xen.PHYSDEVOP_get_free_pirq(s, D);
    enable(s, 55);
    qemu.xen_pt_msixctrl_reg_write(s, D, A, false, false);
    expect(results(s, 'XEN_DOMCTL_unbind_pt_irq')).toEqual(['0']);
    expect(results(s, 'PHYSDEVOP_unmap_pirq')).toEqual(['0']);
    expect(entry(s).pirq).toBe(XEN_PT_UNASSIGNED_PIRQ);
    expect(s.w.xen.domains[D]!.pirqs[55]).toBeUndefined();
  });
  it('keeps every mapping on disable before c976437c', () => {
    const s = sysFor('nvme-hvm', oldQemu);
    xen.PHYSDEVOP_get_free_pirq(s, D);
    enable(s, 55);
    qemu.xen_pt_msixctrl_reg_write(s, D, A, false, false);
    expect(results(s, 'PHYSDEVOP_unmap_pirq')).toEqual([]);
    expect(entry(s).pirq).toBe(55);
    expect(s.w.xen.domains[D]!.pirqs[55]!.irq).toBe(48);
  });
  it('on a bind failure, unmaps the old pirq (not the one that failed) and forgets it', () => {
    const s = sysFor('nvme-hvm', oldQemu);
    xen.PHYSDEVOP_get_free_pirq(s, D);
    enable(s, 55);
    qemu.xen_pt_msixctrl_reg_write(s, D, A, false, false);
    const p2 = xen.PHYSDEVOP_get_free_pirq(s, D);
    expect(p2).toBe(54);
    enable(s, 54);
    expect(results(s, 'XEN_DOMCTL_bind_pt_irq').at(-1)).toBe('-EINVAL');
    expect(results(s, 'PHYSDEVOP_unmap_pirq')).toEqual(['0']);
    expect(s.log.calls.filter((c) => c.fn === 'PHYSDEVOP_unmap_pirq')[0]!.args).toContain('pirq=55');
    expect(logLines(s)).toContain('[00:04.0] msi_msix_update: Updating of MSI-X failed. (err: 22)');
    expect(entry(s)).toMatchObject({ pirq: XEN_PT_UNASSIGNED_PIRQ, updated: true });
  });
});

describe('qemu.xen_pt_msgctrl_reg_write', () => {
  it('maps the pirq the guest encoded and binds it on the first enable', () => {
    const s = sysFor('nvme-msi-hvm', newQemu);
    xen.PHYSDEVOP_get_free_pirq(s, D);
    qemu.xen_pt_msg_reg_write(s, D, A, xen_msi_compose_msg(55));
    qemu.xen_pt_msgctrl_reg_write(s, D, A, true);
    expect(s.w.qemu[D]!.devices[A]!.msi).toMatchObject({ pirq: 55, initialized: true, mapped: true, enabled: true });
  });
  it('unmaps and clears initialized on disable after c976437c', () => {
    const s = sysFor('nvme-msi-hvm', newQemu);
    xen.PHYSDEVOP_get_free_pirq(s, D);
    qemu.xen_pt_msg_reg_write(s, D, A, xen_msi_compose_msg(55));
    qemu.xen_pt_msgctrl_reg_write(s, D, A, true);
    qemu.xen_pt_msgctrl_reg_write(s, D, A, false);
    expect(s.w.qemu[D]!.devices[A]!.msi).toMatchObject({ pirq: XEN_PT_UNASSIGNED_PIRQ, initialized: false, mapped: false });
    expect(results(s, 'PHYSDEVOP_unmap_pirq')).toEqual(['0']);
  });
  it('keeps the pirq and initialized on disable before c976437c, so a re-enable maps nothing', () => {
    const s = sysFor('nvme-msi-hvm', oldQemu);
    xen.PHYSDEVOP_get_free_pirq(s, D);
    qemu.xen_pt_msg_reg_write(s, D, A, xen_msi_compose_msg(55));
    qemu.xen_pt_msgctrl_reg_write(s, D, A, true);
    qemu.xen_pt_msgctrl_reg_write(s, D, A, false);
    qemu.xen_pt_msgctrl_reg_write(s, D, A, true);
    expect(results(s, 'PHYSDEVOP_map_pirq')).toHaveLength(1);
    expect(s.w.qemu[D]!.devices[A]!.msi).toMatchObject({ pirq: 55, initialized: true });
  });
  it('re-binds the old pirq, not the newly written one, when the message changes while mapped', () => {
    const s = sysFor('nvme-msi-hvm', oldQemu);
    xen.PHYSDEVOP_get_free_pirq(s, D);
    qemu.xen_pt_msg_reg_write(s, D, A, xen_msi_compose_msg(55));
    qemu.xen_pt_msgctrl_reg_write(s, D, A, true);
    qemu.xen_pt_msg_reg_write(s, D, A, xen_msi_compose_msg(54));
    const binds = s.log.calls.filter((c) => c.fn === 'XEN_DOMCTL_bind_pt_irq');
    expect(binds.at(-1)!.args).toContain('pirq=55');
  });
});

describe('qemu.pirqFromMsg', () => {
  it('decodes the pirq from the destination id fields of a vector-0 message', () => {
    expect(qemu.pirqFromMsg(xen_msi_compose_msg(55))).toBe(55);
    expect(qemu.pirqFromMsg(xen_msi_compose_msg(0x1ff))).toBe(0x1ff);
    expect(qemu.pirqFromMsg({ address_lo: 0xfee00000, address_hi: 0, data: 0x4331 })).toBe(XEN_PT_UNASSIGNED_PIRQ);
  });
});

describe('qemu.xen_pt_destroy (device_del)', () => {
  it('unbinds and unmaps what is left even in a QEMU that keeps pirqs on disable, then forgets the device', () => {
    const s = sysFor('nvme-hvm', oldQemu);
    xen.PHYSDEVOP_get_free_pirq(s, D);
    enable(s, 55);
    qemu.xen_pt_msixctrl_reg_write(s, D, A, false, false); // old QEMU: still mapped
    expect(s.w.xen.domains[D]!.pirqs[55]!.irq).toBeGreaterThan(0);
    expect(qemu.xen_pt_destroy(s, D, A)).toBe(0);
    expect(results(s, 'XEN_DOMCTL_unbind_pt_irq')).toEqual(['0']);
    expect(results(s, 'PHYSDEVOP_unmap_pirq')).toEqual(['0']);
    expect(s.w.xen.domains[D]!.pirqs[55]).toBeUndefined();
    expect(s.w.qemu[D]!.devices[A]).toBeUndefined();
  });
  it('clears MSI-X ENABLE in the host control word even when no entry has a pirq (xen_pt.c: if (s->msix))', () => {
    const s = sysFor('nvme-hvm', newQemu);
    qemu.xen_pt_msixctrl_reg_write(s, D, A, true, true); // ENABLE|MASKALL: nothing mapped yet
    expect(s.w.hw[A]!.msix.enable).toBe(true);
    expect(qemu.xen_pt_destroy(s, D, A)).toBe(0);
    expect(s.log.calls.map((c) => c.fn)).toContain('xen_pt_msix_disable');
    expect(results(s, 'PHYSDEVOP_unmap_pirq')).toEqual([]);
    expect(s.w.hw[A]!.msix.enable).toBe(false);
    expect(s.w.xen.pdevs[A]!.msix.guest_maskall).toBe(true); // read back from the hardware and written again
  });
  it('with the device model dead it does nothing', () => {
    const s = sysFor('nvme-hvm', newQemu);
    s.w.qemu[D]!.alive = false;
    expect(qemu.xen_pt_destroy(s, D, A)).toBe(-19);
  });
});
