import type { Draft } from '../../lib/drafts';
import { packagesView, type Dependencies } from '../../lib/packages';
import { formatDateTime, formatRelative, shortHash } from '../../lib/format';
import { labelOf } from './editorState';
import type { Comparison, CompareWith, ViewedVersion } from './useVersionViewer';

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

/** Which old version is shown, with the way back, comparisons and (editors) "Restore this version". */
export function ViewingBanner({
  viewing,
  onProd,
  onCompare,
  onRestore,
  onBack,
}: {
  viewing: ViewedVersion;
  /** There is a prod version to compare with. */
  onProd: boolean;
  onCompare: (against: CompareWith) => void;
  onRestore: (() => void) | null;
  onBack: () => void;
}) {
  const v = viewing.version;
  return (
    <div className="banner banner-history" data-testid="viewing-banner">
      <span>
        Viewing <strong>v{labelOf(v)}</strong> by {v.committer}, {formatDateTime(v.created_at)} ·{' '}
        <span className="mono">{shortHash(v.git_commit_hash)}</span> — read-only.
        {v.message && <span className="banner-message"> “{v.message}”</span>}
      </span>
      <span className="banner-actions">
        <button type="button" className="button button-small" onClick={() => onCompare('latest')}>
          Compare with latest
        </button>
        <button
          type="button"
          className="button button-small"
          onClick={() => onCompare('prod')}
          disabled={!onProd}
          title={onProd ? undefined : 'Not on prod yet'}
        >
          Compare with prod
        </button>
        {onRestore && (
          <button type="button" className="button button-small" onClick={onRestore}>
            Restore this version
          </button>
        )}
        <button type="button" className="button button-small button-ghost" onClick={onBack}>
          Back to latest
        </button>
      </span>
    </div>
  );
}

function sideLabel(side: ViewedVersion, latestId: number | undefined, prodId: number | undefined): string {
  const tags = [side.version.id === latestId ? 'latest' : null, side.version.id === prodId ? 'prod' : null].filter(Boolean);
  return `v${labelOf(side.version)}${tags.length ? ` (${tags.join(', ')})` : ''}`;
}

/** Which two versions the diff editor compares, side by side or inline, and the way back. */
export function CompareBanner({
  comparison,
  latestId,
  prodId,
  inline,
  onToggleInline,
  onClose,
}: {
  comparison: Comparison;
  latestId: number | undefined;
  prodId: number | undefined;
  inline: boolean;
  onToggleInline: () => void;
  onClose: () => void;
}) {
  const { original, modified } = comparison;
  const same = original.content === modified.content;
  return (
    <div className="banner banner-history" data-testid="compare-banner">
      <span>
        Comparing <strong data-testid="compare-original">{sideLabel(original, latestId, prodId)}</strong> with{' '}
        <strong data-testid="compare-modified">{sideLabel(modified, latestId, prodId)}</strong>
        {same && <span className="muted"> — the code is the same</span>}
        {original.testData !== modified.testData && <span className="muted"> · the test data differs too</span>}
      </span>
      <span className="banner-actions">
        <label className="checkbox small">
          <input type="checkbox" checked={inline} onChange={onToggleInline} aria-label="Inline diff" />
          inline
        </label>
        <button type="button" className="button button-small button-ghost" onClick={onClose}>
          Close comparison
        </button>
      </span>
    </div>
  );
}

/** The saved version's packages above the editor: what `N.lock` pins, or uv's error. */
export function PackagesBanner({ dependencies }: { dependencies: Dependencies | null | undefined }) {
  const view = packagesView(dependencies);
  if (!view) return null;
  if (view.kind === 'failed') {
    return (
      <div className="banner banner-packages banner-packages-failed" data-testid="packages" role="alert">
        <strong>Packages not resolved:</strong>
        <pre className="packages-error">{view.error}</pre>
      </div>
    );
  }
  return (
    <div className="banner banner-packages" data-testid="packages">
      <strong>Packages</strong>
      {view.kind === 'resolved' ? (
        view.pins.map((pin) => (
          <span key={pin} className="package-pin mono">
            {pin}
          </span>
        ))
      ) : (
        <span className="muted">{view.requested.join(', ')} — resolved when the script is saved or run</span>
      )}
    </div>
  );
}
