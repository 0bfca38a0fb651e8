import { OutputPanel, type LiveOutput } from '../../components/OutputPanel';
import { Spinner } from '../../components/Spinner';
import type { RunView } from './useScriptRun';

export type BottomTab = 'output' | 'input';

/** The run going on, for the output panel (null when none is). */
function liveOutputOf(run: RunView): LiveOutput | null {
  const { live } = run;
  if (!live && !run.starting) return null;
  const versionLabel = live?.versionLabel ? `v${live.versionLabel}` : '';
  return {
    status: live?.status ?? null,
    stdout: live?.stdout ?? '',
    stderr: live?.stderr ?? '',
    stdoutClipped: live?.stdoutClipped ?? false,
    stderrClipped: live?.stderrClipped ?? false,
    since: live?.startedAt ?? null,
    label: run.label ?? versionLabel,
    reconnecting: live?.connection === 'reconnecting',
  };
}

/** Output of the last run, and the test data box. */
export function BottomPanel({
  tab,
  onTab,
  run,
  testData,
  testDataChanged,
  onTestData,
  readOnly,
  hint,
  onFix,
}: {
  tab: BottomTab;
  onTab: (tab: BottomTab) => void;
  run: RunView;
  /** The draft's test data, or the viewed version's (then read-only). */
  testData: string;
  testDataChanged: boolean;
  onTestData: (testData: string) => void;
  readOnly: boolean;
  hint?: string;
  onFix?: () => void;
}) {
  const live = liveOutputOf(run);
  return (
    <div className="bottom-panel">
      <div className="tabs" role="tablist">
        <button
          type="button"
          role="tab"
          aria-selected={tab === 'output'}
          className={tab === 'output' ? 'tab active' : 'tab'}
          onClick={() => onTab('output')}
        >
          Output
          {live && <Spinner label="Running" />}
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={tab === 'input'}
          className={tab === 'input' ? 'tab active' : 'tab'}
          onClick={() => onTab('input')}
        >
          Test data{testDataChanged ? ' •' : ''}
        </button>
      </div>
      {tab === 'output' ? (
        <OutputPanel execution={run.execution} live={live} error={run.error} hint={hint} onFix={onFix} />
      ) : (
        <div className="test-data">
          <p className="muted small">
            The script gets this as a file whose path is <code>sys.argv[1]</code>. It is saved with the script and used
            by the runs started here.
          </p>
          <textarea
            value={testData}
            onChange={(e) => onTestData(e.target.value)}
            readOnly={readOnly}
            spellCheck={false}
            aria-label="Test data"
            data-testid="test-data"
            placeholder={readOnly ? '(no test data)' : 'Input for the script…'}
          />
        </div>
      )}
    </div>
  );
}
