/** A task's schedule as a person says it: `every 5 seconds`, `every day at 03:00 (Europe/Paris)`. */
export function scheduleInWords(options: {
  cron?: string;
  every?: number;
  timeZone?: string;
}): string {
  if (options.every !== undefined) return `every ${duration(options.every)}`;
  if (options.cron === undefined) return 'on demand';
  const zone = options.timeZone ? ` (${options.timeZone})` : '';
  return `${cronInWords(options.cron.trim())}${zone}`;
}

function duration(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1_000, 'second'],
  ];
  for (const [size, unit] of units) {
    if (ms >= size && ms % size === 0) return plural(ms / size, unit);
  }
  return ms >= 1_000 ? `${ms / 1_000} seconds` : plural(ms, 'millisecond');
}

const plural = (n: number, unit: string) => (n === 1 ? unit : `${n} ${unit}s`);
const step = (field: string) => /^\*\/(\d+)$/.exec(field)?.[1];
const wholeNumber = (field: string) => /^\d+$/.test(field);
const clock = (hour: string, minute: string) =>
  `${hour.padStart(2, '0')}:${minute.padStart(2, '0')}`;

/** The common shapes in words; any other expression as it is written. */
function cronInWords(cron: string): string {
  const fields = cron.split(/\s+/);
  const [second, minute, hour, day, month, weekday] =
    fields.length === 5 ? ['0', ...fields] : fields;
  const daily = day === '*' && month === '*' && weekday === '*';
  if (fields.length === 5 || fields.length === 6) {
    if (daily && minute === '*' && hour === '*') {
      if (second === '*') return 'every second';
      const n = step(second);
      if (n) return `every ${plural(Number(n), 'second')}`;
    }
    if (daily && wholeNumber(second) && hour === '*') {
      if (minute === '*' && second === '0') return 'every minute';
      const n = step(minute);
      if (n && second === '0') return `every ${plural(Number(n), 'minute')}`;
      if (wholeNumber(minute) && second === '0') return `every hour at minute ${minute}`;
    }
    if (daily && second === '0' && wholeNumber(minute) && wholeNumber(hour)) {
      return `every day at ${clock(hour, minute)}`;
    }
  }
  return `cron ${cron}`;
}
