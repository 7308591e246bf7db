/**
 * Workloads: which domains and devices exist, which drivers run, and the bounds of the search. The
 * enabled-action function lists what the drivers' code can do next (physical possibility), never what a
 * correct protocol would allow.
 */
import type { Action } from './actions.ts';
import type { World } from './world.ts';
import { initialDevice } from './components/device.ts';
import { initialXen, newDomain, newPdev } from './components/xen.ts';
import { initialQemuDevice } from './components/qemu.ts';
import { initialGuestDevice, initialGuestKernel, pci_xen_hvm_init } from './components/guest.ts';
import { initialDom0Device } from './components/dom0.ts';
import type { LifecycleSpec } from './components/lifecycle.ts';
import type { VariantComponent } from './variants.ts';
import { DOMID_IO } from './types.ts';

export interface ScenarioDevice {
  /** Host BDF. */
  readonly bdf: string;
  /** Guest-visible slot. */
  readonly vslot: string;
  readonly msixEntries: number;
  /** Interrupt mode the driver uses. */
  readonly mode: 'msix' | 'msi';
}

export interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly doc: string;
  /** The seed documents this scenario reproduces. */
  readonly seeds: readonly string[];
  readonly domid: number;
  readonly devices: readonly ScenarioDevice[];
  /** d->nr_pirqs of the guest. A bound smaller than Xen's default (nr_irqs_gsi + 32), see docs/model.md. */
  readonly nr_pirqs: number;
  /** nr_irqs_gsi of the host. */
  readonly nr_irqs_gsi: number;
  /** Vector counts the driver may ask for after its one-vector probe. */
  readonly nvecChoices: readonly number[];
  /** Guest user space may write the MSI-X control word directly (setpci), bypassing the MSI core. */
  readonly hostileConfigWrites: boolean;
  /** The components whose variant changes what this scenario does. */
  readonly components: readonly VariantComponent[];
  /** Set for scenarios that create, destroy and reboot domains (the toolstack drives them). */
  readonly lifecycle?: LifecycleSpec & { readonly bdf: string; readonly maxBoots: number };
  /** The invariants that speak about this scenario (all of them when absent). */
  readonly invariants?: readonly string[];
  /**
   * The administrator may also unbind the device from pciback while the domain that had it has shut down
   * or crashed but is not destroyed yet (pcistub_remove's "while still in-use" path).
   */
  readonly adminUnbindInUse?: boolean;
  /**
   * Once no domain has the device attached (after `xl pci-detach`, forced or not), libxl may give it to a new
   * domain and the administrator may unbind it from pciback, while the domain that had it still runs:
   * tools/libxl/libxl_pci.c:libxl__device_pci_add @RELEASE-4.13.0 checks only xc_test_assign_device
   * (pdev->domain), libxl_pcidev_assignable (bound to pciback, in no domain's xenstore backend) and "PCI
   * device already attached to a domain", none of which looks at the old domain's pirqs.
   */
  readonly reassignWhileLive?: boolean;
  /**
   * The HVM domain's X86_EMU_USE_PIRQ (xl.cfg hvm_pirq): false is libxl's default since 024e7131be (Xen 4.19),
   * so Xen does not offer XENFEAT_hvm_pirqs and the guest takes the native MSI path. Absent: true (every libxl
   * up to 4.18, or hvm_pirq=1). Read when the domain is created (XEN_DOMCTL_createdomain) and by the guest's
   * boot-time decision (pci_xen_hvm_init).
   */
  readonly hvmPirq?: false;
  /**
   * The host has APIC virtualization (Intel APICv: Xen sets XEN_HVM_CPUID_APIC_ACCESS_VIRT in cpuid leaf 4,
   * 3196856c65), so a Linux guest uses the native MSI path even when XENFEAT_hvm_pirqs is offered.
   */
  readonly hostApicVirt?: true;
}

