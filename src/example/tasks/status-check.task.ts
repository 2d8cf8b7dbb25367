import { InjectEngine, MetaTask, type MetadataEngine } from '../../lib/index.js';
import { Topic } from '../topics.js';

const services = ['api', 'billing', 'search'];

/** Checks a few services and publishes each one's status as a string. */
@MetaTask({ name: 'status-check', cron: '*/5 * * * * *' })
export class StatusCheckTask {
  constructor(@InjectEngine(Topic.Checks) private readonly checks: MetadataEngine<string>) {}

  async run(): Promise<string[]> {
    return Promise.all(
      services.map(async (service, i) => {
        await new Promise((resolve) => setTimeout(resolve, 3 * i));
        const status = i === 2 ? 'degraded' : 'ok';
        await this.checks.publish({
          data: status,
          name: 'service_status',
          location: `https://${service}.internal/health`,
          context: 'status check',
        });
        return status;
      }),
    );
  }
}
