import { describe, expect, it } from 'vitest';
import { sysFor, logLines } from '../testkit.ts';
import { findVariant, type Flags } from '../variants.ts';
import * as dom0 from './dom0.ts';
import * as xen from './xen.ts';
import { ERRNO } from '../types.ts';

const DEV = 0; // the VF of igbvf-pv / the device of reboot-hvm
const G = 1; // the guest's domid

/** The flags of a dom0 variant on top of the defaults. */
function dom0Flags(id: string): Partial<Flags> {
  const v = findVariant('dom0', id);
  if (!v) throw new Error(`no dom0 variant ${id}`);
  return v.flags;
}

/** igbvf-pv world with the device bound to pciback, domain G created, assigned and exported to it. */
function exported(id: string, scenario = 'igbvf-pv', hvm = false) {
  const s = sysFor(scenario, dom0Flags(id));
  expect(dom0.pcistub_init_device(s, DEV)).toBe(0);
  xen.XEN_DOMCTL_createdomain(s, G, hvm, 56);
  expect(xen.XEN_DOMCTL_assign_device(s, G, DEV)).toBe(0);
  expect(dom0.xen_pcibk_export_device(s, DEV, G)).toBe(0);
  // the guest's pci_enable_device through pcifront (hvmloader for HVM): memory decoding on
  dom0.command_write(s, DEV, true);
  return s;
}

const fns = (s: ReturnType<typeof sysFor>) => s.log.calls.map((c) => c.fn);

describe('pvops pcistub_init_device', () => {
  it('enables the device, holds the prepare_msix pseudo-entry, resets; a second bind is -EBUSY', () => {
    const s = sysFor('reboot-hvm', dom0Flags('pvops'));
    expect(dom0.pcistub_init_device(s, DEV)).toBe(0);
    expect(fns(s)).toEqual(['pci_enable_device', 'PHYSDEVOP_prepare_msix', 'xen_pcibk_reset_device', 'pci_disable_device', 'pci_write_config_word']);
    expect(s.w.xen.pdevs[DEV]!.msix.used_entries).toBe(1);
    expect(s.w.dom0.devices[DEV]!.prepared).toBe(true);
    expect(s.w.hw[DEV]!.command.memory).toBe(false); // PCI_COMMAND = 0 before 7681f31ec9cd
    expect(dom0.pcistub_init_device(s, DEV)).toBe(-ERRNO.EBUSY);
  });
  it('with 7681f31ec9cd the reset leaves memory decoding as restored after the FLR', () => {
    const s = sysFor('reboot-hvm', dom0Flags('pvops-7681f31e'));
    dom0.pcistub_init_device(s, DEV);
    expect(fns(s)).not.toContain('pci_write_config_word');
    expect(s.w.hw[DEV]!.command.memory).toBe(true);
  });
  it('a 2.6.18 pciback makes no MSI-X hypercall and holds no pseudo-entry', () => {
    const s = sysFor('igbvf-pv', dom0Flags('xen-2.6.18'));
    dom0.pcistub_init_device(s, DEV);
    expect(fns(s)).not.toContain('PHYSDEVOP_prepare_msix');
    expect(s.w.xen.pdevs[DEV]!.msix.used_entries).toBe(0);
    expect(s.w.dom0.devices[DEV]!.prepared).toBe(false);
  });
});

