/**
 * A small CSV/TSV reader (RFC 4180): fields in double quotes may hold the delimiter, line
 * breaks and doubled quotes (`""` is one `"`); rows end at LF, CRLF or a lone CR. Blank lines
 * are skipped. Pure, no React.
 */

/** Rows shown of a table artifact (SPEC §12). */
export const TABLE_ROW_LIMIT = 1000;

export interface ParsedTable {
  /** The first row, or null when there is none. */
  header: string[] | null;
  /** The rows after the header, at most `limit` of them. */
  rows: string[][];
  /** How many rows follow the header in the whole file. */
  total: number;
}

/**
 * Reads `text` into a header and at most `limit` rows, counting the rest without keeping them.
 * @param delimiter `,` for CSV, a tab for TSV.
 */
export function parseTable(text: string, delimiter = ',', limit: number = TABLE_ROW_LIMIT): ParsedTable {
  let header: string[] | null = null;
  const rows: string[][] = [];
  let total = 0;

  let row: string[] = [];
  let field = '';
  let quotedRow = false;
  const endRow = () => {
    row.push(field);
    field = '';
    const blank = row.length === 1 && row[0] === '' && !quotedRow;
    if (!blank) {
      if (header === null) header = row;
      else {
        if (rows.length < limit) rows.push(row);
        total += 1;
      }
    }
    row = [];
    quotedRow = false;
  };

  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '"' && field === '') {
      // A quoted field: up to the closing quote, `""` standing for one quote.
      quotedRow = true;
      i += 1;
      for (;;) {
        const close = text.indexOf('"', i);
        if (close < 0) {
          // Unterminated: the rest is the field.
          field += text.slice(i);
          i = n;
          break;
        }
        field += text.slice(i, close);
        if (text[close + 1] === '"') {
          field += '"';
          i = close + 2;
        } else {
          i = close + 1;
          break;
        }
      }
    } else if (c === delimiter) {
      row.push(field);
      field = '';
      i += 1;
    } else if (c === '\n' || c === '\r') {
      endRow();
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
    } else {
      field += c;
      i += 1;
    }
  }
  if (field !== '' || row.length > 0 || quotedRow) endRow();
  return { header, rows, total };
}
