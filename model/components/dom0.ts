/**
 * dom0 Linux: its MSI core as far as it holds MSI-X vectors for a device owned by a PV guest, and
 * xen-pciback (pci_stub seize/release/put, xenbus export, the reset, the emulated command register, the MSI-X
 * ops pcifront calls).
 *
 * Mirrors two kernels, selected by flags (model/variants.ts, dom0 variants):
 *   linux-2.6.18-xen @RHEL5: drivers/pci/msi-xen.c msix_capability_init, pci_disable_msix, attach_pirq_entry,
 *     disable_msi_mode; drivers/pci/pci.c pci_disable_device; drivers/xen/pciback/conf_space_header.c
 *     command_write; pciback_ops.c pciback_reset_device (+ seed 002's msi_prune_pci_irq_vectors).
 *   pvops @PB-old/PB-new (Linux 3.9+): drivers/xen/xen-pciback/pci_stub.c pcistub_init_device,
 *     pcistub_put_pci_dev, pcistub_device_release; pciback_ops.c xen_pcibk_reset_device,
 *     xen_pcibk_enable_msix, xen_pcibk_disable_msix; xenbus.c xen_pcibk_export_device (+ seed 003's
 *     pcistub_msix_reset); arch/x86/pci/xen.c xen_initdom_setup_msi_irqs.
 *
 * `msi_dev` stands for the 2.6.18 msi_dev_list pirq list and, in pvops, for the dom0 irqs holding the guest's
 * pirqs (irq_info u.pirq): both are what dom0 unmaps in pci_disable_msix. Left out: INTx and the fake ISR,
 * MSI (non-X) for PV guests, config-space quirks, pci_saved_state contents other than PCI_COMMAND MEMORY,
 * the permissive flag, iounmap of mask_base.
 */
import { ERRNO, rc } from '../types.ts';
import type { Sys } from '../context.ts';
import { edit, type Writable } from '../cow.ts';
import { functionLevelReset, pushAudit } from './device.ts';

export interface Dom0PirqEntry {
  readonly pirq: number;
  readonly entry_nr: number;
  /** The owner domid passed to PHYSDEVOP_map_pirq when the entry was attached. */
  readonly domid: number;
}

export interface Dom0Device {
  /** Bound to pciback (pcistub_probe ran pcistub_init_device). */
  readonly bound: boolean;
  /** xen_register_device_domain_owner / pciback get_owner: the PV or HVM guest it is exported to. */
  readonly owner: number | null;
  /** dev->is_enabled (pci_enable_device). */
  readonly enabled: boolean;
  /** dev->msix_enabled. */
  readonly msix_enabled: boolean;
  /** The (pirq, entry_nr) pairs dom0 holds for the device. */
  readonly msi_dev: readonly Dom0PirqEntry[];
  /** pci_save_state at seize: PCI_COMMAND_MEMORY as saved. */
  readonly saved_memory: boolean;
  /**
   * pciback holds the PHYSDEVOP_prepare_msix pseudo-entry: its prepare succeeded and it has not asked for
   * the release since (pciback forgets it at release whatever Xen answers).
   */
  readonly prepared: boolean;
}

export interface Dom0State {
  readonly devices: Readonly<Record<number, Dom0Device>>;
}

export function initialDom0Device(): Dom0Device {
  return { bound: false, owner: null, enabled: false, msix_enabled: false, msi_dev: [], saved_memory: true, prepared: false };
}

/** dom0's view of device `dev`, writable in the running step (model/cow.ts); undefined if there is none. */
function d0(s: Sys, dev: number): Writable<Dom0Device> | undefined {
  return s.w.dom0.devices[dev] ? edit(s, 'dom0', 'devices', dev) : undefined;
}

