import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { errorMessages } from '../../src/lib/metaqueue.messages.js';

/**
 * docs/api.md against src/lib/index.ts: every name the entry exports has a
 * row of its own in a reference table (a table whose first header cell is
 * `export`, each row starting with the name in backticks, as imported), and
 * no row names what is no longer exported.
 */
const root = join(new URL('.', import.meta.url).pathname, '../..');
const entry = 'src/lib/index.ts';
const reference = 'docs/api.md';

/** Every name the entry exports, values and types alike, under the name users import. */
function exportedNames(): string[] {
  const path = join(root, entry);
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest);
  const names: string[] = [];
  for (const statement of source.statements) {
    if (ts.isExportDeclaration(statement)) {
      const clause = statement.exportClause;
      // `export * from` names nothing here: its names would go undocumented unseen.
      if (!clause)
        throw new Error(`${entry}: list the names of \`export *\` so each is documented`);
      if (ts.isNamespaceExport(clause)) names.push(clause.name.text);
      // `export { a as b }`: `name` is `b`, what users import.
      else names.push(...clause.elements.map((element) => element.name.text));
    } else if (ts.isExportAssignment(statement)) {
      names.push('default');
    } else if (
      ts.canHaveModifiers(statement) &&
      ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
    ) {
      // A declaration in the entry itself.
      if (ts.isVariableStatement(statement)) {
        for (const { name } of statement.declarationList.declarations) {
          if (!ts.isIdentifier(name)) throw new Error(`${entry}: name each export of a pattern`);
          names.push(name.text);
        }
      } else {
        const { name } = statement as ts.DeclarationStatement;
        if (!name) throw new Error(`${entry}: an exported declaration without a name`);
        names.push(name.text);
      }
    }
  }
  return names;
}

/** The first cell of each row of each table whose first header cell is `header`. */
function firstCells(markdown: string, header: string): string[] {
  const cells: string[] = [];
  let rows: string[] = [];
  for (const line of [...markdown.split('\n'), '']) {
    if (line.startsWith('|')) {
      rows.push(line);
      continue;
    }
    // Header, separator, then the body rows; `\|` inside a cell is not a border.
    const first = rows.map((row) => /^\|((?:[^|\\]|\\.)*)\|/.exec(row)?.[1].trim() ?? '');
    if (first[0] === header) cells.push(...first.slice(2));
    rows = [];
  }
  return cells;
}

const identifier = /^`([A-Za-z_$][\w$]*)`$/;

/** What docs/api.md documents: each row's name, and the rows whose first cell is not one name. */
function documentedNames(): { names: string[]; malformed: string[] } {
  const cells = firstCells(readFileSync(join(root, reference), 'utf8'), 'export');
  const names = cells.flatMap((cell) => identifier.exec(cell)?.[1] ?? []);
  return { names, malformed: cells.filter((cell) => !identifier.test(cell)) };
}

/** GitHub's anchors for a page's headings (code blocks left out). */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6} (.*)$/.exec(line);
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

function difference(a: string[], b: string[]): string[] {
  const other = new Set(b);
  return [...new Set(a)].filter((name) => !other.has(name)).sort();
}

describe(`${reference}, the API reference`, () => {
  const exported = exportedNames();
  const documented = documentedNames();

  it(`reads the names ${entry} exports`, () => {
    expect(exported).toEqual(expect.arrayContaining(['MetaqueueModule', 'MetaqueueModuleOptions']));
  });

  it(`documents every name ${entry} exports`, () => {
    // Each name listed here needs a row in a table of docs/api.md.
    expect({ undocumented: difference(exported, documented.names) }).toEqual({ undocumented: [] });
  });

  it(`documents no name ${entry} does not export`, () => {
    // Each name listed here has a row, but is not exported (renamed, or removed): fix the row.
    expect({ notExported: difference(documented.names, exported) }).toEqual({ notExported: [] });
  });

  it('gives each name one row, starting with the name alone in backticks', () => {
    const twice = documented.names.filter((name, i) => documented.names.indexOf(name) !== i);
    expect({ malformed: documented.malformed, twice }).toEqual({ malformed: [], twice: [] });
  });

  it('links only to README sections that exist', () => {
    const markdown = readFileSync(join(root, reference), 'utf8');
    const readme = anchors(readFileSync(join(root, 'README.md'), 'utf8'));
    const links = [...markdown.matchAll(/\]\(\.\.\/README\.md#([^)]+)\)/g)].map(([, a]) => a);
    expect(links.length).toBeGreaterThan(0);
    expect({ brokenLinks: links.filter((anchor) => !readme.has(anchor)) }).toEqual({
      brokenLinks: [],
    });
  });

  it('quotes error messages as metaqueue.messages.ts words them', () => {
    // Each message with its parameters as `<name>`: `Queue of topic '<topic>' is full (capacity <capacity>): ...`.
    const templates = Object.values(errorMessages).flatMap(
      (message: (...args: never[]) => string) => {
        const params = /^\(([^)]*)\)/.exec(message.toString())?.[1].split(',') ?? [];
        const names = params.map((p) => `<${p.split(':')[0].trim()}>`).filter((p) => p !== '<>');
        try {
          return [(message as (...args: string[]) => string)(...names)];
        } catch {
          return []; // A message that needs a list (a dtype's names) is not quoted.
        }
      },
    );
    const markdown = readFileSync(join(root, reference), 'utf8');
    const errors = /^## Errors\n([\s\S]*?)(?=^## )/m.exec(markdown)?.[1] ?? '';
    // A quoted message: a code span (between a line's odd and even backticks) holding a sentence.
    const spans = errors.split('\n').flatMap((line) => line.split('`').filter((_, i) => i % 2));
    const quoted = spans.filter((span) => / .*\.$/.test(span));
    expect(quoted.length).toBeGreaterThan(0);
    expect({ notAMessage: quoted.filter((text) => !templates.includes(text)) }).toEqual({
      notAMessage: [],
    });
  });

  it("names only exported names in the README's API table, and points to the reference", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = /^## API\n([\s\S]*?)(?=^#{1,6} )/m.exec(readme)?.[1] ?? '';
    expect(section).toContain('](docs/api.md)');
    // `MetaqueueModule.forRoot(options)`, `@MetaTask(options?)`, `MetadataEngine<T>`: the name first.
    const named = firstCells(section, 'export').flatMap((cell) =>
      [...cell.matchAll(/`@?([A-Za-z_$][\w$]*)/g)].map(([, name]) => name),
    );
    expect(named.length).toBeGreaterThan(0);
    expect({ notExported: difference(named, exported) }).toEqual({ notExported: [] });
  });
});
