/**
 * QEMU's Xen PCI passthrough (xen_pt): the emulated MSI and MSI-X state of each passed-through device of
 * one HVM domain, and the handlers of the guest's trapped writes that turn into map/bind/unbind/unmap
 * hypercalls.
 *
 * Mirrors qemu/qemu hw/xen/xen_pt_msi.c @003f8dbc8e09 and hw/xen/xen_pt_config_init.c @2d0ed5e642d5
 * (after c976437c7dba, QEMU >= 2.1.0), and hw/xen_pt_msi.c @156f9dd18290 / hw/xen_pt_config_init.c
 * @0546b8c2f089 (before it); the differences are the `qemu*` flags of the variants.
 *
 * A trapped access is handled synchronously: the vCPU that made it waits for the ioreq, and QEMU handles
 * ioreqs one at a time under its global lock, so each guest register write and the hypercalls QEMU makes
 * for it form one step.
 *
 * Later versions, by flag: the MSI-X table latch and guest MASKALL of f0ada3608ac1 (QEMU 2.6, read
 * @upstream-tested in xen-project/qemu-xen), XEN_DOMCTL_VMSI_X86_UNMASKED at bind (QEMU 2.11, read in
 * marmarek/qemu @217c906307 and patchew-project/qemu @033628ec19), errno in the log lines (3782f60d20, 2.4).
 *
 * Left out: INTx (machine_irq), gflags other than the UNMASKED bit (destination/delivery bits), the PBA, the
 * `warned` rate limit of "Can't update msix entry", the MSI mask register (the modelled devices have no
 * per-vector MSI mask, PCI_MSI_FLAGS_MASKBIT clear, so Linux's msi_capability_init masks nothing and
 * `msi->mask & 1` is 0).
 */
import { XEN_PT_UNASSIGNED_PIRQ, XEN_PIRQ_MSI_DATA, hex, rc, type MsiMsg } from '../types.ts';
import type { Sys } from '../context.ts';
import { edit, own, type Writable } from '../cow.ts';

/** XenPTMSIXEntry (hw/xen/xen_pt.h). */
export interface XenPTMSIXEntry {
  /** pirq: QEMU's belief of what Xen maps for this entry; XEN_PT_UNASSIGNED_PIRQ until a map. */
  readonly pirq: number;
  /** addr/data: the message the guest last wrote, kept after MSI-X is disabled. */
  readonly addr_lo: number;
  readonly addr_hi: number;
  readonly data: number;
  /** updated: addr or data changed since the last successful map/bind. */
  readonly updated: boolean;
  /**
   * latch[PCI_MSIX_ENTRY_VECTOR_CTRL] (QEMU >= 2.6; entry->vector_ctrl before): the vector control word the
   * guest last wrote through QEMU, what the guest reads back while Xen does not answer. Absent: 0 (g_malloc0).
   * With `qemuLatchMsixTable` addr_lo/addr_hi/data above are latch[0..2].
   */
  readonly vector_ctrl?: number;
  /**
   * entry->addr / entry->data of QEMU >= 2.6 (`qemuLatchMsixTable`): the message last committed from the latch,
   * the one QEMU maps and binds. Absent: never committed (zero).
   */
  readonly committed?: { readonly addr_lo: number; readonly addr_hi: number; readonly data: number };
}

/** XenPTMSIX (hw/xen/xen_pt.h). */
export interface XenPTMSIX {
  /** enabled: the ENABLE bit the guest last wrote. */
  readonly enabled: boolean;
  /** maskall: the MASKALL bit the guest last wrote. */
  readonly maskall: boolean;
  readonly msix_entry: readonly XenPTMSIXEntry[];
}

/** XenPTMSI (hw/xen/xen_pt.h). */
export interface XenPTMSI {
  /** flags & PCI_MSI_FLAGS_ENABLE as the guest sees it. */
  readonly enabled: boolean;
  readonly addr_lo: number;
  readonly addr_hi: number;
  readonly data: number;
  readonly pirq: number;
  readonly initialized: boolean;
  readonly mapped: boolean;
}

