export default { id: 'x-params', component: 'xen', title: 't', upstream: 'u', versions: 'v', functions: { deassign_device: (b, s, domid, dev, extra) => b(s, domid, dev + extra) } };
