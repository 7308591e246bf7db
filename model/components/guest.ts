/**
 * The guest Linux kernel of a PV-on-HVM domain: its PCI MSI/MSI-X core, the Xen pirq MSI glue, its event
 * channel irq_info records, and the device drivers that drive them (the workloads).
 *
 * Mirrors torvalds/linux arch/x86/pci/xen.c:xen_hvm_setup_msi_irqs in three versions (the `guestReuse`
 * flag): with af42b8d1 on 2.6.37/38 (drivers/xen/events.c pirq_to_irq[] array, never reset in an HVM
 * guest), with af42b8d1 on 2.6.39..4.10 (xen_irq_from_pirq scans the live irq_info list), and after
 * c74fd80f (always allocate); drivers/xen/events/events_base.c:xen_bind_pirq_msi_to_irq, startup_pirq,
 * shutdown_pirq, xen_destroy_irq; drivers/pci/msi.c:msix_capability_init, pci_msix_shutdown,
 * msi_capability_init, pci_msi_shutdown (v4.4 order: write messages, ENABLE|MASKALL, clear MASKALL; with
 * `guestMsixEarlyEnable`, 438553958ba1, ENABLE|MASKALL first, as drivers/pci/msi/msi.c @017239c8db20).
 *
 * The native path (arch/x86/pci/xen.c:pci_xen_hvm_init / xen_hvm_msi_init decide at boot: no
 * XENFEAT_hvm_pirqs, or APIC virtualization in cpuid leaf 4): the x86 PCI/MSI irqdomain, no hypercall, every
 * message and vector-control write an MMIO access of the emulated table (Xen's msixtbl, then QEMU); versions
 * by flag: drivers/pci/msi.c:msix_capability_init before and after 438553958ba1 (5.14), pci_write_msg_msix's
 * mask bracket (da181dc974ad), msi_domain_activate's early (reservation) message with
 * MANAGED_IRQ_SHUTDOWN_VECTOR, request_irq's final message + unmask, free_irq's mask + zero message
 * (msi_domain_deactivate), pci_msix_shutdown.
 *
 * The pirq path's vector-control writes before 7e0815b3e099 (`guestPirqMsixMasking`): msix_program_entries'
 * masks (to 5.13), msix_mask_all before (5.14 - 5.15.10) or after (5.15.11 - 5.17) the setup with the mask
 * bracket of each message, pci_msix_shutdown's masks.
 *
 * Left out: multi-vector MSI, CPU affinity and vector spreading (the model gives each native irq the lowest free
 * vector from 0x22 and compares only for equality), and everything of the drivers except their interrupt setup
 * and teardown order.
 */
import {
  MSI_ADDR_BASE_LO,
  XEN_PIRQ_MSI_DATA,
  hex,
  rc,
  type MsiMsg,
} from '../types.ts';
import type { Sys } from '../context.ts';
import { edit, own, type Writable } from '../cow.ts';
import { pushAudit } from './device.ts';

/** irq_info of type IRQT_PIRQ (drivers/xen/events), plus what the MSI core knows of the vector. */
export interface GuestIrq {
  readonly irq: number;
  /** u.pirq.pirq. */
  readonly pirq: number;
  readonly dev: number;
  /** msi_attrib.entry_nr (0 for MSI). */
  readonly entry: number;
  readonly msix: boolean;
  /** irq_info.evtchn: the port startup_pirq bound, 0 if none. */
  readonly evtchn: number;
  /** A driver holds it (request_irq .. free_irq). */
  readonly requested: boolean;
}

/**
 * Where a driver is in its interrupt setup/teardown program. NVMe (nvme_reset_work): enable one vector
 * for the admin queue, use it, free it, disable, then enable the I/O vectors; nvme_remove frees them all
 * and disables.
 */
export type DriverStage =
  | 'idle'
  | 'probe-enabled'
  | 'probe-ready'
  | 'probe-running'
  | 'probe-freed'
  | 'probe-disabled'
  | 'io-enabled'
  | 'io-ready'
  | 'running'
  | 'unloading';

export interface DriverState {
  readonly stage: DriverStage;
  /** Vectors enabled for the current stage. */
  readonly nvec: number;
  /** Next vector to request or free. */
  readonly next: number;
}

export interface GuestDevice {
  /** The slot the guest sees, "00:04.0". */
  readonly vslot: string;
  /** dev->msix_enabled / dev->msi_enabled. */
  readonly msix_enabled: boolean;
  readonly msi_enabled: boolean;
  /** dev->msi_list: the Linux irq of each enabled entry, by entry number. */
  readonly msi_list: Readonly<Record<number, number>>;
  /** Which interrupt mode the driver uses. */
  readonly mode: 'msix' | 'msi';
  readonly driver: DriverState;
}

