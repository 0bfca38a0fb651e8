import { Dialog } from '../../components/Dialog';
import { Spinner } from '../../components/Spinner';
import { UnifiedDiff } from '../../components/UnifiedDiff';
import type { MergeReview } from './useMergeReview';

/** "Merge to prod": what the latest version changes against prod's, then confirm. */
export function MergeDialog({
  review,
  latestLabel,
  prodLabel,
  onConfirm,
  onCancel,
}: {
  review: MergeReview | null;
  latestLabel: string | null;
  prodLabel: string | null;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  // A diff that could not be loaded says so; the merge itself is still the editor's call.
  const ready = !!review && review.state !== 'loading';
  return (
    <Dialog
      title={`Merge v${latestLabel ?? ''} to prod?`}
      testId="merge-dialog"
      wide
      onCancel={onCancel}
      actions={
        <>
          <button type="button" className="button" onClick={onCancel}>
            Cancel
          </button>
          <button type="button" className="button button-primary" onClick={onConfirm} disabled={!ready}>
            Merge v{latestLabel} to prod
          </button>
        </>
      }
    >
      {(!review || review.state === 'loading') && (
        <p className="muted">
          <Spinner /> Comparing with prod…
        </p>
      )}
      {review?.state === 'first' && (
        <p>Nothing of this script is on prod yet: v{latestLabel} becomes the version that prod and run-all run.</p>
      )}
      {review?.state === 'diff' && (
        <>
          <p>
            Prod runs v{prodLabel ?? review.diff.from.label}. This is what changes (code and test data):
          </p>
          <UnifiedDiff diff={review.diff.unified_diff} testId="merge-diff" />
        </>
      )}
      {review?.state === 'error' && (
        <p className="form-error" role="alert">
          Could not compare with prod: {review.message}
        </p>
      )}
    </Dialog>
  );
}
