/**
 * Seed 004, chao-v6 with Roger Pau Monne's review suggestion, as code on Xen 4.12: the v6 unmap on deassign
 * (chao-v6.ts), and physdev_unmap_pirq answering -ESRCH for a pirq Xen already force-unmapped, so that dom0's
 * xen_destroy_irq treats it as gone. The built-in variant it re-writes: --xen chao-v6-esrch.
 *
 *   pirqcheck check --variant-file examples/code/chao-v6-esrch.ts --scenario reboot-hvm
 */
import { defineVariant, edit, ERRNO, IRQ_UNBOUND, own, pirqInfo } from 'pirqcheck';
import { unmapOnDeassign } from './chao-v6.ts';

export default defineVariant({
  id: 'code-chao-v6-esrch',
  component: 'xen',
  title: 'chao-v6 with -ESRCH for a pirq Xen already unmapped, as code',
  upstream: 'review of v6 1/3 (seed 004), not implemented',
  versions: 'proposal',
  link: 'https://lists.xenproject.org/archives/html/xen-devel/2019-01/msg01227.html',
  base: '4.12',
  functions: {
    deassign_device: (builtin, s, domid, dev) => {
      unmapOnDeassign(s, domid, dev);
      return builtin(s, domid, dev);
    },
    // xen/arch/x86/physdev.c:physdev_unmap_pirq: after the emuirq binding goes, a force-unmapped pirq is
    // forgotten and -ESRCH returned; every other pirq takes the 4.12 path.
    PHYSDEVOP_unmap_pirq: (builtin, s, domid, pirq) => {
      const d = s.w.xen.domains[domid];
      if (!d || d.dying || !d.forced[pirq]?.unmapped) return builtin(s, domid, pirq);
      return s.log.call('xen', 'PHYSDEVOP_unmap_pirq', `domid=${domid} pirq=${pirq}`, () => {
        const dw = edit(s, 'xen', 'domains', domid);
        if (dw.hvm && pirqInfo(dw, pirq).emuirq !== IRQ_UNBOUND) s.fn.xen.unmap_domain_pirq_emuirq(s, dw, pirq);
        delete own(s, dw, 'forced')[pirq];
        return -ERRNO.ESRCH;
      });
    },
  },
});
