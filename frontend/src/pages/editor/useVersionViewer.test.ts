import { describe, expect, it } from 'vitest';
import type { VersionInfo } from '../../api';
import { comparisonSides, type ViewedVersion } from './useVersionViewer';

const side = (id: number, minor: number): ViewedVersion => ({
  version: { id, major: 0, minor, label: `0.${minor}` } as VersionInfo,
  content: `print(${minor})\n`,
  testData: '',
});

describe('comparisonSides', () => {
  const prod = side(1, 1);
  const viewed = side(2, 2);
  const latest = side(3, 3);

  it('"Compare with latest": the version shown on the left, the latest on the right', () => {
    expect(comparisonSides(viewed, 'latest', latest, prod)).toEqual({ original: viewed, modified: latest, against: 'latest' });
  });

  it('"Compare with prod": prod on the left, the version shown on the right', () => {
    expect(comparisonSides(viewed, 'prod', latest, prod)).toEqual({ original: prod, modified: viewed, against: 'prod' });
  });

  it('nothing to compare with when nothing is on prod', () => {
    expect(comparisonSides(latest, 'prod', latest, null)).toBeNull();
  });
});
