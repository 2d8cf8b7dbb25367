import { Command, Option } from 'commander';
import type { MetadataQuery } from '../../lib/index.js';
import { defaults } from '../../lib/metaqueue.defaults.js';
import { definedOnly } from '../../lib/utils/defined-only.util.js';
import { cliMessages } from '../cli.messages.js';
import { recordsTable } from '../output/records-table.js';
import type { SourceOptions } from '../reading/open-record-pages.js';
import { openQueryPages } from '../reading/query-pages.js';
import { addFilterOptions, addRangeOptions, addSourceOptions } from '../reading/source-options.js';

interface RecordsOptions extends SourceOptions {
  topic?: string;
  name?: string;
  location?: string;
  context?: string;
  data?: string;
  from?: string;
  to?: string;
  limit?: string;
  cursor?: string;
  order: 'newest' | 'oldest';
  json?: boolean;
}

/** `metaqueue records`: one page of stored records, newest first, as a table or JSON. */
export function recordsCommand(): Command {
  const command = new Command('records').description(
    'List stored records, newest first, with the filters of GET /metadata: through a running app, or from the store itself.',
  );
  addRangeOptions(addFilterOptions(command), false)
    .option(
      '--limit <n>',
      `records in the page, 1 to ${defaults.query.maxLimit} (default ${defaults.query.limit})`,
    )
    .option('--cursor <cursor>', 'the next page: the cursor the last page ended with')
    .addOption(
      new Option('--order <order>', 'newest or oldest first')
        .choices(['newest', 'oldest'])
        .default('newest'),
    )
    .option('--json', 'print the page as JSON, { items, nextCursor }, as GET /metadata gives it');
  return addSourceOptions(command).action(records);
}

async function records(options: RecordsOptions): Promise<void> {
  const { topic, name, location, context, data, from, to, limit, cursor, order } = options;
  const query: MetadataQuery = definedOnly({
    topic,
    name,
    location,
    context,
    data,
    from,
    to,
    limit,
    cursor,
    order,
  });
  const pages = await openQueryPages(query, options);
  try {
    const page = await pages.page(query);
    if (options.json) {
      process.stdout.write(`${JSON.stringify(page)}\n`);
      return;
    }
    process.stdout.write(
      [
        cliMessages.recordsFrom(pages.source, order),
        recordsTable(page.items),
        cliMessages.recordsCount(page.items.length, page.nextCursor),
      ].join('\n') + '\n',
    );
  } finally {
    await pages.close();
  }
}
