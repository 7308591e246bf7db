/**
 * Models xen/arch/x86/hvm/vmsi.c @RELEASE-4.22.0 (same in substance since 4.12, apart from 64b21662b1's return
 * code): the msixtbl intercept of an HVM guest's writes to the MSI-X table of a passed-through device,
 * msixtbl_write / _msixtbl_write, with msix_write_completion's deferred unmask and the 3a6222bd57 snoop of the
 * first unmask (msixtbl_range / msixtbl_pt_register).
 *
 * Left out: reads other than the vector control word, the PBA, unaligned and 64-bit accesses, entries past
 * MAX_MSIX_ACC_ENTRIES (the model's devices have 3), REP MOVS (854c6aab46).
 */
import type { Sys } from '../../context.ts';
import type { MsiMsg } from '../../types.ts';
import { dom, type D, type XenDomain, type XenState } from './state.ts';

/** msixtbl_find_entry: the domain has an msixtbl entry for `dev` (some pirq of the device is dpci-bound). */
export function msixtblRegistered(x: XenState, d: XenDomain, dev: number): boolean {
  for (const pS in d.pirqs) {
    const info = d.pirqs[pS]!;
    if (info.dpci && info.irq > 0 && x.irqs[info.irq]?.msi_desc?.dev === dev && x.irqs[info.irq]?.msi_desc?.msix) return true;
  }
  return false;
}

/** msixtbl_addr_to_desc: the Xen irq whose msi_desc is (dev, entry) among the domain's dpci-bound pirqs. */
function msixtblAddrToIrq(x: XenState, d: XenDomain, dev: number, entry: number): number | undefined {
  for (const pS in d.pirqs) {
    const info = d.pirqs[pS]!;
    const md = info.irq > 0 ? x.irqs[info.irq]?.msi_desc : undefined;
    if (info.dpci && md && md.msix && md.dev === dev && md.entry_nr === entry) return info.irq;
  }
  return undefined;
}

/** msixtbl_pt_unregister: the last bound pirq of the device gone, the entry (and its table_flags) freed. */
export function msixtbl_pt_unregister(s: Sys, d: D, dev: number | undefined): void {
  if (dev === undefined || d.msixtbl?.devices[dev] === undefined) return;
  if (msixtblRegistered(s.w.xen, d, dev)) return;
  setTableFlags(d, dev, 0);
}

function tableFlags(d: XenDomain, dev: number): number {
  return d.msixtbl?.devices[dev]?.table_flags ?? 0;
}

/** Store the device's table_flags (replacing the small record, never writing into a shared one). */
function setTableFlags(d: D, dev: number, next: number): void {
  if (next === tableFlags(d, dev)) return;
  const f: Record<number, { readonly table_flags: number }> = { ...(d.msixtbl?.devices ?? {}) };
  if (next) f[dev] = { table_flags: next };
  else delete f[dev];
  if (Object.keys(f).length) d.msixtbl = { devices: f };
  else delete d.msixtbl;
}

function setTableFlag(d: D, dev: number, entry: number, on: boolean): void {
  const cur = tableFlags(d, dev);
  setTableFlags(d, dev, on ? cur | (1 << entry) : cur & ~(1 << entry));
}

/**
 * Models vmsi.c:msixtbl_write + _msixtbl_write for the address/data dwords of entry `entry` (one call for the
 * three): with an msixtbl entry, Xen shadows them and sets the entry's table_flags bit; either way the write
 * is X86EMUL_UNHANDLEABLE and goes on to the device model (QEMU's pci_msix_write).
 */
export function msixtbl_write(s: Sys, domid: number, dev: number, entry: number, m: MsiMsg): void {
  const d = dom(s, domid);
  if (d && msixtblRegistered(s.w.xen, d, dev)) setTableFlag(d, dev, entry, true);
  s.fn.qemu.pci_msix_write(s, domid, dev, entry, m);
}

/**
 * Models vmsi.c:_msixtbl_write -> msixtbl_write for a vector-control dword, then msix_write_completion:
 * - no msixtbl entry for the device yet: QEMU handles it; if it was an unmask and QEMU's handling bound a pirq
 *   of the entry (msixtbl_pt_register found the snooped address, 3a6222bd57), Xen applies the unmask after.
 * - an unmask of an entry whose address/data were written since ("Exit to device model when unmasking and
 *   address/data got modified"): the table_flags bit cleared, QEMU handles it, then the deferred unmask.
 * - an entry with no bound descriptor: QEMU handles it.
 * - otherwise Xen applies it (guest_mask_msi_irq); with `xenMsixtblForwardAll` (64b21662b1, Xen 4.19,
 *   XENFEAT_dm_msix_all_writes) it returns X86EMUL_UNHANDLEABLE all the same, so QEMU sees the write too;
 *   before it the write ends in Xen (X86EMUL_OKAY).
 */
export function msixtbl_write_vector_ctrl(s: Sys, domid: number, dev: number, entry: number, masked: boolean): void {
  s.log.call('xen', 'msixtbl_write', `${masked ? 'mask' : 'unmask'} entry ${entry} (vector control)`, () => {
    const d = dom(s, domid);
    const deferredUnmask = () => {
      const dd = s.w.xen.domains[domid];
      const irq = dd ? msixtblAddrToIrq(s.w.xen, dd, dev, entry) : undefined;
      if (irq !== undefined) s.fn.xen.guest_mask_msi_irq(s, irq, false);
    };
    if (!d || !msixtblRegistered(s.w.xen, d, dev)) {
      s.fn.qemu.pci_msix_write_vector_ctrl(s, domid, dev, entry, masked);
      if (!masked) deferredUnmask();
      return 'device model';
    }
    if (!masked && (tableFlags(d, dev) & (1 << entry)) !== 0) {
      setTableFlag(d, dev, entry, false);
      s.fn.qemu.pci_msix_write_vector_ctrl(s, domid, dev, entry, masked);
      deferredUnmask();
      return 'device model, then msix_write_completion';
    }
    const irq = msixtblAddrToIrq(s.w.xen, d, dev, entry);
    if (irq === undefined) {
      s.fn.qemu.pci_msix_write_vector_ctrl(s, domid, dev, entry, masked);
      return 'device model';
    }
    s.fn.xen.guest_mask_msi_irq(s, irq, masked);
    // The one read of xenMsixtblForwardAll (64b21662b1): "returns X86EMUL_UNHANDLEABLE even if write is
    // properly handled, to propagate it to the device model".
    if (s.flags.xenMsixtblForwardAll) {
      s.fn.qemu.pci_msix_write_vector_ctrl(s, domid, dev, entry, masked);
      return 'Xen, then the device model';
    }
    return 'Xen';
  });
}

/**
 * Models vmsi.c:msixtbl_read of a vector-control dword: with a bound descriptor Xen answers from
 * msi_attrib.guest_masked, otherwise the read goes to QEMU (pci_msix_read: its latch).
 */
export function msixtbl_read_vector_ctrl(s: Sys, domid: number, dev: number, entry: number): boolean {
  const d = s.w.xen.domains[domid];
  const irq = d && msixtblRegistered(s.w.xen, d, dev) ? msixtblAddrToIrq(s.w.xen, d, dev, entry) : undefined;
  if (irq !== undefined) return s.w.xen.irqs[irq]?.msi_desc?.guest_masked ?? true;
  return s.fn.qemu.pci_msix_read_vector_ctrl(s, domid, dev, entry);
}
