/**
 * The toolstack (libxl), the PV guest with pcifront, and the faults of a domain's life: QEMU killed, a guest
 * that shuts down or crashes without disabling MSI-X, and the administrator rebinding pciback.
 *
 * Mirrors xen-project/xen @ RELEASE-4.12.0 tools/libxl/libxl_pci.c:libxl__device_pci_add (X4.13 order:
 * reset, QMP device_add, xc_assign_device, xenstore backend), do_pci_remove / libxl__device_pci_destroy_all
 * (device_del, reset, xc_deassign_device, xenstore removal), libxl_domain.c:libxl__destroy_domid (pause,
 * kill the device model, xc_domain_destroy); tools/firmware/hvmloader/pci.c:pci_setup (memory decoding on);
 * the PV guest: arch/x86/pci/xen.c:xen_setup_msi_irqs / xen_pv_teardown_msi_irqs @L-cur and 2.6.18
 * pci_enable_msix -> pci_frontend_enable_msix, drivers/xen/events startup_pirq ("Failed to obtain physical
 * IRQ %d"), igbvf_shutdown clearing PCI_COMMAND IO|MEMORY (seed 002).
 *
 * Left out: xenstore itself, QMP replies (device_del of a shut-down guest gets no eject, so it does
 * nothing), domain pause, grant and memory teardown, the guest's own irq numbers (a PV vector is named by its
 * pirq), INTx, and PV MSI (non-X).
 */
import { ERRNO, rc } from '../types.ts';
import type { Sys } from '../context.ts';
import { edit, own } from '../cow.ts';
import { pushAudit } from './device.ts';
import { mappedPirqsOf } from './xen.ts';
import { initialGuestDevice, initialGuestKernel, pci_xen_hvm_init } from './guest.ts';
import { initialQemuDevice } from './qemu.ts';

export interface PvVector {
  readonly entry: number;
  readonly pirq: number;
  /** Event channel port, 0 if EVTCHNOP_bind_pirq failed. */
  readonly evtchn: number;
}

export interface PvDevice {
  readonly stage: 'idle' | 'running' | 'down';
  readonly msix_enabled: boolean;
  readonly vectors: readonly PvVector[];
}

export interface PvGuest {
  readonly domid: number;
  readonly devices: Readonly<Record<number, PvDevice>>;
}

export interface ToolstackDomain {
  readonly hvm: boolean;
  /** 'running' while the guest kernel runs; 'shutdown' once it shut down or crashed. */
  readonly state: 'running' | 'shutdown';
  /** The device is still attached (libxl__device_pci_remove not run yet, or not finished). */
  readonly attached: boolean;
  /**
   * With `libxlAsyncDeviceDel` (4.12), an `xl pci-detach` of this HVM domain's device whose device_del has
   * returned: the next step of do_pci_remove after its `out:` label (the reset, xc_deassign_device, the
   * xenstore removal), each a step of its own so that the guest's eject can come between them. Absent
   * otherwise (the synchronous model runs them all in the libxl__device_pci_remove step).
   */
  readonly removing?: 'reset' | 'deassign' | 'xenstore';
}

export interface ToolstackState {
  /** Domids created so far; the next domain gets next_domid. */
  readonly next_domid: number;
  /** Bound on boots in a run (the scenario's). */
  readonly max_domid: number;
  readonly domains: Readonly<Record<number, ToolstackDomain>>;
  /** The domid the device was last given to, -1 if none. */
  readonly last_owner: number;
}

/** The lifecycle parameters of a scenario (see scenarios.ts). */
export interface LifecycleSpec {
  readonly hvm: boolean;
  /** xl.cfg hvm_pirq for an HVM domain (024e7131be: X86_EMU_USE_PIRQ cleared when false). Absent: true. */
  readonly hvm_pirq?: false;
  readonly nvec: number;
  readonly nr_pirqs: number;
  readonly vslot: string;
  readonly entries: number;
}

