/**
 * Models xen/drivers/passthrough/io.c @ RELEASE-4.12.0: pt_irq_create_bind and pt_irq_destroy_bind for
 * PT_IRQ_TYPE_MSI (XEN_DOMCTL_bind_pt_irq, XEN_DOMCTL_unbind_pt_irq), and the delivery path that ends in
 * hvm_dirq_assist -> send_guest_pirq (deliver, read by the invariants).
 *
 * Left out: posted interrupts, gflags, the vMSI injection of a non-pirq message.
 */
import { ERRNO, IRQ_UNBOUND, hex } from '../../types.ts';
import type { Sys } from '../../context.ts';
import { type HwDevice } from '../device.ts';
import { pirqInfo, setPirq, dom, type XenState } from './state.ts';
import { msixtbl_pt_register, msixtbl_pt_unregister } from './vmsi.ts';

/**
 * Models xen/drivers/passthrough/io.c:pt_irq_create_bind @4.12, PT_IRQ_TYPE_MSI. A first bind sets
 * MAPPED and calls pirq_guest_bind (-EINVAL for a pirq with no irq, rolled back); a bind of an already
 * MAPPED pirq only updates gvec, whichever device the pirq belongs to. With `unmasked` (the
 * XEN_DOMCTL_VMSI_X86_UNMASKED bit of gflags, 69d99d1b22, Xen 4.10, in every modelled Xen) the bind ends with
 * guest_mask_msi_irq(desc, false). A first bind of an MSI-X pirq takes a reference on the device's msixtbl
 * entry (msixtbl_pt_register, vmsi.ts), the unbind gives it back (msixtbl_pt_unregister).
 */
export function XEN_DOMCTL_bind_pt_irq(s: Sys, domid: number, p: number, gvec: number, unmasked = false): number {
  return s.log.call('xen', 'XEN_DOMCTL_bind_pt_irq', `domid=${domid} PT_IRQ_TYPE_MSI pirq=${p} gvec=${hex(gvec)}${unmasked ? ' gflags=XEN_DOMCTL_VMSI_X86_UNMASKED' : ''}`, () => {
    const d = dom(s, domid);
    if (!d) return -ERRNO.ESRCH;
    if (p < 0 || p >= d.nr_pirqs) return -ERRNO.EINVAL;
    const info = pirqInfo(d, p);
    if (info.dpci) {
      setPirq(s, d, p, { dpci: { gvec } });
    } else {
      setPirq(s, d, p, { dpci: { gvec } });
      const r = s.fn.xen.pirq_guest_bind(s, d, p);
      if (r) {
        setPirq(s, d, p, { dpci: null });
        return r;
      }
      // "if ( rc == 0 && pt_irq_bind->u.msi.gtable ) rc = msixtbl_pt_register(d, info, gtable);": QEMU passes the
      // table address for MSI-X only.
      const md = s.w.xen.irqs[pirqInfo(d, p).irq]?.msi_desc;
      if (md?.msix) msixtbl_pt_register(d, md.dev);
    }
    // 69d99d1b22: "if ( pt_irq_bind->u.msi.gflags & VMSI_UNMASKED ) ... guest_mask_msi_irq(desc, false);"
    if (unmasked) s.fn.xen.guest_mask_msi_irq(s, pirqInfo(d, p).irq, false);
    return 0;
  });
}

/** Models xen/drivers/passthrough/io.c:pt_irq_destroy_bind @4.12, MSI: mask for the guest, unbind. */
export function XEN_DOMCTL_unbind_pt_irq(s: Sys, domid: number, p: number): number {
  return s.log.call('xen', 'XEN_DOMCTL_unbind_pt_irq', `domid=${domid} PT_IRQ_TYPE_MSI pirq=${p}`, () => {
    const d = dom(s, domid);
    if (!d) return -ERRNO.ESRCH;
    const info = pirqInfo(d, p);
    if (info.irq <= 0) return -ERRNO.EINVAL;
    if (info.dpci) {
      s.fn.xen.guest_mask_msi_irq(s, info.irq, true);
      s.fn.xen.pirq_guest_unbind(s, d, p);
      setPirq(s, d, p, { dpci: null });
      msixtbl_pt_unregister(s, d, s.w.xen.irqs[info.irq]?.msi_desc?.dev);
    }
    return 0;
  });
}

