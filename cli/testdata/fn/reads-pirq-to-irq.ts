// A guest fix whose code reads pirq_to_irq, which its base (fresh-pirq) never reads: the explorer keeps it
// (checker/read-guard.test.ts).
import { defineVariant } from 'pirqcheck';

export default defineVariant({
  id: 'g-reads-p2i',
  component: 'guest',
  title: 'refuse an MSI-X enable once three pirqs are remembered',
  upstream: 'test',
  versions: 'test',
  base: 'fresh-pirq',
  functions: {
    pci_enable_msix: (builtin, s, domid, dev, nvec) => (Object.keys(s.w.guests[domid]?.pirq_to_irq ?? {}).length >= 3 ? -28 : builtin(s, domid, dev, nvec)),
  },
});