describe('2.6.18 msix_capability_init, command_write, pci_disable_msix, prune', () => {
  it('maps one pirq per entry for the owner and sets dev->msix_enabled', () => {
    const s = exported('xen-2.6.18');
    expect(dom0.xen_pcibk_enable_msix(s, DEV, 3)).toEqual([55, 54, 53]);
    const d = s.w.dom0.devices[DEV]!;
    expect(d.msix_enabled).toBe(true);
    expect(d.msi_dev).toEqual([{ pirq: 55, entry_nr: 0, domid: G }, { pirq: 54, entry_nr: 1, domid: G }, { pirq: 53, entry_nr: 2, domid: G }]);
    expect(s.log.calls.filter((c) => c.fn === 'PHYSDEVOP_map_pirq').map((c) => c.args)).toEqual([
      'domid=1 type=MSI index=-1 pirq=-1 01:10.0 entry_nr=0 table_base',
      'domid=1 type=MSI index=-1 pirq=-1 01:10.0 entry_nr=1 table_base',
      'domid=1 type=MSI index=-1 pirq=-1 01:10.0 entry_nr=2 table_base',
    ]);
  });
  it('command_write without MEMORY -> pci_disable_device clears msix_enabled and ENABLE, keeps the list', () => {
    const s = exported('xen-2.6.18');
    dom0.command_write(s, DEV, true);
    dom0.xen_pcibk_enable_msix(s, DEV, 3);
    expect(dom0.command_write(s, DEV, false)).toBe(0);
    const d = s.w.dom0.devices[DEV]!;
    expect(d.msix_enabled).toBe(false);
    expect(d.msi_dev).toHaveLength(3);
    expect(s.w.hw[DEV]!.msix.enable).toBe(false);
    expect(s.w.hw[DEV]!.command.memory).toBe(false);
    expect(fns(s)).toContain('pci_disable_device');
    // pci_disable_msix now returns at once: nothing is unmapped
    const before = s.log.calls.length;
    expect(dom0.pci_disable_msix(s, DEV)).toBe(0);
    expect(s.log.calls.slice(before).map((c) => c.fn)).toEqual(['pci_disable_msix']);
  });
  it('modern pci_disable_device leaves MSI-X alone', () => {
    const s = exported('pvops');
    dom0.command_write(s, DEV, true);
    dom0.xen_pcibk_enable_msix(s, DEV, 3);
    dom0.command_write(s, DEV, false);
    expect(s.w.dom0.devices[DEV]!.msix_enabled).toBe(true);
  });
  it('a listed entry is reused without a hypercall: "not freed before acquire again."', () => {
    const s = exported('xen-2.6.18');
    dom0.xen_pcibk_enable_msix(s, DEV, 3);
    dom0.command_write(s, DEV, false); // msix_enabled = 0, list kept
    const before = s.log.calls.length;
    expect(dom0.xen_pcibk_enable_msix(s, DEV, 3)).toEqual([55, 54, 53]);
    expect(s.log.calls.slice(before).some((c) => c.fn === 'PHYSDEVOP_map_pirq')).toBe(false);
    expect(logLines(s)).toEqual(expect.arrayContaining([
      'msix entry 0 for dev 01:10:0 are not freed before acquire again.',
      'msix entry 2 for dev 01:10:0 are not freed before acquire again.',
    ]));
  });
  it('a failed map unmaps and detaches what this call mapped and returns -EBUSY', () => {
    const s = exported('xen-2.6.18');
    s.w.dom0.devices[DEV]!.owner = 7; // no such domain: PHYSDEVOP_map_pirq -ESRCH
    expect(dom0.xen_pcibk_enable_msix(s, DEV, 3)).toBe(-ERRNO.EBUSY);
    expect(s.w.dom0.devices[DEV]!.msi_dev).toEqual([]);
    expect(s.w.dom0.devices[DEV]!.msix_enabled).toBe(false);
  });
  it('pci_disable_msix unmaps every listed pirq for the owner, then clears the list and the flag', () => {
    const s = exported('xen-2.6.18');
    dom0.xen_pcibk_enable_msix(s, DEV, 3);
    expect(dom0.pci_disable_msix(s, DEV)).toBe(0);
    expect(s.log.calls.filter((c) => c.fn === 'PHYSDEVOP_unmap_pirq').map((c) => `${c.args} ${c.result}`)).toEqual([
      'domid=1 pirq=55 0',
      'domid=1 pirq=54 0',
      'domid=1 pirq=53 0',
    ]);
    expect(s.w.dom0.devices[DEV]!.msi_dev).toEqual([]);
    expect(s.w.xen.domains[G]!.pirqs[55]).toBeUndefined();
  });
  it('the reset prunes the list without a hypercall (xen-2.6.18-prune)', () => {
    const s = exported('xen-2.6.18-prune');
    dom0.xen_pcibk_enable_msix(s, DEV, 3);
    dom0.command_write(s, DEV, false);
    const before = s.log.calls.length;
    dom0.xen_pcibk_reset_device(s, DEV);
    const calls = s.log.calls.slice(before);
    expect(calls.map((c) => c.fn)).toEqual(['xen_pcibk_reset_device', 'pci_disable_device', 'pci_write_config_word', 'msi_prune_pci_irq_vectors']);
    expect(s.w.dom0.devices[DEV]!.msi_dev).toEqual([]);
    expect(logLines(s)).toContain('PCI: 0000:01:10.0: cleaning up MSI-X entry 0');
  });
});

