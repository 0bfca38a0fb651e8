import type { Execution } from '../../api';
import { OutputPanel } from '../../components/OutputPanel';
import { Spinner } from '../../components/Spinner';

export type BottomTab = 'output' | 'input';

/** Output of the last run, and the test data box. */
export function BottomPanel({
  tab,
  onTab,
  execution,
  running,
  runError,
  testData,
  testDataChanged,
  onTestData,
  readOnly,
  hint,
}: {
  tab: BottomTab;
  onTab: (tab: BottomTab) => void;
  execution: Execution | null;
  running: { since: number; label: string } | null;
  runError: string | null;
  /** The draft's test data, or the viewed version's (then read-only). */
  testData: string;
  testDataChanged: boolean;
  onTestData: (testData: string) => void;
  readOnly: boolean;
  hint?: string;
}) {
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
          {running && <Spinner label="Running" />}
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
        <OutputPanel execution={execution} running={running} error={runError} hint={hint} />
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
