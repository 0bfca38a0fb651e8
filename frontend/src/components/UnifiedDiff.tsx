import { useMemo } from 'react';
import { diffLines, diffStat } from '../lib/unifiedDiff';

/** A unified diff, coloured line by line, with its count of added and removed lines. */
export function UnifiedDiff({ diff, testId }: { diff: string; testId?: string }) {
  const lines = useMemo(() => diffLines(diff), [diff]);
  const { added, removed } = diffStat(lines);
  if (lines.length === 0) return <p className="muted">No difference.</p>;
  return (
    <figure className="unified-diff">
      <figcaption className="small">
        <span className="ok-text">+{added}</span> <span className="fail-text">−{removed}</span>
      </figcaption>
      <pre data-testid={testId}>
        {lines.map((line, i) => (
          <span key={i} className={`diff-line diff-${line.kind}`}>
            {line.text}
            {'\n'}
          </span>
        ))}
      </pre>
    </figure>
  );
}
