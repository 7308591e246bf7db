/**
 * Seeds 003 and 004: Roger Pau Monne's 575e18d54d "pci: clear {host/guest}_maskall field on assign", as code on
 * Xen 4.12 (no flag): assign_device (xen/drivers/passthrough/pci.c) calls the new pci_reset_msix_state once it
 * has checked the device and the domain, and gives up with its -EBUSY. The built-in variant it re-writes:
 * --xen 4.13, which also turns on device quarantine (319f9a0ba9, ba2ab00bbb); this file is 575e18d54d alone
 * (--xen 4.12 with the flag xenResetMsixOnAssign).
 *
 *   pirqcheck check --variant-file examples/code/xen-reset-msix-on-assign.ts --scenario reboot-hvm --dom0 pvops
 */
import { defineVariant, DOMID_HARDWARE, edit, ERRNO, type Sys } from 'pirqcheck';

/** xen/drivers/passthrough/pci.c:pci_reset_msix_state @575e18d54d. */
function pci_reset_msix_state(s: Sys, dev: number): number {
  // "if ( control & PCI_MSIX_FLAGS_MASKALL ) return -EBUSY;": the device was not reset.
  if (s.w.hw[dev]?.msix.maskall) return -ERRNO.EBUSY;
  const msix = edit(s, 'xen', 'pdevs', dev, 'msix');
  msix.host_maskall = false;
  msix.guest_maskall = false;
  return 0;
}

export default defineVariant({
  id: 'code-575e18d54d',
  component: 'xen',
  title: 'pci: clear {host/guest}_maskall field on assign, as code',
  upstream: '575e18d54d (Xen), Roger Pau Monne, 2019-10-10',
  versions: 'Xen 4.13.0 and later',
  link: 'https://xenbits.xen.org/gitweb/?p=xen.git;a=commit;h=575e18d54d',
  base: '4.12',
  functions: {
    assign_device: (builtin, s, domid, dev) => {
      // assign_device's own checks pass (the device exists, the domain is alive, dom0 owns the device):
      // "if ( pdev->msix ) { rc = pci_reset_msix_state(pdev); if ( rc ) goto done; }"
      const pdev = s.w.xen.pdevs[dev];
      const d = s.w.xen.domains[domid];
      if (pdev && s.w.hw[dev] && d && !d.dying && pdev.domain === DOMID_HARDWARE) {
        const r = pci_reset_msix_state(s, dev);
        if (r) return r;
      }
      return builtin(s, domid, dev);
    },
  },
});
