/**
 * Rows of cells (the first the titles) in columns two spaces apart, each as
 * wide as its widest cell; a column of integers alone is aligned right.
 */
export function columns(rows: readonly string[][]): string {
  const [titles, ...body] = rows;
  const widths = titles.map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const numeric = titles.map(
    (_, i) => body.length > 0 && body.every((row) => /^\d+$/.test(row[i])),
  );
  return rows
    .map((row) =>
      row
        .map((cell, i) => (numeric[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
