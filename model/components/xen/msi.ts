/**
 * Models xen/arch/x86/msi.c @ RELEASE-4.12.0: MSI-X control and masking (memory_decoded, msi_set_mask_bit,
 * guest_mask_msi_irq, msix_capability_init, __pci_disable_msix) and the intercept of dom0's writes of the
 * MSI-X Message Control word (pci_msi_conf_write_intercept).
 *
 * Left out: the msixtbl guest MMIO intercept, MSI (non-X) per-vector mask bits, the PBA.
 */
import { ERRNO } from '../../types.ts';
import type { Sys } from '../../context.ts';
import { edit, own } from '../../cow.ts';
import { hwEntry, pushAudit } from '../device.ts';
import { pdevName, type XenMsiDesc } from './state.ts';

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
export function msix_capability_init(s: Sys, dev: number, entry_nr: number | null): number {
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
export function __pci_disable_msix(s: Sys, irq: number, md: XenMsiDesc): void {
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

/** Models the MSI delivery for an arch_evtchn_bind_pirq / guest unmask: guest_mask_msi_irq(desc, mask). */
export function guest_mask_msi_irq(s: Sys, irq: number, mask: boolean): void {
  const md = s.w.xen.irqs[irq]?.msi_desc;
  if (md) s.fn.xen.msi_set_mask_bit(s, irq, md.host_masked, mask);
}
