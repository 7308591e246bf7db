import { describe, expect, it } from 'vitest';
import { sysFor, logLines, results } from '../testkit.ts';
import * as guest from './guest.ts';
import * as xen from './xen.ts';
import type { Flags } from '../variants.ts';
import { findInvariant } from '../invariants.ts';
import { MANAGED_IRQ_SHUTDOWN_VECTOR } from './guest.ts';

const D = 1;
const A = 0;
const B = 1;

/** Enable one vector on `dev`, request it, free it and disable MSI-X (the NVMe probe). */
function probe(s: ReturnType<typeof sysFor>, dev: number) {
  guest.pci_enable_msix(s, D, dev, 1);
  guest.pci_msix_clear_and_set_ctrl(s, D, dev);
  guest.request_irq(s, D, dev, 0);
  guest.free_irq(s, D, dev, 0);
  guest.pci_disable_msix(s, D, dev);
}

function sys(f: Partial<Flags>) {
  return sysFor('nvme-hvm', { qemuUnmapOnDisable: true, qemuRewriteIfUnassigned: true, ...f });
}

describe('guest.pci_enable_msix on the pirq path: the order of msix_capability_init', () => {
  const today: Partial<Flags> = { guestReuse: 'never', guestXenMsiIrqdomain: true, guestMsixEarlyEnable: true, guestMsixMaskForUpdate: true, guestPirqMsixMasking: 'none' };
  const order = (s: ReturnType<typeof sysFor>) =>
    s.log.calls.filter((c) => c.fn === 'xen_pt_msixctrl_reg_write' || c.fn === 'PHYSDEVOP_get_free_pirq').map((c) => (c.fn === 'PHYSDEVOP_get_free_pirq' ? 'get_free_pirq' : c.args));
  it('438553958ba1 (guestMsixEarlyEnable): ENABLE|MASKALL before the pirqs are allocated and the messages written', () => {
    const s = sys(today);
    expect(guest.pci_enable_msix(s, D, A, 2)).toBe(2);
    expect(order(s)).toEqual(['MSIX_FLAGS ENABLE=1 MASKALL=1', 'get_free_pirq', 'get_free_pirq']);
    expect(s.w.qemu[D]!.devices[A]!.msix).toMatchObject({ enabled: true, maskall: true });
  });
  it('before it (v4.4 order): the messages first, then ENABLE|MASKALL', () => {
    const s = sys({ ...today, guestMsixEarlyEnable: false });
    guest.pci_enable_msix(s, D, A, 2);
    expect(order(s)).toEqual(['get_free_pirq', 'get_free_pirq', 'MSIX_FLAGS ENABLE=1 MASKALL=1']);
  });
  it('a failed setup with the early enable clears ENABLE|MASKALL after freeing the irqs (out_disable)', () => {
    const s = sys(today);
    // Every MSI pirq of the window taken: PHYSDEVOP_get_free_pirq fails with -ENOSPC.
    for (let i = 0; i < 8; i++) expect(xen.PHYSDEVOP_get_free_pirq(s, D)).toBeGreaterThan(0);
    expect(guest.pci_enable_msix(s, D, A, 1)).toBe(-19);
    expect(order(s).filter((x) => x !== 'get_free_pirq')).toEqual(['MSIX_FLAGS ENABLE=1 MASKALL=1', 'MSIX_FLAGS ENABLE=0 MASKALL=0']);
    expect(s.w.qemu[D]!.devices[A]!.msix).toMatchObject({ enabled: false, maskall: false });
    expect(s.w.guests[D]!.devices[A]!.msix_enabled).toBe(false);
  });
  it('on a QEMU before the latch (f0ada3608ac1) the early enable makes a re-enable\'s message write refused', () => {
    const s = sysFor('nvme-hvm', { ...today, qemuUnmapOnDisable: false });
    probe(s, A);
    guest.pci_enable_msix(s, D, A, 2);
    expect(logLines(s)).toContain("[00:04.0] pci_msix_write: Can't update msix entry 0 since MSI-X is already enabled.");
  });
});

