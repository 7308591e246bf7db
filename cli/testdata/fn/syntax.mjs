export default { id: 'x', component: 'xen',, };
