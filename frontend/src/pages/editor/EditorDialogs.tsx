import type { Blocker } from 'react-router';
import { Dialog } from '../../components/Dialog';
import type { ScriptEditor } from './useScriptEditor';

/** The editor's questions: a save conflict, fork with changes, delete, leave unsaved. */
export function EditorDialogs({
  editor,
  title,
  versionLabel,
  blocker,
}: {
  editor: ScriptEditor;
  title: string;
  versionLabel: string | null;
  blocker: Blocker;
}) {
  const { dialog, setDialog, scriptId } = editor;
  const close = () => setDialog(null);
  return (
    <>
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