const NVME_A: ScenarioDevice = { bdf: '0000:01:00.0', vslot: '00:04.0', msixEntries: 3, mode: 'msix' };
const NVME_B: ScenarioDevice = { bdf: '0000:02:00.0', vslot: '00:05.0', msixEntries: 3, mode: 'msix' };

/** Seeds 003/004's workload; admin-unbind-hvm adds one fault to it. */
const REBOOT_HVM: Scenario = {
  id: 'reboot-hvm',
  title: 'A PV-on-HVM guest with an MSI-X device; QEMU killed or MSI-X left enabled, destroy, reboot',
  doc: 'Seeds 003 and 004: pciback seizes the device, the toolstack creates the domain and adds it, the nvme driver program runs (probe, I/O vectors, unload); faults: QEMU killed, guest power-off with MSI-X still enabled; the toolstack destroys the domain in libxl order and boots a new one with the same device. The administrator may unbind and rebind the device to pciback while it is unassigned.',
  seeds: ['003', '004'],
  domid: 1,
  devices: [{ bdf: '0000:03:00.0', vslot: '00:04.0', msixEntries: 3, mode: 'msix' }],
  nr_pirqs: 56,
  nr_irqs_gsi: 48,
  nvecChoices: [2],
  hostileConfigWrites: false,
  components: ['guest', 'qemu', 'xen', 'dom0', 'toolstack'],
  lifecycle: { hvm: true, nvec: 2, nr_pirqs: 56, vslot: '00:04.0', entries: 3, bdf: '0000:03:00.0', maxBoots: 3 },
  invariants: ['enabled-vector-delivers', 'maskall-clear-after-assign', 'no-carried-over-mask', 'no-mask-without-decoding', 'clean-handover', 'host-maskall-not-guest-clearable', 'used-entries-accounting', 'no-stale-pirq-after-destroy', 'no-stuck-pirq', 'no-domain-crash'],
};

const NVME_HVM: Scenario = {
    id: 'nvme-hvm',
    title: 'Two NVMe controllers passed through to a PV-on-HVM guest, probed concurrently, unloaded and reloaded',
    doc: 'Each controller enables one MSI-X vector for its admin queue, uses it, frees and disables it, then enables 2 or 3 vectors for its I/O queues (nvme_reset_work); nvme_remove frees every vector and disables MSI-X; the driver may be loaded again.',
    seeds: ['000', '001'],
    domid: 1,
    devices: [NVME_A, NVME_B],
    nr_pirqs: 56,
    nr_irqs_gsi: 48,
    nvecChoices: [2, 3],
    hostileConfigWrites: false,
    components: ['guest', 'qemu', 'xen'],
};

