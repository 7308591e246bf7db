/**
 * Models the domain lifecycle domctls of xen/common/domctl.c and xen/common/domain.c @ RELEASE-4.12.0, as
 * far as pirqs and devices go: XEN_DOMCTL_createdomain, XEN_DOMCTL_destroydomain (domain_kill ->
 * evtchn_destroy, pci_release_devices, free_domain_pirqs).
 *
 * Left out: memory, vCPUs, grant tables, zombie domains held by references.
 */
import { ERRNO, DOMID_HARDWARE } from '../../types.ts';
import type { Sys } from '../../context.ts';
import { edit, own } from '../../cow.ts';
import { newDomain, pirqInfo, setPirq } from './state.ts';

/**
 * Models the pirq part of XEN_DOMCTL_destroydomain @4.12: domain_kill -> evtchn_destroy (PV pirq ports:
 * pirq_guest_unbind), domain_relinquish_resources -> pci_release_devices -> pci_clean_dpci_irqs
 * (pirq_guest_unbind of every dpci-bound pirq), then the devices still owned go back to dom0
 * (deassign_device), then arch_domain_destroy ->
 * free_domain_pirqs -> unmap_domain_pirq of every mapped pirq (forced unbind included). The domain struct
 * is then freed. Left out: memory, vCPUs, grant tables; zombie domains held by references.
 */
export function XEN_DOMCTL_destroydomain(s: Sys, domid: number): number {
  return s.log.call('xen', 'XEN_DOMCTL_destroydomain', `dom${domid}`, () => {
    if (!s.w.xen.domains[domid]) return -ERRNO.ESRCH;
    const d = edit(s, 'xen', 'domains', domid);
    d.dying = true;
    s.log.call('xen', 'evtchn_destroy', `dom${domid}`, () => {
      for (const [portS, p] of Object.entries(d.ports)) {
        if (!d.hvm && pirqInfo(d, p).irq !== 0) s.fn.xen.pirq_guest_unbind(s, d, p);
        delete own(s, d, 'ports')[Number(portS)];
        setPirq(s, d, p, { evtchn: 0 });
      }
    });
    // xen/drivers/passthrough/pci.c:pci_release_devices @4.12: pci_clean_dpci_irqs first ("ret =
    // pci_clean_dpci_irqs(d)"), then deassign_device of every device d still owns, so the masking done by
    // the dpci unbind still sees d as the owner.
    s.log.call('xen', 'pci_release_devices', `dom${domid}`, () => {
      s.log.call('xen', 'pci_clean_dpci_irqs', `dom${domid}`, () => {
        for (const [pS, info] of Object.entries(d.pirqs)) {
          if (!info.dpci) continue;
          s.fn.xen.pirq_guest_unbind(s, d, Number(pS));
          setPirq(s, d, Number(pS), { dpci: null });
        }
      });
      for (const [devS, pdev] of Object.entries(s.w.xen.pdevs)) if (pdev.domain === domid) edit(s, 'xen', 'pdevs', Number(devS)).domain = DOMID_HARDWARE;
    });
    s.log.call('xen', 'free_domain_pirqs', `dom${domid}`, () => {
      for (const [pS, info] of Object.entries(d.pirqs)) if (info.irq > 0) s.fn.xen.unmap_domain_pirq(s, d, Number(pS));
    });
    for (const [irqS, desc] of Object.entries(s.w.xen.irqs)) {
      if (desc.guests.includes(domid)) edit(s, 'xen', 'irqs')[Number(irqS)] = { ...desc, guests: desc.guests.filter((g) => g !== domid) };
    }
    delete edit(s, 'xen', 'domains')[domid];
    return 0;
  });
}

/**
 * XEN_DOMCTL_createdomain: an empty domain, with X86_EMU_USE_PIRQ in its emulation flags unless the toolstack
 * cleared it (`usePirq` false: libxl >= 4.19 without hvm_pirq=1, 024e7131be).
 */
export function XEN_DOMCTL_createdomain(s: Sys, domid: number, hvm: boolean, nr_pirqs: number, usePirq = true): number {
  return s.log.call('xen', 'XEN_DOMCTL_createdomain', `dom${domid} ${hvm ? 'hvm' : 'pv'}${hvm && !usePirq ? ' emulation_flags & ~XEN_X86_EMU_USE_PIRQ' : ''}`, () => {
    if (s.w.xen.domains[domid]) return -ERRNO.EEXIST;
    edit(s, 'xen', 'domains')[domid] = newDomain(domid, hvm, nr_pirqs, usePirq);
    return 0;
  });
}