describe('guest.xen_hvm_setup_msi_irqs (via pci_enable_msix)', () => {
  it('allocates with PHYSDEVOP_get_free_pirq and writes the composed message', () => {
    const s = sys({ guestReuse: 'never' });
    expect(guest.pci_enable_msix(s, D, A, 1)).toBe(1);
    expect(results(s, 'PHYSDEVOP_get_free_pirq')).toEqual(['0, pirq=55']);
    expect(s.w.qemu[D]!.devices[A]!.msix.msix_entry[0]).toMatchObject({ addr_lo: 0xfee37000, data: 0x4300, updated: true });
    expect(Object.values(s.w.guests[D]!.irqs)).toMatchObject([{ irq: 24, pirq: 55, dev: A, entry: 0 }]);
  });
  it('c74fd80f: allocates again after a disable even though the message names a pirq', () => {
    const s = sys({ guestReuse: 'never' });
    probe(s, A);
    guest.pci_enable_msix(s, D, A, 1);
    expect(results(s, 'PHYSDEVOP_get_free_pirq')).toHaveLength(2);
  });
  it('2.6.37/38 (ever-bound): reuses a cached pirq the guest once bound, without allocating or writing', () => {
    const s = sys({ guestReuse: 'ever-bound' });
    probe(s, A);
    guest.pci_enable_msix(s, D, A, 1);
    expect(results(s, 'PHYSDEVOP_get_free_pirq')).toHaveLength(1);
    expect(logLines(s)).toContain('nvme 0000:00:04.0: xen: msi already bound to pirq=55 [dev_dbg]');
    expect(s.w.audit.at(-1)).toMatchObject({ kind: 'guest_reuse', pirq: 55 });
  });
  it('2.6.39-4.10 (live-irq): allocates when no live irq holds the cached pirq', () => {
    const s = sys({ guestReuse: 'live-irq' });
    probe(s, A);
    guest.pci_enable_msix(s, D, A, 1);
    expect(results(s, 'PHYSDEVOP_get_free_pirq')).toHaveLength(2);
  });
  it('2.6.39-4.10 (live-irq): reuses the cached pirq when another device\'s live irq holds it', () => {
    const s = sys({ guestReuse: 'live-irq' });
    probe(s, A); // A's message names 55, now free
    guest.pci_enable_msix(s, D, B, 1); // B gets 55
    guest.pci_enable_msix(s, D, A, 1);
    expect(logLines(s)).toContain('nvme 0000:00:04.0: xen: msi already bound to pirq=55 [dev_dbg]');
  });
  it('fails the probe with the 4.11-5.9 kernel message when get_free_pirq has nothing left', () => {
    const s = sys({ guestReuse: 'never' });
    for (let i = 0; i < 8; i++) xen.PHYSDEVOP_get_free_pirq(s, D);
    expect(guest.pci_enable_msix(s, D, A, 1)).toBe(-19);
    expect(logLines(s)).toContain('nvme 0000:00:04.0: Xen PCI frontend has not registered MSI/MSI-X support!');
    expect(s.w.guests[D]!.devices[A]!.msix_enabled).toBe(false);
  });
  it('5.10 irqdomain (guestXenMsiIrqdomain): "Failed to create MSI-X! ret=-ENODEV!" and an ExtINT message', () => {
    const s = sys({ guestReuse: 'never', guestXenMsiIrqdomain: true });
    expect(guest.pci_enable_msix(s, D, B, 1)).toBe(1);
    expect(s.w.qemu[D]!.devices[B]!.msix.msix_entry[0]).toMatchObject({ data: 0x700 });
    for (let i = 0; i < 7; i++) xen.PHYSDEVOP_get_free_pirq(s, D);
    expect(guest.pci_enable_msix(s, D, A, 1)).toBe(-19);
    expect(logLines(s)).toContain('nvme 0000:00:04.0: Failed to create MSI-X! ret=-ENODEV!');
    expect(s.w.guests[D]!.devices[A]!.msix_enabled).toBe(false);
    expect(s.w.guests[D]!.devices[A]!.driver.stage).toBe('idle');
  });
});

describe('guest.request_irq / free_irq', () => {
  it('binds an event channel on request and closes it on free', () => {
    const s = sys({ guestReuse: 'never' });
    guest.pci_enable_msix(s, D, A, 1);
    guest.pci_msix_clear_and_set_ctrl(s, D, A);
    guest.request_irq(s, D, A, 0);
    expect(s.w.guests[D]!.irqs[24]).toMatchObject({ evtchn: 1, requested: true });
    guest.free_irq(s, D, A, 0);
    expect(s.w.guests[D]!.irqs[24]).toMatchObject({ evtchn: 0, requested: false });
    expect(results(s, 'EVTCHNOP_close')).toEqual(['0']);
  });
  it('warns "Failed to obtain physical IRQ" with the Linux irq and keeps going when the bind fails', () => {
    const s = sys({ guestReuse: 'never' });
    guest.pci_enable_msix(s, D, A, 1);
    xen.EVTCHNOP_bind_pirq(s, D, 55); // someone else already has an event channel on 55
    guest.request_irq(s, D, A, 0);
    expect(logLines(s)).toContain('Failed to obtain physical IRQ 24');
    expect(s.w.guests[D]!.irqs[24]).toMatchObject({ evtchn: 0, requested: true });
  });
});

