import 'reflect-metadata';
import { HttpException, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { parseArgs } from 'node:util';
import { MetadataQueryService, MetadataStore, MetaqueueModule } from '../lib/index.js';
import { exampleStore } from './example-store.js';
import { Topic } from './topics.js';

/**
 * `npm run records -- --topic imports --limit 20`: the stored records, oldest
 * first, with the filters of GET /metadata. Run it while no other process has
 * the embedded store open: PGlite gives a directory to one process at a time.
 */
@Module({
  imports: [
    MetaqueueModule.forRoot({ topics: Object.values(Topic), store: exampleStore, connectors: [] }),
  ],
})
class RecordsModule {}

const text = { type: 'string' } as const;

async function records(): Promise<void> {
  const { values } = parseArgs({
    options: {
      topic: text,
      name: text,
      location: text,
      context: text,
      from: text,
      to: text,
      limit: text,
      cursor: text,
    },
  });
  const app = await NestFactory.createApplicationContext(RecordsModule, { logger: ['error'] });
  try {
    const page = await app.get(MetadataQueryService).find(values);
    console.log(`${app.get(MetadataStore).target}, table "metadata":`);
    for (const r of page.items) {
      console.log(
        `${r.publishedAt.toISOString()}  ${r.topic}  ${r.name}  ${r.location}  ${r.context}  ${JSON.stringify(r.data)}`,
      );
    }
    console.log(
      page.nextCursor
        ? `${page.items.length} records; the next page: add --cursor ${page.nextCursor}`
        : `${page.items.length} records`,
    );
  } catch (error) {
    if (!(error instanceof HttpException)) throw error;
    console.error(error.message);
    process.exitCode = 2;
  } finally {
    await app.close();
  }
}

await records();
