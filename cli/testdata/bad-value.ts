export default { id: 'x-bad-value', component: 'guest', title: 't', upstream: 'u', versions: 'v', flags: { guestReuse: 'sometimes' } };