/**
 * A Linux irq of the native x86 PCI/MSI irqdomain (struct msi_desc + the vector domain's apic_chip_data): no
 * irq_info, no pirq. Not in xen_irq_list_head.
 */
export interface GuestNativeIrq {
  readonly irq: number;
  readonly dev: number;
  readonly entry: number;
  readonly msix: boolean;
  /** apicd->vector once request_irq activated it for good; allocated at setup (compared only for equality). */
  readonly vector: number;
  /** A driver holds it (request_irq .. free_irq). */
  readonly requested: boolean;
  /** desc->pci.msix_ctrl & PCI_MSIX_ENTRY_CTRL_MASKBIT: what Linux believes the vector control word is. */
  readonly msix_ctrl_masked: boolean;
}

export interface GuestKernel {
  readonly domid: number;
  /**
   * pci_xen_hvm_init's decision at boot: 'native' when the domain was not offered XENFEAT_hvm_pirqs or the
   * host has APIC virtualization (xen_hvm_msi_init). Absent: the Xen pirq MSI ops (xen_hvm_setup_msi_irqs).
   */
  readonly msi_ops?: 'native';
  /** The native irqdomain's MSI irqs, by Linux irq; present only on the native path. */
  readonly native_irqs?: Readonly<Record<number, GuestNativeIrq>>;
  /** xen_irq_list_head: live irq_info records, by Linux irq. */
  readonly irqs: Readonly<Record<number, GuestIrq>>;
  /**
   * pirq_to_irq[] of 2.6.37/38 (drivers/xen/events.c): set when a pirq is bound to an irq and, in an HVM
   * guest, never reset by xen_destroy_irq. Later kernels have no such array; only `guestReuse =
   * 'ever-bound'` reads it.
   */
  readonly pirq_to_irq: Readonly<Record<number, number>>;
  readonly devices: Readonly<Record<number, GuestDevice>>;
}

/** A guest kernel and a device of it, owned by the running step (model/cow.ts). */
type G = Writable<GuestKernel>;
type GD = Writable<GuestDevice>;

/** First Linux irq handed out for dynamic irqs in the model (after the legacy and IO-APIC range). */
const FIRST_DYNAMIC_IRQ = 24;

export function initialGuestDevice(vslot: string, mode: 'msix' | 'msi'): GuestDevice {
  return { vslot, msix_enabled: false, msi_enabled: false, msi_list: {}, mode, driver: { stage: 'idle', nvec: 0, next: 0 } };
}

function g(s: Sys, domid: number): G | undefined {
  return s.w.guests[domid] ? edit(s, 'guests', domid) : undefined;
}

function gdev(s: Sys, k: G | undefined, dev: number): GD | undefined {
  return k?.devices[dev] ? own(s, own(s, k, 'devices'), dev) : undefined;
}

/** dev_printk prefix as the guest prints it: "nvme 0000:00:04.0: ". */
function devp(d: GD): string {
  return `nvme 0000:${d.vslot}: `;
}

/**
 * xen_msi_compose_msg (arch/x86/pci/xen.c): the pirq in the destination-id fields, vector 0; data
 * XEN_PIRQ_MSI_DATA (0x4300) up to 5.9, APIC_DELIVERY_MODE_EXTINT (0x700) from the 5.10 irqdomain rework.
 */
export function xen_msi_compose_msg(pirq: number, extint = false): MsiMsg {
  return {
    address_hi: pirq & 0xffffff00,
    address_lo: (MSI_ADDR_BASE_LO | ((pirq & 0xff) << 12)) >>> 0,
    data: extint ? XEN_PIRQ_MSI_DATA_EXTINT : XEN_PIRQ_MSI_DATA,
  };
}

/** 5.10+ xen_msi_compose_msg: arch_data.delivery_mode = APIC_DELIVERY_MODE_EXTINT (7 << 8), vector 0. */
const XEN_PIRQ_MSI_DATA_EXTINT = 0x700;

/**
 * arch/x86/pci/xen.c:pci_xen_hvm_init + xen_hvm_msi_init (same rule 4.x to 6.x): the Xen pirq MSI ops only if
 * the hypervisor offers XENFEAT_hvm_pirqs (`if (!xen_have_vector_callback || !xen_feature(XENFEAT_hvm_pirqs))
 * return 0;`) and cpuid leaf 4 shows no APIC/x2APIC virtualization ("we don't need to use pirqs/event channels
 * for MSI handling and instead use regular APIC processing"). The vector callback is always there in the model.
 */
export function pci_xen_hvm_init(hvmPirqs: boolean, apicVirt: boolean): 'xen-pirq' | 'native' {
  return hvmPirqs && !apicVirt ? 'xen-pirq' : 'native';
}

