import { Fragment, type ReactNode } from 'react';
import { isPythonLanguage, parseAnswer } from '../lib/codeBlocks';

/** Inline Markdown: `code`, **bold** and links kept as text. */
function inline(text: string): ReactNode[] {
  const parts = text.split(/(`[^`\n]+`|\*\*[^*\n]+\*\*)/g);
  return parts.map((part, i) => {
    if (part.startsWith('`') && part.endsWith('`') && part.length > 2) return <code key={i}>{part.slice(1, -1)}</code>;
    if (part.startsWith('**') && part.endsWith('**') && part.length > 4) return <strong key={i}>{part.slice(2, -2)}</strong>;
    return <Fragment key={i}>{part}</Fragment>;
  });
}

function Prose({ text }: { text: string }) {
  const paragraphs = text.split(/\n{2,}/);
  return (
    <>
      {paragraphs.map((p, i) => {
        const lines = p.split('\n');
        if (lines.every((l) => /^\s*([-*]|\d+\.)\s+/.test(l))) {
          return (
            <ul key={i}>
              {lines.map((l, j) => (
                <li key={j}>{inline(l.replace(/^\s*([-*]|\d+\.)\s+/, ''))}</li>
              ))}
            </ul>
          );
        }
        const heading = /^#{1,6}\s+(.*)$/.exec(p);
        if (heading && lines.length === 1) return <h4 key={i}>{inline(heading[1] ?? '')}</h4>;
        return (
          <p key={i}>
            {lines.map((l, j) => (
              <Fragment key={j}>
                {j > 0 && <br />}
                {inline(l)}
              </Fragment>
            ))}
          </p>
        );
      })}
    </>
  );
}

/** An LLM answer: prose, and code blocks each with Insert and Copy. */
export function AnswerView({
  text,
  onInsertCode,
  insertLabel,
}: {
  text: string;
  onInsertCode?: (code: string) => void;
  insertLabel: string;
}) {
  return (
    <div className="answer">
      {parseAnswer(text).map((segment, i) =>
        segment.kind === 'text' ? (
          <Prose key={i} text={segment.text} />
        ) : (
          <figure key={i} className="code-block">
            <figcaption>
              <span className="muted small">{segment.language || 'code'}</span>
              <span className="code-block-actions">
                {onInsertCode && (isPythonLanguage(segment.language) || !segment.language) && (
                  <button
                    type="button"
                    className="link-button small"
                    onClick={() => onInsertCode(segment.code.endsWith('\n') ? segment.code : `${segment.code}\n`)}
                  >
                    {insertLabel}
                  </button>
                )}
                <button
                  type="button"
                  className="link-button small"
                  onClick={() => void navigator.clipboard?.writeText(segment.code)}
                >
                  Copy
                </button>
              </span>
            </figcaption>
            <pre>
              <code>{segment.code}</code>
            </pre>
          </figure>
        ),
      )}
    </div>
  );
}
