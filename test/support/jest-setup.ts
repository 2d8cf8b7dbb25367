import { jest } from '@jest/globals';
import { hangBound } from './hang-bound.js';

// Before each test file: a test, or a hook, fails after two minutes of an idle
// machine's time, and longer while the machine is loaded (see hang-bound.ts).
// No test needs a tenth of that when idle: the bound catches hangs, and a file
// whose tests need more says so with a jest.setTimeout of its own.
jest.setTimeout(hangBound(120_000));
