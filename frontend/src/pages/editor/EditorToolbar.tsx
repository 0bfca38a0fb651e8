import { Link } from 'react-router';
import { Spinner } from '../../components/Spinner';
import { labelOf } from './editorState';
import type { ForkParent } from './useForkParent';
import type { ScriptEditor } from './useScriptEditor';

/** Title, version badges and the actions of the script (editors only). */
export function EditorToolbar({
  editor,
  title,
  viewing,
  historyOpen,
  onToggleHistory,
  parent,
  isEditor,
  llmOpen,
  onToggleLlm,
  onBump,
  onMerge,
}: {
  editor: ScriptEditor;
  title: string;
  /** An old version is shown: nothing may be saved or run from it. */
  viewing: boolean;
  historyOpen: boolean;
  onToggleHistory: () => void;
  parent: ForkParent | null;
  isEditor: boolean;
  llmOpen: boolean;
  onToggleLlm: () => void;
  onBump: () => void;
  onMerge: () => void;
}) {
  const { scriptId, detail, readOnly, busy, running, dirty, onProd } = editor;
  const versionLabel = detail ? labelOf(detail.version) : null;
  return (
    <div className="toolbar" role="toolbar" aria-label="Script">
      <div className="toolbar-info">
        <Link to="/" className="back-link" aria-label="Back to the scripts">
          ←
        </Link>
        <div className="title-block">
          <h1 className="script-title" title={detail?.docstring || title} data-testid="script-title">
            {title}
          </h1>
          <div className="title-meta">
            {scriptId !== null && <span className="script-id">#{scriptId}</span>}
            {detail && !readOnly && (
              <label className="ordering-field" title="Ordering number: the integer part is the run-all group">
                <span className="muted small">order</span>
                <input
                  value={editor.draft.ordering}
                  onChange={(e) => editor.edit({ ordering: e.target.value })}
                  className={editor.orderingValid ? '' : 'invalid'}
                  aria-label="Ordering number"
                  size={5}
                />
              </label>
            )}
            {detail && readOnly && <span className="muted small mono">order {editor.savedOrdering}</span>}
            {versionLabel && (
              <button
                type="button"
                className="version-badge"
                data-testid="version-badge"
                title="Version history"
                aria-expanded={historyOpen}
                onClick={onToggleHistory}
              >
                v{versionLabel}
              </button>
            )}
            {detail &&
              (detail.prod_version ? (
                <span
                  className={`version-chip version-prod${onProd ? '' : ' stale'}`}
                  data-testid="prod-badge"
                  title={onProd ? 'The latest version is on prod' : 'Prod runs an older version'}
                >
                  prod v{labelOf(detail.prod_version)}
                </span>
              ) : (
                <span className="version-chip muted" data-testid="prod-badge">
                  not on prod
                </span>
              ))}
            {parent && (
              <Link to={`/editor/${parent.id}`} className="parent-link small" data-testid="fork-parent">
                forked from #{parent.id} {parent.name}
                {parent.label && ` v${parent.label}`}
              </Link>
            )}
            {dirty && (
              <span className="dirty-dot" data-testid="unsaved" title="Unsaved changes (kept in this browser)">
                ● unsaved
              </span>
            )}
            {readOnly && <span className="role-pill role-viewer">read-only</span>}
          </div>
        </div>
      </div>
      {isEditor && (
        <div className="toolbar-actions">
          <input
            className={`save-message${editor.messageProblem ? ' invalid' : ''}`}
            value={editor.message}
            onChange={(e) => editor.setMessage(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') void editor.save();
            }}
            placeholder="Message (optional)"
            aria-label="Save message"
            aria-invalid={!!editor.messageProblem}
            title={
              scriptId === null
                ? 'A new script starts at v0.1 without a message'
                : (editor.messageProblem ?? 'Why this version: shown in the history (Enter saves)')
            }
            disabled={readOnly || viewing || scriptId === null}
            data-testid="save-message"
          />
          <button
            type="button"
            className="button button-primary"
            onClick={() => void editor.save()}
            disabled={!!busy || viewing || !!editor.messageProblem}
            title={editor.messageProblem ?? 'Save (Ctrl+S)'}
          >
            {busy === 'save' ? <Spinner label="Saving" /> : null} Save
          </button>
          <button
            type="button"
            className="button"
            onClick={() => void editor.run('draft')}
            disabled={!!running || !!busy || viewing}
            title="Run the latest saved version, saving first (Ctrl+Enter)"
          >
            ▶ Run draft
          </button>
          <button
            type="button"
            className="button"
            onClick={() => void editor.run('prod')}
            disabled={!!running || !!busy || viewing || !detail?.prod_version}
            title={detail?.prod_version ? `Run prod v${labelOf(detail.prod_version)}` : 'Merge to prod first'}
          >
            ▶ Run prod
          </button>
          <span className="toolbar-sep" />
          <button
            type="button"
            className="button"
            onClick={() => (dirty ? editor.setDialog({ kind: 'fork' }) : void editor.fork(false))}
            disabled={scriptId === null || !!busy}
            title="Copy this script into a new one"
          >
            {busy === 'fork' ? <Spinner label="Forking" /> : null} Fork
          </button>
          <button
            type="button"
            className="button"
            onClick={onBump}
            disabled={scriptId === null || !!busy || dirty}
            title={dirty ? 'Save your changes first' : `New major version ${(detail?.version.major ?? 0) + 1}.0`}
          >
            {busy === 'bump' ? <Spinner label="Bumping" /> : null} Bump major
          </button>
          <button
            type="button"
            className="button"
            onClick={onMerge}
            disabled={scriptId === null || !!busy || dirty || onProd}
            title={dirty ? 'Save your changes first' : onProd ? 'Already on prod' : `Put v${versionLabel ?? ''} on prod`}
          >
            {busy === 'merge' ? <Spinner label="Merging" /> : null} Merge to prod
          </button>
          <button
            type="button"
            className={`button button-ghost${llmOpen ? ' active' : ''}`}
            onClick={onToggleLlm}
            aria-pressed={llmOpen}
            title="Assistant"
          >
            ✦ Assistant
          </button>
        </div>
      )}
    </div>
  );
}
