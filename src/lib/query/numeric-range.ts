/** The most digits PostgreSQL's numeric (and so jsonb) holds before and after the decimal point. */
export const numericLimits = { integerDigits: 131_072, decimalDigits: 16_383 } as const;

const jsonNumber = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/**
 * Whether PostgreSQL can hold a JSON number as written: `1e1000000` is valid
 * JSON (Infinity to JavaScript), yet jsonb refuses it with "value overflows
 * numeric format". `text` is one number token of valid JSON.
 */
export function fitsNumeric(text: string): boolean {
  const [, integer, fraction = '', exponentText = '0'] = jsonNumber.exec(text) ?? [];
  if (integer === undefined) return false;
  // Far past either limit, a float's rounding cannot change the answer.
  const exponent = Number(exponentText);
  if (fraction.length - exponent > numericLimits.decimalDigits) return false;
  const digits = (integer + fraction).replace(/^0+/, '');
  if (digits === '') return true;
  // Where the first significant digit sits, counted from the decimal point.
  const position = integer.length - (integer + fraction).length + digits.length + exponent;
  return position <= numericLimits.integerDigits;
}

/** The number tokens of valid JSON text, strings skipped. */
export function* jsonNumbers(json: string): Generator<string> {
  for (const [token] of json.matchAll(/"(?:[^"\\]|\\.)*"|-?\d[\d.eE+-]*/g)) {
    if (!token.startsWith('"')) yield token;
  }
}
