/**
 * Models xen/arch/x86/msi.c @3.4.0-rc3 (fcaf4a2871, 2009-04-30), the hypervisor of seed 002's era (RHEL 5's
 * xen.gz is Xen 3.1.2 with Red Hat's backport of this MSI code; the backport itself is not in the public
 * trees [unconfirmed]; RELEASE-4.0.0 has the same MSI-X logic). Selected by `xenMsiC: 'xen-3.4'` (msi.ts:msiC).
 *
 * What the later msi.c added and this one has not: used_entries and the read-only table (b5aadd4248, 4.1),
 * PHYSDEVOP_prepare_msix and the "Potentially insecure use of MSI-X" domain_crash (4245d331e0, 4.3),
 * host_maskall / guest_maskall, the memory_decoded checks with their MASKALL fallback and the intercept of
 * dom0's MSI-X control writes (484d7c852e, 0dba393db0, 082fdc6ce8, a88b72fddd, 4.6). The model's
 * `used_entries` stands here for the length of dev->msi_list (list_add_tail in msix_capability_init, list_del
 * in msi_free_vector), so that the accounting invariant keeps its meaning; `host_maskall` and `guest_maskall`
 * are never set.
 *
 * Left out: vectors (3.4 maps pirqs to vectors, not irqs: the model's irq numbers stand for them), fixmap
 * exhaustion, MSI (non-X) mask bits.
 */
import { ERRNO } from '../../types.ts';
import type { Sys } from '../../context.ts';
import { edit } from '../../cow.ts';
import { hwEntry } from '../device.ts';
import { memory_decoded } from './msi.ts';
import type { XenMsiDesc } from './state.ts';

/**
 * A write of a vector-control word: reaches the device only while it decodes memory (a write with
 * PCI_COMMAND_MEMORY clear is dropped by the function; 3.4 writes whatever PCI_COMMAND says).
 */
function writeMask(s: Sys, dev: number, entry: number, masked: boolean): void {
  if (!memory_decoded(s, dev)) return;
  const e = hwEntry(s, dev, entry);
  if (e) e.masked = masked;
}

/**
 * Models xen/arch/x86/msi.c:msi_set_mask_bit @3.4.0-rc3, MSI-X: `writel(flag, entry->mask_base + ...)`,
 * `entry->msi_attrib.masked = !!flag`. No MASKALL fallback, no warning. The one `masked` attribute is kept
 * as host_masked / guest_masked as asked (their or is what 3.4 records).
 */
export function msi_set_mask_bit(s: Sys, irq: number, host: boolean, guest: boolean): void {
  const md = s.w.xen.irqs[irq]?.msi_desc;
  if (!md) return;
  if (!s.w.hw[md.dev] || !s.w.xen.pdevs[md.dev]) return;
  if (md.msix) writeMask(s, md.dev, md.entry_nr, host || guest);
  edit(s, 'xen', 'irqs', irq).msi_desc = { ...md, host_masked: host, guest_masked: guest };
}

/**
 * Models xen/arch/x86/msi.c:msix_capability_init @3.4.0-rc3 for one entry: read the control word,
 * msix_set_enable(dev, 0) while setting up, list the entry, "Mask interrupt here" (writel(1, ...)), then
 * write the control word back as read: ENABLE and MASKALL end as they were. No memory-decoding test, no
 * crash. There is no PHYSDEVOP_prepare_msix in 3.4: a call without an entry is -ENOSYS (do_physdev_op's
 * default case).
 */
export function msix_capability_init(s: Sys, dev: number, entry_nr: number | null): number {
  if (entry_nr === null) return -ERRNO.ENOSYS;
  if (!s.w.hw[dev] || !s.w.xen.pdevs[dev]) return -ERRNO.ENODEV;
  const hwm = edit(s, 'hw', dev, 'msix');
  const control = { enable: hwm.enable, maskall: hwm.maskall };
  hwm.enable = false; // msix_set_enable(dev, 0)
  edit(s, 'xen', 'pdevs', dev, 'msix').used_entries += 1; // list_add_tail(&entry->list, &dev->msi_list)
  writeMask(s, dev, entry_nr, true);
  hwm.enable = control.enable;
  hwm.maskall = control.maskall;
  return 0;
}

/**
 * Models xen/arch/x86/msi.c:__pci_disable_msix @3.4.0-rc3 and the msi_free_vector that follows it:
 * msix_set_enable(dev, 0), writel(1, ...) (dropped without decoding), the control word written back (ENABLE
 * stays as it was), the entry off dev->msi_list. No "cannot disable" warning.
 */
export function __pci_disable_msix(s: Sys, _irq: number, md: XenMsiDesc): void {
  if (!s.w.hw[md.dev] || !s.w.xen.pdevs[md.dev]) return;
  const hwm = edit(s, 'hw', md.dev, 'msix');
  const control = { enable: hwm.enable, maskall: hwm.maskall };
  hwm.enable = false;
  writeMask(s, md.dev, md.entry_nr, true);
  hwm.enable = control.enable;
  hwm.maskall = control.maskall;
  const pm = edit(s, 'xen', 'pdevs', md.dev, 'msix');
  pm.used_entries = Math.max(0, pm.used_entries - 1);
}

/**
 * Xen 3.4 does not intercept dom0's config-space writes (pci_conf_write_intercept came with a88b72fddd,
 * 4.6): dom0's write of the MSI-X Message Control word reaches the device as written.
 */
export function pci_conf_write_msix_control(s: Sys, dev: number, enable: boolean, maskall: boolean): void {
  if (!s.w.hw[dev]) return;
  const hwm = edit(s, 'hw', dev, 'msix');
  hwm.enable = enable;
  hwm.maskall = maskall;
}
