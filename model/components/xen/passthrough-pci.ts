/**
 * Models xen/drivers/passthrough/pci.c @ RELEASE-4.12.0: assign_device and deassign_device
 * (XEN_DOMCTL_assign_device / XEN_DOMCTL_deassign_device through iommu_do_pci_domctl), with 575e18d54d's
 * pci_reset_msix_state (Xen 4.13) and seed 004's chao-v6 unmap on deassign as flags.
 *
 * Device quarantine (319f9a0ba9, ba2ab00bbb, Xen 4.13): a device leaving a domain goes to dom_io
 * (`xenQuarantine`); a dom_io-owned device is assignable. Left out: IOMMU context setup and the quarantine
 * page tables, phantom functions.
 */
import { ERRNO, DOMID_HARDWARE, DOMID_IO } from '../../types.ts';
import type { Sys } from '../../context.ts';
import { edit, own } from '../../cow.ts';
import { pushAudit } from '../device.ts';
import { pirqInfo, setPirq, pdevName, type XenState } from './state.ts';

/** The MSI pirqs each domain maps for `dev` (read by the toolstack's wildcard unbind and the handover audit). */
export function mappedPirqsOf(x: XenState, dev: number): { domid: number; pirq: number; entry: number }[] {
  const out: { domid: number; pirq: number; entry: number }[] = [];
  for (const d of Object.values(x.domains)) {
    for (const [pS, info] of Object.entries(d.pirqs)) {
      const md = info.irq > 0 ? x.irqs[info.irq]?.msi_desc : undefined;
      if (md && md.dev === dev) out.push({ domid: d.domid, pirq: Number(pS), entry: md.entry_nr });
    }
  }
  return out;
}

/** Models iommu_do_pci_domctl's XEN_DOMCTL_assign_device case @4.12: the call record around assign_device. */
export function XEN_DOMCTL_assign_device(s: Sys, domid: number, dev: number): number {
  return s.log.call('xen', 'XEN_DOMCTL_assign_device', `dom${domid} 0000:${pdevName(s, dev)}`, () => {
    const d = s.w.xen.domains[domid];
    // do_domctl: rcu_lock_domain_by_id fails for a domain that does not exist: -ESRCH.
    if (!d) return -ERRNO.ESRCH;
    // iommu_do_pci_domctl @RELEASE-4.12.0 lines 1689-1694 (unchanged to 4.22.0): `ret = -EINVAL; ... if (
    // domctl->cmd == XEN_DOMCTL_assign_device ? d->is_dying || ... ) break;`: no log line.
    if (d.dying) return -ERRNO.EINVAL;
    return s.fn.xen.assign_device(s, domid, dev);
  });
}

/**
 * Models xen/drivers/passthrough/pci.c:assign_device @4.12 (with the device_assigned check of
 * iommu_do_pci_domctl): -ENODEV for an unknown device, -ESRCH for an absent domain, -EBUSY unless dom0
 * owns the device; with `xenResetMsixOnAssign` (575e18d54d, Xen 4.13) pci_reset_msix_state first. Left out:
 * IOMMU context setup, quarantine (DOMID_IO), phantom functions, msixtbl_init. (A dying domain is
 * -EINVAL, tested by the caller, XEN_DOMCTL_assign_device.)
 */
export function assign_device(s: Sys, domid: number, dev: number): number {
  const pdev = s.w.xen.pdevs[dev];
  const hw = s.w.hw[dev];
  if (!pdev || !hw) return -ERRNO.ENODEV;
  if (!s.w.xen.domains[domid]) return -ERRNO.ESRCH;
  // device_assigned / assign_device @RELEASE-4.13.0: -EBUSY unless `pdev->domain == hardware_domain ||
  // pdev->domain == dom_io` (a quarantined device is assignable). Before 4.13 no device is dom_io's.
  if (pdev.domain !== DOMID_HARDWARE && pdev.domain !== DOMID_IO) return -ERRNO.EBUSY;
  if (s.flags.xenResetMsixOnAssign) {
    // 575e18d54d: "if ( pdev->msix ) { rc = pci_reset_msix_state(pdev); if ( rc ) goto done; ... }"
    const r = s.fn.xen.pci_reset_msix_state(s, dev);
    if (r) return r;
  }
  edit(s, 'xen', 'pdevs', dev).domain = domid;
  return 0;
}

