import { describe, expect, it } from 'vitest';
import { differsFromProd } from './ScriptTable';

describe('differsFromProd', () => {
  it('is true when prod runs another version than the latest', () => {
    expect(differsFromProd({ version_label: '1.2', prod_version_label: '1.0' })).toBe(true);
  });

  it('is false when the latest is on prod, or nothing is', () => {
    expect(differsFromProd({ version_label: '1.0', prod_version_label: '1.0' })).toBe(false);
    expect(differsFromProd({ version_label: '0.3', prod_version_label: null })).toBe(false);
  });
});