/** XenPCIPassthroughState, the MSI parts. */
export interface XenPTDevice {
  /** The guest-visible slot, used in QEMU's log prefix "[00:04.0]". */
  readonly vslot: string;
  readonly msix: XenPTMSIX;
  readonly msi: XenPTMSI;
}

export interface QemuInstance {
  readonly domid: number;
  /** The device model process is running (false once killed). */
  readonly alive: boolean;
  /** Passed-through devices, by device index. */
  readonly devices: Readonly<Record<number, XenPTDevice>>;
  /**
   * Devices whose slot has an unplug request the guest has not acted on yet: hw/acpi/pcihp.c:
   * acpi_pcihp_device_unplug_request_cb sets the slot's bit in acpi_pcihp_pci_status[bsel].down, raises the
   * SCI and returns; the device goes only when the guest writes the slot to the eject register
   * (acpi_pcihp_eject_slot -> unrealize -> xen_pt_destroy). Set only with `libxlAsyncDeviceDel` (the
   * synchronous model runs the eject inside device_del); absent when empty.
   */
  readonly pcihp_down?: readonly number[];
}

/** A device owned by the running step (model/cow.ts): read freely, written through `msixW`, `msiW`, `entryW`. */
type Dev = Writable<XenPTDevice>;

export function initialQemuDevice(vslot: string, entries: number): XenPTDevice {
  return {
    vslot,
    msix: {
      enabled: false,
      maskall: false,
      msix_entry: Array.from({ length: entries }, () => ({
        pirq: XEN_PT_UNASSIGNED_PIRQ,
        addr_lo: 0,
        addr_hi: 0,
        data: 0,
        updated: false,
      })),
    },
    msi: { enabled: false, addr_lo: 0, addr_hi: 0, data: 0, pirq: XEN_PT_UNASSIGNED_PIRQ, initialized: false, mapped: false },
  };
}

/** The passed-through device `dev` of a running device model, writable in the running step. */
function get(s: Sys, domid: number, dev: number): Dev | undefined {
  const q = s.w.qemu[domid];
  if (!q || !q.alive || !q.devices[dev]) return undefined;
  return edit(s, 'qemu', domid, 'devices', dev);
}

function msixW(s: Sys, d: Dev): Writable<XenPTMSIX> {
  return own(s, d, 'msix');
}

function msiW(s: Sys, d: Dev): Writable<XenPTMSI> {
  return own(s, d, 'msi');
}

function entryW(s: Sys, d: Dev, k: number): Writable<XenPTMSIXEntry> {
  return own(s, own(s, msixW(s, d), 'msix_entry'), k);
}

/** XEN_PT_LOG / XEN_PT_ERR prefix: "[00:04.0] function: ". */
function pt(d: Dev, fn: string, msg: string): string {
  return `[${d.vslot}] ${fn}: ${msg}`;
}

/**
 * A vector or entry number in the lines of msi_msix_setup, msi_msix_update and msi_msix_disable: printf's
 * "%#x" ("0" for zero, "0x.." otherwise), or "0x%x" with `qemuLogPlainHex` (01d152c0bf, QEMU 6.0), the one
 * read of that flag.
 */
function pctx(s: Sys, n: number): string {
  return n === 0 && !s.flags.qemuLogPlainHex ? '0' : hex(n);
}

/**
 * The XEN_PT_ERR lines of hw/xen/xen_pt_msi.c, as each version prints them. The one read of `qemuLogErrno`
 * (3782f60d20, QEMU 2.4): before it the value is the libxc return code, always -1 (xc_* return -1 and set
 * errno), and the update path's unmap line has no number; from it, errno (the model's hypercall result negated).
 */
