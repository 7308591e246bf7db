/**
 * Models xen/arch/x86/hvm/vmsi.c @RELEASE-4.22.0 (same in substance since 4.12, apart from 64b21662b1's return
 * code and ea87662c77's refcount test, `xenMsixtblForwardAll` and `xenMsixtblRefcountFixed`): the msixtbl
 * intercept of an HVM guest's writes to the MSI-X table of a passed-through device, msixtbl_write /
 * _msixtbl_write, with msix_write_completion's deferred unmask and the 3a6222bd57 snoop of the first unmask
 * (msixtbl_range / msixtbl_pt_register), and the entry's references (msixtbl_pt_register /
 * msixtbl_pt_unregister).
 *
 * Left out: reads other than the vector control word, the PBA, unaligned and 64-bit accesses, entries past
 * MAX_MSIX_ACC_ENTRIES (the model's devices have 3), REP MOVS (854c6aab46).
 */
import type { Sys } from '../../context.ts';
import type { MsiMsg } from '../../types.ts';
import { dom, type D, type MsixtblEntry, type XenDomain, type XenState } from './state.ts';

/**
 * msixtbl_addr_to_desc(msixtbl_find_entry(...)): when the domain has an msixtbl entry for `dev`, the Xen irq whose
 * msi_desc is MSI-X entry `entry` of the device ("list_for_each_entry( desc, &entry->pdev->msi_list, list ) if (
 * ... entry_nr == nr_entry )": any descriptor of the device, bound or not). That is also msixtbl_range's test
 * (@RELEASE-4.22.0, the same since 4.12): Xen's handler takes a write to the table only when this finds an irq;
 * any other write goes to the device model alone, an unmask of it snooped (msix_snoop_address).
 */
export function msixtblAddrToIrq(x: XenState, d: XenDomain | undefined, dev: number, entry: number): number | undefined {
  if (d?.msixtbl?.devices[dev] === undefined) return undefined;
  for (const iS in x.irqs) {
    const md = x.irqs[iS]!.msi_desc;
    if (md && md.msix && md.dev === dev && md.entry_nr === entry) return Number(iS);
  }
  return undefined;
}

/**
 * msixtbl_pt_register (pt_irq_create_bind of an MSI-X pirq with a guest table): the device's entry, made with
 * refcnt 0 and no table_flags if it has none (add_msixtbl_entry), gets one more reference.
 */
export function msixtbl_pt_register(d: D, dev: number | undefined): void {
  if (dev === undefined) return;
  const cur = d.msixtbl?.devices[dev];
  setEntry(d, dev, { refcnt: (cur?.refcnt ?? 0) + 1, table_flags: cur?.table_flags ?? 0 });
}

/**
 * msixtbl_pt_unregister (pt_irq_destroy_bind): one reference less; with `xenMsixtblRefcountFixed` (ea87662c77,
 * Xen 4.22) the entry and its table_flags are freed when none is left, before it when some are left (the
 * inverted `!atomic_dec_and_test`), so the last unbind keeps the entry. The count is an atomic_t: it can go
 * below zero when a pirq bound to a deleted entry is unbound from a newer one.
 */
export function msixtbl_pt_unregister(s: Sys, d: D, dev: number | undefined): void {
  if (dev === undefined) return;
  const cur = d.msixtbl?.devices[dev];
  if (!cur) return;
  const refcnt = cur.refcnt - 1;
  // The one read of xenMsixtblRefcountFixed.
  const del = s.flags.xenMsixtblRefcountFixed ? refcnt === 0 : refcnt !== 0;
  setEntry(d, dev, del ? null : { ...cur, refcnt });
}

function tableFlags(d: XenDomain, dev: number): number {
  return d.msixtbl?.devices[dev]?.table_flags ?? 0;
}

/** Store the device's msixtbl entry, or delete it (null), replacing the small records, never writing into a shared one. */
function setEntry(d: D, dev: number, next: MsixtblEntry | null): void {
  const f: Record<number, MsixtblEntry> = { ...(d.msixtbl?.devices ?? {}) };
  if (next) f[dev] = next;
  else delete f[dev];
  if (Object.keys(f).length) d.msixtbl = { devices: f };
  else delete d.msixtbl;
}

/** Set or clear table_flags bit `entry` of the device's msixtbl entry (callers know it has one). */
function setTableFlag(d: D, dev: number, entry: number, on: boolean): void {
  const cur = d.msixtbl?.devices[dev];
  if (!cur) return;
  const next = on ? cur.table_flags | (1 << entry) : cur.table_flags & ~(1 << entry);
  if (next !== cur.table_flags) setEntry(d, dev, { ...cur, table_flags: next });
}

/**
 * Models vmsi.c:msixtbl_write + _msixtbl_write for the address/data dwords of entry `entry` (one call for the
 * three): when msixtbl_range takes the write, Xen shadows them and sets the entry's table_flags bit; either way
 * the write goes on to the device model (QEMU's pci_msix_write).
 */
export function msixtbl_write(s: Sys, domid: number, dev: number, entry: number, m: MsiMsg): void {
  const d = dom(s, domid);
  if (d && msixtblAddrToIrq(s.w.xen, d, dev, entry) !== undefined) setTableFlag(d, dev, entry, true);
  s.fn.qemu.pci_msix_write(s, domid, dev, entry, m);
}

/**
 * Models vmsi.c:_msixtbl_write -> msixtbl_write for a vector-control dword, then msix_write_completion:
 * - not taken by msixtbl_range (no msixtbl entry for the device, or no descriptor for the table entry): QEMU
 *   handles it; if it was an unmask and QEMU's handling bound a pirq of the entry (msixtbl_pt_register found
 *   the snooped address, 3a6222bd57), Xen applies the unmask after.
 * - an unmask of an entry whose address/data were written since ("Exit to device model when unmasking and
 *   address/data got modified"): the table_flags bit cleared, QEMU handles it, then the deferred unmask.
 * - otherwise Xen applies it (guest_mask_msi_irq); with `xenMsixtblForwardAll` (64b21662b1, Xen 4.19,
 *   XENFEAT_dm_msix_all_writes) it returns X86EMUL_UNHANDLEABLE all the same, so QEMU sees the write too;
 *   before it the write ends in Xen (X86EMUL_OKAY).
 */
export function msixtbl_write_vector_ctrl(s: Sys, domid: number, dev: number, entry: number, masked: boolean): void {
  s.log.call('xen', 'msixtbl_write', `${masked ? 'mask' : 'unmask'} entry ${entry} (vector control)`, () => {
    const d = dom(s, domid);
    const deferredUnmask = () => {
      const irq = msixtblAddrToIrq(s.w.xen, s.w.xen.domains[domid], dev, entry);
      if (irq !== undefined) s.fn.xen.guest_mask_msi_irq(s, irq, false);
    };
    const irq = msixtblAddrToIrq(s.w.xen, d, dev, entry);
    if (!d || irq === undefined) {
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
 * Models vmsi.c:msixtbl_read of a vector-control dword: with an msixtbl entry and a descriptor for the entry Xen
 * answers from msi_attrib.guest_masked, otherwise the read goes to QEMU (pci_msix_read: its latch).
 */
export function msixtbl_read_vector_ctrl(s: Sys, domid: number, dev: number, entry: number): boolean {
  const irq = msixtblAddrToIrq(s.w.xen, s.w.xen.domains[domid], dev, entry);
  if (irq !== undefined) return s.w.xen.irqs[irq]?.msi_desc?.guest_masked ?? true;
  return s.fn.qemu.pci_msix_read_vector_ctrl(s, domid, dev, entry);
}
