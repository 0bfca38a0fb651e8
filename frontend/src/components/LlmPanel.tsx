import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { extractPythonCode } from '../lib/codeBlocks';
import { formatCost, formatDuration } from '../lib/format';
import type { LlmExchange } from '../hooks/useLlm';
import { AnswerView } from './AnswerView';
import { Spinner } from './Spinner';

const COST_SOURCES: Record<string, string> = {
  upstream: 'Cost reported by the model provider',
  price_table: 'Cost computed from the configured price table',
  unknown: 'Neither the provider nor the price table gave a cost',
};

export function LlmPanel({
  exchanges,
  pending,
  selectedLines,
  canInsert,
  onAsk,
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
  onInsert: (code: string) => void;
  onClear: () => void;
  onClose: () => void;
}) {
  const [prompt, setPrompt] = useState('');
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
          </div>
        )}
        {exchanges.map((x) => {
          const code = x.result ? extractPythonCode(x.result.response_text) : null;
          return (
            <article key={x.id} className="llm-exchange" data-testid="llm-exchange">
              <div className="llm-prompt">
                <span className="muted small">{x.contextLabel}</span>
                <p>{x.prompt}</p>
              </div>
              {x.pending && (
                <p className="muted">
                  <Spinner /> Thinking…
                </p>
              )}
              {x.error && (
                <div
                  className={x.error.kind === 'guardrail' ? 'warn-box' : 'error-box'}
                  role="alert"
                  data-testid="llm-error"
                >
                  {x.error.kind === 'guardrail' && <strong>Blocked by the guardrail. </strong>}
                  {x.error.message}
                </div>
              )}
              {x.result && (
                <div className="llm-answer" data-testid="llm-answer">
                  <AnswerView
                    text={x.result.response_text}
                    insertLabel={insertLabel}
                    onInsertCode={canInsert ? onInsert : undefined}
                  />
                  <footer className="llm-meta small">
                    <span className="mono" data-testid="llm-model">
                      {x.result.model_id}
                    </span>
                    <span>
                      {x.result.input_tokens ?? '?'} in / {x.result.output_tokens ?? '?'} out tokens
                    </span>
                    <span data-testid="llm-cost" title={COST_SOURCES[x.result.cost_source] ?? x.result.cost_source}>
                      cost {formatCost(x.result.cost_usd)}
                    </span>
                    <span>{formatDuration(x.result.latency_ms)}</span>
                  </footer>
                  {canInsert && code !== null && (
                    <button
                      type="button"
                      className="button button-primary button-small"
                      data-testid="llm-insert"
                      onClick={() => onInsert(code)}
                    >
                      Insert into editor · {insertLabel.toLowerCase()}
                    </button>
                  )}
                </div>
              )}
            </article>
          );
        })}
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
          <button type="submit" className="button button-primary button-small" disabled={pending || !prompt.trim()}>
            {pending ? <Spinner label="Waiting" /> : null} Ask
          </button>
        </div>
      </form>
    </aside>
  );
}
