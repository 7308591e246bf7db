/**
 * Seeds 003 and 004: Roger Pau Monne's 575e18d54d "pci: clear {host/guest}_maskall field on assign", the
 * fix Xen 4.13 took for devices that stop interrupting after a guest reboot, written as a variant of Xen
 * 4.12. On assign, xen/drivers/passthrough/pci.c:assign_device calls pci_reset_msix_state, which clears
 * host_maskall and guest_maskall (and fails with -EBUSY while MASKALL is set in hardware), so a mask left
 * by the previous owner does not carry over to the next one.
 *
 *   pirqcheck check --variant-file examples/xen-reset-msix-on-assign.ts --scenario reboot-hvm --dom0 pvops
 */
import { defineVariant } from '../api/index.ts';

export default defineVariant({
  id: 'reset-msix-on-assign',
  component: 'xen',
  title: 'pci: clear {host/guest}_maskall field on assign',
  upstream: '575e18d54d (Xen), as posted to xen-devel in October 2019',
  versions: 'proposed against Xen 4.13-unstable; first released in Xen 4.13.0',
  link: 'https://xenbits.xen.org/gitweb/?p=xen.git;a=commit;h=575e18d54d',
  base: '4.12',
  flags: { xenResetMsixOnAssign: true },
});
