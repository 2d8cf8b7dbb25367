import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The documentation as the README tests read it: README.md, the door, and
 * every page of docs/, each by its path from the repository's root.
 */
export const root = join(new URL('.', import.meta.url).pathname, '../..');

/** README.md first, then docs/*.md in name order. */
export function pages(): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs];
}

export function readPage(page: string): string {
  return readFileSync(join(root, page), 'utf8');
}

/** The page with each fenced block's lines emptied: what is left is prose, tables and headings. */
export function prose(markdown: string): string {
  let fenced = false;
  return markdown
    .split('\n')
    .map((line) => {
      const fence = line.startsWith('```');
      if (fence) fenced = !fenced;
      return fence || fenced ? '' : line;
    })
    .join('\n');
}

/** GitHub's anchors for a page's headings (code blocks left out). */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const line of prose(markdown).split('\n')) {
    const heading = /^#{1,6} (.*)$/.exec(line);
    if (!heading) continue;
    const slug = heading[1]
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return result;
}

/** The code spans of a page's prose, a span broken over lines joined again, `\|` as `|`. */
export function codeSpans(markdown: string): string[] {
  return [...prose(markdown).matchAll(/(`+)([^`][\s\S]*?)\1/g)].map(([, , span]) =>
    span
      .replace(/\s*\n\s*/g, ' ')
      .replace(/\\\|/g, '|')
      .trim(),
  );
}

/** The targets of a page's links and images, outside code: `docs/api.md#errors`, `#quickstart`, `https://…`. */
export function linkTargets(markdown: string): string[] {
  const text = prose(markdown).replace(/(`+)[^`][\s\S]*?\1/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)(?: "[^"]*")?\)/g)].map(([, target]) => target);
}
