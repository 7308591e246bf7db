import { describe, expect, it } from 'vitest';
import { sysFor, logLines, results } from '../testkit.ts';
import * as guest from './guest.ts';
import * as xen from './xen.ts';
import type { Flags } from '../variants.ts';

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
  it('fails the probe with the kernel message when get_free_pirq has nothing left', () => {
    const s = sys({ guestReuse: 'never' });
    for (let i = 0; i < 8; i++) xen.PHYSDEVOP_get_free_pirq(s, D);
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