/**
 * Models xen/drivers/passthrough/pci.c:pci_reset_msix_state @575e18d54d (Xen 4.13): -EBUSY if MASKALL is set
 * in hardware (the device was not reset), otherwise host_maskall and guest_maskall cleared. Called only by
 * assign_device with `xenResetMsixOnAssign`.
 */
export function pci_reset_msix_state(s: Sys, dev: number): number {
  if (s.w.hw[dev]?.msix.maskall) return -ERRNO.EBUSY;
  const pm = edit(s, 'xen', 'pdevs', dev, 'msix');
  pm.host_maskall = false;
  pm.guest_maskall = false;
  return 0;
}

/**
 * Models iommu_do_pci_domctl's XEN_DOMCTL_deassign_device case and the lookup of deassign_device @4.12: a
 * device the domain does not own is -ENODEV ("deassign ... failed"); otherwise the handover is audited and
 * deassign_device runs.
 */
export function XEN_DOMCTL_deassign_device(s: Sys, domid: number, dev: number): number {
  return s.log.call('xen', 'XEN_DOMCTL_deassign_device', `dom${domid} 0000:${pdevName(s, dev)}`, () => {
    const pdev = s.w.xen.pdevs[dev];
    if (!pdev) return -ERRNO.ENODEV;
    if (pdev.domain !== domid) {
      // deassign_device: pci_get_pdev_by_domain(d, ...) finds nothing -> -ENODEV; iommu_do_pci_domctl
      // (drivers/passthrough/pci.c @4.12) then prints "deassign %04x:%02x:%02x.%u from dom%d failed (%d)".
      s.log.log(`(XEN) deassign 0000:${pdevName(s, dev)} from dom${domid} failed (-${ERRNO.ENODEV})`);
      return -ERRNO.ENODEV;
    }
    pushAudit(s, { kind: 'handover', at: 'deassign', dev, from: domid, mapped: mappedPirqsOf(s.w.xen, dev).filter((m) => m.domid === domid) });
    return s.fn.xen.deassign_device(s, domid, dev);
  });
}

/**
 * Models xen/drivers/passthrough/pci.c:deassign_device @4.12 for a device `domid` owns: the device goes back
 * to the hardware domain, or to dom_io with quarantine (4.13+, reassign_to_target); the old owner's pirqs
 * stay mapped. With chao-v6 (`xenUnmapOnDeassign`) every pirq
 * of the old owner mapped to the device is unbound and unmapped first and marked force_unbound /
 * force_unmapped.
 */
export function deassign_device(s: Sys, domid: number, dev: number): number {
  if (s.flags.xenUnmapOnDeassign && s.w.xen.domains[domid]) {
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
      s.log.log(`(XEN) dom${domid}: force unmapped pirq ${m.pirq} of 0000:${pdevName(s, dev)} on deassign`);
    }
  }
  reassign_to_target(s, dev);
  return 0;
}

/**
 * The target of xen/drivers/passthrough/pci.c:deassign_device @RELEASE-4.13.0 (the one read of
 * `xenQuarantine`): `target = ((pdev->quarantine || iommu_quarantine) && pdev->domain != dom_io) ? dom_io :
 * hardware_domain`, then `if ( pdev->domain == hardware_domain ) pdev->quarantine = false;` (4.17+ writes the
 * same test as an `if`, with iommu_quarantine_dev_init first). Used by the domctl and by
 * pci_release_devices at destroy, which calls the same deassign_device.
 */
export function reassign_to_target(s: Sys, dev: number): void {
  const pdev = edit(s, 'xen', 'pdevs', dev);
  const quarantine = pdev.quarantine === true || s.flags.xenQuarantine !== 'off';
  if (quarantine && pdev.domain !== DOMID_IO) {
    pdev.domain = DOMID_IO;
    // assign_device's `done:` label for dom_io: "The device is assigned to dom_io so mark it as quarantined".
    pdev.quarantine = true;
  } else {
    pdev.domain = DOMID_HARDWARE;
    delete pdev.quarantine;
  }
}
