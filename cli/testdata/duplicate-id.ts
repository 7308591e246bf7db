export default { id: 'fresh-pirq', component: 'guest', title: 't', upstream: 'u', versions: 'v', flags: {} };
