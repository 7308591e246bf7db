/**
 * A counterfactual hypervisor: Xen 4.22 with EVTCHNOP_bind_pirq leaving an MSI vector's mask as it finds it.
 * Since 84d6add559 ("x86/MSI: fix guest unmasking when handling IRQ via event channel", Xen 4.6)
 * xen/arch/x86/irq.c:arch_evtchn_bind_pirq @RELEASE-4.22.0 calls guest_mask_msi_irq(desc, 0) when the guest binds
 * the pirq's event channel; no release left the mask (Xen's tree did between ad28e42bd1, which split the host and
 * guest masks, and 84d6add559, both in 4.6.0). Not a release: a hypervisor for checking what a guest relies on.
 * Every Linux before 7e0815b3e099 (5.18) masks its pirq vectors and never unmasks them (msix_program_entries to
 * 5.13, msix_mask_all from 5.14, pci_msix_shutdown); with this Xen their interrupts are lost, with 4.22 they are
 * not, and linux-6x delivers on both:
 *
 *   pirqcheck explore --variant-file examples/xen-bind-keeps-mask.ts --scenario nvme-hvm --guest linux-5.15 --qemu bind-unmasked --xen 4.22-bind-keeps-mask --dom0 pvops-6x --toolstack libxl-4.22 --invariant enabled-vector-delivers
 */
import { defineVariant, pirqInfo } from '../api/index.ts';

export default defineVariant({
  id: '4.22-bind-keeps-mask',
  component: 'xen',
  title: 'Xen 4.22 whose EVTCHNOP_bind_pirq leaves the vector masked (no release did: the tree between ad28e42bd1 and 84d6add559, 4.6 development)',
  upstream: 'counterfactual: RELEASE-4.22.0 without arch_evtchn_bind_pirq\'s guest_mask_msi_irq(desc, 0) (84d6add559)',
  versions: 'none (a counterfactual: what a guest relies on)',
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
