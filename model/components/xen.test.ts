import { describe, expect, it } from 'vitest';
import { sysFor, logLines } from '../testkit.ts';
import * as xen from './xen.ts';
import * as qemu from './qemu.ts';
import { ERRNO, IRQ_PT, IRQ_UNBOUND, PIRQ_ALLOCATED } from '../types.ts';

const D = 1; // the guest's domid in nvme-hvm
const A = 0; // device index of 01:00.0

function mapMsix(s: ReturnType<typeof sysFor>, pirq: number, dev = A, entry = 0) {
  return xen.PHYSDEVOP_map_pirq(s, { domid: D, pirq, dev, entry_nr: entry, msix: true });
}

describe('xen.PHYSDEVOP_get_free_pirq', () => {
  it('hands out the highest free pirq and marks it PIRQ_ALLOCATED', () => {
    const s = sysFor();
    expect(xen.PHYSDEVOP_get_free_pirq(s, D)).toBe(55);
    expect(s.w.xen.domains[D]!.pirqs[55]!.irq).toBe(PIRQ_ALLOCATED);
    expect(xen.PHYSDEVOP_get_free_pirq(s, D)).toBe(54);
  });
  it('returns -ENOSPC when every pirq from nr_pirqs-1 down to nr_irqs_gsi is taken', () => {
    const s = sysFor();
    for (let i = 0; i < 8; i++) expect(xen.PHYSDEVOP_get_free_pirq(s, D)).toBe(55 - i);
    expect(xen.PHYSDEVOP_get_free_pirq(s, D)).toBe(-ERRNO.ENOSPC);
  });
});

describe('xen.PHYSDEVOP_map_pirq', () => {
  it('maps a caller-chosen pirq to a fresh irq with an MSI-X descriptor', () => {
    const s = sysFor();
    expect(mapMsix(s, 55)).toBe(55);
    const irq = s.w.xen.domains[D]!.pirqs[55]!.irq;
    expect(irq).toBe(48);
    expect(s.w.xen.irqs[irq]!.msi_desc).toMatchObject({ dev: A, entry_nr: 0, msix: true });
    expect(s.w.xen.pdevs[A]!.msix.used_entries).toBe(2); // pciback's prepare_msix pseudo-entry + this one
    expect(s.w.hw[A]!.msix.entries[0]!.xen_irq).toBe(irq);
  });
  it('returns success without mapping when the pirq already maps another irq, and leaks the new irq', () => {
    const s = sysFor();
    mapMsix(s, 55, A, 0);
    expect(mapMsix(s, 55, 1, 0)).toBe(55);
    expect(s.w.xen.irqs[s.w.xen.domains[D]!.pirqs[55]!.irq]!.msi_desc!.dev).toBe(A);
    expect(s.w.xen.irqs[49]).toEqual({ msi_desc: null, guests: [] });
    expect(logLines(s).join('\n')).toContain('pirq 55 or irq 49 already mapped (0,48)');
    expect(s.w.audit.at(-1)).toMatchObject({ kind: 'map_pirq', rc: 0, pirq: 55, observed: { dev: A } });
  });
  it('allocates top-down when asked for pirq -1', () => {
    const s = sysFor();
    expect(mapMsix(s, -1)).toBe(55);
  });
  it('returns -ENODEV for a device the domain does not own', () => {
    const s = sysFor();
    s.w.xen.pdevs[A]!.domain = 0;
    expect(mapMsix(s, 55)).toBe(-ERRNO.ENODEV);
    expect(s.w.xen.irqs[48]).toBeUndefined();
  });
  it('returns -ENXIO with memory decoding off: writes control & ~ENABLE (MASKALL as read), host_maskall left set (msi.c:msix_capability_init @RELEASE-4.12.0 lines 879-883)', () => {
    const s = sysFor();
    s.w.hw[A]!.command.memory = false;
    s.w.hw[A]!.msix.enable = true;
    s.w.hw[A]!.msix.maskall = false;
    expect(mapMsix(s, 55)).toBe(-ERRNO.ENXIO);
    expect(s.w.xen.pdevs[A]!.msix.host_maskall).toBe(true);
    expect(s.w.hw[A]!.msix.enable).toBe(false);
    expect(s.w.hw[A]!.msix.maskall).toBe(false);
    const t = sysFor();
    t.w.hw[A]!.command.memory = false;
    t.w.hw[A]!.msix.maskall = true;
    expect(mapMsix(t, 55)).toBe(-ERRNO.ENXIO);
    expect(t.w.hw[A]!.msix.maskall).toBe(true);
    expect(t.w.hw[A]!.msix.enable).toBe(false);
  });
  it('returns -ESRCH for a domain that does not exist', () => {
    const s = sysFor();
    expect(xen.PHYSDEVOP_map_pirq(s, { domid: 7, pirq: 55, dev: A, entry_nr: 0, msix: true })).toBe(-ERRNO.ESRCH);
  });
});

