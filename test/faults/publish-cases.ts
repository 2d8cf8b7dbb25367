import fc from 'fast-check';
import type { DataTypeName } from '../../src/lib/index.js';

/**
 * Publish cases that know their own fate, written from the README's rules
 * ("What a record may hold"), not from the library's code: each case is
 * valid, or breaks exactly one rule and says which error and field it must
 * get. The checks run in a fixed order (name, location, context, the dtype,
 * then JSON), and a case breaks one rule only, so its expected error is certain.
 */
export interface PublishCase {
  dtype: DataTypeName;
  metadata: { data: unknown; name: unknown; location: unknown; context: unknown };
  /** Undefined for a valid case; else the error class's name and, for an invalid field, its path. */
  expect?: { error: 'InvalidMetadataError'; field: string } | { error: 'DataTypeError' };
}

/** Text PostgreSQL holds exactly: well-formed Unicode without NUL, of every kind of character. */
const safeText = (minLength: number) =>
  fc
    .string({
      unit: fc.oneof(
        fc.constantFrom('\\', '"', '\n', '\r\n', '\u2028', '# EOF', '\t', '\u001b'),
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
      ),
      minLength,
      maxLength: 20,
    })
    .filter((s) => !s.includes('\u0000'));
/** Text that PostgreSQL cannot hold: a NUL, or a lone surrogate, somewhere in it. */
const unsafeText = fc
  .tuple(safeText(0), fc.constantFrom('\u0000', '\uD800', '\uDFFF'), safeText(0))
  .map(([a, bad, b]) => a + bad + b);

const validName = fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,20}$/);
const invalidName = fc.oneof(
  fc.constant(''),
  fc.stringMatching(/^[0-9][a-zA-Z0-9_:]{0,10}$/),
  fc
    .tuple(validName, fc.constantFrom('-', ' ', '.', '/', 'é', '{'), validName)
    .map((p) => p.join('')),
  fc.constantFrom(42, null, undefined, ['n']),
);
const invalidLabel = fc.oneof(fc.constant(''), unsafeText, fc.constantFrom(7, null, undefined));

const finite = fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0));
const jsonLeaf = fc.oneof(finite, fc.integer(), fc.boolean(), fc.constant(null), safeText(0));
const validJson = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, jsonLeaf, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(safeText(0), tie('value'), { maxKeys: 4 }),
})).value;

/** A value JSON would not read back as itself, and the path below `data` where it sits. */
const badLeaf = fc.constantFrom<unknown>(
  undefined,
  Number.NaN,
  Infinity,
  -0,
  10n,
  () => 1,
  Symbol('s'),
  new Map([[1, 2]]),
  new Date(0),
  '\u0000',
  'x\uD800',
);
const invalidJson = fc.oneof(
  badLeaf.map((value) => ({ value, path: '' })),
  fc
    .tuple(fc.stringMatching(/^[a-z]{1,8}$/), badLeaf)
    .map(([k, v]) => ({ value: { [k]: v }, path: `.${k}` })),
  fc.tuple(fc.array(jsonLeaf, { maxLength: 3 }), badLeaf).map(([before, v]) => ({
    value: [...before, v],
    path: `[${before.length}]`,
  })),
);

/** For each dtype: values of the right type that are valid, of the right type but not JSON, of the wrong type. */
const byDtype: Record<
  DataTypeName,
  {
    valid: fc.Arbitrary<unknown>;
    wrongType?: fc.Arbitrary<unknown>;
    notJson?: fc.Arbitrary<unknown>;
  }
> = {
  json: { valid: validJson },
  number: {
    valid: finite,
    wrongType: fc.oneof(safeText(0), fc.boolean(), fc.constant(null)),
    notJson: fc.constantFrom(Number.NaN, Infinity, -Infinity, -0),
  },
  integer: {
    valid: fc.maxSafeInteger().filter((n) => !Object.is(n, -0)),
    wrongType: fc.oneof(fc.constantFrom(1.5, 2 ** 53, Number.NaN), safeText(0)),
  },
  string: {
    valid: safeText(0),
    wrongType: fc.oneof(finite, fc.boolean()),
    notJson: unsafeText,
  },
  boolean: { valid: fc.boolean(), wrongType: fc.oneof(fc.constantFrom('true', 0, 1, null)) },
};

const dtypes = Object.keys(byDtype) as DataTypeName[];

export const publishCase: fc.Arbitrary<PublishCase> = fc.constantFrom(...dtypes).chain((dtype) => {
  const { valid, wrongType, notJson } = byDtype[dtype];
  const base = {
    dtype: fc.constant(dtype),
    name: validName,
    location: safeText(1),
    context: safeText(1),
    data: valid,
  };
  const broken: fc.Arbitrary<PublishCase>[] = [
    fc
      .record({ ...base, name: invalidName })
      .map((m) => named(m, { error: 'InvalidMetadataError', field: 'name' })),
    fc
      .record({ ...base, location: invalidLabel })
      .map((m) => named(m, { error: 'InvalidMetadataError', field: 'location' })),
    fc
      .record({ ...base, context: invalidLabel })
      .map((m) => named(m, { error: 'InvalidMetadataError', field: 'context' })),
  ];
  if (!wrongType) {
    // dtype 'json' takes any type: what it refuses is what JSON cannot hold.
    broken.push(
      fc
        .record({ ...base, data: invalidJson })
        .map((m) =>
          named(
            { ...m, data: m.data.value },
            { error: 'InvalidMetadataError', field: `data${m.data.path}` },
          ),
        ),
    );
  } else {
    broken.push(
      fc.record({ ...base, data: wrongType }).map((m) => named(m, { error: 'DataTypeError' })),
    );
  }
  if (notJson) {
    broken.push(
      fc
        .record({ ...base, data: notJson })
        .map((m) => named(m, { error: 'InvalidMetadataError', field: 'data' })),
    );
  }
  // Mostly valid cases, so thousands of records make the round trip.
  return fc.oneof(
    { arbitrary: fc.record(base).map((m) => named(m, undefined)), weight: 3 * broken.length },
    ...broken.map((arbitrary) => ({ arbitrary, weight: 1 })),
  );
});

function named(
  {
    dtype,
    ...metadata
  }: { dtype: DataTypeName; data: unknown; name: unknown; location: unknown; context: unknown },
  expect: PublishCase['expect'],
): PublishCase {
  return { dtype, metadata, expect };
}
