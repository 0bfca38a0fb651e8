import { useCallback, useState, type FormEvent } from 'react';
import { api, errorMessage, type ApiTokenCreated, type Role } from '../../api';
import { Spinner } from '../../components/Spinner';
import { useToast } from '../../components/Toasts';
import { useAuth } from '../../hooks/useAuth';
import { useLoaded } from '../../hooks/useLoaded';
import { NewSecret } from './NewSecret';
import { TokenTable } from './TokenTable';

/** `/tokens`: personal API tokens for programs (SPEC §17): issue, see once, revoke. */
export function TokensPage() {
  const { isEditor } = useAuth();
  const toast = useToast();
  const tokens = useLoaded(useCallback((signal: AbortSignal) => api.tokens.list({ signal }), []));
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [busy, setBusy] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const [created, setCreated] = useState<ApiTokenCreated | null>(null);

  async function create(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setFormError(null);
    try {
      setCreated(await api.tokens.create({ name: name.trim(), role }));
      setName('');
      tokens.reload();
    } catch (err) {
      setFormError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  async function revoke(id: number, tokenName: string) {
    try {
      await api.tokens.revoke(id);
      toast.success(`Revoked “${tokenName}”: it no longer works.`);
      if (created?.id === id) setCreated(null);
      tokens.reload();
    } catch (err) {
      toast.error(errorMessage(err));
    }
  }

  return (
    <main className="page tokens-page">
      <div className="page-head">
        <div>
          <h1>API tokens</h1>
          <p className="muted small">
            Programs send <code>Authorization: Bearer &lt;token&gt;</code> to any <code>/api</code> route, with the
            token's role (never more than yours). See <a href="/api/docs">the API reference</a>.
          </p>
        </div>
      </div>
      <form className="inline-form" onSubmit={(e) => void create(e)} data-testid="token-form">
        <label className="field">
          <span>Name</span>
          <input
            name="token-name"
            value={name}
            maxLength={100}
            placeholder="e.g. nightly export"
            onChange={(e) => setName(e.target.value)}
            required
          />
        </label>
        <label className="field">
          <span>Role</span>
          <select name="token-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            <option value="viewer">viewer (read only)</option>
            {isEditor && <option value="editor">editor (also write and run)</option>}
          </select>
        </label>
        <button type="submit" className="button button-primary" disabled={busy || !name.trim()}>
          {busy ? <Spinner /> : null} Create token
        </button>
      </form>
      {formError && <p className="form-error">{formError}</p>}
      {created && <NewSecret token={created} onDismiss={() => setCreated(null)} />}
      {tokens.error && <div className="error-box">{tokens.error}</div>}
      {tokens.data ? (
        <TokenTable tokens={tokens.data} onRevoke={(id, tokenName) => void revoke(id, tokenName)} />
      ) : (
        tokens.loading && (
          <div className="splash">
            <Spinner /> Loading tokens…
          </div>
        )
      )}
    </main>
  );
}