/** A booted guest kernel: its MSI ops as pci_xen_hvm_init chose them, no irqs yet. */
export function initialGuestKernel(domid: number, devices: Record<number, GuestDevice>, ops: 'xen-pirq' | 'native'): GuestKernel {
  const k: GuestKernel = { domid, irqs: {}, pirq_to_irq: {}, devices };
  return ops === 'native' ? { ...k, msi_ops: 'native', native_irqs: {} } : k;
}

/** MSI_ADDR_EXT_DEST_ID(address_hi) | ((address_lo >> MSI_ADDR_DEST_ID_SHIFT) & 0xff). */
function decodePirq(m: MsiMsg): number {
  return (m.address_hi & 0xffffff00) | ((m.address_lo >>> 12) & 0xff);
}

/**
 * The af42b8d1 reuse test, `xen_irq_from_pirq(pirq) >= 0`, as each kernel implements it. This is the one
 * decision point the guest variants change.
 */
function cachedPirqIsBound(s: Sys, k: G, pirq: number): boolean {
  switch (s.flags.guestReuse) {
    case 'never': // c74fd80f: the cached message is never consulted.
      return false;
    case 'live-irq': // 2.6.39..4.10: xen_irq_from_pirq scans the live irq_info list.
      return Object.values(k.irqs).some((i) => i.pirq === pirq);
    case 'ever-bound': // 2.6.37/38: pirq_to_irq[pirq], stale after teardown in an HVM guest.
      return k.pirq_to_irq[pirq] !== undefined;
  }
}

/** xen_bind_pirq_msi_to_irq (events_base.c): a new irq_info for `pirq`; no hypercall, no duplicate check. */
export function xen_bind_pirq_msi_to_irq(s: Sys, k: G, dev: number, entry: number, msix: boolean, pirq: number): number {
  let irq = FIRST_DYNAMIC_IRQ;
  while (k.irqs[irq]) irq++;
  own(s, k, 'irqs')[irq] = { irq, pirq, dev, entry, msix, evtchn: 0, requested: false };
  own(s, k, 'pirq_to_irq')[pirq] = irq;
  return irq;
}

/**
 * Models arch/x86/pci/xen.c:xen_hvm_setup_msi_irqs for the entries 0..nvec-1 of one device: read the
 * message back from the (emulated) device, decide whether the cached pirq can be reused, otherwise
 * PHYSDEVOP_get_free_pirq, compose and write the message, then bind a Linux irq to the pirq.
 */
export function xen_hvm_setup_msi_irqs(s: Sys, k: G, dev: number, d: GD, nvec: number, msix: boolean): number {
  return s.log.call('guest', 'xen_hvm_setup_msi_irqs', `0000:${d.vslot} nvec=${nvec} type=${msix ? 'MSI-X' : 'MSI'}`, () => {
    // The one read of guestXenMsiIrqdomain (the 5.10 rework): the composed message's delivery mode and the
    // error line.
    const irqdomain = s.flags.guestXenMsiIrqdomain;
    for (let e = 0; e < nvec; e++) {
      const msg = msix ? s.fn.qemu.pci_msix_read(s, k.domid, dev, e) : s.fn.qemu.msi_read(s, k.domid, dev);
      let pirq = msg ? decodePirq(msg) : 0;
      if (s.flags.guestReuse !== 'never' && msg && msg.data === XEN_PIRQ_MSI_DATA && cachedPirqIsBound(s, k, pirq)) {
        s.log.log(`${devp(d)}xen: msi already bound to pirq=${pirq} [dev_dbg]`);
        pushAudit(s, { kind: 'guest_reuse', domid: k.domid, dev, entry: e, pirq });
      } else {
        pirq = s.fn.xen.PHYSDEVOP_get_free_pirq(s, k.domid);
        if (pirq < 0) {
          if (irqdomain) s.log.log(`${devp(d)}Failed to create MSI${msix ? '-X' : ''}! ret=${rc(-19)}!`);
          else s.log.log(`${devp(d)}Xen PCI frontend has not registered MSI/MSI-X support!`);
          return -19;
        }
        const m = xen_msi_compose_msg(pirq, irqdomain);
        // guestPirqMsixMasking 'before-setup' / 'after-setup' (5.14 - 5.17): a descriptor that can mask, so
        // __pci_write_msi_msg brackets the message by its vector control as read at setup (msix_setup_entries,
        // after msix_mask_all in 5.14 - 5.15.10; nothing writes this entry's vector control in between, so it is
        // read here). Before 5.14 the message is written as is.
        const bracket = s.flags.guestPirqMsixMasking === 'before-setup' || s.flags.guestPirqMsixMasking === 'after-setup';
        if (msix && bracket) s.fn.guest.pci_write_msg_msix(s, k.domid, dev, e, m, s.fn.xen.msixtbl_read_vector_ctrl(s, k.domid, dev, e));
        else if (msix) s.fn.xen.msixtbl_write(s, k.domid, dev, e, m);
        else s.fn.qemu.xen_pt_msg_reg_write(s, k.domid, dev, m);
        s.log.log(`${devp(d)}xen: msi bound to pirq=${pirq} [dev_dbg]`);
      }
      const irq = s.fn.guest.xen_bind_pirq_msi_to_irq(s, k, dev, e, msix, pirq);
      own(s, d, 'msi_list')[e] = irq;
      s.log.log(`${devp(d)}xen: msi --> pirq=${pirq} --> irq=${irq} [dev_dbg]`);
    }
    return 0;
  });
}

