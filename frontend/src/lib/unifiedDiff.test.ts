import { describe, expect, it } from 'vitest';
import { diffLines, diffStat } from './unifiedDiff';

const DIFF = `diff --git a/3.py b/3.py
index 1111111..2222222 100644
--- a/3.py
+++ b/3.py
@@ -1,3 +1,3 @@
 """Adds."""
-print(1)
+print(2)
+print("--- not a header")
 x = 1
`;

describe('diffLines', () => {
  it('tells file headers, hunks, additions, removals and context apart', () => {
    expect(diffLines(DIFF).map((l) => l.kind)).toEqual([
      'meta',
      'meta',
      'file',
      'file',
      'hunk',
      'context',
      'del',
      'add',
      'add',
      'context',
    ]);
    expect(diffStat(diffLines(DIFF))).toEqual({ added: 2, removed: 1 });
  });

  it('a removed line that reads like a file header is a removal', () => {
    const diff = '--- a/1.py\n+++ b/1.py\n@@ -1,2 +1,1 @@\n--- a comment\n+x\n';
    expect(diffLines(diff).map((l) => l.kind)).toEqual(['file', 'file', 'hunk', 'del', 'add']);
  });

  it('an empty diff has no lines', () => {
    expect(diffLines('')).toEqual([]);
  });
});