describe('guest.pci_disable_msix', () => {
  it('clears ENABLE through QEMU and drops the irq_info records without unmapping (HVM)', () => {
    const s = sys({ guestReuse: 'never', qemuUnmapOnDisable: false });
    probe(s, A);
    expect(Object.keys(s.w.guests[D]!.irqs)).toEqual([]);
    expect(s.w.guests[D]!.pirq_to_irq[55]).toBe(24);
    expect(s.w.xen.domains[D]!.pirqs[55]!.irq).toBe(48);
    expect(s.w.guests[D]!.devices[A]!.driver.stage).toBe('probe-disabled');
  });
});

describe('guest.pci_xen_hvm_init', () => {
  it('takes the Xen pirq MSI ops when XENFEAT_hvm_pirqs is offered and the host has no APIC virtualization', () => {
    expect(guest.pci_xen_hvm_init(true, false)).toBe('xen-pirq');
  });
  it('takes the native irqdomain without XENFEAT_hvm_pirqs (024e7131be default)', () => {
    expect(guest.pci_xen_hvm_init(false, false)).toBe('native');
  });
  it('takes the native irqdomain with APIC virtualization even when the feature is offered', () => {
    expect(guest.pci_xen_hvm_init(true, true)).toBe('native');
  });
  it('the vMSI scenario boots a native guest on a domain without X86_EMU_USE_PIRQ', () => {
    const s = sysFor('nvme-hvm-vmsi');
    expect(s.w.guests[D]!.msi_ops).toBe('native');
    expect(s.w.xen.domains[D]!.use_pirq).toBe(false);
  });
});

/** The native path's calls and their arguments, in order. */
const calls = (s: ReturnType<typeof sysFor>) => s.log.calls.map((c) => `${c.fn}(${c.args})`);

