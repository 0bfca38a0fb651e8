import { useMemo } from 'react';
import { useArtifactText } from '../../hooks/useArtifactText';
import { prettyJson } from '../../lib/artifacts';
import { ArtifactLoading } from './ArtifactLoading';

/** A JSON artifact pretty-printed, or its raw text when it does not parse. */
export function ArtifactJson({ src }: { src: string }) {
  const text = useArtifactText(src);
  const shown = useMemo(() => (text.state === 'loaded' ? prettyJson(text.text) : null), [text]);
  if (!shown) return <ArtifactLoading text={text} />;
  return (
    <>
      {!shown.parsed && <p className="muted small">Not valid JSON; shown as it is.</p>}
      <pre className="artifact-json-text" data-testid="artifact-json">
        {shown.text}
      </pre>
    </>
  );
}