export const SCENARIOS: readonly Scenario[] = [
  NVME_HVM,
  {
    id: 'nvme-msi-hvm',
    title: 'Two NVMe controllers in plain MSI mode (no MSI-X capability used), probed concurrently, unloaded and reloaded',
    doc: 'The same driver program with one MSI vector (pci_alloc_irq_vectors falls back to MSI): enable, use, free, disable, enable again; this is the path where QEMU maps the pirq the guest wrote on every enable.',
    seeds: ['000', '001'],
    domid: 1,
    devices: [
      { ...NVME_A, mode: 'msi' },
      { ...NVME_B, mode: 'msi' },
    ],
    nr_pirqs: 56,
    nr_irqs_gsi: 48,
    nvecChoices: [1],
    hostileConfigWrites: false,
    components: ['guest', 'qemu', 'xen'],
  },
  {
    id: 'hostile-hvm',
    title: 'The nvme-hvm workload, plus guest user space clearing MSI-X ENABLE with setpci while vectors are requested',
    doc: 'A guest is untrusted: any config write it makes reaches QEMU. Clearing MSI-X ENABLE behind the MSI core makes QEMU (>= 2.1) unbind and unmap pirqs whose event channels are still bound.',
    seeds: ['001'],
    domid: 1,
    devices: [NVME_A, NVME_B],
    nr_pirqs: 56,
    nr_irqs_gsi: 48,
    nvecChoices: [2, 3],
    hostileConfigWrites: true,
    components: ['guest', 'qemu', 'xen'],
  },
  {
    id: 'igbvf-pv',
    title: 'One igbvf VF with 3 MSI-X vectors passed through to a PV guest (pcifront); controlled shutdown, destroy and reboot',
    doc: 'Seed 002: the toolstack creates the domain and adds the VF; igbvf probes (pci_enable_device, 3 MSI-X vectors through pcifront/pciback, one event channel each), may be removed and reprobed, and either shuts down (igbvf_shutdown clears PCI_COMMAND IO|MEMORY, MSI-X left enabled) or crashes; the toolstack destroys the domain and boots a new one with the same VF. The administrator may rebind pciback while the VF is unassigned.',
    seeds: ['002'],
    domid: 1,
    devices: [{ bdf: '0000:01:10.0', vslot: '00:00.0', msixEntries: 3, mode: 'msix' }],
    nr_pirqs: 56,
    nr_irqs_gsi: 48,
    nvecChoices: [3],
    hostileConfigWrites: false,
    components: ['xen', 'dom0', 'toolstack'],
    lifecycle: { hvm: false, nvec: 3, nr_pirqs: 56, vslot: '00:00.0', entries: 3, bdf: '0000:01:10.0', maxBoots: 3 },
    invariants: ['pv-vectors-bound', 'dom0-no-stale-msix-entries', 'dom0-flag-matches-holdings', 'no-stale-pirq-after-destroy', 'maskall-clear-after-assign', 'no-mask-without-decoding', 'clean-handover', 'host-maskall-not-guest-clearable', 'used-entries-accounting', 'no-stuck-pirq', 'no-domain-crash'],
  },
  REBOOT_HVM,
  {
    ...REBOOT_HVM,
    id: 'handover-hvm',
    title: 'reboot-hvm, plus the device given to a new domain (or unbound from pciback) after xl pci-detach while the old domain still runs',
    doc: 'The reboot-hvm workload; in addition, once no domain has the device attached (xl pci-detach, or xl pci-detach -f after QEMU died), libxl may add it to a newly created domain and the administrator may unbind it from pciback (xl pci-assignable-remove) while the domain that had it still runs and is destroyed later. libxl__device_pci_add checks nothing about the old domain\'s pirqs, so its teardown (pci_clean_dpci_irqs, free_domain_pirqs) runs after the device has a new owner.',
    reassignWhileLive: true,
    // Two domains are enough for a handover between live domains; a third only multiplies the graph.
    lifecycle: { ...REBOOT_HVM.lifecycle!, maxBoots: 2 },
  },
  {
    ...REBOOT_HVM,
    id: 'admin-unbind-hvm',
    title: 'reboot-hvm, plus the administrator unbinding the device from pciback before the toolstack destroyed the guest that had it',
    doc: 'The reboot-hvm workload; in addition, once the guest has shut down or crashed and before libxl destroys it, the administrator may try seed 003\'s workaround (unbind from pciback, bind again): pcistub_remove warns "while still in-use by domain", puts the device (FLR, reset) and asks Xen to release the prepare_msix pseudo-entry while the dead guest\'s pirqs are still mapped.',
    adminUnbindInUse: true,
  },
  {
    ...NVME_HVM,
    id: 'nvme-hvm-vmsi',
    title: 'The nvme-hvm workload on a domain without XENFEAT_hvm_pirqs (hvm_pirq=0, the default since Xen 4.19): the guest programs vectors, QEMU picks the pirqs',
    doc: 'Seeds 000/001\'s question on today\'s default path: two NVMe controllers, probe (one vector), free, disable, enable 2 or 3 vectors, unload, reload, with the native x86 PCI/MSI irqdomain: no PHYSDEVOP_get_free_pirq, no event channels; QEMU maps with pirq -1 (Xen picks) and binds the guest\'s vector; delivery is a vMSI.',
    hvmPirq: false,
  },
  {
    ...REBOOT_HVM,
    id: 'reboot-hvm-vmsi',
    title: 'reboot-hvm on a domain without XENFEAT_hvm_pirqs (hvm_pirq=0, the default since Xen 4.19): the native MSI path across QEMU kills, power-offs and reboots',
    doc: 'Seed 003\'s question on today\'s default path: the reboot-hvm workload, the guest driving MSI-X with ordinary vectors (the native irqdomain), QEMU mapping and binding them.',
    seeds: ['003', '004'],
    hvmPirq: false,
    lifecycle: { ...REBOOT_HVM.lifecycle!, hvm_pirq: false },
  },
];