describe('pvops pcistub_put_pci_dev, pcistub_device_release, export', () => {
  it('put: FLR, restore, reset (pci_disable_msix while dom0 holds the PV guest\'s vectors), owner dropped', () => {
    const s = exported('pvops');
    dom0.xen_pcibk_enable_msix(s, DEV, 3);
    const before = s.log.calls.length;
    dom0.pcistub_put_pci_dev(s, DEV);
    const calls = s.log.calls.slice(before).map((c) => c.fn);
    expect(calls.slice(0, 3)).toEqual(['pcistub_put_pci_dev', 'xen_pcibk_reset_device', 'pci_disable_msix']);
    expect(calls.filter((f) => f === 'PHYSDEVOP_unmap_pirq')).toHaveLength(3);
    expect(s.w.dom0.devices[DEV]!.owner).toBeNull();
    expect(s.w.hw[DEV]!.command.memory).toBe(false); // PCI_COMMAND = 0 (pvops before 7681f31ec9cd)
  });
  it('release: PHYSDEVOP_release_msix gets -EBUSY while a guest pirq is still mapped; pciback forgets the pseudo-entry anyway', () => {
    const s = exported('pvops', 'reboot-hvm', true);
    xen.PHYSDEVOP_map_pirq(s, { domid: G, pirq: 55, dev: DEV, entry_nr: 0, msix: true });
    expect(s.w.xen.pdevs[DEV]!.msix.used_entries).toBe(2);
    expect(dom0.pcistub_device_release(s, DEV)).toBe(0);
    expect(s.log.calls.find((c) => c.fn === 'PHYSDEVOP_release_msix')!.result).toBe('-EBUSY');
    expect(logLines(s)).toEqual(expect.arrayContaining([
      'xen_pciback: ****** removing device 0000:03:00.0 while still in-use by domain 1! ******',
      'xen_pciback: ****** shutdown driver domain before binding device',
      'xen_pciback: ****** to other drivers or domains',
      'pciback 0000:03:00.0: MSI-X release failed (-16)',
    ]));
    expect(s.w.xen.pdevs[DEV]!.msix.used_entries).toBe(2);
    expect(s.w.dom0.devices[DEV]).toMatchObject({ bound: false, prepared: false, owner: null });
  });
  it('release of an unassigned device drops the pseudo-entry; a rebind prepares again', () => {
    const s = sysFor('reboot-hvm', dom0Flags('pvops'));
    dom0.pcistub_init_device(s, DEV);
    expect(dom0.pcistub_device_release(s, DEV)).toBe(0);
    expect(s.w.xen.pdevs[DEV]!.msix.used_entries).toBe(0);
    expect(dom0.pcistub_device_release(s, DEV)).toBe(-ERRNO.ENODEV);
    expect(dom0.pcistub_init_device(s, DEV)).toBe(0);
    expect(s.w.xen.pdevs[DEV]!.msix.used_entries).toBe(1);
  });
  it('export with pcistub_msix_reset: MASKALL reads back set -> release_msix + prepare_msix clear host_maskall', () => {
    const s = sysFor('reboot-hvm', dom0Flags('pvops-msix-reset'));
    dom0.pcistub_init_device(s, DEV);
    s.w.xen.pdevs[DEV]!.msix.host_maskall = true;
    s.w.hw[DEV]!.command.memory = true;
    xen.XEN_DOMCTL_createdomain(s, G, true, 56);
    xen.XEN_DOMCTL_assign_device(s, G, DEV);
    expect(dom0.xen_pcibk_export_device(s, DEV, G)).toBe(0);
    expect(logLines(s)).toContain('Reset MSI-X state for device 0000:03:00.0');
    expect(fns(s)).toEqual(expect.arrayContaining(['pcistub_msix_reset', 'PHYSDEVOP_release_msix', 'PHYSDEVOP_prepare_msix']));
    expect(s.w.xen.pdevs[DEV]!.msix.host_maskall).toBe(false);
    expect(s.w.dom0.devices[DEV]!.prepared).toBe(true);
  });
  it('export with pcistub_msix_reset fails with the release\'s -EBUSY while an old pirq is mapped', () => {
    const s = sysFor('reboot-hvm', dom0Flags('pvops-msix-reset'));
    dom0.pcistub_init_device(s, DEV);
    s.w.hw[DEV]!.command.memory = true;
    xen.XEN_DOMCTL_createdomain(s, G, true, 56);
    xen.XEN_DOMCTL_assign_device(s, G, DEV);
    xen.PHYSDEVOP_map_pirq(s, { domid: G, pirq: 55, dev: DEV, entry_nr: 0, msix: true });
    s.w.xen.pdevs[DEV]!.msix.host_maskall = true;
    expect(dom0.xen_pcibk_export_device(s, DEV, G)).toBe(-ERRNO.EBUSY);
    expect(s.w.dom0.devices[DEV]!.owner).toBeNull();
  });
  it('export without the reset only registers the owner', () => {
    const s = sysFor('reboot-hvm', dom0Flags('pvops'));
    dom0.pcistub_init_device(s, DEV);
    const before = s.log.calls.length;
    expect(dom0.xen_pcibk_export_device(s, DEV, G)).toBe(0);
    expect(s.log.calls.slice(before).map((c) => c.fn)).toEqual(['xen_pcibk_export_device']);
    expect(s.w.dom0.devices[DEV]!.owner).toBe(G);
  });
});

