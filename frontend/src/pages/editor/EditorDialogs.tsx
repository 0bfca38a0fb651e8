import type { Blocker } from 'react-router';
import type { VersionInfo } from '../../api';
import { Dialog } from '../../components/Dialog';
import { labelOf } from './editorState';
import { MergeDialog } from './MergeDialog';
import type { MergeReview } from './useMergeReview';
import type { ScriptEditor } from './useScriptEditor';

/** The editor's questions: a save conflict, fork with changes, merge, restore, delete, leave unsaved. */
export function EditorDialogs({
  editor,
  title,
  versionLabel,
  blocker,
  mergeReview,
  onMerge,
  onRestore,
}: {
  editor: ScriptEditor;
  title: string;
  versionLabel: string | null;
  blocker: Blocker;
  mergeReview: MergeReview | null;
  onMerge: () => void;
  onRestore: (version: VersionInfo) => void;
}) {
  const { dialog, setDialog, scriptId, detail, dirty } = editor;
  const close = () => setDialog(null);
  return (
    <>
      {dialog?.kind === 'merge' && (
        <MergeDialog
          review={mergeReview}
          latestLabel={versionLabel}
          prodLabel={detail?.prod_version ? labelOf(detail.prod_version) : null}
          onConfirm={onMerge}
          onCancel={close}
        />
      )}
      {dialog?.kind === 'restore' && (
        <Dialog
          title={`Restore v${labelOf(dialog.version)}?`}
          testId="restore-dialog"
          onCancel={close}
          actions={
            <>
              <button type="button" className="button" onClick={close}>
                Cancel
              </button>
              <button type="button" className="button button-primary" onClick={() => onRestore(dialog.version)}>
                Restore v{labelOf(dialog.version)}
              </button>
            </>
          }
        >
          <p>
            A new version after v{versionLabel} gets the code and test data of v{labelOf(dialog.version)}, and becomes
            the latest. Nothing is lost: every version stays in the history.
          </p>
          {dirty && (
            <p>
              <strong>Your unsaved changes in the editor are replaced.</strong>
            </p>
          )}
        </Dialog>
      )}
      {dialog?.kind === 'conflict' && (
        <Dialog
          title="Someone saved a newer version"
          testId="conflict-dialog"
          onCancel={close}
          actions={
            <>
              <button type="button" className="button" onClick={close}>
                Keep editing
              </button>
              <button type="button" className="button button-danger" onClick={() => void editor.reloadLatest()}>
                Reload (discard mine)
              </button>
              <button type="button" className="button button-primary" onClick={() => void editor.fork(true)}>
                Fork instead
              </button>
            </>
          }
        >
          <p>{dialog.detail}</p>
          <p className="muted">
            Your changes are still here and kept in this browser. <strong>Fork instead</strong> saves them as a new
            script; <strong>Reload</strong> replaces them with the latest version.
          </p>
        </Dialog>
      )}
      {dialog?.kind === 'fork' && (
        <Dialog
          title="Fork with your unsaved changes?"
          onCancel={close}
          actions={
            <>
              <button type="button" className="button" onClick={close}>
                Cancel
              </button>
              <button type="button" className="button" onClick={() => void editor.fork(false)}>
                Fork v{versionLabel} as saved
              </button>
              <button type="button" className="button button-primary" onClick={() => void editor.fork(true)}>
                Fork with my changes
              </button>
            </>
          }
        >
          <p>
            This script has unsaved changes. The fork can start from the saved v{versionLabel}, or carry your changes
            (they then leave this script).
          </p>
        </Dialog>
      )}
      {dialog?.kind === 'delete' && (
        <Dialog
          title={`Delete script #${scriptId}?`}
          onCancel={close}
          actions={
            <>
              <button type="button" className="button" onClick={close}>
                Cancel
              </button>
              <button type="button" className="button button-danger" onClick={() => void editor.remove()}>
                Delete
              </button>
            </>
          }
        >
          <p>“{title}” leaves the catalog and prod. Its history stays in the repository.</p>
        </Dialog>
      )}
      {blocker.state === 'blocked' && (
        <Dialog
          title="Leave with unsaved changes?"
          testId="leave-dialog"
          onCancel={() => blocker.reset()}
          actions={
            <>
              <button type="button" className="button" onClick={() => blocker.reset()}>
                Stay
              </button>
              <button
                type="button"
                className="button button-danger"
                onClick={() => {
                  editor.forgetDraft();
                  blocker.proceed();
                }}
              >
                Discard and leave
              </button>
              <button type="button" className="button button-primary" onClick={() => blocker.proceed()}>
                Leave, keep draft
              </button>
            </>
          }
        >
          <p>Your changes to “{title}” are not saved. A draft stays in this browser until you discard it.</p>
        </Dialog>
      )}
    </>
  );
}
