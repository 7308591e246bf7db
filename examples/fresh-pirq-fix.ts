/**
 * Seed 000: Dan Streetman's c74fd80f2f41 "xen: do not re-use pirq number cached in pci device msi msg
 * data", written as a variant of the guest kernel. It applies to 2.6.39 - 4.10 kernels, whose
 * xen_hvm_setup_msi_irqs reuses the pirq cached in the MSI message while a live irq holds it
 * (af42b8d1 on the irq_info list), and makes the guest always ask Xen for a fresh pirq.
 *
 *   pirqcheck check --variant-file examples/fresh-pirq-fix.ts
 */
import { defineVariant } from '../api/index.ts';

export default defineVariant({
  id: 'always-allocate',
  component: 'guest',
  title: 'xen: do not re-use pirq number cached in pci device msi msg data',
  upstream: 'c74fd80f2f41 (Linux), as posted',
  versions: 'proposed against Linux 4.10; backported to Ubuntu Xenial 4.4.0-61',
  link: 'https://git.kernel.org/torvalds/c/c74fd80f2f41d05f350bb478151021f88551afe8',
  base: 'reuse-pirq-live',
  flags: { guestReuse: 'never' },
});