/** xen_teardown_msi_irqs -> xen_destroy_irq: an HVM guest issues no unmap; xen_free_irq drops the irq_info. */
export function xen_teardown_msi_irqs(s: Sys, k: G, d: GD): void {
  s.log.call('guest', 'xen_teardown_msi_irqs', `0000:${d.vslot}`, () => {
    for (const irq of Object.values(d.msi_list)) {
      delete own(s, k, 'irqs')[irq];
    }
    d.msi_list = {};
  });
}


/* ------------------------------------------------------------------------------------------------ */
/* the native x86 PCI/MSI irqdomain (no XENFEAT_hvm_pirqs, or APIC virtualization)                    */

/** arch/x86/include/asm/irq_vectors.h: the vector of a reservation-mode activation (x86_vector_activate). */
export const MANAGED_IRQ_SHUTDOWN_VECTOR = 0xef;
/** First vector the model hands out to a native irq (only equality of vectors is ever compared). */
const FIRST_MODEL_VECTOR = 0x22;

/** x86 MSI message for `vector`: destination APIC 0, fixed delivery, edge (irq_msi_compose_msg); zero for 0. */
export function nativeMsiMsg(vector: number): MsiMsg {
  if (vector === 0) return { address_lo: 0, address_hi: 0, data: 0 };
  return { address_lo: MSI_ADDR_BASE_LO, address_hi: 0, data: vector };
}

function nativeIrqs(s: Sys, k: G): Writable<Record<number, GuestNativeIrq>> {
  return own(s, k, 'native_irqs') as Writable<Record<number, GuestNativeIrq>>;
}

/** __msi_domain_alloc_irqs for one descriptor: a Linux irq and a vector. */
function nativeAlloc(s: Sys, k: G, dev: number, entry: number, msix: boolean, ctrlMasked: boolean): GuestNativeIrq {
  let irq = FIRST_DYNAMIC_IRQ;
  while (k.irqs[irq] || k.native_irqs?.[irq]) irq++;
  const used = new Set(Object.values(k.native_irqs ?? {}).map((i) => i.vector));
  let vector = FIRST_MODEL_VECTOR;
  while (used.has(vector)) vector++;
  const rec: GuestNativeIrq = { irq, dev, entry, msix, vector, requested: false, msix_ctrl_masked: ctrlMasked };
  nativeIrqs(s, k)[irq] = rec;
  return rec;
}

/** An MMIO write of an entry's vector control word: Xen's msixtbl intercept first, then QEMU. */
function writeVectorCtrl(s: Sys, domid: number, dev: number, entry: number, masked: boolean): void {
  s.fn.xen.msixtbl_write_vector_ctrl(s, domid, dev, entry, masked);
}

/** drivers/pci/msi/msi.c:msix_mask_all(base, tsize): a mask write to every entry of the table (QEMU's size, else nvec). */
function msixMaskAll(s: Sys, domid: number, dev: number, nvec: number): void {
  const tsize = s.w.qemu[domid]?.devices[dev]?.msix.msix_entry.length ?? nvec;
  for (let e = 0; e < tsize; e++) writeVectorCtrl(s, domid, dev, e, true);
}

/**
 * drivers/pci/msi.c:msix_program_entries (v2.6.32 .. v5.13): "entry->masked = readl(...); msix_mask_irq(entry,
 * 1);" for each used entry, a vector-control write to the table (x86_msi.msix_mask_irq, later
 * __pci_msix_desc_mask_irq: only pci_msi_ignore_mask, set for PV guests, skips it), through Xen's msixtbl.
 */
function msixProgramEntries(s: Sys, domid: number, dev: number, nvec: number): void {
  for (let e = 0; e < nvec; e++) writeVectorCtrl(s, domid, dev, e, true);
}

/**
 * Models drivers/pci/msi/msi.c:pci_write_msg_msix (irq_chip_write_msi_msg of the PCI/MSI domain): with
 * `guestMsixMaskForUpdate` (da181dc974ad, the one read) a message for an entry Linux believes unmasked is
 * bracketed by "ctrl | PCI_MSIX_ENTRY_CTRL_MASKBIT" and "ctrl"; the three dwords go through Xen's msixtbl to QEMU.
 */
