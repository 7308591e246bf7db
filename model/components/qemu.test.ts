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
    expect(logLines(s)).toContain('[00:04.0] msi_msix_update: Updating of MSI-X failed. (rc: -1)');
    expect(entry(s)).toMatchObject({ pirq: XEN_PT_UNASSIGNED_PIRQ, updated: true });
  });
  it('3782f60d20 (qemuLogErrno, QEMU 2.4): the same failure logs errno', () => {
    const s = sysFor('nvme-hvm', { ...oldQemu, qemuLogErrno: true });
    xen.PHYSDEVOP_get_free_pirq(s, D);
    enable(s, 55);
    qemu.xen_pt_msixctrl_reg_write(s, D, A, false, false);
    xen.PHYSDEVOP_get_free_pirq(s, D);
    enable(s, 54);
    expect(logLines(s)).toContain('[00:04.0] msi_msix_update: Updating of MSI-X failed. (err: 22)');
  });
  it('01d152c0bf (qemuLogPlainHex, QEMU 6.0): vector and entry 0 print as 0x0 where %#x printed 0', () => {
    for (const plain of [false, true]) {
      const s = sysFor('nvme-hvm', { ...oldQemu, qemuLogErrno: true, qemuLogPlainHex: plain });
      xen.PHYSDEVOP_get_free_pirq(s, D);
      enable(s, 55);
      const z = plain ? '0x0' : '0';
      expect(logLines(s)).toContain(`[00:04.0] msi_msix_setup: requested pirq 55 for MSI-X (vec: ${z}, entry: ${z}) [XEN_PT_LOG]`);
      // gflags (msi_gflags): destination id 0x37 (pirq 55's low byte), delivery mode 3 of XEN_PIRQ_MSI_DATA.
      expect(logLines(s)).toContain(`[00:04.0] msi_msix_update: Updating MSI-X with pirq 55 gvec ${z} gflags 0x3037 (entry: ${z}) [XEN_PT_LOG]`);
    }
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

describe('qemu >= 2.6 latch (qemuLatchMsixTable, f0ada3608ac1)', () => {
  const latch = { ...newQemu, qemuLogErrno: true, qemuLatchMsixTable: true, qemuMsixCommitOnMask: true };
  /** The device's entry 0 enabled, mapped and bound to pirq 55 by a pirq guest, then unmasked in hardware. */
  function bound(flags: object) {
    const s = sysFor('nvme-hvm', flags);
    xen.PHYSDEVOP_get_free_pirq(s, D);
    enable(s, 55);
    s.w.hw[A]!.msix.entries[0] = { ...s.w.hw[A]!.msix.entries[0]!, masked: false };
    return s;
  }
  it('up to 2.5: a write to an enabled, unmasked entry is refused', () => {
    const s = bound(newQemu);
    qemu.pci_msix_write(s, D, A, 0, xen_msi_compose_msg(54));
    expect(results(s, 'pci_msix_write').at(-1)).toBe('refused');
  });
  it('latches the same write instead, to commit at the next unmask or enable', () => {
    const s = bound(latch);
    qemu.pci_msix_write(s, D, A, 0, xen_msi_compose_msg(54));
    expect(results(s, 'pci_msix_write').at(-1)).toBe('latched, updated=true');
    expect(entry(s)).toMatchObject({ data: 0x4300, updated: true, committed: { addr_lo: 0xfee37000 } });
  });
  it('an unmask of an updated entry with the hardware entry unmasked and no MASKALL re-binds the old committed message', () => {
    const s = bound(latch);
    qemu.pci_msix_write(s, D, A, 0, { ...xen_msi_compose_msg(55), data: 0x4301 });
    qemu.pci_msix_write_vector_ctrl(s, D, A, 0, false);
    expect(entry(s).committed).toMatchObject({ data: 0x4300 });
    expect(entry(s).updated).toBe(false);
  });
  it('without qemuMsixCommitOnMask (pre-2.6 update_one) the entry\'s own message is bound, whatever the masks', () => {
    const s = bound({ ...latch, qemuMsixCommitOnMask: false });
    qemu.pci_msix_write(s, D, A, 0, { ...xen_msi_compose_msg(55), data: 0x4301 });
    qemu.pci_msix_write_vector_ctrl(s, D, A, 0, false);
    expect(entry(s).committed).toBeUndefined();
    expect(s.log.calls.filter((c) => c.fn === 'XEN_DOMCTL_bind_pt_irq')).toHaveLength(2);
  });
  it('the same unmask with the hardware entry masked commits the latched message', () => {
    const s = bound(latch);
    s.w.hw[A]!.msix.entries[0] = { ...s.w.hw[A]!.msix.entries[0]!, masked: true };
    qemu.pci_msix_write(s, D, A, 0, { ...xen_msi_compose_msg(55), data: 0x4301 });
    qemu.pci_msix_write_vector_ctrl(s, D, A, 0, false);
    expect(entry(s).committed).toMatchObject({ data: 0x4301 });
  });
  it('a mask write, or an unmask of an entry not updated, is only latched', () => {
    const s = bound(latch);
    const n = s.log.calls.length;
    qemu.pci_msix_write_vector_ctrl(s, D, A, 0, true);
    expect(entry(s).vector_ctrl).toBe(1);
    qemu.pci_msix_write_vector_ctrl(s, D, A, 0, false);
    expect(s.log.calls.slice(n).map((c) => c.fn)).toEqual(['pci_msix_write', 'pci_msix_write']);
    expect(entry(s).vector_ctrl).toBeUndefined();
  });
  it('up to 2.5: any unmask while enabled runs xen_pt_msix_update_one', () => {
    const s = bound(newQemu);
    qemu.pci_msix_write(s, D, A, 0, { ...xen_msi_compose_msg(55), data: 0x4301 });
    s.w.hw[A]!.msix.entries[0] = { ...s.w.hw[A]!.msix.entries[0]!, masked: true };
    qemu.pci_msix_write(s, D, A, 0, { ...xen_msi_compose_msg(55), data: 0x4301 });
    const binds = results(s, 'XEN_DOMCTL_bind_pt_irq').length;
    qemu.pci_msix_write_vector_ctrl(s, D, A, 0, false);
    expect(results(s, 'XEN_DOMCTL_bind_pt_irq')).toHaveLength(binds + 1);
  });
});

describe('qemu.msi_msix_update with qemuBindUnmasked (QEMU 2.11)', () => {
  it('binds an unmasked entry with XEN_DOMCTL_VMSI_X86_UNMASKED, so Xen unmasks it at bind (69d99d1b22)', () => {
    const s = sysFor('nvme-hvm', { ...newQemu, qemuLogErrno: true, qemuLatchMsixTable: true, qemuMsixCommitOnMask: true, qemuBindUnmasked: true });
    xen.PHYSDEVOP_get_free_pirq(s, D);
    enable(s, 55); // vector control latched 0: unmasked
    expect(s.log.calls.find((c) => c.fn === 'XEN_DOMCTL_bind_pt_irq')!.args).toContain('gflags=XEN_DOMCTL_VMSI_X86_UNMASKED');
    expect(s.w.xen.irqs[48]!.msi_desc!.guest_masked).toBe(false);
  });
  it('without it (or for a masked entry) the bind leaves the guest mask as it was', () => {
    const s = sysFor('nvme-hvm', { ...newQemu, qemuLogErrno: true, qemuLatchMsixTable: true, qemuMsixCommitOnMask: true });
    xen.PHYSDEVOP_get_free_pirq(s, D);
    enable(s, 55);
    expect(s.log.calls.find((c) => c.fn === 'XEN_DOMCTL_bind_pt_irq')!.args).not.toContain('UNMASKED');
    expect(s.w.xen.irqs[48]!.msi_desc!.guest_masked).toBe(true);
  });
});
