// A Xen fix that throws when it runs.
import { defineVariant } from 'pirqcheck';

export default defineVariant({
  id: 'x-fn-throws',
  component: 'xen',
  title: 'throws',
  upstream: 'test',
  versions: 'test',
  functions: {
    PHYSDEVOP_get_free_pirq: () => {
      throw new RangeError('no pirq for you');
    },
  },
});