describe('pciback xen_pcibk_enable_msix checks (XSA-157, pcibackMsixEnableChecks)', () => {
  it('returns -EALREADY while dom0 has MSI-X enabled for the device, mapping nothing', () => {
    const s = exported('pvops-6x');
    expect(dom0.xen_pcibk_enable_msix(s, DEV, 3)).toEqual([55, 54, 53]);
    expect(dom0.xen_pcibk_enable_msix(s, DEV, 3)).toBe(-ERRNO.EALREADY);
    expect(s.log.calls.filter((c) => c.fn === 'PHYSDEVOP_map_pirq')).toHaveLength(3);
  });
  it('returns -ENXIO with memory decoding off', () => {
    const s = exported('pvops-6x');
    dom0.command_write(s, DEV, false);
    expect(dom0.xen_pcibk_enable_msix(s, DEV, 3)).toBe(-ERRNO.ENXIO);
  });
  it('without the checks (2.6.18-xen) it goes on to map with memory decoding off (Xen refuses, -EBUSY)', () => {
    const s = exported('xen-2.6.18');
    dom0.command_write(s, DEV, false);
    expect(dom0.xen_pcibk_enable_msix(s, DEV, 3)).toBe(-ERRNO.EBUSY);
    expect(s.log.calls.filter((c) => c.fn === 'PHYSDEVOP_map_pirq')).toHaveLength(1);
  });
});
