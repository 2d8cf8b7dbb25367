export { teardown as default } from './pglite-template.mjs';