function xenPtErrLine(s: Sys, kind: 'map' | 'update' | 'update-unmap' | 'unbind' | 'unmap', isMsix: boolean, r: number, a: { pirq?: number; vec?: number; entry?: number } = {}): string {
  const X = isMsix ? '-X' : '';
  const errno = s.flags.qemuLogErrno;
  const code = errno ? `err: ${-r}` : 'rc: -1';
  switch (kind) {
    case 'map':
      return `Mapping of MSI${X} (${code}, vec: ${pctx(s, a.vec ?? 0)}, entry ${pctx(s, a.entry ?? 0)})`;
    case 'update':
      return `Updating of MSI${X} failed. (${code})`;
    case 'update-unmap':
      return errno ? `Unmapping of MSI${X} pirq ${a.pirq} failed. (err: ${-r})` : `Unmapping of MSI${X} pirq ${a.pirq} failed.`;
    case 'unbind':
      return errno ? `Unbinding of MSI${X} failed. (err: ${-r}, pirq: ${a.pirq}, gvec: ${pctx(s, a.vec ?? 0)})` : `Unbinding of MSI${X} failed. (pirq: ${a.pirq}, gvec: ${pctx(s, a.vec ?? 0)})`;
    case 'unmap':
      return `Unmapping of MSI${X} pirq ${a.pirq} failed. (${code})`;
  }
}

/** msi_vector(data): the vector field; 0 for a pirq-encoded message. */
function msi_vector(data: number): number {
  return data & 0xff;
}

/**
 * hw/xen/xen_pt_msi.c:msi_gflags @v10.2.0 (the same since the xen_pt import): the destination id, redirection
 * hint, destination mode, delivery mode and trigger mode of the message, as xc_domain_update_msi_irq takes
 * them (include/hw/i386/apic-msidef.h shifts; only the low address dword carries them). msi_msix_update logs
 * this value, before it adds the UNMASKED bit.
 */
function msi_gflags(m: MsiMsg): number {
  const a = m.address_lo;
  const destId = (a & 0x000ff000) >>> 12;
  const rh = (a >>> 3) & 1;
  const dm = (a >>> 2) & 1;
  const delivMode = (m.data >>> 8) & 7;
  const trigMode = (m.data >>> 15) & 1;
  return destId | (rh << 8) | (dm << 9) | (delivMode << 12) | (trigMode << 15);
}

/** xen_is_pirq_msi + msi_ext_dest_id(addr >> 32) | msi_dest_id(addr): the pirq a guest message names. */
export function pirqFromMsg(m: MsiMsg): number {
  if (msi_vector(m.data) !== 0) return XEN_PT_UNASSIGNED_PIRQ;
  const p = (m.address_hi & 0xffffff00) | ((m.address_lo >>> 12) & 0xff);
  return p === 0 ? XEN_PT_UNASSIGNED_PIRQ : p;
}

/* ------------------------------------------------------------------------------------------------ */
/* helpers shared by MSI and MSI-X (xen_pt_msi.c)                                                    */

/**
 * Models hw/xen/xen_pt_msi.c:msi_msix_setup. `*ppirq` comes in as the caller's pirq (the entry's for MSI-X,
 * XEN_PT_UNASSIGNED_PIRQ for MSI) and is replaced by the pirq a pirq-encoded message names (xen_is_pirq_msi:
 * vector 0); maps only when the entry is not mapped yet, with that pirq or -1 (Xen picks one). If it is
 * mapped, the requested pirq just replaces the caller's local variable.
 */
export function msi_msix_setup(s: Sys, domid: number, dev: number, d: Dev, m: MsiMsg, isMsix: boolean, entry: number, isNotMapped: boolean, ppirq: number = XEN_PT_UNASSIGNED_PIRQ): { rc: number; pirq: number } {
  let pirq = ppirq;
  if (msi_vector(m.data) === 0) {
    pirq = pirqFromMsg(m);
    if (pirq !== XEN_PT_UNASSIGNED_PIRQ) {
      s.log.log(pt(d, 'msi_msix_setup', `requested pirq ${pirq} for MSI${isMsix ? '-X' : ''} (vec: ${pctx(s, 0)}, entry: ${pctx(s, entry)}) [XEN_PT_LOG]`));
    }
  }
  if (isNotMapped) {
    const r = s.fn.xen.PHYSDEVOP_map_pirq(s, { domid, pirq, dev, entry_nr: entry, msix: isMsix });
    if (r < 0) {
      s.log.log(pt(d, 'msi_msix_setup', xenPtErrLine(s, 'map', isMsix, r, { vec: msi_vector(m.data), entry })));
      return { rc: r, pirq };
    }
    pirq = r;
  }
  return { rc: 0, pirq };
}