export function findScenario(id: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.id === id);
}

export const DEFAULT_SCENARIO = 'nvme-hvm';

/**
 * The world before the first step: devices assigned to the guest, nothing enabled, each bound to a pvops
 * pciback that made Xen set up its MSI-X table (pcistub_init_device: PHYSDEVOP_prepare_msix, Linux 3.9+:
 * used_entries 1, host_maskall clear), as on the systems of seeds 000 and 001.
 */
export function initialWorld(sc: Scenario): World {
  if (sc.lifecycle) return initialLifecycleWorld(sc, sc.lifecycle);
  const hw: Record<number, ReturnType<typeof initialDevice>> = {};
  const pdevs: Record<number, ReturnType<typeof newPdev>> = {};
  const qdevs: Record<number, ReturnType<typeof initialQemuDevice>> = {};
  const gdevs: Record<number, ReturnType<typeof initialGuestDevice>> = {};
  const d0devs: Record<number, ReturnType<typeof initialDom0Device>> = {};
  sc.devices.forEach((d, i) => {
    hw[i] = initialDevice(d.bdf, d.msixEntries);
    pdevs[i] = { ...newPdev(sc.domid), msix: { ...newPdev(sc.domid).msix, used_entries: 1 } };
    d0devs[i] = { ...initialDom0Device(), bound: true, owner: sc.domid, prepared: true };
    qdevs[i] = initialQemuDevice(d.vslot, d.msixEntries);
    gdevs[i] = initialGuestDevice(d.vslot, d.mode);
  });
  const xen = initialXen({ nr_irqs_gsi: sc.nr_irqs_gsi, nr_irqs: sc.nr_irqs_gsi + 64 });
  // The domain as libxl created it (X86_EMU_USE_PIRQ per hvm_pirq) and the guest as it booted: pci_xen_hvm_init
  // reads XENVER_get_features (XENFEAT_hvm_pirqs iff has_pirq) and cpuid leaf 4.
  const usePirq = sc.hvmPirq !== false;
  const guest = initialGuestKernel(sc.domid, gdevs, pci_xen_hvm_init(usePirq, sc.hostApicVirt === true));
  return {
    hw,
    xen: { ...xen, domains: { [sc.domid]: newDomain(sc.domid, true, sc.nr_pirqs, usePirq) }, pdevs },
    qemu: { [sc.domid]: { domid: sc.domid, alive: true, devices: qdevs } },
    guests: { [sc.domid]: guest },
    dom0: { devices: d0devs },
    pv: {},
    toolstack: { next_domid: sc.domid + 1, max_domid: 0, domains: {}, last_owner: sc.domid },
    audit: [],
  };
}

/** A lifecycle scenario starts with the device in dom0, not bound to pciback, and no guest domain. */
function initialLifecycleWorld(sc: Scenario, l: NonNullable<Scenario['lifecycle']>): World {
  const xen = initialXen({ nr_irqs_gsi: sc.nr_irqs_gsi, nr_irqs: sc.nr_irqs_gsi + 64 });
  return {
    hw: { 0: initialDevice(l.bdf, l.entries) },
    xen: { ...xen, pdevs: { 0: newPdev(0) } },
    qemu: {},
    guests: {},
    dom0: { devices: { 0: initialDom0Device() } },
    pv: {},
    toolstack: { next_domid: 1, max_domid: l.maxBoots, domains: {}, last_owner: -1 },
    audit: [],
  };
}

