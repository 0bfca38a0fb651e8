import { Link, NavLink, useNavigate } from 'react-router';
import { useAuth } from '../hooks/useAuth';

export function AppHeader() {
  const { user, roleLabel } = useAuth();
  const navigate = useNavigate();
  if (!user) return null;
  return (
    <header className="app-header">
      <Link to="/" className="brand" aria-label="code.ved home">
        <span className="brand-mark" aria-hidden>
          {'</>'}
        </span>
        <span className="wordmark">
          code<span className="brand-dot">.</span>ved
        </span>
      </Link>
      <nav className="app-nav">
        <NavLink to="/" end>
          Scripts
        </NavLink>
        <NavLink to="/schedules">Schedules</NavLink>
        <NavLink to="/tokens">API tokens</NavLink>
      </nav>
      <div className="app-user">
        <span className="user-name" data-testid="current-user">
          {user.username}
        </span>
        <span className={`role-pill role-${roleLabel}`} data-testid="current-role">
          {roleLabel}
        </span>
        <button
          type="button"
          className="button button-ghost"
          // Logging out is a navigation, so the unsaved-changes guard gets its say first.
          onClick={() => void navigate('/login', { state: { logout: true } })}
        >
          Log out
        </button>
      </div>
    </header>
  );
}
