import { MarkerSeverity, MarkerTag, type Marker } from '../LanguageService';
import { DiagnosticSeverity, DiagnosticTag, type LspDiagnostic } from './lsp';

function severityOf(severity: number | undefined): MarkerSeverity {
  switch (severity) {
    case DiagnosticSeverity.Warning:
      return MarkerSeverity.Warning;
    case DiagnosticSeverity.Information:
      return MarkerSeverity.Info;
    case DiagnosticSeverity.Hint:
      return MarkerSeverity.Hint;
    default:
      return MarkerSeverity.Error;
  }
}

/** LSP diagnostics (0-based) → Monaco markers (1-based). */
export function toMarkers(diagnostics: readonly LspDiagnostic[], source = 'pyright'): Marker[] {
  return diagnostics.map((d) => {
    const startLineNumber = d.range.start.line + 1;
    const startColumn = d.range.start.character + 1;
    const endLineNumber = d.range.end.line + 1;
    let endColumn = d.range.end.character + 1;
    // An empty range would draw no squiggle at all.
    if (endLineNumber === startLineNumber && endColumn <= startColumn) endColumn = startColumn + 1;
    const marker: Marker = {
      severity: severityOf(d.severity),
      message: d.message,
      startLineNumber,
      startColumn,
      endLineNumber,
      endColumn,
      source: d.source ?? source,
    };
    if (d.code !== undefined) marker.code = String(d.code);
    const tags = (d.tags ?? []).flatMap((t) =>
      t === DiagnosticTag.Unnecessary
        ? [MarkerTag.Unnecessary]
        : t === DiagnosticTag.Deprecated
          ? [MarkerTag.Deprecated]
          : [],
    );
    if (tags.length) marker.tags = tags;
    return marker;
  });
}