/** What the toolstack, the administrator, the faults and the PV driver can do next. */
function lifecycleActions(w: World, sc: Scenario, out: Action[]): void {
  const l = sc.lifecycle;
  if (!l) return;
  const dev = 0;
  const d0 = w.dom0.devices[dev];
  const ts = w.toolstack;
  const live = Object.keys(ts.domains).length > 0;
  if (d0 && !d0.bound) out.push({ kind: 'dom0.pcistub_probe', dev });
  // The administrator unbinds the device from pciback (to rebind it: seed 003's workaround) once a guest
  // has used it, while it is unassigned; in admin-unbind-hvm also while the domain that had it has shut
  // down or crashed but is not destroyed yet (pcistub_remove warns "while still in-use" and goes on).
  // Before any guest ran, an unbind/rebind changes nothing the invariants speak about, and offering it only
  // makes random runs loop.
  // handover-hvm: what counts is that no domain has the device attached, not that no domain runs.
  const detached = sc.reassignWhileLive === true && Object.values(ts.domains).every((td) => !td.attached);
  const allDown = sc.adminUnbindInUse ? Object.values(ts.domains).every((td) => td.state === 'shutdown') : !live || detached;
  if (d0?.bound && allDown && ts.next_domid > 1) out.push({ kind: 'dom0.pcistub_remove', dev });
  // Assignable: owned by dom0, or by dom_io once quarantined (Xen 4.13+: device_assigned accepts both).
  const owner = w.xen.pdevs[dev]?.domain;
  if (d0?.bound && (!live || detached) && (owner === 0 || owner === DOMID_IO)) {
    if (ts.next_domid <= ts.max_domid) out.push({ kind: 'toolstack.libxl__device_pci_add', dev });
  }
  for (const [domidS, td] of Object.entries(ts.domains)) {
    const domid = Number(domidS);
    // A 4.12 xl pci-detach under way (libxlAsyncDeviceDel): libxl's next statement, and no other toolstack
    // operation on the domain until it is done ([derived]: one libxl operation at a time).
    if (td.removing === 'reset') out.push({ kind: 'toolstack.libxl__device_pci_reset', domid, dev });
    else if (td.removing === 'deassign') out.push({ kind: 'toolstack.xc_deassign_device', domid, dev });
    else if (td.removing === 'xenstore') out.push({ kind: 'toolstack.libxl__device_pci_remove_xenstore', domid, dev });
    else out.push({ kind: 'toolstack.libxl__destroy_domid', domid, dev });
    // xl pci-detach of the device from a running guest (hot-unplug), QEMU alive or not. With the device
    // model alive the guest's eject runs the driver's remove, which waits for a probe in progress
    // (device_lock): not offered while the guest is inside pci_enable_msix (ENABLE|MASKALL written, MASKALL
    // not yet cleared), which the model splits into two steps.
    const inEnable = (['probe-enabled', 'io-enabled'] as const).includes(w.guests[domid]?.devices[dev]?.driver.stage as 'probe-enabled');
    if (td.state === 'running' && td.attached && !td.removing && !(td.hvm && w.qemu[domid]?.alive && inEnable)) {
      out.push({ kind: 'toolstack.libxl__device_pci_remove', domid, dev });
    }
    // libxl 4.12's device_del left an unplug request pending (libxlAsyncDeviceDel): the running guest
    // ejects the slot when it handles the SCI, at any later point, unless its device model is dead (the
    // eject register is QEMU's) or its driver is inside pci_enable_msix (the remove waits on device_lock).
    const down = w.qemu[domid]?.pcihp_down;
    if (down && td.state === 'running' && w.qemu[domid]?.alive) {
      for (const dv of down) {
        const st = w.guests[domid]?.devices[dv]?.driver.stage;
        if (st !== 'probe-enabled' && st !== 'io-enabled') out.push({ kind: 'guest.acpiphp_eject', domid, dev: dv });
      }
    }
    if (td.state === 'running' && td.hvm) out.push({ kind: 'guest.kernel_power_off', domid });
    if (td.hvm && w.qemu[domid]?.alive) out.push({ kind: 'qemu.sigkill', domid });
  }
  for (const [domidS, g] of Object.entries(w.pv)) {
    const domid = Number(domidS);
    for (const [devS, pd] of Object.entries(g.devices)) {
      const dv = Number(devS);
      if (pd.stage === 'idle') out.push({ kind: 'guest.igbvf_probe', domid, dev: dv, nvec: l.nvec });
      if (pd.stage === 'running') {
        out.push({ kind: 'guest.igbvf_remove', domid, dev: dv });
        out.push({ kind: 'guest.igbvf_shutdown', domid, dev: dv });
      }
    }
  }
}

