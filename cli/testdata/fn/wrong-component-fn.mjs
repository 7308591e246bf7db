export default { id: 'x-wrong-fn', component: 'xen', title: 't', upstream: 'u', versions: 'v', functions: { xen_pcibk_reset_device: (b, s, dev) => b(s, dev) } };