/**
 * Models hw/xen/xen_pt_msi.c:msi_msix_update: bind `pirq` for the guest; on failure unmap `*old_pirq` (not
 * necessarily the pirq that failed) and forget it. `masked`: the entry's vector control as the caller read
 * it; with `qemuBindUnmasked` (QEMU 2.11) an unmasked entry is bound with XEN_DOMCTL_VMSI_X86_UNMASKED
 * ("gflags |= masked ? 0 : (1u << XEN_PT_GFLAGSSHIFT_UNMASKED)"), the one read of that flag.
 */
export function msi_msix_update(s: Sys, domid: number, d: Dev, m: MsiMsg, pirq: number, isMsix: boolean, entry: number, oldPirq: { v: number }, masked = true): number {
  s.log.log(pt(d, 'msi_msix_update', `Updating MSI${isMsix ? '-X' : ''} with pirq ${pirq} gvec ${pctx(s, msi_vector(m.data))} gflags ${pctx(s, msi_gflags(m))} (entry: ${pctx(s, entry)}) [XEN_PT_LOG]`));
  const r = s.fn.xen.XEN_DOMCTL_bind_pt_irq(s, domid, pirq, msi_vector(m.data), s.flags.qemuBindUnmasked && !masked);
  if (r < 0) {
    s.log.log(pt(d, 'msi_msix_update', xenPtErrLine(s, 'update', isMsix, r)));
    const u = s.fn.xen.PHYSDEVOP_unmap_pirq(s, domid, oldPirq.v);
    if (u < 0) s.log.log(pt(d, 'msi_msix_update', xenPtErrLine(s, 'update-unmap', isMsix, u, { pirq: oldPirq.v })));
    oldPirq.v = XEN_PT_UNASSIGNED_PIRQ;
  }
  return r;
}

/**
 * Models hw/xen/xen_pt_msi.c:msi_msix_disable: unbind (returning early, without the unmap, if that fails)
 * then unmap.
 */
export function msi_msix_disable(s: Sys, domid: number, d: Dev, m: MsiMsg, pirq: number, isMsix: boolean, isBinded: boolean): number {
  if (pirq === XEN_PT_UNASSIGNED_PIRQ) return 0;
  if (isBinded) {
    const r = s.fn.xen.XEN_DOMCTL_unbind_pt_irq(s, domid, pirq);
    if (r < 0) {
      s.log.log(pt(d, 'msi_msix_disable', xenPtErrLine(s, 'unbind', isMsix, r, { pirq, vec: msi_vector(m.data) })));
      return r;
    }
  }
  const r = s.fn.xen.PHYSDEVOP_unmap_pirq(s, domid, pirq);
  if (r < 0) {
    s.log.log(pt(d, 'msi_msix_disable', xenPtErrLine(s, 'unmap', isMsix, r, { pirq })));
    return r;
  }
  return 0;
}

/* ------------------------------------------------------------------------------------------------ */
/* MSI-X                                                                                             */

function entryMsg(e: XenPTMSIXEntry): MsiMsg {
  return { address_lo: e.addr_lo, address_hi: e.addr_hi, data: e.data };
}

/**
 * The message QEMU maps and binds: entry->addr/data. With the latch (QEMU >= 2.6) that is `committed`, set
 * whenever the entry gets its pirq, so an entry that has one always has it; before 2.6 the entry's message.
 */
function usedMsg(e: XenPTMSIXEntry): MsiMsg {
  const c = e.committed;
  return c ? { address_lo: c.addr_lo, address_hi: c.addr_hi, data: c.data } : entryMsg(e);
}

/**
 * Models hw/xen/xen_pt_msi.c:xen_pt_msix_update_one: map if the entry has no pirq yet, then bind; clear
 * `updated` on success. An entry that was not written since its last map is skipped. With
 * `qemuMsixCommitOnMask` (f0ada3608ac1's xen_pt_msix_update_one, the one read) the latched message is
 * committed first only "when the entry is masked or they are all masked" or it has no pirq (`pirq ==
 * XEN_PT_UNASSIGNED_PIRQ || s->msix->maskall || (vec_ctrl & PCI_MSIX_ENTRY_CTRL_MASKBIT)`); otherwise the old
 * committed message is bound again. `vecCtrlMasked`: the vec_ctrl argument (the latched word on the
 * control-register path, the hardware word on the unmask path).
 */
