/**
 * Models the domain lifecycle domctls of xen/common/domctl.c and xen/common/domain.c @ RELEASE-4.12.0, as
 * far as pirqs and devices go: XEN_DOMCTL_createdomain, XEN_DOMCTL_destroydomain (domain_kill ->
 * evtchn_destroy, pci_release_devices, free_domain_pirqs).
 *
 * Left out: memory, vCPUs, grant tables, zombie domains held by references.
 */
import { ERRNO } from '../../types.ts';
import { reassign_to_target } from './passthrough-pci.ts';
import type { Sys } from '../../context.ts';
import { edit, own } from '../../cow.ts';
import { newDomain, pirqInfo, setPirq, pdevName } from './state.ts';

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
          // xenCleanDpciDropsPirq: 6a1036e282 / 5b58dad089 (Xen 4.13.1, 4.14.0), pci_clean_dpci_irq
          // @RELEASE-4.13.1: `radix_tree_delete(&d->pirq_tree, dpci_pirq(pirq_dpci)->pirq);` after the
          // unbind: the pirq leaves the tree with its irq still mapped, so free_domain_pirqs
          // (`domain_pirq_to_irq(d, i) > 0`) skips it and nothing unmaps the irq (XSA-360). Undone by
          // 58427889f5 / e4161938b3, which only clear the binding (`pirq_dpci->flags = 0`).
          if (s.flags.xenCleanDpciDropsPirq) delete own(s, d, 'pirqs')[Number(pS)];
          else setPirq(s, d, Number(pS), { dpci: null });
        }
      });
      for (const [devS, pdev] of Object.entries(s.w.xen.pdevs)) {
        if (pdev.domain !== domid) continue;
        // xenReleaseCleansMsi: pci_release_devices @3.4.0-rc3 calls pci_cleanup_msi(pdev) before
        // deassign_device (removed by 15a9f34d1b, Xen 4.2): MSI and MSI-X ENABLE cleared, every msi_desc of
        // the device torn down (msi_free_vectors); free_domain_pirqs later finds no descriptor to disable.
        if (s.flags.xenReleaseCleansMsi) pci_cleanup_msi(s, Number(devS));
        // deassign_device(d, ...): to dom_io with quarantine (4.13+), else the hardware domain.
        reassign_to_target(s, Number(devS));
      }
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
 * Models xen/common/domain.c:__domain_crash @RELEASE-4.12.0 (lines 757-776) for a domain crashed by another
 * (the caller is dom0 in every path that reaches it here): "Domain %d reported crashed by domain %d on
 * cpu#%d:" unless the domain is already shutting down, then domain_shutdown(d, SHUTDOWN_crash): the vCPUs
 * stop and the toolstack is told (@releaseDomain). The domain and everything it holds stay until
 * XEN_DOMCTL_destroydomain. Left out: the cpu number (printed as 0), show_execution_state.
 */
export function domain_crash(s: Sys, domid: number): void {
  const d = s.w.xen.domains[domid];
  if (!d || d.shutdown) return;
  s.log.log(`(XEN) Domain ${domid} reported crashed by domain 0 on cpu#0:`);
  edit(s, 'xen', 'domains', domid).shutdown = 'crash';
}

/**
 * Models xen/arch/x86/msi.c:pci_cleanup_msi @3.4.0-rc3 (called by pci_release_devices before 15a9f34d1b):
 * msi_set_enable(pdev, 0), msix_set_enable(pdev, 0), msi_free_vectors(pdev) (each descriptor disabled and
 * freed; the pirq keeps its irq until free_domain_pirqs).
 */
function pci_cleanup_msi(s: Sys, dev: number): void {
  s.log.call('xen', 'pci_cleanup_msi', `0000:${pdevName(s, dev)}`, () => {
    if (s.w.hw[dev]) {
      edit(s, 'hw', dev, 'msi').enable = false;
      edit(s, 'hw', dev, 'msix').enable = false;
    }
    for (const [irqS, desc] of Object.entries(s.w.xen.irqs)) {
      const md = desc.msi_desc;
      if (!md || md.dev !== dev) continue;
      if (md.msix) s.fn.xen.__pci_disable_msix(s, Number(irqS), md);
      edit(s, 'xen', 'irqs', Number(irqS)).msi_desc = null;
    }
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
