// A Xen fix that writes into the shared world directly, around edit/own.
import { defineVariant } from 'pirqcheck';

export default defineVariant({
  id: 'x-direct',
  component: 'xen',
  title: 'writes in place',
  upstream: 'test',
  versions: 'test',
  functions: {
    PHYSDEVOP_get_free_pirq: (builtin, s, domid) => {
      s.w.xen.nr_irqs = 99;
      return builtin(s, domid);
    },
  },
});
