import { describe, expect, it } from 'vitest';
import { artifactUrl, artifactView, prettyJson } from './artifacts';

describe('artifactView', () => {
  it('shows images inline, CSV and TSV as tables, JSON pretty-printed', () => {
    expect(artifactView('image/png', 'figure-1.png')).toBe('image');
    expect(artifactView('text/csv; charset=utf-8', 'table.csv')).toBe('csv');
    expect(artifactView('text/tab-separated-values; charset=utf-8', 'a.tsv')).toBe('tsv');
    expect(artifactView('application/json', 'data.json')).toBe('json');
    expect(artifactView('application/geo+json', 'map.geojson')).toBe('json');
  });

  it('offers anything else, and SVG, as a download', () => {
    expect(artifactView('text/plain; charset=utf-8', 'notes.txt')).toBe('file');
    expect(artifactView('application/octet-stream', 'model.bin')).toBe('file');
    expect(artifactView('image/svg+xml', 'plot.svg')).toBe('file');
  });

  it('falls back on the extension when the type is generic', () => {
    expect(artifactView('application/octet-stream', 'x.CSV')).toBe('csv');
    expect(artifactView('application/octet-stream', 'x.json')).toBe('json');
  });
});

describe('artifactUrl', () => {
  it('escapes the name', () => {
    expect(artifactUrl(7, 'figure-1.png')).toBe('/api/executions/7/artifacts/figure-1.png');
    expect(artifactUrl(7, 'a b#?.csv')).toBe('/api/executions/7/artifacts/a%20b%23%3F.csv');
  });
});

describe('prettyJson', () => {
  it('indents JSON by two spaces', () => {
    expect(prettyJson('{"a":[1,2]}')).toEqual({ text: '{\n  "a": [\n    1,\n    2\n  ]\n}', parsed: true });
  });

  it('keeps text that does not parse as it is', () => {
    expect(prettyJson('{oops')).toEqual({ text: '{oops', parsed: false });
  });
});