export function xen_pt_msix_update_one(s: Sys, domid: number, dev: number, d: Dev, k: number, vecCtrlMasked = (d.msix.msix_entry[k]?.vector_ctrl ?? 0) !== 0): number {
  if (!d.msix.msix_entry[k]?.updated) return 0;
  const e = entryW(s, d, k);
  if (s.flags.qemuMsixCommitOnMask && (e.pirq === XEN_PT_UNASSIGNED_PIRQ || d.msix.maskall || vecCtrlMasked)) {
    e.committed = { addr_lo: e.addr_lo, addr_hi: e.addr_hi, data: e.data };
  }
  const msg = usedMsg(e);
  const notMapped = e.pirq === XEN_PT_UNASSIGNED_PIRQ;
  const setup = s.fn.qemu.msi_msix_setup(s, domid, dev, d, msg, true, k, notMapped, e.pirq);
  if (setup.rc) return setup.rc;
  if (notMapped) e.pirq = setup.pirq;
  const old = { v: e.pirq };
  const r = s.fn.qemu.msi_msix_update(s, domid, d, msg, setup.pirq, true, k, old, vecCtrlMasked);
  e.pirq = old.v;
  if (r === 0) e.updated = false;
  return r;
}

/** Models hw/xen/xen_pt_msi.c:xen_pt_msix_update: update_one for every entry, with its latched vector control. */
export function xen_pt_msix_update(s: Sys, domid: number, dev: number, d: Dev): void {
  s.log.call('qemu', 'xen_pt_msix_update', `[${d.vslot}]`, () => {
    for (let k = 0; k < d.msix.msix_entry.length; k++) s.fn.qemu.xen_pt_msix_update_one(s, domid, dev, d, k);
  });
}

/**
 * Models hw/xen/xen_pt_msi.c:xen_pt_msix_disable (QEMU >= 2.1.0): clear ENABLE in hardware, unbind and
 * unmap every entry, then forget its pirq unconditionally (even when the unbind failed and Xen kept the
 * mapping). The guest-written address/data stay.
 */
export function xen_pt_msix_disable(s: Sys, domid: number, dev: number, d: Dev): void {
  s.log.call('qemu', 'xen_pt_msix_disable', `[${d.vslot}]`, () => {
    s.fn.xen.pci_msi_conf_write_intercept(s, dev, false, s.w.hw[dev]?.msix.maskall ?? false);
    for (let k = 0; k < d.msix.msix_entry.length; k++) {
      const e = d.msix.msix_entry[k]!;
      s.fn.qemu.msi_msix_disable(s, domid, d, usedMsg(e), e.pirq, true, true);
      const w = entryW(s, d, k);
      w.pirq = XEN_PT_UNASSIGNED_PIRQ;
      w.updated = false;
    }
  });
}

/**
 * Models hw/xen/xen_pt_msi.c:pci_msix_write, both kinds of dword (the address/data dwords of one entry as one
 * write, or its vector control). Address/data: a changed value sets `updated`; with `qemuRewriteIfUnassigned`
 * an unchanged value also does while the entry has no pirq; refused while MSI-X is enabled and the entry is
 * unmasked in hardware, up to QEMU 2.5 ("Can't update msix entry %d since MSI-X is already enabled."), only
 * latched from f0ada3608ac1 (`qemuLatchMsixTable`, QEMU 2.6; the one read of the flag). Vector control:
 * QEMU >= 2.6 runs xen_pt_msix_update_one for an unmask of an `updated` entry while MSI-X is enabled, with the
 * hardware vector control (read through its /dev/mem mapping), then latches the value; before it
 * (qemu-xen-4.6 text read: "set_entry_value(entry, offset, val); if (msix->enabled && !(val & MASKBIT))
 * xen_pt_msix_update_one (s, entry_nr)") the value is stored and any unmask while enabled updates the entry.
 * QEMU never writes the mask bit to the device: Xen owns it.
 */
