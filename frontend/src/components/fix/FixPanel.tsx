import { useEffect, useRef } from 'react';
import { formatCost } from '../../lib/format';
import {
  isBaselineRound,
  isOver,
  lastCodeRound,
  outcomeSentence,
  phaseOf,
  proposalOf,
  type FixSession,
} from '../../pages/editor/fixSession';
import type { AssistantFix } from '../../pages/editor/useAssistantFix';
import { Spinner } from '../Spinner';
import { FixRoundView } from './FixRoundView';

/** What the loop is doing now, in words. */
function progressText(session: FixSession): string {
  const last = session.rounds.at(-1);
  if (!last) return 'Starting…';
  if (isBaselineRound(last)) return 'Running your script as it is first, so the model sees how it fails…';
  const doing = phaseOf(session) === 'running' ? 'running its code in the sandbox' : 'asking the model';
  return `Round ${last.n} of at most ${session.maxRounds}: ${doing}…`;
}

/** "Fix with assistant" in the side panel: each round as it happens, then how it ended. */
export function FixPanel({ fix, onClose }: { fix: AssistantFix; onClose: () => void }) {
  const { session, review, decision } = fix;
  const endRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    endRef.current?.scrollIntoView({ block: 'end' });
  }, [session, decision]);
  if (!session) return null;

  const phase = phaseOf(session);
  const over = isOver(session);
  const outcome = outcomeSentence(session);
  const proposal = proposalOf(session);
  const failedOutcome = over && !session.done?.succeeded;

  return (
    <aside className="llm-panel fix-panel" aria-label="Fix with assistant" data-testid="fix-panel" data-phase={phase}>
      <header className="panel-head">
        <h2>Fix with assistant</h2>
        <button type="button" className="icon-button" aria-label="Close the fix" onClick={onClose}>
          ×
        </button>
      </header>
      <div className="llm-log">
        {!over && (
          <p className="muted small" data-testid="fix-progress" role="status">
            <Spinner /> {progressText(session)}
          </p>
        )}
        {session.rounds.map((r, i) => (
          <FixRoundView key={r.n} round={r} current={!over && i === session.rounds.length - 1} />
        ))}
        {outcome && (
          <div
            className={failedOutcome ? 'warn-box' : 'notice'}
            role={failedOutcome ? 'alert' : 'status'}
            data-testid="fix-outcome"
            data-stop-reason={session.done?.stop_reason ?? (session.stopped ? 'stopped' : 'error')}
          >
            {outcome}
          </div>
        )}
        {session.done && (
          <p className="small" data-testid="fix-cost">
            Total cost of the loop: <strong>{formatCost(session.done.cost_usd)}</strong>
            <span className="muted">
              {' '}
              · {session.done.interaction_ids.length} model call{session.done.interaction_ids.length === 1 ? '' : 's'}
            </span>
          </p>
        )}
        {decision && (
          <p className="muted small" data-testid="fix-decision">
            {decision === 'accepted'
              ? 'Accepted: the code is in the editor, not saved yet. Save keeps it; Ctrl+Z undoes it.'
              : 'Discarded: the editor is as it was.'}
          </p>
        )}
        <div ref={endRef} />
      </div>
      <footer className="llm-form llm-form-foot">
        {!over ? (
          <button type="button" className="button button-danger button-small" data-testid="fix-stop" onClick={fix.stop}>
            Stop
          </button>
        ) : (
          <>
            {proposal !== null && !review && decision !== 'accepted' && (
              <button type="button" className="button button-small" data-testid="fix-review" onClick={fix.reviewAgain}>
                {session.done ? 'Review the change' : `Review round ${lastCodeRound(session)?.n ?? ''}'s code`}
              </button>
            )}
            <button type="button" className="button button-small button-ghost" onClick={onClose}>
              Back to the conversation
            </button>
          </>
        )}
      </footer>
    </aside>
  );
}
