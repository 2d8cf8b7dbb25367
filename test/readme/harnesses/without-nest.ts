import assert from 'node:assert/strict';
import { DataTypeError, MetadataEngine, MetaQueue } from '../../../src/lib/index.js';

// README
for (const rows of [1, 2, 3]) {
  await engine.publish({ data: rows, name: 'rows', location: 'here', context: 'seed' });
}
assert.equal(engine.size, 3);
await assert.rejects(
  engine.publish({ data: 1.5, name: 'rows', location: 'here', context: 'seed' }),
  DataTypeError,
);
console.log('ok');
