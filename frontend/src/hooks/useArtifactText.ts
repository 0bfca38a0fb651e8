import { useEffect, useState } from 'react';

export type ArtifactText =
  | { state: 'loading' }
  | { state: 'loaded'; text: string }
  | { state: 'failed'; message: string };

/** The text of an artifact at `url` (same origin: the session cookie goes along). */
export function useArtifactText(url: string): ArtifactText {
  const [result, setResult] = useState<{ url: string; value: ArtifactText } | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    fetch(url, { credentials: 'same-origin', signal: controller.signal })
      .then(async (answer) => {
        if (!answer.ok) throw new Error(`the server answered ${answer.status}`);
        return answer.text();
      })
      .then(
        (text) => setResult({ url, value: { state: 'loaded', text } }),
        (err: unknown) => {
          if (controller.signal.aborted) return;
          const message = err instanceof Error ? err.message : String(err);
          setResult({ url, value: { state: 'failed', message } });
        },
      );
    return () => controller.abort();
  }, [url]);
  return result && result.url === url ? result.value : { state: 'loading' };
}
