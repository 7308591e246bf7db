/**
 * The Linux pirq path before 7e0815b3e099 (`linux-5.15`, flag guestPirqMsixMasking): its MSI core still
 * writes vector control. Shown here: the writes and where they land (QEMU binds during the setup, on the
 * unmask that ends the bracket of da181dc974ad; msix_mask_all then reaches Xen's msixtbl and masks the bound
 * entries in hardware; EVTCHNOP_bind_pirq unmasks at request_irq, xen/arch/x86/irq.c:arch_evtchn_bind_pirq
 * @RELEASE-4.22.0, from 84d6add559, Xen 4.6). So on Xen 4.6 and later every vector delivers, and the row is
 * proved. With a hypervisor whose event-channel bind leaves the mask alone (as before 84d6add559, written here
 * as code on 4.22, examples/xen-bind-keeps-mask.ts) the same guest loses the interrupt, as the reports behind 7e0815b3e099 saw ("older versions
 * of Xen"), while linux-6x (pci_msi_ignore_mask set, no vector-control write) still delivers.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig, type Config } from '../model/config.ts';
import { INVARIANTS } from '../model/invariants.ts';
import { sysFor } from '../model/testkit.ts';
import * as guest from '../model/components/guest.ts';
import { explore } from './explore.ts';

const D = 1;
const A = 0;
const today = (g: string): Config => ({ scenario: 'nvme-hvm', guest: g, qemu: 'bind-unmasked', xen: '4.22', dom0: 'pvops-6x', toolstack: 'libxl-4.22' });
const delivers = INVARIANTS.filter((i) => i.name === 'enabled-vector-delivers');

describe('the pirq path with vector-control writes (linux-5.15, before 7e0815b3e099)', () => {
  it('the bracket binds each entry during the setup, msix_mask_all masks the bound entries in hardware, request_irq unmasks', () => {
    const s = sysFor('nvme-hvm', resolveConfig(today('linux-5.15')).flags);
    expect(guest.pci_enable_msix(s, D, A, 2)).toBe(2);
    const ctrl = s.log.calls.filter((c) => c.fn === 'msixtbl_write' || c.fn === 'XEN_DOMCTL_bind_pt_irq').map((c) => `${c.fn}(${c.args}) -> ${c.result}`);
    expect(ctrl).toEqual([
      'msixtbl_write(mask entry 0 (vector control)) -> device model',
      'msixtbl_write(unmask entry 0 (vector control)) -> device model',
      'XEN_DOMCTL_bind_pt_irq(domid=1 PT_IRQ_TYPE_MSI pirq=55 gvec=0x0) -> 0',
      'msixtbl_write(mask entry 1 (vector control)) -> device model',
      // Entry 1 has no descriptor yet, so msixtbl_range does not take its writes (no table_flags bit): the unmask
      // goes to QEMU, snooped, and msix_write_completion applies it once QEMU's bind registered the entry.
      'msixtbl_write(unmask entry 1 (vector control)) -> device model',
      'XEN_DOMCTL_bind_pt_irq(domid=1 PT_IRQ_TYPE_MSI pirq=54 gvec=0x0) -> 0',
      // msix_mask_all over the 3-entry table: the two bound entries in Xen (and QEMU, 64b21662b1), the third in QEMU.
      'msixtbl_write(mask entry 0 (vector control)) -> Xen, then the device model',
      'msixtbl_write(mask entry 1 (vector control)) -> Xen, then the device model',
      'msixtbl_write(mask entry 2 (vector control)) -> device model',
    ]);
    expect(s.w.hw[A]!.msix.entries.map((e) => e.masked)).toEqual([true, true, true]);
    guest.pci_msix_clear_and_set_ctrl(s, D, A);
    guest.request_irq(s, D, A, 0);
    expect(s.w.hw[A]!.msix.entries.map((e) => e.masked)).toEqual([false, true, true]);
  });

  it('linux-6x writes no vector control on the pirq path', () => {
    const s = sysFor('nvme-hvm', resolveConfig(today('linux-6x')).flags);
    guest.pci_enable_msix(s, D, A, 2);
    guest.pci_msix_clear_and_set_ctrl(s, D, A);
    guest.request_irq(s, D, A, 0);
    guest.free_irq(s, D, A, 0);
    guest.pci_disable_msix(s, D, A);
    expect(s.log.calls.filter((c) => c.fn === 'msixtbl_write' && c.args.includes('vector control'))).toEqual([]);
  });

  it('pci_msix_shutdown masks every enabled entry before clearing ENABLE', () => {
    const s = sysFor('nvme-hvm', resolveConfig(today('linux-5.15')).flags);
    guest.pci_enable_msix(s, D, A, 2);
    guest.pci_msix_clear_and_set_ctrl(s, D, A);
    const from = s.log.calls.length;
    guest.pci_disable_msix(s, D, A);
    const after = s.log.calls.slice(from).filter((c) => c.depth === 0).map((c) => `${c.fn}(${c.args})`);
    expect(after.slice(0, 3)).toEqual(['msixtbl_write(mask entry 0 (vector control))', 'msixtbl_write(mask entry 1 (vector control))', 'xen_pt_msixctrl_reg_write(MSIX_FLAGS ENABLE=0 MASKALL=0)']);
  });

  it('on Xen 4.22 every enabled vector delivers: proved over the complete graph', async () => {
    const res = await explore(resolveConfig(today('linux-5.15')), { maxStates: 100_000, invariants: delivers });
    expect(res.verdict).toBe('holds');
    expect(res.complete).toBe(true);
  }, 60_000);

  it('with an event-channel bind that leaves the mask alone (before 84d6add559, examples/xen-bind-keeps-mask.ts) the vector is lost; linux-6x still delivers', async () => {
    const { loadVariantFile } = await import('../api/load.ts');
    await loadVariantFile(new URL('../examples/xen-bind-keeps-mask.ts', import.meta.url).pathname);
    const bindKeepsMask = (g: string) => resolveConfig({ ...today(g), xen: '4.22-bind-keeps-mask' });
    const lost = await explore(bindKeepsMask('linux-5.15'), { maxStates: 100_000, invariants: delivers });
    expect(lost.verdict).toBe('violated');
    expect(lost.violation!.invariant).toBe('enabled-vector-delivers');
    expect(lost.violation!.evidence.text).toMatch(/masked/i);
    const six = await explore(bindKeepsMask('linux-6x'), { maxStates: 100_000, invariants: delivers });
    expect(six.verdict).toBe('holds');
    expect(six.complete).toBe(true);
  }, 120_000);
});
