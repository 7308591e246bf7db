/**
 * The Xen hypervisor: per-domain pirq tables, irq descriptors with their MSI descriptors, per-device MSI-X
 * state, dpci bindings for HVM passthrough, pirq event channels, and the hypercalls that change them.
 *
 * Mirrors xen-project/xen @ RELEASE-4.12.0 (997d6248a9ae):
 *   xen/arch/x86/irq.c        get_free_pirq, allocate_pirq, map_domain_pirq, unmap_domain_pirq,
 *                             pirq_guest_bind, __pirq_guest_unbind, pirq_guest_unbind, pirq_guest_force_unbind
 *   xen/arch/x86/physdev.c    PHYSDEVOP_get_free_pirq, physdev_map_pirq, physdev_unmap_pirq
 *   xen/arch/x86/msi.c        msix_capability_init, __pci_disable_msix, msi_set_mask_bit,
 *                             pci_msi_conf_write_intercept
 *   xen/drivers/passthrough/io.c  pt_irq_create_bind, pt_irq_destroy_bind, hvm_dirq_assist
 *   xen/common/event_channel.c    evtchn_bind_pirq, evtchn_close (ECS_PIRQ)
 *   xen/include/xen/iocap.h       pirq_access_permitted
 *
 * Left out: GSI/INTx pirqs, multi-vector MSI (MAP_PIRQ_TYPE_MULTI_MSI), interrupt remapping, posted
 * interrupts, XSM (every caller is privileged enough), the msixtbl guest MMIO intercept, and IRQ affinity.
 * Event channel ports other than pirq ports are not modelled; ports are handed out lowest-free from 1.
 */
import {
  ERRNO,
  IRQ_PT,
  IRQ_UNBOUND,
  PIRQ_ALLOCATED,
  DOMID_HARDWARE,
  hex,
  rc,
} from '../types.ts';
import type { Sys } from '../context.ts';
import { edit, own, type Writable } from '../cow.ts';
import { shortBdf, hwEntry, pushAudit } from './device.ts';

/** struct hvm_pirq_dpci (drivers/passthrough/io.c): present while HVM_IRQ_DPCI_MAPPED is set. */
export interface HvmPirqDpci {
  /** gmsi.gvec: the guest vector QEMU passed to XEN_DOMCTL_bind_pt_irq (0 for pirq-encoded messages). */
  readonly gvec: number;
}

/** struct pirq + struct arch_pirq. A pirq with every field at its default has no struct (pirq_cleanup_check). */
export interface XenPirq {
  /** arch.irq: 0 free, PIRQ_ALLOCATED (-1) reserved, > 0 mapped, -irq after a forced unbind. */
  readonly irq: number;
  /** pirq->evtchn: the event channel port bound with EVTCHNOP_bind_pirq, 0 if none. */
  readonly evtchn: number;
  /** arch.hvm.emuirq: IRQ_UNBOUND, or IRQ_PT once the guest bound an event channel to a mapped pirq. */
  readonly emuirq: number;
  /** arch.hvm.dpci when HVM_IRQ_DPCI_MAPPED | MACH_MSI | GUEST_MSI is set, else null. */
  readonly dpci: HvmPirqDpci | null;
}

export interface XenDomain {
  readonly domid: number;
  /** is_hvm_domain(d). */
  readonly hvm: boolean;
  /** d->is_dying: set by domain_kill, the domain's pirqs are released at destruction. */
  readonly dying: boolean;
  /** d->nr_pirqs. */
  readonly nr_pirqs: number;
  /** d->pirq_tree, by pirq. */
  readonly pirqs: Readonly<Record<number, XenPirq>>;
  /** d->arch.irq_pirq: irq -> pirq (negative after a forced unbind). */
  readonly irq_pirq: Readonly<Record<number, number>>;
  /** Event channel ports in state ECS_PIRQ: port -> pirq. */
  readonly ports: Readonly<Record<number, number>>;
  /** chao-v6 only: pirqs Xen unmapped/unbound behind QEMU and pciback (force_unmapped/force_unbound). */
  readonly forced: Readonly<Record<number, { readonly unmapped: boolean; readonly unbound: boolean }>>;
}

/** struct msi_desc (asm-x86/msi.h), only the fields the model needs. */
export interface XenMsiDesc {
  readonly dev: number;
  /** msi_attrib.type == PCI_CAP_ID_MSIX. */
  readonly msix: boolean;
  /** msi_attrib.entry_nr (0 for MSI). */
  readonly entry_nr: number;
  readonly host_masked: boolean;
  readonly guest_masked: boolean;
}

/** struct irq_desc for a dynamically created irq. */
export interface XenIrqDesc {
  /** desc->msi_desc; null for an irq created by create_irq that was never set up (a leaked irq). */
  readonly msi_desc: XenMsiDesc | null;
  /** irq_guest_action_t.guest[]: the domains bound with pirq_guest_bind. */
  readonly guests: readonly number[];
}

