/**
 * Models xen/arch/x86/physdev.c @ RELEASE-4.12.0: PHYSDEVOP_map_pirq (physdev_map_pirq ->
 * allocate_and_map_msi_pirq), PHYSDEVOP_unmap_pirq (physdev_unmap_pirq), PHYSDEVOP_get_free_pirq and
 * PHYSDEVOP_prepare_msix / PHYSDEVOP_release_msix.
 *
 * Left out: XSM checks (every caller is privileged enough), MAP_PIRQ_TYPE_GSI, the table_base check.
 */
import { ERRNO, IRQ_UNBOUND, PIRQ_ALLOCATED } from '../../types.ts';
import type { Sys } from '../../context.ts';
import { own } from '../../cow.ts';
import { pushAudit } from '../device.ts';
import { pirqInfo, setPirq, dom, pdevName, rcStr, has_pirq } from './state.ts';
import { type MapPirqArgs } from './irq.ts';

/**
 * Models xen/arch/x86/physdev.c:physdev_map_pirq and irq.c:allocate_and_map_msi_pirq/allocate_pirq @4.12
 * for MAP_PIRQ_TYPE_MSI with index -1 (QEMU and dom0 always pass it). A caller-chosen pirq is not checked
 * for being in use; the irq created for a map that silently did nothing is not destroyed (it leaks).
 */
export function PHYSDEVOP_map_pirq(s: Sys, a: MapPirqArgs): number {
  const res = s.log.call('xen', 'PHYSDEVOP_map_pirq', `domid=${a.domid} type=MSI index=-1 pirq=${a.pirq} ${pdevName(s, a.dev)} entry_nr=${a.msix ? a.entry_nr : 0}${a.msix ? ' table_base' : ''}`, () => {
    const d = dom(s, a.domid);
    if (!d) return -ERRNO.ESRCH;
    const irq = s.fn.xen.create_irq(s);
    if (irq < 0) {
      s.log.log(`(XEN) dom${d.domid}: can't create irq for msi!`);
      return -ERRNO.EINVAL;
    }
    // allocate_pirq
    let p = a.pirq;
    const current = d.irq_pirq[irq] ?? 0;
    if (p < 0 && current) {
      // allocate_pirq @RELEASE-4.12.0 lines 2576-2582: "already mapped", -EBUSY for a negative (force-unbound)
      // current pirq; for a positive one the caller's -1 comes back (0762e2502f) unless xenAllocPirqReturnsCurrent
      // (0d2b87b5ad, Xen 4.19: `pirq = current_pirq;`, then mapped). allocate_and_map_msi_pirq's `done:`
      // destroys the irq it created on any error.
      if (current > 0 && s.flags.xenAllocPirqReturnsCurrent) p = current;
      else {
        s.fn.xen.destroy_irq(s, irq);
        return current < 0 ? -ERRNO.EBUSY : p;
      }
    } else if (p < 0) {
      p = s.fn.xen.get_free_pirq(s, d);
      if (p < 0) {
        s.log.log(`(XEN) dom${d.domid}: no free pirq`);
        s.fn.xen.destroy_irq(s, irq);
        return p;
      }
    } else if (p >= d.nr_pirqs) {
      s.fn.xen.destroy_irq(s, irq);
      return -ERRNO.EINVAL;
    } else if (current && p !== current) {
      s.fn.xen.destroy_irq(s, irq);
      return -ERRNO.EEXIST;
    }
    const ret = s.fn.xen.map_domain_pirq(s, d, p, irq, a);
    if (ret !== 0) {
      s.fn.xen.destroy_irq(s, irq);
      return ret;
    }
    return p;
  }, (v) => (v >= 0 ? `0, pirq=${v}` : rcStr(v)));
  // What Xen's tables say right after the call, for map-success-means-mapped.
  let observed: { dev: number; entry: number; msix: boolean } | null = null;
  const dAfter = s.w.xen.domains[a.domid];
  if (res >= 0 && dAfter) {
    const md = s.w.xen.irqs[pirqInfo(dAfter, res).irq]?.msi_desc;
    if (md) observed = { dev: md.dev, entry: md.entry_nr, msix: md.msix };
  }
  pushAudit(s, {
    kind: 'map_pirq',
    domid: a.domid,
    dev: a.dev,
    entry: a.msix ? a.entry_nr : 0,
    msix: a.msix,
    requested: a.pirq,
    rc: res >= 0 ? 0 : res,
    pirq: res,
    observed,
  });
  return res;
}