export function pci_write_msg_msix(s: Sys, domid: number, dev: number, entry: number, m: MsiMsg, ctrlMasked: boolean): void {
  const bracket = s.flags.guestMsixMaskForUpdate && !ctrlMasked;
  if (bracket) writeVectorCtrl(s, domid, dev, entry, true);
  s.fn.xen.msixtbl_write(s, domid, dev, entry, m);
  if (bracket) writeVectorCtrl(s, domid, dev, entry, false);
}

/**
 * Models drivers/pci/msi/msi.c:msix_capability_init on the native path. With `guestMsixEarlyEnable`
 * (438553958ba1, Linux 5.14; the one read): ENABLE|MASKALL first ("pci_msix_clear_and_set_ctrl(dev, 0,
 * PCI_MSIX_FLAGS_MASKALL | PCI_MSIX_FLAGS_ENABLE)"), msix_setup_interrupts (msix_prepare_msi_desc reads the
 * vector control, msi_domain_activate writes the early message with MANAGED_IRQ_SHUTDOWN_VECTOR), then
 * msix_mask_all over the whole table (late, Stefan Roese's 2021 fix; desc->msix_ctrl not updated). Before: the
 * messages are written with MSI-X disabled, then ENABLE|MASKALL and msix_program_entries masks each used entry.
 * The MASKALL clear is the next step (pci_msix_clear_and_set_ctrl), as on the pirq path.
 */
function nativeEnableMsix(s: Sys, k: G, dev: number, d: GD, nvec: number): number {
  return s.log.call('guest', 'msix_capability_init', `0000:${d.vslot} nvec=${nvec} (x86 PCI/MSI irqdomain)`, () => {
    const early = s.flags.guestMsixEarlyEnable;
    if (early) {
      s.fn.qemu.xen_pt_msixctrl_reg_write(s, k.domid, dev, true, true);
      d.msix_enabled = true;
    }
    for (let e = 0; e < nvec; e++) {
      const ctrlMasked = s.fn.xen.msixtbl_read_vector_ctrl(s, k.domid, dev, e);
      const rec = nativeAlloc(s, k, dev, e, true, ctrlMasked);
      own(s, d, 'msi_list')[e] = rec.irq;
      s.fn.guest.pci_write_msg_msix(s, k.domid, dev, e, nativeMsiMsg(MANAGED_IRQ_SHUTDOWN_VECTOR), ctrlMasked);
    }
    if (!early) s.fn.qemu.xen_pt_msixctrl_reg_write(s, k.domid, dev, true, true);
    if (early) msixMaskAll(s, k.domid, dev, nvec);
    else msixProgramEntries(s, k.domid, dev, nvec);
    if (!early) {
      // msix_program_entries: "entry->masked = readl(...); msix_mask_irq(entry, 1);"
      for (const irq of Object.values(d.msi_list)) {
        const cur = k.native_irqs?.[irq];
        if (cur) nativeIrqs(s, k)[irq] = { ...cur, msix_ctrl_masked: true };
      }
    }
    d.msix_enabled = true;
    return 0;
  });
}

/** msi_capability_init on the native path: the early message, then PCI_MSI_FLAGS_ENABLE (QEMU maps and binds). */
function nativeEnableMsi(s: Sys, k: G, dev: number, d: GD): number {
  return s.log.call('guest', 'msi_capability_init', `0000:${d.vslot} (x86 PCI/MSI irqdomain)`, () => {
    const rec = nativeAlloc(s, k, dev, 0, false, false);
    own(s, d, 'msi_list')[0] = rec.irq;
    s.fn.qemu.xen_pt_msg_reg_write(s, k.domid, dev, nativeMsiMsg(MANAGED_IRQ_SHUTDOWN_VECTOR));
    s.fn.qemu.xen_pt_msgctrl_reg_write(s, k.domid, dev, true);
    d.msi_enabled = true;
    return 0;
  });
}

/**
 * request_irq on the native path: irq_startup activates the vector for good (the final message, written by
 * pci_write_msg_msix) and unmasks it (pci_msix_unmask: vector control 0); for MSI only the message changes.
 */
function nativeRequestIrq(s: Sys, k: G, dev: number, d: GD, rec: GuestNativeIrq): number {
  return s.log.call('guest', 'irq_startup', `irq=${rec.irq} vector=${hex(rec.vector)}`, () => {
    if (rec.msix) {
      s.fn.guest.pci_write_msg_msix(s, k.domid, dev, rec.entry, nativeMsiMsg(rec.vector), rec.msix_ctrl_masked);
      writeVectorCtrl(s, k.domid, dev, rec.entry, false);
    } else {
      s.fn.qemu.xen_pt_msg_reg_write(s, k.domid, dev, nativeMsiMsg(rec.vector));
    }
    const cur = k.native_irqs?.[rec.irq];
    if (cur) nativeIrqs(s, k)[rec.irq] = { ...cur, requested: true, msix_ctrl_masked: false };
    advanceAfterRequest(d);
    return 0;
  });
}