function pciMsixWrite(s: Sys, domid: number, dev: number, k: number, w: { readonly msg: MsiMsg } | { readonly masked: boolean }): void {
  const d = get(s, domid, dev);
  const latch = s.flags.qemuLatchMsixTable;
  if ('masked' in w) {
    s.log.call('qemu', 'pci_msix_write', `entry=${k} VECTOR_CTRL=${w.masked ? 'MASKBIT' : '0'}`, () => {
      if (!d) return 'ioreq not served: no device model';
      const cur = d.msix.msix_entry[k];
      if (!cur) return 'no such entry';
      if (latch && d.msix.enabled && cur.updated && !w.masked) {
        s.fn.qemu.xen_pt_msix_update_one(s, domid, dev, d, k, s.w.hw[dev]?.msix.entries[k]?.masked ?? true);
      }
      const e = entryW(s, d, k);
      if (w.masked) e.vector_ctrl = 1;
      else delete e.vector_ctrl;
      if (!latch && d.msix.enabled && !w.masked) s.fn.qemu.xen_pt_msix_update_one(s, domid, dev, d, k, false);
      return '';
    });
    return;
  }
  const m = w.msg;
  s.log.call('qemu', 'pci_msix_write', `entry=${k} addr=${hex(m.address_hi)}:${hex(m.address_lo)} data=${hex(m.data)}`, () => {
    if (!d) return 'ioreq not served: no device model';
    const cur = d.msix.msix_entry[k];
    if (!cur) return 'no such entry';
    const unchanged = cur.addr_lo === m.address_lo && cur.addr_hi === m.address_hi && cur.data === m.data;
    // c976437c-era QEMU also treats an unchanged value as new while the entry has no pirq.
    if (unchanged && !(s.flags.qemuRewriteIfUnassigned && cur.pirq === XEN_PT_UNASSIGNED_PIRQ)) return 'unchanged';
    const hwEntry = s.w.hw[dev]?.msix.entries[k];
    if (!latch && d.msix.enabled && hwEntry && !hwEntry.masked) {
      s.log.log(pt(d, 'pci_msix_write', `Can't update msix entry ${k} since MSI-X is already enabled.`));
      return 'refused';
    }
    const e = entryW(s, d, k);
    e.addr_lo = m.address_lo;
    e.addr_hi = m.address_hi;
    e.data = m.data;
    e.updated = true;
    return latch ? 'latched, updated=true' : 'updated=true';
  });
}

/** hw/xen/xen_pt_msi.c:pci_msix_write of an entry's address/data dwords (see pciMsixWrite). */
export function pci_msix_write(s: Sys, domid: number, dev: number, k: number, m: MsiMsg): void {
  pciMsixWrite(s, domid, dev, k, { msg: m });
}

/** hw/xen/xen_pt_msi.c:pci_msix_write of an entry's vector control dword (see pciMsixWrite). */
export function pci_msix_write_vector_ctrl(s: Sys, domid: number, dev: number, k: number, masked: boolean): void {
  pciMsixWrite(s, domid, dev, k, { masked });
}

/** Models hw/xen/xen_pt_msi.c:pci_msix_read of the vector control dword: the stored (latched) word; true = masked. */
export function pci_msix_read_vector_ctrl(s: Sys, domid: number, dev: number, k: number): boolean {
  return (s.w.qemu[domid]?.devices[dev]?.msix.msix_entry[k]?.vector_ctrl ?? 0) !== 0;
}

/** Models hw/xen/xen_pt_msi.c:pci_msix_read of an entry's message: what the guest reads back. */
export function pci_msix_read(s: Sys, domid: number, dev: number, k: number): MsiMsg | undefined {
  const e = s.w.qemu[domid]?.devices[dev]?.msix.msix_entry[k];
  return e ? entryMsg(e) : undefined;
}

/**
 * Models hw/xen/xen_pt_config_init.c:xen_pt_msixctrl_reg_write. ENABLE without MASKALL updates every
 * entry; clearing ENABLE while enabled runs xen_pt_msix_disable only with `qemuUnmapOnDisable`
 * (c976437c7dba, QEMU 2.1.0); before that it only records the bit and every mapping stays. The written
 * ENABLE/MASKALL bits then go to the device through dom0, where Xen intercepts them.
 */
