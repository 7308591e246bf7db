/**
 * Seed 004: Chao Gao's "[PATCH v6 1/3] xen/pt: fix some pass-thru devices don't work across reboot", written
 * as code on Xen 4.12 (no flag): deassign_device (xen/drivers/passthrough/pci.c) unbinds and unmaps every pirq
 * the old owner still maps to the device, and marks it force_unbound / force_unmapped so that a later
 * PHYSDEVOP_unmap_pirq from QEMU or pciback for it succeeds instead of failing with -EINVAL. (The model's
 * physdev_unmap_pirq already reads the `forced` marks, which are empty unless deassign_device sets them.)
 * The built-in variant it re-writes: --xen chao-v6.
 *
 *   pirqcheck check --variant-file examples/code/chao-v6.ts --scenario reboot-hvm
 */
import { defineVariant, edit, mappedPirqsOf, own, pirqInfo, setPirq, shortBdf, type Sys } from 'pirqcheck';

/** The loop v6 adds at the top of deassign_device: the old owner's pirqs of `dev`, unbound and unmapped. */
export function unmapOnDeassign(s: Sys, domid: number, dev: number): void {
  if (!s.w.xen.domains[domid]) return;
  const d = edit(s, 'xen', 'domains', domid);
  for (const m of mappedPirqsOf(s.w.xen, dev)) {
    if (m.domid !== domid) continue;
    const info = pirqInfo(d, m.pirq);
    const bound = info.dpci !== null || s.w.xen.irqs[info.irq]?.guests.includes(domid) === true;
    if (info.dpci) {
      s.fn.xen.pirq_guest_unbind(s, d, m.pirq);
      setPirq(s, d, m.pirq, { dpci: null });
    }
    s.fn.xen.unmap_domain_pirq(s, d, m.pirq);
    own(s, d, 'forced')[m.pirq] = { unmapped: true, unbound: bound };
    s.log.log(`(XEN) dom${domid}: force unmapped pirq ${m.pirq} of 0000:${shortBdf(s.w.hw[dev]?.bdf ?? `dev${dev}`)} on deassign`);
  }
}

export default defineVariant({
  id: 'code-chao-v6',
  component: 'xen',
  title: "xen/pt: fix some pass-thru devices don't work across reboot (v6 1/3), as code",
  upstream: 'xen-devel 2019-01 msg01227, Chao Gao, [PATCH v6 1/3] (not merged)',
  versions: 'proposal against Xen 4.12-unstable',
  link: 'https://lists.xenproject.org/archives/html/xen-devel/2019-01/msg01227.html',
  base: '4.12',
  functions: {
    deassign_device: (builtin, s, domid, dev) => {
      unmapOnDeassign(s, domid, dev);
      return builtin(s, domid, dev);
    },
  },
});
