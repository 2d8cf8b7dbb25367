/** Characters JSON.stringify leaves as they are that still break or disguise a log line. */
const unsafe = /[\u007f-\u009f\u2028\u2029]/g;

/**
 * `value` as a JSON string of at most about `max` characters, for a log
 * line: what another program wrote (a newline, an escape sequence) never
 * reaches the log raw, so it cannot forge or hide a line.
 */
export function quoteForLog(value: string, max = 200): string {
  const cut = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(cut).replace(
    unsafe,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