describe('xen.PHYSDEVOP_unmap_pirq', () => {
  it('returns -EINVAL for a pirq that is not mapped', () => {
    const s = sysFor();
    expect(xen.PHYSDEVOP_unmap_pirq(s, D, 55)).toBe(-ERRNO.EINVAL);
  });
  it('frees a cleanly unbound pirq and destroys its irq', () => {
    const s = sysFor();
    mapMsix(s, 55);
    expect(xen.PHYSDEVOP_unmap_pirq(s, D, 55)).toBe(0);
    expect(s.w.xen.domains[D]!.pirqs[55]).toBeUndefined();
    expect(s.w.xen.irqs[48]).toBeUndefined();
    expect(s.w.xen.pdevs[A]!.msix.used_entries).toBe(1); // the prepare_msix pseudo-entry stays
    expect(s.w.hw[A]!.msix.entries[0]!.masked).toBe(true);
  });
  it('force-unbinds a still-bound guest and leaves arch.irq negative', () => {
    const s = sysFor();
    mapMsix(s, 55);
    expect(xen.XEN_DOMCTL_bind_pt_irq(s, D, 55, 0)).toBe(0);
    // unbind the dpci without telling QEMU's path: unmap directly while still bound
    const d = s.w.xen.domains[D]!;
    d.pirqs[55] = { ...d.pirqs[55]!, emuirq: IRQ_UNBOUND };
    expect(xen.unmap_domain_pirq(s, d, 55)).toBe(0);
    expect(d.pirqs[55]!.irq).toBe(-48);
    expect(logLines(s).join('\n')).toContain('forcing unbind of pirq 55');
  });
  it('leaves a pirq free while its event channel is still bound (is_free_pirq ignores evtchn)', () => {
    const s = sysFor();
    mapMsix(s, 55);
    xen.XEN_DOMCTL_bind_pt_irq(s, D, 55, 0);
    const port = xen.EVTCHNOP_bind_pirq(s, D, 55);
    expect(port).toBe(1);
    xen.XEN_DOMCTL_unbind_pt_irq(s, D, 55);
    expect(xen.PHYSDEVOP_unmap_pirq(s, D, 55)).toBe(0);
    const d = s.w.xen.domains[D]!;
    expect(xen.isFreePirq(d, 55)).toBe(true);
    expect(xen.pirqInfo(d, 55).evtchn).toBe(1);
  });
});

