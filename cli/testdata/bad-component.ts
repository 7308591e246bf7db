export default { id: 'x-bad-comp', component: 'firmware', title: 't', upstream: 'u', versions: 'v', flags: {} };