/** struct arch_msix (asm-x86/msi.h). */
export interface ArchMsix {
  /** Live MSI-X descriptors, plus 1 while a PHYSDEVOP_prepare_msix pseudo-entry is held. */
  readonly used_entries: number;
  /** Xen wants the whole function masked. */
  readonly host_maskall: boolean;
  /** Last MASKALL the owner wrote (through dom0). */
  readonly guest_maskall: boolean;
  /** Domid already warned by msi_set_mask_bit; -1 for none. */
  readonly warned: number;
}

/** struct pci_dev as Xen sees it. */
export interface XenPdev {
  /** pdev->domain: the owner domid (0 is the hardware domain). */
  readonly domain: number;
  readonly msix: ArchMsix;
}

export interface XenState {
  /** nr_irqs_gsi: lowest dynamic irq and lowest pirq get_free_pirq hands out for MSI. */
  readonly nr_irqs_gsi: number;
  /** nr_irqs: create_irq fails beyond this. */
  readonly nr_irqs: number;
  readonly domains: Readonly<Record<number, XenDomain>>;
  /** Allocated dynamic irqs (create_irq .. destroy_irq), by irq. */
  readonly irqs: Readonly<Record<number, XenIrqDesc>>;
  /** Devices known to Xen, by device index. */
  readonly pdevs: Readonly<Record<number, XenPdev>>;
}

/** A domain owned by the running step (model/cow.ts): its fields are written in place, its records through `own`. */
type D = Writable<XenDomain>;

const DEFAULT_PIRQ: XenPirq = { irq: 0, evtchn: 0, emuirq: IRQ_UNBOUND, dpci: null };

export function initialXen(opts: { nr_irqs_gsi: number; nr_irqs: number }): XenState {
  return { nr_irqs_gsi: opts.nr_irqs_gsi, nr_irqs: opts.nr_irqs, domains: {}, irqs: {}, pdevs: {} };
}

export function newDomain(domid: number, hvm: boolean, nr_pirqs: number): XenDomain {
  return { domid, hvm, dying: false, nr_pirqs, pirqs: {}, irq_pirq: {}, ports: {}, forced: {} };
}

export function newPdev(domain: number): XenPdev {
  return { domain, msix: { used_entries: 0, host_maskall: false, guest_maskall: false, warned: -1 } };
}

/** pirq_info(d, p), with the defaults of a pirq that has no struct. */
export function pirqInfo(d: XenDomain, p: number): XenPirq {
  return d.pirqs[p] ?? DEFAULT_PIRQ;
}

/** Update a pirq; a pirq back at every default loses its struct, as pirq_cleanup_check frees it. */
function setPirq(s: Sys, d: D, p: number, patch: Partial<XenPirq>): void {
  const next = { ...pirqInfo(d, p), ...patch } as XenPirq;
  if (next.irq === 0 && next.evtchn === 0 && next.emuirq === IRQ_UNBOUND && next.dpci === null) delete own(s, d, 'pirqs')[p];
  else own(s, d, 'pirqs')[p] = next;
}

/** is_free_pirq (irq.c @X4.12): no irq and, for HVM, no emuirq. It does not look at evtchn. */
export function isFreePirq(d: XenDomain, p: number): boolean {
  const info = pirqInfo(d, p);
  return info.irq === 0 && (!d.hvm || info.emuirq === IRQ_UNBOUND);
}

/** The live domain `domid`, made writable for the running step; undefined if it does not exist or is dying. */
function dom(s: Sys, domid: number): D | undefined {
  const d = s.w.xen.domains[domid];
  return d && !d.dying ? edit(s, 'xen', 'domains', domid) : undefined;
}

function pdevName(s: Sys, dev: number): string {
  return shortBdf(s.w.hw[dev]?.bdf ?? `dev${dev}`);
}

/** memory_decoded (msi.c @X4.12): PCI_COMMAND_MEMORY of the function (of the PF for a VF). */
function memory_decoded(s: Sys, dev: number): boolean {
  return s.w.hw[dev]?.command.memory ?? false;
}

/* ------------------------------------------------------------------------------------------------ */
/* irq allocation                                                                                    */

/** create_irq (irq.c @X4.12): lowest unused irq at or above nr_irqs_gsi. */
function create_irq(s: Sys): number {
  for (let i = s.w.xen.nr_irqs_gsi; i < s.w.xen.nr_irqs; i++) {
    if (!s.w.xen.irqs[i]) {
      edit(s, 'xen', 'irqs')[i] = { msi_desc: null, guests: [] };
      return i;
    }
  }
  return -ERRNO.ENOSPC;
}

/** destroy_irq (irq.c @X4.12). */
function destroy_irq(s: Sys, irq: number): void {
  delete edit(s, 'xen', 'irqs')[irq];
}

/* ------------------------------------------------------------------------------------------------ */
/* MSI-X control and masking (msi.c)                                                                 */

/**
 * Models xen/arch/x86/msi.c:msi_set_mask_bit @4.12, MSI-X branch. A mask request while memory decoding is
 * off cannot reach the vector-control word, so Xen sets host_maskall and MASKALL instead, warning once per
 * owner domid ("cannot mask IRQ %d: masking MSI-X on Dom%d's %04x:%02x:%02x.%u").
 */