describe('xen.XEN_DOMCTL_bind_pt_irq', () => {
  it('fails with -EINVAL and rolls back for a pirq that is only PIRQ_ALLOCATED', () => {
    const s = sysFor();
    xen.PHYSDEVOP_get_free_pirq(s, D);
    expect(xen.XEN_DOMCTL_bind_pt_irq(s, D, 55, 0)).toBe(-ERRNO.EINVAL);
    expect(s.w.xen.domains[D]!.pirqs[55]!.dpci).toBeNull();
  });
  it('only updates gvec when the pirq is already MAPPED, whichever device owns it', () => {
    const s = sysFor();
    mapMsix(s, 55);
    xen.XEN_DOMCTL_bind_pt_irq(s, D, 55, 0);
    expect(xen.XEN_DOMCTL_bind_pt_irq(s, D, 55, 0x31)).toBe(0);
    expect(s.w.xen.domains[D]!.pirqs[55]!.dpci).toEqual({ gvec: 0x31 });
    expect(s.w.xen.irqs[48]!.guests).toEqual([D]);
  });
  it('returns -EINVAL for a pirq outside [0, nr_pirqs)', () => {
    const s = sysFor();
    expect(xen.XEN_DOMCTL_bind_pt_irq(s, D, 56, 0)).toBe(-ERRNO.EINVAL);
  });
});

describe('xen.EVTCHNOP_bind_pirq', () => {
  it('records IRQ_PT and unmasks the vector for a mapped pirq of an HVM guest', () => {
    const s = sysFor();
    mapMsix(s, 55);
    xen.XEN_DOMCTL_bind_pt_irq(s, D, 55, 0);
    expect(xen.EVTCHNOP_bind_pirq(s, D, 55)).toBe(1);
    expect(s.w.xen.domains[D]!.pirqs[55]!.emuirq).toBe(IRQ_PT);
    expect(s.w.hw[A]!.msix.entries[0]!.masked).toBe(false);
  });
  it('succeeds for an unmapped pirq of an HVM guest but records no emuirq', () => {
    const s = sysFor();
    xen.PHYSDEVOP_get_free_pirq(s, D);
    expect(xen.EVTCHNOP_bind_pirq(s, D, 55)).toBe(1);
    expect(s.w.xen.domains[D]!.pirqs[55]!.emuirq).toBe(IRQ_UNBOUND);
  });
  it('returns -EEXIST when the pirq already has an event channel', () => {
    const s = sysFor();
    xen.EVTCHNOP_bind_pirq(s, D, 55);
    expect(xen.EVTCHNOP_bind_pirq(s, D, 55)).toBe(-ERRNO.EEXIST);
  });
  it('returns -EPERM for an unmapped pirq of a PV guest (pirq_access_permitted)', () => {
    const s = sysFor();
    s.w.xen.domains[D]!.hvm = false;
    expect(xen.EVTCHNOP_bind_pirq(s, D, 55)).toBe(-ERRNO.EPERM);
  });
});

describe('xen.EVTCHNOP_close', () => {
  it('clears the event channel and the emuirq of a mapped HVM pirq', () => {
    const s = sysFor();
    mapMsix(s, 55);
    xen.XEN_DOMCTL_bind_pt_irq(s, D, 55, 0);
    xen.EVTCHNOP_bind_pirq(s, D, 55);
    expect(xen.EVTCHNOP_close(s, D, 1)).toBe(0);
    const p = s.w.xen.domains[D]!.pirqs[55]!;
    expect(p.evtchn).toBe(0);
    expect(p.emuirq).toBe(IRQ_UNBOUND);
    expect(p.irq).toBe(48);
  });
  it('returns -EINVAL for a port that is not a pirq port', () => {
    const s = sysFor();
    expect(xen.EVTCHNOP_close(s, D, 9)).toBe(-ERRNO.EINVAL);
  });
});

describe('xen.msi_set_mask_bit', () => {
  it('masks the whole function, sets host_maskall and warns once when memory decoding is off', () => {
    const s = sysFor();
    mapMsix(s, 55);
    s.w.hw[A]!.msix.enable = true;
    s.w.hw[A]!.command.memory = false;
    xen.msi_set_mask_bit(s, 48, true, true);
    xen.msi_set_mask_bit(s, 48, true, true);
    expect(s.w.xen.pdevs[A]!.msix.host_maskall).toBe(true);
    expect(s.w.hw[A]!.msix.maskall).toBe(true);
    expect(logLines(s).filter((l) => l.includes('cannot mask IRQ 48'))).toHaveLength(1);
  });
  it('writes the entry mask bit when memory decoding is on', () => {
    const s = sysFor();
    mapMsix(s, 55);
    s.w.hw[A]!.msix.enable = true;
    xen.msi_set_mask_bit(s, 48, false, false);
    expect(s.w.hw[A]!.msix.entries[0]!.masked).toBe(false);
    expect(s.w.xen.pdevs[A]!.msix.host_maskall).toBe(false);
  });
});

