/** A unified diff (`git diff` style) as lines to colour. Pure. */

export type DiffLineKind = 'file' | 'hunk' | 'add' | 'del' | 'context' | 'meta';

export interface DiffLine {
  kind: DiffLineKind;
  text: string;
}

export function diffLines(diff: string): DiffLine[] {
  const lines = diff.replace(/\n$/, '').split('\n');
  if (lines.length === 1 && lines[0] === '') return [];
  return lines.map((text, i) => {
    // `--- a/N.py` then `+++ b/N.py`; a removed line reading `-- x` is `--- x` with no `+++` after it.
    if (text.startsWith('--- ') && lines[i + 1]?.startsWith('+++ ')) return { kind: 'file', text };
    if (text.startsWith('+++ ') && lines[i - 1]?.startsWith('--- ')) return { kind: 'file', text };
    if (text.startsWith('@@')) return { kind: 'hunk', text };
    if (text.startsWith('diff ') || text.startsWith('index ') || text.startsWith('\\ ')) return { kind: 'meta', text };
    if (text.startsWith('+')) return { kind: 'add', text };
    if (text.startsWith('-')) return { kind: 'del', text };
    return { kind: 'context', text };
  });
}

/** Lines added and removed (file headers aside). */
export function diffStat(lines: DiffLine[]): { added: number; removed: number } {
  return {
    added: lines.filter((l) => l.kind === 'add').length,
    removed: lines.filter((l) => l.kind === 'del').length,
  };
}
