export default { id: 'x-cross', component: 'guest', title: 't', upstream: 'u', versions: 'v', flags: { qemuUnmapOnDisable: false } };
