/**
 * A plain-text table whose columns line up, for failure messages and report attachments read in a fixed-width font.
 * A column is as wide as its widest cell, up to `maxWidth`; longer cells run past it rather than being cut.
 */
export function alignedTable(header: readonly string[], rows: readonly (readonly string[])[], maxWidth = Number.POSITIVE_INFINITY): string {
  const widths = header.map((h, i) => Math.min(maxWidth, Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length))));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join(' | ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
