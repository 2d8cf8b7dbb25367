import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The README's TypeScript examples are real: each one stands, verbatim but for
 * white space, in a source or test file that is compiled and run.
 */
const root = new URL('../..', import.meta.url).pathname;
// Prettier wraps code differently at different indents: compare without white space,
// trailing commas, or a closing semicolon.
const squash = (code: string) =>
  code
    .replace(/\s+/g, '')
    .replace(/,([)\]}])/g, '$1')
    .replace(/;$/, '');

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => readFileSync(join(entry.parentPath, entry.name), 'utf8'));
}

describe('README examples', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const examples = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  const corpus = [...sources('src'), ...sources('test')]
    .filter((text) => !text.includes('README examples are real'))
    .map(squash);

  it('has examples', () => expect(examples.length).toBeGreaterThan(3));

  it.each(examples.map((code) => [code.split('\n')[0], code]))('%s', (_first, code) => {
    expect(corpus.some((text) => text.includes(squash(code)))).toBe(true);
  });
});