/**
 * free_irq on the native path: irq_shutdown_and_deactivate: mask (pci_msix_mask), then msi_domain_deactivate
 * ("memset(msg, 0, sizeof(msg)); irq_chip_write_msi_msg(irq_data, msg);"): a zero message.
 */
function nativeFreeIrq(s: Sys, k: G, dev: number, d: GD, rec: GuestNativeIrq): number {
  return s.log.call('guest', 'irq_shutdown_and_deactivate', `irq=${rec.irq}`, () => {
    if (rec.msix) {
      writeVectorCtrl(s, k.domid, dev, rec.entry, true);
      s.fn.guest.pci_write_msg_msix(s, k.domid, dev, rec.entry, nativeMsiMsg(0), true);
    } else {
      s.fn.qemu.xen_pt_msg_reg_write(s, k.domid, dev, nativeMsiMsg(0));
    }
    const cur = k.native_irqs?.[rec.irq];
    if (cur) nativeIrqs(s, k)[rec.irq] = { ...cur, requested: false, msix_ctrl_masked: rec.msix ? true : cur.msix_ctrl_masked };
    advanceAfterFree(d);
    return 0;
  });
}

/** free_msi_irqs on the native path: the descriptors and irqs freed. */
function nativeTeardown(s: Sys, k: G, d: GD): void {
  for (const irq of Object.values(d.msi_list)) if (k.native_irqs?.[irq]) delete nativeIrqs(s, k)[irq];
  d.msi_list = {};
}

/* ------------------------------------------------------------------------------------------------ */
/* actions                                                                                           */

/**
 * Models drivers/pci/msi.c:pci_enable_msix -> msix_capability_init @v4.4 up to and including the write of
 * ENABLE|MASKALL: xen_hvm_setup_msi_irqs, then the control write QEMU traps. On a setup failure the irqs
 * made so far are freed (the pirqs Xen reserved with get_free_pirq stay reserved) and -ENODEV returned.
 */
export function pci_enable_msix(s: Sys, domid: number, dev: number, nvec: number): number {
  const k = g(s, domid);
  const d = gdev(s, k, dev);
  if (!k || !d) return -19;
  if (d.msix_enabled || d.msi_enabled) return -22;
  if (k.msi_ops === 'native') {
    nativeEnableMsix(s, k, dev, d, nvec);
    d.driver = { stage: d.driver.stage === 'idle' ? 'probe-enabled' : 'io-enabled', nvec, next: 0 };
    return nvec;
  }
  // With guestMsixEarlyEnable (438553958ba1) the pirq path takes the same order as the native one:
  // drivers/pci/msi/msi.c:msix_capability_init @017239c8db20 writes ENABLE|MASKALL before
  // msix_setup_interrupts (xen_hvm_setup_msi_irqs writes the messages), and on a failure out_disable clears
  // both after pci_free_msi_irqs (ENABLE only before 94185adbfad5, 'before-setup').
  const early = s.flags.guestMsixEarlyEnable;
  // Where the MSI core masks the table on this path (guestPirqMsixMasking, the one read): drivers/pci/msi.c
  // @5.14.2 "msix_mask_all(base, tsize)" right after ENABLE|MASKALL; @5.15.85 after msix_setup_interrupts
  // (83dbf898a2d4); before 5.14 msix_program_entries; nothing once pci_msi_ignore_mask is set (7e0815b3e099).
  const masking = s.flags.guestPirqMsixMasking;
  if (early) {
    s.fn.qemu.xen_pt_msixctrl_reg_write(s, domid, dev, true, true);
    d.msix_enabled = true;
    if (masking === 'before-setup') msixMaskAll(s, domid, dev, nvec);
  }
  const r = s.fn.guest.xen_hvm_setup_msi_irqs(s, k, dev, d, nvec, true);
  if (r < 0) {
    s.fn.guest.xen_teardown_msi_irqs(s, k, d);
    if (early) {
      s.fn.qemu.xen_pt_msixctrl_reg_write(s, domid, dev, false, masking === 'before-setup');
      d.msix_enabled = false;
    }
    d.driver = { stage: 'idle', nvec: 0, next: 0 };
    s.log.log(`${devp(d)}Removing after probe failure status: ${rc(r)}`);
    return r;
  }
  if (!early) s.fn.qemu.xen_pt_msixctrl_reg_write(s, domid, dev, true, true);
  if (masking === 'program-entries') msixProgramEntries(s, domid, dev, nvec);
  if (masking === 'after-setup') msixMaskAll(s, domid, dev, nvec);
  d.msix_enabled = true;
  d.driver = { stage: d.driver.stage === 'idle' ? 'probe-enabled' : 'io-enabled', nvec, next: 0 };
  return nvec;
}