export function msi_set_mask_bit(s: Sys, irq: number, host: boolean, guest: boolean): void {
  const md = s.w.xen.irqs[irq]?.msi_desc;
  if (!md) return;
  if (!s.w.hw[md.dev] || !s.w.xen.pdevs[md.dev]) return;
  const desc = edit(s, 'xen', 'irqs', irq);
  const flag = host || guest;
  if (!md.msix) {
    // PCI_CAP_ID_MSI without per-vector mask bits: only the attributes change.
    desc.msi_desc = { ...md, host_masked: host, guest_masked: guest };
    return;
  }
  const pdev = edit(s, 'xen', 'pdevs', md.dev);
  const pm = own(s, pdev, 'msix');
  const hwm = edit(s, 'hw', md.dev, 'msix');
  let maskall = pm.host_maskall;
  const controlEnable = hwm.enable;
  const controlMaskall = hwm.maskall;
  if (!controlEnable) {
    pm.host_maskall = true;
    hwm.enable = true;
    hwm.maskall = true;
  }
  let attrs = { host_masked: host, guest_masked: guest };
  if (memory_decoded(s, md.dev)) {
    const e = hwEntry(s, md.dev, md.entry_nr);
    if (e) e.masked = flag;
    if (controlEnable) {
      desc.msi_desc = { ...md, ...attrs };
      return;
    }
  } else if (flag && !controlMaskall) {
    maskall = true;
    pushAudit(s, { kind: 'mask_without_decoding', fn: 'msi_set_mask_bit', dev: md.dev, irq, owner: pdev.domain });
    if (pm.warned !== pdev.domain) {
      pm.warned = pdev.domain;
      s.log.log(
        `(XEN) cannot mask IRQ ${irq}: masking MSI-X on Dom${pdev.domain}'s 0000:${pdevName(s, md.dev)}`,
      );
    }
    attrs = { host_masked: md.host_masked, guest_masked: md.guest_masked };
  }
  pm.host_maskall = maskall;
  hwm.enable = controlEnable;
  hwm.maskall = controlMaskall || maskall || pm.guest_maskall;
  desc.msi_desc = { ...md, ...attrs };
}

/**
 * Models xen/arch/x86/msi.c:msix_capability_init @4.12 for one entry. Sets host_maskall while it works;
 * returns -ENXIO leaving host_maskall set when memory decoding is off; clears the mask state only when
 * this is the first user of the table (used_entries == 0).
 */
function msix_capability_init(s: Sys, dev: number, entry_nr: number | null): number {
  if (!s.w.hw[dev] || !s.w.xen.pdevs[dev]) return -ERRNO.ENODEV;
  const hwm = edit(s, 'hw', dev, 'msix');
  const pdev = edit(s, 'xen', 'pdevs', dev);
  const pm = own(s, pdev, 'msix');
  const saved = { enable: hwm.enable, maskall: hwm.maskall };
  let maskall = pm.host_maskall;
  const wasHostMaskall = maskall;
  pm.host_maskall = true;
  hwm.enable = true;
  hwm.maskall = true;
  if (!memory_decoded(s, dev)) {
    hwm.enable = saved.enable;
    hwm.maskall = true;
    return -ERRNO.ENXIO;
  }
  if (entry_nr !== null) {
    const e = hwEntry(s, dev, entry_nr);
    if (e) e.masked = true; // "Mask interrupt here"
  }
  let controlMaskall = saved.maskall;
  if (pm.used_entries === 0) {
    maskall = false;
    controlMaskall = pm.guest_maskall;
  }
  pm.used_entries += 1;
  if (wasHostMaskall && !maskall) pushAudit(s, { kind: 'host_maskall_cleared', dev, entry: entry_nr, owner: pdev.domain });
  pm.host_maskall = maskall;
  hwm.enable = saved.enable;
  hwm.maskall = controlMaskall;
  return 0;
}

/**
 * Models xen/arch/x86/msi.c:__pci_disable_msix @4.12: mask the entry, or, with memory decoding off and
 * MASKALL clear, mask the whole function ("cannot disable IRQ %d: masking MSI-X on ..."), then
 * _pci_cleanup_msix (used_entries--).
 */
function __pci_disable_msix(s: Sys, irq: number, md: XenMsiDesc): void {
  if (!s.w.hw[md.dev] || !s.w.xen.pdevs[md.dev]) return;
  const hwm = edit(s, 'hw', md.dev, 'msix');
  const pdev = edit(s, 'xen', 'pdevs', md.dev);
  const pm = own(s, pdev, 'msix');
  const control = { enable: hwm.enable, maskall: hwm.maskall };
  let maskall = pm.host_maskall;
  if (!control.enable) {
    pm.host_maskall = true;
    hwm.enable = true;
    hwm.maskall = true;
  }
  if (memory_decoded(s, md.dev)) {
    const e = hwEntry(s, md.dev, md.entry_nr);
    if (e) e.masked = true;
  } else if (!control.maskall) {
    s.log.log(`(XEN) cannot disable IRQ ${irq}: masking MSI-X on 0000:${pdevName(s, md.dev)}`);
    pushAudit(s, { kind: 'mask_without_decoding', fn: '__pci_disable_msix', dev: md.dev, irq, owner: pdev.domain });
    maskall = true;
  }
  pm.host_maskall = maskall;
  hwm.enable = control.enable;
  hwm.maskall = control.maskall || maskall || pm.guest_maskall;
  pm.used_entries = Math.max(0, pm.used_entries - 1);
}

