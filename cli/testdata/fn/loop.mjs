// A fix whose PHYSDEVOP_get_free_pirq never returns (the guest asks for a pirq at its first probe).
import { defineVariant } from 'pirqcheck';

export default defineVariant({
  id: 'x-loop',
  component: 'xen',
  title: 'loops',
  upstream: 'test',
  versions: 'test',
  functions: {
    PHYSDEVOP_get_free_pirq: (builtin, s, domid) => {
      for (;;) if (domid < 0) break;
      return builtin(s, domid);
    },
  },
});
