export default { id: 'x-unknown-fn', component: 'xen', title: 't', upstream: 'u', versions: 'v', functions: { deassign_devic: (b, s, d, v) => b(s, d, v) } };