/** Where an interrupt raised by (dev, entry) ends up, following the state the real path reads. */
export type Delivery =
  | { readonly ok: true; readonly domid: number; readonly pirq: number; readonly port: number; readonly irq: number; /** Set for a vMSI injection. */ readonly gvec?: number }
  | { readonly ok: false; readonly why: string };

/**
 * Follows an interrupt from the device to a guest event channel: the vector must be enabled and unmasked
 * in hardware and programmed with a Xen irq whose msi_desc is this (dev, entry); the irq must be bound to
 * a guest (pirq_guest_bind); the domain's pirq for that irq must be a MAPPED dpci with an event channel
 * bound while it was mapped (hvm_domain_use_pirq: emuirq != IRQ_UNBOUND) for HVM (hvm_dirq_assist ->
 * send_guest_pirq), or an event channel for PV (send_guest_pirq).
 */
export function deliver(x: XenState, hw: HwDevice | undefined, dev: number, entry: number, msix: boolean, vmsi = false): Delivery {
  if (!hw) return { ok: false, why: 'no such device' };
  if (!hw.command.master) return { ok: false, why: 'PCI_COMMAND_MASTER is clear' };
  let irq: number;
  if (msix) {
    if (!hw.msix.enable) return { ok: false, why: 'MSI-X ENABLE is clear in hardware' };
    if (hw.msix.maskall) return { ok: false, why: 'MSI-X MASKALL is set in hardware' };
    const e = hw.msix.entries[entry];
    if (!e) return { ok: false, why: `no MSI-X entry ${entry}` };
    if (e.masked) return { ok: false, why: `MSI-X entry ${entry} is masked in hardware` };
    irq = e.xen_irq;
  } else {
    if (!hw.msi.enable) return { ok: false, why: 'MSI ENABLE is clear in hardware' };
    irq = hw.msi.xen_irq;
  }
  const desc = x.irqs[irq];
  if (!desc || !desc.msi_desc || desc.msi_desc.dev !== dev || desc.msi_desc.entry_nr !== entry || desc.msi_desc.msix !== msix) {
    return { ok: false, why: `the vector is programmed with irq ${irq}, which Xen no longer has for this entry` };
  }
  const domid = desc.guests[0];
  if (domid === undefined) return { ok: false, why: `irq ${irq} is bound to no guest (no pirq_guest_bind)` };
  const d = x.domains[domid];
  if (!d) return { ok: false, why: `irq ${irq} is bound to dom${domid}, which is gone` };
  const p = d.irq_pirq[irq];
  if (p === undefined || p <= 0) return { ok: false, why: `dom${domid} has no pirq for irq ${irq}` };
  const info = pirqInfo(d, p);
  if (d.hvm) {
    if (!info.dpci) return { ok: false, why: `pirq ${p} has no MAPPED dpci binding` };
    // xen/drivers/passthrough/x86/hvm.c:hvm_dirq_assist @RELEASE-4.22.0: hvm_domain_use_pirq false (emuirq
    // IRQ_UNBOUND) -> vmsi_deliver_pirq, the vector QEMU bound (gvec). `vmsi`: the caller is a guest that
    // expects exactly that (the native MSI path), so it is a delivery, to be compared with its vector.
    if (vmsi && info.emuirq === IRQ_UNBOUND) return { ok: true, domid, pirq: p, port: 0, irq, gvec: info.dpci.gvec };
    if (info.emuirq === IRQ_UNBOUND) return { ok: false, why: `pirq ${p} has emuirq IRQ_UNBOUND: hvm_dirq_assist injects vector ${hex(info.dpci.gvec)} as a plain vMSI, not an event` };
  }
  if (info.evtchn === 0) return { ok: false, why: `pirq ${p} has no event channel` };
  return { ok: true, domid, pirq: p, port: info.evtchn, irq };
}