/**
 * Models tools/libxl/libxl_create.c + libxl_pci.c:libxl__device_pci_add @4.13 for a new domain (the first
 * boot or a reboot: a new domid) that gets device `dev`: xc_domain_create, libxl__device_pci_reset,
 * QMP device_add (HVM), xc_assign_device, the xenstore backend (xen_pcibk_export_device), and for HVM
 * hvmloader's pci_setup turning memory decoding on. On a failed assign the domain is destroyed again.
 */
export function libxl__device_pci_add(s: Sys, dev: number, spec: LifecycleSpec): number {
  const ts = edit(s, 'toolstack');
  const domid = ts.next_domid;
  ts.next_domid += 1;
  const previous = ts.last_owner;
  s.fn.xen.XEN_DOMCTL_createdomain(s, domid, spec.hvm, spec.nr_pirqs, !spec.hvm || spec.hvm_pirq !== false);
  s.fn.dom0.pci_reset_function(s, dev);
  if (spec.hvm) {
    s.log.call('qemu', 'QMP device_add', `xen-pci-passthrough hostaddr=${s.w.hw[dev]?.bdf ?? dev}`, () => {
      edit(s, 'qemu')[domid] = JSON.parse(JSON.stringify({ domid, alive: true, devices: { [dev]: initialQemuDevice(spec.vslot, spec.entries) } })) as (typeof s.w.qemu)[number];
    });
  }
  let r = s.fn.xen.XEN_DOMCTL_assign_device(s, domid, dev);
  if (r === 0) r = s.fn.dom0.xen_pcibk_export_device(s, dev, domid);
  else s.log.log(`libxl: error: libxl_pci.c: xc_assign_device failed: ${rc(r)}`);
  const pdev = s.w.xen.pdevs[dev];
  const hw = s.w.hw[dev];
  pushAudit(s, {
    kind: 'device_added',
    dev,
    domid,
    rc: r,
    host_maskall: pdev?.msix.host_maskall ?? false,
    guest_maskall: pdev?.msix.guest_maskall ?? false,
    hw_maskall: hw?.msix.maskall ?? false,
    previous,
  });
  if (r !== 0) {
    if (s.w.xen.pdevs[dev]?.domain === domid) s.fn.xen.XEN_DOMCTL_deassign_device(s, domid, dev);
    s.fn.xen.XEN_DOMCTL_destroydomain(s, domid);
    if (s.w.qemu[domid]) delete edit(s, 'qemu')[domid];
    return r;
  }
  ts.last_owner = domid;
  own(s, ts, 'domains')[domid] = { hvm: spec.hvm, state: 'running', attached: true };
  if (spec.hvm) {
    s.log.call('guest', 'hvmloader:pci_setup', `${spec.vslot} PCI_COMMAND MEMORY|MASTER`, () => {
      if (hw) edit(s, 'hw', dev).command = { memory: true, master: true };
    });
    // The guest boots: arch/x86/pci/xen.c:pci_xen_hvm_init reads XENVER_get_features (the model's hosts have
    // no APIC virtualization in lifecycle scenarios).
    const ops = pci_xen_hvm_init(s.fn.xen.XENVER_get_features(s, domid).hvm_pirqs, false);
    edit(s, 'guests')[domid] = JSON.parse(JSON.stringify(initialGuestKernel(domid, { [dev]: initialGuestDevice(spec.vslot, 'msix') }, ops))) as (typeof s.w.guests)[number];
  } else {
    edit(s, 'pv')[domid] = { domid, devices: { [dev]: { stage: 'idle', msix_enabled: false, vectors: [] } } };
  }
  return domid;
}

