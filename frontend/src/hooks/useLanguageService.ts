import { useEffect, useState } from 'react';
import { getLanguageService } from '../services';
import type { LanguageService, LanguageServiceStatus } from '../services/LanguageService';

/** The shared language service (Pyright), started when the editor opens. */
export function useLanguageService(): { service: LanguageService | null; status: LanguageServiceStatus; detail?: string } {
  const [service, setService] = useState<LanguageService | null>(null);
  const [status, setStatus] = useState<{ status: LanguageServiceStatus; detail?: string }>({ status: 'starting' });

  useEffect(() => {
    let unsubscribe: (() => void) | undefined;
    let cancelled = false;
    getLanguageService().then(
      (s) => {
        if (cancelled) return;
        setService(s);
        setStatus({ status: s.status });
        unsubscribe = s.onStatusChange((next, detail) => setStatus({ status: next, detail }));
      },
      (err: unknown) => {
        if (!cancelled) setStatus({ status: 'failed', detail: String(err) });
      },
    );
    return () => {
      cancelled = true;
      unsubscribe?.();
    };
  }, []);

  return { service, ...status };
}
