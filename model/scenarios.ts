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
import { initialGuestDevice, type GuestKernel } from './components/guest.ts';

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
}

const NVME_A: ScenarioDevice = { bdf: '0000:01:00.0', vslot: '00:04.0', msixEntries: 3, mode: 'msix' };
const NVME_B: ScenarioDevice = { bdf: '0000:02:00.0', vslot: '00:05.0', msixEntries: 3, mode: 'msix' };

export const SCENARIOS: readonly Scenario[] = [
  {
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
  },
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
  },
];

export function findScenario(id: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.id === id);
}

export const DEFAULT_SCENARIO = 'nvme-hvm';

/** The world before the first step: devices assigned to the guest, nothing enabled. */
export function initialWorld(sc: Scenario): World {
  const hw: Record<number, ReturnType<typeof initialDevice>> = {};
  const pdevs: Record<number, ReturnType<typeof newPdev>> = {};
  const qdevs: Record<number, ReturnType<typeof initialQemuDevice>> = {};
  const gdevs: Record<number, ReturnType<typeof initialGuestDevice>> = {};
  sc.devices.forEach((d, i) => {
    hw[i] = initialDevice(d.bdf, d.msixEntries);
    pdevs[i] = newPdev(sc.domid);
    qdevs[i] = initialQemuDevice(d.vslot, d.msixEntries);
    gdevs[i] = initialGuestDevice(d.vslot, d.mode);
  });
  const xen = initialXen({ nr_irqs_gsi: sc.nr_irqs_gsi, nr_irqs: sc.nr_irqs_gsi + 64 });
  const guest: GuestKernel = { domid: sc.domid, irqs: {}, pirq_to_irq: {}, devices: gdevs };
  return {
    hw,
    xen: { ...xen, domains: { [sc.domid]: newDomain(sc.domid, true, sc.nr_pirqs) }, pdevs },
    qemu: { [sc.domid]: { domid: sc.domid, alive: true, devices: qdevs } },
    guests: { [sc.domid]: guest },
    audit: [],
  };
}

/** The actions the drivers' code (and, where the scenario allows it, guest user space) can take next. */
export function enabledActions(w: World, sc: Scenario): Action[] {
  const out: Action[] = [];
  for (const [domidS, k] of Object.entries(w.guests)) {
    const domid = Number(domidS);
    for (const [devS, d] of Object.entries(k.devices)) {
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
    }
  }
  return out;
}
