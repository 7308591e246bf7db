/**
 * Models xen/arch/x86/irq.c @ RELEASE-4.12.0: irq allocation (create_irq, destroy_irq), the pirq table
 * (is_free_pirq, get_free_pirq, map_domain_pirq, unmap_domain_pirq, unmap_domain_pirq_emuirq) and the
 * binding of an irq to guests (pirq_guest_bind, __pirq_guest_unbind, pirq_guest_unbind,
 * pirq_guest_force_unbind).
 *
 * Left out: GSI/INTx pirqs, multi-vector MSI (MAP_PIRQ_TYPE_MULTI_MSI), shared irqs, IRQ affinity.
 */
import { ERRNO, IRQ_UNBOUND, PIRQ_ALLOCATED } from '../../types.ts';
import type { Sys } from '../../context.ts';
import { edit, own } from '../../cow.ts';
import { hwEntry } from '../device.ts';
import { pirqInfo, setPirq, type XenDomain, type XenMsiDesc, type D } from './state.ts';
import { __pci_disable_msix } from './msi.ts';

/** is_free_pirq (irq.c @X4.12): no irq and, for HVM, no emuirq. It does not look at evtchn. */
export function isFreePirq(d: XenDomain, p: number): boolean {
  const info = pirqInfo(d, p);
  return info.irq === 0 && (!d.hvm || info.emuirq === IRQ_UNBOUND);
}

/** create_irq (irq.c @X4.12): lowest unused irq at or above nr_irqs_gsi. */
export function create_irq(s: Sys): number {
  for (let i = s.w.xen.nr_irqs_gsi; i < s.w.xen.nr_irqs; i++) {
    if (!s.w.xen.irqs[i]) {
      edit(s, 'xen', 'irqs')[i] = { msi_desc: null, guests: [] };
      return i;
    }
  }
  return -ERRNO.ENOSPC;
}

/** destroy_irq (irq.c @X4.12). */
export function destroy_irq(s: Sys, irq: number): void {
  delete edit(s, 'xen', 'irqs')[irq];
}

/** Models xen/arch/x86/irq.c:pirq_guest_bind @4.12 for an MSI irq (never shared). */
export function pirq_guest_bind(s: Sys, d: D, p: number): number {
  const irq = pirqInfo(d, p).irq;
  if (irq <= 0) return -ERRNO.EINVAL;
  if (!s.w.xen.irqs[irq]) return -ERRNO.EINVAL;
  const desc = edit(s, 'xen', 'irqs', irq);
  if (desc.guests.length > 0) {
    s.log.log(`(XEN) Cannot bind IRQ${p} to dom${d.domid}. Will not share with others.`);
    return -ERRNO.EBUSY;
  }
  desc.guests = [d.domid];
  // desc->handler->startup == startup_msi_irq -> unmask_msi_irq
  s.fn.xen.msi_set_mask_bit(s, irq, false, desc.msi_desc?.guest_masked ?? true);
  return 0;
}

/** Models xen/arch/x86/irq.c:__pirq_guest_unbind @4.12: the last guest gone, ->disable then ->shutdown. */
export function __pirq_guest_unbind(s: Sys, d: D, irq: number): void {
  if (!s.w.xen.irqs[irq]) return;
  const desc = edit(s, 'xen', 'irqs', irq);
  desc.guests = desc.guests.filter((g) => g !== d.domid);
  if (desc.guests.length === 0) {
    s.fn.xen.msi_set_mask_bit(s, irq, true, desc.msi_desc?.guest_masked ?? true); // mask_msi_irq (->disable)
    s.fn.xen.msi_set_mask_bit(s, irq, true, true); // shutdown_msi_irq (->shutdown)
  }
}

/** Models xen/arch/x86/irq.c:pirq_guest_unbind @4.12; a force-unbound pirq (irq < 0) is freed here. */
export function pirq_guest_unbind(s: Sys, d: D, p: number): void {
  const info = pirqInfo(d, p);
  if (info.irq > 0) {
    s.fn.xen.__pirq_guest_unbind(s, d, info.irq);
  } else if (info.irq < PIRQ_ALLOCATED) {
    const irq = -info.irq;
    delete own(s, d, 'irq_pirq')[irq];
    setPirq(s, d, p, { irq: 0 });
  }
}

/** pirq_guest_force_unbind (irq.c @X4.12): unbind d if it is still in the irq's guest list. */
export function pirq_guest_force_unbind(s: Sys, d: D, irq: number): boolean {
  const desc = s.w.xen.irqs[irq];
  if (!desc || !desc.guests.includes(d.domid)) return false;
  s.fn.xen.__pirq_guest_unbind(s, d, irq);
  return true;
}

/** get_free_pirq (irq.c @X4.12), MSI: scans down from nr_pirqs-1 to nr_irqs_gsi. */
export function get_free_pirq(s: Sys, d: D): number {
  for (let p = d.nr_pirqs - 1; p >= s.w.xen.nr_irqs_gsi; p--) if (isFreePirq(d, p)) return p;
  return -ERRNO.ENOSPC;
}

export interface MapPirqArgs {
  readonly domid: number;
  /** The requested pirq; -1 asks Xen to allocate one. */
  readonly pirq: number;
  readonly dev: number;
  readonly entry_nr: number;
  readonly msix: boolean;
}