export function xen_pt_msixctrl_reg_write(s: Sys, domid: number, dev: number, enable: boolean, maskall: boolean): void {
  const d = get(s, domid, dev);
  s.log.call('qemu', 'xen_pt_msixctrl_reg_write', `MSIX_FLAGS ENABLE=${+enable} MASKALL=${+maskall}`, () => {
    if (!d) return 'ioreq not served: no device model';
    if (enable && !maskall) {
      s.fn.qemu.xen_pt_msix_update(s, domid, dev, d);
    } else if (!enable && d.msix.enabled && s.flags.qemuUnmapOnDisable) {
      s.fn.qemu.xen_pt_msix_disable(s, domid, dev, d);
    }
    const was = d.msix.enabled;
    const msix = msixW(s, d);
    msix.maskall = maskall;
    msix.enabled = enable;
    if (was !== enable) s.log.log(pt(d, 'xen_pt_msixctrl_reg_write', `${enable ? 'enable' : 'disable'} MSI-X [XEN_PT_LOG]`));
    s.fn.xen.pci_msi_conf_write_intercept(s, dev, enable, maskall);
    return '';
  });
}

/* ------------------------------------------------------------------------------------------------ */
/* MSI                                                                                               */

function msiMsg(m: XenPTMSI): MsiMsg {
  return { address_lo: m.addr_lo, address_hi: m.addr_hi, data: m.data };
}

/** Models hw/xen/xen_pt_msi.c:xen_pt_msi_update: re-bind msi->pirq with the current gvec. */
export function xen_pt_msi_update(s: Sys, domid: number, d: Dev): number {
  const old = { v: d.msi.pirq };
  // "msi_msix_update(..., msi->mask & 1)": no modelled device has the MSI mask register (PCI_MSI_FLAGS_MASKBIT).
  const r = s.fn.qemu.msi_msix_update(s, domid, d, msiMsg(d.msi), d.msi.pirq, false, 0, old, false);
  msiW(s, d).pirq = old.v;
  return r;
}

/**
 * Models hw/xen/xen_pt_config_init.c:xen_pt_msgaddr32_reg_write / xen_pt_msgdata_reg_write: store the
 * message; if MSI is mapped, re-bind the *old* pirq with the new vector (a new pirq is not picked up).
 */
export function xen_pt_msg_reg_write(s: Sys, domid: number, dev: number, m: MsiMsg): void {
  const d = get(s, domid, dev);
  s.log.call('qemu', 'xen_pt_msgaddr32_reg_write+xen_pt_msgdata_reg_write', `addr=${hex(m.address_hi)}:${hex(m.address_lo)} data=${hex(m.data)}`, () => {
    if (!d) return 'ioreq not served: no device model';
    const changed = d.msi.addr_lo !== m.address_lo || d.msi.addr_hi !== m.address_hi || d.msi.data !== m.data;
    const msi = msiW(s, d);
    msi.addr_lo = m.address_lo;
    msi.addr_hi = m.address_hi;
    msi.data = m.data;
    if (changed && d.msi.mapped) return rc(s.fn.qemu.xen_pt_msi_update(s, domid, d));
    return '';
  });
}

/** What the guest reads back from the emulated MSI address/data registers. */
export function msi_read(s: Sys, domid: number, dev: number): MsiMsg | undefined {
  const m = s.w.qemu[domid]?.devices[dev]?.msi;
  return m ? msiMsg(m) : undefined;
}

/**
 * Models hw/xen/xen_pt_config_init.c:xen_pt_msgctrl_reg_write. Enable with !initialized maps the pirq the
 * guest encoded (xen_pt_msi_setup) and binds it (xen_pt_msi_update). Disable unbinds and unmaps only with
 * `qemuUnmapOnDisable` (c976437c7dba); before it, the mapping, pirq and `initialized` stay, so a later
 * enable re-binds nothing.
 */
