/** npm run test:faults: the fault scenarios, against DATABASE_URL's server, one at a time. */
import base from './jest.config.js';

export default {
  ...base,
  testMatch: ['<rootDir>/test/faults/**/*.faults.ts'],
  testTimeout: 60_000,
};
