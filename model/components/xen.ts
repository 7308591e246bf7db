/**
 * The Xen hypervisor: per-domain pirq tables, irq descriptors with their MSI descriptors, per-device MSI-X
 * state, dpci bindings for HVM passthrough, pirq event channels, and the hypercalls that change them.
 *
 * Mirrors xen-project/xen @ RELEASE-4.12.0 (997d6248a9ae), one file of model/components/xen/ per upstream file:
 *   xen/state.ts            the structures (xen/include/xen/sched.h, irq.h, asm-x86/irq.h, asm-x86/msi.h, pci.h)
 *   xen/irq.ts              xen/arch/x86/irq.c: create_irq, get_free_pirq, map_domain_pirq, unmap_domain_pirq,
 *                           pirq_guest_bind, __pirq_guest_unbind, pirq_guest_unbind, pirq_guest_force_unbind
 *   xen/msi.ts              xen/arch/x86/msi.c: msix_capability_init, __pci_disable_msix, msi_set_mask_bit,
 *                           guest_mask_msi_irq, pci_msi_conf_write_intercept
 *   xen/physdev.ts          xen/arch/x86/physdev.c: PHYSDEVOP_get_free_pirq, physdev_map_pirq,
 *                           physdev_unmap_pirq, PHYSDEVOP_prepare_msix / release_msix
 *   xen/passthrough-io.ts   xen/drivers/passthrough/io.c: pt_irq_create_bind, pt_irq_destroy_bind,
 *                           hvm_dirq_assist (the delivery path)
 *   xen/passthrough-pci.ts  xen/drivers/passthrough/pci.c: assign_device, deassign_device
 *   xen/event-channel.ts    xen/common/event_channel.c: evtchn_bind_pirq, evtchn_close (ECS_PIRQ);
 *                           xen/include/xen/iocap.h: pirq_access_permitted
 *   xen/domctl.ts           xen/common/domctl.c, domain.c: XEN_DOMCTL_createdomain, XEN_DOMCTL_destroydomain
 *   xen/vmsi.ts             xen/arch/x86/hvm/vmsi.c @RELEASE-4.22.0: the msixtbl intercept (msixtbl_write,
 *                           _msixtbl_write, msix_write_completion, msixtbl_read)
 *
 * Left out: GSI/INTx pirqs, multi-vector MSI (MAP_PIRQ_TYPE_MULTI_MSI), interrupt remapping, posted
 * interrupts, XSM (every caller is privileged enough), and IRQ affinity.
 * Event channel ports other than pirq ports are not modelled; ports are handed out lowest-free from 1.
 */
export * from './xen/state.ts';
export * from './xen/irq.ts';
export * from './xen/msi.ts';
export * from './xen/physdev.ts';
export * from './xen/passthrough-io.ts';
export * from './xen/passthrough-pci.ts';
export * from './xen/event-channel.ts';
export * from './xen/domctl.ts';
export * from './xen/vmsi.ts';