/**
 * Models tools/libxl/libxl_pci.c:do_pci_remove @4.12 after its first step (the HVM QMP device_del or the PV
 * INTx unmap, done by the callers): with `libxlUnbindBeforeReset` the leftover MSI pirqs of the device are
 * unbound and unmapped first (the toolstack fix seed 004 asks about; [derived]: it stands for a wildcard
 * unbind, since libxl does not know the pirqs QEMU mapped); then libxl__device_pci_reset,
 * xc_deassign_device and libxl__device_pci_remove_xenstore. The xenstore removal sets state-N Closing and
 * the backend Reconfiguring; pciback reconfigures (xen_pcibk_remove_device -> pcistub_put_pci_dev) only
 * when the frontend switches to Reconfiguring (drivers/xen/xen-pciback/xenbus.c:xen_pcibk_frontend_changed
 * @11db24b67fea), which a running PV guest's pcifront does after removing the device
 * (drivers/pci/xen-pcifront.c:pcifront_detach_devices): `frontend` is that guest-side step, run first.
 * Without a responding frontend libxl times out and pciback puts the device when the backend is destroyed
 * (xen_pcibk_xenbus_remove), still before xc_domain_destroy: modelled as the put right here.
 */
export function do_pci_remove(s: Sys, domid: number, dev: number, hvm: boolean, frontend?: () => void): void {
  s.fn.toolstack.libxl__device_pci_reset(s, domid, dev, hvm);
  s.fn.toolstack.xc_deassign_device(s, domid, dev);
  s.fn.toolstack.libxl__device_pci_remove_xenstore(s, domid, dev, frontend);
}

/** do_pci_remove's `out:` label: (`libxlUnbindBeforeReset`: unbind and unmap first), libxl__device_pci_reset. */
export function libxl__device_pci_reset(s: Sys, domid: number, dev: number, hvm: boolean): void {
  if (s.flags.libxlUnbindBeforeReset) {
    for (const m of mappedPirqsOf(s.w.xen, dev)) {
      if (m.domid !== domid) continue;
      if (hvm) s.fn.xen.XEN_DOMCTL_unbind_pt_irq(s, domid, m.pirq);
      s.fn.xen.PHYSDEVOP_unmap_pirq(s, domid, m.pirq);
    }
  }
  pushAudit(s, { kind: 'handover', at: 'reset', dev, from: domid, mapped: mappedPirqsOf(s.w.xen, dev).filter((m) => m.domid === domid) });
  s.fn.dom0.pci_reset_function(s, dev);
}

/** do_pci_remove: xc_deassign_device (not for a stub domain; the model has none), if the domain owns the device. */
export function xc_deassign_device(s: Sys, domid: number, dev: number): void {
  if (s.w.xen.pdevs[dev]?.domain === domid) s.fn.xen.XEN_DOMCTL_deassign_device(s, domid, dev);
}

/** do_pci_remove: libxl__device_pci_remove_xenstore, and pciback's put of the device (see do_pci_remove). */
export function libxl__device_pci_remove_xenstore(s: Sys, domid: number, dev: number, frontend?: () => void): void {
  s.log.call('toolstack', 'xenstore backend removal', `dom${domid}`, () => {
    frontend?.();
    s.fn.dom0.pcistub_put_pci_dev(s, dev);
  });
}

/**
 * The next step of a 4.12 `xl pci-detach` whose device_del returned before the guest ejected
 * (`libxlAsyncDeviceDel`): tools/libxl/libxl_pci.c:do_pci_remove @RELEASE-4.12.0 from its `out:` label on,
 * one statement per step: libxl__device_pci_reset, xc_deassign_device, libxl__device_pci_remove_xenstore
 * (HVM: no frontend to wait for). -ENODEV if no removal of `domid`'s device is under way or `stage` is not
 * its next step.
 */
export function do_pci_remove_step(s: Sys, domid: number, dev: number, stage: 'reset' | 'deassign' | 'xenstore'): number {
  const td = s.w.toolstack.domains[domid];
  if (!td || td.removing !== stage) return -ERRNO.ENODEV;
  const w = edit(s, 'toolstack', 'domains', domid);
  if (stage === 'reset') {
    s.fn.toolstack.libxl__device_pci_reset(s, domid, dev, td.hvm);
    w.removing = 'deassign';
  } else if (stage === 'deassign') {
    s.fn.toolstack.xc_deassign_device(s, domid, dev);
    w.removing = 'xenstore';
  } else {
    s.fn.toolstack.libxl__device_pci_remove_xenstore(s, domid, dev);
    delete w.removing;
    w.attached = false;
  }
  return 0;
}

