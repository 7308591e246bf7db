// A misspelt function name: the editor (and the loader) say so where it is written.
import { defineVariant } from 'pirqcheck';

export default defineVariant({
  id: 'x-wrong-name',
  component: 'xen',
  title: 't',
  upstream: 'u',
  versions: 'v',
  functions: {
    deassign_devic: (builtin, s, domid, dev) => builtin(s, domid, dev),
  },
});
