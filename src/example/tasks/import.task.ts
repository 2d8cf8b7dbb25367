import { InjectEngine, MetaTask, type MetadataEngine } from '../../lib/index.js';
import { Topic } from '../topics.js';

/** Pretends to import a table in chunks, publishing row counts and durations. */
@MetaTask({ every: 5_000 })
export class ImportTask {
  constructor(@InjectEngine(Topic.Imports) private readonly imports: MetadataEngine<number>) {}

  async run(table = 'customers', chunks = 5): Promise<number> {
    let total = 0;
    for (let chunk = 1; chunk <= chunks; chunk++) {
      const started = performance.now();
      const rows = 500 + ((chunk * 7919) % 500);
      await new Promise((resolve) => setTimeout(resolve, 5));
      total += rows;
      const context = `chunk ${chunk}/${chunks}`;
      await this.imports.publish({ data: rows, name: 'import_rows', location: table, context });
      const seconds = (performance.now() - started) / 1000;
      await this.imports.publish({
        data: seconds,
        name: 'import_duration_seconds',
        location: table,
        context,
      });
    }
    return total;
  }
}
