/**
 * Models xen/arch/x86/msi.c @ RELEASE-4.12.0: MSI-X control and masking (memory_decoded, msi_set_mask_bit,
 * guest_mask_msi_irq, msix_capability_init, __pci_disable_msix) and the intercept of dom0's writes of the
 * MSI-X Message Control word (pci_msi_conf_write_intercept).
 *
 * Left out: the msixtbl guest MMIO intercept, MSI (non-X) per-vector mask bits, the PBA.
 */
import { ERRNO, DOMID_HARDWARE, DOMID_IO } from '../../types.ts';
import type { Sys } from '../../context.ts';
import { edit, own } from '../../cow.ts';
import { hwEntry, pushAudit } from '../device.ts';
import { pdevName, type XenMsiDesc } from './state.ts';
import * as c34 from './msi-3.4.ts';

/**
 * The one read of `xenMsiC`: whether this hypervisor's msi.c is the 4.6+ one (this file) or Xen 3.4's
 * (msi-3.4.ts). Each exported msi.c function of this file asks it first and hands over to the 3.4 code.
 */
function msiC(s: Sys): boolean {
  return s.flags.xenMsiC === 'xen-3.4';
}

/** memory_decoded (msi.c @X4.12): PCI_COMMAND_MEMORY of the function (of the PF for a VF). */
export function memory_decoded(s: Sys, dev: number): boolean {
  return s.w.hw[dev]?.command.memory ?? false;
}

/**
 * Models xen/arch/x86/msi.c:msi_set_mask_bit @4.12, MSI-X branch. A mask request while memory decoding is
 * off cannot reach the vector-control word, so Xen sets host_maskall and MASKALL instead, warning once per
 * owner domid ("cannot mask IRQ %d: masking MSI-X on Dom%d's %04x:%02x:%02x.%u").
 */
export function msi_set_mask_bit(s: Sys, irq: number, host: boolean, guest: boolean): void {
  if (msiC(s)) return c34.msi_set_mask_bit(s, irq, host, guest);
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
  } else {
    if (flag && !controlMaskall) {
      maskall = true;
      pushAudit(s, { kind: 'mask_without_decoding', fn: 'msi_set_mask_bit', dev: md.dev, irq, owner: pdev.domain });
      // xenMsixWarnDom0First: up to 4.18 `warned` starts at 0 (xzalloc'd arch_msix), as if Dom0 had been
      // warned already; e9607d4061 (4.19) MSIX_CHECK_WARN prints the first warning for any owner.
      const warned = pm.warned === -1 && !s.flags.xenMsixWarnDom0First ? 0 : pm.warned;
      if (warned !== pdev.domain) {
        pm.warned = pdev.domain;
        s.log.log(
          `(XEN) cannot mask IRQ ${irq}: masking MSI-X on Dom${pdev.domain}'s 0000:${pdevName(s, md.dev)}`,
        );
      }
    }
    // msi.c:msi_set_mask_bit @RELEASE-4.12.0 lines 415-463: without decoding neither the `else if` branch
    // nor its skip (an unmask, or MASKALL already set) reaches `entry->msi_attrib.host_masked = host;
    // ...guest_masked = guest;`: the attributes stay as they were.
    attrs = { host_masked: md.host_masked, guest_masked: md.guest_masked };
  }
  pm.host_maskall = maskall;
  hwm.enable = controlEnable;
  hwm.maskall = controlMaskall || maskall || pm.guest_maskall;
  desc.msi_desc = { ...md, ...attrs };
}

/**
 * Models xen/arch/x86/msi.c:msix_capability_init @4.12 for one entry (`entry_nr`), or for pci_prepare_msix's
 * pseudo-entry (null: `desc == NULL`). Sets host_maskall while it works; with memory decoding off writes
 * `control & ~PCI_MSIX_FLAGS_ENABLE` and returns -ENXIO, host_maskall left set; clears the mask state only
 * when this is the first user of the table (used_entries == 0). A real map by dom0 for a domU-owned device
 * with used_entries == 0 crashes the owner (4245d331e0) or is -ENODATA (beb54596cf): `xenMsixForeignFirstMap`.
 * Every caller in the model is dom0 (QEMU's and pciback's hypercalls): `current->domain` is the hardware domain.
 */
