import { formatCost } from '../../lib/format';
import type { FixSession } from '../../pages/editor/fixSession';
import type { FixReview } from '../../pages/editor/useAssistantFix';

/** Above the diff of the assistant's code against the editor's: what it is, Accept, Discard. */
export function FixReviewBanner({
  session,
  review,
  onAccept,
  onDiscard,
}: {
  session: FixSession;
  review: FixReview;
  onAccept: () => void;
  onDiscard: () => void;
}) {
  const { done } = session;
  const same = review.original === review.modified;
  const what = done?.succeeded
    ? `The assistant's fix (ran successfully in round ${done.rounds})`
    : `The assistant's last attempt — it did not run successfully`;
  return (
    <div className={`banner ${done?.succeeded ? 'banner-info' : 'banner-history'}`} data-testid="fix-review-banner">
      <span>
        <strong>{what}</strong> against the editor's text
        {done && <span className="muted"> · cost {formatCost(done.cost_usd)}</span>}
        {same && <span className="muted"> — no change to the code</span>}
      </span>
      <span className="banner-actions">
        <button
          type="button"
          className="button button-primary button-small"
          data-testid="fix-accept"
          onClick={onAccept}
          disabled={same}
          title="Put this code in the editor as an unsaved change"
        >
          Accept
        </button>
        <button type="button" className="button button-small button-ghost" data-testid="fix-discard" onClick={onDiscard}>
          Discard
        </button>
      </span>
    </div>
  );
}
