/**
 * Seed 003: Chao Gao's "xen: xen-pciback: Reset MSI-X state when exposing a device", as code on the pvops dom0
 * (no flag): xen_pcibk_export_device (drivers/xen/xen-pciback/xenbus.c) first calls the new
 * pcistub_msix_reset, which writes the MSI-X control word back so that Xen's intercept shows the MASKALL it
 * forces, and if MASKALL is set releases and prepares the device's MSI-X again (PHYSDEVOP_release_msix,
 * PHYSDEVOP_prepare_msix). The built-in variant it re-writes: --dom0 pvops-msix-reset.
 *
 *   pirqcheck check --variant-file examples/code/pcistub-msix-reset.ts --scenario reboot-hvm
 */
import { defineVariant, edit, ERRNO, pushAudit, type Sys } from 'pirqcheck';

const bdfOf = (s: Sys, dev: number) => s.w.hw[dev]?.bdf ?? `dev${dev}`;

/** The dev_err pciback prints when a hypercall of pcistub_msix_reset fails, recorded for the invariants. */
function msixFailed(s: Sys, dev: number, release: boolean, r: number): void {
  const line = `pciback ${bdfOf(s, dev)}: MSI-X ${release ? 'release' : 'preparation'} failed (${r})`;
  s.log.log(line);
  pushAudit(s, { kind: 'pciback_msix_failed', dev, op: release ? 'PHYSDEVOP_release_msix' : 'PHYSDEVOP_prepare_msix', fn: 'pcistub_msix_reset', rc: r, line });
}

/** drivers/xen/xen-pciback/pci_stub.c:pcistub_msix_reset, as the patch adds it. */
function pcistub_msix_reset(s: Sys, dev: number): number {
  return s.log.call('dom0', 'pcistub_msix_reset', bdfOf(s, dev), () => {
    const hw = s.w.hw[dev];
    if (!hw) return -ERRNO.ENODEV;
    // pci_write_config_word(dev, pos + PCI_MSIX_FLAGS, control): Xen intercepts it.
    s.fn.xen.pci_msi_conf_write_intercept(s, dev, hw.msix.enable, hw.msix.maskall);
    if (!s.w.hw[dev]?.msix.maskall) return 0;
    s.log.log(`Reset MSI-X state for device ${bdfOf(s, dev)}`);
    let r = s.fn.xen.PHYSDEVOP_prepare_msix(s, dev, true);
    const d = s.w.dom0.devices[dev] ? edit(s, 'dom0', 'devices', dev) : undefined;
    if (r) {
      msixFailed(s, dev, true, r);
      return r;
    }
    if (d) d.prepared = false;
    r = s.fn.xen.PHYSDEVOP_prepare_msix(s, dev, false);
    if (r) msixFailed(s, dev, false, r);
    else if (d) d.prepared = true;
    return r;
  });
}

export default defineVariant({
  id: 'code-pcistub-msix-reset',
  component: 'dom0',
  title: 'xen: xen-pciback: Reset MSI-X state when exposing a device, as code',
  upstream: 'Chao Gao, message-id 1543976357-1053-1-git-send-email-chao.gao@intel.com (seed 003), not merged',
  versions: 'proposal against Linux 4.20 (pvops with PCI_COMMAND=0)',
  link: 'https://lkml.org/lkml/2018/12/4/1099',
  base: 'pvops',
  functions: {
    xen_pcibk_export_device: (builtin, s, dev, domid) => {
      const d = s.w.dom0.devices[dev];
      if (!d || !d.bound) return builtin(s, dev, domid);
      return s.log.call('dom0', 'xen_pcibk_export_device', `${bdfOf(s, dev)} dom${domid}`, () => {
        const r = pcistub_msix_reset(s, dev);
        if (r) return r;
        edit(s, 'dom0', 'devices', dev).owner = domid;
        return 0;
      });
    },
  },
});
