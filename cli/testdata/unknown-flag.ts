export default { id: 'x-unknown-flag', component: 'guest', title: 't', upstream: 'u', versions: 'v', flags: { guestReuuse: 'never' } };
