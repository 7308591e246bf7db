/**
 * Xen 4.22 booted with `iommu=no-quarantine`: xen/drivers/passthrough/iommu.c:parse_iommu_param sets
 * iommu_quarantine to false, so a device that leaves a guest goes back to dom0 instead of dom_io
 * (passthrough/pci.c:deassign_device: `(pdev->quarantine || iommu_quarantine) && pdev->domain != dom_io`),
 * unless it had been quarantined before. The command-line choice is the release's flag, changed.
 *
 *   pirqcheck check --variant-file examples/xen-4.22-no-quarantine.ts --scenario reboot-hvm --dom0 pvops-7681f31e
 */
import { defineVariant } from '../api/index.ts';

export default defineVariant({
  id: '4.22-no-quarantine',
  component: 'xen',
  title: 'Xen 4.22 with iommu=no-quarantine',
  upstream: 'RELEASE-4.22.0, xen/drivers/passthrough/iommu.c:parse_iommu_param ("quarantine" boolean)',
  versions: 'Xen 4.13 and later accept iommu=no-quarantine; 4.16 and later also iommu=quarantine=scratch-page',
  link: 'https://xenbits.xen.org/docs/unstable/misc/xen-command-line.html#iommu',
  base: '4.22',
  flags: { xenQuarantine: 'off' },
});
