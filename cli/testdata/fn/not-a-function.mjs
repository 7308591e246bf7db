export default { id: 'x-not-fn', component: 'xen', title: 't', upstream: 'u', versions: 'v', functions: { deassign_device: 42 } };
