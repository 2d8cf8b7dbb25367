import { InjectEngine, MetaTask, type MetadataEngine } from '../../lib/index.js';
import { Topic } from '../topics.js';

interface ReportSummary {
  report: string;
  pages: number;
  sections: string[];
  author: { name: string; team: string };
}

/** Builds a report and publishes its summary as JSON. */
@MetaTask({ every: 5_000 })
export class ReportTask {
  constructor(
    @InjectEngine(Topic.Reports) private readonly reports: MetadataEngine<ReportSummary>,
  ) {}

  async run(): Promise<ReportSummary> {
    const summary: ReportSummary = {
      report: 'Quarterly "revenue" report',
      pages: 12,
      sections: ['summary', 'by region', 'outlook'],
      author: { name: 'Zoë', team: 'finance' },
    };
    await this.reports.publish({
      data: summary,
      name: 'report_summary',
      location: 's3://reports/2026/q4.pdf',
      context: 'quarterly close',
    });
    return summary;
  }
}
