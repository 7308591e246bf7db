/**
 * Seed 002: Laszlo Ersek's RFC "pciback: clean up (MSI-X vec, entrynr) list when resetting PCI device",
 * written as a variant of the linux-2.6.18-xen / RHEL 5 dom0. pciback_reset_device calls
 * msi_prune_pci_irq_vectors, so the msi_dev pirq list of a device does not outlive the guest that used it.
 *
 *   pirqcheck check --variant-file examples/pciback-prune-on-reset.ts --scenario igbvf-pv
 */
import { defineVariant } from '../api/index.ts';

export default defineVariant({
  id: 'prune-on-reset',
  component: 'dom0',
  title: 'pciback: clean up (MSI-X vec, entrynr) list when resetting PCI device',
  upstream: 'Laszlo Ersek, [RFC PATCH linux-2.6.18-xen], xen-devel 2011-06-01',
  versions: 'RFC against linux-2.6.18-xen / RHEL 5',
  link: 'https://lists.xen.org/archives/html/xen-devel/2011-06/msg00038.html',
  base: 'xen-2.6.18',
  flags: { pcibackPruneOnReset: true },
});
