// A Xen fix whose result depends on how often it ran before: two runs of the same step differ.
import { defineVariant, ERRNO } from 'pirqcheck';

let calls = 0;

export default defineVariant({
  id: 'x-nondet',
  component: 'xen',
  title: 'counts',
  upstream: 'test',
  versions: 'test',
  functions: {
    PHYSDEVOP_get_free_pirq: (builtin, s, domid) => (++calls % 2 === 0 ? -ERRNO.ENOSPC : builtin(s, domid)),
  },
});