describe('xen.pci_msi_conf_write_intercept', () => {
  it('records guest_maskall and forces MASKALL while host_maskall is set', () => {
    const s = sysFor();
    s.w.xen.pdevs[A]!.msix.host_maskall = true;
    xen.pci_msi_conf_write_intercept(s, A, true, false);
    expect(s.w.xen.pdevs[A]!.msix.guest_maskall).toBe(false);
    expect(s.w.hw[A]!.msix.maskall).toBe(true);
  });
});

describe('xen.XEN_DOMCTL_destroydomain', () => {
  it('pci_release_devices unbinds the dpci pirqs while the domain still owns the device, then deassigns it', () => {
    // xen/drivers/passthrough/pci.c:pci_release_devices @4.12: pci_clean_dpci_irqs, then deassign_device.
    const s = sysFor();
    expect(mapMsix(s, 55)).toBe(55);
    expect(xen.XEN_DOMCTL_bind_pt_irq(s, D, 55, 0x30)).toBe(0);
    s.w.hw[A]!.command.memory = false;
    expect(xen.XEN_DOMCTL_destroydomain(s, D)).toBe(0);
    const order = s.log.calls.map((c) => c.fn).filter((f) => ['pci_release_devices', 'pci_clean_dpci_irqs', 'free_domain_pirqs'].includes(f));
    expect(order).toEqual(['pci_release_devices', 'pci_clean_dpci_irqs', 'free_domain_pirqs']);
    const masked = s.w.audit.find((a) => a.kind === 'mask_without_decoding');
    expect(masked).toMatchObject({ fn: 'msi_set_mask_bit', dev: A, owner: D });
    expect(logLines(s).join('\n')).toContain(`masking MSI-X on Dom${D}'s`);
    expect(s.w.xen.pdevs[A]!.domain).toBe(0);
    expect(s.w.xen.domains[D]).toBeUndefined();
  });
});

describe('xen.XEN_DOMCTL_deassign_device', () => {
  it('returns -ENODEV with the domctl printk for a device the domain does not own', () => {
    // deassign_device: pci_get_pdev_by_domain fails -> -ENODEV (drivers/passthrough/pci.c @4.12)
    const s = sysFor();
    s.w.xen.pdevs[A]!.domain = 0;
    expect(xen.XEN_DOMCTL_deassign_device(s, D, A)).toBe(-ERRNO.ENODEV);
    expect(logLines(s)).toContain(`(XEN) deassign 0000:01:00.0 from dom${D} failed (-${ERRNO.ENODEV})`);
  });
});

describe('xen has_pirq (X86_EMU_USE_PIRQ, 024e7131be default off)', () => {
  it('PHYSDEVOP_get_free_pirq is -ENOSYS for an HVM domain without it', () => {
    const s = sysFor('nvme-hvm-vmsi');
    expect(xen.PHYSDEVOP_get_free_pirq(s, D)).toBe(-ERRNO.ENOSYS);
    expect(xen.XENVER_get_features(s, D)).toEqual({ hvm_pirqs: false });
  });
  it('physdev_unmap_pirq skips the emuirq step without has_pirq', () => {
    const s = sysFor('nvme-hvm-vmsi');
    expect(mapMsix(s, -1)).toBe(55);
    s.w.xen.domains[D]!.pirqs[55] = { ...s.w.xen.domains[D]!.pirqs[55]!, emuirq: IRQ_PT };
    expect(xen.PHYSDEVOP_unmap_pirq(s, D, 55)).toBe(0);
    expect(s.w.xen.domains[D]!.pirqs[55]).toMatchObject({ irq: 0, emuirq: IRQ_PT });
  });
  it('with has_pirq it clears emuirq first', () => {
    const s = sysFor('nvme-hvm');
    expect(mapMsix(s, 55)).toBe(55);
    s.w.xen.domains[D]!.pirqs[55] = { ...s.w.xen.domains[D]!.pirqs[55]!, emuirq: IRQ_PT };
    expect(xen.PHYSDEVOP_unmap_pirq(s, D, 55)).toBe(0);
    expect(s.w.xen.domains[D]!.pirqs[55]).toBeUndefined();
  });
});

