/**
 * The guest Linux kernel of a PV-on-HVM domain: its PCI MSI/MSI-X core, the Xen pirq MSI glue, its event
 * channel irq_info records, and the device drivers that drive them (the workloads).
 *
 * Mirrors torvalds/linux arch/x86/pci/xen.c:xen_hvm_setup_msi_irqs in three versions (the `guestReuse`
 * flag): with af42b8d1 on 2.6.37/38 (drivers/xen/events.c pirq_to_irq[] array, never reset in an HVM
 * guest), with af42b8d1 on 2.6.39..4.10 (xen_irq_from_pirq scans the live irq_info list), and after
 * c74fd80f (always allocate); drivers/xen/events/events_base.c:xen_bind_pirq_msi_to_irq, startup_pirq,
 * shutdown_pirq, xen_destroy_irq; drivers/pci/msi.c:msix_capability_init, pci_msix_shutdown,
 * msi_capability_init, pci_msi_shutdown (v4.4 order: write messages, ENABLE|MASKALL, clear MASKALL).
 *
 * Left out: per-vector mask writes of msix_program_entries/msix_mask_irq (in the pirq path the guest masks
 * through its event channel), multi-vector MSI, CPU affinity, and everything of the drivers except their
 * interrupt setup and teardown order.
 */
import {
  MSI_ADDR_BASE_LO,
  XEN_PIRQ_MSI_DATA,
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

export interface GuestKernel {
  readonly domid: number;
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

/** xen_msi_compose_msg (arch/x86/pci/xen.c): the pirq in the destination-id fields, vector 0. */
export function xen_msi_compose_msg(pirq: number): MsiMsg {
  return {
    address_hi: pirq & 0xffffff00,
    address_lo: (MSI_ADDR_BASE_LO | ((pirq & 0xff) << 12)) >>> 0,
    data: XEN_PIRQ_MSI_DATA,
  };
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
    for (let e = 0; e < nvec; e++) {
      const msg = msix ? s.fn.qemu.pci_msix_read(s, k.domid, dev, e) : s.fn.qemu.msi_read(s, k.domid, dev);
      let pirq = msg ? decodePirq(msg) : 0;
      if (s.flags.guestReuse !== 'never' && msg && msg.data === XEN_PIRQ_MSI_DATA && cachedPirqIsBound(s, k, pirq)) {
        s.log.log(`${devp(d)}xen: msi already bound to pirq=${pirq} [dev_dbg]`);
        pushAudit(s, { kind: 'guest_reuse', domid: k.domid, dev, entry: e, pirq });
      } else {
        pirq = s.fn.xen.PHYSDEVOP_get_free_pirq(s, k.domid);
        if (pirq < 0) {
          if (s.flags.guestReuse === 'never') s.log.log(`${devp(d)}Failed to create MSI${msix ? '-X' : ''}! ret=${rc(-19)}!`);
          else s.log.log(`${devp(d)}Xen PCI frontend has not registered MSI/MSI-X support!`);
          return -19;
        }
        const m = xen_msi_compose_msg(pirq);
        if (msix) s.fn.qemu.pci_msix_write(s, k.domid, dev, e, m);
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
  const r = s.fn.guest.xen_hvm_setup_msi_irqs(s, k, dev, d, nvec, true);
  if (r < 0) {
    s.fn.guest.xen_teardown_msi_irqs(s, k, d);
    d.driver = { stage: 'idle', nvec: 0, next: 0 };
    s.log.log(`${devp(d)}Removing after probe failure status: ${rc(r)}`);
    return r;
  }
  s.fn.qemu.xen_pt_msixctrl_reg_write(s, domid, dev, true, true);
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
  const info = irq !== undefined ? k?.irqs[irq] : undefined;
  if (!k || !d || irq === undefined || !info) return -22;
  return s.log.call('guest', 'shutdown_pirq', `irq=${irq} pirq=${info.pirq} port=${info.evtchn}`, () => {
    if (info.evtchn) s.fn.xen.EVTCHNOP_close(s, domid, info.evtchn);
    const cur = k.irqs[irq];
    if (cur) own(s, k, 'irqs')[irq] = { ...cur, evtchn: 0, requested: false };
    const drv = d.driver;
    if (drv.stage === 'probe-running') d.driver = { ...drv, stage: 'probe-freed' };
    else if (drv.stage === 'running') d.driver = { ...drv, stage: 'unloading', next: 1 };
    else if (drv.stage === 'unloading') d.driver = { ...drv, next: drv.next + 1 };
    return 0;
  });
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
  s.fn.qemu.xen_pt_msixctrl_reg_write(s, domid, dev, false, false);
  d.msix_enabled = false;
  s.fn.guest.xen_teardown_msi_irqs(s, k, d);
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
  s.fn.guest.xen_teardown_msi_irqs(s, k, d);
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
      if (k.irqs[irq]?.requested) s.fn.guest.free_irq(s, domid, dev, Number(eS));
    }
    if (d.msix_enabled) s.fn.guest.pci_disable_msix(s, domid, dev);
    if (d.msi_enabled) s.fn.guest.pci_disable_msi(s, domid, dev);
    if (Object.keys(d.msi_list).length) s.fn.guest.xen_teardown_msi_irqs(s, k, d);
    delete own(s, k, 'devices')[dev];
    return 0;
  });
}
