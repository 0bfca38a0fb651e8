import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, ApiError, type User } from '../api';

type AuthStatus = 'loading' | 'authenticated' | 'anonymous';

interface AuthContextValue {
  status: AuthStatus;
  user: User | null;
  isEditor: boolean;
  /** Role shown in the header. */
  roleLabel: string;
  login(username: string, password: string): Promise<User>;
  logout(): Promise<void>;
  /** The server said 401: forget the user (the client is already redirecting). */
  expire(): void;
  /** The session ended under the user (as opposed to never having logged in). */
  expired: boolean;
}

const AuthContext = createContext<AuthContextValue | null>(null);

export function isEditorUser(user: User | null): boolean {
  return !!user && user.roles.includes('editor');
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null>(null);
  const [status, setStatus] = useState<AuthStatus>('loading');
  const [expired, setExpired] = useState(false);

  useEffect(() => {
    const controller = new AbortController();
    api.auth.me({ signal: controller.signal }).then(
      (me) => {
        setUser(me);
        setStatus('authenticated');
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        // 401 is "not logged in"; anything else (server down) also ends on the login page,
        // which shows the error when the user tries.
        if (!(err instanceof ApiError) || err.status !== 401) console.warn('auth check failed', err);
        setUser(null);
        setStatus('anonymous');
      },
    );
    return () => controller.abort();
  }, []);

  const login = useCallback(async (username: string, password: string) => {
    const me = await api.auth.login({ username, password });
    setExpired(false);
    setUser(me);
    setStatus('authenticated');
    return me;
  }, []);

  const logout = useCallback(async () => {
    try {
      await api.auth.logout();
    } finally {
      setUser(null);
      setStatus('anonymous');
    }
  }, []);

  const expire = useCallback(() => {
    setExpired(true);
    setUser(null);
    setStatus('anonymous');
  }, []);

  const value = useMemo<AuthContextValue>(
    () => ({
      status,
      user,
      isEditor: isEditorUser(user),
      roleLabel: isEditorUser(user) ? 'editor' : 'viewer',
      login,
      logout,
      expire,
      expired,
    }),
    [status, user, login, logout, expire, expired],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthContextValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth outside AuthProvider');
  return value;
}
