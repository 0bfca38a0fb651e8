import type { ArtifactAnnounced } from '../../api';
import { artifactUrl, artifactView } from '../../lib/artifacts';
import { formatBytes } from '../../lib/format';
import { ArtifactImage } from './ArtifactImage';
import { ArtifactJson } from './ArtifactJson';
import { ArtifactTable } from './ArtifactTable';

function ArtifactCard({ executionId, artifact }: { executionId: number; artifact: ArtifactAnnounced }) {
  const src = artifactUrl(executionId, artifact.name);
  const view = artifactView(artifact.content_type, artifact.name);
  return (
    <figure className={`artifact artifact-${view}`} data-testid="artifact" data-name={artifact.name}>
      <figcaption className="artifact-head">
        <span className="mono">{artifact.name}</span>
        <span className="muted small">{formatBytes(artifact.size)}</span>
        <a className="small" href={src} download={artifact.name}>
          Download
        </a>
      </figcaption>
      {view === 'image' && <ArtifactImage src={src} name={artifact.name} />}
      {view === 'csv' && <ArtifactTable src={src} delimiter="," />}
      {view === 'tsv' && <ArtifactTable src={src} delimiter={'\t'} />}
      {view === 'json' && <ArtifactJson src={src} />}
    </figure>
  );
}

/** The files a finished run left in `/runner/out` (SPEC §12), under its output. */
export function ArtifactsStrip({ executionId, artifacts }: { executionId: number; artifacts: ArtifactAnnounced[] }) {
  if (artifacts.length === 0) return null;
  return (
    <section className="artifacts" aria-label="Artifacts" data-testid="artifacts">
      <h3 className="artifacts-title">
        Artifacts <span className="muted small">({artifacts.length})</span>
      </h3>
      <div className="artifacts-list">
        {artifacts.map((artifact) => (
          <ArtifactCard key={artifact.name} executionId={executionId} artifact={artifact} />
        ))}
      </div>
    </section>
  );
}
