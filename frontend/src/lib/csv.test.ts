import { describe, expect, it } from 'vitest';
import { parseTable } from './csv';

describe('parseTable', () => {
  it('reads a header and rows', () => {
    expect(parseTable('a,b\n1,2\n3,4\n')).toEqual({
      header: ['a', 'b'],
      rows: [
        ['1', '2'],
        ['3', '4'],
      ],
      total: 2,
    });
  });

  it('keeps commas, line breaks and doubled quotes inside quoted fields', () => {
    const { rows } = parseTable('name,note\n"Smith, Jane","line one\nline two"\n"say ""hi""",x\n');
    expect(rows).toEqual([
      ['Smith, Jane', 'line one\nline two'],
      ['say "hi"', 'x'],
    ]);
  });

  it('ends rows at CRLF, LF or a lone CR, and keeps a CRLF inside quotes', () => {
    const { header, rows } = parseTable('a,b\r\n1,"x\r\ny"\r\n2,3\r4,5');
    expect(header).toEqual(['a', 'b']);
    expect(rows).toEqual([
      ['1', 'x\r\ny'],
      ['2', '3'],
      ['4', '5'],
    ]);
  });

  it('keeps empty fields and a quoted empty field; skips blank lines', () => {
    expect(parseTable('a,b,c\n,,\n\n""\n1,,3').rows).toEqual([['', '', ''], [''], ['1', '', '3']]);
  });

  it('reads a last row without a line break, and a byte-order mark', () => {
    expect(parseTable('\ufeffa\n1')).toEqual({ header: ['a'], rows: [['1']], total: 1 });
  });

  it('reads TSV with a tab delimiter (commas are then plain text)', () => {
    expect(parseTable('a\tb\n1,5\t"x\ty"\n', '\t').rows).toEqual([['1,5', 'x\ty']]);
  });

  it('keeps the first 1,000 rows and counts them all', () => {
    const text = ['n', ...Array.from({ length: 2500 }, (_, i) => `"${i}"`)].join('\n');
    const { rows, total } = parseTable(text);
    expect(rows).toHaveLength(1000);
    expect(rows[999]).toEqual(['999']);
    expect(total).toBe(2500);
  });

  it('keeps every row when there are exactly 1,000', () => {
    const text = ['n', ...Array.from({ length: 1000 }, (_, i) => String(i))].join('\n');
    expect(parseTable(text)).toMatchObject({ total: 1000 });
    expect(parseTable(text).rows).toHaveLength(1000);
  });

  it('an empty file has no header and no rows; an unterminated quote runs to the end', () => {
    expect(parseTable('')).toEqual({ header: null, rows: [], total: 0 });
    expect(parseTable('a\n"open, still').rows).toEqual([['open, still']]);
  });
});
