import { lazy, Suspense, useEffect } from 'react';
import { createBrowserRouter, Navigate, Outlet, useLocation } from 'react-router';
import { RouterProvider } from 'react-router/dom';
import { http } from './api';
import { loginUrlFor } from './api/client';
import { AppHeader } from './components/AppHeader';
import { Spinner } from './components/Spinner';
import { ToastProvider } from './components/Toasts';
import { AuthProvider, useAuth } from './hooks/useAuth';
import { CatalogPage } from './pages/CatalogPage';
import { LoginPage } from './pages/LoginPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { SchedulesPage } from './pages/schedules/SchedulesPage';
import { TokensPage } from './pages/tokens/TokensPage';
import { loadEditorPage } from './pages/lazyPages';

const EditorPage = lazy(loadEditorPage);

function RequireAuth() {
  const { status, expired } = useAuth();
  const location = useLocation();
  if (status === 'loading') {
    return (
      <div className="splash">
        <Spinner /> Loading…
      </div>
    );
  }
  if (status === 'anonymous') {
    return (
      <Navigate
        to={loginUrlFor(`${location.pathname}${location.search}`)}
        replace
        state={expired ? { expired: true, bypassGuard: true } : undefined}
      />
    );
  }
  return (
    <div className="app-shell">
      <AppHeader />
      <Outlet />
    </div>
  );
}

function EditorRoute() {
  return (
    <Suspense
      fallback={
        <div className="splash">
          <Spinner /> Loading the editor…
        </div>
      }
    >
      <EditorPage />
    </Suspense>
  );
}

const router = createBrowserRouter([
  { path: '/login', element: <LoginPage /> },
  {
    element: <RequireAuth />,
    children: [
      { index: true, element: <CatalogPage /> },
      { path: 'editor/new', element: <EditorRoute /> },
      { path: 'editor/:id', element: <EditorRoute /> },
      { path: 'schedules', element: <SchedulesPage /> },
      { path: 'tokens', element: <TokensPage /> },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);

/** Any 401 lands on the login page without a full reload; unsaved work stays in drafts. */
function useUnauthorizedRedirect(onExpired: () => void) {
  useEffect(() => {
    http.setUnauthorizedHandler((loginUrl) => {
      onExpired();
      void router.navigate(loginUrl, { replace: true, state: { bypassGuard: true, expired: true } });
    });
  }, [onExpired]);
}

function Routes() {
  const { expire } = useAuth();
  useUnauthorizedRedirect(expire);
  return <RouterProvider router={router} />;
}

export function App() {
  return (
    <ToastProvider>
      <AuthProvider>
        <Routes />
      </AuthProvider>
    </ToastProvider>
  );
}
