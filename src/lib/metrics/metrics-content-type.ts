/**
 * Whether an Accept header asks for OpenMetrics rather than Prometheus text:
 * `application/openmetrics-text` accepted (q > 0) at least as much as any
 * media range that covers `text/plain`. Prometheus itself sends both, with
 * OpenMetrics first; a missing header means Prometheus text.
 */
export function prefersOpenMetrics(accept: string | undefined): boolean {
  if (!accept) return false;
  let openMetrics = 0;
  let text = 0;
  for (const range of accept.split(',')) {
    const [type, ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    const q = quality(params);
    if (type === 'application/openmetrics-text') openMetrics = Math.max(openMetrics, q);
    else if (type === 'text/plain' || type === 'text/*' || type === '*/*') text = Math.max(text, q);
  }
  return openMetrics > 0 && openMetrics >= text;
}

function quality(params: string[]): number {
  for (const param of params) {
    const [key, value] = param.split('=').map((part) => part.trim());
    if (key !== 'q') continue;
    const q = Number(value);
    return Number.isFinite(q) ? Math.min(Math.max(q, 0), 1) : 0;
  }
  return 1;
}
