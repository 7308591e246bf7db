/**
 * Seed 002: Laszlo Ersek's RFC "pciback: clean up (MSI-X vec, entrynr) list when resetting PCI device", as
 * code on the linux-2.6.18-xen dom0 (no flag): pciback_reset_device (the model's xen_pcibk_reset_device,
 * drivers/xen/pciback/pciback_ops.c) ends with the new msi_prune_pci_irq_vectors, which empties the device's
 * msi_dev pirq list without a hypercall. The patched function is written out whole, as the patch leaves it;
 * the decision points it keeps are read from s.flags, as the built-in one does. The built-in variant it
 * re-writes: --dom0 xen-2.6.18-prune.
 *
 *   pirqcheck check --variant-file examples/code/pciback-prune-on-reset.ts --scenario igbvf-pv
 */
import { defineVariant, edit, type Sys } from 'pirqcheck';

/** drivers/pci/msi-xen.c:msi_prune_pci_irq_vectors, as the RFC adds it. */
function msi_prune_pci_irq_vectors(s: Sys, dev: number): void {
  const bdf = s.w.hw[dev]?.bdf ?? `dev${dev}`;
  s.log.call('dom0', 'msi_prune_pci_irq_vectors', bdf, () => {
    if (!s.w.dom0.devices[dev]) return;
    const d = edit(s, 'dom0', 'devices', dev);
    for (const e of d.msi_dev) s.log.log(`PCI: ${bdf}: cleaning up MSI-X entry ${e.entry_nr}`);
    d.msi_dev = [];
  });
}

export default defineVariant({
  id: 'code-prune-on-reset',
  component: 'dom0',
  title: 'pciback: clean up (MSI-X vec, entrynr) list when resetting PCI device, as code',
  upstream: 'Laszlo Ersek, [RFC PATCH linux-2.6.18-xen], xen-devel 2011-06-01 (seed 002)',
  versions: 'RFC against linux-2.6.18-xen / RHEL 5',
  link: 'https://lists.xen.org/archives/html/xen-devel/2011-06/msg00038.html',
  base: 'xen-2.6.18',
  functions: {
    xen_pcibk_reset_device: (_builtin, s, dev) => {
      s.log.call('dom0', 'xen_pcibk_reset_device', s.w.hw[dev]?.bdf ?? `dev${dev}`, () => {
        const d = s.w.dom0.devices[dev];
        if (!d) return;
        if (s.flags.pcibackDisableMsixOnReset && d.msix_enabled) s.fn.dom0.pci_disable_msix(s, dev);
        s.fn.dom0.pci_disable_device(s, dev);
        if (s.flags.pcibackResetZeroesCommand) {
          s.log.call('dom0', 'pci_write_config_word', 'PCI_COMMAND 0', () => {
            if (s.w.hw[dev]) edit(s, 'hw', dev).command = { memory: false, master: false };
          });
        }
        // The RFC: "msi_prune_pci_irq_vectors(dev);" at the end of pciback_reset_device.
        msi_prune_pci_irq_vectors(s, dev);
      });
    },
  },
});
