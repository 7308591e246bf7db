// An override whose parameters do not match deassign_device(s, domid, dev): dev is a number.
import { defineVariant } from 'pirqcheck';

export default defineVariant({
  id: 'x-type-error',
  component: 'xen',
  title: 't',
  upstream: 'u',
  versions: 'v',
  functions: {
    deassign_device: (builtin, s, domid, dev: string) => builtin(s, domid, Number(dev)),
  },
});