/** Models the last write of msix_capability_init @v4.4: pci_msix_clear_and_set_ctrl(dev, MASKALL, 0). */
export function pci_msix_clear_and_set_ctrl(s: Sys, domid: number, dev: number): number {
  const d = gdev(s, g(s, domid), dev);
  if (!d) return -19;
  s.fn.qemu.xen_pt_msixctrl_reg_write(s, domid, dev, true, false);
  d.driver = { ...d.driver, stage: d.driver.stage === 'probe-enabled' ? 'probe-ready' : 'io-ready', next: 0 };
  return 0;
}

/**
 * Models drivers/pci/msi.c:pci_enable_msi -> msi_capability_init: xen_hvm_setup_msi_irqs for the single
 * vector, then PCI_MSI_FLAGS_ENABLE, which QEMU traps.
 */
export function pci_enable_msi(s: Sys, domid: number, dev: number): number {
  const k = g(s, domid);
  const d = gdev(s, k, dev);
  if (!k || !d) return -19;
  if (d.msix_enabled || d.msi_enabled) return -22;
  if (k.msi_ops === 'native') {
    nativeEnableMsi(s, k, dev, d);
    d.driver = { stage: d.driver.stage === 'idle' ? 'probe-ready' : 'io-ready', nvec: 1, next: 0 };
    return 0;
  }
  const r = s.fn.guest.xen_hvm_setup_msi_irqs(s, k, dev, d, 1, false);
  if (r < 0) {
    s.fn.guest.xen_teardown_msi_irqs(s, k, d);
    d.driver = { stage: 'idle', nvec: 0, next: 0 };
    s.log.log(`${devp(d)}Removing after probe failure status: ${rc(r)}`);
    return r;
  }
  s.fn.qemu.xen_pt_msgctrl_reg_write(s, domid, dev, true);
  d.msi_enabled = true;
  d.driver = { stage: d.driver.stage === 'idle' ? 'probe-ready' : 'io-ready', nvec: 1, next: 0 };
  return 0;
}

/**
 * Models request_irq on a pirq irq: startup_pirq issues EVTCHNOP_bind_pirq; on failure it warns "Failed
 * to obtain physical IRQ %d" (the Linux irq) and returns 0, so request_irq succeeds with no event channel.
 */
export function request_irq(s: Sys, domid: number, dev: number, entry: number): number {
  const k = g(s, domid);
  const d = gdev(s, k, dev);
  const irq = d?.msi_list[entry];
  const nat = irq !== undefined ? k?.native_irqs?.[irq] : undefined;
  if (k && d && nat) return nativeRequestIrq(s, k, dev, d, nat);
  const info = irq !== undefined ? k?.irqs[irq] : undefined;
  if (!k || !d || irq === undefined || !info) return -22;
  return s.log.call('guest', 'startup_pirq', `irq=${irq} pirq=${info.pirq}`, () => {
    const port = s.fn.xen.EVTCHNOP_bind_pirq(s, domid, info.pirq);
    const cur = k.irqs[irq];
    if (!cur) return 0;
    if (port < 0) {
      s.log.log(`Failed to obtain physical IRQ ${irq}`);
      own(s, k, 'irqs')[irq] = { ...cur, requested: true };
    } else {
      own(s, k, 'irqs')[irq] = { ...cur, evtchn: port, requested: true };
    }
    advanceAfterRequest(d);
    return 0;
  });
}

function advanceAfterRequest(d: GD): void {
  const drv = d.driver;
  if (drv.stage === 'probe-ready') d.driver = { ...drv, stage: 'probe-running' };
  else if (drv.stage === 'io-ready') {
    const next = drv.next + 1;
    d.driver = { ...drv, next, stage: next >= drv.nvec ? 'running' : 'io-ready' };
  }
}

/** Models free_irq on a pirq irq: shutdown_pirq closes the event channel (EVTCHNOP_close). */
export function free_irq(s: Sys, domid: number, dev: number, entry: number): number {
  const k = g(s, domid);
  const d = gdev(s, k, dev);
  const irq = d?.msi_list[entry];
  const nat = irq !== undefined ? k?.native_irqs?.[irq] : undefined;
  if (k && d && nat) return nativeFreeIrq(s, k, dev, d, nat);
  const info = irq !== undefined ? k?.irqs[irq] : undefined;
  if (!k || !d || irq === undefined || !info) return -22;
  return s.log.call('guest', 'shutdown_pirq', `irq=${irq} pirq=${info.pirq} port=${info.evtchn}`, () => {
    if (info.evtchn) s.fn.xen.EVTCHNOP_close(s, domid, info.evtchn);
    const cur = k.irqs[irq];
    if (cur) own(s, k, 'irqs')[irq] = { ...cur, evtchn: 0, requested: false };
    advanceAfterFree(d);
    return 0;
  });
}

