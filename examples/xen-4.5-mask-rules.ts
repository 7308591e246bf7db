/**
 * Xen 4.1 - 4.5's rules for an MSI-X vector's mask, on 4.12's code: one mask bit per vector, which Xen clears at
 * the first bind of the irq and which a guest's vector-control write reaches directly once Xen has taken the
 * entry; no guest mask kept apart from it and no unmask at the event-channel bind (ad28e42bd1 and 84d6add559,
 * both in Xen 4.6.0, brought those). Read at RELEASE-4.5.0:
 *   - xen/arch/x86/irq.c:pirq_guest_bind runs desc->handler->startup only when it creates the irq's action, at
 *     the first bind (QEMU's XEN_DOMCTL_bind_pt_irq, pt_irq_create_bind); startup_msi_irq -> unmask_msi_irq ->
 *     msi_set_mask_bit(desc, 0);
 *   - xen/common/event_channel.c:evtchn_bind_pirq gives an HVM caller map_domain_emuirq_pirq(d, pirq, IRQ_PT)
 *     and nothing else;
 *   - xen/arch/x86/hvm/vmsi.c:msixtbl_write, the vector control of a registered entry with no address/data
 *     pending: ignored while Xen holds the vector masked (msi_attrib.masked), else `writel(val, virt)` to the
 *     hardware, Xen's own mask bit unchanged.
 * Everything else is 4.12's; not a release, a hypervisor for asking which guests relied on Xen 4.6's unmask.
 * With it Linux 5.15.11 - 5.17 (--guest linux-5.15) loses its vectors: the mask bracket of 83dbf898a2d4's setup
 * makes QEMU bind during the setup, and msix_mask_all then masks the bound entries in hardware for good. Linux
 * 5.14 - 5.15.10 and the guests before it keep them (their masks reach QEMU before it binds), and so does linux-6x:
 *
 *   pirqcheck explore --variant-file examples/xen-4.5-mask-rules.ts --scenario nvme-hvm --guest linux-5.15 --qemu keep-pirqs --xen 4.12-with-4.5-mask-rules --invariant enabled-vector-delivers
 */
import { defineVariant, edit, hwEntry, msixtblAddrToIrq, own, pirqInfo } from '../api/index.ts';

export default defineVariant({
  id: '4.12-with-4.5-mask-rules',
  component: 'xen',
  title: 'Xen 4.12 with the MSI-X mask rules of Xen 4.1 - 4.5: one mask bit, cleared at the first bind, written by the guest through msixtbl; no unmask at EVTCHNOP_bind_pirq',
  upstream: 'RELEASE-4.5.0: xen/arch/x86/irq.c:pirq_guest_bind, xen/common/event_channel.c:evtchn_bind_pirq, xen/arch/x86/hvm/vmsi.c:msixtbl_write; before ad28e42bd1 and 84d6add559 (4.6)',
  versions: 'none (the mask rules of Xen 4.1 - 4.5 on 4.12\'s code)',
  link: 'https://xenbits.xen.org/gitweb/?p=xen.git;a=commit;h=84d6add5593d865736831d150da7c38588f669f6',
  base: '4.12',
  functions: {
    // startup_msi_irq -> unmask_msi_irq at the bind that creates the action (the builtin refuses any other).
    pirq_guest_bind: (builtin, s, d, p) => {
      const r = builtin(s, d, p);
      if (r === 0) s.fn.xen.msi_set_mask_bit(s, pirqInfo(d, p).irq, false, false);
      return r;
    },
    // evtchn_bind_pirq: no unmask for an HVM caller; the mask stays as the bind found it.
    EVTCHNOP_bind_pirq: (builtin, s, domid, p) => {
      const d = s.w.xen.domains[domid];
      const irq = d?.hvm ? pirqInfo(d, p).irq : 0;
      const md = irq > 0 ? s.w.xen.irqs[irq]?.msi_desc : undefined;
      const hw = md?.msix ? s.w.hw[md.dev]?.msix.entries[md.entry_nr]?.masked : undefined;
      const port = builtin(s, domid, p);
      if (md) {
        s.fn.xen.msi_set_mask_bit(s, irq, md.host_masked, md.guest_masked);
        const e = hwEntry(s, md.dev, md.entry_nr);
        if (e && hw !== undefined) e.masked = hw;
      }
      return port;
    },
    // msixtbl_write of a vector-control word of a registered entry with a descriptor: "exit to device model if
    // address/data has been modified" (the table_flags bit cleared, for a mask as for an unmask, whose completion
    // comes back here), else written to the hardware unless Xen holds the vector masked.
    msixtbl_write_vector_ctrl: (builtin, s, domid, dev, entry, masked) => {
      const d = s.w.xen.domains[domid];
      const irq = msixtblAddrToIrq(s.w.xen, d, dev, entry);
      const pending = ((d?.msixtbl?.devices[dev]?.table_flags ?? 0) & (1 << entry)) !== 0;
      // Not taken by Xen, or an unmask with address/data pending: 4.12's path (the device model, then
      // msix_write_completion).
      if (irq === undefined || (!masked && pending)) return builtin(s, domid, dev, entry, masked);
      if (pending) {
        s.log.call('xen', 'msixtbl_write', `mask entry ${entry} (vector control)`, () => {
          const rec = own(s, edit(s, 'xen', 'domains', domid, 'msixtbl', 'devices'), dev);
          rec.table_flags &= ~(1 << entry);
          s.fn.qemu.pci_msix_write_vector_ctrl(s, domid, dev, entry, true);
          return 'device model (address/data modified)';
        });
        return;
      }
      s.log.call('xen', 'msixtbl_write', `${masked ? 'mask' : 'unmask'} entry ${entry} (vector control)`, () => {
        const md = s.w.xen.irqs[irq]!.msi_desc!;
        if (md.host_masked || md.guest_masked) return 'Xen: ignored, the vector is masked by Xen';
        const e = hwEntry(s, dev, entry);
        if (e) e.masked = masked;
        return 'Xen: written to the hardware';
      });
    },
  },
});
