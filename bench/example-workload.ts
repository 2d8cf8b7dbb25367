import { randomUUID } from 'node:crypto';
import type { MetadataRecord } from '../src/lib/index.js';

/**
 * The records the example app (src/example) publishes, tick after tick of
 * its 5-second schedules, `total` of them: per tick, ImportTask's 5 chunks
 * (rows and duration, numbers), StatusCheckTask's 3 statuses (strings),
 * ReportTask's summary (JSON) and the 3 task-run records (JSON). Times are
 * spread as the tasks spread them; nothing here reads a clock.
 */
export function exampleWorkload(total: number, start = Date.UTC(2026, 0, 1)): MetadataRecord[] {
  const out: MetadataRecord[] = [];
  const push = (
    topic: string,
    name: string,
    location: string,
    context: string,
    data: unknown,
    ms: number,
  ) => {
    if (out.length < total) {
      out.push({
        id: randomUUID(),
        topic,
        name,
        location,
        context,
        data,
        json: JSON.stringify(data),
        publishedAt: new Date(ms),
      });
    }
  };
  for (let tick = 0; out.length < total; tick++) {
    const at = start + tick * 5_000;
    for (let chunk = 1; chunk <= 5; chunk++) {
      const context = `chunk ${chunk}/5`;
      const ms = at + chunk * 6;
      push('imports', 'import_rows', 'customers', context, 500 + ((chunk * 7919) % 500), ms);
      push('imports', 'import_duration_seconds', 'customers', context, 0.005 + chunk / 1e4, ms);
    }
    ['api', 'billing', 'search'].forEach((service, i) =>
      push(
        'checks',
        'service_status',
        `https://${service}.internal/health`,
        'status check',
        i === 2 ? 'degraded' : 'ok',
        at + 3 * i,
      ),
    );
    push(
      'reports',
      'report_summary',
      's3://reports/2026/q4.pdf',
      'quarterly close',
      { report: 'Quarterly "revenue" report', pages: 12 },
      at + 1,
    );
    for (const task of ['ImportTask', 'status-check', 'ReportTask']) {
      push(
        'metaqueue_task_runs',
        'metaqueue_task_run',
        task,
        randomUUID(),
        { status: 'succeeded', durationSeconds: 0.04 },
        at + 40,
      );
    }
  }
  return out;
}
