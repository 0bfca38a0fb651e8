import { useLayoutEffect, useRef } from 'react';

/** How close to the bottom (px) still counts as "at the bottom": the view then follows new output. */
const STICK_PX = 24;

/**
 * One output stream (stdout or stderr). While `follow` is on, new text keeps it scrolled to
 * the bottom unless the user scrolled up to read; scrolling back down follows again.
 */
export function OutputStream({
  name,
  text,
  truncated,
  clipped = false,
  follow = false,
}: {
  name: 'stdout' | 'stderr';
  text: string;
  /** The server kept only the first part (its capture limit). */
  truncated: boolean;
  /** This page dropped the beginning to keep the last part (a long live run). */
  clipped?: boolean;
  follow?: boolean;
}) {
  const ref = useRef<HTMLPreElement>(null);
  const stuck = useRef(true);

  useLayoutEffect(() => {
    const pre = ref.current;
    if (follow && pre && stuck.current) pre.scrollTop = pre.scrollHeight;
  }, [text, follow]);

  return (
    <section className={`stream stream-${name}`} aria-label={name}>
      <header className="stream-head">
        <span>{name}</span>
        {truncated && (
          <span className="badge badge-warn" title="The output was longer than the capture limit">
            truncated
          </span>
        )}
        {clipped && (
          <span className="badge badge-warn" title="Only the last part of a long output is shown while it runs">
            last 1 MiB
          </span>
        )}
        {text && (
          <button
            type="button"
            className="link-button small"
            onClick={() => void navigator.clipboard?.writeText(text)}
          >
            copy
          </button>
        )}
      </header>
      {text ? (
        <pre
          ref={ref}
          className="stream-text"
          data-testid={name}
          onScroll={(e) => {
            const pre = e.currentTarget;
            stuck.current = pre.scrollHeight - pre.scrollTop - pre.clientHeight <= STICK_PX;
          }}
        >
          {text}
          {truncated && <span className="truncation-mark">{'\n'}… output truncated</span>}
        </pre>
      ) : (
        <p className="muted small stream-empty">(empty)</p>
      )}
    </section>
  );
}