/**
 * Models libxl_domain.c:libxl__destroy_domid @4.12: libxl__device_pci_destroy_all (forced do_pci_remove:
 * QMP device_del, libxl__device_pci_reset, xc_deassign_device, xenstore removal -> pcistub_put_pci_dev)
 * for a device still attached, kill the device model, xc_domain_destroy.
 */
export function libxl__destroy_domid(s: Sys, domid: number, dev: number): number {
  const td = s.w.toolstack.domains[domid];
  if (!td) return -ERRNO.ESRCH;
  if (td.attached) {
    s.log.call('toolstack', 'libxl__device_pci_destroy_all', `dom${domid}`, () => {
      if (td.hvm) {
        s.log.call('qemu', 'QMP device_del', `dom${domid}`, () => 'no eject from the guest: nothing done');
        // libxlDeviceDelTimeout: libxl 4.13+ waits for the device to leave query-pci; with the device model
        // alive and no eject, pci_remove_timeout fires after LIBXL_QMP_CMD_TIMEOUT (10 s) and the forced
        // removal goes on (tools/libxl/libxl_pci.c:pci_remove_timeout @RELEASE-4.13.0 line 2140, the same
        // in tools/libs/light/libxl_pci.c @RELEASE-4.22.0 line 1989). With the device model dead the QMP
        // send fails at once: no wait, no line.
        if (s.flags.libxlDeviceDelTimeout && s.w.qemu[domid]?.alive) {
          s.log.log(`libxl: warning: libxl_pci.c: pci_remove_timeout: Domain ${domid}:timed out waiting for DM to remove ${ptQdevId(s.w.hw[dev]?.bdf)}`);
        }
      }
      s.fn.toolstack.do_pci_remove(s, domid, dev, td.hvm);
    });
  }
  if (td.hvm) {
    s.log.call('toolstack', 'libxl__destroy_device_model', `dom${domid}`, () => {
      if (s.w.qemu[domid]) delete edit(s, 'qemu')[domid];
    });
  }
  const r = s.fn.xen.XEN_DOMCTL_destroydomain(s, domid);
  if (s.w.guests[domid]) delete edit(s, 'guests')[domid];
  if (s.w.pv[domid]) delete edit(s, 'pv')[domid];
  delete edit(s, 'toolstack', 'domains')[domid];
  return r;
}

