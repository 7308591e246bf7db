/**
 * A counterfactual hypervisor: Xen 4.22 with EVTCHNOP_bind_pirq leaving an MSI vector's mask as it finds it,
 * as Xen did before 84d6add559 ("x86/MSI: fix guest unmasking when handling IRQ via event channel", Xen 4.6).
 * Since then xen/arch/x86/irq.c:arch_evtchn_bind_pirq @RELEASE-4.22.0 calls guest_mask_msi_irq(desc, 0) when
 * the guest binds the pirq's event channel. Not a release: the one change that separates old hypervisors, for
 * checking a guest against them. Linux 5.15.11 - 5.17 (--guest linux-5.15) masks its pirq vectors with
 * msix_mask_all after QEMU bound them and never unmasks them (7e0815b3e099 fixed that in 5.18); with this Xen its
 * interrupts are lost, with 4.22 they are not:
 *
 *   pirqcheck explore --variant-file examples/xen-bind-keeps-mask.ts --scenario nvme-hvm --guest linux-5.15 --qemu bind-unmasked --xen 4.22-bind-keeps-mask --dom0 pvops-6x --toolstack libxl-4.22 --invariant enabled-vector-delivers
 */
import { defineVariant, pirqInfo } from '../api/index.ts';

export default defineVariant({
  id: '4.22-bind-keeps-mask',
  component: 'xen',
  title: 'Xen 4.22 whose EVTCHNOP_bind_pirq leaves the vector masked (as before 84d6add559, Xen 4.6)',
  upstream: 'counterfactual: RELEASE-4.22.0 without arch_evtchn_bind_pirq\'s guest_mask_msi_irq(desc, 0) (84d6add559)',
  versions: 'stands for Xen before 4.6 in this one respect',
  link: 'https://xenbits.xen.org/gitweb/?p=xen.git;a=commit;h=84d6add5593d865736831d150da7c38588f669f6',
  base: '4.22',
  functions: {
    EVTCHNOP_bind_pirq: (builtin, s, domid, p) => {
      const d = s.w.xen.domains[domid];
      const irq = d ? pirqInfo(d, p).irq : 0;
      const masked = irq > 0 && s.w.xen.irqs[irq]?.msi_desc?.guest_masked === true;
      const port = builtin(s, domid, p);
      // The bind's unmask undone: the vector keeps the mask the guest gave it.
      if (masked) s.fn.xen.guest_mask_msi_irq(s, irq, true);
      return port;
    },
  },
});