/**
 * Models xen/arch/x86/msi.c:pci_msi_conf_write_intercept @4.12 for the MSI-X Message Control word, the
 * path every dom0 config write (and so every QEMU write for an HVM guest) takes: record guest_maskall from
 * the written value, and force MASKALL on while host_maskall is set.
 */
export function pci_msi_conf_write_intercept(s: Sys, dev: number, enable: boolean, maskall: boolean): void {
  s.log.call('xen', 'pci_msi_conf_write_intercept', `${pdevName(s, dev)} MSIX_FLAGS ENABLE=${+enable} MASKALL=${+maskall}`, () => {
    if (!s.w.hw[dev] || !s.w.xen.pdevs[dev]) return;
    const pm = edit(s, 'xen', 'pdevs', dev, 'msix');
    const hwm = edit(s, 'hw', dev, 'msix');
    pm.guest_maskall = maskall;
    hwm.enable = enable;
    hwm.maskall = maskall || pm.host_maskall;
  }, () => {
    const hw = s.w.hw[dev];
    return hw ? `hardware ENABLE=${+hw.msix.enable} MASKALL=${+hw.msix.maskall}` : '';
  });
}

/* ------------------------------------------------------------------------------------------------ */
/* pirq <-> guest binding (irq.c)                                                                    */

/** Models xen/arch/x86/irq.c:pirq_guest_bind @4.12 for an MSI irq (never shared). */
function pirq_guest_bind(s: Sys, d: D, p: number): number {
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
  msi_set_mask_bit(s, irq, false, desc.msi_desc?.guest_masked ?? true);
  return 0;
}

/** Models xen/arch/x86/irq.c:__pirq_guest_unbind @4.12: the last guest gone, ->disable then ->shutdown. */
function __pirq_guest_unbind(s: Sys, d: D, irq: number): void {
  if (!s.w.xen.irqs[irq]) return;
  const desc = edit(s, 'xen', 'irqs', irq);
  desc.guests = desc.guests.filter((g) => g !== d.domid);
  if (desc.guests.length === 0) {
    msi_set_mask_bit(s, irq, true, desc.msi_desc?.guest_masked ?? true); // mask_msi_irq (->disable)
    msi_set_mask_bit(s, irq, true, true); // shutdown_msi_irq (->shutdown)
  }
}

/** Models xen/arch/x86/irq.c:pirq_guest_unbind @4.12; a force-unbound pirq (irq < 0) is freed here. */
function pirq_guest_unbind(s: Sys, d: D, p: number): void {
  const info = pirqInfo(d, p);
  if (info.irq > 0) {
    __pirq_guest_unbind(s, d, info.irq);
  } else if (info.irq < PIRQ_ALLOCATED) {
    const irq = -info.irq;
    delete own(s, d, 'irq_pirq')[irq];
    setPirq(s, d, p, { irq: 0 });
  }
}

/** pirq_guest_force_unbind (irq.c @X4.12): unbind d if it is still in the irq's guest list. */
function pirq_guest_force_unbind(s: Sys, d: D, irq: number): boolean {
  const desc = s.w.xen.irqs[irq];
  if (!desc || !desc.guests.includes(d.domid)) return false;
  __pirq_guest_unbind(s, d, irq);
  return true;
}

/** Models the MSI delivery for an arch_evtchn_bind_pirq / guest unmask: guest_mask_msi_irq(desc, mask). */
function guest_mask_msi_irq(s: Sys, irq: number, mask: boolean): void {
  const md = s.w.xen.irqs[irq]?.msi_desc;
  if (md) msi_set_mask_bit(s, irq, md.host_masked, mask);
}

/* ------------------------------------------------------------------------------------------------ */
/* map / unmap (irq.c, physdev.c)                                                                    */

