/**
 * The PCI function itself: the registers Xen, dom0 and QEMU read and write.
 *
 * Mirrors the PCI Local Bus / PCIe specification registers named in reference A.6: PCI_COMMAND (MEMORY,
 * MASTER), the MSI capability (ENABLE, the programmed message) and the MSI-X capability (control ENABLE and
 * MASKALL, per-entry vector-control mask and programmed message).
 *
 * Left out: BAR sizing, the PBA, INTx, and the address/data bits themselves. A programmed message is
 * represented by the Xen irq whose vector Xen wrote (setup_msi_irq), which is all delivery needs.
 */
import type { Sys } from '../context.ts';
import { edit, own, type Writable } from '../cow.ts';
import type { AuditRecord } from '../world.ts';

export interface MsixEntryHw {
  /** Vector Control bit 0 (PCI_MSIX_ENTRY_CTRL_MASKBIT). */
  readonly masked: boolean;
  /** The host irq whose message Xen's setup_msi_irq wrote into this entry; 0 while never programmed. */
  readonly xen_irq: number;
}

export interface HwDevice {
  /** Seg:bus:dev.fn as Xen and Linux print it. */
  readonly bdf: string;
  /** PCI_COMMAND_MEMORY and PCI_COMMAND_MASTER. */
  readonly command: { readonly memory: boolean; readonly master: boolean };
  /** MSI capability: PCI_MSI_FLAGS_ENABLE and the message Xen programmed. */
  readonly msi: { readonly enable: boolean; readonly xen_irq: number };
  /** MSI-X capability: control register bits and the table. */
  readonly msix: { readonly enable: boolean; readonly maskall: boolean; readonly entries: readonly MsixEntryHw[] };
}

export function initialDevice(bdf: string, msixEntries: number): HwDevice {
  return {
    bdf,
    command: { memory: true, master: true },
    msi: { enable: false, xen_irq: 0 },
    msix: {
      enable: false,
      maskall: false,
      entries: Array.from({ length: msixEntries }, () => ({ masked: true, xen_irq: 0 })),
    },
  };
}

/** Short form used in log lines, "01:00.0". */
export function shortBdf(bdf: string): string {
  return bdf.replace(/^0000:/, '');
}

/** MSI-X table entry `k` of device `dev`, writable in the running step; undefined if there is none. */
export function hwEntry(s: Sys, dev: number, k: number): Writable<MsixEntryHw> | undefined {
  if (!s.w.hw[dev]?.msix.entries[k]) return undefined;
  return own(s, edit(s, 'hw', dev, 'msix', 'entries'), k);
}

/** Record an observation in the audit of the running step. */
export function pushAudit(s: Sys, rec: AuditRecord): void {
  edit(s, 'audit').push(rec);
}

/**
 * A Function Level Reset as the PCIe specification defines it: COMMAND cleared (memory decoding off), MSI
 * and MSI-X disabled, MASKALL cleared, every entry masked (pci_reset_msix_state in Xen 4.13 assumes this).
 */
export function functionLevelReset(s: Sys, dev: number): void {
  const hw = edit(s, 'hw', dev);
  hw.command = { ...hw.command, memory: false, master: false };
  own(s, hw, 'msi').enable = false;
  const msix = own(s, hw, 'msix');
  msix.enable = false;
  msix.maskall = false;
  const entries = own(s, msix, 'entries');
  for (let k = 0; k < entries.length; k++) if (!entries[k]!.masked) own(s, entries, k).masked = true;
}
