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

/** One question and its answer: streaming as the tokens arrive, then with its model and cost. */
export function LlmExchangeView({
  exchange: x,
  insertLabel,
  onInsert,
}: {
  exchange: LlmExchange;
  insertLabel: string;
  /** Absent: nothing may be inserted now (an old version is on the screen). */
  onInsert?: (code: string) => void;
}) {
  // Code is offered once the answer is whole: half a block is not a script.
  const code = x.result ? extractPythonCode(x.result.response_text) : null;
  return (
    <article className="llm-exchange" data-testid="llm-exchange" data-pending={x.pending}>
      <div className="llm-prompt">
        <span className="muted small">{x.contextLabel}</span>
        <p>{x.prompt}</p>
      </div>
      {x.pending && !x.text && (
        <p className="muted">
          <Spinner /> Thinking…
        </p>
      )}
      {x.text && (
        <div className="llm-answer" data-testid="llm-answer" aria-busy={x.pending}>
          <AnswerView text={x.text} insertLabel={insertLabel} onInsertCode={x.result ? onInsert : undefined} />
          {x.pending && <span className="streaming-caret" aria-label="The answer is still arriving" />}
        </div>
      )}
      {x.stopped && (
        <p className="muted small" data-testid="llm-stopped">
          Stopped: the answer above is what had arrived.
        </p>
      )}
      {x.error && (
        <div className={x.error.kind === 'guardrail' ? 'warn-box' : 'error-box'} role="alert" data-testid="llm-error">
          {x.error.kind === 'guardrail' && <strong>Blocked by the guardrail. </strong>}
          {x.error.message}
        </div>
      )}
      {x.result && (
        <div className="llm-answer">
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
          {onInsert && code !== null && (
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
}
