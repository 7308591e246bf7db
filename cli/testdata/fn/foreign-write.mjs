// A Xen fix that writes QEMU's state instead of calling QEMU.
import { defineVariant, edit } from 'pirqcheck';

export default defineVariant({
  id: 'x-foreign',
  component: 'xen',
  title: 'writes qemu',
  upstream: 'test',
  versions: 'test',
  functions: {
    PHYSDEVOP_get_free_pirq: (builtin, s, domid) => {
      if (s.w.qemu[domid]) edit(s, 'qemu', domid).alive = false;
      return builtin(s, domid);
    },
  },
});
