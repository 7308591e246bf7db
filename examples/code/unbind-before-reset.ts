/**
 * Seed 004, Jan Beulich's question "an ordering issue in the tool stack?", as code on libxl (no flag):
 * do_pci_remove (tools/libxl/libxl_pci.c) unbinds and unmaps the device's leftover MSI pirqs of the domain
 * before libxl__device_pci_reset. The built-in variant it re-writes: --toolstack unbind-before-reset.
 *
 *   pirqcheck check --variant-file examples/code/unbind-before-reset.ts --scenario reboot-hvm
 */
import { defineVariant, mappedPirqsOf } from 'pirqcheck';

export default defineVariant({
  id: 'code-unbind-before-reset',
  component: 'toolstack',
  title: 'libxl clears leftover MSI pirq bindings of the device before the reset, as code',
  upstream: "suggestion in review of Chao Gao's pciback patch (seed 004), never implemented",
  versions: 'proposal',
  link: 'https://lists.xenproject.org/archives/html/xen-devel/2019-01/msg01753.html',
  base: 'libxl',
  functions: {
    libxl__device_pci_reset: (builtin, s, domid, dev, hvm) => {
      // A wildcard unbind + unmap: libxl does not know which pirqs QEMU mapped, Xen does.
      for (const m of mappedPirqsOf(s.w.xen, dev)) {
        if (m.domid !== domid) continue;
        if (hvm) s.fn.xen.XEN_DOMCTL_unbind_pt_irq(s, domid, m.pirq);
        s.fn.xen.PHYSDEVOP_unmap_pirq(s, domid, m.pirq);
      }
      builtin(s, domid, dev, hvm);
    },
  },
});
