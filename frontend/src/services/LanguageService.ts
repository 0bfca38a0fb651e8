/**
 * What the editor needs from a language tool. The editor only talks to this interface, so a
 * different implementation (or new features such as hover and completions, added here as
 * optional methods) never requires touching the editor component.
 */

/** The part of a Monaco `ITextModel` a language service reads. */
export interface DocumentModel {
  readonly uri: { toString(): string };
  getValue(): string;
  getVersionId(): number;
}

/** Monaco's `MarkerSeverity` values. */
export const MarkerSeverity = { Hint: 1, Info: 2, Warning: 4, Error: 8 } as const;
export type MarkerSeverity = (typeof MarkerSeverity)[keyof typeof MarkerSeverity];

/** Monaco's `MarkerTag` values. */
export const MarkerTag = { Unnecessary: 1, Deprecated: 2 } as const;
export type MarkerTag = (typeof MarkerTag)[keyof typeof MarkerTag];

/** A diagnostic in Monaco's terms (1-based lines and columns); assignable to `IMarkerData`. */
export interface Marker {
  severity: MarkerSeverity;
  message: string;
  startLineNumber: number;
  startColumn: number;
  endLineNumber: number;
  endColumn: number;
  source?: string;
  code?: string;
  tags?: MarkerTag[];
}

export type LanguageServiceStatus = 'idle' | 'starting' | 'ready' | 'failed';

export interface LanguageService {
  /** Name shown in the UI and used as the Monaco marker owner. */
  readonly name: string;
  /**
   * The diagnostics for the model's current text. Resolves once the service has checked
   * that text (or a newer one).
   */
  getDiagnostics(model: DocumentModel): Promise<Marker[]>;
  /** The editor no longer shows this model. */
  closeModel(model: DocumentModel): void;
  readonly status: LanguageServiceStatus;
  /** Subscribe to status changes; returns the unsubscribe function. */
  onStatusChange(listener: (status: LanguageServiceStatus, detail?: string) => void): () => void;
  dispose(): void;
}
