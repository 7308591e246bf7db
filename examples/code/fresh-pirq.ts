/**
 * Seed 000: Dan Streetman's c74fd80f2f41 "xen: do not re-use pirq number cached in pci device msi msg data",
 * as code on a 2.6.39 - 4.10 guest kernel (no flag): xen_hvm_setup_msi_irqs (arch/x86/pci/xen.c) no longer
 * reads the cached message back to reuse its pirq; it always asks Xen for a fresh one with
 * PHYSDEVOP_get_free_pirq. The built-in variant it re-writes: --guest fresh-pirq.
 *
 *   pirqcheck check --variant-file examples/code/fresh-pirq.ts
 */
import { defineVariant, ERRNO, own, rc, xen_msi_compose_msg } from 'pirqcheck';

export default defineVariant({
  id: 'code-c74fd80f',
  component: 'guest',
  title: 'xen: do not re-use pirq number cached in pci device msi msg data, as code',
  upstream: 'c74fd80f2f41 (Linux)',
  versions: 'Linux 4.11 and later; Ubuntu Xenial 4.4.0-61',
  link: 'https://git.kernel.org/torvalds/c/c74fd80f2f41d05f350bb478151021f88551afe8',
  base: 'reuse-pirq-live',
  functions: {
    // The whole function after c74fd80f: the af42b8d1 reuse branch is gone.
    xen_hvm_setup_msi_irqs: (_builtin, s, k, dev, d, nvec, msix) =>
      s.log.call('guest', 'xen_hvm_setup_msi_irqs', `0000:${d.vslot} nvec=${nvec} type=${msix ? 'MSI-X' : 'MSI'}`, () => {
        const devp = `nvme 0000:${d.vslot}: `;
        // Kernels from the 5.10 irqdomain rework on (guestXenMsiIrqdomain): the composed message and the
        // error line; before it, dev_err's "Xen PCI frontend has not registered MSI/MSI-X support!".
        const irqdomain = s.flags.guestXenMsiIrqdomain;
        for (let e = 0; e < nvec; e++) {
          const pirq = s.fn.xen.PHYSDEVOP_get_free_pirq(s, k.domid);
          if (pirq < 0) {
            if (irqdomain) s.log.log(`${devp}Failed to create MSI${msix ? '-X' : ''}! ret=${rc(-ERRNO.ENODEV)}!`);
            else s.log.log(`${devp}Xen PCI frontend has not registered MSI/MSI-X support!`);
            return -ERRNO.ENODEV;
          }
          const m = xen_msi_compose_msg(pirq, irqdomain);
          // __pci_write_msi_msg of an MSI-X entry: the write passes Xen's msixtbl intercept on its way to QEMU.
          if (msix) s.fn.xen.msixtbl_write(s, k.domid, dev, e, m);
          else s.fn.qemu.xen_pt_msg_reg_write(s, k.domid, dev, m);
          s.log.log(`${devp}xen: msi bound to pirq=${pirq} [dev_dbg]`);
          const irq = s.fn.guest.xen_bind_pirq_msi_to_irq(s, k, dev, e, msix, pirq);
          own(s, d, 'msi_list')[e] = irq;
          s.log.log(`${devp}xen: msi --> pirq=${pirq} --> irq=${irq} [dev_dbg]`);
        }
        return 0;
      }),
  },
});
