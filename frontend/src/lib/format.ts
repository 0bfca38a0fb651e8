/** Formatting helpers shared by pages (pure, no React). */
import type { ExecutionStatus } from '../api';

/** 3.01 → "3.01", 1 → "1.0" (the server sends the decimal as a JSON number). */
export function formatOrdering(value: number | string): string {
  if (typeof value === 'string') return value;
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes} min ${seconds} s`;
}

export function formatCost(cost: number | null | undefined): string {
  if (cost === null || cost === undefined) return 'unknown';
  if (cost === 0) return '$0';
  if (cost < 0.01) return `$${cost.toPrecision(2)}`;
  return `$${cost.toFixed(4)}`;
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** "just now", "5 min ago", "3 h ago", else a date. */
export function formatRelative(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return '—';
  const time = new Date(iso).getTime();
  if (Number.isNaN(time)) return iso;
  const seconds = Math.round((now - time) / 1000);
  if (seconds < 45) return 'just now';
  if (seconds < 3600) return `${Math.max(1, Math.round(seconds / 60))} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  if (seconds < 7 * 86_400) return `${Math.round(seconds / 86_400)} d ago`;
  return new Date(iso).toLocaleDateString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
  });
}

export type Outcome = 'success' | 'failure' | 'pending' | 'none';

export function outcomeOf(status: ExecutionStatus | string | null | undefined): Outcome {
  switch (status) {
    case null:
    case undefined:
      return 'none';
    case 'succeeded':
      return 'success';
    case 'queued':
    case 'running':
      return 'pending';
    default:
      return 'failure';
  }
}

/** Typed by the contract: once `status` is an enum, a new value without a label fails `tsc`. */
const STATUS_LABELS: Record<ExecutionStatus, string> = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Success',
  failed: 'Failed',
  timed_out: 'Timed out',
  oom_killed: 'Out of memory',
  error: 'Error',
};

export function statusLabel(status: ExecutionStatus | string): string {
  return (STATUS_LABELS as Record<string, string | undefined>)[status] ?? status;
}

export function shortHash(hash: string | null | undefined): string {
  return hash ? hash.slice(0, 8) : '';
}

/** 512 → "512 B", 1536 → "1.5 KB", 3_200_000 → "3.1 MB" (binary units, one decimal under 10). */
export function formatBytes(size: number): string {
  if (!Number.isFinite(size) || size < 0) return '—';
  if (size < 1024) return `${size} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = size / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}