/** The actions the drivers' code (and, where the scenario allows it, guest user space) can take next. */
export function enabledActions(w: World, sc: Scenario): Action[] {
  const out: Action[] = [];
  lifecycleActions(w, sc, out);
  for (const [domidS, k] of Object.entries(w.guests)) {
    const domid = Number(domidS);
    // With its device model dead, an HVM guest's next access to the emulated MSI-X capability or table
    // waits for an ioreq nobody serves: the vCPU blocks for good ([derived] from hvm_send_ioreq; the ioreq
    // server stays registered until the domain is destroyed). Only hypercall-only steps remain possible.
    const hung = !w.qemu[domid]?.alive;
    // On the native path every setup and teardown step writes a message, which only QEMU serves: nothing is
    // left (the mask Xen would apply before the vCPU blocks in free_irq is left out).
    const hungNative = hung && k.msi_ops === 'native';
    for (const [devS, d] of Object.entries(k.devices)) {
      const start = out.length;
      const dev = Number(devS);
      const drv = d.driver;
      const msix = d.mode === 'msix';
      switch (drv.stage) {
        case 'idle':
          out.push(msix ? { kind: 'guest.pci_enable_msix', domid, dev, nvec: 1 } : { kind: 'guest.pci_enable_msi', domid, dev });
          break;
        case 'probe-enabled':
        case 'io-enabled':
          out.push({ kind: 'guest.pci_msix_clear_and_set_ctrl', domid, dev });
          break;
        case 'probe-ready':
          out.push({ kind: 'guest.request_irq', domid, dev, entry: 0 });
          break;
        case 'probe-running':
          out.push({ kind: 'guest.free_irq', domid, dev, entry: 0 });
          break;
        case 'probe-freed':
          out.push(msix ? { kind: 'guest.pci_disable_msix', domid, dev } : { kind: 'guest.pci_disable_msi', domid, dev });
          break;
        case 'probe-disabled':
          if (msix) for (const nvec of sc.nvecChoices) out.push({ kind: 'guest.pci_enable_msix', domid, dev, nvec });
          else out.push({ kind: 'guest.pci_enable_msi', domid, dev });
          break;
        case 'io-ready':
          out.push({ kind: 'guest.request_irq', domid, dev, entry: drv.next });
          break;
        case 'running':
          out.push({ kind: 'guest.free_irq', domid, dev, entry: 0 });
          break;
        case 'unloading':
          if (drv.next < drv.nvec) out.push({ kind: 'guest.free_irq', domid, dev, entry: drv.next });
          else out.push(msix ? { kind: 'guest.pci_disable_msix', domid, dev } : { kind: 'guest.pci_disable_msi', domid, dev });
          break;
      }
      if (sc.hostileConfigWrites && msix && w.qemu[domid]?.devices[dev]?.msix.enabled) {
        out.push({ kind: 'guest.pci_write_config_word', domid, dev, reg: 'MSIX_FLAGS', value: 0 });
      }
      if (hung) {
        const kept = out.splice(start).filter((a) => !hungNative && (a.kind === 'guest.request_irq' || a.kind === 'guest.free_irq'));
        out.push(...kept);
      }
    }
  }
  return out;
}
