// The `metaqueue` command (bin/metaqueue.js runs this file from dist/).
// reflect-metadata first: the library's decorated classes need it as they load.
import 'reflect-metadata';
import { runMetaqueue } from './program.js';

process.exitCode = await runMetaqueue(process.argv.slice(2));
