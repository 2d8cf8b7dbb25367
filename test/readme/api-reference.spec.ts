import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import ts from 'typescript';
import { anchors, codeSpans, linkTargets, pages, prose, readPage, root } from './pages.js';

/**
 * docs/api.md against src/lib/index.ts: every name the entry exports has a
 * row of its own in a reference table (a table whose first header cell is
 * `export`, each row starting with the name in backticks, as imported), and
 * no row names what is no longer exported. Then the pages together: README.md
 * is a door (short, and every docs page is found from it), their links lead
 * somewhere, and the messages they quote are those the messages files write.
 */
const entry = 'src/lib/index.ts';
const reference = 'docs/api.md';
/** Where every text a user sees is worded: the library's, and the CLI's. */
const messages = ['src/lib/metaqueue.messages.ts', 'src/cli/cli.messages.ts'];
/** The README stays a door: past this many lines, move a part to a page of docs/. */
const readmeMaxLines = 450;
/**
 * Pages of issue 29 written on another branch: a link to one is allowed before
 * the page exists, and checked like any other once it does. Empty this once merged.
 */
const writtenElsewhere = new Set<string>([]);

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
  const cells = firstCells(readPage(reference), 'export');
  const names = cells.flatMap((cell) => identifier.exec(cell)?.[1] ?? []);
  return { names, malformed: cells.filter((cell) => !identifier.test(cell)) };
}

function difference(a: string[], b: string[]): string[] {
  const other = new Set(b);
  return [...new Set(a)].filter((name) => !other.has(name)).sort();
}

/**
 * Each message of the messages files as a pattern, read from its source:
 * its words exactly, anything in place of what it interpolates (a conditional
 * gives its branches), so a page may quote it with values or with `<name>`.
 * A message with fewer than 10 characters of its own words is left out: it
 * would match any sentence (`unhealthy` joins a list of parts, for one).
 */
function messagePatterns(file: string): RegExp[] {
  const path = join(root, file);
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest);
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  /** A pattern's source, and how many characters of its own words any match has. */
  type Words = { source: string; fixed: number };
  const literal = (text: string): Words => ({ source: escape(text), fixed: text.length });
  const joined = (parts: Words[]): Words => ({
    source: parts.map((p) => p.source).join(''),
    fixed: parts.reduce((n, p) => n + p.fixed, 0),
  });
  const either = (parts: Words[]): Words => ({
    source: `(?:${parts.map((p) => p.source).join('|')})`,
    fixed: Math.min(...parts.map((p) => p.fixed)),
  });
  const returned = (body: ts.Node): ts.Expression[] => {
    const found: ts.Expression[] = [];
    const visit = (node: ts.Node): void => {
      if (ts.isReturnStatement(node) && node.expression) found.push(node.expression);
      else if (!ts.isFunctionLike(node)) ts.forEachChild(node, visit);
    };
    visit(body);
    return found;
  };
  const words = (node: ts.Node): Words => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      return literal(node.text);
    }
    if (ts.isTemplateExpression(node)) {
      const spans = node.templateSpans.flatMap((s) => [
        words(s.expression),
        literal(s.literal.text),
      ]);
      return joined([literal(node.head.text), ...spans]);
    }
    if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node)) {
      return words(node.expression);
    }
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) {
      return joined([words(node.left), words(node.right)]);
    }
    if (ts.isConditionalExpression(node))
      return either([words(node.whenTrue), words(node.whenFalse)]);
    if (ts.isArrowFunction(node)) {
      return ts.isBlock(node.body) ? either(returned(node.body).map(words)) : words(node.body);
    }
    return { source: '[\\s\\S]*?', fixed: 0 }; // A value: an argument, a count, a list joined.
  };
  const patterns: RegExp[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAssignment(node) && ts.isArrowFunction(node.initializer)) {
      const message = words(node.initializer);
      if (message.fixed >= 10) patterns.push(new RegExp(`^${message.source}$`));
    } else ts.forEachChild(node, visit);
  };
  visit(source);
  return patterns;
}