/** PCI_PT_QDEV_ID "pci-pt-%02x_%02x.%01x" (bus, device, function), the qdev id libxl gives the device in QEMU. */
function ptQdevId(bdf: string | undefined): string {
  const m = /^(?:[0-9a-f]{4}:)?([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/i.exec(bdf ?? '');
  return m ? `pci-pt-${m[1]}_${m[2]}.${m[3]}` : `pci-pt-${bdf ?? '?'}`;
}

/**
 * Models tools/libxl/libxl_pci.c:libxl__device_pci_remove -> do_pci_remove @4.12 for a running guest
 * (`xl pci-detach`), in the real order:
 *   HVM: QMP device_del. With the device model alive the guest ejects the slot (its driver frees its
 *     vectors and disables MSI-X, which QEMU >= 2.1 turns into unbind+unmap) and QEMU's xen_pt_destroy
 *     unbinds and unmaps whatever is left, all before the reset: libxl 4.13 waits for that
 *     (tools/libxl/libxl_pci.c:pci_remove_qmp_device_del_cb @RELEASE-4.13.0 polls query-pci every second
 *     until the device is gone, pci_remove_timeout after LIBXL_QMP_CMD_TIMEOUT, 10 s). 4.12's
 *     libxl__qmp_pci_del (libxl_qmp.c @RELEASE-4.12.0: qmp_device_del -> qmp_run_command) returns once QEMU
 *     answered: with `libxlAsyncDeviceDel` QEMU only records the unplug request
 *     (acpi_pcihp_device_unplug_request_cb), this step ends there, and the reset, the deassign and the
 *     xenstore removal are the steps do_pci_remove_step, racing the guest's eject (acpi_pcihp_eject). With the device
 *     model dead the QMP command fails; without -f do_pci_remove stops there ("if (rc && !force) goto
 *     out_fail"), so the step is `xl pci-detach -f` (tools/xl/xl_pci.c:pcidetach -> libxl_device_pci_destroy,
 *     force 1), which goes on: nobody unmaps the guest's pirqs.
 *   PV: only the INTx pirq read from sysfs is unmapped (not modelled: MSI-X only).
 *   Then reset, deassign, xenstore removal, as do_pci_remove. For PV the xenstore removal first makes
 *     pcifront detach the device (pcifront_detach_devices -> the driver's remove -> xen_pv_teardown_msi_irqs:
 *     pci_frontend_disable_msix, served by pciback, which still exports the device, so dom0's
 *     pci_disable_msix unmaps the pirqs; then EVTCHNOP_close of every vector) and only then, once pcifront
 *     switched to Reconfiguring, pciback's pcistub_put_pci_dev; modelled in the same step.
 */
export function libxl__device_pci_remove(s: Sys, domid: number, dev: number): number {
  const td = s.w.toolstack.domains[domid];
  if (!td || !td.attached || td.removing) return -ERRNO.ENODEV;
  // The one read of libxlAsyncDeviceDel: does device_del wait for the guest's eject (4.13) or not (4.12)?
  const asyncDel = td.hvm && s.flags.libxlAsyncDeviceDel;
  if (td.hvm) {
    const served = s.log.call('qemu', 'QMP device_del', `dom${domid} ${s.w.hw[dev]?.bdf ?? dev}`, () => {
      if (!s.w.qemu[domid]?.alive) return -ERRNO.ESRCH;
      if (asyncDel) {
        // tools/libxl/libxl_qmp.c:libxl__qmp_pci_del -> qmp_device_del -> qmp_run_command @RELEASE-4.12.0:
        // qmp_synchronous_send waits for QEMU's reply to device_del only. QEMU answers once
        // hw/acpi/pcihp.c:acpi_pcihp_device_unplug_request_cb marked the slot and raised the SCI; the
        // guest's eject (acpi_pcihp_eject) comes later, or never.
        s.fn.qemu.acpi_pcihp_device_unplug_request_cb(s, domid, dev);
        return 0;
      }
      acpi_pcihp_eject_now(s, domid, dev);
      return 0;
    });
    void served; // a failed device_del does not stop the forced removal
  }
  if (asyncDel) {
    // 4.12: libxl goes on to the reset, the deassign and the xenstore removal at once; each is a step of
    // its own (do_pci_remove_step), so that the guest's eject (acpi_pcihp_eject) can come between them.
    edit(s, 'toolstack', 'domains', domid).removing = 'reset';
    return 0;
  }
  const pd = s.w.pv[domid]?.devices[dev];
  // A shut-down guest's pcifront does not react; its device is 'down', so the step only forgets it.
  const frontend =
    !td.hvm && pd
      ? () =>
          s.log.call('guest', 'pcifront_detach_devices', `dom${domid}`, () => {
            const cur = s.w.pv[domid]?.devices[dev] ?? pd;
            if (cur.stage === 'running' && cur.msix_enabled) {
              s.log.call('guest', 'pci_frontend_disable_msix', '', () => (s.w.dom0.devices[dev]?.owner === domid ? s.fn.dom0.xen_pcibk_disable_msix(s, dev) : -ERRNO.ENODEV));
              for (const v of cur.vectors) if (v.evtchn) s.fn.xen.EVTCHNOP_close(s, domid, v.evtchn);
            }
            if (s.w.pv[domid]) delete edit(s, 'pv', domid, 'devices')[dev];
          })
      : undefined;
  s.fn.toolstack.do_pci_remove(s, domid, dev, td.hvm, frontend);
  edit(s, 'toolstack', 'domains')[domid] = { ...td, attached: false };
  return 0;
}

/**
 * The eject itself, as the synchronous model runs it inside device_del: the guest's acpiphp
 * (acpiphp_disable_and_eject_slot: the driver's remove, then the write to the eject register) and QEMU's
 * unplug of the device (hw/xen/xen_pt.c:xen_pt_destroy).
 */
function acpi_pcihp_eject_now(s: Sys, domid: number, dev: number): void {
  if (s.w.guests[domid]?.devices[dev]) s.fn.guest.acpiphp_disable_and_eject_slot(s, domid, dev);
  s.fn.qemu.xen_pt_destroy(s, domid, dev);
}

/**
 * hw/acpi/pcihp.c:acpi_pcihp_device_unplug_request_cb: QEMU marks the slot in the `down` bitmap and raises
 * the SCI for the guest; the device stays until the guest ejects it (`acpi_pcihp_eject`).
 */
export function acpi_pcihp_device_unplug_request_cb(s: Sys, domid: number, dev: number): void {
  const q = edit(s, 'qemu', domid);
  const down = q.pcihp_down ?? [];
  if (!down.includes(dev)) q.pcihp_down = [...down, dev].sort((a, b) => a - b);
  s.log.log(`qemu (dom${domid}): unplug request for ${s.w.qemu[domid]?.devices[dev]?.vslot ?? `dev${dev}`}: SCI raised, waiting for the guest's eject`);
}

/**
 * The pending eject of `libxlAsyncDeviceDel` (4.12): the guest handles the hotplug SCI (its acpiphp reads
 * the `down` bitmap, runs the driver's remove and writes the slot to PCI_EJ), and QEMU's acpi_pcihp_eject_slot
 * unplugs the device (unrealize -> hw/xen/xen_pt.c:xen_pt_destroy), whatever libxl did in the meantime
 * (reset, xc_deassign_device, xenstore removal). Offered only while the device model is alive and the guest
 * runs (scenarios.ts); -ENODEV if no unplug request is pending.
 */
export function acpi_pcihp_eject(s: Sys, domid: number, dev: number): number {
  const q = s.w.qemu[domid];
  if (!q?.alive || !q.pcihp_down?.includes(dev)) return -ERRNO.ENODEV;
  const rest = q.pcihp_down.filter((d) => d !== dev);
  const qw = edit(s, 'qemu', domid);
  if (rest.length > 0) qw.pcihp_down = rest;
  else delete qw.pcihp_down;
  acpi_pcihp_eject_now(s, domid, dev);
  return 0;
}

/** The device model process is killed (fault): no xen_pt_unregister_device, every mapping stays in Xen. */
export function qemu_sigkill(s: Sys, domid: number): number {
  const q = s.w.qemu[domid];
  if (!q || !q.alive) return -ERRNO.ESRCH;
  edit(s, 'qemu', domid).alive = false;
  s.log.log(`qemu-system-i386 (dom${domid}): killed by signal 9`);
  return 0;
}

/**
 * A domain Xen crashed during the step (domain_crash: its vCPUs are paused and never run again): its kernel
 * stops where it was, as in guest_power_off, and xl's death watch (@releaseDomain, tools/xl/xl_vmcontrol.c
 * @RELEASE-4.12.0 line 1023) reports "Domain %u has shut down, reason code %d 0x%x" with SHUTDOWN_crash (3);
 * on_crash=destroy (the default) makes the toolstack destroy it, the libxl__destroy_domid step offered for
 * any domain. Run after every step (model/step.ts); changes nothing unless a running domain is crashed.
 */
export function xl_crash_watch(s: Sys): void {
  for (const domidS in s.w.toolstack.domains) {
    const domid = Number(domidS);
    if (s.w.toolstack.domains[domid]!.state !== 'running' || s.w.xen.domains[domid]?.shutdown !== 'crash') continue;
    s.log.call('toolstack', 'xl: domain death watch', `dom${domid}`, () => {
      s.log.log(`xl: Domain ${domid} has shut down, reason code 3 0x3`);
      guest_power_off(s, domid);
    });
  }
}

/** The guest kernel stops (power off or crash) without its driver disabling MSI-X. */
export function guest_power_off(s: Sys, domid: number): number {
  const td = s.w.toolstack.domains[domid];
  if (!td || td.state !== 'running') return -ERRNO.ESRCH;
  if (s.w.guests[domid]) delete edit(s, 'guests')[domid];
  const pv = s.w.pv[domid];
  if (pv) for (const devS of Object.keys(pv.devices)) edit(s, 'pv', domid, 'devices', Number(devS)).stage = 'down';
  edit(s, 'toolstack', 'domains', domid).state = 'shutdown';
  return 0;
}

/**
 * The PV guest's igbvf probe: pci_enable_device through pcifront (command_write), then pci_enable_msix ->
 * pci_frontend_enable_msix -> XEN_PCI_OP_enable_msix -> pciback, then one EVTCHNOP_bind_pirq per vector
 * (startup_pirq: "Failed to obtain physical IRQ %d" on failure).
 */
export function igbvf_probe(s: Sys, domid: number, dev: number, nvec: number): number {
  const g = s.w.pv[domid];
  const d = g?.devices[dev];
  if (!g || !d) return -ERRNO.ENODEV;
  s.log.call('guest', 'pci_enable_device', 'pcifront PCI_COMMAND MEMORY=1', () => s.fn.dom0.command_write(s, dev, true));
  const r = s.log.call('guest', 'pci_frontend_enable_msix', `nvec=${nvec}`, () => s.fn.dom0.xen_pcibk_enable_msix(s, dev, nvec), (v) => (typeof v === 'number' ? rc(v) : `pirqs ${v.join(',')}`));
  if (typeof r === 'number') return r;
  // Crashed by Xen while pciback mapped its vectors (msix_capability_init, xenMsixForeignFirstMap 'crash'):
  // the guest's vCPUs are paused, it never reads pcifront's answer (xl_crash_watch stops it).
  if (s.w.xen.domains[domid]?.shutdown) return 0;
  const vectors: PvVector[] = [];
  r.forEach((pirq, entry) => {
    const port = s.log.call('guest', 'startup_pirq', `pirq=${pirq}`, () => {
      const p = s.fn.xen.EVTCHNOP_bind_pirq(s, domid, pirq);
      if (p < 0) s.log.log(`Failed to obtain physical IRQ ${pirq}`);
      return p;
    });
    vectors.push({ entry, pirq, evtchn: port > 0 ? port : 0 });
  });
  const w = edit(s, 'pv', domid, 'devices', dev);
  w.vectors = vectors;
  w.msix_enabled = true;
  w.stage = 'running';
  return 0;
}

/** The igbvf module removed: xen_pv_teardown_msi_irqs (disable_msix to pcifront first, then the irqs). */
export function igbvf_remove(s: Sys, domid: number, dev: number): number {
  const d = s.w.pv[domid]?.devices[dev];
  if (!d) return -ERRNO.ENODEV;
  s.log.call('guest', 'pci_frontend_disable_msix', '', () => s.fn.dom0.xen_pcibk_disable_msix(s, dev));
  for (const v of d.vectors) if (v.evtchn) s.fn.xen.EVTCHNOP_close(s, domid, v.evtchn);
  const w = edit(s, 'pv', domid, 'devices', dev);
  w.vectors = [];
  w.msix_enabled = false;
  w.stage = 'idle';
  return 0;
}

/**
 * Seed 002's igbvf_shutdown: clear PCI_COMMAND IO|MEMORY through pcifront, MSI-X left enabled. The guest then
 * stops: the action guest.igbvf_shutdown runs guest_power_off after it (model/step.ts), the environment's
 * part, which the toolstack learns of.
 */
export function igbvf_shutdown(s: Sys, domid: number, dev: number): number {
  const d = s.w.pv[domid]?.devices[dev];
  if (!d) return -ERRNO.ENODEV;
  s.log.call('guest', 'pci_write_config_word', 'pcifront PCI_COMMAND &= ~(IO|MEMORY)', () => s.fn.dom0.command_write(s, dev, false));
  return 0;
}
