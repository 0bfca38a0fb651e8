import { useState, type FormEvent } from 'react';
import { errorMessage, type ScheduleRequest, type ScriptSummary } from '../../api';
import { Spinner } from '../../components/Spinner';
import { CRON_PRESETS, cronFieldCount, EMPTY_FORM, requestOf, type ScheduleForm as Form } from '../../lib/schedules';

/** A new schedule: pattern (with presets), target, optional test data, enabled. */
export function ScheduleForm({
  scripts,
  onCreate,
}: {
  scripts: ScriptSummary[];
  onCreate: (request: ScheduleRequest) => Promise<void>;
}) {
  const [form, setForm] = useState<Form>(EMPTY_FORM);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const update = (change: Partial<Form>) => setForm((old) => ({ ...old, ...change }));
  const fields = cronFieldCount(form.cron);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onCreate(requestOf(form));
      setForm(EMPTY_FORM);
    } catch (err) {
      // The server names the wrong field: "cron: the hour field "24" is invalid (...)".
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="schedule-form" onSubmit={(e) => void submit(e)} data-testid="schedule-form">
      <div className="inline-form">
        <label className="field">
          <span>Cron (minute hour day month weekday, UTC)</span>
          <input
            name="cron"
            value={form.cron}
            placeholder="30 2 * * *"
            className={form.cron && fields !== 5 ? 'invalid' : undefined}
            onChange={(e) => update({ cron: e.target.value })}
            required
          />
        </label>
        <label className="field">
          <span>Preset</span>
          <select aria-label="Preset" value="" onChange={(e) => e.target.value && update({ cron: e.target.value })}>
            <option value="">Choose…</option>
            {CRON_PRESETS.map((preset) => (
              <option key={preset.cron} value={preset.cron}>
                {preset.label}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Runs</span>
          <select name="target" value={form.target} onChange={(e) => update({ target: e.target.value })}>
            <option value="all">All scripts on prod (run all)</option>
            {scripts.map((script) => (
              <option key={script.id} value={String(script.id)} disabled={!script.prod_version_label}>
                #{script.id} {script.descriptive_name}
                {script.prod_version_label ? '' : ' (not on prod)'}
              </option>
            ))}
          </select>
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={form.enabled} onChange={(e) => update({ enabled: e.target.checked })} />
          Enabled
        </label>
        <button type="submit" className="button button-primary" disabled={busy || fields !== 5}>
          {busy ? <Spinner /> : null} Create schedule
        </button>
      </div>
      {form.cron && fields !== 5 && (
        <p className="muted small">A pattern has 5 fields separated by spaces; this one has {fields}.</p>
      )}
      <label className="checkbox">
        <input
          type="checkbox"
          checked={form.ownTestData}
          onChange={(e) => update({ ownTestData: e.target.checked })}
        />
        Use this test data instead of each script's saved test data
      </label>
      {form.ownTestData && (
        <textarea
          aria-label="Test data"
          className="schedule-test-data"
          value={form.testData}
          onChange={(e) => update({ testData: e.target.value })}
        />
      )}
      {error && <p className="form-error">{error}</p>}
    </form>
  );
}