/**
 * Models xen/arch/x86/physdev.c:physdev_unmap_pirq @4.12 (same @RELEASE-4.22.0), called by a device model or
 * dom0. The emuirq step runs only `if ( is_hvm_domain(d) && has_pirq(d) )`: a domain created without
 * X86_EMU_USE_PIRQ (024e7131be's default) goes straight to unmap_domain_pirq.
 */
export function PHYSDEVOP_unmap_pirq(s: Sys, domid: number, p: number): number {
  return s.log.call('xen', 'PHYSDEVOP_unmap_pirq', `domid=${domid} pirq=${p}`, () => {
    const d = dom(s, domid);
    if (!d) return -ERRNO.ESRCH;
    // physdev_unmap_pirq: for an HVM target the emuirq binding goes first (unmap_domain_pirq_emuirq),
    // before unmap_domain_pirq, where chao-v6 changes things.
    if (d.hvm && has_pirq(d) && pirqInfo(d, p).emuirq !== IRQ_UNBOUND) {
      const r = s.fn.xen.unmap_domain_pirq_emuirq(s, d, p);
      if (r) return r;
    }
    const forced = d.forced[p];
    if (forced?.unmapped) {
      // chao-v6: a request from QEMU/pciback for a pirq Xen already unmapped clears the flag and frees it;
      // Roger Pau Monne's suggestion answers -ESRCH so dom0's xen_destroy_irq treats it as gone.
      delete own(s, d, 'forced')[p];
      return s.flags.xenForceUnmappedRc === 'esrch' ? -ERRNO.ESRCH : 0;
    }
    return s.fn.xen.unmap_domain_pirq(s, d, p);
  });
}

/**
 * Models xen/arch/x86/physdev.c PHYSDEVOP_get_free_pirq @4.12, issued by the guest for itself; an HVM domain
 * without has_pirq gets -ENOSYS (xen/arch/x86/hvm/hypercall.c:hvm_physdev_op @RELEASE-4.22.0).
 */
export function PHYSDEVOP_get_free_pirq(s: Sys, domid: number): number {
  return s.log.call('xen', 'PHYSDEVOP_get_free_pirq', `type=MAP_PIRQ_TYPE_MSI (dom${domid})`, () => {
    const d = dom(s, domid);
    if (!d) return -ERRNO.ESRCH;
    if (d.hvm && !has_pirq(d)) return -ERRNO.ENOSYS;
    const p = s.fn.xen.get_free_pirq(s, d);
    if (p >= 0) setPirq(s, d, p, { irq: PIRQ_ALLOCATED });
    return p;
  }, (v) => (v >= 0 ? `0, pirq=${v}` : rcStr(v)));
}

/**
 * Models xen/arch/x86/physdev.c PHYSDEVOP_prepare_msix / release_msix -> msi.c:pci_prepare_msix @4.12:
 * -EBUSY unless used_entries == !!off; prepare runs msix_capability_init with no entry (the pseudo-entry,
 * used_entries 0 -> 1, clearing host_maskall; -ENXIO with memory decoding off), release drops it to 0.
 * Left out: the MSI-X table/PBA mmio ranges made read-only for dom0.
 */
export function PHYSDEVOP_prepare_msix(s: Sys, dev: number, off: boolean): number {
  return s.log.call('xen', off ? 'PHYSDEVOP_release_msix' : 'PHYSDEVOP_prepare_msix', `0000:${pdevName(s, dev)}`, () => {
    return s.fn.xen.pci_prepare_msix(s, dev, off);
  });
}

/**
 * Models xen/common/kernel.c:do_xen_version XENVER_get_features, submap 0, the bit the guest's MSI decision
 * reads (arch/x86/pci/xen.c:pci_xen_hvm_init): XENFEAT_hvm_pirqs iff has_pirq(d) @RELEASE-4.22.0.
 */
export function XENVER_get_features(s: Sys, domid: number): { readonly hvm_pirqs: boolean } {
  // Issued once at guest boot; not recorded as a call (it changes nothing and every trace would show it).
  const d = s.w.xen.domains[domid];
  return { hvm_pirqs: d ? has_pirq(d) : false };
}