export function xen_pt_msgctrl_reg_write(s: Sys, domid: number, dev: number, enable: boolean): void {
  const d = get(s, domid, dev);
  s.log.call('qemu', 'xen_pt_msgctrl_reg_write', `MSI_FLAGS ENABLE=${+enable}`, () => {
    if (!d) return 'ioreq not served: no device model';
    if (enable) {
      if (!d.msi.initialized) {
        s.log.log(pt(d, 'xen_pt_msgctrl_reg_write', `setup MSI (register: ${hex(0x81)}). [XEN_PT_LOG]`));
        // xen_pt_msi_setup
        const setup = s.fn.qemu.msi_msix_setup(s, domid, dev, d, msiMsg(d.msi), false, 0, true);
        if (setup.rc || setup.pirq < 0) {
          if (!setup.rc) s.log.log(pt(d, 'xen_pt_msi_setup', `Invalid pirq number: ${setup.pirq}.`));
          s.log.log(pt(d, 'xen_pt_msgctrl_reg_write', `Can not map MSI (register: ${hex(0x80)})!`));
          return 'map failed';
        }
        msiW(s, d).pirq = setup.pirq;
        if (s.fn.qemu.xen_pt_msi_update(s, domid, d)) {
          s.log.log(pt(d, 'xen_pt_msgctrl_reg_write', `Can not bind MSI (register: ${hex(0x80)})!`));
          return 'bind failed';
        }
        msiW(s, d).initialized = true;
        msiW(s, d).mapped = true;
      }
      msiW(s, d).enabled = true;
      return `pirq=${d.msi.pirq}`;
    }
    if (d.msi.mapped && s.flags.qemuUnmapOnDisable) {
      // xen_pt_msi_disable
      if (s.w.hw[dev]) edit(s, 'hw', dev, 'msi').enable = false;
      s.fn.qemu.msi_msix_disable(s, domid, d, msiMsg(d.msi), d.msi.pirq, false, d.msi.initialized);
      const msi = msiW(s, d);
      msi.initialized = false;
      msi.mapped = false;
      msi.pirq = XEN_PT_UNASSIGNED_PIRQ;
    }
    msiW(s, d).enabled = false;
    return '';
  });
}

/** True when a message carries the pirq encoding (vector 0 and XEN_PIRQ_MSI_DATA). */
export function isPirqMsg(m: MsiMsg): boolean {
  return m.data === XEN_PIRQ_MSI_DATA;
}


/**
 * Models hw/xen/xen_pt.c:xen_pt_destroy (xen_pt_unregister_device before QEMU 2.x), run when the device is
 * unplugged (QMP device_del after the guest's eject): xen_pt_msi_disable and xen_pt_msix_disable for the
 * capabilities the device has (whatever `qemuUnmapOnDisable` says, this path always unbinds and unmaps what
 * is left), then the device model forgets the device. Left out: the MSI branch's host MSI ENABLE write when
 * MSI was never set up (the model's devices are driven in MSI-X mode). Returns 0, -ENODEV without a device
 * model.
 */
export function xen_pt_destroy(s: Sys, domid: number, dev: number): number {
  const d = get(s, domid, dev);
  return s.log.call('qemu', 'xen_pt_destroy', d ? `[${d.vslot}]` : `dev${dev}`, () => {
    if (!d) return -19;
    if (d.msi.mapped) {
      s.fn.qemu.msi_msix_disable(s, domid, d, msiMsg(d.msi), d.msi.pirq, false, d.msi.initialized);
      const msi = msiW(s, d);
      msi.mapped = false;
      msi.initialized = false;
      msi.pirq = XEN_PT_UNASSIGNED_PIRQ;
    }
    // hw/xen/xen_pt.c:xen_pt_destroy @000d6042da0d and @f28b958cbf08: "if (s->msix) s.fn.qemu.xen_pt_msix_disable(s)",
    // i.e. whenever the device has an MSI-X capability (in the model: a table), whether or not an entry has
    // a pirq. xen_pt_msix_disable first rewrites the host control word with ENABLE clear (msix_set_enable),
    // which Xen's pci_msi_conf_write_intercept sees.
    if (d.msix.msix_entry.length > 0) s.fn.qemu.xen_pt_msix_disable(s, domid, dev, d);
    if (s.w.qemu[domid]) delete edit(s, 'qemu', domid, 'devices')[dev];
    return 0;
  });
}
