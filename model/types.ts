/**
 * Shared vocabulary of the model: the components, the errno values the real code returns, the sentinels
 * the real headers define, and the call record every handler emits.
 */

/** The real components whose steps interleave. `device` is the PCI function itself (hardware). */
export type Component = 'guest' | 'qemu' | 'dom0' | 'xen' | 'toolstack' | 'device';

/** Linux/Xen errno values (include/uapi/asm-generic/errno-base.h, xen/include/public/errno.h). */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  ENXIO: 6,
  ENOMEM: 12,
  EACCES: 13,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  ENOSPC: 28,
  ENOSYS: 38,
  ENODATA: 61,
  EALREADY: 114,
} as const;
export type ErrnoName = keyof typeof ERRNO;

/** Render a C-style return code the way a kernel log or xl dmesg would show it: `0` or `-EINVAL`. */
export function rc(code: number): string {
  if (code >= 0) return String(code);
  const name = (Object.keys(ERRNO) as ErrnoName[]).find((k) => ERRNO[k] === -code);
  return name ? `-${name}` : String(code);
}

/** xen/include/asm-x86/irq.h: pirq->arch.irq value after PHYSDEVOP_get_free_pirq, before a map. */
export const PIRQ_ALLOCATED = -1;
/** xen/include/asm-x86/irq.h: pirq->arch.hvm.emuirq values. */
export const IRQ_UNBOUND = -1;
export const IRQ_PT = -2;
/** hw/xen/xen_pt.h: XEN_PT_UNASSIGNED_PIRQ. */
export const XEN_PT_UNASSIGNED_PIRQ = -1;
/** arch/x86/include/asm/xen/pci.h: XEN_PIRQ_MSI_DATA = edge | level-assert | delivery mode 3, vector 0. */
export const XEN_PIRQ_MSI_DATA = 0x4300;
/** arch/x86/include/asm/msidef.h: MSI_ADDR_BASE_LO. */
export const MSI_ADDR_BASE_LO = 0xfee00000;
/** The hardware domain's domid. */
export const DOMID_HARDWARE = 0;
/** DOMID_IO, the owner of a quarantined device (Xen 4.13 and later). */
export const DOMID_IO = 0x7ff1;

/** PCI_MSIX_FLAGS bits (include/uapi/linux/pci_regs.h). */
export const PCI_MSIX_FLAGS_ENABLE = 0x8000;
export const PCI_MSIX_FLAGS_MASKALL = 0x4000;

/**
 * One call made while a step ran: which component, which real function, with which arguments, what it
 * returned and what it printed. Calls nest (a guest MMIO write traps into QEMU, which issues hypercalls);
 * `depth` is the nesting level, 0 for the action itself.
 */
export interface Call {
  readonly component: Component;
  readonly fn: string;
  readonly args: string;
  result: string;
  readonly log: string[];
  /** Position of the call in the step's sequence of calls and log lines. */
  readonly at: number;
  /** For each log line, its position in that same sequence, so a renderer can show everything in time order. */
  readonly logAt: number[];
  readonly depth: number;
}

/** The composed MSI message a PV-on-HVM guest writes to name a pirq (xen_msi_compose_msg @L-cur). */
export interface MsiMsg {
  readonly address_lo: number;
  readonly address_hi: number;
  readonly data: number;
}

export function hex(n: number): string {
  return '0x' + (n >>> 0).toString(16);
}
