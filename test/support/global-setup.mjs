export { setup as default } from './pglite-template.mjs';
