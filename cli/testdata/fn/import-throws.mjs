const x = 1;
if (x) throw new Error('cannot load this fix');
export default {};
