import { useEffect, useRef, useState } from 'react';

/** The zoomed picture on a native modal <dialog> (Escape closes it); a click anywhere closes it too. */
function ZoomedImage({ src, name, onClose }: { src: string; name: string; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className="artifact-zoom"
      aria-label={`${name}, enlarged`}
      data-testid="artifact-zoom"
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onClick={onClose}
    >
      <img src={src} alt={name} />
      <button type="button" className="artifact-zoom-close" aria-label="Close" onClick={onClose}>
        ×
      </button>
    </dialog>
  );
}

/** A picture the run made, inline; a click shows it larger. */
export function ArtifactImage({ src, name }: { src: string; name: string }) {
  const [zoomed, setZoomed] = useState(false);
  return (
    <>
      <button type="button" className="artifact-image-button" title="Click to enlarge" onClick={() => setZoomed(true)}>
        <img className="artifact-image" src={src} alt={name} loading="lazy" data-testid="artifact-image" />
      </button>
      {zoomed && <ZoomedImage src={src} name={name} onClose={() => setZoomed(false)} />}
    </>
  );
}