export function msix_capability_init(s: Sys, dev: number, entry_nr: number | null): number {
  if (msiC(s)) return c34.msix_capability_init(s, dev, entry_nr);
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
    // msi.c:msix_capability_init @RELEASE-4.12.0 lines 879-883 (4.13.0 lines 817-857, unchanged to 4.22.0):
    // `pci_conf_write16(..., control & ~PCI_MSIX_FLAGS_ENABLE); return -ENXIO;` with `control` as read on
    // entry: ENABLE off, MASKALL as it was; host_maskall stays 1.
    hwm.enable = false;
    hwm.maskall = saved.maskall;
    return -ERRNO.ENXIO;
  }
  const owner = pdev.domain;
  const foreign = entry_nr !== null && pm.used_entries === 0 && owner !== DOMID_HARDWARE && owner !== DOMID_IO;
  // The one read of xenMsixForeignFirstMap.
  const firstMap = s.flags.xenMsixForeignFirstMap;
  if (foreign && firstMap === 'enodata') {
    // beb54596cf (XSA-337), msix_capability_init @RELEASE-4.15.0 lines 818-885: with used_entries == 0 the
    // table is located only for prepare_msix (`!msi`) or when the hardware domain owns the device or dom_io
    // does; otherwise `table.first` is 0 (_pci_cleanup_msix zeroes it with the last user): `pci_conf_write16(
    // ..., control); xfree(entry); return -ENODATA;`: the control word as read, host_maskall left 1.
    hwm.enable = saved.enable;
    hwm.maskall = saved.maskall;
    return -ERRNO.ENODATA;
  }
  if (entry_nr !== null) {
    const e = hwEntry(s, dev, entry_nr);
    if (e) e.masked = true; // "Mask interrupt here"
  }
  let controlMaskall = saved.maskall;
  if (pm.used_entries === 0) {
    maskall = false;
    controlMaskall = pm.guest_maskall;
    if (foreign && firstMap === 'crash') {
      // 4245d331e0 (Xen 4.3), msix_capability_init @RELEASE-4.12.0 lines 1013-1024: `currd` is dom0 and `d =
      // dev->domain` the domU: "Potentially insecure use of MSI-X on ... by Dom%d" (XENLOG_WARNING, printed
      // by release builds) and domain_crash(d) (d->tot_pages is non-zero for a booted guest); then the
      // setup goes on and the map succeeds.
      s.log.log(`(XEN) Potentially insecure use of MSI-X on 0000:${pdevName(s, dev)} by Dom${owner}`);
      s.fn.xen.domain_crash(s, owner);
    }
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
export function __pci_disable_msix(s: Sys, irq: number, md: XenMsiDesc): void {
  if (msiC(s)) return c34.__pci_disable_msix(s, irq, md);
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
  if (msiC(s)) return c34.pci_conf_write_msix_control(s, dev, enable, maskall);
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

/** Models the MSI delivery for an arch_evtchn_bind_pirq / guest unmask: guest_mask_msi_irq(desc, mask). */
export function guest_mask_msi_irq(s: Sys, irq: number, mask: boolean): void {
  const md = s.w.xen.irqs[irq]?.msi_desc;
  if (md) s.fn.xen.msi_set_mask_bit(s, irq, md.host_masked, mask);
}

/**
 * Models xen/arch/x86/msi.c:pci_prepare_msix @RELEASE-4.12.0 (PHYSDEVOP_prepare_msix / release_msix, off =
 * true): -EBUSY unless used_entries == !!off; prepare runs msix_capability_init with no entry (the
 * pseudo-entry, used_entries 0 -> 1, clearing host_maskall; -ENXIO with memory decoding off), release drops
 * it to 0. Xen 3.4 has no such hypercall (4245d331e0, 4.3): -ENOSYS.
 */
export function pci_prepare_msix(s: Sys, dev: number, off: boolean): number {
  if (msiC(s)) return -ERRNO.ENOSYS;
  const pdev = s.w.xen.pdevs[dev];
  if (!pdev) return -ERRNO.ENODEV;
  if (pdev.msix.used_entries !== (off ? 1 : 0)) return -ERRNO.EBUSY;
  if (off) {
    edit(s, 'xen', 'pdevs', dev, 'msix').used_entries = 0;
    return 0;
  }
  return s.fn.xen.msix_capability_init(s, dev, null);
}
