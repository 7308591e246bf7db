/**
 * A guest kernel that gives its pirqs back on MSI teardown: xen_teardown_msi_irqs asks Xen to unmap each
 * vector's pirq (PHYSDEVOP_unmap_pirq for itself, as a PV guest's xen_destroy_irq does) before it frees the
 * irq. Not a patch anyone posted: an idea to check.
 */
import { defineVariant } from 'pirqcheck';

export default defineVariant({
  id: 'unmap-on-teardown',
  component: 'guest',
  title: 'xen/pci: unmap the pirqs of an HVM guest on MSI teardown',
  upstream: 'my idea, not posted',
  versions: 'on top of Linux 4.11 (c74fd80f)',
  base: 'fresh-pirq',
  functions: {
    xen_teardown_msi_irqs: (builtin, s, k, d) => {
      for (const irq of Object.values(d.msi_list)) {
        const info = k.irqs[irq];
        if (info) s.fn.xen.PHYSDEVOP_unmap_pirq(s, k.domid, info.pirq);
      }
      builtin(s, k, d);
    },
  },
});
