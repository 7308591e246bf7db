// A plain JavaScript variant file: the `variant` export works as well as a default export.
export const variant = { id: 'x-good-js', component: 'qemu', title: 't', upstream: 'u', versions: 'v', base: 'keep-pirqs', flags: { qemuUnmapOnDisable: true } };
