import type { Draft } from '../../lib/drafts';
import { formatDateTime, formatRelative, shortHash } from '../../lib/format';
import { labelOf } from './editorState';
import type { ViewedVersion } from './useVersionViewer';

/** "Restored your unsaved changes…" above the editor. */
export function DraftRestoredBanner({
  restored,
  latestVersionId,
  onDiscard,
  onKeep,
}: {
  restored: Draft;
  latestVersionId: number | undefined;
  onDiscard: () => void;
  onKeep: () => void;
}) {
  const savedSince =
    restored.base_version_id !== null && latestVersionId !== undefined && restored.base_version_id !== latestVersionId;
  return (
    <div className="banner banner-info" data-testid="draft-restored">
      Restored your unsaved changes from {formatRelative(restored.saved_at)}
      {restored.base_label && <> (based on v{restored.base_label})</>}.
      {savedSince && <strong> The script has been saved since; saving will ask what to do.</strong>}
      <span className="banner-actions">
        <button type="button" className="link-button" onClick={onDiscard}>
          Discard them
        </button>
        <button type="button" className="link-button" onClick={onKeep}>
          Keep
        </button>
      </span>
    </div>
  );
}

/** Which old version is shown, with the way back (and, for editors, "Restore into editor"). */
export function ViewingBanner({
  viewing,
  onRestore,
  onBack,
}: {
  viewing: ViewedVersion;
  onRestore: (() => void) | null;
  onBack: () => void;
}) {
  const v = viewing.version;
  return (
    <div className="banner banner-history" data-testid="viewing-banner">
      Viewing <strong>v{labelOf(v)}</strong> by {v.committer}, {formatDateTime(v.created_at)} ·{' '}
      <span className="mono">{shortHash(v.git_commit_hash)}</span> — read-only.
      <span className="banner-actions">
        {onRestore && (
          <button type="button" className="button button-small" onClick={onRestore}>
            Restore into editor
          </button>
        )}
        <button type="button" className="button button-small button-ghost" onClick={onBack}>
          Back to latest
        </button>
      </span>
    </div>
  );
}
