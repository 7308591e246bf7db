export default {
  id: 'x-getter',
  component: 'xen',
  get title() {
    throw new Error('no title today');
  },
  upstream: 'u',
  versions: 'v',
  flags: {},
};