/** "01:10:0" as 2.6.18's msix_capability_init prints it (%02x:%02x:%01x bus:slot:func). */
function busSlotFn(bdf: string): string {
  const m = /^(?:[0-9a-f]{4}:)?([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/i.exec(bdf);
  return m ? `${m[1]}:${m[2]}:${m[3]}` : bdf;
}

function bdfOf(s: Sys, dev: number): string {
  return s.w.hw[dev]?.bdf ?? `dev${dev}`;
}

/** A dom0 write of PCI_COMMAND MEMORY (and MASTER) reaching the device. */
function writeCommand(s: Sys, dev: number, memory: boolean, master: boolean): void {
  if (s.w.hw[dev]) edit(s, 'hw', dev).command = { memory, master };
}

/** drivers/pci/pci.c:pci_enable_device: memory decoding on. */
export function pci_enable_device(s: Sys, dev: number): void {
  s.log.call('dom0', 'pci_enable_device', `${bdfOf(s, dev)}`, () => {
    const d = d0(s, dev);
    if (!d) return;
    d.enabled = true;
    const hw = s.w.hw[dev];
    if (hw) writeCommand(s, dev, true, hw.command.master);
  });
}

/**
 * Models drivers/pci/pci.c:pci_disable_device: bus mastering off; in 2.6.18 (`dom0DisableDeviceClearsMsix`)
 * also disable_msi_mode(PCI_CAP_ID_MSIX): MSI-X ENABLE cleared in hardware and dev->msix_enabled = 0, the
 * msi_dev pirq list untouched.
 */
export function pci_disable_device(s: Sys, dev: number): void {
  s.log.call('dom0', 'pci_disable_device', `${bdfOf(s, dev)}`, () => {
    const d = d0(s, dev);
    const hw = s.w.hw[dev];
    if (!d || !hw) return;
    d.enabled = false;
    if (s.flags.dom0DisableDeviceClearsMsix && d.msix_enabled) {
      // disable_msi_mode (msi-xen.c @RHEL5)
      s.fn.xen.pci_msi_conf_write_intercept(s, dev, false, hw.msix.maskall);
      d.msix_enabled = false;
    }
    writeCommand(s, dev, s.w.hw[dev]?.command.memory ?? false, false);
  });
}

/**
 * Models drivers/xen/pciback/conf_space_header.c:command_write: a guest write that drops MEMORY/IO on an
 * enabled device calls pci_disable_device, one that sets them on a disabled device pci_enable_device; the
 * value then reaches the device.
 */
export function command_write(s: Sys, dev: number, memory: boolean): number {
  return s.log.call('dom0', 'command_write', `${bdfOf(s, dev)} PCI_COMMAND MEMORY=${+memory}`, () => {
    const d = s.w.dom0.devices[dev];
    const hw = s.w.hw[dev];
    if (!d || !hw) return -ERRNO.ENODEV;
    if (d.enabled && !memory) s.fn.dom0.pci_disable_device(s, dev);
    else if (!d.enabled && memory) s.fn.dom0.pci_enable_device(s, dev);
    writeCommand(s, dev, memory, s.w.hw[dev]?.command.master ?? false);
    return 0;
  });
}

/**
 * Models dom0's pci_enable_msix for a device it enables on a PV guest's behalf: drivers/pci/msi-xen.c:
 * msix_capability_init @RHEL5 (with `dom0ReuseListedEntry`: an entry already listed is reused without a
 * hypercall, "msix entry %d for dev %02x:%02x:%01x are not freed before acquire again.") or pvops
 * xen_initdom_setup_msi_irqs (always PHYSDEVOP_map_pirq with domid = owner). On a failed map the entries
 * mapped so far are unmapped and detached (-EBUSY). enable_msi_mode sets ENABLE and dev->msix_enabled.
 */
export function msix_capability_init(s: Sys, dev: number, nvec: number): number[] | number {
  return s.log.call('dom0', 'msix_capability_init', `${bdfOf(s, dev)} nvec=${nvec}`, (): number[] | number => {
    const d = d0(s, dev);
    if (!d) return -ERRNO.ENODEV;
    const owner = d.owner ?? 0;
    const pirqs: number[] = [];
    const fresh: Dom0PirqEntry[] = [];
    for (let k = 0; k < nvec; k++) {
      const listed = d.msi_dev.find((e) => e.entry_nr === k);
      if (listed && s.flags.dom0ReuseListedEntry) {
        s.log.log(`msix entry ${k} for dev ${busSlotFn(bdfOf(s, dev))} are not freed before acquire again.`);
        pirqs.push(listed.pirq);
        continue;
      }
      const p = s.fn.xen.PHYSDEVOP_map_pirq(s, { domid: owner, pirq: -1, dev, entry_nr: k, msix: true });
      if (p < 0) {
        for (const e of fresh) s.fn.xen.PHYSDEVOP_unmap_pirq(s, owner, e.pirq);
        d.msi_dev = d.msi_dev.filter((e) => !fresh.includes(e));
        return -ERRNO.EBUSY;
      }
      const e = { pirq: p, entry_nr: k, domid: owner };
      fresh.push(e);
      d.msi_dev = [...d.msi_dev.filter((x) => x.entry_nr !== k), e]; // attach_pirq_entry
      pirqs.push(p);
    }
    // enable_msi_mode
    d.msix_enabled = true;
    s.fn.xen.pci_msi_conf_write_intercept(s, dev, true, false);
    return pirqs;
  }, (v) => (typeof v === 'number' ? rc(v) : `pirqs ${v.join(',')}`));
}

/**
 * Models dom0's pci_disable_msix (msi-xen.c @RHEL5: returns unless MSI-X is enabled; pvops: unless
 * dev->msix_enabled; both are clear together in the model): msi_remove_pci_irq_vectors unmaps every
 * listed pirq with domid = current owner (or the domid it was mapped for once the owner is gone), frees the
 * list, then disable_msi_mode.
 */
export function pci_disable_msix(s: Sys, dev: number): number {
  return s.log.call('dom0', 'pci_disable_msix', `${bdfOf(s, dev)}`, () => {
    const d = d0(s, dev);
    const hw = s.w.hw[dev];
    if (!d || !hw || !d.msix_enabled) return 0;
    for (const e of d.msi_dev) {
      const r = s.fn.xen.PHYSDEVOP_unmap_pirq(s, d.owner ?? e.domid, e.pirq);
      if (r < 0 && r !== -ERRNO.ESRCH) s.log.log(`unmap irq failed ${rc(r)}`);
    }
    d.msi_dev = [];
    d.msix_enabled = false;
    // Read again: the unmaps above may have set MASKALL (__pci_disable_msix).
    s.fn.xen.pci_msi_conf_write_intercept(s, dev, false, s.w.hw[dev]?.msix.maskall ?? false);
    return 0;
  });
}

/** Models seed 002's msi_prune_pci_irq_vectors: empty the list, no hypercall. */
export function msi_prune_pci_irq_vectors(s: Sys, dev: number): void {
  s.log.call('dom0', 'msi_prune_pci_irq_vectors', `${bdfOf(s, dev)}`, () => {
    const d = d0(s, dev);
    if (!d) return;
    for (const e of d.msi_dev) s.log.log(`PCI: ${bdfOf(s, dev)}: cleaning up MSI-X entry ${e.entry_nr}`);
    d.msi_dev = [];
  });
}

/**
 * Models drivers/xen/xen-pciback/pciback_ops.c:xen_pcibk_reset_device @PB-old (pciback_reset_device in
 * 2.6.18): pci_disable_msix if dev->msix_enabled (`pcibackDisableMsixOnReset`, absent in RHEL5),
 * pci_disable_device, PCI_COMMAND = 0 (`pcibackResetZeroesCommand`, removed by 7681f31ec9cd), and seed
 * 002's prune (`pcibackPruneOnReset`).
 */
export function xen_pcibk_reset_device(s: Sys, dev: number): void {
  s.log.call('dom0', 'xen_pcibk_reset_device', `${bdfOf(s, dev)}`, () => {
    const d = s.w.dom0.devices[dev];
    if (!d) return;
    if (s.flags.pcibackDisableMsixOnReset && d.msix_enabled) s.fn.dom0.pci_disable_msix(s, dev);
    s.fn.dom0.pci_disable_device(s, dev);
    if (s.flags.pcibackResetZeroesCommand) {
      s.log.call('dom0', 'pci_write_config_word', 'PCI_COMMAND 0', () => writeCommand(s, dev, false, false));
    }
    if (s.flags.pcibackPruneOnReset) s.fn.dom0.msi_prune_pci_irq_vectors(s, dev);
  });
}

/** FLR with pci_save_state/pci_restore_state around it: PCI_COMMAND MEMORY comes back as saved. */
function flrRestore(s: Sys, dev: number, memory: boolean): void {
  if (!s.w.hw[dev]) return;
  functionLevelReset(s, dev);
  writeCommand(s, dev, memory, false);
}

/**
 * Models drivers/pci/pci.c:pci_reset_function, what libxl__device_pci_reset triggers through sysfs reset
 * or pciback's do_flr: `pci_dev_save_and_disable` (pci_save_state of the live config space, then PCI_COMMAND =
 * INTX_DISABLE), the FLR (MSI-X ENABLE and MASKALL cleared), `pci_dev_restore` -> pci_restore_state, which
 * writes the saved config header back: PCI_COMMAND MEMORY and MASTER return to what they were just before the
 * reset. The MSI-X state is restored only from dom0's own dev->msix_enabled, which is 0 for an HVM guest's
 * device, so MSI-X stays disabled.
 */
export function pci_reset_function(s: Sys, dev: number): number {
  return s.log.call('dom0', 'pci_reset_function', `${bdfOf(s, dev)}`, () => {
    const hw = s.w.hw[dev];
    if (!hw) return -ERRNO.ENODEV;
    const { memory, master } = hw.command;
    functionLevelReset(s, dev);
    writeCommand(s, dev, memory, master);
    return 0;
  });
}

/**
 * pciback's message for a failed PHYSDEVOP_release_msix / prepare_msix: pci_stub.c:pcistub_device_release
 * @v5.1 `dev_warn(&dev->dev, "MSI-X release failed (%d)\n", err)`, pcistub_init_device `dev_err(...,
 * "MSI-X preparation failed (%d)\n", err)`, and the same two in seed 003's pcistub_msix_reset; recorded in
 * the step's audit for pciback-msix-calls-succeed.
 */
function msixFailed(s: Sys, dev: number, off: boolean, fn: 'pcistub_init_device' | 'pcistub_device_release' | 'pcistub_msix_reset', r: number): void {
  const line = `pciback ${bdfOf(s, dev)}: MSI-X ${off ? 'release' : 'preparation'} failed (${r})`;
  s.log.log(line);
  pushAudit(s, { kind: 'pciback_msix_failed', dev, op: off ? 'PHYSDEVOP_release_msix' : 'PHYSDEVOP_prepare_msix', fn, rc: r, line });
}

/** PHYSDEVOP_prepare_msix / release_msix from pciback: only in pvops (`pcibackMsixHypercalls`). */
function pciback_physdev_msix(s: Sys, dev: number, off: boolean): void {
  if (!s.flags.pcibackMsixHypercalls) return;
  const r = s.fn.xen.PHYSDEVOP_prepare_msix(s, dev, off);
  if (r) msixFailed(s, dev, off, off ? 'pcistub_device_release' : 'pcistub_init_device', r);
  const d = d0(s, dev);
  if (d) d.prepared = !off && r === 0;
}

/**
 * Models pci_stub.c:pcistub_init_device @PB-new (admin binds the device to pciback): pci_enable_device,
 * PHYSDEVOP_prepare_msix, pci_save_state, FLR, restore, xen_pcibk_reset_device.
 */
export function pcistub_init_device(s: Sys, dev: number): number {
  const d = d0(s, dev);
  const hw = s.w.hw[dev];
  if (!d || !hw) return -ERRNO.ENODEV;
  if (d.bound) return -ERRNO.EBUSY;
  d.bound = true;
  s.fn.dom0.pci_enable_device(s, dev);
  pciback_physdev_msix(s, dev, false);
  d.saved_memory = s.w.hw[dev]?.command.memory ?? true;
  flrRestore(s, dev, d.saved_memory);
  s.fn.dom0.xen_pcibk_reset_device(s, dev);
  return 0;
}

/**
 * Models pci_stub.c:pcistub_device_release @PB-new (admin unbinds the device from pciback): unregister the
 * owner, FLR, restore, PHYSDEVOP_release_msix ("MSI-X release failed"), xen_pcibk_reset_device. The device
 * goes back to a dom0 driver, modelled as nothing more than memory decoding back on.
 */
export function pcistub_device_release(s: Sys, dev: number): number {
  const d = d0(s, dev);
  if (!d) return -ERRNO.ENODEV;
  if (!d.bound) return -ERRNO.ENODEV;
  if (d.owner !== null) {
    // pci_stub.c:pcistub_remove @7483d45f0aee: the device is still exported to a guest; four pr_warn lines, then
    // xen_pcibk_release_pci_dev (-> pcistub_put_pci_dev) before the release proper.
    s.log.log(`xen_pciback: ****** removing device ${bdfOf(s, dev)} while still in-use by domain ${d.owner}! ******`);
    s.log.log(`xen_pciback: ****** driver domain may still access this device's i/o resources!`);
    s.log.log(`xen_pciback: ****** shutdown driver domain before binding device`);
    s.log.log(`xen_pciback: ****** to other drivers or domains`);
    s.fn.dom0.pcistub_put_pci_dev(s, dev);
  }
  d.owner = null;
  flrRestore(s, dev, d.saved_memory);
  pciback_physdev_msix(s, dev, true);
  s.fn.dom0.xen_pcibk_reset_device(s, dev);
  d.bound = false;
  return 0;
}

/**
 * Models pci_stub.c:pcistub_put_pci_dev @PB-new, run from xen_pcibk_remove_device when libxl removes the
 * xenstore backend: FLR, restore, xen_pcibk_reset_device, unregister the owner. No MSI-X hypercall.
 */
export function pcistub_put_pci_dev(s: Sys, dev: number): void {
  s.log.call('dom0', 'pcistub_put_pci_dev', `${bdfOf(s, dev)}`, () => {
    const d = d0(s, dev);
    // xen_pcibk_remove_device finds no pcistub device once the administrator unbound it.
    if (!d || !d.bound) return;
    flrRestore(s, dev, d.saved_memory);
    s.fn.dom0.xen_pcibk_reset_device(s, dev);
    d.owner = null;
  });
}

/**
 * Models seed 003's pcistub_msix_reset: write the MSI-X control word back to flush Xen's state (Xen's
 * intercept forces MASKALL while host_maskall is set), read it; if MASKALL is set, PHYSDEVOP_release_msix
 * then PHYSDEVOP_prepare_msix.
 */
export function pcistub_msix_reset(s: Sys, dev: number): number {
  return s.log.call('dom0', 'pcistub_msix_reset', `${bdfOf(s, dev)}`, () => {
    const hw = s.w.hw[dev];
    if (!hw) return -ERRNO.ENODEV;
    s.fn.xen.pci_msi_conf_write_intercept(s, dev, hw.msix.enable, hw.msix.maskall);
    if (!s.w.hw[dev]?.msix.maskall) return 0;
    s.log.log(`Reset MSI-X state for device ${bdfOf(s, dev)}`);
    let r = s.fn.xen.PHYSDEVOP_prepare_msix(s, dev, true);
    const d = d0(s, dev);
    if (r) {
      msixFailed(s, dev, true, 'pcistub_msix_reset', r);
      return r;
    }
    if (d) d.prepared = false;
    r = s.fn.xen.PHYSDEVOP_prepare_msix(s, dev, false);
    if (r) msixFailed(s, dev, false, 'pcistub_msix_reset', r);
    else if (d) d.prepared = true;
    return r;
  });
}

/**
 * Models xenbus.c:xen_pcibk_export_device @PB-old: register the owner (xen_register_device_domain_owner),
 * with seed 003's pcistub_msix_reset first (`pcibackMsixResetOnExport`).
 */
export function xen_pcibk_export_device(s: Sys, dev: number, domid: number): number {
  return s.log.call('dom0', 'xen_pcibk_export_device', `${bdfOf(s, dev)} dom${domid}`, () => {
    const d = d0(s, dev);
    if (!d || !d.bound) return -ERRNO.ENODEV;
    if (s.flags.pcibackMsixResetOnExport) {
      const r = s.fn.dom0.pcistub_msix_reset(s, dev);
      if (r) return r;
    }
    d.owner = domid;
    return 0;
  });
}

/**
 * Models pciback_ops.c:xen_pcibk_enable_msix (pciback_enable_msix in 2.6.18): returns the guest's pirqs. With
 * `pcibackMsixEnableChecks` (XSA-157, Linux 4.4; the one read): "if (dev->msix_enabled) return -EALREADY;" and
 * "pci_read_config_word(pci_physfn(dev), PCI_COMMAND, &cmd); if (dev->msi_enabled || !(cmd &
 * PCI_COMMAND_MEMORY)) return -ENXIO;" before anything is mapped (dom0 never enables plain MSI for a PV
 * guest's device in the model, so only the MEMORY half of the second test can fire).
 */
export function xen_pcibk_enable_msix(s: Sys, dev: number, nvec: number): number[] | number {
  return s.log.call('dom0', 'xen_pcibk_enable_msix', `${bdfOf(s, dev)} nvec=${nvec}`, () => {
    if (s.flags.pcibackMsixEnableChecks) {
      if (s.w.dom0.devices[dev]?.msix_enabled) return -ERRNO.EALREADY;
      if (!(s.w.hw[dev]?.command.memory ?? false)) return -ERRNO.ENXIO;
    }
    return s.fn.dom0.msix_capability_init(s, dev, nvec);
  }, (v) => (typeof v === 'number' ? rc(v) : `pirqs ${v.join(',')}`));
}

/** Models pciback_ops.c:xen_pcibk_disable_msix: dom0's pci_disable_msix. */
export function xen_pcibk_disable_msix(s: Sys, dev: number): number {
  return s.log.call('dom0', 'xen_pcibk_disable_msix', `${bdfOf(s, dev)}`, () => s.fn.dom0.pci_disable_msix(s, dev));
}