/** get_free_pirq (irq.c @X4.12), MSI: scans down from nr_pirqs-1 to nr_irqs_gsi. */
function get_free_pirq(s: Sys, d: D): number {
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
function map_domain_pirq(s: Sys, d: D, p: number, irq: number, a: MapPirqArgs): number {
  const oldIrq = pirqInfo(d, p).irq;
  const oldPirq = d.irq_pirq[irq] ?? 0;
  if ((oldIrq > 0 && oldIrq !== irq) || (oldPirq !== 0 && oldPirq !== p)) {
    s.log.log(`(XEN) dom${d.domid}: pirq ${p} or irq ${irq} already mapped (${oldPirq},${oldIrq}) [dprintk: debug builds only]`);
    return 0;
  }
  const pdev = s.w.xen.pdevs[a.dev];
  if (!pdev || pdev.domain !== d.domid) return -ERRNO.ENODEV; // pci_get_pdev_by_domain
  let md: XenMsiDesc;
  if (a.msix) {
    // __pci_enable_msix: -EEXIST only if this irq already has an MSI-X descriptor, which a fresh irq never has.
    const rcInit = msix_capability_init(s, a.dev, a.entry_nr);
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
 * Models xen/arch/x86/physdev.c:physdev_map_pirq and irq.c:allocate_and_map_msi_pirq/allocate_pirq @4.12
 * for MAP_PIRQ_TYPE_MSI with index -1 (QEMU and dom0 always pass it). A caller-chosen pirq is not checked
 * for being in use; the irq created for a map that silently did nothing is not destroyed (it leaks).
 */
export function PHYSDEVOP_map_pirq(s: Sys, a: MapPirqArgs): number {
  const res = s.log.call('xen', 'PHYSDEVOP_map_pirq', `domid=${a.domid} type=MSI index=-1 pirq=${a.pirq} ${pdevName(s, a.dev)} entry_nr=${a.msix ? a.entry_nr : 0}${a.msix ? ' table_base' : ''}`, () => {
    const d = dom(s, a.domid);
    if (!d) return -ERRNO.ESRCH;
    const irq = create_irq(s);
    if (irq < 0) {
      s.log.log(`(XEN) dom${d.domid}: can't create irq for msi!`);
      return -ERRNO.EINVAL;
    }
    // allocate_pirq
    let p = a.pirq;
    const current = d.irq_pirq[irq] ?? 0;
    if (p < 0) {
      if (current) return current < 0 ? -ERRNO.EBUSY : p;
      p = get_free_pirq(s, d);
      if (p < 0) {
        s.log.log(`(XEN) dom${d.domid}: no free pirq`);
        destroy_irq(s, irq);
        return p;
      }
    } else if (p >= d.nr_pirqs) {
      destroy_irq(s, irq);
      return -ERRNO.EINVAL;
    } else if (current && p !== current) {
      destroy_irq(s, irq);
      return -ERRNO.EEXIST;
    }
    const ret = map_domain_pirq(s, d, p, irq, a);
    if (ret !== 0) {
      destroy_irq(s, irq);
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
  const forced = pirq_guest_force_unbind(s, d, irq);
  if (forced) s.log.log(`(XEN) dom${d.domid}: forcing unbind of pirq ${p} [dprintk: debug builds only]`);
  const md = s.w.xen.irqs[irq]?.msi_desc ?? null;
  if (md) {
    if (md.msix) __pci_disable_msix(s, irq, md);
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
  destroy_irq(s, irq); // msi_free_irq
  return 0;
}

/** unmap_domain_pirq_emuirq (irq.c @X4.12). */
function unmap_domain_pirq_emuirq(s: Sys, d: D, p: number): number {
  if (pirqInfo(d, p).emuirq === IRQ_UNBOUND) return -ERRNO.EINVAL;
  setPirq(s, d, p, { emuirq: IRQ_UNBOUND });
  return 0;
}

/** Models xen/arch/x86/physdev.c:physdev_unmap_pirq @4.12, called by a device model or dom0. */
export function PHYSDEVOP_unmap_pirq(s: Sys, domid: number, p: number): number {
  return s.log.call('xen', 'PHYSDEVOP_unmap_pirq', `domid=${domid} pirq=${p}`, () => {
    const d = dom(s, domid);
    if (!d) return -ERRNO.ESRCH;
    // physdev_unmap_pirq: for an HVM target the emuirq binding goes first (unmap_domain_pirq_emuirq),
    // before unmap_domain_pirq, where chao-v6 changes things.
    if (d.hvm && pirqInfo(d, p).emuirq !== IRQ_UNBOUND) {
      const r = unmap_domain_pirq_emuirq(s, d, p);
      if (r) return r;
    }
    const forced = d.forced[p];
    if (forced?.unmapped) {
      // chao-v6: a request from QEMU/pciback for a pirq Xen already unmapped clears the flag and frees it;
      // Roger Pau Monne's suggestion answers -ESRCH so dom0's xen_destroy_irq treats it as gone.
      delete own(s, d, 'forced')[p];
      return s.flags.xenForceUnmappedRc === 'esrch' ? -ERRNO.ESRCH : 0;
    }
    return unmap_domain_pirq(s, d, p);
  });
}

/** Models xen/arch/x86/physdev.c PHYSDEVOP_get_free_pirq @4.12, issued by the guest for itself. */
export function PHYSDEVOP_get_free_pirq(s: Sys, domid: number): number {
  return s.log.call('xen', 'PHYSDEVOP_get_free_pirq', `type=MAP_PIRQ_TYPE_MSI (dom${domid})`, () => {
    const d = dom(s, domid);
    if (!d) return -ERRNO.ESRCH;
    const p = get_free_pirq(s, d);
    if (p >= 0) setPirq(s, d, p, { irq: PIRQ_ALLOCATED });
    return p;
  }, (v) => (v >= 0 ? `0, pirq=${v}` : rcStr(v)));
}

/**
 * Models xen/drivers/passthrough/io.c:pt_irq_create_bind @4.12, PT_IRQ_TYPE_MSI. A first bind sets
 * MAPPED and calls pirq_guest_bind (-EINVAL for a pirq with no irq, rolled back); a bind of an already
 * MAPPED pirq only updates gvec, whichever device the pirq belongs to.
 */
export function XEN_DOMCTL_bind_pt_irq(s: Sys, domid: number, p: number, gvec: number): number {
  return s.log.call('xen', 'XEN_DOMCTL_bind_pt_irq', `domid=${domid} PT_IRQ_TYPE_MSI pirq=${p} gvec=${hex(gvec)}`, () => {
    const d = dom(s, domid);
    if (!d) return -ERRNO.ESRCH;
    if (p < 0 || p >= d.nr_pirqs) return -ERRNO.EINVAL;
    const info = pirqInfo(d, p);
    if (info.dpci) {
      setPirq(s, d, p, { dpci: { gvec } });
      return 0;
    }
    setPirq(s, d, p, { dpci: { gvec } });
    const r = pirq_guest_bind(s, d, p);
    if (r) {
      setPirq(s, d, p, { dpci: null });
      return r;
    }
    return 0;
  });
}

/** Models xen/drivers/passthrough/io.c:pt_irq_destroy_bind @4.12, MSI: mask for the guest, unbind. */
export function XEN_DOMCTL_unbind_pt_irq(s: Sys, domid: number, p: number): number {
  return s.log.call('xen', 'XEN_DOMCTL_unbind_pt_irq', `domid=${domid} PT_IRQ_TYPE_MSI pirq=${p}`, () => {
    const d = dom(s, domid);
    if (!d) return -ERRNO.ESRCH;
    const info = pirqInfo(d, p);
    if (info.irq <= 0) return -ERRNO.EINVAL;
    if (info.dpci) {
      guest_mask_msi_irq(s, info.irq, true);
      pirq_guest_unbind(s, d, p);
      setPirq(s, d, p, { dpci: null });
    }
    return 0;
  });
}

/**
 * Models xen/common/event_channel.c:evtchn_bind_pirq @4.12 with arch_evtchn_bind_pirq. -EEXIST if the
 * pirq already has a port. A PV caller must be permitted the pirq's irq (pirq_access_permitted: -EPERM for
 * an unmapped pirq) and is bound with pirq_guest_bind; an HVM caller gets emuirq = IRQ_PT and the vector
 * unmasked only if the pirq is mapped at this moment.
 */
export function EVTCHNOP_bind_pirq(s: Sys, domid: number, p: number): number {
  return s.log.call('xen', 'EVTCHNOP_bind_pirq', `pirq=${p} (dom${domid})`, () => {
    const d = dom(s, domid);
    if (!d) return -ERRNO.ESRCH;
    if (p < 0 || p >= d.nr_pirqs) return -ERRNO.EINVAL;
    const info = pirqInfo(d, p);
    if (!d.hvm && !(info.irq > 0)) return -ERRNO.EPERM;
    if (info.evtchn !== 0) return -ERRNO.EEXIST;
    let port = 1;
    while (d.ports[port] !== undefined) port++;
    setPirq(s, d, p, { evtchn: port });
    if (!d.hvm) {
      const r = pirq_guest_bind(s, d, p);
      if (r) {
        setPirq(s, d, p, { evtchn: 0 });
        return r;
      }
    }
    own(s, d, 'ports')[port] = p;
    // arch_evtchn_bind_pirq
    const irq = pirqInfo(d, p).irq;
    if (irq > 0) {
      if (d.hvm) setPirq(s, d, p, { emuirq: IRQ_PT });
      guest_mask_msi_irq(s, irq, false);
    }
    return port;
  }, (v) => (v >= 0 ? `0, port=${v}` : rcStr(v)));
}

/** Models xen/common/event_channel.c:evtchn_close @4.12 for an ECS_PIRQ port. */
export function EVTCHNOP_close(s: Sys, domid: number, port: number): number {
  return s.log.call('xen', 'EVTCHNOP_close', `port=${port} (dom${domid})`, () => {
    const d = dom(s, domid);
    if (!d) return -ERRNO.ESRCH;
    const p = d.ports[port];
    if (p === undefined) return -ERRNO.EINVAL;
    if (!d.hvm && pirqInfo(d, p).irq !== 0) pirq_guest_unbind(s, d, p);
    delete own(s, d, 'ports')[port];
    setPirq(s, d, p, { evtchn: 0 });
    if (d.hvm && pirqInfo(d, p).irq > 0) unmap_domain_pirq_emuirq(s, d, p);
    return 0;
  });
}

/* ------------------------------------------------------------------------------------------------ */
/* delivery                                                                                          */

/** Where an interrupt raised by (dev, entry) ends up, following the state the real path reads. */
export type Delivery =
  | { readonly ok: true; readonly domid: number; readonly pirq: number; readonly port: number; readonly irq: number }
  | { readonly ok: false; readonly why: string };

/**
 * Follows an interrupt from the device to a guest event channel: the vector must be enabled and unmasked
 * in hardware and programmed with a Xen irq whose msi_desc is this (dev, entry); the irq must be bound to
 * a guest (pirq_guest_bind); the domain's pirq for that irq must be a MAPPED dpci with an event channel
 * bound while it was mapped (hvm_domain_use_pirq: emuirq != IRQ_UNBOUND) for HVM (hvm_dirq_assist ->
 * send_guest_pirq), or an event channel for PV (send_guest_pirq).
 */
export function deliver(x: XenState, hw: import('./device.ts').HwDevice | undefined, dev: number, entry: number, msix: boolean): Delivery {
  if (!hw) return { ok: false, why: 'no such device' };
  if (!hw.command.master) return { ok: false, why: 'PCI_COMMAND_MASTER is clear' };
  let irq: number;
  if (msix) {
    if (!hw.msix.enable) return { ok: false, why: 'MSI-X ENABLE is clear in hardware' };
    if (hw.msix.maskall) return { ok: false, why: 'MSI-X MASKALL is set in hardware' };
    const e = hw.msix.entries[entry];
    if (!e) return { ok: false, why: `no MSI-X entry ${entry}` };
    if (e.masked) return { ok: false, why: `MSI-X entry ${entry} is masked in hardware` };
    irq = e.xen_irq;
  } else {
    if (!hw.msi.enable) return { ok: false, why: 'MSI ENABLE is clear in hardware' };
    irq = hw.msi.xen_irq;
  }
  const desc = x.irqs[irq];
  if (!desc || !desc.msi_desc || desc.msi_desc.dev !== dev || desc.msi_desc.entry_nr !== entry || desc.msi_desc.msix !== msix) {
    return { ok: false, why: `the vector is programmed with irq ${irq}, which Xen no longer has for this entry` };
  }
  const domid = desc.guests[0];
  if (domid === undefined) return { ok: false, why: `irq ${irq} is bound to no guest (no pirq_guest_bind)` };
  const d = x.domains[domid];
  if (!d) return { ok: false, why: `irq ${irq} is bound to dom${domid}, which is gone` };
  const p = d.irq_pirq[irq];
  if (p === undefined || p <= 0) return { ok: false, why: `dom${domid} has no pirq for irq ${irq}` };
  const info = pirqInfo(d, p);
  if (d.hvm) {
    if (!info.dpci) return { ok: false, why: `pirq ${p} has no MAPPED dpci binding` };
    if (info.emuirq === IRQ_UNBOUND) return { ok: false, why: `pirq ${p} has emuirq IRQ_UNBOUND: hvm_dirq_assist injects vector ${hex(info.dpci.gvec)} as a plain vMSI, not an event` };
  }
  if (info.evtchn === 0) return { ok: false, why: `pirq ${p} has no event channel` };
  return { ok: true, domid, pirq: p, port: info.evtchn, irq };
}

/* ------------------------------------------------------------------------------------------------ */
/* device ownership and domain lifecycle (drivers/passthrough/pci.c, physdev.c, domain.c)            */

/**
 * Models xen/arch/x86/physdev.c PHYSDEVOP_prepare_msix / release_msix -> msi.c:pci_prepare_msix @4.12:
 * -EBUSY unless used_entries == !!off; prepare runs msix_capability_init with no entry (the pseudo-entry,
 * used_entries 0 -> 1, clearing host_maskall; -ENXIO with memory decoding off), release drops it to 0.
 * Left out: the MSI-X table/PBA mmio ranges made read-only for dom0.
 */
export function PHYSDEVOP_prepare_msix(s: Sys, dev: number, off: boolean): number {
  return s.log.call('xen', off ? 'PHYSDEVOP_release_msix' : 'PHYSDEVOP_prepare_msix', `0000:${pdevName(s, dev)}`, () => {
    const pdev = s.w.xen.pdevs[dev];
    if (!pdev) return -ERRNO.ENODEV;
    if (pdev.msix.used_entries !== (off ? 1 : 0)) return -ERRNO.EBUSY;
    if (off) {
      edit(s, 'xen', 'pdevs', dev, 'msix').used_entries = 0;
      return 0;
    }
    return msix_capability_init(s, dev, null);
  });
}

/** The MSI pirqs each domain maps for `dev` (read by the toolstack's wildcard unbind and the handover audit). */
export function mappedPirqsOf(x: XenState, dev: number): { domid: number; pirq: number; entry: number }[] {
  const out: { domid: number; pirq: number; entry: number }[] = [];
  for (const d of Object.values(x.domains)) {
    for (const [pS, info] of Object.entries(d.pirqs)) {
      const md = info.irq > 0 ? x.irqs[info.irq]?.msi_desc : undefined;
      if (md && md.dev === dev) out.push({ domid: d.domid, pirq: Number(pS), entry: md.entry_nr });
    }
  }
  return out;
}

/**
 * Models xen/drivers/passthrough/pci.c:assign_device @4.12 (XEN_DOMCTL_assign_device), with 575e18d54d's
 * pci_reset_msix_state (Xen 4.13): -EBUSY if MASKALL is set in hardware, otherwise clear host_maskall and
 * guest_maskall. Left out: IOMMU context setup, quarantine (DOMID_IO), phantom functions.
 */
export function XEN_DOMCTL_assign_device(s: Sys, domid: number, dev: number): number {
  return s.log.call('xen', 'XEN_DOMCTL_assign_device', `dom${domid} 0000:${pdevName(s, dev)}`, () => {
    const pdev = s.w.xen.pdevs[dev];
    const hw = s.w.hw[dev];
    if (!pdev || !hw) return -ERRNO.ENODEV;
    const d = s.w.xen.domains[domid];
    if (!d || d.dying) return -ERRNO.ESRCH;
    if (pdev.domain !== DOMID_HARDWARE) return -ERRNO.EBUSY;
    if (s.flags.xenResetMsixOnAssign) {
      // pci_reset_msix_state (575e18d54d)
      if (hw.msix.maskall) return -ERRNO.EBUSY;
      const pm = edit(s, 'xen', 'pdevs', dev, 'msix');
      pm.host_maskall = false;
      pm.guest_maskall = false;
    }
    edit(s, 'xen', 'pdevs', dev).domain = domid;
    return 0;
  });
}

/**
 * Models xen/drivers/passthrough/pci.c:deassign_device @4.12: the device goes back to the hardware domain;
 * the old owner's pirqs stay mapped. With chao-v6 every pirq of the old owner mapped to the device is
 * unbound and unmapped first and marked force_unbound / force_unmapped.
 */
export function XEN_DOMCTL_deassign_device(s: Sys, domid: number, dev: number): number {
  return s.log.call('xen', 'XEN_DOMCTL_deassign_device', `dom${domid} 0000:${pdevName(s, dev)}`, () => {
    const pdev = s.w.xen.pdevs[dev];
    if (!pdev) return -ERRNO.ENODEV;
    if (pdev.domain !== domid) {
      // deassign_device: pci_get_pdev_by_domain(d, ...) finds nothing -> -ENODEV; iommu_do_pci_domctl
      // (drivers/passthrough/pci.c @4.12) then prints "deassign %04x:%02x:%02x.%u from dom%d failed (%d)".
      s.log.log(`(XEN) deassign 0000:${pdevName(s, dev)} from dom${domid} failed (-${ERRNO.ENODEV})`);
      return -ERRNO.ENODEV;
    }
    pushAudit(s, { kind: 'handover', at: 'deassign', dev, from: domid, mapped: mappedPirqsOf(s.w.xen, dev).filter((m) => m.domid === domid) });
    if (s.flags.xenUnmapOnDeassign && s.w.xen.domains[domid]) {
      const d = edit(s, 'xen', 'domains', domid);
      for (const m of mappedPirqsOf(s.w.xen, dev)) {
        if (m.domid !== domid) continue;
        const info = pirqInfo(d, m.pirq);
        const bound = info.dpci !== null || s.w.xen.irqs[info.irq]?.guests.includes(domid) === true;
        if (info.dpci) {
          pirq_guest_unbind(s, d, m.pirq);
          setPirq(s, d, m.pirq, { dpci: null });
        }
        unmap_domain_pirq(s, d, m.pirq);
        own(s, d, 'forced')[m.pirq] = { unmapped: true, unbound: bound };
        s.log.log(`(XEN) dom${domid}: force unmapped pirq ${m.pirq} of 0000:${pdevName(s, dev)} on deassign`);
      }
    }
    edit(s, 'xen', 'pdevs', dev).domain = DOMID_HARDWARE;
    return 0;
  });
}

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
        if (!d.hvm && pirqInfo(d, p).irq !== 0) pirq_guest_unbind(s, d, p);
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
          pirq_guest_unbind(s, d, Number(pS));
          setPirq(s, d, Number(pS), { dpci: null });
        }
      });
      for (const [devS, pdev] of Object.entries(s.w.xen.pdevs)) if (pdev.domain === domid) edit(s, 'xen', 'pdevs', Number(devS)).domain = DOMID_HARDWARE;
    });
    s.log.call('xen', 'free_domain_pirqs', `dom${domid}`, () => {
      for (const [pS, info] of Object.entries(d.pirqs)) if (info.irq > 0) unmap_domain_pirq(s, d, Number(pS));
    });
    for (const [irqS, desc] of Object.entries(s.w.xen.irqs)) {
      if (desc.guests.includes(domid)) edit(s, 'xen', 'irqs')[Number(irqS)] = { ...desc, guests: desc.guests.filter((g) => g !== domid) };
    }
    delete edit(s, 'xen', 'domains')[domid];
    return 0;
  });
}

/** XEN_DOMCTL_createdomain: an empty domain. */
export function XEN_DOMCTL_createdomain(s: Sys, domid: number, hvm: boolean, nr_pirqs: number): number {
  return s.log.call('xen', 'XEN_DOMCTL_createdomain', `dom${domid} ${hvm ? 'hvm' : 'pv'}`, () => {
    if (s.w.xen.domains[domid]) return -ERRNO.EEXIST;
    edit(s, 'xen', 'domains')[domid] = newDomain(domid, hvm, nr_pirqs);
    return 0;
  });
}

/** The hardware domain id, re-exported for callers that name owners. */
export const HARDWARE_DOMAIN = DOMID_HARDWARE;

function rcStr(v: number): string {
  return v >= 0 ? String(v) : rc(v);
}
