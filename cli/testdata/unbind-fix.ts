// The README's my-fix.ts: libxl unbinds and unmaps a removed device's leftover MSI pirqs before the reset.
import { defineVariant } from '../../api/index.ts';

export default defineVariant({
  id: 'my-unbind-fix',
  component: 'toolstack',
  title: 'libxl: unbind and unmap leftover MSI pirqs before resetting a removed device',
  upstream: 'my patch, not posted yet',
  versions: 'my tree',
  base: 'libxl',
  flags: { libxlUnbindBeforeReset: true },
});
