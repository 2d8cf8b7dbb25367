export { teardown as default } from './test-build.mjs';
