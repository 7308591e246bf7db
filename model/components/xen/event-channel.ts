/**
 * Models xen/common/event_channel.c @ RELEASE-4.12.0: evtchn_bind_pirq (with
 * xen/arch/x86/irq.c:arch_evtchn_bind_pirq) and evtchn_close for an ECS_PIRQ port.
 *
 * Left out: event channel ports other than pirq ports; ports are handed out lowest-free from 1.
 */
import { ERRNO, IRQ_PT } from '../../types.ts';
import type { Sys } from '../../context.ts';
import { own } from '../../cow.ts';
import { pirqInfo, setPirq, dom, rcStr } from './state.ts';

/**
 * Models xen/common/event_channel.c:evtchn_bind_pirq @4.12 with arch_evtchn_bind_pirq. -EEXIST if the
 * pirq already has a port. A PV caller must be permitted the pirq's irq (pirq_access_permitted: -EPERM for
 * an unmapped pirq) and is bound with pirq_guest_bind; an HVM caller gets emuirq = IRQ_PT and the vector
 * unmasked only if the pirq is mapped at this moment.
 */
export function EVTCHNOP_bind_pirq(s: Sys, domid: number, p: number): number {
  return s.log.call('xen', 'EVTCHNOP_bind_pirq', `pirq=${p} (dom${domid})`, () => {
    const d = dom(s, domid);
    if (!d) return -ERRNO.ESRCH;
    if (p < 0 || p >= d.nr_pirqs) return -ERRNO.EINVAL;
    const info = pirqInfo(d, p);
    if (!d.hvm && !(info.irq > 0)) return -ERRNO.EPERM;
    if (info.evtchn !== 0) return -ERRNO.EEXIST;
    let port = 1;
    while (d.ports[port] !== undefined) port++;
    setPirq(s, d, p, { evtchn: port });
    if (!d.hvm) {
      const r = s.fn.xen.pirq_guest_bind(s, d, p);
      if (r) {
        setPirq(s, d, p, { evtchn: 0 });
        return r;
      }
    }
    own(s, d, 'ports')[port] = p;
    // arch_evtchn_bind_pirq
    const irq = pirqInfo(d, p).irq;
    if (irq > 0) {
      if (d.hvm) setPirq(s, d, p, { emuirq: IRQ_PT });
      s.fn.xen.guest_mask_msi_irq(s, irq, false);
    }
    return port;
  }, (v) => (v >= 0 ? `0, port=${v}` : rcStr(v)));
}

/** Models xen/common/event_channel.c:evtchn_close @4.12 for an ECS_PIRQ port. */
export function EVTCHNOP_close(s: Sys, domid: number, port: number): number {
  return s.log.call('xen', 'EVTCHNOP_close', `port=${port} (dom${domid})`, () => {
    const d = dom(s, domid);
    if (!d) return -ERRNO.ESRCH;
    const p = d.ports[port];
    if (p === undefined) return -ERRNO.EINVAL;
    if (!d.hvm && pirqInfo(d, p).irq !== 0) s.fn.xen.pirq_guest_unbind(s, d, p);
    delete own(s, d, 'ports')[port];
    setPirq(s, d, p, { evtchn: 0 });
    if (d.hvm && pirqInfo(d, p).irq > 0) s.fn.xen.unmap_domain_pirq_emuirq(s, d, p);
    return 0;
  });
}
