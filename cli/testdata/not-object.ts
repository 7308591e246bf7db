export default 'guest';