describe('guest native MSI-X path (x86 PCI/MSI irqdomain)', () => {
  const today = { guestXenMsiIrqdomain: true, guestMsixEarlyEnable: true, guestMsixMaskForUpdate: true, qemuLatchMsixTable: true, qemuMsixCommitOnMask: true, qemuUnmapOnDisable: true, qemuRewriteIfUnassigned: true };
  it('438553958ba1 (guestMsixEarlyEnable): ENABLE|MASKALL before the early message, no hypercall from the guest', () => {
    const s = sysFor('nvme-hvm-vmsi', today);
    expect(guest.pci_enable_msix(s, D, A, 1)).toBe(1);
    const c = calls(s);
    expect(c.findIndex((x) => x.startsWith('xen_pt_msixctrl_reg_write(MSIX_FLAGS ENABLE=1 MASKALL=1'))).toBeLessThan(c.findIndex((x) => x.includes('data=0xef')));
    expect(results(s, 'PHYSDEVOP_get_free_pirq')).toEqual([]);
    expect(results(s, 'EVTCHNOP_bind_pirq')).toEqual([]);
    // QEMU's latch read "unmasked", so the message was bracketed; the unmask made QEMU map (pirq -1) and bind.
    expect(c.filter((x) => x.startsWith('PHYSDEVOP_map_pirq'))[0]).toContain('pirq=-1');
    expect(results(s, 'XEN_DOMCTL_bind_pt_irq')).toEqual(['0']);
    expect(s.log.calls.find((x) => x.fn === 'XEN_DOMCTL_bind_pt_irq')!.args).toContain('gvec=0xef');
  });
  it('before 438553958ba1: the early message is written with MSI-X disabled, ENABLE|MASKALL after it', () => {
    const s = sysFor('nvme-hvm-vmsi', { ...today, guestMsixEarlyEnable: false });
    guest.pci_enable_msix(s, D, A, 1);
    const c = calls(s);
    expect(c.findIndex((x) => x.startsWith('xen_pt_msixctrl_reg_write(MSIX_FLAGS ENABLE=1 MASKALL=1'))).toBeGreaterThan(c.findIndex((x) => x.includes('data=0xef')));
    expect(results(s, 'PHYSDEVOP_map_pirq')).toEqual([]); // QEMU maps at the MASKALL clear
    guest.pci_msix_clear_and_set_ctrl(s, D, A);
    expect(results(s, 'PHYSDEVOP_map_pirq')).toEqual(['0, pirq=55']);
  });
  it('da181dc974ad (guestMsixMaskForUpdate): a message for an entry Linux believes unmasked is bracketed by mask/unmask', () => {
    const s = sysFor('nvme-hvm-vmsi', today);
    guest.pci_write_msg_msix(s, D, A, 0, guest.nativeMsiMsg(0x30), false);
    expect(calls(s).filter((x) => x.startsWith('msixtbl_write') || x.startsWith('pci_msix_write'))).toEqual([
      'msixtbl_write(mask entry 0 (vector control))',
      'pci_msix_write(entry=0 VECTOR_CTRL=MASKBIT)',
      'pci_msix_write(entry=0 addr=0x0:0xfee00000 data=0x30)',
      'msixtbl_write(unmask entry 0 (vector control))',
      'pci_msix_write(entry=0 VECTOR_CTRL=0)',
    ]);
  });
  it('without da181dc974ad the message is written alone', () => {
    const s = sysFor('nvme-hvm-vmsi', { ...today, guestMsixMaskForUpdate: false });
    guest.pci_write_msg_msix(s, D, A, 0, guest.nativeMsiMsg(0x30), false);
    expect(calls(s)).toEqual(['pci_msix_write(entry=0 addr=0x0:0xfee00000 data=0x30)']);
  });
  it('request_irq writes the final vector and unmasks: QEMU re-binds the same pirq with it; free_irq masks and writes a zero message', () => {
    const s = sysFor('nvme-hvm-vmsi', today);
    guest.pci_enable_msix(s, D, A, 1);
    guest.pci_msix_clear_and_set_ctrl(s, D, A);
    guest.request_irq(s, D, A, 0);
    const irq = s.w.guests[D]!.native_irqs![24]!;
    expect(irq).toMatchObject({ requested: true, vector: 0x22, msix_ctrl_masked: false });
    expect(s.w.xen.domains[D]!.pirqs[55]!.dpci).toEqual({ gvec: 0x22 });
    expect(s.w.hw[A]!.msix.entries[0]!.masked).toBe(false);
    guest.free_irq(s, D, A, 0);
    expect(s.w.hw[A]!.msix.entries[0]!.masked).toBe(true);
    expect(s.w.qemu[D]!.devices[A]!.msix.msix_entry[0]).toMatchObject({ data: 0, updated: true, pirq: 55 });
    expect(s.w.xen.domains[D]!.pirqs[55]!.dpci).toEqual({ gvec: 0x22 }); // nothing re-bound at free
  });
  it('pci_disable_msix masks the entries, clears ENABLE (QEMU unbinds and unmaps) and frees the irqs', () => {
    const s = sysFor('nvme-hvm-vmsi', today);
    guest.pci_enable_msix(s, D, A, 1);
    guest.pci_msix_clear_and_set_ctrl(s, D, A);
    guest.request_irq(s, D, A, 0);
    guest.free_irq(s, D, A, 0);
    guest.pci_disable_msix(s, D, A);
    expect(results(s, 'PHYSDEVOP_unmap_pirq')).toEqual(['0']);
    expect(s.w.guests[D]!.native_irqs).toEqual({});
    expect(s.w.xen.domains[D]!.pirqs[55]).toBeUndefined();
  });
});

describe('enabled-vector-delivers on the native path (a vMSI with the irq\'s vector)', () => {
  const today = { guestXenMsiIrqdomain: true, guestMsixEarlyEnable: true, guestMsixMaskForUpdate: true, qemuLatchMsixTable: true, qemuMsixCommitOnMask: true, qemuUnmapOnDisable: true, qemuRewriteIfUnassigned: true };
  const inv = findInvariant('enabled-vector-delivers')!;
  function running() {
    const s = sysFor('nvme-hvm-vmsi', today);
    guest.pci_enable_msix(s, D, A, 1);
    guest.pci_msix_clear_and_set_ctrl(s, D, A);
    guest.request_irq(s, D, A, 0);
    return s;
  }
  it('holds when QEMU bound the vector the irq uses and the entry is unmasked', () => {
    expect(inv.check(running().w)).toBeUndefined();
  });
  it('is violated when Xen injects another vector than the irq uses (gvec of a stale bind)', () => {
    const s = running();
    s.w.xen.domains[D]!.pirqs[55] = { ...s.w.xen.domains[D]!.pirqs[55]!, dpci: { gvec: MANAGED_IRQ_SHUTDOWN_VECTOR } };
    expect(inv.check(s.w)?.text).toBe('an interrupt from 01:00.0 MSI-X entry 0 reaches dom1 as vector 0xef (pirq 55), not guest irq 24 of dom1, which uses vector 0x22.');
  });
  it('is violated when the entry stays masked in hardware', () => {
    const s = running();
    xen.guest_mask_msi_irq(s, 48, true);
    expect(inv.check(s.w)?.text).toContain('never reaches guest irq 24 of dom1 (vector 0x22, native MSI): MSI-X entry 0 is masked in hardware');
  });
});