/**
 * Models xen/arch/x86/irq.c:map_domain_pirq @4.12, MSI types. If the pirq already maps another irq (or
 * the irq another pirq) it warns with dprintk, which release builds do not print, and returns 0 without
 * mapping anything: the silent success at the heart of the cached-pirq bug.
 */
export function map_domain_pirq(s: Sys, d: D, p: number, irq: number, a: MapPirqArgs): number {
  const oldIrq = pirqInfo(d, p).irq;
  const oldPirq = d.irq_pirq[irq] ?? 0;
  if ((oldIrq > 0 && oldIrq !== irq) || (oldPirq !== 0 && oldPirq !== p)) {
    // xenMapPirqConflict: bfc341a65c (Xen 4.0) made this `return 0`; Xen 3.4's map_domain_pirq @3.4.0-rc3
    // prints "dom%d: pirq %d or vector %d already mapped" (dprintk) and returns -EINVAL.
    if (s.flags.xenMapPirqConflict === 'einval') {
      s.log.log(`(XEN) dom${d.domid}: pirq ${p} or vector ${irq} already mapped [dprintk: debug builds only]`);
      return -ERRNO.EINVAL;
    }
    s.log.log(`(XEN) dom${d.domid}: pirq ${p} or irq ${irq} already mapped (${oldPirq},${oldIrq}) [dprintk: debug builds only]`);
    return 0;
  }
  const pdev = s.w.xen.pdevs[a.dev];
  if (!pdev) return -ERRNO.ENODEV;
  // xenMapOwnerCheck: pci_get_pdev_by_domain(d, ...) since 3308374b1b (XSA-237, Xen 4.10); before it
  // pci_get_pdev(bus, devfn) finds the device whoever owns it (map_domain_pirq @3.4.0-rc3).
  if (s.flags.xenMapOwnerCheck && pdev.domain !== d.domid) return -ERRNO.ENODEV;
  let md: XenMsiDesc;
  if (a.msix) {
    // __pci_enable_msix: -EEXIST only if this irq already has an MSI-X descriptor, which a fresh irq never has.
    const rcInit = s.fn.xen.msix_capability_init(s, a.dev, a.entry_nr);
    if (rcInit < 0) return rcInit;
    md = { dev: a.dev, msix: true, entry_nr: a.entry_nr, host_masked: true, guest_masked: true };
  } else {
    md = { dev: a.dev, msix: false, entry_nr: 0, host_masked: true, guest_masked: true };
  }
  if (!s.w.xen.irqs[irq]) return -ERRNO.EINVAL;
  edit(s, 'xen', 'irqs', irq).msi_desc = md;
  // setup_msi_irq: write the physical message for this irq.
  if (s.w.hw[a.dev]) {
    if (a.msix) {
      const e = hwEntry(s, a.dev, a.entry_nr);
      if (e) e.xen_irq = irq;
    } else {
      const msi = edit(s, 'hw', a.dev, 'msi');
      msi.xen_irq = irq;
      msi.enable = true; // msi_capability_init sets PCI_MSI_FLAGS_ENABLE
    }
  }
  own(s, d, 'irq_pirq')[irq] = p;
  setPirq(s, d, p, { irq });
  return 0;
}

/**
 * Models xen/arch/x86/irq.c:unmap_domain_pirq @4.12: force-unbind a still-bound guest (leaving arch.irq
 * negative), disable the MSI(-X) vector, clear the mapping and destroy the irq.
 */
export function unmap_domain_pirq(s: Sys, d: D, p: number): number {
  if (p < 0 || p >= d.nr_pirqs) return -ERRNO.EINVAL;
  const irq = pirqInfo(d, p).irq;
  if (irq <= 0) {
    s.log.log(`(XEN) dom${d.domid}: pirq ${p} not mapped [dprintk: debug builds only]`);
    return -ERRNO.EINVAL;
  }
  const forced = s.fn.xen.pirq_guest_force_unbind(s, d, irq);
  if (forced) s.log.log(`(XEN) dom${d.domid}: forcing unbind of pirq ${p} [dprintk: debug builds only]`);
  const md = s.w.xen.irqs[irq]?.msi_desc ?? null;
  if (md) {
    if (md.msix) s.fn.xen.__pci_disable_msix(s, irq, md);
    else {
      if (s.w.hw[md.dev]) edit(s, 'hw', md.dev, 'msi').enable = false; // __pci_disable_msi
    }
  }
  if (!forced) {
    delete own(s, d, 'irq_pirq')[irq];
    setPirq(s, d, p, { irq: 0 });
  } else {
    own(s, d, 'irq_pirq')[irq] = -p;
    setPirq(s, d, p, { irq: -irq });
  }
  s.fn.xen.destroy_irq(s, irq); // msi_free_irq
  return 0;
}

/** unmap_domain_pirq_emuirq (irq.c @X4.12). */
export function unmap_domain_pirq_emuirq(s: Sys, d: D, p: number): number {
  if (pirqInfo(d, p).emuirq === IRQ_UNBOUND) return -ERRNO.EINVAL;
  setPirq(s, d, p, { emuirq: IRQ_UNBOUND });
  return 0;
}