/** A page's relative link, resolved: the file from the root, and the heading it points to. */
function resolveLink(page: string, target: string): { file: string; anchor?: string } {
  const [path, anchor] = target.split('#') as [string, string | undefined];
  return { file: path === '' ? page : normalize(join(dirname(page), path)), anchor };
}

const external = /^[a-z][a-z+.-]*:/i;

/** Each table of a page's prose (lines starting with `|`, in a list too), with the line it starts on. */
function tables(markdown: string): { line: number; rows: string[] }[] {
  const found: { line: number; rows: string[] }[] = [];
  const lines = prose(markdown)
    .split('\n')
    .map((line) => line.trim());
  lines.forEach((text, i) => {
    if (!text.startsWith('|')) return;
    if (lines[i - 1]?.startsWith('|')) found[found.length - 1].rows.push(text);
    else found.push({ line: i + 1, rows: [text] });
  });
  return found;
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

  it("names only exported names in the README's API table, and points to the reference", () => {
    const readme = readPage('README.md');
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

describe('README.md and docs/*.md, together', () => {
  const all = pages();

  it(`keeps README.md under ${readmeMaxLines} lines`, () => {
    const lines = readPage('README.md').split('\n').length;
    expect({ lines, under: lines < readmeMaxLines }).toEqual({ lines, under: true });
  });

  it('keeps each table whole: a header, then its separator, then rows, with no blank line inside', () => {
    // A blank line inside a table ends it: the rows after it render as a table of their own, headerless.
    const broken = all.flatMap((page) =>
      tables(readPage(page))
        .filter(({ rows }) => !/^\|(?:\s*:?-+:?\s*\|)+$/.test(rows[1] ?? ''))
        .map(({ line, rows }) => `${page}:${line}: ${rows[0].slice(0, 60)}`),
    );
    expect({ broken }).toEqual({ broken: [] });
  });

  it('links only to files, pages and sections that exist', () => {
    const broken: string[] = [];
    let sections = 0;
    for (const page of all) {
      for (const target of linkTargets(readPage(page))) {
        if (external.test(target)) continue;
        const { file, anchor } = resolveLink(page, target);
        if (!existsSync(join(root, file))) {
          if (!writtenElsewhere.has(file)) broken.push(`${page}: ${target} (no file ${file})`);
          continue;
        }
        if (anchor === undefined) continue;
        sections++;
        if (!file.endsWith('.md') || !anchors(readPage(file)).has(anchor)) {
          broken.push(`${page}: ${target} (no heading #${anchor} in ${file})`);
        }
      }
    }
    expect(sections).toBeGreaterThan(0);
    expect({ broken }).toEqual({ broken: [] });
  });

  it('reaches every page of docs/ from the README, directly or through the index', () => {
    const reached = new Set(['README.md']);
    const next = ['README.md'];
    for (let page = next.pop(); page !== undefined; page = next.pop()) {
      for (const target of linkTargets(readPage(page))) {
        if (external.test(target)) continue;
        const { file } = resolveLink(page, target);
        if (!file.endsWith('.md') || reached.has(file) || !existsSync(join(root, file))) continue;
        reached.add(file);
        next.push(file);
      }
    }
    expect({ unreachable: all.filter((page) => !reached.has(page)) }).toEqual({ unreachable: [] });
  });

  it('quotes messages as the messages files word them', () => {
    const patterns = messages.flatMap(messagePatterns);
    // A quoted message: a code span holding a sentence (a space, then a full stop, no ellipsis).
    const quoted = all.flatMap((page) =>
      codeSpans(readPage(page))
        .filter((span) => / .*[^.]\.$/.test(span))
        .map((span) => ({ page, span })),
    );
    expect(quoted.length).toBeGreaterThan(0);
    const notAMessage = quoted
      .filter(({ span }) => !patterns.some((message) => message.test(span)))
      .map(({ page, span }) => `${page}: ${span}`);
    expect({ notAMessage }).toEqual({ notAMessage: [] });
  });
});