describe('xen vmsi.c msixtbl intercept', () => {
  const q = { qemuUnmapOnDisable: true, qemuRewriteIfUnassigned: true, qemuLatchMsixTable: true, qemuMsixCommitOnMask: true };
  /** Entry 0 mapped (pirq 55) and bound with gvec 0x22, MSI-X enabled in QEMU. */
  function bound(flags: object = q) {
    const s = sysFor('nvme-hvm-vmsi', flags);
    qemu.xen_pt_msixctrl_reg_write(s, D, A, true, false);
    expect(mapMsix(s, -1)).toBe(55);
    expect(xen.XEN_DOMCTL_bind_pt_irq(s, D, 55, 0x22)).toBe(0);
    const e = s.w.qemu[D]!.devices[A]!.msix.msix_entry;
    s.w.qemu[D]!.devices[A]!.msix = { ...s.w.qemu[D]!.devices[A]!.msix, msix_entry: [{ ...e[0]!, pirq: 55 }, ...e.slice(1)] };
    return s;
  }
  const qemuWrites = (s: ReturnType<typeof sysFor>) => s.log.calls.filter((c) => c.fn === 'pci_msix_write').length;
  it('with no msixtbl entry for the device a vector-control write goes to QEMU', () => {
    const s = sysFor('nvme-hvm-vmsi', q);
    xen.msixtbl_write_vector_ctrl(s, D, A, 0, true);
    expect(qemuWrites(s)).toBe(1);
    expect(s.w.qemu[D]!.devices[A]!.msix.msix_entry[0]!.vector_ctrl).toBe(1);
  });
  it('a mask of a bound entry is applied by Xen and, before 64b21662b1, not forwarded', () => {
    const s = bound();
    xen.msixtbl_write_vector_ctrl(s, D, A, 0, true);
    expect(qemuWrites(s)).toBe(0);
    expect(s.w.xen.irqs[48]!.msi_desc!.guest_masked).toBe(true);
    expect(xen.msixtbl_read_vector_ctrl(s, D, A, 0)).toBe(true);
  });
  it('64b21662b1 (xenMsixtblForwardAll): the same write is applied by Xen and forwarded to QEMU', () => {
    const s = bound({ ...q, xenMsixtblForwardAll: true });
    xen.msixtbl_write_vector_ctrl(s, D, A, 0, true);
    expect(qemuWrites(s)).toBe(1);
    expect(s.w.qemu[D]!.devices[A]!.msix.msix_entry[0]!.vector_ctrl).toBe(1);
  });
  it('an unmask after an address/data write exits to QEMU, then msix_write_completion unmasks', () => {
    const s = bound();
    xen.msixtbl_write(s, D, A, 0, { address_lo: 0xfee00000, address_hi: 0, data: 0x23 });
    expect(s.w.xen.domains[D]!.msixtbl).toEqual({ devices: { [A]: { refcnt: 1, table_flags: 1 } } });
    xen.msixtbl_write_vector_ctrl(s, D, A, 0, false);
    expect(s.w.xen.domains[D]!.msixtbl).toEqual({ devices: { [A]: { refcnt: 1, table_flags: 0 } } });
    expect(s.w.xen.domains[D]!.pirqs[55]!.dpci).toEqual({ gvec: 0x23 }); // QEMU committed and re-bound
    expect(s.w.xen.irqs[48]!.msi_desc!.guest_masked).toBe(false);
  });
  it('a write to an entry with no bound descriptor goes to QEMU', () => {
    const s = bound();
    xen.msixtbl_write_vector_ctrl(s, D, A, 1, true);
    expect(qemuWrites(s)).toBe(1);
  });
  it('ea87662c77 (Xen 4.22): the last unbind of the device frees the msixtbl entry and its table_flags', () => {
    const s = bound({ ...q, xenMsixtblRefcountFixed: true });
    xen.msixtbl_write(s, D, A, 0, { address_lo: 0xfee00000, address_hi: 0, data: 0x23 });
    expect(xen.XEN_DOMCTL_unbind_pt_irq(s, D, 55)).toBe(0);
    expect(s.w.xen.domains[D]!.msixtbl).toBeUndefined();
  });
  it('before ea87662c77 (Xen 3.4 - 4.21) the last unbind keeps the entry (refcnt 0), and the next bind finds it', () => {
    const s = bound();
    expect(xen.XEN_DOMCTL_unbind_pt_irq(s, D, 55)).toBe(0);
    expect(s.w.xen.domains[D]!.msixtbl).toEqual({ devices: { [A]: { refcnt: 0, table_flags: 0 } } });
    expect(xen.XEN_DOMCTL_bind_pt_irq(s, D, 55, 0x22)).toBe(0);
    expect(s.w.xen.domains[D]!.msixtbl).toEqual({ devices: { [A]: { refcnt: 1, table_flags: 0 } } });
  });
  /** Entries 0 and 1 mapped (pirqs 55, 54) and bound. */
  function twoBound(flags: object) {
    const s = bound(flags);
    expect(mapMsix(s, -1, A, 1)).toBe(54);
    expect(xen.XEN_DOMCTL_bind_pt_irq(s, D, 54, 0x23)).toBe(0);
    expect(s.w.xen.domains[D]!.msixtbl).toEqual({ devices: { [A]: { refcnt: 2, table_flags: 0 } } });
    return s;
  }
  it('before ea87662c77 an unbind that leaves another pirq of the device bound deletes the entry: the bound vector\'s mask write then goes to QEMU only', () => {
    const s = twoBound(q);
    expect(xen.XEN_DOMCTL_unbind_pt_irq(s, D, 55)).toBe(0);
    expect(s.w.xen.domains[D]!.msixtbl).toBeUndefined();
    const before = s.w.xen.irqs[49]!.msi_desc!.guest_masked;
    xen.msixtbl_write_vector_ctrl(s, D, A, 1, !before);
    expect(s.w.xen.irqs[49]!.msi_desc!.guest_masked).toBe(before);
    expect(s.log.calls.filter((c) => c.fn === 'msixtbl_write').at(-1)!.result).toBe('device model');
  });
  it('with ea87662c77 the entry stays for the pirq still bound, and Xen applies its mask', () => {
    const s = twoBound({ ...q, xenMsixtblRefcountFixed: true });
    expect(xen.XEN_DOMCTL_unbind_pt_irq(s, D, 55)).toBe(0);
    expect(s.w.xen.domains[D]!.msixtbl).toEqual({ devices: { [A]: { refcnt: 1, table_flags: 0 } } });
    const before = s.w.xen.irqs[49]!.msi_desc!.guest_masked;
    xen.msixtbl_write_vector_ctrl(s, D, A, 1, !before);
    expect(s.w.xen.irqs[49]!.msi_desc!.guest_masked).toBe(!before);
  });
  it('deliver(): with emuirq IRQ_UNBOUND a native-path caller gets the vMSI vector, a pirq-path caller a non-delivery', () => {
    const s = bound();
    xen.guest_mask_msi_irq(s, 48, false);
    s.w.hw[A]!.msix = { ...s.w.hw[A]!.msix, enable: true, maskall: false };
    expect(xen.deliver(s.w.xen, s.w.hw[A], A, 0, true, true)).toMatchObject({ ok: true, gvec: 0x22, pirq: 55 });
    expect(xen.deliver(s.w.xen, s.w.hw[A], A, 0, true)).toMatchObject({ ok: false });
  });
});
