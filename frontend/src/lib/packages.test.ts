import { describe, expect, it } from 'vitest';
import { packagesView } from './packages';

describe('packagesView', () => {
  it('is nothing for a script without packages', () => {
    expect(packagesView(null)).toBeNull();
    expect(packagesView(undefined)).toBeNull();
  });

  it('lists every pinned package with its version', () => {
    const view = packagesView({
      requested: ['tabulate>=0.9'],
      requires_python: '>=3.9',
      packages: [
        { name: 'tabulate', version: '0.9.0' },
        { name: 'wcwidth', version: '0.2.13' },
      ],
      error: null,
    });
    expect(view).toEqual({ kind: 'resolved', pins: ['tabulate 0.9.0', 'wcwidth 0.2.13'] });
  });

  it("shows uv's error rather than an empty list", () => {
    const error = 'could not resolve the dependencies: Because nope was not found…';
    const view = packagesView({ requested: ['nope'], requires_python: null, packages: [], error });
    expect(view).toEqual({ kind: 'failed', error });
  });

  it('says what was asked when nothing is resolved yet', () => {
    const view = packagesView({ requested: ['rich'], requires_python: null, packages: [], error: null });
    expect(view).toEqual({ kind: 'unresolved', requested: ['rich'] });
  });
});
