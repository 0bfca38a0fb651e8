import { useMemo } from 'react';
import { useArtifactText } from '../../hooks/useArtifactText';
import { parseTable, TABLE_ROW_LIMIT } from '../../lib/csv';
import { ArtifactLoading } from './ArtifactLoading';

const count = (n: number) => n.toLocaleString('en-US');

/** A CSV or TSV artifact as a table of its first 1,000 rows (the first line as the header). */
export function ArtifactTable({ src, delimiter }: { src: string; delimiter: ',' | '\t' }) {
  const text = useArtifactText(src);
  const table = useMemo(
    () => (text.state === 'loaded' ? parseTable(text.text, delimiter, TABLE_ROW_LIMIT) : null),
    [text, delimiter],
  );
  if (!table) return <ArtifactLoading text={text} />;
  if (!table.header) return <p className="muted small">Empty file.</p>;
  const width = Math.max(table.header.length, ...table.rows.map((row) => row.length));
  const cells = (row: string[]) => Array.from({ length: width }, (_, i) => row[i] ?? '');
  return (
    <div className="artifact-table-wrap">
      {table.total > table.rows.length && (
        <p className="muted small" data-testid="artifact-table-cut">
          showing {count(table.rows.length)} of {count(table.total)} rows
        </p>
      )}
      <div className="artifact-table-scroll">
        <table className="artifact-table" data-testid="artifact-table">
          <thead>
            <tr>
              {cells(table.header).map((cell, i) => (
                <th key={i}>{cell}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {table.rows.map((row, r) => (
              <tr key={r}>
                {cells(row).map((cell, i) => (
                  <td key={i}>{cell}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
