/**
 * The hypervisor's data structures, as far as the model needs them, and the helpers every Xen file shares.
 *
 * Mirrors xen-project/xen @ RELEASE-4.12.0 (997d6248a9ae):
 *   xen/include/xen/sched.h       struct domain (pirq_tree, nr_pirqs, is_dying)
 *   xen/include/xen/irq.h         struct pirq, struct irq_desc
 *   xen/include/asm-x86/irq.h     struct arch_pirq (irq, hvm.emuirq, hvm.dpci)
 *   xen/include/asm-x86/msi.h     struct msi_desc, struct arch_msix
 *   xen/include/xen/pci.h         struct pci_dev (domain, msix)
 *   xen/drivers/passthrough/io.c  struct hvm_pirq_dpci
 */
import { IRQ_UNBOUND, DOMID_HARDWARE, rc } from '../../types.ts';
import type { Sys } from '../../context.ts';
import { edit, own, type Writable } from '../../cow.ts';
import { shortBdf } from '../device.ts';

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
  /**
   * d->is_shutting_down with d->shutdown_code SHUTDOWN_crash: set by domain_crash (xen/common/domain.c
   * __domain_crash -> domain_shutdown), the vCPUs paused; the toolstack destroys the domain (on_crash=destroy).
   * Absent while the domain runs.
   */
  readonly shutdown?: 'crash';
  /** chao-v6 only: pirqs Xen unmapped/unbound behind QEMU and pciback (force_unmapped/force_unbound). */
  readonly forced: Readonly<Record<number, { readonly unmapped: boolean; readonly unbound: boolean }>>;
  /**
   * X86_EMU_USE_PIRQ of d->arch.emulation_flags, which has_pirq(d) tests (xen/arch/x86/include/asm/domain.h
   * @RELEASE-4.22.0): set by the toolstack at XEN_DOMCTL_createdomain. Absent: set (every libxl up to 4.18
   * sets it for HVM; 024e7131be, Xen 4.19, clears it unless xl.cfg says hvm_pirq=1). Only `false` is stored.
   */
  readonly use_pirq?: false;
  /**
   * xen/arch/x86/hvm/vmsi.c d->arch.hvm.msixtbl_list: the msixtbl entry of each device that has one, in
   * `devices` by device index (the record name every device-keyed record has, which
   * checker/explore-symmetry.ts relies on): `refcnt` (msixtbl_pt_register at pt_irq_create_bind adds one,
   * msixtbl_pt_unregister at pt_irq_destroy_bind takes one, and deletes the entry as `xenMsixtblRefcountFixed`
   * says) and `table_flags`, the entries (bit n) whose address/data the guest wrote since Xen last let an
   * unmask through. Absent when no device has an entry.
   */
  readonly msixtbl?: { readonly devices: Readonly<Record<number, MsixtblEntry>> };
}

/** struct msixtbl_entry (xen/arch/x86/hvm/vmsi.c), the fields the model needs. */
export interface MsixtblEntry {
  readonly refcnt: number;
  readonly table_flags: number;
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
  /**
   * pdev->quarantine (319f9a0ba9, Xen 4.13): set when the device is assigned to dom_io, cleared when it goes
   * back to the hardware domain; a quarantined device returns to dom_io whatever `iommu_quarantine` says.
   * Absent: false.
   */
  readonly quarantine?: true;
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
export type D = Writable<XenDomain>;

export const DEFAULT_PIRQ: XenPirq = { irq: 0, evtchn: 0, emuirq: IRQ_UNBOUND, dpci: null };

export function initialXen(opts: { nr_irqs_gsi: number; nr_irqs: number }): XenState {
  return { nr_irqs_gsi: opts.nr_irqs_gsi, nr_irqs: opts.nr_irqs, domains: {}, irqs: {}, pdevs: {} };
}

export function newDomain(domid: number, hvm: boolean, nr_pirqs: number, usePirq = true): XenDomain {
  const d: XenDomain = { domid, hvm, dying: false, nr_pirqs, pirqs: {}, irq_pirq: {}, ports: {}, forced: {} };
  return usePirq ? d : { ...d, use_pirq: false };
}

export function newPdev(domain: number): XenPdev {
  return { domain, msix: { used_entries: 0, host_maskall: false, guest_maskall: false, warned: -1 } };
}

/** has_pirq(d) (asm/domain.h): the domain has X86_EMU_USE_PIRQ (XENFEAT_hvm_pirqs offered, emuirq in use). */
export function has_pirq(d: XenDomain): boolean {
  return d.use_pirq !== false;
}

/** pirq_info(d, p), with the defaults of a pirq that has no struct. */
export function pirqInfo(d: XenDomain, p: number): XenPirq {
  return d.pirqs[p] ?? DEFAULT_PIRQ;
}

/** Update a pirq; a pirq back at every default loses its struct, as pirq_cleanup_check frees it. */
export function setPirq(s: Sys, d: D, p: number, patch: Partial<XenPirq>): void {
  const next = { ...pirqInfo(d, p), ...patch } as XenPirq;
  if (next.irq === 0 && next.evtchn === 0 && next.emuirq === IRQ_UNBOUND && next.dpci === null) delete own(s, d, 'pirqs')[p];
  else own(s, d, 'pirqs')[p] = next;
}

/** The live domain `domid`, made writable for the running step; undefined if it does not exist or is dying. */
export function dom(s: Sys, domid: number): D | undefined {
  const d = s.w.xen.domains[domid];
  return d && !d.dying ? edit(s, 'xen', 'domains', domid) : undefined;
}

export function pdevName(s: Sys, dev: number): string {
  return shortBdf(s.w.hw[dev]?.bdf ?? `dev${dev}`);
}

/** The hardware domain id, re-exported for callers that name owners. */
export const HARDWARE_DOMAIN = DOMID_HARDWARE;

export function rcStr(v: number): string {
  return v >= 0 ? String(v) : rc(v);
}
