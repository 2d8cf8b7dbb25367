/**
 * npm run test:heavy: the suites that take minutes, one file at a time: the
 * real browser, and the ones that build or pack the package as a user does
 * (nest build, npm pack and npm install, npm start, npm run serve). They
 * build into the one dist/, so never two at once.
 */
import base from './jest.config.js';

export default {
  ...base,
  testMatch: ['<rootDir>/test/**/*.heavy.ts'],
};
