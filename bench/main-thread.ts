import { readFileSync } from 'node:fs';
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
  const [onCpuNs] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ');
  return Number(onCpuNs) / 1_000;
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