function advanceAfterFree(d: GD): void {
  const drv = d.driver;
  if (drv.stage === 'probe-running') d.driver = { ...drv, stage: 'probe-freed' };
  else if (drv.stage === 'running') d.driver = { ...drv, stage: 'unloading', next: 1 };
  else if (drv.stage === 'unloading') d.driver = { ...drv, next: drv.next + 1 };
}

/**
 * Models drivers/pci/msi.c:pci_disable_msix @v4.4: pci_msix_shutdown clears ENABLE (QEMU traps it), then
 * free_msi_irqs tears the irqs down.
 */
export function pci_disable_msix(s: Sys, domid: number, dev: number): number {
  const k = g(s, domid);
  const d = gdev(s, k, dev);
  if (!k || !d) return -19;
  if (!d.msix_enabled) return 0;
  if (k.msi_ops === 'native') {
    // pci_msix_shutdown: "for_each_pci_msi_entry: pci_msix_mask(desc)", then ENABLE cleared.
    for (const irq of Object.values(d.msi_list)) {
      const rec = k.native_irqs?.[irq];
      if (rec && !rec.msix_ctrl_masked) writeVectorCtrl(s, domid, dev, rec.entry, true);
    }
  } else if (s.flags.guestPirqMsixMasking !== 'none') {
    // The same mask of each descriptor on the pirq path until pci_msi_ignore_mask (7e0815b3e099): "Return the
    // device with MSI-X masked as initial states" (arch_msix_mask_irq / __pci_msix_desc_mask_irq / pci_msix_mask).
    for (const e of Object.keys(d.msi_list)) writeVectorCtrl(s, domid, dev, Number(e), true);
  }
  s.fn.qemu.xen_pt_msixctrl_reg_write(s, domid, dev, false, false);
  d.msix_enabled = false;
  if (k.msi_ops === 'native') nativeTeardown(s, k, d);
  else s.fn.guest.xen_teardown_msi_irqs(s, k, d);
  d.driver = { stage: d.driver.stage === 'probe-freed' ? 'probe-disabled' : 'idle', nvec: 0, next: 0 };
  return 0;
}

/** Models drivers/pci/msi.c:pci_disable_msi: clear PCI_MSI_FLAGS_ENABLE (QEMU traps it), free the irqs. */
export function pci_disable_msi(s: Sys, domid: number, dev: number): number {
  const k = g(s, domid);
  const d = gdev(s, k, dev);
  if (!k || !d) return -19;
  if (!d.msi_enabled) return 0;
  s.fn.qemu.xen_pt_msgctrl_reg_write(s, domid, dev, false);
  d.msi_enabled = false;
  if (k.msi_ops === 'native') nativeTeardown(s, k, d);
  else s.fn.guest.xen_teardown_msi_irqs(s, k, d);
  d.driver = { stage: d.driver.stage === 'probe-freed' ? 'probe-disabled' : 'idle', nvec: 0, next: 0 };
  return 0;
}

/**
 * A config-space write of the MSI-X Message Control word from guest user space (setpci) or a misbehaving
 * driver, bypassing the MSI core: the guest's own bookkeeping does not change, QEMU sees ENABLE=0.
 */
export function pci_write_config_msix_flags(s: Sys, domid: number, dev: number, enable: boolean): number {
  const d = s.w.guests[domid]?.devices[dev];
  if (!d) return -19;
  s.fn.qemu.xen_pt_msixctrl_reg_write(s, domid, dev, enable, false);
  return 0;
}

/**
 * The guest's side of a hot-unplug (QMP device_del raises an ACPI eject request): drivers/pci/hotplug
 * acpiphp_disable_and_eject_slot -> pci_stop_and_remove_bus_device -> the driver's remove (nvme_remove:
 * free every requested vector, then pci_disable_msix / pci_disable_msi), then the device is gone from the
 * guest. Only possible while the device model serves the guest's trapped accesses.
 */
export function acpiphp_eject(s: Sys, domid: number, dev: number): number {
  const k = g(s, domid);
  const d = gdev(s, k, dev);
  if (!k || !d) return -19;
  return s.log.call('guest', 'acpiphp_disable_and_eject_slot', `0000:${d.vslot}`, () => {
    for (const [eS, irq] of Object.entries(d.msi_list)) {
      if (k.irqs[irq]?.requested || k.native_irqs?.[irq]?.requested) s.fn.guest.free_irq(s, domid, dev, Number(eS));
    }
    if (d.msix_enabled) s.fn.guest.pci_disable_msix(s, domid, dev);
    if (d.msi_enabled) s.fn.guest.pci_disable_msi(s, domid, dev);
    if (Object.keys(d.msi_list).length) {
      if (k.msi_ops === 'native') nativeTeardown(s, k, d);
      else s.fn.guest.xen_teardown_msi_irqs(s, k, d);
    }
    delete own(s, k, 'devices')[dev];
    return 0;
  });
}
