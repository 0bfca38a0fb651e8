import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { LlmExchange } from '../hooks/useLlm';
import { DEFAULT_MAX_ROUNDS, MAX_ROUNDS_ALLOWED } from '../pages/editor/useAssistantFix';
import { LlmExchangeView } from './LlmExchangeView';

export function LlmPanel({
  exchanges,
  pending,
  selectedLines,
  canInsert,
  onAsk,
  onStop,
  onFix,
  onInsert,
  onClear,
  onClose,
}: {
  exchanges: LlmExchange[];
  pending: boolean;
  /** Lines selected in the editor (0: none, the whole script is the context). */
  selectedLines: number;
  canInsert: boolean;
  onAsk: (prompt: string) => void;
  /** Stops the answer streaming now. */
  onStop: () => void;
  /** Starts "Fix with assistant", with the prompt box's text (if any) as the instruction. */
  onFix: ((prompt: string, maxRounds: number) => void) | null;
  onInsert: (code: string) => void;
  onClear: () => void;
  onClose: () => void;
}) {
  const [prompt, setPrompt] = useState('');
  const [maxRounds, setMaxRounds] = useState(DEFAULT_MAX_ROUNDS);
  const endRef = useRef<HTMLDivElement>(null);
  const insertLabel = selectedLines > 0 ? 'Replace selection' : 'Replace script';

  useEffect(() => {
    endRef.current?.scrollIntoView({ block: 'end' });
  }, [exchanges]);

  function submit(event?: FormEvent) {
    event?.preventDefault();
    const text = prompt.trim();
    if (!text || pending) return;
    onAsk(text);
    setPrompt('');
  }

  function fix() {
    if (!onFix) return;
    onFix(prompt.trim(), maxRounds);
    setPrompt('');
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      event.stopPropagation(); // not "Run"
      submit();
    }
  }

  return (
    <aside className="llm-panel" aria-label="Assistant" data-testid="llm-panel">
      <header className="panel-head">
        <h2>Assistant</h2>
        <span className="panel-head-actions">
          {exchanges.length > 0 && (
            <button type="button" className="link-button small" onClick={onClear}>
              clear
            </button>
          )}
          <button type="button" className="icon-button" aria-label="Close assistant" onClick={onClose}>
            ×
          </button>
        </span>
      </header>
      <div className="llm-log">
        {exchanges.length === 0 && (
          <div className="muted small llm-hint">
            <p>Ask for a change or an explanation. The model sees {selectedLines > 0 ? 'the selected lines' : 'the whole script'}.</p>
            <p>“Insert” replaces the selection, or the whole script when nothing is selected. Ctrl+Z undoes it.</p>
            <p>“Fix with assistant” has the model correct the script and runs each attempt in the sandbox until one succeeds; you then review the change before it reaches the editor.</p>
          </div>
        )}
        {exchanges.map((x) => (
          <LlmExchangeView key={x.id} exchange={x} insertLabel={insertLabel} onInsert={canInsert ? onInsert : undefined} />
        ))}
        <div ref={endRef} />
      </div>
      <form className="llm-form" onSubmit={submit}>
        <textarea
          value={prompt}
          onChange={(e) => setPrompt(e.target.value)}
          onKeyDown={onKeyDown}
          placeholder={selectedLines > 0 ? `Ask about the ${selectedLines} selected line(s)…` : 'Ask about this script…'}
          aria-label="Prompt"
          rows={3}
        />
        <div className="llm-form-foot">
          <span className="muted small">Ctrl+Enter to send</span>
          <span className="llm-form-actions">
            {onFix && (
              <select
                className="rounds-select"
                value={maxRounds}
                onChange={(e) => setMaxRounds(Number(e.target.value))}
                aria-label="Rounds at most"
                title="How many rounds the fix may take at most"
              >
                {Array.from({ length: MAX_ROUNDS_ALLOWED }, (_, i) => i + 1).map((n) => (
                  <option key={n} value={n}>
                    {n} round{n === 1 ? '' : 's'}
                  </option>
                ))}
              </select>
            )}
            {onFix && (
              <button
                type="button"
                className="button button-small"
                data-testid="llm-fix"
                onClick={fix}
                title="Correct the script, running each attempt in the sandbox (the prompt, if any, says what to aim for)"
              >
                Fix with assistant
              </button>
            )}
            {pending ? (
              <button type="button" className="button button-danger button-small" data-testid="llm-stop" onClick={onStop}>
                Stop
              </button>
            ) : (
              <button type="submit" className="button button-primary button-small" disabled={!prompt.trim()}>
                Ask
              </button>
            )}
          </span>
        </div>
      </form>
    </aside>
  );
}
