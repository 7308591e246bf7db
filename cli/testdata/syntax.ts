export default { id: 'x-syntax', component: 'guest',, };
