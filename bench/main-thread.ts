import { existsSync, readFileSync } from 'node:fs';
import { GCProfiler } from 'node:v8';

/**
 * CPU time of this process's main thread, in µs: `process.threadCpuUsage()`
 * where Node has it (22.? and later), else the thread's own line in
 * /proc (Linux), which counts nanoseconds on the CPU. Worker threads are not
 * in it: that is the point.
 */
export function mainThreadCpuMicros(): number {
  const own = (process as { threadCpuUsage?: () => { user: number; system: number } })
    .threadCpuUsage;
  if (own) {
    const { user, system } = own();
    return user + system;
  }
  return mainThreadSchedule()!.onCpuNs / 1_000;
}

/**
 * This process's main thread as the Linux scheduler counts it: nanoseconds on
 * a CPU, and nanoseconds runnable but waiting for one (its run-queue wait).
 * Undefined where there is no /proc.
 */
export function mainThreadSchedule(): { onCpuNs: number; waitingNs: number } | undefined {
  const path = `/proc/self/task/${process.pid}/schedstat`;
  if (!existsSync(path)) return undefined;
  const [onCpuNs, waitingNs] = readFileSync(path, 'utf8').split(' ').map(Number);
  return { onCpuNs, waitingNs };
}

/**
 * Runs `work` and returns the main thread's CPU µs and the bytes it allocated
 * on its heap meanwhile: each collection's heap before it, less the heap after
 * the one before (V8's GC profiler sees only this thread's heap).
 */
export async function mainThreadCost(
  work: () => Promise<void>,
): Promise<{ cpuMicros: number; allocatedBytes: number }> {
  global.gc?.();
  const profiler = new GCProfiler();
  const heapNow = () => process.memoryUsage().heapUsed;
  let heapAfterLast = heapNow();
  profiler.start();
  const cpuBefore = mainThreadCpuMicros();
  await work();
  const cpuMicros = mainThreadCpuMicros() - cpuBefore;
  const heapAtEnd = heapNow();
  const { statistics } = profiler.stop();
  let allocatedBytes = 0;
  for (const gc of statistics) {
    allocatedBytes += gc.beforeGC.heapStatistics.usedHeapSize - heapAfterLast;
    heapAfterLast = gc.afterGC.heapStatistics.usedHeapSize;
  }
  allocatedBytes += heapAtEnd - heapAfterLast;
  return { cpuMicros, allocatedBytes };
}
