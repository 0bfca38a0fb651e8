/** How the artifacts strip shows each file a run left in `/runner/out` (SPEC §12). Pure. */

export type ArtifactView = 'image' | 'csv' | 'tsv' | 'json' | 'file';

/** The media type without parameters, lower case: `text/csv; charset=utf-8` → `text/csv`. */
function mediaType(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

/** By the content type the server gave, falling back on the name's extension. */
export function artifactView(contentType: string, name: string): ArtifactView {
  const type = mediaType(contentType);
  const ext = /\.([^.]+)$/.exec(name)?.[1]?.toLowerCase() ?? '';
  // SVG is left a download: it can carry script, and an <img> would be the only safe way anyway.
  if (type.startsWith('image/') && type !== 'image/svg+xml') return 'image';
  if (type === 'text/csv' || (type === 'application/octet-stream' && ext === 'csv')) return 'csv';
  if (type === 'text/tab-separated-values' || (type === 'application/octet-stream' && ext === 'tsv')) return 'tsv';
  if (type === 'application/json' || type.endsWith('+json') || ext === 'json') return 'json';
  return 'file';
}

/** `GET /api/executions/{id}/artifacts/{name}` */
export function artifactUrl(executionId: number, name: string): string {
  return `/api/executions/${executionId}/artifacts/${encodeURIComponent(name)}`;
}

/** The text to show for a JSON artifact: pretty-printed, or as it is when it does not parse. */
export function prettyJson(text: string): { text: string; parsed: boolean } {
  try {
    return { text: JSON.stringify(JSON.parse(text), null, 2), parsed: true };
  } catch {
    return { text, parsed: false };
  }
}
