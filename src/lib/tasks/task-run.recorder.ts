import { Inject, Injectable, Logger } from '@nestjs/common';
import { EngineRegistry } from '../engine/engine.registry.js';
import type { MetadataEngine } from '../engine/metadata-engine.js';
import { logMessages } from '../metaqueue.messages.js';
import type { EngineModuleOptions } from '../engine/topic-definition.interface.js';
import { METAQUEUE_MODULE_OPTIONS } from '../metaqueue.tokens.js';
import { describeError } from '../errors/describe-error.util.js';
import { TASK_RUNS_TOPIC } from '../engine/task-runs-topic.js';
import { TASK_RUN_RECORD_NAME, type TaskRunData } from './task-run.interface.js';

/**
 * Publishes one record per task run to the built-in topic, the run history
 * that OpenLineage and Dagster keep. A record that cannot be published (the
 * engines closed under a run that outlived shutdown) is logged, never thrown
 * into the task's result.
 */
@Injectable()
export class TaskRunRecorder {
  private readonly logger = new Logger(TaskRunRecorder.name);
  private readonly engine?: MetadataEngine<TaskRunData>;

  constructor(
    registry: EngineRegistry,
    @Inject(METAQUEUE_MODULE_OPTIONS) options: EngineModuleOptions,
  ) {
    if (options.recordRuns !== false) this.engine = registry.get<TaskRunData>(TASK_RUNS_TOPIC);
  }

  async record(task: string, runId: string, data: TaskRunData): Promise<void> {
    if (!this.engine) return;
    try {
      await this.engine.publish({
        data,
        name: TASK_RUN_RECORD_NAME,
        location: task,
        context: runId,
      });
    } catch (error) {
      this.logger.warn(logMessages.runRecordLost(task, runId, describeError(error)));
    }
  }
}
